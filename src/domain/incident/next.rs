//! Who acts next: the one line an incident page opens with ("next step: <action> by <role>"),
//! the work a user must do now (their home page), and which forms are worth showing at all.
//!
//! Everything here is read off the aggregate and the permission rules ([`super::super::roles`]);
//! pages and lists ask, they never work it out themselves.

use chrono::{DateTime, Utc};

use super::super::deadlines::{Deadline, DeadlineStatus};
use super::super::roles::{stage_roles, Action, Actor, Role};
use super::super::stages::MissingItem;
use super::actions::StageActionKind;
use super::review::ReviewKind;
use super::Incident;
use crate::i18n::{Arg, Text};

/// Who is to take a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextActor {
    /// The incident's own agency, one of these roles (any of them).
    Agency(&'static [Role]),
    /// The notified agency's reviewers (受通報機關).
    NotifiedAgency,
    /// The competent authority's reviewers (主管機關).
    CompetentAuthority,
}

impl NextActor {
    pub fn label(&self) -> Text {
        match self {
            NextActor::Agency(roles) => Text::key("next.by_roles").with(
                "roles",
                Arg::List(roles.iter().map(|r| Arg::from(r.label())).collect()),
            ),
            NextActor::NotifiedAgency => Text::key("next.by_notified_agency"),
            NextActor::CompetentAuthority => Text::key("next.by_competent_authority"),
        }
    }
}

/// A step the procedure waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextStep {
    pub action: StageActionKind,
    pub by: NextActor,
}

impl NextStep {
    /// "下一步：{action}（由{who}辦理）".
    pub fn sentence(&self) -> Text {
        Text::key("next.step")
            .with("action", Text::key(self.action.title_key()))
            .with("who", self.by.label())
    }
}

/// The action that records a missing item (point 3 of the procedure, stage by stage).
fn action_for(item: &MissingItem) -> StageActionKind {
    use MissingItem::*;
    use StageActionKind as K;
    match item {
        EscalationNotice => K::EscalationNotice,
        Review => K::Review,
        TeamActivation => K::ActivateTeam,
        ResponseMeeting
        | ResponseMeetingAttendees
        | ResponseMeetingMinutes
        | ResponseMeetingAgenda { .. } => K::ResponseMeeting,
        InitialDamageControl
        | ScopeConfirmation
        | PriorityRestoration
        | AffectedSystems
        | DowntimeJudgement { .. }
        | PublicAnnouncementDecision
        | ContainmentCompletionNotice => K::Containment,
        ControlEffectReport => K::ControlEffectReport,
        PersonalDataNotificationAssessment => K::PersonalDataAssessment,
        RootCause => K::RootCause,
        MalwareAnalysis => K::MalwareAnalysis,
        VirusCheckSubmission => K::VirusCheck,
        ImprovementStrategy => K::ImprovementItem,
        ImprovementItemDue { .. } => K::ImprovementItemEdit,
        SubmissionToCommander | Resubmission { .. } => K::SubmitToCommander,
        CommanderApproval => K::Decide,
        RootCauseSentToEscalationTarget => K::SendToEscalationTarget,
        ImprovementProgressReport => K::ProgressReport,
        InvestigationReport => K::SubmitReport,
        ClassifiedDocument => K::ClassifiedDocument,
        ImprovementItemOpen { .. } => K::ImprovementItemDone,
    }
}

/// What a form for `kind` may also record at the same sitting, in the order applied. Whoever
/// records a stage's last item usually completes the stage there and then; the notified agency
/// relays the review it has just made (art. 7); damage control comes with its control-effect
/// report (point 3(三)); the root cause with the first improvement measure (point 3(四)); the
/// investigation report with its 密件 document (point 3(五)). Filing carries the notice to the
/// escalation target and completing the report stage ([`FILED_WITH`]).
pub fn carried_with(kind: StageActionKind) -> &'static [StageActionKind] {
    use StageActionKind as K;
    match kind {
        K::EscalationNotice | K::ResponseMeeting | K::ControlEffectReport => &[K::CompleteStage],
        K::ClassifiedDocument | K::ProgressReport => &[K::CompleteStage],
        K::Containment => &[K::ControlEffectReport, K::CompleteStage],
        K::RootCause => &[K::ImprovementItem],
        K::Review => &[K::RelayReview],
        K::SubmitReport => &[K::ClassifiedDocument, K::CompleteStage],
        _ => &[],
    }
}

