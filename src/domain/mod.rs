//! The procedure itself: levels, deadlines, escalation, stages and roles.
//!
//! Pure functions over plain data (std + chrono/serde/uuid only): no I/O, no
//! clock reads except where a caller passes `now`. Handlers and templates
//! never decide a level, a deadline, an escalation or a permission; they ask
//! this module. Sources: the amended 各機關資通安全事件通報及應變作業程序
//! and the current 資通安全事件通報應變及演練辦法 (see `SPEC.md`).

use serde::{Deserialize, Serialize};

pub mod agency;
pub mod deadlines;
pub mod escalation;
pub mod filing;
pub mod improvement;
pub mod level;
pub mod notifications;
pub mod roles;
pub mod stages;

#[cfg(test)]
mod test_support;

pub use agency::{AgencyId, AgencyKind, AgencyRelations, ResponsibilityLevel};
pub use deadlines::{
    add_calendar_month, deadlines, overdue_kinds, taipei, to_taipei, Deadline, DeadlineInputs,
    DeadlineKind, DeadlineStatus, TAIPEI,
};
pub use escalation::{escalation_target, may_see, supervision_chain, EscalationTarget};
pub use filing::{check_report_times, Category, ReportTimeError};
pub use improvement::{check_due, HorizonError, ImprovementHorizon, ImprovementItem};
pub use level::{
    classify, AssetClass, Classification, ClassifyError, Impact, ImpactKind, IncidentLevel,
};
pub use roles::{may, may_manage, Action, Actor, Denied, IncidentContext, Role};
pub use stages::{
    complete_stage, missing_items, AffectedSystem, AgendaItem, ClassifiedDocument,
    CommanderDecision, EscalationNotice, IncidentRecord, IncidentStatus, MissingItem, NoticeMeans,
    ResponseMeeting, Stage, StageError, VirusCheckSubmission,
};

/// A text shown to users in both languages the portal speaks:
/// Traditional Chinese (what users see first) and English.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Bilingual {
    pub zh: String,
    pub en: String,
}

impl Bilingual {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Bilingual {
            zh: zh.into(),
            en: en.into(),
        }
    }
}
