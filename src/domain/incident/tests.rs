//! `Incident::apply` and `Incident::file`: what each action records, refuses and announces.

use chrono::{Duration, TimeZone, Utc};

use super::actions::*;
use super::fixtures::incident;
use super::*;
use crate::domain::input::{FieldErrors, Flag, Many, When};
use crate::domain::notifications::Event;
use crate::domain::{
    AgencyId, AssetClass, Category, Denied, FilingInput, ImpactKind, IncidentLevel, MissingItem,
    Role, Stage,
};

fn person(agency: AgencyId, roles: &[Role]) -> Actor {
    Actor {
        agency,
        roles: roles.to_vec(),
        name: "李資安".into(),
        agency_name: "示範部".into(),
        ..Actor::default()
    }
}

fn now(i: &Incident) -> chrono::DateTime<Utc> {
    i.reported_at + Duration::minutes(30)
}

fn notice(at: chrono::DateTime<Utc>) -> StageAction {
    StageAction::EscalationNotice(EscalationNoticeInput {
        told: "示範部 王科長".into(),
        means: NoticeMeansChoice::Phone,
        other_means: String::new(),
        at: Some(When(at)),
    })
}

#[test]
fn permission_is_judged_before_what_was_sent() {
    let i = incident(IncidentLevel::L3);
    let stranger = person(AgencyId::new_v4(), &[Role::SecurityOfficer]);
    let responder = person(i.agency, &[Role::ResponseExecution]);
    let bad = StageAction::EscalationNotice(EscalationNoticeInput {
        told: String::new(),
        means: NoticeMeansChoice::Phone,
        other_means: String::new(),
        at: None,
    });
    assert_eq!(
        i.apply(&stranger, bad.clone(), now(&i)),
        Err(Refusal::NotPermitted(Denied::NotVisible))
    );
    assert_eq!(
        i.apply(&responder, bad, now(&i)),
        Err(Refusal::NotPermitted(Denied::NotPermitted))
    );
}

#[test]
fn a_notice_records_who_told_whom_and_refuses_a_time_to_come() {
    let i = incident(IncidentLevel::L3);
    let officer = person(i.agency, &[Role::SecurityOfficer]);
    let later = now(&i) + Duration::hours(1);
    match i.apply(&officer, notice(later), now(&i)) {
        Err(Refusal::Invalid(e)) => assert_eq!(e.get("at"), Some("error.time_in_future")),
        other => panic!("{other:?}"),
    }
    let applied = i.apply(&officer, notice(i.reported_at), now(&i)).unwrap();
    let recorded = applied.incident.record.escalation_notice.clone().unwrap();
    assert_eq!(recorded.by, "李資安");
    assert_eq!(
        applied.events,
        vec![IncidentEvent::EscalationNotice(recorded)]
    );
    // The notice was all stage 1 still needed: whoever completes it hears so.
    assert_eq!(
        applied.notices,
        vec![Event::StageReady {
            stage: Stage::Report
        }]
    );
    assert_eq!(
        i.record.escalation_notice, None,
        "the loaded incident is untouched"
    );
}

#[test]
fn a_stage_completes_only_with_nothing_missing_and_moves_on() {
    let i = incident(IncidentLevel::L3);
    let officer = person(i.agency, &[Role::SecurityOfficer]);
    assert_eq!(
        i.apply(&officer, StageAction::CompleteStage, now(&i)),
        Err(Refusal::OutOfStage(vec![MissingItem::EscalationNotice]))
    );
    let noticed = i
        .apply(&officer, notice(i.reported_at), now(&i))
        .unwrap()
        .incident;
    let done = noticed
        .apply(&officer, StageAction::CompleteStage, now(&i))
        .unwrap();
    assert_eq!(
        done.incident.status,
        IncidentStatus::Open(Stage::ResponseTeam)
    );
    assert_eq!(
        done.events,
        vec![IncidentEvent::StageCompleted {
            stage: Stage::Report,
            now: IncidentStatus::Open(Stage::ResponseTeam)
        }]
    );
}