/// What the filing form may also record: the notice given by telephone or otherwise while
/// filing (point 2), and completing the report stage.
pub const FILED_WITH: [StageActionKind; 2] = [
    StageActionKind::EscalationNotice,
    StageActionKind::CompleteStage,
];

impl Incident {
    fn actor_of(&self, action: StageActionKind) -> Option<NextActor> {
        let permission = action.permission();
        if matches!(
            permission,
            Action::ReviewLevel | Action::RelayReview | Action::DecideReportExtension
        ) {
            return Some(NextActor::NotifiedAgency);
        }
        if permission == Action::RecordHomelandSecurityRelay {
            return Some(NextActor::CompetentAuthority);
        }
        // Art. 9's meeting may come once the root cause is known, and after closing too.
        if permission == Action::RecordCisoMeeting {
            return Some(NextActor::Agency(&[Role::Ciso]));
        }
        stage_roles(permission, self.status.stage()?).map(NextActor::Agency)
    }

    /// What the procedure waits for now, most pressing first: the current stage's missing
    /// items in the order the procedure lists them, then completing the stage; besides those,
    /// a review owed, its relay, an extension to answer. Empty once closed.
    pub fn next_steps(&self) -> Vec<NextStep> {
        if self.status.is_closed() {
            return Vec::new();
        }
        let missing = self.missing_items();
        let mut actions: Vec<StageActionKind> = missing.iter().map(action_for).collect();
        if missing.is_empty() {
            actions.push(StageActionKind::CompleteStage);
        }
        // A review stays owed until made, late or not (art. 7).
        if self.reviewed_at().is_none() {
            actions.push(StageActionKind::Review);
        }
        if self.relay_owed() && self.round_relay().is_none() && self.reviewed_at().is_some() {
            actions.push(StageActionKind::RelayReview);
        }
        if self.pending_extension().is_some() {
            actions.push(StageActionKind::ReportExtensionDecision);
        }
        // A level-3/4 incident goes on to the Office of Homeland Security (point 3(一)2); after
        // one, the CISO convenes the meeting of art. 9 once the improvements are under way.
        if self.level.is_major() && self.homeland_relayed_at.is_none() {
            actions.push(StageActionKind::HomelandRelay);
        }
        if self.level.is_major()
            && self.record.ciso_meeting.is_none()
            && self.status.stage() == Some(super::super::stages::Stage::Improvement)
        {
            actions.push(StageActionKind::CisoMeeting);
        }
        let mut steps: Vec<NextStep> = Vec::new();
        for action in actions {
            if steps.iter().any(|s| s.action == action) {
                continue;
            }
            if let Some(by) = self.actor_of(action) {
                steps.push(NextStep { action, by });
            }
        }
        steps
    }

    /// The nearest legal deadline still running or already missed (art. 6–8), if any.
    pub fn nearest_deadline(&self, now: DateTime<Utc>) -> Option<Deadline> {
        self.deadlines()
            .into_iter()
            .filter(|d| {
                matches!(
                    d.status(now),
                    DeadlineStatus::Pending | DeadlineStatus::Overdue
                )
            })
            .min_by_key(|d| d.due)
    }

    /// The step the page's "next step" line names.
    pub fn next_step(&self) -> Option<NextStep> {
        self.next_steps().into_iter().next()
    }

    /// The steps `actor` may take themselves now (their work on this incident).
    pub fn my_steps(&self, actor: &Actor, now: DateTime<Utc>) -> Vec<NextStep> {
        self.next_steps()
            .into_iter()
            .filter(|s| self.may(actor, s.action.permission()).is_ok())
            .filter(|s| {
                s.action != StageActionKind::Review
                    || self.review_open_to(actor.agency, now).is_ok()
            })
            // A step in order waits for the one before it (no decision before a submission).
            .filter(|s| self.offers(s.action, true))
            .collect()
    }

