//! The incident aggregate: what is on record about one incident, one typed field per fact, and
//! the one function that changes it, [`Incident::apply`].
//!
//! A service loads an `Incident`, calls `apply` with the acting user and a typed
//! [`StageAction`], and gets back either an [`Applied`] (the new state, the timeline events to
//! append, who must hear of it) or a [`Refusal`] saying why not. Nothing else decides whether an
//! action may happen, what it records or what a stage still needs.
//!
//! Storage keeps the facts a list, a job or an index needs as columns and the rest of the stage
//! record as one JSON document; [`Incident::schedule`] gives the values derived from the facts
//! that the database keeps next to them for sorting and indexing (deadlines, the next reminder),
//! recomputed at every save and never written by hand.

pub mod actions;
mod apply;
pub mod events;
mod filing;
pub mod next;
pub mod reminders;
pub mod review;
pub mod story;
mod work;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::agency::AgencyId;
use super::deadlines::{deadlines, Deadline, DeadlineInputs, DeadlineKind};
use super::filing::Category;
use super::level::{Impact, IncidentLevel};
use super::roles::{may, Action, Actor, Denied, IncidentContext};
use super::stages::{missing_items, CommanderDecision, IncidentStatus, MissingItem, StageRecord};

pub use actions::{StageAction, StageActionKind};
pub use apply::{Applied, FollowUp, Refusal};
pub use events::IncidentEvent;
pub use filing::Placement;
pub use reminders::{DueReminder, ReminderKind, ReminderPolicy};

/// What the agency reported when it filed (art. 6; SPEC 2): fixed once filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialReport {
    pub title: String,
    pub category: Category,
    /// A code of the category's sub-categories, or empty.
    pub subcategory: String,
    pub summary: String,
    /// Who the notified agency may contact.
    pub contact: String,
    /// The impacts the level was classified from.
    pub impacts: Vec<Impact>,
    /// Personal data leaked (個人資料外洩): brings in the PDPA art. 12 assessment.
    pub personal_data: bool,
    /// 知悉: when the agency became aware; the report's and containment's clocks start here.
    pub aware_at: DateTime<Utc>,
    pub occurred_at: Option<DateTime<Utc>>,
    /// Reported earlier by other appropriate means because the platform could not be used.
    pub other_means: Option<OtherMeansReport>,
}

/// Art. 6: a report by other appropriate means while the platform could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherMeansReport {
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// Who oversees the incident's agency, as the agency register stands now: the supervision chain
/// (nearest first), how each of them stands to the agency, and the competent authority; and
/// whether the agency runs critical infrastructure. Loaded with the incident, never stored with
/// it: an agency moved in the register is overseen by its new superiors from the move on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Oversight {
    pub chain: Vec<AgencyId>,
    /// How each agency of the chain stands to the incident's agency.
    pub relations: Vec<(AgencyId, SupervisorRole)>,
    pub competent_authority: AgencyId,
    /// The agency operates critical infrastructure (關鍵基礎設施): only then can an impact be
    /// on the core systems involved in operating it.
    pub critical_infrastructure: bool,
}

/// What a supervising agency is to the incident's agency, as a comment names its author.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupervisorRole {
    /// 上級機關 (also a superior's superior).
    SuperiorAgency,
    /// 中央目的事業主管機關.
    SectorAuthority,
    /// 監督機關.
    SupervisingAgency,
    /// 主管機關.
    CompetentAuthority,
}

impl SupervisorRole {
    pub fn label(self) -> crate::i18n::Text {
        crate::i18n::Text::key(match self {
            SupervisorRole::SuperiorAgency => "supervisor.superior_agency",
            SupervisorRole::SectorAuthority => "supervisor.sector_authority",
            SupervisorRole::SupervisingAgency => "supervisor.supervising_agency",
            SupervisorRole::CompetentAuthority => "supervisor.competent_authority",
        })
    }
}

impl Oversight {
    /// How the agencies an agency's register entry names stand to it (point 3(一)2; SPEC 1).
    pub fn direct_relations(
        agency: &super::agency::AgencyRelations,
    ) -> Vec<(AgencyId, SupervisorRole)> {
        [
            (agency.superior, SupervisorRole::SuperiorAgency),
            (agency.sector_authority, SupervisorRole::SectorAuthority),
            (agency.supervising, SupervisorRole::SupervisingAgency),
        ]
        .into_iter()
        .filter_map(|(a, r)| a.map(|a| (a, r)))
        .collect()
    }

