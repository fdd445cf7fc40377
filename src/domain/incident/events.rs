//! What the timeline records of the incident's own procedure: one typed event per change, stored
//! as its `kind` and a JSON `body` (the entry's text that the hash chain covers).
//!
//! Evidence, custody, indicators and the incident team append their own kinds beside these.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::super::improvement::ImprovementItem;
use super::super::level::Impact;
use super::super::stages::{
    AffectedSystem, CisoMeeting, ClassifiedDocument, CommanderDecision, EscalationNotice,
    IncidentStatus, PeriodicReport, ResponseMeeting, Stage, VirusCheckSubmission,
};
use super::review::{FollowUpReport, ReviewKind, ReviewRelay};
use super::SupervisorRole;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "body", rename_all = "snake_case")]
pub enum IncidentEvent {
    /// Filed on the platform (or recorded as reported earlier by other means).
    Filed {
        number: String,
        level: u8,
        /// The impact that decided the level (its rule sentence is shown from it).
        #[serde(default)]
        deciding_impact: Option<Impact>,
        reported_at: DateTime<Utc>,
        #[serde(default)]
        other_means_reason: String,
    },
    EscalationNotice(EscalationNotice),
    TeamActivated {},
    ResponseMeeting(ResponseMeeting),
    Containment {
        scope_confirmed: bool,
        priority_restoration_done: bool,
        systems: Vec<AffectedSystem>,
        public_announcement: Option<bool>,
        completion_notified_at: Option<DateTime<Utc>>,
        #[serde(default)]
        initial_control_at: Option<DateTime<Utc>>,
    },
    ControlEffectReport(PeriodicReport),
    PersonalDataAssessment {
        assessment: String,
    },
    RootCause {
        equipment_failure: bool,
        root_cause: Option<String>,
        malware_found: bool,
    },
    MalwareAnalysis {
        analysis: String,
    },
    VirusCheckSubmission(VirusCheckSubmission),
    ImprovementItemAdded(ImprovementItem),
    ImprovementItemDone {
        index: usize,
        description: String,
    },
    ImprovementItemEdited {
        index: usize,
        item: ImprovementItem,
    },
    ImprovementItemDropped {
        index: usize,
        description: String,
        reason: String,
    },
    SubmittedToCommander {
        at: DateTime<Utc>,
    },
    CommanderDecision(CommanderDecision),
    SentToEscalationTarget {
        at: DateTime<Utc>,
    },
    ImprovementProgressReport(PeriodicReport),
    /// The security staff forwarded `count` reports (`control_effect` or `progress`).
    ReportsForwarded {
        report: String,
        count: usize,
    },
    ReportSubmitted {
        at: DateTime<Utc>,
    },
    ClassifiedDocument(ClassifiedDocument),
    StageCompleted {
        stage: Stage,
        now: IncidentStatus,
    },
    LevelReviewed {
        from: u8,
        to: u8,
        reason: String,
        reviewer_agency: String,
        /// Review, re-check or direct review (absent in entries made before re-checks).
        #[serde(default)]
        kind: Option<ReviewKind>,
        #[serde(default)]
        round: usize,
    },
    ReviewRelayed(ReviewRelay),
    FollowUpReport(FollowUpReport),
    ReportExtensionRequested {
        until: DateTime<Utc>,
        reason: String,
    },
    ReportExtensionDecided {
        until: DateTime<Utc>,
        consent: bool,
        comment: String,
        agency: String,
    },
    CisoMeeting(CisoMeeting),
    /// Closing handed the open improvement items to the agency's tracking (point 3(五)6).
    HandedToTracking {
        items: usize,
    },
    SupervisorComment {
        comment: String,
        agency: String,
        /// What the commenting agency is to the incident's (上級機關, 主管機關…).
        #[serde(default)]
        role: Option<SupervisorRole>,
    },
    HomelandSecurityRelay {
        at: DateTime<Utc>,
    },
    /// The agency's answer to its supervising agencies' comments.
    AgencyReply {
        comment: String,
        /// The replying agency's name.
        agency: String,
    },
}

impl IncidentEvent {
    /// The stored kind (also the catalog key `timeline.<kind>` of its heading).
    pub fn kind(&self) -> &'static str {
        use IncidentEvent::*;
        match self {
            Filed { .. } => "filed",
            EscalationNotice(_) => "escalation_notice",
            TeamActivated {} => "team_activated",
            ResponseMeeting(_) => "response_meeting",
            Containment { .. } => "containment",
            ControlEffectReport(_) => "control_effect_report",
            PersonalDataAssessment { .. } => "personal_data_assessment",
            RootCause { .. } => "root_cause",
            MalwareAnalysis { .. } => "malware_analysis",
            VirusCheckSubmission(_) => "virus_check_submission",
            ImprovementItemAdded(_) => "improvement_item_added",
            ImprovementItemDone { .. } => "improvement_item_done",
            ImprovementItemEdited { .. } => "improvement_item_edited",
            ImprovementItemDropped { .. } => "improvement_item_dropped",
            SubmittedToCommander { .. } => "submitted_to_commander",
            CommanderDecision(_) => "commander_decision",
            SentToEscalationTarget { .. } => "sent_to_escalation_target",
            ImprovementProgressReport(_) => "improvement_progress_report",
            ReportsForwarded { .. } => "reports_forwarded",
            ReportSubmitted { .. } => "report_submitted",
            ClassifiedDocument(_) => "classified_document",
            StageCompleted { .. } => "stage_completed",
            LevelReviewed { .. } => "level_reviewed",
            ReviewRelayed(_) => "review_relayed",
            FollowUpReport(_) => "follow_up_report",
            ReportExtensionRequested { .. } => "report_extension_requested",
            ReportExtensionDecided { .. } => "report_extension_decided",
            CisoMeeting(_) => "ciso_meeting",
            HandedToTracking { .. } => "handed_to_tracking",
            SupervisorComment { .. } => "supervisor_comment",
            HomelandSecurityRelay { .. } => "homeland_security_relay",
            AgencyReply { .. } => "agency_reply",
        }
    }
}

impl IncidentEvent {
    /// Reads a stored entry back; `None` for the kinds other parts append (evidence, custody,
    /// indicators, the incident team).
    pub fn read(kind: &str, body: &str) -> Option<IncidentEvent> {
        let body: serde_json::Value = serde_json::from_str(body).ok()?;
        serde_json::from_value(serde_json::json!({ "kind": kind, "body": body })).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_stored_as_its_kind_and_body_and_reads_back() {
        let e = IncidentEvent::StageCompleted {
            stage: Stage::Report,
            now: IncidentStatus::Open(Stage::ResponseTeam),
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["kind"], e.kind());
        assert_eq!(
            v["body"],
            serde_json::json!({"stage": "report", "now": "response_team"})
        );
        assert_eq!(
            serde_json::from_value::<IncidentEvent>(v.clone()).unwrap(),
            e
        );
        let stored = serde_json::to_string(&v["body"]).unwrap();
        assert_eq!(IncidentEvent::read(e.kind(), &stored), Some(e));
        assert_eq!(IncidentEvent::read("evidence_uploaded", "{}"), None);
        let v = serde_json::to_value(IncidentEvent::TeamActivated {}).unwrap();
        assert_eq!(v["body"], serde_json::json!({}));
    }
}