    /// Whether a form for `kind` is worth showing: the action can still change something.
    /// `review_open` is whether this user may review the current round now. A form that
    /// records an item the procedure still misses is always shown.
    pub fn offers(&self, kind: StageActionKind, review_open: bool) -> bool {
        use super::super::stages::Stage as S;
        use StageActionKind as K;
        // Steps with an order of their own (submit, decide, send; review, relay) follow it.
        let ordered = matches!(
            kind,
            K::SubmitToCommander
                | K::Decide
                | K::SendToEscalationTarget
                | K::Review
                | K::RelayReview
        );
        if !ordered && self.missing_items().iter().any(|m| action_for(m) == kind) {
            return true;
        }
        let r = &self.record;
        let major = self.level.is_major();
        let stage = self.status.stage();
        let up_to = |s: S| stage.is_some_and(|now| now <= s);
        match kind {
            // A button on its item's row, not a form of its own.
            K::ImprovementItemDone => false,
            // Stage 1's notice: a correction while the report stage is open, not later.
            K::EscalationNotice => up_to(S::Report),
            K::ActivateTeam => !r.team_activated,
            K::ResponseMeeting => up_to(S::ResponseTeam) || r.response_meeting.is_none(),
            K::RootCause => up_to(S::RootCause),
            // Malware analysis and its Virus Check submission follow a root cause that found
            // malware (point 3(四)2); before that they are only noise.
            K::MalwareAnalysis | K::VirusCheck => up_to(S::RootCause) && r.malware_found,
            K::SubmitToCommander => {
                stage == Some(S::RootCause) && !self.awaiting_commander() && !self.approved()
            }
            K::Decide => self.awaiting_commander(),
            K::SendToEscalationTarget => self.approved() && r.root_cause_sent_at.is_none(),
            K::SubmitReport => self.report_submitted_at.is_none(),
            K::ClassifiedDocument => major && r.classified_document.is_none(),
            K::ControlEffectReport => major && up_to(S::Containment),
            K::ProgressReport => major,
            K::CisoMeeting => major && r.ciso_meeting.is_none(),
            K::Review => review_open,
            K::RelayReview => self.relay_owed() && self.round_relay().is_none(),
            K::ReportExtensionDecision => self.pending_extension().is_some(),
            K::ReportExtension => {
                self.containment_completed_at.is_some()
                    && self.report_submitted_at.is_none()
                    && self.pending_extension().is_none()
            }
            K::ForwardReport => r
                .control_effect_reports
                .iter()
                .chain(&r.improvement_progress_reports)
                .any(|x| x.forwarded.is_none()),
            K::ImprovementItemEdit | K::ImprovementItemDrop => {
                r.improvement_items.iter().any(|x| x.is_open())
            }
            // The agency answers once a supervising agency has said something.
            K::ReplyToSupervisor => r.supervisor_comments > 0,
            K::Containment
            | K::PersonalDataAssessment
            | K::ImprovementItem
            | K::FollowUpReport
            | K::CompleteStage
            | K::Comment
            | K::HomelandRelay => true,
        }
    }

    /// What a form for `kind` carries besides its own action for `actor` now, in the order
    /// the service applies them: only what `actor` may do, other records only at the form's
    /// first sitting, and completing the stage only when nothing the stage still misses is left
    /// to anyone else's form. `review_open` is the
    /// review this user may make now (the relay follows only the notified agency's own).
    pub fn carried(
        &self,
        kind: StageActionKind,
        actor: &Actor,
        review_open: Option<ReviewKind>,
    ) -> Vec<StageActionKind> {
        use StageActionKind as K;
        let missing = self.missing_items();
        // Another record rides along only at the first sitting, while the form's own item is
        // still missing; later it has its own form again (a second improvement measure is
        // not a second root cause).
        let first_sitting = missing.iter().any(|m| action_for(m) == kind);
        let mut out: Vec<StageActionKind> = Vec::new();
        for &k in carried_with(kind) {
            if self.may(actor, k.permission()).is_err() {
                continue;
            }
            let worth = match k {
                K::RelayReview => {
                    kind == K::Review
                        && review_open == Some(ReviewKind::NotifiedAgency)
                        && !self.notified_agency_is_competent_authority()
                }
                K::CompleteStage => missing.iter().all(|m| {
                    let by = action_for(m);
                    by == kind || out.contains(&by)
                }),
                _ => first_sitting && self.offers(k, false),
            };
            if worth {
                out.push(k);
            }
        }
        out
    }

    fn approved(&self) -> bool {
        self.record
            .commander_decision
            .as_ref()
            .is_some_and(|d| d.is_approval())
    }
}

#[cfg(test)]
mod tests {
    use super::super::actions::{EscalationNoticeInput, NoticeMeansChoice, StageAction};
    use super::super::fixtures::incident;
    use super::*;
    use crate::domain::input::When;
    use crate::domain::{IncidentLevel, IncidentStatus, Stage};
    use crate::i18n::Lang;

