//! [`Incident::apply`]: every stage action, checked and recorded in one place.

use chrono::{DateTime, Utc};

use super::super::improvement::ImprovementItem;
use super::super::input::{
    clean_text, not_in_future, one_line, optional_text, required_text, FieldErrors, When,
};
use super::super::notifications::Event;
use super::super::roles::{Actor, Denied};
use super::super::stages::{
    missing_items, AffectedSystem, ClassifiedDocument, CommanderDecision, EscalationNotice,
    MissingItem, NoticeMeans, ResponseMeeting, StageError, VirusCheckSubmission,
};
use super::super::to_taipei;
use super::actions::*;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    /// Activating the team copies the agency's roster in force onto the incident (SPEC 4).
    SnapshotTeam,
}

/// Why an action was not applied. Nothing is recorded when it is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not visible (404) or not this user's to do (403).
    NotPermitted(Denied),
    /// Out of order: the stage still needs these.
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

fn conflict(key: &'static str) -> Refusal {
    Refusal::Conflict(Text::key(key))
}

/// A time the form must carry, not later than now.
fn past_time(at: Option<When>, now: DateTime<Utc>, field: &str) -> Result<DateTime<Utc>, Refusal> {
    let at = at
        .ok_or_else(|| FieldErrors::one(field, "error.time_invalid"))?
        .0;
    not_in_future(at, now, field)?;
    Ok(at)
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
        let mut next = self.clone();
        let mut notices = Vec::new();
        let mut follow_up = None;
        let event = match action {
            StageAction::EscalationNotice(input) => next.record_notice(actor, input, now)?,
            StageAction::ActivateTeam => {
                next.record.team_activated = true;
                follow_up = Some(FollowUp::SnapshotTeam);
                IncidentEvent::TeamActivated {}
            }
            StageAction::ResponseMeeting(input) => next.record_meeting(input, now)?,
            StageAction::Containment(input) => next.record_containment(input, now)?,
            StageAction::ControlEffectReport => {
                next.record.control_effect_reports.push(now);
                IncidentEvent::ControlEffectReport { at: now }
            }
            StageAction::PersonalDataAssessment(input) => {
                let text = required_text(&input.assessment, 20_000, "assessment")?;
                next.record.personal_data_notification_assessment = Some(text.clone());
                IncidentEvent::PersonalDataAssessment { assessment: text }
            }
            StageAction::RootCause(input) => next.record_root_cause(input)?,
            StageAction::MalwareAnalysis(input) => {
                let text = required_text(&input.analysis, 20_000, "analysis")?;
                next.record.malware_analysis = Some(text.clone());
                IncidentEvent::MalwareAnalysis { analysis: text }
            }
            StageAction::VirusCheck(input) => {
                let submission = VirusCheckSubmission {
                    submitted_at: past_time(input.submitted_at, now, "submitted_at")?,
                    reference: Some(optional_text(&input.reference, 200, "reference")?)
                        .filter(|r| !r.is_empty()),
                };
                next.record.virus_check_submission = Some(submission.clone());
                IncidentEvent::VirusCheckSubmission(submission)
            }
            StageAction::ImprovementItem(input) => next.add_improvement_item(input, now)?,
            StageAction::ImprovementItemDone(input) => next.finish_improvement_item(input, now)?,
            StageAction::SubmitToCommander => {
                if self.record.submitted_to_commander_at.is_some()
                    && self.record.commander_decision.is_none()
                {
                    return Err(conflict("error.already_submitted"));
                }
                next.record.submit_to_commander(now);
                notices.push(Event::SubmittedToCommander);
                IncidentEvent::SubmittedToCommander { at: now }
            }
            StageAction::Decide(input) => {
                let decision = commander_decision(input)?;
                next.record.decide(decision.clone()).map_err(|e| match e {
                    StageError::ReturnWithoutComment => {
                        FieldErrors::one("comment", "error.required").into()
                    }
                    _ => conflict("error.nothing_awaiting_decision"),
                })?;
                notices.push(Event::CommanderDecided {
                    approved: decision == CommanderDecision::Approved,
                });
                IncidentEvent::CommanderDecision(decision)
            }
            StageAction::SendToEscalationTarget => {
                next.record.root_cause_sent_at = Some(now);
                IncidentEvent::SentToEscalationTarget { at: now }
            }
            StageAction::ProgressReport => {
                next.record.improvement_progress_reports.push(now);
                IncidentEvent::ImprovementProgressReport { at: now }
            }
            StageAction::SubmitReport => {
                next.report_submitted_at = Some(now);
                notices.push(Event::ReportSubmitted { level: self.level });
                IncidentEvent::ReportSubmitted { at: now }
            }
            StageAction::ClassifiedDocument(input) => {
                let document = ClassifiedDocument {
                    number: one_line(&input.number, 100, "number")?,
                    dated: input
                        .dated
                        .ok_or_else(|| FieldErrors::one("dated", "error.date_invalid"))?
                        .0,
                };
                next.record.classified_document = Some(document.clone());
                IncidentEvent::ClassifiedDocument(document)
            }
            StageAction::CompleteStage => next.complete_stage()?,
            StageAction::Review(input) => next.review(actor, input, now, &mut notices)?,
            StageAction::Comment(input) => {
                notices.push(Event::SupervisorComment);
                IncidentEvent::SupervisorComment {
                    comment: required_text(&input.comment, 5_000, "comment")?,
                    agency: actor.agency_name.clone(),
                }
            }
            StageAction::HomelandRelay => {
                if self.homeland_relayed_at.is_some() {
                    return Err(conflict("error.already_relayed"));
                }
                next.homeland_relayed_at = Some(now);
                IncidentEvent::HomelandSecurityRelay { at: now }
            }
        };
        Ok(Applied {
            incident: next,
            events: vec![event],
            notices,
            follow_up,
        })
    }

    fn record_notice(
        &mut self,
        actor: &Actor,
        input: EscalationNoticeInput,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, Refusal> {
        let at = past_time(input.at, now, "at")?;
        let means = match input.means {
            NoticeMeansChoice::Phone => NoticeMeans::Phone,
            NoticeMeansChoice::Other => NoticeMeans::Other {
                description: required_text(&input.other_means, 200, "other_means")?,
            },
        };
        let notice = EscalationNotice {
            told: required_text(&input.told, 200, "told")?,
            means,
            at,
            by: actor.name.clone(),
        };
        self.record.escalation_notice = Some(notice.clone());
        Ok(IncidentEvent::EscalationNotice(notice))
    }

    fn record_meeting(
        &mut self,
        input: ResponseMeetingInput,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, Refusal> {
        let held_at = past_time(input.held_at, now, "held_at")?;
        let attendees: Vec<String> = input
            .attendees
            .0
            .iter()
            .filter_map(|a| clean_text(a, 200))
            .filter(|a| !a.is_empty())
            .collect();
        if attendees.is_empty() {
            return Err(FieldErrors::one("attendees", "error.required").into());
        }
        let meeting = ResponseMeeting {
            held_at,
            attendees,
            minutes: required_text(&input.minutes, 20_000, "minutes")?,
            agenda: input.agenda.0,
        };
        self.record.response_meeting = Some(meeting.clone());
        Ok(IncidentEvent::ResponseMeeting(meeting))
    }

    fn record_containment(
        &mut self,
        input: ContainmentInput,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, Refusal> {
        let r = &mut self.record;
        r.scope_confirmed |= input.scope_confirmed.0;
        r.priority_restoration_done |= input.priority_restoration_done.0;
        for (index, choice) in input.downtime.0.iter().enumerate() {
            let within = match choice {
                DowntimeChoice::Unjudged => continue,
                DowntimeChoice::Within => true,
                DowntimeChoice::Beyond => false,
            };
            let system: &mut AffectedSystem = r
                .affected_systems
                .get_mut(index)
                .ok_or_else(|| FieldErrors::one("downtime", "error.system_unknown"))?;
            system.within_tolerable_downtime = Some(within);
        }
        if let Some(decided) = input.public_announcement.decided() {
            r.public_announcement_decision = Some(decided);
        }
        if input.notify_completion.0 {
            self.containment_completed_at = Some(now);
        }
        let r = &self.record;
        Ok(IncidentEvent::Containment {
            scope_confirmed: r.scope_confirmed,
            priority_restoration_done: r.priority_restoration_done,
            systems: r.affected_systems.clone(),
            public_announcement: r.public_announcement_decision,
            completion_notified_at: self.containment_completed_at,
        })
    }

    fn record_root_cause(&mut self, input: RootCauseInput) -> Result<IncidentEvent, Refusal> {
        let equipment_failure = input.equipment_failure.0;
        let root_cause = match clean_text(&input.root_cause, 20_000) {
            Some(t) if !t.is_empty() => Some(t),
            // "除設備故障外": an equipment failure needs no root-cause investigation.
            Some(_) if equipment_failure => None,
            Some(_) => return Err(FieldErrors::one("root_cause", "error.required").into()),
            None => return Err(FieldErrors::one("root_cause", "error.text_too_long").into()),
        };
        let r = &mut self.record;
        r.equipment_failure = equipment_failure;
        r.malware_found = input.malware_found.0;
        r.root_cause = root_cause.clone();
        Ok(IncidentEvent::RootCause {
            equipment_failure,
            root_cause,
            malware_found: r.malware_found,
        })
    }

    fn add_improvement_item(
        &mut self,
        input: ImprovementItemInput,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, Refusal> {
        let mut errors = FieldErrors::default();
        let description = required_text(&input.description, 2_000, "description")
            .map_err(|e| errors.0.extend(e.0))
            .ok();
        if input.horizon.is_none() {
            errors.add("horizon", "error.choice_invalid");
        }
        if input.due_on.is_none() {
            errors.add("due_on", "error.date_invalid");
        }
        let (Some(description), Some(horizon), Some(due_on)) =
            (description, input.horizon, input.due_on)
        else {
            return Err(errors.into());
        };
        let item = ImprovementItem {
            description,
            horizon: horizon.horizon(),
            planned_on: to_taipei(now).date_naive(),
            due_on: due_on.0,
            done_on: None,
        };
        item.check_due()
            .map_err(|_| FieldErrors::one("due_on", "error.due_outside_horizon"))?;
        self.record.improvement_items.push(item.clone());
        Ok(IncidentEvent::ImprovementItemAdded(item))
    }

    fn finish_improvement_item(
        &mut self,
        input: ImprovementItemDoneInput,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, Refusal> {
        let index = input
            .index
            .ok_or_else(|| FieldErrors::one("index", "error.choice_invalid"))?
            .0;
        let item = self
            .record
            .improvement_items
            .get_mut(index)
            .ok_or_else(|| FieldErrors::one("index", "error.choice_invalid"))?;
        item.done_on = Some(to_taipei(now).date_naive());
        Ok(IncidentEvent::ImprovementItemDone {
            index,
            description: item.description.clone(),
        })
    }

    /// Completes the current stage: the next one, or closed after improvement tracking.
    /// Refused with every item still missing (cumulative: see [`missing_items`]).
    fn complete_stage(&mut self) -> Result<IncidentEvent, Refusal> {
        let stage = self
            .status
            .stage()
            .ok_or_else(|| conflict("error.closed"))?;
        let missing = missing_items(stage, self);
        if !missing.is_empty() {
            return Err(Refusal::OutOfStage(missing));
        }
        self.status = stage.next().map_or(
            super::super::stages::IncidentStatus::Closed,
            super::super::stages::IncidentStatus::Open,
        );
        Ok(IncidentEvent::StageCompleted {
            stage,
            now: self.status,
        })
    }

    /// The notified agency's review of the level (art. 7): once, with a reason for a change.
    fn review(
        &mut self,
        actor: &Actor,
        input: ReviewInput,
        now: DateTime<Utc>,
        notices: &mut Vec<Event>,
    ) -> Result<IncidentEvent, Refusal> {
        if self.reviewed_at.is_some() {
            return Err(conflict("error.already_reviewed"));
        }
        let from = self.level;
        let to = input.level.0.unwrap_or(from);
        let reason = optional_text(&input.reason, 5_000, "reason")?;
        if to != from && reason.is_empty() {
            return Err(FieldErrors::one("reason", "error.reason_required").into());
        }
        self.level = to;
        self.reviewed_at = Some(now);
        // The portal is the channel: the competent authority sees the result the moment it is
        // recorded, so the relay (art. 7) happens with the review.
        self.review_relayed_at = Some(now);
        if to != from {
            notices.push(Event::LevelChanged { from, to });
        }
        Ok(IncidentEvent::LevelReviewed {
            from: from.number(),
            to: to.number(),
            reason,
            reviewer_agency: actor.agency_name.clone(),
        })
    }
}

fn commander_decision(input: DecideInput) -> Result<CommanderDecision, Refusal> {
    match input.decision {
        Some(DecisionChoice::Approve) => Ok(CommanderDecision::Approved),
        Some(DecisionChoice::Return) => Ok(CommanderDecision::Returned {
            comment: required_text(&input.comment, 5_000, "comment")?,
        }),
        None => Err(FieldErrors::one("decision", "error.choice_invalid").into()),
    }
}
