//! The audit log's vocabulary (#14 item 7): what is recorded about accounts, rights and 密件
//! reports, and how an entry is linked into its agency's keyed chain.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::chain::ChainKey;
use crate::domain::{Actor, AgencyId, Denied, Role};

/// What happened. Stored by `name()`; shown by `label_key()` (i18n `audit.kind.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditKind {
    UserCreated,
    RoleGrantRequested,
    RoleGranted,
    RoleGrantRefused,
    RoleRemoved,
    UserDisabled,
    UserEnabled,
    TokenIssued,
    TokenRevoked,
    PasswordChanged,
    PasswordReset,
    MfaEnrolled,
    MfaTurnedOff,
    MfaReset,
    RecoveryCodesRenewed,
    RecoveryCodeUsed,
    /// A report of a level-3/4 incident (a 密件, point 3(二)) was shown or downloaded.
    ClassifiedReportViewed,
    ClassifiedReportDownloaded,
    /// The competent authority set the retention periods (檔案法 art. 12).
    RetentionPeriodsSet,
    /// An agency administrator added a webhook endpoint (where the agency's incidents are told).
    WebhookAdded,
    WebhookDeleted,
    /// What an endpoint hears, or its pause, changed.
    WebhookChanged,
}

impl AuditKind {
    pub const ALL: [AuditKind; 22] = [
        AuditKind::UserCreated,
        AuditKind::RoleGrantRequested,
        AuditKind::RoleGranted,
        AuditKind::RoleGrantRefused,
        AuditKind::RoleRemoved,
        AuditKind::UserDisabled,
        AuditKind::UserEnabled,
        AuditKind::TokenIssued,
        AuditKind::TokenRevoked,
        AuditKind::PasswordChanged,
        AuditKind::PasswordReset,
        AuditKind::MfaEnrolled,
        AuditKind::MfaTurnedOff,
        AuditKind::MfaReset,
        AuditKind::RecoveryCodesRenewed,
        AuditKind::RecoveryCodeUsed,
        AuditKind::ClassifiedReportViewed,
        AuditKind::ClassifiedReportDownloaded,
        AuditKind::RetentionPeriodsSet,
        AuditKind::WebhookAdded,
        AuditKind::WebhookDeleted,
        AuditKind::WebhookChanged,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AuditKind::UserCreated => "user_created",
            AuditKind::RoleGrantRequested => "role_grant_requested",
            AuditKind::RoleGranted => "role_granted",
            AuditKind::RoleGrantRefused => "role_grant_refused",
            AuditKind::RoleRemoved => "role_removed",
            AuditKind::UserDisabled => "user_disabled",
            AuditKind::UserEnabled => "user_enabled",
            AuditKind::TokenIssued => "token_issued",
            AuditKind::TokenRevoked => "token_revoked",
            AuditKind::PasswordChanged => "password_changed",
            AuditKind::PasswordReset => "password_reset",
            AuditKind::MfaEnrolled => "mfa_enrolled",
            AuditKind::MfaTurnedOff => "mfa_turned_off",
            AuditKind::MfaReset => "mfa_reset",
            AuditKind::RecoveryCodesRenewed => "recovery_codes_renewed",
            AuditKind::RecoveryCodeUsed => "recovery_code_used",
            AuditKind::ClassifiedReportViewed => "classified_report_viewed",
            AuditKind::ClassifiedReportDownloaded => "classified_report_downloaded",
            AuditKind::RetentionPeriodsSet => "retention_periods_set",
            AuditKind::WebhookAdded => "webhook_added",
            AuditKind::WebhookDeleted => "webhook_deleted",
            AuditKind::WebhookChanged => "webhook_changed",
        }
    }

    pub fn parse(name: &str) -> Option<AuditKind> {
        AuditKind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn label_key(self) -> String {
        format!("audit.kind.{}", self.name())
    }
}

/// Whose entries a user may read on the audit page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditScope {
    /// The competent authority's reviewers and administrators audit the whole portal.
    Every,
    /// An agency's administrators and its CISO (who confirms role grants) audit their agency.
    Own(AgencyId),
}

pub fn scope_of(actor: &Actor) -> Result<AuditScope, Denied> {
    if actor.agency_is_competent_authority && actor.holds_any(&[Role::Reviewer, Role::AgencyAdmin])
    {
        Ok(AuditScope::Every)
    } else if actor.holds_any(&[Role::AgencyAdmin, Role::Ciso]) {
        Ok(AuditScope::Own(actor.agency))
    } else {
        Err(Denied::NotPermitted)
    }
}

/// One entry as it is linked: its agency's chain position and everything it says.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub agency_id: Uuid,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub subject_id: Option<Uuid>,
    pub incident_id: Option<Uuid>,
    pub kind: String,
    pub detail: String,
    pub prev_hash: Vec<u8>,
}