    /// Puts the stage-1 notice on record.
    fn record_notice(i: &mut Incident) {
        i.record.escalation_notice = Some(crate::domain::stages::EscalationNotice {
            told: "Wang".into(),
            means: crate::domain::stages::NoticeMeans::Phone,
            at: i.reported_at,
            by: "Lin".into(),
        });
    }

    fn person(i: &Incident, roles: &[Role]) -> Actor {
        Actor {
            agency: i.agency,
            roles: roles.to_vec(),
            name: "Lin".into(),
            agency_name: "Agency A".into(),
            ..Actor::default()
        }
    }

    #[test]
    fn a_major_incident_waits_first_for_the_notice_by_the_filing_staff() {
        let i = incident(IncidentLevel::L3);
        let step = i.next_step().unwrap();
        assert_eq!(step.action, StageActionKind::EscalationNotice);
        assert_eq!(
            step.by,
            NextActor::Agency(&[Role::SecurityOfficer, Role::IntelPlanning])
        );
        assert_eq!(
            Lang::En.text(&step.sentence()),
            "Next step: Record the notice to the escalation target (by Security officer, Intelligence and planning group)"
                .replace("Record the notice to the escalation target", Lang::En.get(StageActionKind::EscalationNotice.title_key()))
                .replace("Security officer", &Lang::En.text(&Role::SecurityOfficer.label()))
                .replace("Intelligence and planning group", &Lang::En.text(&Role::IntelPlanning.label()))
        );
        // The notified agency's review is owed too, by the notified agency.
        assert!(i
            .next_steps()
            .iter()
            .any(|s| s.action == StageActionKind::Review && s.by == NextActor::NotifiedAgency));
        // Only the filing staff see the notice among their own steps.
        let officer = person(&i, &[Role::SecurityOfficer]);
        let commander = person(&i, &[Role::Commander]);
        let now = i.reported_at;
        assert_eq!(
            i.my_steps(&officer, now)[0].action,
            StageActionKind::EscalationNotice
        );
        assert!(i
            .my_steps(&commander, now)
            .iter()
            .all(|s| s.action != StageActionKind::EscalationNotice));
    }

    #[test]
    fn once_nothing_is_missing_the_next_step_is_completing_the_stage_and_closed_has_none() {
        let i = incident(IncidentLevel::L3);
        let officer = person(&i, &[Role::SecurityOfficer]);
        let noticed = i
            .apply(
                &officer,
                StageAction::EscalationNotice(EscalationNoticeInput {
                    told: "Wang".into(),
                    means: NoticeMeansChoice::Phone,
                    other_means: String::new(),
                    at: Some(When(i.reported_at)),
                }),
                i.reported_at,
            )
            .unwrap()
            .incident;
        let step = noticed.next_step().unwrap();
        assert_eq!(step.action, StageActionKind::CompleteStage);
        let mut team = noticed.clone();
        team.status = IncidentStatus::Open(Stage::ResponseTeam);
        let step = team.next_step().unwrap();
        assert_eq!(step.action, StageActionKind::ActivateTeam);
        assert_eq!(step.by, NextActor::Agency(&[Role::Commander]));
        let mut closed = noticed;
        closed.status = IncidentStatus::Closed;
        assert!(closed.next_steps().is_empty());
    }

    #[test]
    fn forms_of_what_is_done_and_past_are_not_offered() {
        let mut i = incident(IncidentLevel::L3);
        i.status = IncidentStatus::Open(Stage::RootCause);
        i.record.team_activated = true;
        assert!(!i.offers(StageActionKind::ActivateTeam, false));
        assert!(!i.offers(StageActionKind::Review, false));
        assert!(i.offers(StageActionKind::Review, true));
        assert!(
            !i.offers(StageActionKind::Decide, false),
            "nothing was submitted"
        );
        i.record.submitted_to_commander_at = Some(i.reported_at);
        assert!(i.offers(StageActionKind::Decide, false));
        assert!(!i.offers(StageActionKind::SubmitToCommander, false));
        // No malware found: no malware analysis or Virus Check form.
        assert!(!i.offers(StageActionKind::MalwareAnalysis, false));
        i.record.malware_found = true;
        assert!(i.offers(StageActionKind::MalwareAnalysis, false));
        assert!(i.offers(StageActionKind::VirusCheck, false));
    }

