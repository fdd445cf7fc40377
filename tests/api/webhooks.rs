//! Outgoing webhooks and chat alerts (#17), against a real HTTP receiver started by the test:
//! what is delivered where, signed how, retried, logged; the LINE and Slack/Teams adapters;
//! secrets at rest and on the pages; who may see an endpoint; the URL rule.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use hmac::{Hmac, Mac};
use portal::domain::webhooks::{SecretKey, Sites};
use portal::jobs::{self, Webhooks};
use sha2::Sha256;
use uuid::Uuid;

use crate::helpers::{as_user, spawn_app, test_key, TestApp};
use crate::jobs::file_level_3;

/// One request the receiver got, as it came: the signature is checked over these very bytes.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Clone, Default)]
struct Recorder {
    got: Arc<Mutex<Vec<Received>>>,
    /// The statuses to answer with, in turn; 200 once they are used up.
    answers: Arc<Mutex<VecDeque<u16>>>,
}

async fn record(
    State(r): State<Recorder>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    r.got.lock().unwrap().push(Received {
        path: uri.path().to_string(),
        headers,
        body,
    });
    let status = r.answers.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

/// A receiver on 127.0.0.1:0 recording every request: its base URL and what it got.
async fn receiver(answers: &[u16]) -> (String, Recorder) {
    let recorder = Recorder::default();
    recorder.answers.lock().unwrap().extend(answers);
    let app = axum::Router::new()
        .fallback(record)
        .with_state(recorder.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, recorder)
}

fn got(r: &Recorder) -> Vec<Received> {
    r.got.lock().unwrap().clone()
}

/// The job's settings as the portal derives them, LINE pointed at `line_api_url`.
fn hooks(app: &TestApp, line_api_url: &str) -> Webhooks {
    Webhooks {
        key: SecretKey::from_timeline_key(&test_key()),
        sites: Sites {
            portal_url: app.base.clone(),
            line_api_url: line_api_url.to_string(),
        },
        max_attempts: 3,
        timeout: Duration::from_secs(5),
    }
}

/// Adds an endpoint as the administrator `client`; returns its id.
async fn add_endpoint(
    app: &TestApp,
    client: &reqwest::Client,
    kind: &str,
    address: &str,
    secret: &str,
) -> Uuid {
    let r = app
        .post_as(
            client,
            "/admin/webhooks",
            &[
                ("name", "值班 on duty"),
                ("kind", kind),
                ("address", address),
                ("secret", secret),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let location = r.headers()["location"].to_str().unwrap().to_string();
    Uuid::parse_str(
        location
            .trim_start_matches("/admin/webhooks/")
            .split('?')
            .next()
            .unwrap(),
    )
    .unwrap()
}

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

async fn number_of(app: &TestApp, id: &str) -> String {
    sqlx::query_scalar("SELECT number FROM incidents WHERE id = $1::uuid")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

const SECRET_A: &str = "agency-a-signing-secret-0001";
const SECRET_ACS: &str = "acs-signing-secret-000000002";

#[tokio::test]
async fn a_filing_reaches_the_agencys_endpoint_and_its_supervisors_signed() {
    let app = spawn_app().await;
    let (url, recorder) = receiver(&[]).await;
    let admin_a = as_user(&app, "admin@agency-a.demo").await;
    let admin_acs = as_user(&app, "admin@acs.demo").await;
    add_endpoint(
        &app,
        &admin_a,
        "generic",
        &format!("{url}/agency-a"),
        SECRET_A,
    )
    .await;
    add_endpoint(
        &app,
        &admin_acs,
        "generic",
        &format!("{url}/acs"),
        SECRET_ACS,
    )
    .await;

    let id = file_level_3(&app, 10).await;
    let number = number_of(&app, &id).await;
    let before = chrono::Utc::now().timestamp();
    let delivered = jobs::send_webhooks(&app.pool, &hooks(&app, &url))
        .await
        .unwrap();
    assert_eq!(delivered, 2, "{:?}", got(&recorder));

    for (path, secret) in [("/agency-a", SECRET_A), ("/acs", SECRET_ACS)] {
        let all = got(&recorder);
        let r = all
            .iter()
            .find(|r| r.path == path)
            .unwrap_or_else(|| panic!("nothing at {path}"));
        assert_eq!(
            r.header("x-portal-signature"),
            format!("sha256={}", hmac_hex(secret, &r.body)),
            "signed over the raw body with the endpoint's own secret"
        );
        assert_eq!(r.header("x-portal-event"), "incident.filed");
        assert_eq!(r.header("content-type"), "application/json");
        let body = r.json();
        assert_eq!(body["event"], "incident.filed");
        assert_eq!(body["incident"]["number"], number.as_str());
        assert_eq!(body["incident"]["id"], id.as_str());
        assert_eq!(body["incident"]["level"], 3);
        assert_eq!(body["id"], r.header("x-portal-delivery"));
        let ts = body["timestamp"].as_i64().unwrap();
        assert!(ts >= before - 1 && ts <= before + 60, "{ts}");
        assert_eq!(r.header("x-portal-timestamp"), ts.to_string());
        assert!(body["incident"]["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/incidents/{id}")));
    }
    // Nothing is delivered twice.
    assert_eq!(
        jobs::send_webhooks(&app.pool, &hooks(&app, &url))
            .await
            .unwrap(),
        0
    );
    assert_eq!(got(&recorder).len(), 2);
}

#[tokio::test]
async fn a_receiver_answering_500_is_retried_and_the_log_shows_both_attempts() {
    let app = spawn_app().await;
    let (url, recorder) = receiver(&[500]).await;
    let admin = as_user(&app, "admin@agency-a.demo").await;
    let id = add_endpoint(&app, &admin, "generic", &format!("{url}/hook"), SECRET_A).await;
    // The test button queues a test event.
    let r = app
        .post_as(&admin, &format!("/admin/webhooks/{id}/test"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let h = hooks(&app, &url);
    assert_eq!(jobs::send_webhooks(&app.pool, &h).await.unwrap(), 0);
    // Not yet due again: the backoff holds it.
    assert_eq!(jobs::send_webhooks(&app.pool, &h).await.unwrap(), 0);
    assert_eq!(got(&recorder).len(), 1);
    sqlx::query("UPDATE webhook_deliveries SET next_attempt_at = now()")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(jobs::send_webhooks(&app.pool, &h).await.unwrap(), 1);
    let all = got(&recorder);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].header("x-portal-event"), "portal.test");
    assert_eq!(
        all[0].header("x-portal-delivery"),
        all[1].header("x-portal-delivery"),
        "the same delivery id at every attempt"
    );
    assert_eq!(all[1].json()["event"], "portal.test");

    let log = app.get_as(&admin, "/admin/webhook-log").await;
    assert_eq!(log.status(), 200);
    let html = log.text().await.unwrap();
    assert!(
        html.contains("HTTP 500") && html.contains("HTTP 200"),
        "{html}"
    );
    assert_eq!(html.matches("class=\"attempt\">1<").count(), 1, "{html}");
    assert_eq!(html.matches("class=\"attempt\">2<").count(), 1, "{html}");
    let (attempts, delivered): (i32, bool) =
        sqlx::query_as("SELECT attempts, delivered_at IS NOT NULL FROM webhook_deliveries")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((attempts, delivered), (2, true));
}

#[tokio::test]
async fn a_delivery_is_given_up_after_its_last_attempt() {
    let app = spawn_app().await;
    let (url, recorder) = receiver(&[503, 503, 503, 503]).await;
    let admin = as_user(&app, "admin@agency-a.demo").await;
    let id = add_endpoint(&app, &admin, "generic", &format!("{url}/down"), SECRET_A).await;
    app.post_as(&admin, &format!("/admin/webhooks/{id}/test"), &[])
        .await;
    let h = hooks(&app, &url);
    for _ in 0..4 {
        jobs::send_webhooks(&app.pool, &h).await.unwrap();
        sqlx::query("UPDATE webhook_deliveries SET next_attempt_at = now()")
            .execute(&app.pool)
            .await
            .unwrap();
    }
    assert_eq!(got(&recorder).len(), 3, "max_attempts is 3");
    let log = app
        .get_as(&admin, "/admin/webhook-log")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(log.matches("HTTP 503").count(), 3);
    assert_eq!(
        log.matches("已停止重試").count(),
        1,
        "the last attempt says so"
    );
    let failed: bool = sqlx::query_scalar("SELECT failed_at IS NOT NULL FROM webhook_deliveries")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(failed);
}

#[tokio::test]
async fn a_deadline_reminder_goes_out_as_deadline_soon() {
    let app = spawn_app().await;
    let (url, recorder) = receiver(&[]).await;
    let admin = as_user(&app, "admin@agency-a.demo").await;
    add_endpoint(&app, &admin, "generic", &format!("{url}/a"), SECRET_A).await;
    // Aware 35 hours ago: level 3's 36-hour damage control is due within the hour.
    let id = file_level_3(&app, 35 * 60).await;
    let policy = portal::domain::ReminderPolicy::with_control_report_hours(24);
    jobs::remind(&app.pool, &policy).await.unwrap();
    jobs::send_webhooks(&app.pool, &hooks(&app, &url))
        .await
        .unwrap();
    let all = got(&recorder);
    let soon = all
        .iter()
        .map(Received::json)
        .find(|b| b["kind"] == "containment_soon")
        .unwrap_or_else(|| panic!("{all:?}"));
    assert_eq!(soon["event"], "incident.deadline_soon");
    assert_eq!(soon["incident"]["id"], id.as_str());
    assert!(soon["deadline"].is_string());
    // Every reminder recorded went out once, as a deadline soon or missed.
    let reminders: i64 = sqlx::query_scalar("SELECT count(*) FROM reminders")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let deadlines = all
        .iter()
        .filter(|r| r.header("x-portal-event").starts_with("incident.deadline_"))
        .count();
    assert_eq!(deadlines as i64, reminders, "{all:?}");
}

#[tokio::test]
async fn the_line_adapter_pushes_with_the_channel_token() {
    let app = spawn_app().await;
    let (url, recorder) = receiver(&[]).await;
    let admin = as_user(&app, "admin@agency-a.demo").await;
    let token = "line-channel-access-token-abcdef";
    add_endpoint(&app, &admin, "line", "U4af4980629abcdef", token).await;
    file_level_3(&app, 10).await;
    assert_eq!(
        jobs::send_webhooks(&app.pool, &hooks(&app, &url))
            .await
            .unwrap(),
        1
    );
    let r = got(&recorder).remove(0);
    assert_eq!(r.path, "/v2/bot/message/push");
    assert_eq!(r.header("authorization"), format!("Bearer {token}"));
    let body = r.json();
    assert_eq!(body["to"], "U4af4980629abcdef");
    assert_eq!(body["messages"][0]["type"], "text");
    let text = body["messages"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("[AGA-"), "{text}");
    assert!(
        text.contains("事件通報") && text.contains("Incident filed"),
        "{text}"
    );
    assert!(text.contains("/incidents/"), "{text}");
}

#[tokio::test]
async fn slack_and_teams_get_a_text_message_and_their_urls_stay_secret() {
    let app = spawn_app().await;
    let (url, recorder) = receiver(&[]).await;
    let admin = as_user(&app, "admin@agency-a.demo").await;
    let slack = format!("{url}/services/T0001/B0001/slackSecretPart123");
    let teams = format!("{url}/webhookb2/teamsSecretPart456");
    let slack_id = add_endpoint(&app, &admin, "slack", "", &slack).await;
    let teams_id = add_endpoint(&app, &admin, "teams", "", &teams).await;
    for id in [slack_id, teams_id] {
        app.post_as(&admin, &format!("/admin/webhooks/{id}/test"), &[])
            .await;
    }
    assert_eq!(
        jobs::send_webhooks(&app.pool, &hooks(&app, &url))
            .await
            .unwrap(),
        2
    );
    for path in [
        "/services/T0001/B0001/slackSecretPart123",
        "/webhookb2/teamsSecretPart456",
    ] {
        let all = got(&recorder);
        let r = all.iter().find(|r| r.path == path).unwrap();
        let body = r.json();
        let object = body.as_object().unwrap();
        assert_eq!(object.len(), 1, "{body}");
        let text = object["text"].as_str().unwrap();
        assert!(
            text.contains("測試事件") && text.contains("Test event"),
            "{text}"
        );
    }
    // Neither URL is on any page.
    for page in [
        "/admin/webhooks".to_string(),
        format!("/admin/webhooks/{slack_id}"),
        format!("/admin/webhooks/{teams_id}/delete"),
        "/admin/webhook-log".to_string(),
    ] {
        let html = app.get_as(&admin, &page).await.text().await.unwrap();
        assert!(
            !html.contains("slackSecretPart123") && !html.contains("teamsSecretPart456"),
            "{page}"
        );
    }
}

#[tokio::test]
async fn secrets_are_sealed_at_rest_and_never_shown() {
    let app = spawn_app().await;
    let admin = as_user(&app, "admin@agency-a.demo").await;
    let id = add_endpoint(
        &app,
        &admin,
        "generic",
        "https://hooks.agency-a.example/x",
        SECRET_A,
    )
    .await;
    add_endpoint(&app, &admin, "line", "Uabc", "line-token-sealed-000111").await;
    let rows: Vec<(Vec<u8>, String, String)> =
        sqlx::query_as("SELECT secret_sealed, secret_hint, address FROM webhook_endpoints")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 2);
    for (sealed, hint, address) in &rows {
        for secret in [SECRET_A, "line-token-sealed-000111"] {
            assert!(
                !sealed.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "sealed, not plain"
            );
            assert!(!address.contains(secret));
        }
        assert!(hint.chars().count() <= 4);
    }
    // Under the portal's key, bound to its endpoint, it opens.
    let key = SecretKey::from_timeline_key(&test_key());
    let sealed: Vec<u8> =
        sqlx::query_scalar("SELECT secret_sealed FROM webhook_endpoints WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(key.open(id, &sealed).as_deref(), Some(SECRET_A));
    for page in [
        "/admin/webhooks".to_string(),
        format!("/admin/webhooks/{id}"),
    ] {
        let html = app.get_as(&admin, &page).await.text().await.unwrap();
        assert!(
            !html.contains(SECRET_A) && !html.contains("line-token-sealed"),
            "{page}"
        );
        assert!(
            html.contains("0001"),
            "the last four characters say which secret is set"
        );
    }
}

#[tokio::test]
async fn another_agencys_administrator_finds_no_endpoint_and_a_non_administrator_may_not() {
    let app = spawn_app().await;
    let admin = as_user(&app, "admin@agency-a.demo").await;
    let id = add_endpoint(
        &app,
        &admin,
        "generic",
        "https://hooks.agency-a.example/x",
        SECRET_A,
    )
    .await;
    let other = as_user(&app, "admin@acs.demo").await;
    for path in [
        format!("/admin/webhooks/{id}"),
        format!("/admin/webhooks/{id}/delete"),
    ] {
        assert_eq!(app.get_as(&other, &path).await.status(), 404, "{path}");
    }
    for path in [
        format!("/admin/webhooks/{id}/test"),
        format!("/admin/webhooks/{id}/delete"),
    ] {
        let r = app.post_as(&other, &path, &[("confirm", "yes")]).await;
        assert_eq!(r.status(), 404, "{path}");
    }
    let list = app
        .get_as(&other, "/admin/webhooks")
        .await
        .text()
        .await
        .unwrap();
    assert!(!list.contains(&id.to_string()));
    let officer = as_user(&app, "officer@agency-a.demo").await;
    assert_eq!(
        app.get_as(&officer, &format!("/admin/webhooks/{id}"))
            .await
            .status(),
        403
    );
    assert_eq!(
        app.get_as(&officer, "/admin/webhook-log").await.status(),
        403
    );
    let still: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_endpoints")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(still, 1);
}

#[tokio::test]
async fn an_http_url_off_loopback_is_refused_and_the_form_keeps_what_was_typed() {
    let app = spawn_app().await;
    let admin = as_user(&app, "admin@agency-a.demo").await;
    let r = app
        .post_as(
            &admin,
            "/admin/webhooks",
            &[
                ("name", "值班系統"),
                ("kind", "generic"),
                ("address", "http://hooks.agency-a.example/portal"),
                ("secret", SECRET_A),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("value=\"http://hooks.agency-a.example/portal\""),
        "{html}"
    );
    assert!(html.contains("value=\"值班系統\""));
    assert!(html.contains("https://"), "the rule is said");
    assert!(!html.contains(SECRET_A), "the secret is not echoed");
    let none: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_endpoints")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(none, 0);
}

#[tokio::test]
async fn deleting_an_endpoint_asks_first() {
    let app = spawn_app().await;
    let admin = as_user(&app, "admin@agency-a.demo").await;
    let id = add_endpoint(
        &app,
        &admin,
        "generic",
        "https://hooks.agency-a.example/x",
        SECRET_A,
    )
    .await;
    let confirm = app
        .get_as(&admin, &format!("/admin/webhooks/{id}/delete"))
        .await
        .text()
        .await
        .unwrap();
    assert!(confirm.contains(&format!("action=\"/admin/webhooks/{id}/delete\"")));
    let r = app
        .post_as(&admin, &format!("/admin/webhooks/{id}/delete"), &[])
        .await;
    assert_eq!(r.status(), 422, "not without the confirmation");
    let r = app
        .post_as(
            &admin,
            &format!("/admin/webhooks/{id}/delete"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.get_as(&admin, &format!("/admin/webhooks/{id}"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn adding_and_deleting_an_endpoint_is_in_the_audit_log_without_its_secret() {
    let app = spawn_app().await;
    let admin = as_user(&app, "admin@agency-a.demo").await;
    let id = add_endpoint(
        &app,
        &admin,
        "generic",
        "https://hooks.agency-a.example/x",
        SECRET_A,
    )
    .await;
    app.post_as(
        &admin,
        &format!("/admin/webhooks/{id}/delete"),
        &[("confirm", "yes")],
    )
    .await;
    let entries: Vec<(String, String)> = sqlx::query_as(
        "SELECT kind, detail FROM audit_log WHERE kind LIKE 'webhook_%' ORDER BY seq",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let kinds: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["webhook_added", "webhook_deleted"]);
    assert!(entries[0].1.contains("https://hooks.agency-a.example/x"));
    assert!(entries.iter().all(|(_, d)| !d.contains(SECRET_A)));
}

#[tokio::test]
async fn the_pool_cannot_queue_events_for_an_incident_its_user_cannot_see() {
    let app = spawn_app().await;
    let admin = as_user(&app, "admin@agency-a.demo").await;
    add_endpoint(
        &app,
        &admin,
        "generic",
        "https://hooks.agency-a.example/x",
        SECRET_A,
    )
    .await;
    let id = file_level_3(&app, 10).await;
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_deliveries")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let pool = portal::startup::app_pool(&portal::config::Settings::for_tests(), &app.pool)
        .await
        .unwrap();
    let stranger = app.user_id("officer@agency-b.demo").await;
    let mut tx = portal::db::begin_as(&pool, stranger).await.unwrap();
    let agency_a: Uuid = sqlx::query_scalar("SELECT id FROM agencies WHERE code = 'AGA'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let e = sqlx::query(
        "SELECT portal_webhook_enqueue($1::uuid, $2, 'incident.filed', 'filed', 'X', 3::smallint, \
         NULL, NULL, now())",
    )
    .bind(&id)
    .bind(vec![agency_a])
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert_eq!(
        e.as_database_error().and_then(|d| d.code()).as_deref(),
        Some("42501"),
        "{e}"
    );
    drop(tx);
    // Nor insert a delivery of its own, nor read the endpoints.
    let mut tx = portal::db::begin_as(&pool, stranger).await.unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_endpoints")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, 0);
    drop(tx);
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_deliveries")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(before, after);
}

#[tokio::test]
async fn an_endpoint_hears_only_the_events_it_chose_and_nothing_while_paused() {
    let app = spawn_app().await;
    let (url, recorder) = receiver(&[]).await;
    let admin_a = as_user(&app, "admin@agency-a.demo").await;
    let only_missed = add_endpoint(
        &app,
        &admin_a,
        "generic",
        &format!("{url}/missed"),
        SECRET_A,
    )
    .await;
    let paused = add_endpoint(
        &app,
        &admin_a,
        "generic",
        &format!("{url}/paused"),
        SECRET_A,
    )
    .await;
    let settings = |id: Uuid| format!("/admin/webhooks/{id}/events");

    // None ticked is refused, keeping the page; an unknown event name too.
    let r = app.post_as(&admin_a, &settings(only_missed), &[]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("id=\"events-error\""));
    let r = app
        .post_as(
            &admin_a,
            &settings(only_missed),
            &[("events", "incident.exploded")],
        )
        .await;
    assert_eq!(r.status(), 422);
    // One endpoint hears only missed deadlines; the other hears everything but is paused.
    let r = app
        .post_as(
            &admin_a,
            &settings(only_missed),
            &[("events", "incident.deadline_missed")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let all: Vec<(&str, &str)> = portal::domain::webhooks::HookEvent::CHOOSABLE
        .iter()
        .map(|e| ("events", e.name()))
        .chain([("paused", "yes")])
        .collect();
    assert_eq!(
        app.post_as(&admin_a, &settings(paused), &all)
            .await
            .status(),
        303
    );
    let page = app
        .get_as(&admin_a, &format!("/admin/webhooks/{paused}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"paused\""), "the page says it is paused");
    // Another agency's administrator cannot change them.
    let admin_acs = as_user(&app, "admin@acs.demo").await;
    let r = app
        .post_as(
            &admin_acs,
            &settings(paused),
            &[("events", "incident.filed")],
        )
        .await;
    assert_eq!(r.status(), 404);

    // A filing: neither hears it.
    file_level_3(&app, 10).await;
    let sent = jobs::send_webhooks(&app.pool, &hooks(&app, &url))
        .await
        .unwrap();
    assert_eq!(sent, 0, "{:?}", got(&recorder));
    // The test button still reaches the paused one.
    let r = app
        .post_as(&admin_a, &format!("/admin/webhooks/{paused}/test"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        jobs::send_webhooks(&app.pool, &hooks(&app, &url))
            .await
            .unwrap(),
        1
    );
    let got = got(&recorder);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/paused");
    assert_eq!(got[0].header("x-portal-event"), "portal.test");
    // On record, for the agency's audit.
    let changes: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE kind = 'webhook_changed'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(changes, 2);
}

/// A receiver that answers nobody until `n` requests are waiting at once (or 20 s pass): only a
/// sender with `n` deliveries in flight together gets 200s.
async fn rendezvous(n: usize) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let answered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (b, a) = (barrier.clone(), answered.clone());
    let app = axum::Router::new().fallback(move || {
        let (b, a) = (b.clone(), a.clone());
        async move {
            if tokio::time::timeout(Duration::from_secs(20), b.wait())
                .await
                .is_err()
            {
                return StatusCode::SERVICE_UNAVAILABLE;
            }
            a.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            StatusCode::OK
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, answered)
}

#[tokio::test]
async fn a_receiver_that_does_not_answer_does_not_hold_up_the_other_deliveries() {
    let app = spawn_app().await;
    let (url, answered) = rendezvous(2).await;
    let admin_a = as_user(&app, "admin@agency-a.demo").await;
    add_endpoint(&app, &admin_a, "generic", &format!("{url}/one"), SECRET_A).await;
    add_endpoint(&app, &admin_a, "generic", &format!("{url}/two"), SECRET_A).await;
    file_level_3(&app, 10).await;
    // Each delivery waits until the other has arrived: one at a time, the first would time out
    // (5 s) before the second is sent.
    let delivered = jobs::send_webhooks(&app.pool, &hooks(&app, &url))
        .await
        .unwrap();
    assert_eq!(delivered, 2, "both were in flight together");
    assert_eq!(answered.load(std::sync::atomic::Ordering::SeqCst), 2);
}