/// The first entry of a chain links to this.
pub const GENESIS: [u8; 32] = [0u8; 32];

impl AuditEntry {
    /// The entry's link: the keyed MAC of the previous link and every field, so that an entry
    /// changed, dropped, reordered or added without the key no longer verifies. The leading
    /// "audit" keeps an audit link from ever equalling a timeline link.
    pub fn link(&self, key: &ChainKey) -> Vec<u8> {
        let opt = |u: Option<Uuid>| u.map(|u| u.to_string()).unwrap_or_default();
        let parts = [
            "audit".to_string(),
            self.agency_id.to_string(),
            self.seq.to_string(),
            self.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            opt(self.actor_id),
            opt(self.subject_id),
            opt(self.incident_id),
            self.kind.clone(),
            self.detail.clone(),
        ];
        key.link(&self.prev_hash, parts.iter().map(|p| p.as_bytes()))
    }
}

/// Where a chain of entries (in `seq` order, with their stored links) first fails.
pub fn first_break(
    key: &ChainKey,
    entries: &[(AuditEntry, Vec<u8>)],
) -> Option<(i64, &'static str)> {
    let mut prev = GENESIS.to_vec();
    for (expected_seq, (entry, stored)) in (1..).zip(entries) {
        if entry.seq != expected_seq {
            return Some((entry.seq, "a gap in the sequence"));
        }
        if entry.prev_hash != prev {
            return Some((entry.seq, "does not follow the entry before it"));
        }
        if entry.link(key) != *stored {
            return Some((entry.seq, "its link does not match its content"));
        }
        prev = stored.clone();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ChainKey {
        ChainKey::from_bytes([7; 32])
    }

    fn chain(n: i64) -> Vec<(AuditEntry, Vec<u8>)> {
        let mut out: Vec<(AuditEntry, Vec<u8>)> = Vec::new();
        for seq in 1..=n {
            let prev = out.last().map_or(GENESIS.to_vec(), |(_, h)| h.clone());
            let e = AuditEntry {
                agency_id: Uuid::nil(),
                seq,
                at: DateTime::from_timestamp(1_700_000_000 + seq, 0).unwrap(),
                actor_id: Some(Uuid::from_u128(1)),
                subject_id: Some(Uuid::from_u128(2)),
                incident_id: None,
                kind: AuditKind::RoleGranted.name().into(),
                detail: format!("commander #{seq}"),
                prev_hash: prev,
            };
            let h = e.link(&key());
            out.push((e, h));
        }
        out
    }

    #[test]
    fn the_competent_authority_audits_all_agencies_admins_and_cisos_their_own() {
        let actor = |roles: &[Role], ca: bool| Actor {
            agency: AgencyId(Uuid::from_u128(9)),
            roles: roles.to_vec(),
            agency_is_competent_authority: ca,
            ..Actor::default()
        };
        assert_eq!(
            scope_of(&actor(&[Role::Reviewer], true)),
            Ok(AuditScope::Every)
        );
        assert_eq!(
            scope_of(&actor(&[Role::AgencyAdmin], true)),
            Ok(AuditScope::Every)
        );
        let own = Ok(AuditScope::Own(AgencyId(Uuid::from_u128(9))));
        assert_eq!(scope_of(&actor(&[Role::AgencyAdmin], false)), own);
        assert_eq!(scope_of(&actor(&[Role::Ciso], false)), own);
        assert_eq!(scope_of(&actor(&[Role::Ciso], true)), own);
        for r in [Role::Reviewer, Role::SecurityOfficer, Role::Commander] {
            assert_eq!(
                scope_of(&actor(&[r], false)),
                Err(Denied::NotPermitted),
                "{r:?}"
            );
        }
    }

    #[test]
    fn kinds_round_trip_and_are_distinct() {
        for k in AuditKind::ALL {
            assert_eq!(AuditKind::parse(k.name()), Some(k));
        }
        let mut names: Vec<_> = AuditKind::ALL.iter().map(|k| k.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), AuditKind::ALL.len());
        assert_eq!(AuditKind::parse("drop table"), None);
    }

    #[test]
    fn an_intact_chain_verifies_and_any_change_breaks_it() {
        let good = chain(4);
        assert_eq!(first_break(&key(), &good), None);
        let mut edited = good.clone();
        edited[2].0.detail = "reviewer".into();
        assert_eq!(first_break(&key(), &edited).map(|b| b.0), Some(3));
        let mut dropped = good.clone();
        dropped.remove(1);
        assert_eq!(first_break(&key(), &dropped).map(|b| b.0), Some(3));
        // Relinked without the key (another key): the first entry already fails.
        let other = ChainKey::from_bytes([8; 32]);
        assert_eq!(first_break(&other, &good).map(|b| b.0), Some(1));
    }
}
