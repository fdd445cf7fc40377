use super::*;
use crate::domain::agency::AgencyId;
use crate::domain::level::IncidentLevel;
use crate::domain::stages::IncidentStatus;
use uuid::Uuid;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn the_period_runs_to_the_same_taipei_day_years_after_closing() {
    let p = RetentionPeriods::default();
    // Closed 2026-03-01 01:00 Taipei (= 2026-02-28 17:00 UTC): the Taipei day counts.
    let closed = utc("2026-02-28T17:00:00Z");
    assert_eq!(
        p.purge_from(RecordType::IncidentRecord, closed),
        utc("2036-02-29T16:00:00Z")
    );
    assert_eq!(
        p.purge_from(RecordType::EvidenceFile, closed),
        utc("2031-02-28T16:00:00Z")
    );
    // 29 February closes to 28 February in a common year.
    let leap = utc("2028-02-29T04:00:00Z");
    let one = RetentionPeriods {
        incident_record: 1,
        evidence_file: 1,
    };
    assert_eq!(
        one.purge_from(RecordType::IncidentRecord, leap),
        utc("2029-02-27T16:00:00Z")
    );
}

#[test]
fn only_a_closed_incident_past_its_period_and_not_held_is_purged_once() {
    let p = RetentionPeriods::default();
    let closed = utc("2010-01-05T00:00:00Z");
    let now = utc("2026-12-02T00:00:00Z");
    let facts = |closed_at, hold_in_force, purged_at| RetentionFacts {
        closed_at,
        hold_in_force,
        purged_at,
    };
    let t = RecordType::IncidentRecord;
    assert_eq!(
        disposal(t, &p, &facts(None, false, None), now),
        Disposal::Keep { until: None }
    );
    assert_eq!(
        disposal(t, &p, &facts(Some(closed), false, None), now),
        Disposal::Purge
    );
    assert_eq!(
        disposal(t, &p, &facts(Some(closed), true, None), now),
        Disposal::Held
    );
    assert_eq!(
        disposal(t, &p, &facts(Some(closed), false, Some(now)), now),
        Disposal::Purged
    );
    let recent = utc("2025-06-01T00:00:00Z");
    assert!(matches!(
        disposal(t, &p, &facts(Some(recent), false, None), now),
        Disposal::Keep { until: Some(_) }
    ));
    // The day before the period ends it is kept; on the day it is purged.
    let from = p.purge_from(t, recent);
    assert!(matches!(
        disposal(
            t,
            &p,
            &facts(Some(recent), false, None),
            from - chrono::Duration::seconds(1)
        ),
        Disposal::Keep { .. }
    ));
    assert_eq!(
        disposal(t, &p, &facts(Some(recent), false, None), from),
        Disposal::Purge
    );
}

#[test]
fn periods_are_whole_years_from_one_to_a_hundred_and_files_not_longer_than_the_record() {
    assert_eq!(
        RetentionPeriods::parse(" 7 ", "3"),
        Ok(RetentionPeriods {
            incident_record: 7,
            evidence_file: 3
        })
    );
    for bad in ["0", "101", "-1", "2.5", "", "十"] {
        let e = RetentionPeriods::parse(bad, "1").unwrap_err();
        assert_eq!(
            e.get("incident_record"),
            Some("retention.error.years"),
            "{bad}"
        );
    }
    let e = RetentionPeriods::parse("3", "5").unwrap_err();
    assert_eq!(
        e.get("evidence_file"),
        Some("retention.error.evidence_longer")
    );
}

fn actor(agency: u128, roles: &[Role], ca: bool) -> Actor {
    Actor {
        agency: AgencyId(Uuid::from_u128(agency)),
        roles: roles.to_vec(),
        agency_is_competent_authority: ca,
        ..Actor::default()
    }
}

fn closed_incident() -> IncidentContext {
    IncidentContext {
        agency: AgencyId(Uuid::from_u128(1)),
        status: IncidentStatus::Closed,
        level: IncidentLevel::L2,
        supervision_chain: vec![AgencyId(Uuid::from_u128(2))],
        notified_agency: None,
    }
}

