use chrono::TimeZone;

use super::*;
use crate::domain::level::IncidentLevel;
use crate::domain::stages::Stage;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 18, 0, 0).unwrap()
}

fn incident() -> IncidentRef<'static> {
    IncidentRef {
        id: Uuid::from_u128(7),
        number: "AGA-2026-0001",
        level: 3,
        next_due: Some(now() + Duration::hours(1)),
    }
}

#[test]
fn every_event_has_a_distinct_name_that_parses_back_and_a_label_in_the_catalog() {
    let mut names = std::collections::HashSet::new();
    for e in HookEvent::ALL {
        assert!(names.insert(e.name()), "{e:?}");
        assert_eq!(HookEvent::parse(e.name()), Some(e));
        assert!(
            crate::i18n::catalog::lookup(e.label_key()).is_some(),
            "{e:?}"
        );
    }
    assert_eq!(HookEvent::parse("incident.nonsense"), None);
    for k in EndpointKind::ALL {
        assert_eq!(EndpointKind::parse(k.as_str()), Some(k));
        assert!(crate::i18n::catalog::lookup(k.label_key()).is_some());
    }
    assert_eq!(EndpointKind::parse("email"), None);
}

#[test]
fn the_notices_with_a_deadline_on_them_go_out_and_the_inner_steps_do_not() {
    use IncidentLevel::*;
    assert_eq!(
        of_notice(Event::Filed { level: L1 }),
        Some(HookEvent::Filed)
    );
    assert_eq!(of_notice(Event::MajorFiled), None);
    assert_eq!(
        of_notice(Event::LevelChanged { from: L2, to: L3 }),
        Some(HookEvent::LevelChanged)
    );
    for approved in [true, false] {
        assert_eq!(
            of_notice(Event::CommanderDecided { approved }),
            Some(HookEvent::CommanderDecided)
        );
    }
    assert_eq!(
        of_notice(Event::ReportSubmitted { level: L2 }),
        Some(HookEvent::ReportSubmitted)
    );
    for inner in [
        Event::StageReady {
            stage: Stage::RootCause,
        },
        Event::SubmittedToCommander,
        Event::SupervisorComment,
        Event::AgencyReplied { level: L3 },
        Event::FollowUpReported { level: L3 },
        Event::ReviewRechecked,
        Event::ReviewRelayed,
        Event::ExtensionRequested,
        Event::ExtensionDecided { consent: true },
        Event::ControlEffectReported,
        Event::ProgressReported,
        Event::ReportsForwarded,
    ] {
        assert_eq!(of_notice(inner), None, "{inner:?}");
    }
}

#[test]
fn a_review_and_the_closing_come_from_the_timeline() {
    let reviewed = IncidentEvent::LevelReviewed {
        from: 2,
        to: 2,
        reason: String::new(),
        reviewer_agency: "MIN".into(),
        kind: None,
        round: 0,
    };
    assert_eq!(of_timeline(&reviewed), Some(HookEvent::Reviewed));
    let closed = IncidentEvent::StageCompleted {
        stage: Stage::Improvement,
        now: IncidentStatus::Closed,
    };
    assert_eq!(of_timeline(&closed), Some(HookEvent::Closed));
    let moved_on = IncidentEvent::StageCompleted {
        stage: Stage::Containment,
        now: IncidentStatus::Open(Stage::RootCause),
    };
    assert_eq!(of_timeline(&moved_on), None);
    assert_eq!(of_timeline(&IncidentEvent::TeamActivated {}), None);
}

#[test]
fn every_reminder_is_a_deadline_soon_or_missed() {
    for k in ReminderKind::ALL {
        let expected = if k.as_str().ends_with("_missed") {
            HookEvent::DeadlineMissed
        } else {
            HookEvent::DeadlineSoon
        };
        assert_eq!(of_reminder(k), expected, "{k:?}");
        let o = reminder_occurrence(k, Uuid::nil(), "X-1", Some(2), now(), now());
        assert_eq!(o.deadline, Some(now()));
        assert_eq!(o.kind, k.as_str());
    }
}

