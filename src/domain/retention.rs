//! How long a closed incident's records are kept, what stops them being purged, and how the
//! personal data in them is redacted on request.
//!
//! - 檔案法 (Archives Act) art. 12: records are kept for the period of the retention schedule and
//!   destroyed only by it. The competent authority sets the period per record type for the
//!   records the portal holds ([`RetentionPeriods`]); the scheduler purges what is past it.
//! - A legal hold (a lawsuit, an investigation, an audit) stops every purge of the incident
//!   until it is released; the incident's agency or an agency that supervises it places it
//!   ([`may_hold`]).
//! - 個人資料保護法 (Personal Data Protection Act) art. 11: personal data is deleted or stopped
//!   being used on the data subject's request once its purpose is gone. The agency that holds the
//!   incident redacts the words that identify the person ([`Redaction`]) wherever the record
//!   holds them; the timeline keeps an attestation entry instead of the words.
//!
//! A purge or a redaction rewrites timeline bodies, which the chain's links cover; the rewrite is
//! attested by an entry appended to the same chain ([`Attestation`]) that lists every rewritten
//! entry's original link and the SHA-256 of its new body, so the chain still verifies.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::deadlines::{to_taipei, TAIPEI};
use super::input::{clean_text, FieldErrors};
use super::roles::{Actor, Denied, IncidentContext, PortalAction, Role};
use crate::i18n::Text;

/// A record type the retention schedule names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordType {
    /// 事件紀錄: the incident's report, stage records and timeline.
    IncidentRecord,
    /// 跡證檔案: the evidence files the portal stores (their register lines stay with the record).
    EvidenceFile,
}

impl RecordType {
    pub const ALL: [RecordType; 2] = [RecordType::IncidentRecord, RecordType::EvidenceFile];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::IncidentRecord => "incident_record",
            RecordType::EvidenceFile => "evidence_file",
        }
    }

    pub fn parse(s: &str) -> Option<RecordType> {
        RecordType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label(self) -> Text {
        Text::key(match self {
            RecordType::IncidentRecord => "retention.type.incident_record",
            RecordType::EvidenceFile => "retention.type.evidence_file",
        })
    }
}

/// The longest period the schedule takes (permanent records are not the portal's to keep).
pub const MAX_YEARS: u16 = 100;

/// The periods in force, in years from the incident's closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPeriods {
    pub incident_record: u16,
    pub evidence_file: u16,
}

impl Default for RetentionPeriods {
    /// What a new portal starts with until the competent authority sets its own: ten years for
    /// the record, five for the evidence files (our choice; the procedure names no period).
    fn default() -> Self {
        RetentionPeriods {
            incident_record: 10,
            evidence_file: 5,
        }
    }
}

impl RetentionPeriods {
    pub fn years(&self, t: RecordType) -> u16 {
        match t {
            RecordType::IncidentRecord => self.incident_record,
            RecordType::EvidenceFile => self.evidence_file,
        }
    }

    /// When the records of type `t` of an incident closed at `closed_at` may be purged: the same
    /// Taipei calendar day `years` later (29 February → 28 February), at midnight Taipei time.
    pub fn purge_from(&self, t: RecordType, closed_at: DateTime<Utc>) -> DateTime<Utc> {
        let day = to_taipei(closed_at).date_naive();
        let year = day.year() + i32::from(self.years(t));
        let later = NaiveDate::from_ymd_opt(year, day.month(), day.day())
            .or_else(|| NaiveDate::from_ymd_opt(year, day.month(), day.day() - 1))
            .expect("the day before 29 February exists every year");
        TAIPEI
            .from_local_datetime(&later.and_hms_opt(0, 0, 0).expect("midnight"))
            .single()
            .expect("Taipei has no clock changes")
            .with_timezone(&Utc)
    }