#[test]
fn holds_are_placed_by_the_agency_or_a_supervisor_and_redaction_only_by_the_agency() {
    let i = closed_incident();
    let officer = actor(1, &[Role::SecurityOfficer], false);
    let ciso = actor(1, &[Role::Ciso], false);
    let logistics = actor(1, &[Role::Logistics], false);
    let supervisor = actor(2, &[Role::Reviewer], false);
    let supervisor_admin = actor(2, &[Role::AgencyAdmin], false);
    let ca = actor(9, &[Role::Reviewer], true);
    let stranger = actor(3, &[Role::Reviewer], false);
    for who in [&officer, &ciso, &supervisor, &ca] {
        assert_eq!(may_hold(who, &i), Ok(()), "{who:?}");
    }
    assert_eq!(may_hold(&logistics, &i), Err(Denied::NotPermitted));
    assert_eq!(may_hold(&supervisor_admin, &i), Err(Denied::NotPermitted));
    assert_eq!(may_hold(&stranger, &i), Err(Denied::NotVisible));
    assert_eq!(may_redact(&officer, &i), Ok(()));
    assert_eq!(may_redact(&ciso, &i), Ok(()));
    assert_eq!(may_redact(&supervisor, &i), Err(Denied::NotPermitted));
    assert_eq!(may_redact(&ca, &i), Err(Denied::NotPermitted));
    assert_eq!(may_redact(&stranger, &i), Err(Denied::NotVisible));
    assert_eq!(
        may_set_periods(&actor(9, &[Role::AgencyAdmin], true)),
        Ok(())
    );
    assert!(may_set_periods(&actor(9, &[Role::Reviewer], true)).is_err());
    assert!(may_set_periods(&actor(1, &[Role::AgencyAdmin], false)).is_err());
}

#[test]
fn a_redaction_replaces_every_term_in_strings_only_longest_first() {
    let r = Redaction::parse(
        "個資法第11條請求 #12",
        "王小明\n0912-345-678\n\n王小明\n小明",
    )
    .unwrap();
    assert_eq!(r.term_count(), 3, "duplicates dropped");
    let (text, n) = r.apply_text("聯絡人王小明 0912-345-678；小明同意");
    assert_eq!(text, format!("聯絡人{m} {m}；{m}同意", m = mark()));
    assert_eq!(n, 3);
    let mut v = serde_json::json!({"王小明": ["王小明", 3, {"x": "a 0912-345-678"}], "n": true});
    assert_eq!(r.apply_json(&mut v), 2);
    assert_eq!(v["王小明"][0], mark(), "keys are never touched");
    assert_eq!(v["王小明"][2]["x"], format!("a {}", mark()));
}

#[test]
fn a_redaction_needs_a_reason_and_one_to_twenty_words_of_two_characters_or_more() {
    let e = Redaction::parse("", "").unwrap_err();
    assert_eq!(e.get("reason"), Some("error.required"));
    assert_eq!(e.get("terms"), Some("error.required"));
    let e = Redaction::parse("r", "王").unwrap_err();
    assert_eq!(e.get("terms"), Some("redaction.error.term_length"));
    let many: Vec<String> = (0..21).map(|n| format!("word{n}")).collect();
    let e = Redaction::parse("r", &many.join("\n")).unwrap_err();
    assert_eq!(e.get("terms"), Some("redaction.error.too_many"));
    let e = Redaction::parse("r", "ab\u{7}cd").unwrap_err();
    assert_eq!(e.get("terms"), Some("error.text_too_long"));
}

#[test]
fn an_attestation_vouches_only_for_the_listed_entry_link_and_new_body() {
    let a = Attestation {
        reason: "r".into(),
        years: None,
        closed_at: None,
        terms: Some(1),
        replaced: Some(1),
        rewritten: vec![Rewritten::new(3, &[7; 32], "{\"a\":1}")],
    };
    assert!(a.vouches_for(3, &[7; 32], "{\"a\":1}"));
    assert!(
        !a.vouches_for(3, &[7; 32], "{\"a\":2}"),
        "body changed after"
    );
    assert!(!a.vouches_for(3, &[8; 32], "{\"a\":1}"), "another link");
    assert!(!a.vouches_for(4, &[7; 32], "{\"a\":1}"), "another entry");
    let text = serde_json::to_string(&a).unwrap();
    assert_eq!(serde_json::from_str::<Attestation>(&text).unwrap(), a);
    assert!(
        purge_rewrites("filed") && !purge_rewrites(PURGE_KIND) && !purge_rewrites(REDACTION_KIND)
    );
}