#[test]
fn a_major_filing_is_one_filed_event_and_a_review_that_changes_the_level_is_two() {
    use IncidentLevel::*;
    let filed = occurrences(
        incident(),
        &[Event::Filed { level: L3 }, Event::MajorFiled],
        &[],
        now(),
    );
    assert_eq!(filed.len(), 1);
    assert_eq!(filed[0].event, HookEvent::Filed);
    assert_eq!(filed[0].number, "AGA-2026-0001");
    assert_eq!(filed[0].deadline, incident().next_due);
    let review = IncidentEvent::LevelReviewed {
        from: 2,
        to: 3,
        reason: "r".into(),
        reviewer_agency: "MIN".into(),
        kind: None,
        round: 0,
    };
    let reviewed = occurrences(
        incident(),
        &[Event::LevelChanged { from: L2, to: L3 }],
        &[review],
        now(),
    );
    let events: Vec<_> = reviewed.iter().map(|o| o.event).collect();
    assert_eq!(events, vec![HookEvent::LevelChanged, HookEvent::Reviewed]);
    assert_eq!(reviewed[0].level_from, Some(2));
    assert_eq!(reviewed[0].level, Some(3));
    assert!(occurrences(incident(), &[Event::SupervisorComment], &[], now()).is_empty());
}

#[test]
fn an_incident_is_heard_by_its_agency_and_every_agency_above_it_once() {
    let (a, min, ca) = (AgencyId::new_v4(), AgencyId::new_v4(), AgencyId::new_v4());
    assert_eq!(receiving_agencies(a, &[min, ca]), vec![a, min, ca]);
    assert_eq!(receiving_agencies(a, &[a, min, min]), vec![a, min]);
    assert_eq!(receiving_agencies(ca, &[]), vec![ca]);
}

#[test]
fn the_chat_text_is_chinese_first_and_names_number_event_deadline_and_link() {
    let o = occurrences(
        incident(),
        &[Event::Filed {
            level: IncidentLevel::L3,
        }],
        &[],
        now(),
    )
    .remove(0);
    let text = chat_text(&o, "https://portal.example.gov.tw/");
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("[AGA-2026-0001] "), "{text}");
    let (zh, en) = Text::key("webhooks.event.filed").both();
    assert!(
        first.find(&zh).unwrap() < first.find(&en).unwrap(),
        "{text}"
    );
    // 19:00 UTC is 03:00 the next day in Taipei.
    assert!(text.contains("2026-12-04 03:00"), "{text}");
    assert!(text
        .ends_with("https://portal.example.gov.tw/incidents/00000000-0000-0000-0000-000000000007"));
    assert_eq!(
        text.lines().count(),
        4,
        "event, level, deadline, link: {text}"
    );
    let soon = reminder_occurrence(
        ReminderKind::ContainmentSoon,
        Uuid::nil(),
        "AGA-2026-0001",
        Some(3),
        now(),
        now(),
    );
    let (zh, en) = notifications::message("containment_soon").both();
    assert!(chat_text(&soon, "https://p").contains(&format!("{zh} / {en}")));
    let test = chat_text(&test_occurrence(now()), "https://p");
    assert!(!test.contains("https://p/incidents"));
}

#[test]
fn the_generic_body_carries_the_event_the_incident_and_the_time_it_was_sent() {
    let o = occurrences(
        incident(),
        &[Event::Filed {
            level: IncidentLevel::L3,
        }],
        &[],
        now(),
    )
    .remove(0);
    let delivery = Uuid::from_u128(42);
    let body = generic_body(&o, delivery, now(), "https://p");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["id"], delivery.to_string());
    assert_eq!(v["event"], "incident.filed");
    assert_eq!(v["timestamp"], now().timestamp());
    assert_eq!(v["incident"]["number"], "AGA-2026-0001");
    assert_eq!(v["incident"]["level"], 3);
    assert!(v["deadline"]
        .as_str()
        .unwrap()
        .starts_with("2026-12-03T19:00"));
    let test: serde_json::Value =
        serde_json::from_str(&generic_body(&test_occurrence(now()), delivery, now(), "x")).unwrap();
    assert_eq!(test["event"], "portal.test");
    assert!(test["incident"].is_null());
}