#[test]
fn the_action_that_completes_a_stage_record_tells_whoever_completes_the_stage() {
    let i = incident(IncidentLevel::L3);
    let officer = person(i.agency, &[Role::SecurityOfficer]);
    let noticed = i.apply(&officer, notice(i.reported_at), now(&i)).unwrap();
    assert!(noticed.notices.contains(&Event::StageReady {
        stage: Stage::Report
    }));
    // Recording it again changes nothing that was missing: no second notice.
    let again = noticed
        .incident
        .apply(&officer, notice(i.reported_at), now(&i))
        .unwrap();
    assert!(again.notices.is_empty(), "{:?}", again.notices);
}

#[test]
fn activating_the_team_brings_the_roster_along() {
    let mut i = incident(IncidentLevel::L1);
    i.status = IncidentStatus::Open(Stage::ResponseTeam);
    let commander = person(i.agency, &[Role::Commander]);
    let applied = i
        .apply(&commander, StageAction::ActivateTeam, now(&i))
        .unwrap();
    assert!(applied.incident.record.team_activated);
    assert_eq!(applied.follow_up, Some(FollowUp::SnapshotTeam));
}

#[test]
fn the_commander_decides_only_what_was_submitted_and_a_return_needs_a_comment() {
    let mut i = incident(IncidentLevel::L2);
    i.status = IncidentStatus::Open(Stage::RootCause);
    let commander = person(i.agency, &[Role::Commander]);
    let secretary = person(i.agency, &[Role::ExecutiveSecretary]);
    let approve = StageAction::Decide(DecideInput {
        decision: Some(DecisionChoice::Approve),
        comment: String::new(),
    });
    assert!(matches!(
        i.apply(&commander, approve.clone(), now(&i)),
        Err(Refusal::Conflict(_))
    ));
    let submitted = i
        .apply(&secretary, StageAction::SubmitToCommander, now(&i))
        .unwrap();
    assert_eq!(submitted.notices, vec![Event::SubmittedToCommander]);
    let i = submitted.incident;
    assert!(i.awaiting_commander());
    assert!(matches!(
        i.apply(&secretary, StageAction::SubmitToCommander, now(&i)),
        Err(Refusal::Conflict(_))
    ));
    let bare_return = StageAction::Decide(DecideInput {
        decision: Some(DecisionChoice::Return),
        comment: " ".into(),
    });
    assert_eq!(
        i.apply(&commander, bare_return, now(&i)),
        Err(Refusal::Invalid(FieldErrors::one(
            "comment",
            "error.required"
        )))
    );
    let decided = i.apply(&commander, approve, now(&i)).unwrap();
    assert_eq!(
        decided.notices,
        vec![Event::CommanderDecided { approved: true }]
    );
    assert!(!decided.incident.awaiting_commander());
    // The comment typed with an approval is kept, on the record and the timeline.
    let with_comment = StageAction::Decide(DecideInput {
        decision: Some(DecisionChoice::Approve),
        comment: " 請於兩週內完成短期改善 ".into(),
    });
    let kept = i.apply(&commander, with_comment, now(&i)).unwrap();
    let approved = CommanderDecision::Approved {
        comment: "請於兩週內完成短期改善".into(),
    };
    assert_eq!(
        kept.incident.record.commander_decision,
        Some(approved.clone())
    );
    assert_eq!(
        kept.events,
        vec![IncidentEvent::CommanderDecision(approved)]
    );
}

