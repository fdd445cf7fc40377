//! The rules of issue 12 (the law as written), each through `Incident::apply` or the function
//! that holds it. Clause references are in the doc comments of the rules themselves.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::actions::*;
use super::apply::{FollowUp, Refusal};
use super::fixtures::incident;
use super::review::ReviewKind;
use super::*;
use crate::domain::improvement::{ImprovementHorizon, ImprovementItem};
use crate::domain::input::{Day, FieldErrors, Flag, Index, Many, When};
use crate::domain::notifications::Event;
use crate::domain::stages::{CommanderDecision, MissingItem};
use crate::domain::{
    AgencyId, AssetClass, Denied, Impact, ImpactKind, IncidentLevel, IncidentStatus, Role, Stage,
};

fn person(agency: AgencyId, roles: &[Role]) -> Actor {
    Actor {
        agency,
        roles: roles.to_vec(),
        name: "Lee".into(),
        agency_name: "Agency".into(),
        ..Actor::default()
    }
}

fn now(i: &Incident) -> DateTime<Utc> {
    i.reported_at + Duration::minutes(30)
}

fn in_stage(level: IncidentLevel, stage: Stage) -> Incident {
    let mut i = incident(level);
    i.status = IncidentStatus::Open(stage);
    i
}

fn ministry_reviewer(i: &Incident) -> Actor {
    person(i.oversight.chain[0], &[Role::Reviewer])
}

fn ca_reviewer(i: &Incident) -> Actor {
    Actor {
        agency_is_competent_authority: true,
        ..person(i.oversight.competent_authority, &[Role::Reviewer])
    }
}

fn review(level: Option<IncidentLevel>, reason: &str) -> StageAction {
    StageAction::Review(ReviewInput {
        level: LevelChoice(level),
        reason: reason.into(),
    })
}

fn applied(i: &Incident, actor: &Actor, action: StageAction, at: DateTime<Utc>) -> Incident {
    i.apply(actor, action, at)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .incident
}