    /// The competent authority's form: one number of years per record type.
    pub fn parse(incident_record: &str, evidence_file: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut years = |raw: &str, field: &str| match raw.trim().parse::<u16>() {
            Ok(n) if (1..=MAX_YEARS).contains(&n) => n,
            _ => {
                errors.add(field, "retention.error.years");
                0
            }
        };
        let periods = RetentionPeriods {
            incident_record: years(incident_record, "incident_record"),
            evidence_file: years(evidence_file, "evidence_file"),
        };
        if periods.evidence_file > periods.incident_record && errors.is_empty() {
            // The evidence register lines are part of the record: files kept longer than the
            // record would outlive what says what they are.
            errors.add("evidence_file", "retention.error.evidence_longer");
        }
        errors.check().map(|()| periods)
    }
}

/// What the scheduler does with one record type of one incident now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposal {
    /// Still open, or kept until the date.
    Keep { until: Option<DateTime<Utc>> },
    /// Past its period, but a legal hold is in force.
    Held,
    /// Purged already.
    Purged,
    /// Past its period and not held: purge now.
    Purge,
}

/// The facts about an incident the disposal rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionFacts {
    pub closed_at: Option<DateTime<Utc>>,
    pub hold_in_force: bool,
    pub purged_at: Option<DateTime<Utc>>,
}

/// The rule the purge job applies: only closed incidents past the period of the type, never
/// under a legal hold, once.
pub fn disposal(
    t: RecordType,
    periods: &RetentionPeriods,
    facts: &RetentionFacts,
    now: DateTime<Utc>,
) -> Disposal {
    let Some(closed_at) = facts.closed_at else {
        return Disposal::Keep { until: None };
    };
    if facts.purged_at.is_some() {
        return Disposal::Purged;
    }
    let from = periods.purge_from(t, closed_at);
    if now < from {
        Disposal::Keep { until: Some(from) }
    } else if facts.hold_in_force {
        Disposal::Held
    } else {
        Disposal::Purge
    }
}

/// Who places and releases a legal hold: the incident's own security officer (or CISO), or a
/// reviewer of an agency that supervises it (including the competent authority). In any stage,
/// closed too: holds matter most once the incident is closed.
pub fn may_hold(actor: &Actor, incident: &IncidentContext) -> Result<(), Denied> {
    let own = actor.agency == incident.agency;
    let overseer = !own
        && (actor.agency_is_competent_authority
            || incident.supervision_chain.contains(&actor.agency));
    if !own && !overseer {
        return Err(Denied::NotVisible);
    }
    let permitted = if own {
        actor.holds(Role::SecurityOfficer)
    } else {
        actor.holds(Role::Reviewer)
    };
    permitted.then_some(()).ok_or(Denied::NotPermitted)
}

/// Who redacts personal data: the incident's own agency, which holds the data (個資法's
/// 公務機關 or 非公務機關 that collected it), by its security officer. Supervising agencies see
/// the result; they do not change the agency's record.
pub fn may_redact(actor: &Actor, incident: &IncidentContext) -> Result<(), Denied> {
    may_hold(actor, incident)?;
    if actor.agency == incident.agency {
        Ok(())
    } else {
        Err(Denied::NotPermitted)
    }
}

/// Who sets the retention periods: the competent authority's administrator.
pub fn may_set_periods(actor: &Actor) -> Result<(), Denied> {
    super::roles::may_portal(actor, PortalAction::RegisterAgencies)
}

/// The reason a hold is placed or released for.
pub fn hold_reason(raw: &str) -> Result<String, FieldErrors> {
    super::input::required_text(raw, 1000, "reason")
}

/// What replaces a redacted word (stored in the record, which is kept in Chinese).
pub fn mark() -> &'static str {
    crate::i18n::Lang::ZhTw.get("redaction.mark")
}

/// Most words a request redacts at once.
pub const MAX_TERMS: usize = 20;

/// A redaction request: the words that identify the data subject (a name, an ID number, a
/// telephone number, an address), one per line, and why (the request's reference).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction {
    pub reason: String,
    /// Longest first, so that a word inside a longer one does not leave the rest behind.
    terms: Vec<String>,
}