    #[test]
    fn at_a_major_incident_initial_damage_control_comes_before_the_meeting() {
        let mut i = incident(IncidentLevel::L3);
        i.status = IncidentStatus::Open(Stage::ResponseTeam);
        i.record.team_activated = true;
        record_notice(&mut i);
        let step = i.next_step().unwrap();
        assert_eq!(step.action, StageActionKind::Containment);
        assert_eq!(step.by, NextActor::Agency(&[Role::ResponseExecution]));
        i.record.initial_control_at = Some(i.reported_at);
        assert_eq!(
            i.next_step().unwrap().action,
            StageActionKind::ResponseMeeting
        );
    }

    #[test]
    fn a_form_carries_completing_the_stage_only_when_it_records_what_is_left() {
        use StageActionKind as K;
        let mut i = incident(IncidentLevel::L3);
        let officer = person(&i, &[Role::SecurityOfficer]);
        // Stage 1 misses only the notice: its form may complete the stage too.
        assert_eq!(
            i.carried(K::EscalationNotice, &officer, None),
            vec![K::CompleteStage]
        );
        // The commander's meeting at level 3 waits for the response group's initial damage
        // control: completing the stage there would only be refused.
        i.status = IncidentStatus::Open(Stage::ResponseTeam);
        i.record.team_activated = true;
        record_notice(&mut i);
        let commander = person(&i, &[Role::Commander]);
        assert!(i.carried(K::ResponseMeeting, &commander, None).is_empty());
        i.record.initial_control_at = Some(i.reported_at);
        assert_eq!(
            i.carried(K::ResponseMeeting, &commander, None),
            vec![K::CompleteStage]
        );
        // Who may not complete a stage is not offered it (the response group in stage 2).
        let responder = person(&i, &[Role::ResponseExecution]);
        assert!(!i
            .carried(K::Containment, &responder, None)
            .contains(&K::CompleteStage));
        // Damage control carries its control-effect report; in stage 3 the completion only
        // once nothing of an earlier stage is missing (here the level-3 meeting is).
        i.status = IncidentStatus::Open(Stage::Containment);
        assert_eq!(
            i.carried(K::Containment, &responder, None),
            vec![K::ControlEffectReport]
        );
        // Level 1 needs no meeting and has no control-effect report to carry.
        let mut minor = i.clone();
        minor.level = IncidentLevel::L1;
        assert_eq!(
            minor.carried(K::Containment, &responder, None),
            vec![K::CompleteStage]
        );
        // Once the form's own item is on record, the report has its own form again.
        let mut decided = incident(IncidentLevel::L3);
        decided.status = IncidentStatus::Open(Stage::RootCause);
        let logistics = person(&decided, &[Role::Logistics]);
        assert_eq!(
            decided.carried(K::RootCause, &logistics, None),
            vec![K::ImprovementItem]
        );
        decided.record.root_cause = Some("弱密碼".into());
        assert!(decided.carried(K::RootCause, &logistics, None).is_empty());
    }

    #[test]
    fn the_notified_agency_relays_the_review_it_makes_and_a_recheck_carries_nothing() {
        use StageActionKind as K;
        let i = incident(IncidentLevel::L3);
        let reviewer = Actor {
            agency: i.escalation_target.unwrap(),
            roles: vec![Role::Reviewer],
            name: "Chen".into(),
            agency_name: "Ministry".into(),
            ..Actor::default()
        };
        assert_eq!(
            i.carried(K::Review, &reviewer, Some(ReviewKind::NotifiedAgency)),
            vec![K::RelayReview]
        );
        let ca = Actor {
            agency: i.oversight.competent_authority,
            agency_is_competent_authority: true,
            ..reviewer.clone()
        };
        assert!(i
            .carried(K::Review, &ca, Some(ReviewKind::Recheck))
            .is_empty());
        // What carries nothing carries nothing.
        assert!(carried_with(K::Decide).is_empty());
    }

    #[test]
    fn the_commander_has_no_decision_to_make_before_a_submission() {
        let mut i = incident(IncidentLevel::L3);
        i.status = IncidentStatus::Open(Stage::RootCause);
        let commander = person(&i, &[Role::Commander]);
        let now = i.reported_at;
        let decides = |i: &Incident| {
            i.my_steps(&commander, now)
                .iter()
                .any(|s| s.action == StageActionKind::Decide)
        };
        assert!(!decides(&i), "nothing was submitted");
        i.record.submitted_to_commander_at = Some(i.reported_at);
        assert!(decides(&i));
    }
}