    /// What `agency` is to the incident's agency (a superior agency when the register does not
    /// say more: it sits above it in the chain).
    pub fn role_of(&self, agency: AgencyId) -> SupervisorRole {
        if agency == self.competent_authority {
            return SupervisorRole::CompetentAuthority;
        }
        self.relations
            .iter()
            .find(|(a, _)| *a == agency)
            .map_or(SupervisorRole::SuperiorAgency, |(_, r)| *r)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub id: Uuid,
    pub agency: AgencyId,
    /// `<agency code>-<year>-<sequence>`.
    pub number: String,
    pub report: InitialReport,
    /// When the incident counts as reported: on the platform, or earlier by other means.
    pub reported_at: DateTime<Utc>,
    /// The level the impacts amount to, as reported.
    pub proposed_level: IncidentLevel,
    /// The level now in force (after review, if any).
    pub level: IncidentLevel,
    /// The notified agency (受通報機關); `None` for the competent authority's own incidents.
    pub escalation_target: Option<AgencyId>,
    pub status: IncidentStatus,
    /// What the stages have on record.
    pub record: StageRecord,
    /// Completion of damage control or recovery notified (art. 8): starts the report's month.
    pub containment_completed_at: Option<DateTime<Utc>>,
    /// The investigation, handling and improvement report submitted.
    pub report_submitted_at: Option<DateTime<Utc>>,
    /// The competent authority's relay of a level 3/4 incident to the Office of Homeland Security.
    pub homeland_relayed_at: Option<DateTime<Utc>>,
    /// Loaded with the incident; see [`Oversight`].
    pub oversight: Oversight,
}

/// The values derived from an incident's facts that storage keeps beside them for lists, queues,
/// jobs and indexes. Only [`Incident::schedule`] computes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub report_due: Option<DateTime<Utc>>,
    pub review_due: Option<DateTime<Utc>>,
    pub relay_due: Option<DateTime<Utc>>,
    pub containment_due: Option<DateTime<Utc>>,
    pub report_submission_due: Option<DateTime<Utc>>,
    /// The nearest deadline not yet met, while the incident is open.
    pub next_due: Option<DateTime<Utc>>,
    /// When the reminder job must next look at the incident (see [`reminders`]).
    pub reminder_at: Option<DateTime<Utc>>,
    /// A root-cause submission waits for the commander's decision.
    pub awaiting_commander: bool,
    /// The latest level 3/4 control-effect report.
    pub last_control_report_at: Option<DateTime<Utc>>,
    /// The current round's review, and its relay to the competent authority.
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_relayed_at: Option<DateTime<Utc>>,
    /// The investigation report's date as extended with the notified agency's consent.
    pub report_extended_until: Option<DateTime<Utc>>,
}

impl Incident {
    /// What the permission rules need to know about the incident.
    pub fn context(&self) -> IncidentContext {
        IncidentContext {
            agency: self.agency,
            status: self.status,
            level: self.level,
            supervision_chain: self.oversight.chain.clone(),
            notified_agency: Some(self.notified_agency()),
        }
    }

    /// May `actor` do `action` on this incident now? (the rules are [`super::roles::may`]).
    pub fn may(&self, actor: &Actor, action: Action) -> Result<(), Denied> {
        may(actor, action, &self.context())
    }

    /// The stage actions `actor` may take now, in stage order.
    pub fn permitted_actions(&self, actor: &Actor) -> Vec<StageActionKind> {
        StageActionKind::ALL
            .into_iter()
            .filter(|k| self.may(actor, k.permission()).is_ok())
            .collect()
    }

    /// Whether the notified agency is the competent authority itself (no superior agency and no
    /// sector authority), so that there is nobody to relay the review to.
    pub fn notified_agency_is_competent_authority(&self) -> bool {
        self.escalation_target
            .is_none_or(|t| t == self.oversight.competent_authority)
    }

    /// Every deadline (art. 6–8), computed from the recorded times and the level in force.
    pub fn deadlines(&self) -> Vec<Deadline> {
        deadlines(&DeadlineInputs {
            aware_at: self.report.aware_at,
            reported_at: Some(self.reported_at),
            review_requested_at: Some(self.review_round().received_at),
            review_level: self.review_round().level_as_reported,
            reviewed_at: self.reviewed_at(),
            review_relayed_at: self.round_relay().map(|r| r.at),
            containment_completed_at: self.containment_completed_at,
            report_submitted_at: self.report_submitted_at,
            report_extended_until: self.report_extended_until(),
            level: self.level,
            notified_agency_is_competent_authority: !self.relay_owed()
                && self.reviewed_at().is_some(),
        })
    }

    /// What the current stage still needs (empty when closed or ready to complete).
    pub fn missing_items(&self) -> Vec<MissingItem> {
        self.status
            .stage()
            .map(|s| missing_items(s, self))
            .unwrap_or_default()
    }

    /// Whether documents about the incident carry the 密件 (classified) marking: those of level
    /// 3/4 incidents, whose report goes out as a classified official document (point 3(五)5).
    pub fn is_classified(&self) -> bool {
        self.level.is_major()
    }

    /// A root-cause submission is waiting for the commander's decision (裁處).
    pub fn awaiting_commander(&self) -> bool {
        self.status == IncidentStatus::Open(super::stages::Stage::RootCause)
            && self.record.submitted_to_commander_at.is_some()
            && self.record.commander_decision.is_none()
    }

    /// The commander returned the submission with this comment (it awaits a resubmission).
    pub fn returned_with(&self) -> Option<&str> {
        match &self.record.commander_decision {
            Some(CommanderDecision::Returned { comment }) => Some(comment),
            _ => None,
        }
    }

    /// The derived values storage keeps next to the facts.
    pub fn schedule(&self, policy: &ReminderPolicy, now: DateTime<Utc>) -> Schedule {
        let ds = self.deadlines();
        let due = |kind: DeadlineKind| ds.iter().find(|d| d.kind == kind).and_then(|d| d.due);
        let next_due = if self.status.is_closed() {
            None
        } else {
            ds.iter()
                .filter(|d| d.done_at.is_none())
                .filter_map(|d| d.due)
                .min()
        };
        Schedule {
            report_due: due(DeadlineKind::Report),
            review_due: due(DeadlineKind::Review),
            relay_due: due(DeadlineKind::ReviewRelay),
            containment_due: due(DeadlineKind::Containment),
            report_submission_due: due(DeadlineKind::InvestigationReport),
            next_due,
            reminder_at: self.next_reminder_at(policy, now),
            awaiting_commander: self.awaiting_commander(),
            last_control_report_at: self
                .record
                .control_effect_reports
                .iter()
                .map(|r| r.at)
                .max(),
            reviewed_at: self.reviewed_at(),
            review_relayed_at: self.round_relay().map(|r| r.at),
            report_extended_until: self.report_extended_until(),
        }
    }
}

#[cfg(test)]
pub(crate) mod fixtures;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod law_tests;