fn invalid_field(r: Result<super::apply::Applied, Refusal>) -> String {
    match r {
        Err(Refusal::Invalid(FieldErrors(e))) => e.keys().next().unwrap().clone(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn is_conflict(r: &Result<super::apply::Applied, Refusal>) -> bool {
    matches!(r, Err(Refusal::Conflict(_)))
}

#[test]
fn only_the_notified_agency_reviews_and_a_supervising_agency_up_the_chain_does_not() {
    let mut i = incident(IncidentLevel::L2);
    let supervising = AgencyId(uuid::Uuid::from_u128(4));
    i.oversight.chain.insert(1, supervising);
    i.oversight
        .relations
        .push((supervising, SupervisorRole::SupervisingAgency));
    let other = person(supervising, &[Role::Reviewer]);
    assert_eq!(
        i.apply(&other, review(None, ""), now(&i)),
        Err(Refusal::NotPermitted(Denied::NotPermitted))
    );
    assert_eq!(
        i.review_open_to(i.oversight.competent_authority, now(&i)),
        Err("error.review_not_late"),
        "the competent authority waits for the notified agency's window"
    );
    let reviewed = applied(&i, &ministry_reviewer(&i), review(None, ""), now(&i));
    assert_eq!(
        reviewed.round_review().unwrap().kind,
        ReviewKind::NotifiedAgency
    );
    assert!(is_conflict(&reviewed.apply(
        &ministry_reviewer(&i),
        review(Some(IncidentLevel::L3), "more"),
        now(&i)
    )));
}

#[test]
fn the_competent_authority_rechecks_once_and_the_recheck_stands() {
    let i = incident(IncidentLevel::L2);
    let ca = ca_reviewer(&i);
    let ministry = ministry_reviewer(&i);
    let reviewed = applied(&i, &ministry, review(None, ""), now(&i));
    let rechecked = reviewed
        .apply(
            &ca,
            review(Some(IncidentLevel::L3), "core systems"),
            now(&i),
        )
        .unwrap();
    assert_eq!(rechecked.incident.level, IncidentLevel::L3);
    assert!(rechecked.notices.contains(&Event::ReviewRechecked));
    let r = &rechecked.incident;
    assert_eq!(r.record.reviews.len(), 2, "both results are kept");
    assert_eq!(r.round_recheck().unwrap().kind, ReviewKind::Recheck);
    assert!(is_conflict(&r.apply(&ca, review(None, ""), now(&i))));
    assert!(is_conflict(&r.apply(
        &ministry,
        review(Some(IncidentLevel::L2), "x"),
        now(&i)
    )));
}

#[test]
fn the_competent_authority_reviews_directly_once_the_window_passed_and_nothing_is_relayed() {
    let i = incident(IncidentLevel::L3);
    let ca = ca_reviewer(&i);
    let on_time = i.reported_at + Duration::minutes(119);
    let late = i.reported_at + Duration::minutes(121);
    assert!(is_conflict(&i.apply(&ca, review(None, ""), on_time)));
    assert!(i.review_deadline_passed(late));
    let direct = applied(&i, &ca, review(None, ""), late);
    assert_eq!(direct.round_review().unwrap().kind, ReviewKind::Direct);
    assert!(!direct.relay_owed());
    let relay = StageAction::RelayReview(RelayReviewInput {
        basis: "table".into(),
    });
    assert!(direct.apply(&ministry_reviewer(&i), relay, late).is_err());
}

#[test]
fn the_relay_of_the_result_is_recorded_once_with_its_basis_after_the_review() {
    let i = incident(IncidentLevel::L2);
    let ministry = ministry_reviewer(&i);
    let relay = |basis: &str| {
        StageAction::RelayReview(RelayReviewInput {
            basis: basis.into(),
        })
    };
    assert_eq!(
        i.apply(&ministry, relay("table"), now(&i)),
        Err(Refusal::OutOfStage(vec![MissingItem::Review]))
    );
    let reviewed = applied(&i, &ministry, review(None, ""), now(&i));
    assert!(reviewed.relay_owed());
    assert_eq!(
        invalid_field(reviewed.apply(&ministry, relay(" "), now(&i))),
        "basis"
    );
    let relayed = applied(&reviewed, &ministry, relay("annex table"), now(&i));
    assert_eq!(relayed.round_relay().unwrap().basis, "annex table");
    assert!(is_conflict(&relayed.apply(
        &ministry,
        relay("again"),
        now(&i)
    )));
}

#[test]
fn a_follow_up_report_opens_a_new_round_at_the_level_its_impacts_amount_to() {
    let i = incident(IncidentLevel::L2);
    let ministry = ministry_reviewer(&i);
    let reviewed = applied(&i, &ministry, review(None, ""), now(&i));
    let officer = person(i.agency, &[Role::SecurityOfficer]);
    let follow_up = |impacts: Vec<Impact>, reason: &str| {
        StageAction::FollowUpReport(FollowUpReportInput {
            impacts,
            reason: reason.into(),
        })
    };
    let secret = Impact {
        kind: ImpactKind::Leak,
        asset: AssetClass::NationalSecret,
        severe: false,
    };
    let ci_core = Impact {
        kind: ImpactKind::Disruption,
        asset: AssetClass::Sensitive,
        severe: true,
    };
    assert_eq!(
        invalid_field(reviewed.apply(&officer, follow_up(vec![ci_core], "down"), now(&i))),
        "impacts",
        "a disruption of CI core systems is a CI agency's to report (art. 2)"
    );
    assert_eq!(
        invalid_field(reviewed.apply(&officer, follow_up(vec![secret], ""), now(&i))),
        "reason"
    );
    let later = now(&i) + Duration::hours(3);
    let f = reviewed
        .apply(&officer, follow_up(vec![secret], "secrets found"), later)
        .unwrap();
    assert_eq!(
        f.notices,
        vec![Event::FollowUpReported {
            level: IncidentLevel::L4
        }]
    );
    let f = f.incident;
    assert_eq!(f.level, IncidentLevel::L4);
    assert_eq!(f.review_round().index, 1);
    assert_eq!(f.reviewed_at(), None, "the new round awaits review");
    let due = f
        .deadlines()
        .into_iter()
        .find(|d| d.kind == crate::domain::DeadlineKind::Review)
        .and_then(|d| d.due);
    assert_eq!(
        due,
        Some(later + Duration::hours(2)),
        "the window of level 4 as reported"
    );
    assert_eq!(
        f.review_open_to(ministry.agency, later),
        Ok(ReviewKind::NotifiedAgency)
    );
    let mut ci = reviewed.clone();
    ci.oversight.critical_infrastructure = true;
    assert!(ci
        .apply(&officer, follow_up(vec![ci_core], "down"), later)
        .is_ok());
}

#[test]
fn the_completion_notice_is_given_once() {
    let i = in_stage(IncidentLevel::L3, Stage::Containment);
    let responder = person(i.agency, &[Role::ResponseExecution]);
    let notify = StageAction::Containment(ContainmentInput {
        scope_confirmed: Flag(false),
        priority_restoration_done: Flag(false),
        downtime: Many(Vec::new()),
        public_announcement: YesNo::Undecided,
        notify_completion: Flag(true),
        initial_control_done: Flag(false),
    });
    let first = applied(&i, &responder, notify.clone(), now(&i));
    let again = applied(&first, &responder, notify, now(&i) + Duration::hours(5));
    assert_eq!(again.containment_completed_at, Some(now(&i)));
    assert_eq!(again.deadlines(), first.deadlines(), "no clock moves");
}

fn extension(until: DateTime<Utc>, reason: &str) -> StageAction {
    StageAction::ReportExtension(ReportExtensionInput {
        until: Some(When(until)),
        reason: reason.into(),
    })
}

fn decision(consent: bool, comment: &str) -> StageAction {
    StageAction::ReportExtensionDecision(ReportExtensionDecisionInput {
        consent: Some(Flag(consent)),
        comment: comment.into(),
    })
}

fn report_due(i: &Incident) -> Option<DateTime<Utc>> {
    i.deadlines()
        .into_iter()
        .find(|d| d.kind == crate::domain::DeadlineKind::InvestigationReport)
        .and_then(|d| d.due)
}

#[test]
fn the_report_deadline_moves_only_on_the_notified_agencys_consent() {
    let mut i = in_stage(IncidentLevel::L2, Stage::RootCause);
    let officer = person(i.agency, &[Role::SecurityOfficer]);
    let ministry = ministry_reviewer(&i);
    let far = now(&i) + Duration::days(60);
    assert!(is_conflict(&i.apply(
        &officer,
        extension(far, "lab"),
        now(&i)
    )));
    i.containment_completed_at = Some(i.reported_at);
    let due = report_due(&i).unwrap();
    assert_eq!(
        invalid_field(i.apply(&officer, extension(due, "lab"), now(&i))),
        "until"
    );
    assert_eq!(
        invalid_field(i.apply(&officer, extension(far, ""), now(&i))),
        "reason"
    );
    let asked = applied(&i, &officer, extension(far, "lab"), now(&i));
    assert!(asked.pending_extension().is_some());
    assert!(is_conflict(&asked.apply(
        &officer,
        extension(far, "lab"),
        now(&i)
    )));
    assert_eq!(
        asked.apply(&officer, decision(true, ""), now(&i)),
        Err(Refusal::NotPermitted(Denied::NotPermitted)),
        "the notified agency decides"
    );
    assert_eq!(
        invalid_field(asked.apply(&ministry, decision(false, ""), now(&i))),
        "comment"
    );
    let refused = applied(&asked, &ministry, decision(false, "no reason"), now(&i));
    assert_eq!(report_due(&refused), Some(due));
    let asked = applied(&refused, &officer, extension(far, "lab again"), now(&i));
    let consented = applied(&asked, &ministry, decision(true, ""), now(&i));
    assert_eq!(report_due(&consented), Some(far));
    assert_eq!(
        consented.record.extension_requests[1]
            .decision
            .as_ref()
            .unwrap()
            .by,
        "Lee"
    );
}

#[test]
fn the_l3_meeting_follows_initial_damage_control_and_covers_its_agenda() {
    let i = in_stage(IncidentLevel::L3, Stage::ResponseTeam);
    let commander = person(i.agency, &[Role::Commander]);
    let meeting = |at: DateTime<Utc>, agenda: Vec<crate::domain::stages::AgendaItem>| {
        StageAction::ResponseMeeting(ResponseMeetingInput {
            held_at: Some(When(at)),
            attendees: Many(vec!["Commander".into()]),
            minutes: "scope".into(),
            agenda: Many(agenda),
        })
    };
    let all = crate::domain::stages::AgendaItem::ALL.to_vec();
    assert_eq!(
        i.apply(&commander, meeting(now(&i), all.clone()), now(&i)),
        Err(Refusal::OutOfStage(vec![MissingItem::InitialDamageControl]))
    );
    let mut controlled = i.clone();
    controlled.record.initial_control_at = Some(i.reported_at);
    let early = i.report.aware_at - Duration::minutes(1);
    assert_eq!(
        invalid_field(controlled.apply(&commander, meeting(early, all.clone()), now(&i))),
        "held_at"
    );
    assert_eq!(
        invalid_field(controlled.apply(&commander, meeting(now(&i), all[..2].to_vec()), now(&i))),
        "agenda"
    );
    assert!(controlled
        .apply(&commander, meeting(now(&i), all), now(&i))
        .is_ok());
    // Levels 1 and 2 hold no such meeting requirement on damage control.
    let minor = in_stage(IncidentLevel::L2, Stage::ResponseTeam);
    assert!(minor
        .apply(
            &commander,
            meeting(now(&i), crate::domain::stages::AgendaItem::ALL.to_vec()),
            now(&i)
        )
        .is_ok());
}

#[test]
fn the_notice_says_its_means_and_cannot_precede_awareness() {
    let i = incident(IncidentLevel::L3);
    let officer = person(i.agency, &[Role::SecurityOfficer]);
    let notice = |means, other: &str, at| {
        StageAction::EscalationNotice(EscalationNoticeInput {
            told: "Ministry desk".into(),
            means,
            other_means: other.into(),
            at: Some(When(at)),
        })
    };
    let before = i.report.aware_at - Duration::minutes(5);
    assert_eq!(
        invalid_field(i.apply(
            &officer,
            notice(NoticeMeansChoice::Phone, "", before),
            now(&i)
        )),
        "at"
    );
    assert_eq!(
        invalid_field(i.apply(
            &officer,
            notice(NoticeMeansChoice::Other, " ", now(&i)),
            now(&i)
        )),
        "other_means"
    );
    let told = applied(
        &i,
        &officer,
        notice(NoticeMeansChoice::Other, "encrypted messenger", now(&i)),
        now(&i),
    );
    assert_eq!(
        told.record.escalation_notice.unwrap().means,
        crate::domain::stages::NoticeMeans::Other {
            description: "encrypted messenger".into()
        }
    );
}

#[test]
fn the_root_cause_goes_on_only_after_the_commanders_approval() {
    let mut i = in_stage(IncidentLevel::L2, Stage::RootCause);
    let officer = person(i.agency, &[Role::SecurityOfficer]);
    assert_eq!(
        i.apply(&officer, StageAction::SendToEscalationTarget, now(&i)),
        Err(Refusal::OutOfStage(vec![MissingItem::CommanderApproval]))
    );
    i.record.submit_to_commander(now(&i));
    i.record
        .decide(CommanderDecision::Returned {
            comment: "more".into(),
        })
        .unwrap();
    assert!(i
        .apply(&officer, StageAction::SendToEscalationTarget, now(&i))
        .is_err());
    i.record.submit_to_commander(now(&i));
    i.record.decide(CommanderDecision::approved()).unwrap();
    let sent = applied(&i, &officer, StageAction::SendToEscalationTarget, now(&i));
    assert_eq!(sent.record.root_cause_sent_at, Some(now(&i)));
}

fn item(horizon: ImprovementHorizon, planned: NaiveDate, due: NaiveDate) -> ImprovementItem {
    ImprovementItem {
        description: "replace".into(),
        horizon,
        planned_on: planned,
        due_on: due,
        done_on: None,
        owner: "IT".into(),
        dropped: None,
    }
}

#[test]
fn closing_hands_the_open_items_to_tracking() {
    let mut i = in_stage(IncidentLevel::L2, Stage::Improvement);
    let today = crate::domain::to_taipei(now(&i)).date_naive();
    let mid = item(
        ImprovementHorizon::MidTerm,
        today,
        today + Duration::days(120),
    );
    let mut done = item(
        ImprovementHorizon::ShortTerm,
        today,
        today + Duration::days(5),
    );
    done.done_on = Some(today);
    i.record.improvement_items = vec![done, mid.clone()];
    // Everything the earlier stages owe, on record.
    let at = now(&i);
    let r = &mut i.record;
    r.team_activated = true;
    r.scope_confirmed = true;
    r.priority_restoration_done = true;
    r.affected_systems = vec![crate::domain::AffectedSystem {
        name: "web".into(),
        within_tolerable_downtime: Some(true),
    }];
    r.public_announcement_decision = Some(false);
    r.root_cause = Some("weak password".into());
    r.submit_to_commander(at);
    r.decide(CommanderDecision::approved()).unwrap();
    r.root_cause_sent_at = Some(at);
    i.containment_completed_at = Some(i.reported_at);
    let officer = person(i.agency, &[Role::SecurityOfficer]);
    assert!(matches!(
        i.apply(&officer, StageAction::CompleteStage, now(&i)),
        Err(Refusal::OutOfStage(_))
    ));
    i.report_submitted_at = Some(now(&i));
    let closed = i
        .apply(&officer, StageAction::CompleteStage, now(&i))
        .unwrap();
    assert_eq!(closed.incident.status, IncidentStatus::Closed);
    assert_eq!(
        closed.follow_up,
        Some(FollowUp::HandToTracking(vec![(1, mid)]))
    );
}

#[test]
fn the_strategy_is_adjusted_within_each_horizon_and_a_drop_says_why() {
    let mut i = in_stage(IncidentLevel::L2, Stage::Improvement);
    let today = crate::domain::to_taipei(now(&i)).date_naive();
    i.record.improvement_items = vec![item(
        ImprovementHorizon::MidTerm,
        today,
        today + Duration::days(120),
    )];
    let logistics = person(i.agency, &[Role::Logistics]);
    let edit = |days: i64| {
        StageAction::ImprovementItemEdit(ImprovementItemEditInput {
            index: Some(Index(0)),
            description: "replace core switches".into(),
            horizon: Some(HorizonChoice::Mid),
            due_on: Some(Day(today + Duration::days(days))),
            owner: "IT".into(),
        })
    };
    assert_eq!(
        invalid_field(i.apply(&logistics, edit(20), now(&i))),
        "due_on"
    );
    let edited = applied(&i, &logistics, edit(150), now(&i));
    assert_eq!(
        edited.record.improvement_items[0].due_on,
        today + Duration::days(150)
    );
    let drop = |reason: &str| {
        StageAction::ImprovementItemDrop(ImprovementItemDropInput {
            index: Some(Index(0)),
            reason: reason.into(),
        })
    };
    assert_eq!(
        invalid_field(edited.apply(&logistics, drop(""), now(&i))),
        "reason"
    );
    let dropped = edited
        .apply(&logistics, drop("superseded"), now(&i))
        .unwrap();
    assert!(matches!(
        dropped.events[0],
        IncidentEvent::ImprovementItemDropped { index: 0, .. }
    ));
    assert!(!dropped.incident.record.improvement_items[0].is_open());
    assert!(is_conflict(&dropped.incident.apply(
        &logistics,
        edit(150),
        now(&i)
    )));
}

#[test]
fn periodic_reports_say_what_was_done_and_are_forwarded_once() {
    let i = in_stage(IncidentLevel::L3, Stage::Containment);
    let responder = person(i.agency, &[Role::ResponseExecution]);
    let officer = person(i.agency, &[Role::SecurityOfficer]);
    let report = |done: &str, effect: &str| {
        StageAction::ControlEffectReport(PeriodicReportInput {
            done: done.into(),
            effect: effect.into(),
        })
    };
    let forward = StageAction::ForwardReport(ForwardReportInput {
        report: Some(ReportChoice::ControlEffect),
    });
    let policy = ReminderPolicy::default();
    let first_due = i.periodic_reports_due(&policy)[0].1;
    assert_eq!(
        invalid_field(i.apply(&responder, report("isolated", ""), now(&i))),
        "effect"
    );
    assert!(is_conflict(&i.apply(&officer, forward.clone(), now(&i))));
    let reported = i
        .apply(&responder, report("isolated", "stopped"), now(&i))
        .unwrap();
    assert_eq!(reported.notices, vec![Event::ControlEffectReported]);
    let r = reported.incident;
    assert_eq!(
        r.periodic_reports_due(&policy)[0].1,
        now(&i) + policy.control_report_every,
        "the next is due from the last"
    );
    assert!(r.periodic_reports_due(&policy)[0].1 > first_due);
    let forwarded = applied(&r, &officer, forward.clone(), now(&i));
    assert!(forwarded.record.control_effect_reports[0]
        .forwarded
        .is_some());
    assert!(is_conflict(&forwarded.apply(&officer, forward, now(&i))));
}

#[test]
fn the_ciso_meeting_is_for_a_major_incident_and_reminded_until_recorded() {
    let ciso = |i: &Incident| person(i.agency, &[Role::Ciso]);
    let meeting = |at| {
        StageAction::CisoMeeting(CisoMeetingInput {
            held_at: Some(When(at)),
            attendees: Many(vec!["CISO".into()]),
            conclusions: "accounts".into(),
        })
    };
    let minor = incident(IncidentLevel::L2);
    assert!(is_conflict(&minor.apply(
        &ciso(&minor),
        meeting(now(&minor)),
        now(&minor)
    )));
    let mut major = incident(IncidentLevel::L3);
    major.containment_completed_at = Some(major.reported_at);
    major.status = IncidentStatus::Closed;
    let policy = ReminderPolicy::default();
    let later = major.reported_at + policy.ciso_meeting_every + Duration::hours(1);
    assert!(major
        .due_reminders(&policy, later)
        .iter()
        .any(|r| r.kind == ReminderKind::CisoMeetingDue));
    let held = applied(&major, &ciso(&major), meeting(later), later);
    assert!(
        held.record.ciso_meeting.is_some(),
        "recorded after closing too"
    );
    assert!(!held
        .due_reminders(&policy, later + policy.ciso_meeting_every)
        .iter()
        .any(|r| r.kind == ReminderKind::CisoMeetingDue));
}

#[test]
fn the_classified_document_names_the_competent_authority_and_the_agency_above() {
    let i = in_stage(IncidentLevel::L3, Stage::Improvement);
    let officer = person(i.agency, &[Role::SecurityOfficer]);
    let document = |recipients: Vec<AgencyId>| {
        StageAction::ClassifiedDocument(ClassifiedDocumentInput {
            number: "No. 1150000001".into(),
            recipients: Many(recipients.into_iter().map(|a| a.0).collect()),
            dated: Some(Day(crate::domain::to_taipei(now(&i)).date_naive())),
        })
    };
    let ministry = i.oversight.chain[0];
    let ca = i.oversight.competent_authority;
    let stranger = AgencyId(uuid::Uuid::from_u128(99));
    for wrong in [vec![ministry], vec![ca], vec![ministry, ca, stranger]] {
        assert_eq!(
            invalid_field(i.apply(&officer, document(wrong), now(&i))),
            "recipients"
        );
    }
    let sent = applied(&i, &officer, document(vec![ministry, ca]), now(&i));
    assert_eq!(
        sent.record.classified_document.unwrap().recipients,
        vec![ministry, ca]
    );
}
