//! The procedure itself: levels, deadlines, escalation, stages and roles.
//!
//! Pure functions over plain data (std + chrono/serde/uuid, hmac/sha2 for the timeline's MACs in
//! `chain` and the webhooks' signatures, chacha20poly1305 for their sealed secrets): no I/O, no
//! clock reads except where a caller passes `now`. Handlers and templates never decide a level,
//! a deadline, an escalation or a permission; they ask this module. Sources: the amended
//! 各機關資通安全事件通報及應變作業程序 and the current 資通安全事件通報應變及演練辦法 (see
//! `SPEC.md`).

pub mod agency;
pub mod audit;
pub mod chain;
pub mod deadlines;
pub mod escalation;
pub mod evidence;
pub mod filing;
pub mod improvement;
pub mod incident;
pub mod indicators;
pub mod input;
pub mod level;
pub mod log_duty;
pub mod mfa;
pub mod notifications;
pub mod passwords;
pub mod retention;
pub mod role_changes;
pub mod roles;
pub mod search;
pub mod sso;
pub mod stages;
pub mod stix;
pub mod taxii;
pub mod team;
pub mod tlp;
pub mod tokens;
pub mod tracking;
pub mod webhooks;

#[cfg(test)]
mod test_support;

pub use agency::{AgencyId, AgencyKind, AgencyRelations, ResponsibilityLevel};
pub use deadlines::{
    add_calendar_month, deadlines, overdue_kinds, taipei, to_taipei, Deadline, DeadlineInputs,
    DeadlineKind, DeadlineStatus, TAIPEI,
};
pub use escalation::{
    escalation_target, may_see, supervision_chain, visible_agencies, AgencyScope, EscalationTarget,
};
pub use evidence::{
    CustodyEvent, EvidenceError, EvidenceField, EvidenceInput, EvidenceKind, IsolationMeasure,
    RecoveryPath, RecoveryStep, SubmissionTarget,
};
pub use filing::{check_filing, check_report_times, Category, FilingInput, ReportTimeError};
pub use improvement::{check_due, DroppedItem, HorizonError, ImprovementHorizon, ImprovementItem};
pub use incident::{
    Applied, FollowUp, Incident, IncidentEvent, InitialReport, OtherMeansReport, Oversight,
    Placement, Refusal, ReminderPolicy, Schedule, StageAction, StageActionKind,
};
pub use indicators::{Candidate, ImportReport, IndicatorError, IndicatorType, Skipped};
pub use input::FieldErrors;
pub use level::{
    classify, AssetClass, Classification, ClassifyError, Impact, ImpactKind, IncidentLevel,
};
pub use log_duty::{LogDuty, ProtectionLevel};
pub use roles::{
    may, may_file, may_manage, may_on_agency, may_portal, Action, Actor, AgencyAction, Denied,
    IncidentContext, PortalAction, Role,
};
pub use stages::{
    complete_stage, missing_items, AffectedSystem, AgendaItem, ClassifiedDocument,
    CommanderDecision, EscalationNotice, IncidentStatus, MissingItem, NoticeMeans, ResponseMeeting,
    Stage, StageError, StageRecord, VirusCheckSubmission,
};
pub use stix::{ExportItem, Pattern, PatternError, Producer, StixError};
pub use team::{
    DecisionError, DrillInput, DrillKind, DrillProblem, DrillStatus, MemberField, MemberProblem,
    Position, ProposalStatus, RosterChange, RosterMember, RosterProblem,
};
