//! [`Incident::apply`]: every stage action, checked and recorded in one place. The agency's own
//! stage work is in `work.rs`, the review and what goes with it in `review.rs`.

use chrono::{DateTime, Utc};

use super::super::improvement::ImprovementItem;
use super::super::input::{not_in_future, FieldErrors, When};
use super::super::notifications::Event;
use super::super::roles::{Actor, Denied};
use super::super::stages::MissingItem;
use super::actions::StageAction;
use super::events::IncidentEvent;
use super::Incident;
use crate::i18n::Text;

/// What an applied action changed: the incident as it is now, what the timeline must record,
/// who must be told, and what else the service must do in the same transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub incident: Incident,
    pub events: Vec<IncidentEvent>,
    pub notices: Vec<Event>,
    pub follow_up: Option<FollowUp>,
}

/// Work an action brings with it outside the incident's own record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowUp {
    /// Activating the team copies the agency's roster in force onto the incident (SPEC 4).
    SnapshotTeam,
    /// Closing hands the open improvement items (by position in the strategy) to the agency's
    /// regular tracking (point 3(五)6: 相關改善事項應納入機關現行定期追蹤管考機制).
    HandToTracking(Vec<(usize, ImprovementItem)>),
}

/// Why an action was not applied. Nothing is recorded when it is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not visible (404) or not this user's to do (403).
    NotPermitted(Denied),
    /// Out of order: the stage (or the action) still needs these.
    OutOfStage(Vec<MissingItem>),
    /// Already done, or nothing to act on (409), in the procedure's words.
    Conflict(Text),
    /// What was sent is not acceptable (422), field by field.
    Invalid(FieldErrors),
}

impl From<FieldErrors> for Refusal {
    fn from(e: FieldErrors) -> Self {
        Refusal::Invalid(e)
    }
}

pub(super) fn conflict(key: &'static str) -> Refusal {
    Refusal::Conflict(Text::key(key))
}

/// A time the form must carry, not later than now.
pub(super) fn past_time(
    at: Option<When>,
    now: DateTime<Utc>,
    field: &str,
) -> Result<DateTime<Utc>, Refusal> {
    let at = at
        .ok_or_else(|| FieldErrors::one(field, "error.time_invalid"))?
        .0;
    not_in_future(at, now, field)?;
    Ok(at)
}

/// The incident as an action changes it, with what it announces.
pub(super) struct Change<'a> {
    pub next: Incident,
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
    pub notices: Vec<Event>,
    pub follow_up: Option<FollowUp>,
}

impl Change<'_> {
    /// A time that has happened and that the incident was known by then (a record cannot
    /// predate the awareness it follows).
    pub fn time_since_awareness(
        &self,
        at: Option<When>,
        field: &str,
    ) -> Result<DateTime<Utc>, Refusal> {
        let at = past_time(at, self.now, field)?;
        if at < self.next.report.aware_at {
            return Err(FieldErrors::one(field, "error.before_awareness").into());
        }
        Ok(at)
    }
}

impl Incident {
    /// Applies `action` by `actor` at `now`: permission first (before anything sent is judged),
    /// then the action's own rules.
    pub fn apply(
        &self,
        actor: &Actor,
        action: StageAction,
        now: DateTime<Utc>,
    ) -> Result<Applied, Refusal> {
        self.may(actor, action.kind().permission())
            .map_err(Refusal::NotPermitted)?;
        let mut c = Change {
            next: self.clone(),
            actor,
            now,
            notices: Vec::new(),
            follow_up: None,
        };
        let mut events = vec![c.dispatch(action)?];
        // What completes a stage's record tells whoever completes the stage.
        if let Some(stage) = self.status.stage() {
            let ready = c.next.status == self.status
                && !self.missing_items().is_empty()
                && c.next.missing_items().is_empty();
            if ready {
                c.notices.push(Event::StageReady { stage });
            }
        }
        if let Some(FollowUp::HandToTracking(items)) = &c.follow_up {
            events.push(IncidentEvent::HandedToTracking { items: items.len() });
        }
        Ok(Applied {
            incident: c.next,
            events,
            notices: c.notices,
            follow_up: c.follow_up,
        })
    }
}

impl Change<'_> {
    fn dispatch(&mut self, action: StageAction) -> Result<IncidentEvent, Refusal> {
        use StageAction as A;
        match action {
            A::EscalationNotice(i) => self.record_notice(i),
            A::ActivateTeam => Ok(self.activate_team()),
            A::ResponseMeeting(i) => self.record_meeting(i),
            A::Containment(i) => self.record_containment(i),
            A::ControlEffectReport(i) => self.report_control_effect(i),
            A::PersonalDataAssessment(i) => self.record_personal_data_assessment(i),
            A::RootCause(i) => self.record_root_cause(i),
            A::MalwareAnalysis(i) => self.record_malware_analysis(i),
            A::VirusCheck(i) => self.record_virus_check(i),
            A::ImprovementItem(i) => self.add_improvement_item(i),
            A::ImprovementItemEdit(i) => self.edit_improvement_item(i),
            A::ImprovementItemDrop(i) => self.drop_improvement_item(i),
            A::ImprovementItemDone(i) => self.finish_improvement_item(i),
            A::SubmitToCommander => self.submit_to_commander(),
            A::Decide(i) => self.decide(i),
            A::SendToEscalationTarget => self.send_to_escalation_target(),
            A::ProgressReport(i) => self.report_progress(i),
            A::SubmitReport => Ok(self.submit_report()),
            A::ClassifiedDocument(i) => self.record_classified_document(i),
            A::ForwardReport(i) => self.forward_reports(i),
            A::FollowUpReport(i) => self.report_follow_up(i),
            A::ReportExtension(i) => self.request_extension(i),
            A::CisoMeeting(i) => self.record_ciso_meeting(i),
            A::CompleteStage => self.complete_stage(),
            A::Review(i) => self.review(i),
            A::RelayReview(i) => self.relay_review(i),
            A::ReportExtensionDecision(i) => self.decide_extension(i),
            A::Comment(i) => self.comment(i),
            A::ReplyToSupervisor(i) => self.reply_to_supervisor(i),
            A::HomelandRelay => self.relay_to_homeland_security(),
        }
    }
}