#[test]
fn the_review_sets_the_level_once_with_a_reason_for_a_change() {
    let i = incident(IncidentLevel::L2);
    let reviewer = person(i.oversight.chain[0], &[Role::Reviewer]);
    let review = |level, reason: &str| {
        StageAction::Review(ReviewInput {
            level: LevelChoice(level),
            reason: reason.into(),
        })
    };
    assert_eq!(
        i.apply(&reviewer, review(Some(IncidentLevel::L3), ""), now(&i)),
        Err(Refusal::Invalid(FieldErrors::one(
            "reason",
            "error.reason_required"
        )))
    );
    let raised = i
        .apply(
            &reviewer,
            review(Some(IncidentLevel::L3), "核心系統受影響"),
            now(&i),
        )
        .unwrap();
    assert_eq!(raised.incident.level, IncidentLevel::L3);
    assert_eq!(raised.incident.proposed_level, IncidentLevel::L2);
    assert_eq!(
        raised.notices,
        vec![Event::LevelChanged {
            from: IncidentLevel::L2,
            to: IncidentLevel::L3
        }]
    );
    assert!(matches!(
        raised.incident.apply(&reviewer, review(None, ""), now(&i)),
        Err(Refusal::Conflict(_))
    ));
    let kept = i.apply(&reviewer, review(None, ""), now(&i)).unwrap();
    assert_eq!(kept.incident.level, IncidentLevel::L2);
    assert!(kept.notices.is_empty());
}

#[test]
fn containment_judges_the_listed_systems_and_notifies_completion() {
    let mut i = incident(IncidentLevel::L1);
    i.status = IncidentStatus::Open(Stage::Containment);
    i.record.affected_systems = vec![crate::domain::AffectedSystem {
        name: "官網".into(),
        within_tolerable_downtime: None,
    }];
    let responder = person(i.agency, &[Role::ResponseExecution]);
    let input = |downtime: Vec<DowntimeChoice>| {
        StageAction::Containment(ContainmentInput {
            scope_confirmed: Flag(true),
            priority_restoration_done: Flag(false),
            downtime: Many(downtime),
            public_announcement: YesNo::No,
            notify_completion: Flag(true),
            initial_control_done: Flag(false),
        })
    };
    assert_eq!(
        i.apply(
            &responder,
            input(vec![DowntimeChoice::Within, DowntimeChoice::Beyond]),
            now(&i)
        ),
        Err(Refusal::Invalid(FieldErrors::one(
            "downtime",
            "error.system_unknown"
        )))
    );
    let applied = i
        .apply(&responder, input(vec![DowntimeChoice::Within]), now(&i))
        .unwrap()
        .incident;
    assert_eq!(
        applied.record.affected_systems[0].within_tolerable_downtime,
        Some(true)
    );
    assert_eq!(applied.record.public_announcement_decision, Some(false));
    assert_eq!(applied.containment_completed_at, Some(now(&i)));
}

#[test]
fn filing_classifies_the_impacts_and_counts_a_report_by_other_means() {
    let officer = person(AgencyId::new_v4(), &[Role::SecurityOfficer]);
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap();
    let input = FilingInput {
        title: "官網遭置換".into(),
        aware_at: at - Duration::hours(1),
        occurred_at: None,
        category: Category::WebAttack,
        subcategory: "defacement".into(),
        impacts: vec![crate::domain::Impact {
            kind: ImpactKind::Tamper,
            asset: AssetClass::Core,
            severe: true,
        }],
        personal_data: false,
        summary: String::new(),
        contact: String::new(),
        affected_systems: vec!["官網".into()],
        other_means: Some((at - Duration::minutes(30), "平臺維護中".into())),
    };
    let placement = Placement {
        id: uuid::Uuid::from_u128(7),
        number: "AGA-2026-0007".into(),
        escalation_target: None,
        oversight: Oversight::default(),
    };
    let filed = Incident::file(&officer, input.clone(), placement.clone(), at).unwrap();
    let i = &filed.incident;
    assert_eq!(
        (i.level, i.proposed_level),
        (IncidentLevel::L3, IncidentLevel::L3)
    );
    assert_eq!(i.reported_at, at - Duration::minutes(30));
    assert_eq!(i.record.affected_systems.len(), 1);
    assert_eq!(
        filed.notices,
        vec![
            Event::Filed {
                level: IncidentLevel::L3
            },
            Event::MajorFiled
        ]
    );
    assert!(matches!(
        filed.events[0],
        IncidentEvent::Filed { level: 3, .. }
    ));
    let responder = person(officer.agency, &[Role::ResponseExecution]);
    assert_eq!(
        Incident::file(&responder, input, placement, at).unwrap_err(),
        Refusal::NotPermitted(Denied::NotPermitted)
    );
}

