//! The agency's own stage work (SPEC 5), as [`Incident::apply`] records it.

use super::super::improvement::{DroppedItem, ImprovementItem};
use super::super::input::{clean_text, one_line, optional_text, required_text, FieldErrors};
use super::super::notifications::Event;
use super::super::stages::{
    complete_stage, AffectedSystem, CisoMeeting, ClassifiedDocument, CommanderDecision,
    EscalationNotice, Forwarded, IncidentStatus, MissingItem, NoticeMeans, PeriodicReport,
    ResponseMeeting, Stage, StageError, VirusCheckSubmission,
};
use super::super::to_taipei;
use super::actions::*;
use super::apply::{conflict, past_time, Change, FollowUp, Refusal};
use super::events::IncidentEvent;

/// The attendees named in a list or one per line, empty ones dropped.
fn names(list: &[String]) -> Vec<String> {
    list.iter()
        .filter_map(|a| clean_text(a, 200))
        .filter(|a| !a.is_empty())
        .collect()
}

impl Change<'_> {
    /// L3/4 (point 3(一)2): the agency also tells the notified agency "以電話或其他適當方式",
    /// recording who was told, how, when (not before awareness) and by whom.
    pub(super) fn record_notice(
        &mut self,
        input: EscalationNoticeInput,
    ) -> Result<IncidentEvent, Refusal> {
        let at = self.time_since_awareness(input.at, "at")?;
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
            by: self.actor.name.clone(),
        };
        self.next.record.escalation_notice = Some(notice.clone());
        Ok(IncidentEvent::EscalationNotice(notice))
    }

    pub(super) fn activate_team(&mut self) -> IncidentEvent {
        self.next.record.team_activated = true;
        self.follow_up = Some(FollowUp::SnapshotTeam);
        IncidentEvent::TeamActivated {}
    }

    /// Point 3(二): "各機關於完成第三級或第四級資通安全事件之初步損害控制後應召開事件應變會議"
    /// — at L3/4 the meeting follows initial damage control; it cannot predate awareness, and
    /// it discusses the three matters the point lists (a meeting without one is refused).
    pub(super) fn record_meeting(
        &mut self,
        input: ResponseMeetingInput,
    ) -> Result<IncidentEvent, Refusal> {
        if self.next.level.is_major() && self.next.record.initial_control_at.is_none() {
            return Err(Refusal::OutOfStage(vec![MissingItem::InitialDamageControl]));
        }
        let held_at = self.time_since_awareness(input.held_at, "held_at")?;
        let attendees = names(&input.attendees.0);
        if attendees.is_empty() {
            return Err(FieldErrors::one("attendees", "error.required").into());
        }
        let agenda = input.agenda.0;
        if !super::super::stages::AgendaItem::ALL
            .iter()
            .all(|a| agenda.contains(a))
        {
            return Err(FieldErrors::one("agenda", "error.agenda_incomplete").into());
        }
        let meeting = ResponseMeeting {
            held_at,
            attendees,
            minutes: required_text(&input.minutes, 20_000, "minutes")?,
            agenda,
        };
        self.next.record.response_meeting = Some(meeting.clone());
        Ok(IncidentEvent::ResponseMeeting(meeting))
    }

    /// Point 3(三)1. Completion of damage control or recovery is notified once: notifying it
    /// again does not move the time it was completed, and so neither the report's month nor
    /// the 36/72-hour status (art. 8).
    pub(super) fn record_containment(
        &mut self,
        input: ContainmentInput,
    ) -> Result<IncidentEvent, Refusal> {
        let now = self.now;
        let r = &mut self.next.record;
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
        if input.initial_control_done.0 && r.initial_control_at.is_none() {
            r.initial_control_at = Some(now);
        }
        if input.notify_completion.0 && self.next.containment_completed_at.is_none() {
            self.next.containment_completed_at = Some(now);
        }
        let r = &self.next.record;
        Ok(IncidentEvent::Containment {
            scope_confirmed: r.scope_confirmed,
            priority_restoration_done: r.priority_restoration_done,
            systems: r.affected_systems.clone(),
            public_announcement: r.public_announcement_decision,
            completion_notified_at: self.next.containment_completed_at,
            initial_control_at: r.initial_control_at,
        })
    }

    fn periodic_report(&self, input: PeriodicReportInput) -> Result<PeriodicReport, Refusal> {
        let mut errors = FieldErrors::default();
        let done = required_text(&input.done, 5_000, "done").map_err(|e| errors.0.extend(e.0));
        let effect =
            required_text(&input.effect, 5_000, "effect").map_err(|e| errors.0.extend(e.0));
        match (done, effect) {
            (Ok(done), Ok(effect)) => Ok(PeriodicReport {
                at: self.now,
                done,
                effect,
                by: self.actor.name.clone(),
                forwarded: None,
            }),
            _ => Err(errors.into()),
        }
    }

    /// L3/4 (point 3(三)2(1)): the control measures' effect, reported to the commander and the
    /// team (the security staff forward it to the notified agency: [`Self::forward_reports`]).
    pub(super) fn report_control_effect(
        &mut self,
        input: PeriodicReportInput,
    ) -> Result<IncidentEvent, Refusal> {
        let report = self.periodic_report(input)?;
        self.next.record.control_effect_reports.push(report.clone());
        self.notices.push(Event::ControlEffectReported);
        Ok(IncidentEvent::ControlEffectReport(report))
    }

    /// L3/4 (point 3(五)4): "由執行秘書將各階段改善措施執行成效定期回報事件指揮官".
    pub(super) fn report_progress(
        &mut self,
        input: PeriodicReportInput,
    ) -> Result<IncidentEvent, Refusal> {
        let report = self.periodic_report(input)?;
        self.next
            .record
            .improvement_progress_reports
            .push(report.clone());
        self.notices.push(Event::ProgressReported);
        Ok(IncidentEvent::ImprovementProgressReport(report))
    }

    /// Points 3(三)2(1) and 3(五)4: "由機關資通安全專責人員彙整送交上級機關或中央目的事業主管機關".
    /// Forwards every report of the kind not yet forwarded.
    pub(super) fn forward_reports(
        &mut self,
        input: ForwardReportInput,
    ) -> Result<IncidentEvent, Refusal> {
        let choice = input
            .report
            .ok_or_else(|| FieldErrors::one("report", "error.choice_invalid"))?;
        let (reports, name) = match choice {
            ReportChoice::ControlEffect => (
                &mut self.next.record.control_effect_reports,
                "control_effect",
            ),
            ReportChoice::Progress => (
                &mut self.next.record.improvement_progress_reports,
                "progress",
            ),
        };
        let mut count = 0;
        for r in reports.iter_mut().filter(|r| r.forwarded.is_none()) {
            r.forwarded = Some(Forwarded {
                at: self.now,
                by: self.actor.name.clone(),
            });
            count += 1;
        }
        if count == 0 {
            return Err(conflict("error.nothing_to_forward"));
        }
        self.notices.push(Event::ReportsForwarded);
        Ok(IncidentEvent::ReportsForwarded {
            report: name.into(),
            count,
        })
    }

    pub(super) fn record_personal_data_assessment(
        &mut self,
        input: PersonalDataAssessmentInput,
    ) -> Result<IncidentEvent, Refusal> {
        let text = required_text(&input.assessment, 20_000, "assessment")?;
        self.next.record.personal_data_notification_assessment = Some(text.clone());
        Ok(IncidentEvent::PersonalDataAssessment { assessment: text })
    }

    pub(super) fn record_root_cause(
        &mut self,
        input: RootCauseInput,
    ) -> Result<IncidentEvent, Refusal> {
        let equipment_failure = input.equipment_failure.0;
        let root_cause = match clean_text(&input.root_cause, 20_000) {
            Some(t) if !t.is_empty() => Some(t),
            // "除設備故障外": an equipment failure needs no root-cause investigation.
            Some(_) if equipment_failure => None,
            Some(_) => return Err(FieldErrors::one("root_cause", "error.required").into()),
            None => return Err(FieldErrors::one("root_cause", "error.text_too_long").into()),
        };
        let r = &mut self.next.record;
        r.equipment_failure = equipment_failure;
        r.malware_found = input.malware_found.0;
        r.root_cause = root_cause.clone();
        Ok(IncidentEvent::RootCause {
            equipment_failure,
            root_cause,
            malware_found: r.malware_found,
        })
    }

    pub(super) fn record_malware_analysis(
        &mut self,
        input: MalwareAnalysisInput,
    ) -> Result<IncidentEvent, Refusal> {
        let text = required_text(&input.analysis, 20_000, "analysis")?;
        self.next.record.malware_analysis = Some(text.clone());
        Ok(IncidentEvent::MalwareAnalysis { analysis: text })
    }

    pub(super) fn record_virus_check(
        &mut self,
        input: VirusCheckInput,
    ) -> Result<IncidentEvent, Refusal> {
        let submission = VirusCheckSubmission {
            submitted_at: past_time(input.submitted_at, self.now, "submitted_at")?,
            reference: Some(optional_text(&input.reference, 200, "reference")?)
                .filter(|r| !r.is_empty()),
        };
        self.next.record.virus_check_submission = Some(submission.clone());
        Ok(IncidentEvent::VirusCheckSubmission(submission))
    }

    /// An item of the strategy (point 3(四)3): its horizon decides how far off it may be due.
    fn improvement_item(
        &self,
        description: &str,
        horizon: Option<HorizonChoice>,
        due_on: Option<super::super::input::Day>,
        owner: &str,
        planned_on: chrono::NaiveDate,
    ) -> Result<ImprovementItem, Refusal> {
        let mut errors = FieldErrors::default();
        let description = required_text(description, 2_000, "description")
            .map_err(|e| errors.0.extend(e.0))
            .ok();
        let owner = optional_text(owner, 200, "owner")
            .map_err(|e| errors.0.extend(e.0))
            .ok();
        if horizon.is_none() {
            errors.add("horizon", "error.choice_invalid");
        }
        if due_on.is_none() {
            errors.add("due_on", "error.date_invalid");
        }
        let (Some(description), Some(owner), Some(horizon), Some(due_on)) =
            (description, owner, horizon, due_on)
        else {
            return Err(errors.into());
        };
        let item = ImprovementItem {
            description,
            horizon: horizon.horizon(),
            planned_on,
            due_on: due_on.0,
            done_on: None,
            owner,
            dropped: None,
        };
        item.check_due()
            .map_err(|_| FieldErrors::one("due_on", "error.due_outside_horizon"))?;
        Ok(item)
    }

    pub(super) fn add_improvement_item(
        &mut self,
        input: ImprovementItemInput,
    ) -> Result<IncidentEvent, Refusal> {
        let today = to_taipei(self.now).date_naive();
        let item = self.improvement_item(
            &input.description,
            input.horizon,
            input.due_on,
            &input.owner,
            today,
        )?;
        self.next.record.improvement_items.push(item.clone());
        Ok(IncidentEvent::ImprovementItemAdded(item))
    }

    fn open_item_index(&self, index: Option<super::super::input::Index>) -> Result<usize, Refusal> {
        let index = index
            .ok_or_else(|| FieldErrors::one("index", "error.choice_invalid"))?
            .0;
        match self.next.record.improvement_items.get(index) {
            Some(item) if item.is_open() => Ok(index),
            Some(_) => Err(conflict("error.item_not_open")),
            None => Err(FieldErrors::one("index", "error.choice_invalid").into()),
        }
    }

    /// Point 3(五)2 "評估執行成效，並據以調整改善策略": an item may be rewritten or re-dated,
    /// still within its horizon counted from when it was planned.
    pub(super) fn edit_improvement_item(
        &mut self,
        input: ImprovementItemEditInput,
    ) -> Result<IncidentEvent, Refusal> {
        let index = self.open_item_index(input.index)?;
        let planned_on = self.next.record.improvement_items[index].planned_on;
        let item = self.improvement_item(
            &input.description,
            input.horizon,
            input.due_on,
            &input.owner,
            planned_on,
        )?;
        self.next.record.improvement_items[index] = item.clone();
        Ok(IncidentEvent::ImprovementItemEdited { index, item })
    }

    /// Point 3(五)2: an item may be dropped from the strategy, with the reason.
    pub(super) fn drop_improvement_item(
        &mut self,
        input: ImprovementItemDropInput,
    ) -> Result<IncidentEvent, Refusal> {
        let index = self.open_item_index(input.index)?;
        let reason = required_text(&input.reason, 2_000, "reason")?;
        let item = &mut self.next.record.improvement_items[index];
        item.dropped = Some(DroppedItem {
            on: to_taipei(self.now).date_naive(),
            reason: reason.clone(),
        });
        Ok(IncidentEvent::ImprovementItemDropped {
            index,
            description: item.description.clone(),
            reason,
        })
    }

    pub(super) fn finish_improvement_item(
        &mut self,
        input: ImprovementItemDoneInput,
    ) -> Result<IncidentEvent, Refusal> {
        let index = self.open_item_index(input.index)?;
        let item = &mut self.next.record.improvement_items[index];
        item.done_on = Some(to_taipei(self.now).date_naive());
        Ok(IncidentEvent::ImprovementItemDone {
            index,
            description: item.description.clone(),
        })
    }

    pub(super) fn submit_to_commander(&mut self) -> Result<IncidentEvent, Refusal> {
        let r = &mut self.next.record;
        if r.submitted_to_commander_at.is_some() && r.commander_decision.is_none() {
            return Err(conflict("error.already_submitted"));
        }
        r.submit_to_commander(self.now);
        self.notices.push(Event::SubmittedToCommander);
        Ok(IncidentEvent::SubmittedToCommander { at: self.now })
    }

    /// The commander's decision (裁處, point 3(四)4): approve, or return with comments.
    pub(super) fn decide(&mut self, input: DecideInput) -> Result<IncidentEvent, Refusal> {
        let decision = match input.decision {
            Some(DecisionChoice::Approve) => CommanderDecision::Approved {
                comment: optional_text(&input.comment, 5_000, "comment")?
                    .trim()
                    .to_string(),
            },
            Some(DecisionChoice::Return) => CommanderDecision::Returned {
                comment: required_text(&input.comment, 5_000, "comment")?,
            },
            None => return Err(FieldErrors::one("decision", "error.choice_invalid").into()),
        };
        self.next
            .record
            .decide(decision.clone())
            .map_err(|e| match e {
                StageError::ReturnWithoutComment => {
                    FieldErrors::one("comment", "error.required").into()
                }
                _ => conflict("error.nothing_awaiting_decision"),
            })?;
        self.notices.push(Event::CommanderDecided {
            approved: decision.is_approval(),
        });
        Ok(IncidentEvent::CommanderDecision(decision))
    }

    /// Point 3(四)4: "由執行秘書將事件調查根因及改善策略提報事件指揮官裁處，並由機關資通安全專責
    /// 人員彙整送交…" — the root cause goes to the notified agency only once the commander has
    /// decided on it (approved).
    pub(super) fn send_to_escalation_target(&mut self) -> Result<IncidentEvent, Refusal> {
        if !self
            .next
            .record
            .commander_decision
            .as_ref()
            .is_some_and(CommanderDecision::is_approval)
        {
            return Err(Refusal::OutOfStage(vec![MissingItem::CommanderApproval]));
        }
        self.next.record.root_cause_sent_at = Some(self.now);
        Ok(IncidentEvent::SentToEscalationTarget { at: self.now })
    }

    pub(super) fn submit_report(&mut self) -> IncidentEvent {
        self.next.report_submitted_at = Some(self.now);
        self.notices.push(Event::ReportSubmitted {
            level: self.next.level,
        });
        IncidentEvent::ReportSubmitted { at: self.now }
    }

    /// Point 3(五)5: the L3/4 report also goes "以密件公文…送交主管機關及上級或監督機關": the
    /// recipients must include the competent authority, and the superior or supervising agency
    /// where the agency has one.
    pub(super) fn record_classified_document(
        &mut self,
        input: ClassifiedDocumentInput,
    ) -> Result<IncidentEvent, Refusal> {
        let oversight = &self.next.oversight;
        let ca = oversight.competent_authority;
        let recipients = input.recipients.0;
        let known = |a: &uuid::Uuid| *a == ca.0 || oversight.chain.iter().any(|c| c.0 == *a);
        // The competent authority's own report has nobody above to go to.
        let has_ca = self.next.agency == ca || recipients.contains(&ca.0);
        let above: Vec<_> = oversight
            .chain
            .iter()
            .filter(|c| **c != oversight.competent_authority)
            .collect();
        let has_above = above.is_empty() || above.iter().any(|a| recipients.contains(&a.0));
        if !recipients.iter().all(known) || !has_ca || !has_above {
            return Err(FieldErrors::one("recipients", "error.classified_recipients").into());
        }
        let document = ClassifiedDocument {
            number: one_line(&input.number, 100, "number")?,
            dated: input
                .dated
                .ok_or_else(|| FieldErrors::one("dated", "error.date_invalid"))?
                .0,
            recipients: recipients.into_iter().map(super::super::AgencyId).collect(),
        };
        self.next.record.classified_document = Some(document.clone());
        Ok(IncidentEvent::ClassifiedDocument(document))
    }

    /// Art. 9: after a major incident the agency's CISO convenes a meeting; it is recorded with
    /// its date, attendees and conclusions.
    pub(super) fn record_ciso_meeting(
        &mut self,
        input: CisoMeetingInput,
    ) -> Result<IncidentEvent, Refusal> {
        if !self.next.level.is_major() {
            return Err(conflict("error.ciso_meeting_major_only"));
        }
        let held_at = self.time_since_awareness(input.held_at, "held_at")?;
        let attendees = names(&input.attendees.0);
        if attendees.is_empty() {
            return Err(FieldErrors::one("attendees", "error.required").into());
        }
        let meeting = CisoMeeting {
            held_at,
            attendees,
            conclusions: required_text(&input.conclusions, 20_000, "conclusions")?,
            by: self.actor.name.clone(),
        };
        self.next.record.ciso_meeting = Some(meeting.clone());
        Ok(IncidentEvent::CisoMeeting(meeting))
    }

    /// Completes the current stage: the next one, or closed after improvement tracking.
    /// Refused with every item still missing (cumulative: see `stages::missing_items`).
    /// Closing hands the open improvement items to regular tracking (point 3(五)6).
    pub(super) fn complete_stage(&mut self) -> Result<IncidentEvent, Refusal> {
        let stage = self
            .next
            .status
            .stage()
            .ok_or_else(|| conflict("error.closed"))?;
        let next = complete_stage(stage, &self.next).map_err(|e| match e {
            StageError::Missing(items) => Refusal::OutOfStage(items),
            _ => conflict("error.closed"),
        })?;
        self.next.status = next;
        if next == IncidentStatus::Closed {
            let open: Vec<_> = self
                .next
                .record
                .improvement_items
                .iter()
                .enumerate()
                .filter(|(_, i)| i.is_open())
                .map(|(n, i)| (n, i.clone()))
                .collect();
            if !open.is_empty() {
                self.follow_up = Some(FollowUp::HandToTracking(open));
            }
        }
        debug_assert!(stage != Stage::Improvement || next == IncidentStatus::Closed);
        Ok(IncidentEvent::StageCompleted { stage, now: next })
    }

    pub(super) fn comment(&mut self, input: CommentInput) -> Result<IncidentEvent, Refusal> {
        let comment = required_text(&input.comment, 5_000, "comment")?;
        self.notices.push(Event::SupervisorComment);
        self.next.record.supervisor_comments += 1;
        Ok(IncidentEvent::SupervisorComment {
            comment,
            agency: self.actor.agency_name.clone(),
            role: Some(self.next.oversight.role_of(self.actor.agency)),
        })
    }

    /// The agency answers its supervising agencies: a reply needs a comment to answer.
    pub(super) fn reply_to_supervisor(
        &mut self,
        input: ReplyInput,
    ) -> Result<IncidentEvent, Refusal> {
        let comment = required_text(&input.comment, 5_000, "comment")?;
        if self.next.record.supervisor_comments == 0 {
            return Err(conflict("error.nothing_to_reply_to"));
        }
        self.notices.push(Event::AgencyReplied {
            level: self.next.level,
        });
        Ok(IncidentEvent::AgencyReply {
            comment,
            agency: self.actor.agency_name.clone(),
        })
    }

    /// Point 3(一)2: the competent authority relays level 3/4 incidents to the Executive Yuan
    /// Office of Homeland Security.
    pub(super) fn relay_to_homeland_security(&mut self) -> Result<IncidentEvent, Refusal> {
        if self.next.homeland_relayed_at.is_some() {
            return Err(conflict("error.already_relayed"));
        }
        self.next.homeland_relayed_at = Some(self.now);
        Ok(IncidentEvent::HomelandSecurityRelay { at: self.now })
    }
}