#[test]
fn the_signature_is_the_hmac_sha256_of_the_raw_body() {
    // RFC 4231 test case 2.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap();
    mac.update(b"what do ya want for nothing?");
    assert_eq!(
        hex::encode(mac.finalize().into_bytes()),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    assert_eq!(
        signature("Jefe", b"what do ya want for nothing?"),
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    assert_ne!(signature("Jefe", b"x"), signature("Jeff", b"x"));
}

fn sites() -> Sites {
    Sites {
        portal_url: "https://portal".into(),
        line_api_url: "https://api.line.me/".into(),
    }
}

#[test]
fn each_kind_of_endpoint_gets_its_own_request() {
    let o = test_occurrence(now());
    let id = Uuid::from_u128(1);
    let generic = request(
        &Destination {
            kind: EndpointKind::Generic,
            address: "https://hooks.agency/x".into(),
            secret: "s3cret-s3cret-s3cret".into(),
        },
        &o,
        id,
        now(),
        &sites(),
    );
    assert_eq!(generic.url, "https://hooks.agency/x");
    let header = |r: &Request, name: &str| {
        r.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        header(&generic, "X-Portal-Signature").unwrap(),
        signature("s3cret-s3cret-s3cret", generic.body.as_bytes())
    );
    assert_eq!(header(&generic, "X-Portal-Event").unwrap(), "portal.test");
    assert_eq!(
        header(&generic, "X-Portal-Delivery").unwrap(),
        id.to_string()
    );
    assert_eq!(
        header(&generic, "X-Portal-Timestamp").unwrap(),
        now().timestamp().to_string()
    );

    let line = request(
        &Destination {
            kind: EndpointKind::Line,
            address: "U0123abc".into(),
            secret: "channel-token".into(),
        },
        &o,
        id,
        now(),
        &sites(),
    );
    assert_eq!(line.url, "https://api.line.me/v2/bot/message/push");
    assert_eq!(
        header(&line, "Authorization").unwrap(),
        "Bearer channel-token"
    );
    let v: serde_json::Value = serde_json::from_str(&line.body).unwrap();
    assert_eq!(v["to"], "U0123abc");
    assert_eq!(v["messages"][0]["type"], "text");
    assert_eq!(v["messages"][0]["text"], chat_text(&o, "https://portal"));
    assert!(header(&line, "X-Portal-Signature").is_none());

    for kind in [EndpointKind::Slack, EndpointKind::Teams] {
        let chat = request(
            &Destination {
                kind,
                address: String::new(),
                secret: "https://hooks.slack.com/services/T/B/X".into(),
            },
            &o,
            id,
            now(),
            &sites(),
        );
        assert_eq!(chat.url, "https://hooks.slack.com/services/T/B/X");
        let v: serde_json::Value = serde_json::from_str(&chat.body).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 1);
        assert_eq!(v["text"], chat_text(&o, "https://portal"));
    }
}

#[test]
fn failures_back_off_by_doubling_up_to_an_hour_and_are_given_up_after_the_last_attempt() {
    assert_eq!(retry_delay(1).num_seconds(), 30);
    assert_eq!(retry_delay(2).num_seconds(), 60);
    assert_eq!(retry_delay(3).num_seconds(), 120);
    assert_eq!(retry_delay(8).num_seconds(), 3600);
    assert_eq!(retry_delay(50).num_seconds(), 3600);
    assert_eq!(retry_delay(0).num_seconds(), 30);
    let t = now();
    assert_eq!(
        after_attempt(&Outcome::Status(204), 1, 3, t),
        AfterAttempt::Delivered
    );
    assert_eq!(
        after_attempt(&Outcome::Status(500), 1, 3, t),
        AfterAttempt::RetryAt(t + Duration::seconds(30))
    );
    assert_eq!(
        after_attempt(&Outcome::Status(404), 2, 3, t),
        AfterAttempt::RetryAt(t + Duration::seconds(60))
    );
    assert_eq!(
        after_attempt(&Outcome::Error("refused".into()), 3, 3, t),
        AfterAttempt::GiveUp
    );
    // A delivery that succeeds on its last attempt is delivered.
    assert_eq!(
        after_attempt(&Outcome::Status(200), 3, 3, t),
        AfterAttempt::Delivered
    );
    assert_eq!(
        after_attempt(&Outcome::Status(302), 1, 0, t),
        AfterAttempt::GiveUp
    );
    assert!(!Outcome::Status(199).delivered() && !Outcome::Status(300).delivered());
}

#[test]
fn only_an_agency_administrator_configures_and_only_their_own_agency() {
    let a = AgencyId::new_v4();
    let admin = Actor {
        agency: a,
        roles: vec![Role::AgencyAdmin],
        ..Actor::default()
    };
    let officer = Actor {
        agency: a,
        roles: vec![Role::SecurityOfficer, Role::Ciso],
        ..Actor::default()
    };
    let ca_admin = Actor {
        agency: AgencyId::new_v4(),
        roles: vec![Role::AgencyAdmin],
        agency_is_competent_authority: true,
        ..Actor::default()
    };
    assert_eq!(may_configure(&admin, a), Ok(()));
    assert_eq!(may_configure(&officer, a), Err(Denied::NotPermitted));
    assert_eq!(
        may_configure(&admin, AgencyId::new_v4()),
        Err(Denied::NotVisible)
    );
    assert_eq!(may_configure(&ca_admin, a), Err(Denied::NotVisible));
}

#[test]
fn addresses_are_https_or_http_on_loopback_without_credentials() {
    for ok in [
        "https://hooks.agency.gov.tw/portal",
        "https://hooks.agency.gov.tw:8443/x?y=1",
        "HTTPS://Example.COM",
        "http://127.0.0.1:8080/hook",
        "http://127.1.2.3/",
        "http://localhost:9000",
        "http://[::1]:9000/x",
        "https://[2001:db8::1]/x",
    ] {
        assert!(check_url(ok).is_ok(), "{ok}");
    }
    for (bad, key) in [
        ("", "error.webhook_url_required"),
        ("http://hooks.agency.gov.tw/x", "error.webhook_url_https"),
        ("http://10.0.0.1/x", "error.webhook_url_https"),
        ("http://localhost.evil.example/x", "error.webhook_url_https"),
        ("ftp://127.0.0.1/x", "error.webhook_url_https"),
        ("javascript:alert(1)", "error.webhook_url_invalid"),
        ("https://", "error.webhook_url_invalid"),
        ("https://exa mple.com", "error.webhook_url_invalid"),
        ("https://host:99999/", "error.webhook_url_invalid"),
        ("https://[nonsense]/", "error.webhook_url_invalid"),
        ("https://user:pw@host/x", "error.webhook_url_credentials"),
        (
            "http://127.0.0.1@evil.example/",
            "error.webhook_url_credentials",
        ),
    ] {
        assert_eq!(check_url(bad), Err(key), "{bad}");
    }
    assert_eq!(check_url("  https://x.tw/a  "), Ok("https://x.tw/a".into()));
}

fn input(kind: &str, address: &str, secret: &str) -> EndpointInput {
    EndpointInput {
        name: "值班".into(),
        kind: kind.into(),
        address: address.into(),
        secret: secret.into(),
    }
}

#[test]
fn an_endpoint_is_checked_field_by_field_for_its_kind() {
    let ok = check_endpoint(&input("generic", "https://h/x", "0123456789abcdef")).unwrap();
    assert_eq!(ok.kind, EndpointKind::Generic);
    let e = check_endpoint(&input("generic", "http://h/x", "short")).unwrap_err();
    assert!(
        e.get("address").is_some() && e.get("secret").is_some(),
        "{e:?}"
    );
    let e = check_endpoint(&EndpointInput {
        name: " ".into(),
        ..input("pager", "", "")
    })
    .unwrap_err();
    assert!(e.get("name").is_some() && e.get("kind").is_some());

    assert!(check_endpoint(&input("line", "Uabc123", "token")).is_ok());
    let e = check_endpoint(&input("line", "U abc", "tok en")).unwrap_err();
    assert!(e.get("address").is_some() && e.get("secret").is_some());

    // Slack and Teams: the address is the secret, and the separate address is not kept.
    let slack = check_endpoint(&input("slack", "ignored", "https://hooks.slack.com/s/x")).unwrap();
    assert_eq!(slack.address, "");
    assert!(EndpointKind::Slack.address_is_secret() && !EndpointKind::Line.address_is_secret());
    let e = check_endpoint(&input("teams", "", "http://teams.example/x")).unwrap_err();
    assert!(e.get("secret").is_some());
}

#[test]
fn a_page_shows_at_most_the_last_four_characters_of_a_long_secret() {
    assert_eq!(secret_hint("0123456789abcdef"), "cdef");
    assert_eq!(secret_hint("short-secret"), "cret");
    assert_eq!(secret_hint("too-short"), "");
    assert_eq!(secret_hint("機密機密機密機密機密機密"), "機密機密");
}

#[test]
fn a_sealed_secret_opens_only_under_its_key_for_its_endpoint() {
    let key = SecretKey::from_timeline_key(&ChainKey::from_bytes([7; 32]));
    let other = SecretKey::from_timeline_key(&ChainKey::from_bytes([8; 32]));
    let (e1, e2) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let sealed = key.seal(e1, "0123456789abcdef", [1; NONCE_LEN]);
    assert!(!sealed
        .windows("0123456789abcdef".len())
        .any(|w| w == b"0123456789abcdef"));
    assert_eq!(key.open(e1, &sealed).as_deref(), Some("0123456789abcdef"));
    assert_eq!(key.open(e2, &sealed), None, "bound to its endpoint");
    assert_eq!(other.open(e1, &sealed), None, "bound to its key");
    let mut tampered = sealed.clone();
    *tampered.last_mut().unwrap() ^= 1;
    assert_eq!(key.open(e1, &tampered), None);
    assert_eq!(key.open(e1, &sealed[..10]), None);
    // A fresh nonce each time: the same secret never seals to the same bytes.
    assert_ne!(sealed, key.seal(e1, "0123456789abcdef", [2; NONCE_LEN]));
    // The derived key is not the timeline key itself.
    assert_ne!(ChainKey::from_bytes([7; 32]).derive(SECRETS_LABEL), [7; 32]);
    assert!(!format!("{key:?}").contains('7'));
}

#[test]
fn an_endpoint_hears_the_events_it_chose_unless_paused_and_always_the_test() {
    let chosen = [HookEvent::Filed, HookEvent::DeadlineMissed];
    assert!(hears(&chosen, false, HookEvent::Filed));
    assert!(!hears(&chosen, false, HookEvent::Reviewed));
    assert!(!hears(&chosen, true, HookEvent::Filed));
    assert!(hears(&chosen, true, HookEvent::Test));
    assert!(hears(&[], true, HookEvent::Test));
}

#[test]
fn the_events_ticked_are_checked_and_at_least_one_is_needed() {
    let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        check_events(&names(&["incident.closed", "incident.filed"])).unwrap(),
        vec![HookEvent::Filed, HookEvent::Closed]
    );
    assert!(check_events(&[]).is_err());
    assert!(check_events(&names(&["portal.test"])).is_err());
    assert!(check_events(&names(&["incident.filed", "incident.exploded"])).is_err());
    assert_eq!(HookEvent::CHOOSABLE.len() + 1, HookEvent::ALL.len());
}