#[test]
fn the_schedule_is_derived_from_the_facts() {
    let mut i = incident(IncidentLevel::L3);
    let policy = ReminderPolicy::default();
    let s = i.schedule(&policy, i.reported_at);
    assert_eq!(s.review_due, Some(i.reported_at + Duration::hours(2)));
    assert_eq!(
        s.containment_due,
        Some(i.report.aware_at + Duration::hours(36))
    );
    // The report is made; the review is the nearest deadline still open.
    assert_eq!(s.next_due, s.review_due);
    assert!(s.reminder_at.is_some());
    assert!(i.is_classified());
    i.status = IncidentStatus::Closed;
    let s = i.schedule(&policy, i.reported_at);
    assert_eq!((s.next_due, s.reminder_at), (None, None));
}

#[test]
fn the_agencys_officer_and_commander_answer_a_supervisors_comment_in_any_open_stage() {
    let i = incident(IncidentLevel::L3);
    let ministry = i.oversight.chain[0];
    let reviewer = person(ministry, &[Role::Reviewer]);
    let officer = Actor {
        agency_name: "甲機關".into(),
        ..person(i.agency, &[Role::SecurityOfficer])
    };
    let commander = person(i.agency, &[Role::Commander]);
    let reply = |text: &str| {
        StageAction::ReplyToSupervisor(ReplyInput {
            comment: text.into(),
        })
    };
    // Nothing said yet: nothing to answer, and no form.
    assert!(!i.offers(StageActionKind::ReplyToSupervisor, false));
    assert!(matches!(
        i.apply(&officer, reply("已補充"), now(&i)),
        Err(Refusal::Conflict(_))
    ));
    let commented = i
        .apply(
            &reviewer,
            StageAction::Comment(CommentInput {
                comment: "請說明影響範圍".into(),
            }),
            now(&i),
        )
        .unwrap()
        .incident;
    assert_eq!(commented.record.supervisor_comments, 1);
    assert!(commented.offers(StageActionKind::ReplyToSupervisor, false));

    // The reply is the agency's, named as its agency, and goes back to who supervises.
    let applied = commented
        .apply(&officer, reply(" 影響範圍為官網主機 "), now(&i))
        .unwrap();
    assert_eq!(
        applied.events,
        vec![IncidentEvent::AgencyReply {
            comment: "影響範圍為官網主機".into(),
            agency: "甲機關".into(),
        }]
    );
    assert_eq!(
        applied.notices,
        vec![Event::AgencyReplied {
            level: IncidentLevel::L3
        }]
    );
    let mut later = commented.clone();
    later.status = IncidentStatus::Open(Stage::Improvement);
    assert!(later.apply(&commander, reply("已改善"), now(&i)).is_ok());

    // Who may not: the supervisor, the agency's other roles, another agency; nor an empty reply.
    for (who, denied) in [
        (&reviewer, Denied::NotPermitted),
        (
            &person(i.agency, &[Role::ResponseExecution]),
            Denied::NotPermitted,
        ),
        (
            &person(AgencyId::new_v4(), &[Role::SecurityOfficer]),
            Denied::NotVisible,
        ),
    ] {
        assert_eq!(
            commented.apply(who, reply("x"), now(&i)),
            Err(Refusal::NotPermitted(denied))
        );
    }
    assert_eq!(
        commented.apply(&officer, reply("  "), now(&i)),
        Err(Refusal::Invalid(FieldErrors::one(
            "comment",
            "error.required"
        )))
    );
    // A closed incident is read-only.
    let mut closed = commented;
    closed.status = IncidentStatus::Closed;
    assert_eq!(
        closed.apply(&officer, reply("x"), now(&i)),
        Err(Refusal::NotPermitted(Denied::NotPermitted))
    );
}