impl Redaction {
    pub fn parse(reason: &str, terms: &str) -> Result<Redaction, FieldErrors> {
        let mut errors = FieldErrors::default();
        let reason = match super::input::required_text(reason, 500, "reason") {
            Ok(r) => r,
            Err(e) => {
                errors.0.extend(e.0);
                String::new()
            }
        };
        let mut words: Vec<String> = Vec::new();
        match clean_text(terms, 5000) {
            None => errors.add("terms", "error.text_too_long"),
            Some(text) => {
                for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    if line.chars().count() < 2 || line.chars().count() > 200 {
                        errors.add("terms", "redaction.error.term_length");
                    } else if !words.iter().any(|w| w == line) {
                        words.push(line.to_string());
                    }
                }
                if words.is_empty() {
                    errors.add("terms", "error.required");
                } else if words.len() > MAX_TERMS {
                    errors.add("terms", "redaction.error.too_many");
                }
            }
        }
        words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
        errors.check().map(|()| Redaction {
            reason,
            terms: words,
        })
    }

    pub fn term_count(&self) -> usize {
        self.terms.len()
    }

    /// `text` with every term replaced; how many were.
    pub fn apply_text(&self, text: &str) -> (String, usize) {
        let mut out = text.to_string();
        let mut count = 0;
        for term in &self.terms {
            let n = out.matches(term.as_str()).count();
            if n > 0 {
                count += n;
                out = out.replace(term.as_str(), mark());
            }
        }
        (out, count)
    }

    /// Every string value in `v` (never a key) with the terms replaced; how many were.
    pub fn apply_json(&self, v: &mut serde_json::Value) -> usize {
        use serde_json::Value;
        match v {
            Value::String(s) => {
                let (out, n) = self.apply_text(s);
                if n > 0 {
                    *s = out;
                }
                n
            }
            Value::Array(items) => items.iter_mut().map(|x| self.apply_json(x)).sum(),
            Value::Object(map) => map.values_mut().map(|x| self.apply_json(x)).sum(),
            _ => 0,
        }
    }
}

/// The timeline kinds that attest a rewrite (the database's trigger names them too).
pub const PURGE_KIND: &str = "record_purged";
pub const REDACTION_KIND: &str = "personal_data_redacted";

/// One rewritten entry as its attestation lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rewritten {
    pub seq: i32,
    /// The entry's link, hex: it is never changed, so the chain and the checkpoints still hold.
    pub link: String,
    /// SHA-256 of the body the entry has after the rewrite, hex.
    pub body_sha256: String,
}

impl Rewritten {
    pub fn new(seq: i32, link: &[u8], new_body: &str) -> Rewritten {
        Rewritten {
            seq,
            link: hex::encode(link),
            body_sha256: body_digest(new_body),
        }
    }
}

pub fn body_digest(body: &str) -> String {
    hex::encode(Sha256::digest(body.as_bytes()))
}

/// The body of an attestation entry: why, and what it rewrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    /// Purge: the record type and its period; redaction: the request's reason.
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub years: Option<u16>,
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    /// Redaction: how many words were asked for and how many places they were replaced in (the
    /// words themselves are the personal data: never recorded).
    #[serde(default)]
    pub terms: Option<usize>,
    #[serde(default)]
    pub replaced: Option<usize>,
    pub rewritten: Vec<Rewritten>,
}

impl Attestation {
    /// Whether this attestation vouches for entry `seq` with link `link` now holding `body`.
    pub fn vouches_for(&self, seq: i32, link: &[u8], body: &str) -> bool {
        let link = hex::encode(link);
        let digest = body_digest(body);
        self.rewritten
            .iter()
            .any(|r| r.seq == seq && r.link == link && r.body_sha256 == digest)
    }
}

/// What a purged entry's body becomes.
pub const PURGED_BODY: &str = "null";

/// Whether an entry must be rewritten by a purge: everything but the attestations themselves
/// (which carry no personal data and keep the rewrites they list verifiable).
pub fn purge_rewrites(kind: &str) -> bool {
    kind != PURGE_KIND && kind != REDACTION_KIND
}

#[cfg(test)]
mod tests;
