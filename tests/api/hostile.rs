//! Hostile input: payloads in every text field, rendered escaped wherever they appear.

use chrono::{Duration, Utc};

use crate::helpers::{as_user, local, spawn_app, DEMO_PASSWORD};

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(2)>";

fn assert_escaped(html: &str, where_: &str) {
    assert!(!html.contains(SCRIPT), "raw script on {where_}");
    assert!(!html.contains("<img src=x"), "raw img on {where_}");
    assert!(
        html.contains("&#60;script&#62;alert(1)"),
        "the payload is shown, escaped, on {where_}"
    );
}

#[tokio::test]
async fn script_and_html_in_every_text_field_render_escaped_everywhere() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let aware = local(Utc::now() - Duration::hours(1));
    let other = local(Utc::now() - Duration::minutes(50));
    let payload = format!("{SCRIPT}{IMG}");
    let r = app
        .post_as(
            &officer,
            "/incidents",
            &[
                ("title", payload.as_str()),
                ("aware_at", &aware),
                ("category", "web_attack"),
                ("affected_systems", &payload),
                ("impact_leak_national_secret", "minor"),
                ("summary", &payload),
                ("contact", &payload),
                ("other_means_reported_at", &other),
                ("other_means_reason", &payload),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let path = r.headers()["location"].to_str().unwrap().to_string();
    let act = |who: reqwest::Client, action: &'static str, fields: Vec<(&'static str, String)>| {
        let app = &app;
        let path = path.clone();
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = app.post_as(&who, &format!("{path}/act/{action}"), &f).await;
            assert_eq!(r.status(), 303, "{action}");
        }
    };
    let now = local(Utc::now());
    let p = payload.clone();
    act(
        officer.clone(),
        "escalation_notice",
        vec![
            ("told", p.clone()),
            ("means", "other".into()),
            ("other_means", p.clone()),
            ("at", now.clone()),
        ],
    )
    .await;
    let reviewer = as_user(&app, "reviewer@ministry.demo").await;
    act(reviewer.clone(), "comment", vec![("comment", p.clone())]).await;
    act(
        reviewer.clone(),
        "review",
        vec![("level", "3".into()), ("reason", p.clone())],
    )
    .await;
    // Level 3/4: the response meeting follows initial damage control (point 3(二)).
    let responder = as_user(&app, "responder@agency-a.demo").await;
    act(
        responder.clone(),
        "containment",
        vec![("initial_control_done", "on".into())],
    )
    .await;
    let commander = as_user(&app, "commander@agency-a.demo").await;
    act(
        commander.clone(),
        "response_meeting",
        vec![
            ("held_at", now.clone()),
            ("attendees", p.clone()),
            ("minutes", p.clone()),
            ("agenda", "overview".into()),
            ("agenda", "scope".into()),
            ("agenda", "other".into()),
        ],
    )
    .await;
    act(
        responder.clone(),
        "personal_data_assessment",
        vec![("assessment", p.clone())],
    )
    .await;
    let logistics = as_user(&app, "logistics@agency-a.demo").await;
    act(
        logistics.clone(),
        "root_cause",
        vec![("root_cause", p.clone()), ("malware_found", "on".into())],
    )
    .await;
    act(
        logistics.clone(),
        "malware_analysis",
        vec![("analysis", p.clone())],
    )
    .await;
    act(
        logistics.clone(),
        "virus_check",
        vec![("submitted_at", now.clone()), ("reference", p.clone())],
    )
    .await;

    for (who, name) in [
        (&officer, "officer"),
        (&reviewer, "reviewer"),
        (&commander, "commander"),
    ] {
        let html = app.get_as(who, &path).await.text().await.unwrap();
        assert_escaped(&html, &format!("the incident page as {name}"));
    }
    for page in ["/incidents", "/review-queue", "/board"] {
        let who = if page == "/incidents" {
            &officer
        } else {
            &reviewer
        };
        let html = app.get_as(who, page).await.text().await.unwrap();
        if html.contains("alert(1)") {
            assert_escaped(&html, page);
        }
    }
    // And the JSON API returns the text as data, unchanged.
    let t: serde_json::Value = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!({"email": "officer@agency-a.demo", "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body: serde_json::Value = app
        .client
        .get(app.url(&format!("/api/v1{path}")))
        .bearer_auth(t["token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["title"], serde_json::json!(payload));
}

#[tokio::test]
async fn control_characters_in_one_line_fields_are_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let aware = local(Utc::now() - Duration::hours(1));
    for title in [
        "bell\u{7}",
        "escape\u{1b}[31m",
        "two\nlines",
        &"長".repeat(201),
    ] {
        let r = app
            .post_as(
                &officer,
                "/incidents",
                &[
                    ("title", title),
                    ("aware_at", &aware),
                    ("category", "dos"),
                    ("impact_disruption_core", "minor"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422, "{title:?}");
        assert!(r.text().await.unwrap().contains("title-error"));
    }
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM incidents")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

mod json_bodies {
    use proptest::prelude::*;
    use serde_json::{json, Value};

    use crate::helpers::{spawn_app, DEMO_PASSWORD};

    /// Any JSON at all: wrong types, huge numbers, odd strings, nesting.
    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            ".{0,40}".prop_map(Value::from),
            Just(json!("leak")),
            Just(json!("national_secret")),
            Just(json!("2026-11-24T10:00:00+08:00")),
        ];
        leaf.prop_recursive(6, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("impacts".to_string()),
                        Just("kind".to_string()),
                        Just("asset".to_string()),
                        Just("severe".to_string()),
                        Just("title".to_string()),
                        Just("aware_at".to_string()),
                        Just("level".to_string()),
                        Just("reason".to_string()),
                        "[a-z_]{1,12}",
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn raw_bodies() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            (1usize..3000).prop_map(|n| "[".repeat(n).into_bytes()),
            (1usize..3000)
                .prop_map(|n| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n)).into_bytes()),
            Just(
                b"{\"impacts\":[{\"kind\":\"leak\",\"asset\":\"core\",\"severe\":1e999999}]}"
                    .to_vec()
            ),
            Just(b"{\"level\": 340282366920938463463374607431768211457}".to_vec()),
        ]
    }

    #[test]
    fn no_json_body_makes_the_api_fail_with_a_server_error() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let (app, token, id) = rt.block_on(async {
            let app = spawn_app().await;
            let t: Value = app
                .client
                .post(app.url("/api/v1/auth/token"))
                .json(&json!({"email": "officer@agency-a.demo", "password": DEMO_PASSWORD}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let token = t["token"].as_str().unwrap().to_string();
            let filed: Value = app
                .client
                .post(app.url("/api/v1/incidents"))
                .bearer_auth(&token)
                .json(&json!({
                    "title": "t", "aware_at": (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339(),
                    "category": "other", "impacts": [{"kind": "leak", "asset": "core", "severe": false}],
                    "personal_data": false
                }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let id = filed["id"].as_str().unwrap().to_string();
            (app, token, id)
        });
        let paths = [
            "/api/v1/classify".to_string(),
            "/api/v1/auth/token".to_string(),
            "/api/v1/incidents".to_string(),
            format!("/api/v1/incidents/{id}/review"),
            format!("/api/v1/incidents/{id}/actions/comment"),
            format!("/api/v1/incidents/{id}/actions/escalation_notice"),
        ];
        let config = ProptestConfig {
            cases: 48,
            failure_persistence: None,
            ..ProptestConfig::default()
        };
        proptest!(config, |(body in any_json(), raw in raw_bodies(), which in 0usize..6)| {
            let path = &paths[which];
            let statuses = rt.block_on(async {
                let mut out = Vec::new();
                for bytes in [serde_json::to_vec(&body).unwrap(), raw.clone()] {
                    let r = app
                        .client
                        .post(app.url(path))
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(bytes)
                        .send()
                        .await
                        .unwrap();
                    out.push(r.status().as_u16());
                }
                out
            });
            for s in statuses {
                prop_assert!((200..500).contains(&s), "{} answered {}", path, s);
            }
        });
    }
}
