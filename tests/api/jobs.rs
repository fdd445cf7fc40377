//! Reminders and the e-mail outbox, against a real SMTP listener started by the test.

use std::sync::{Arc, Mutex};

use chrono::{Duration, Utc};
use portal::jobs::{self, Smtp};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::helpers::{client, spawn_app, TestApp, DEMO_PASSWORD};

/// A minimal SMTP server: accepts every message and keeps its recipients and data.
async fn smtp_listener() -> (
    u16,
    Arc<Mutex<Vec<(String, String)>>>,
    tokio::task::JoinHandle<()>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let store = got.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test ESMTP\r\n").await.unwrap();
                let (mut rcpt, mut data, mut in_data) = (String::new(), String::new(), false);
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            store.lock().unwrap().push((rcpt.clone(), data.clone()));
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 test\r\n"
                    } else if upper.starts_with("RCPT TO") {
                        rcpt = line.clone();
                        b"250 ok\r\n"
                    } else if upper.starts_with("DATA") {
                        in_data = true;
                        data.clear();
                        b"354 go ahead\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, got, task)
}

pub(crate) async fn file_level_3(app: &TestApp, minutes_ago: i64) -> String {
    let officer = client();
    app.sign_in_as(&officer, "officer@agency-a.demo", DEMO_PASSWORD)
        .await;
    let aware = portal::domain::to_taipei(Utc::now() - Duration::minutes(minutes_ago))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let r = app
        .post_as(
            &officer,
            "/incidents",
            &[
                ("title", "t"),
                ("aware_at", &aware),
                ("category", "dos"),
                ("impact_disruption_core", "severe"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    r.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/incidents/")
        .to_string()
}

#[tokio::test]
async fn a_notification_e_mail_reaches_the_smtp_listener_and_is_marked_sent() {
    let app = spawn_app().await;
    file_level_3(&app, 10).await;
    let (port, got, _server) = smtp_listener().await;
    let smtp = Smtp::plain("127.0.0.1", port, "portal@test.demo");
    let sent = jobs::send_outbox(&app.pool, &smtp).await.unwrap();
    assert_eq!(
        sent, 6,
        "the ministry's and the competent authority's reviewers, Agency A's commander and team"
    );
    let mails = got.lock().unwrap().clone();
    assert!(mails
        .iter()
        .any(|(to, _)| to.contains("reviewer@ministry.demo")));
    assert!(mails
        .iter()
        .any(|(to, _)| to.contains("acs-reviewer@acs.demo")));
    assert!(
        !mails
            .iter()
            .any(|(to, _)| to.contains("agency-b") || to.contains("health")),
        "nobody else"
    );
    let unsent: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(unsent, 0);
    assert_eq!(
        jobs::send_outbox(&app.pool, &smtp).await.unwrap(),
        0,
        "nothing is sent twice"
    );
}

#[tokio::test]
async fn the_outbox_keeps_mail_while_smtp_is_down_and_sends_it_when_it_is_back() {
    let app = spawn_app().await;
    file_level_3(&app, 10).await;
    // Nothing listens on this port.
    let dead = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let down = Smtp::plain("127.0.0.1", port, "portal@test.demo");
    assert_eq!(jobs::send_outbox(&app.pool, &down).await.unwrap(), 0);
    let (attempts, error): (i32, Option<String>) =
        sqlx::query_as("SELECT max(attempts), max(last_error) FROM outbox")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(attempts, 1);
    assert!(error.is_some(), "the failure is recorded");
    // The ministry's and ACS's administrators see their own agency's failures, nobody else's.
    let admin = client();
    app.sign_in_as(&admin, "admin@acs.demo", DEMO_PASSWORD)
        .await;
    let page = app
        .get_as(&admin, "/admin/outbox")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("acs-reviewer@acs.demo") && page.contains("寄送失敗"));
    assert!(
        !page.contains("reviewer@ministry.demo"),
        "another agency's mail is not shown"
    );
    // The incident itself was filed regardless.
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM incidents")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
    // Back up: once the backoff has passed, the mail goes out.
    let (port, got, _server) = smtp_listener().await;
    let up = Smtp::plain("127.0.0.1", port, "portal@test.demo");
    assert_eq!(
        jobs::send_outbox(&app.pool, &up).await.unwrap(),
        0,
        "still backing off"
    );
    sqlx::query("UPDATE outbox SET next_attempt_at = now()")
        .execute(&app.pool)
        .await
        .unwrap();
    // The two reviewers and Agency A's commander, secretary, responder and logistics.
    assert_eq!(jobs::send_outbox(&app.pool, &up).await.unwrap(), 6);
    assert_eq!(got.lock().unwrap().len(), 6);
}

#[tokio::test]
async fn a_reminder_is_sent_once_even_with_two_portal_processes_claiming_at_once() {
    let app = spawn_app().await;
    // Aware 35 hours ago: level 3's 36-hour damage control is due within the hour, and its
    // 2-hour review is long overdue.
    let id = file_level_3(&app, 35 * 60).await;
    // Reported 25 hours ago: the first daily control-effect report is due too.
    sqlx::query("UPDATE incidents SET reported_at = reported_at - interval '25 hours'")
        .execute(&app.pool)
        .await
        .unwrap();
    // Two "processes": separate pools on the same database, claiming concurrently.
    let other = portal::startup::pool((*app.pool.connect_options()).clone())
        .await
        .unwrap();
    let policy = portal::domain::ReminderPolicy::with_control_report_hours(24);
    let (a, b) = tokio::join!(
        jobs::remind(&app.pool, &policy),
        jobs::remind(&other, &policy)
    );
    let total = a.unwrap() + b.unwrap();
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM reminders WHERE incident_id = $1::uuid ORDER BY kind")
            .bind(&id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert!(kinds.contains(&"containment_soon".to_string()), "{kinds:?}");
    assert!(
        kinds.contains(&"control_effect_due".to_string()),
        "{kinds:?}"
    );
    assert_eq!(
        total as usize,
        kinds.len(),
        "each reminder sent by exactly one process"
    );
    let unsent: i64 = sqlx::query_scalar("SELECT count(*) FROM reminders WHERE sent_at IS NULL")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(unsent, 0);
    // The responder of Agency A hears about damage control exactly once.
    let heard: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE u.email = 'responder@agency-a.demo' AND n.kind = 'containment_soon'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(heard, 1);
    // Running again sends nothing new.
    assert_eq!(jobs::remind(&app.pool, &policy).await.unwrap(), 0);
    // Nobody outside Agency A and its chain was reminded.
    let outsiders: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications n JOIN agencies a ON a.id = n.agency_id WHERE a.code NOT IN ('AGA', 'MIN', 'ACS')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(outsiders, 0);
}

#[tokio::test]
async fn mail_is_given_up_on_after_its_last_attempt_and_keeps_one_message_id() {
    let app = spawn_app().await;
    file_level_3(&app, 10).await;
    let dead = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let mut down = Smtp::plain("127.0.0.1", port, "portal@test.demo");
    down.max_attempts = 2;
    let retry_now = || async {
        sqlx::query("UPDATE outbox SET next_attempt_at = now()")
            .execute(&app.pool)
            .await
            .unwrap();
    };
    for _ in 0..3 {
        assert_eq!(jobs::send_outbox(&app.pool, &down).await.unwrap(), 0);
        retry_now().await;
    }
    let (attempts, failed): (i32, i64) =
        sqlx::query_as("SELECT max(attempts), count(failed_at) FROM outbox")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(attempts, 2, "no attempt past the last one");
    assert_eq!(failed, 6, "every message marked failed");
    let admin = client();
    app.sign_in_as(&admin, "admin@acs.demo", DEMO_PASSWORD)
        .await;
    let page = app
        .get_as(&admin, "/admin/outbox")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("已停止重試"),
        "the page says it was given up on"
    );
    // A message sent again (a node died before marking it) carries the same Message-ID.
    let (port, got, _server) = smtp_listener().await;
    let up = Smtp::plain("127.0.0.1", port, "portal@test.demo");
    sqlx::query("UPDATE outbox SET failed_at = NULL, next_attempt_at = now() WHERE id = (SELECT min(id) FROM outbox)")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(jobs::send_outbox(&app.pool, &up).await.unwrap(), 1);
    sqlx::query("UPDATE outbox SET sent_at = NULL, next_attempt_at = now() WHERE id = (SELECT min(id) FROM outbox)")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(jobs::send_outbox(&app.pool, &up).await.unwrap(), 1);
    let mails = got.lock().unwrap().clone();
    let ids: Vec<String> = mails
        .iter()
        .map(|(_, data)| {
            data.lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                .expect("a Message-ID")
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1]);
    assert!(ids[0].contains("@test.demo>"), "{}", ids[0]);
}

/// `Application::build` does not start the job runner; `run_until` does. `portal demo` loads its
/// data between the two, so the first round never meets half-loaded incidents (#15: the start-up
/// race that logged `no rows returned by a query that expected …`).
#[tokio::test]
async fn the_job_runner_starts_when_serving_starts_not_while_data_is_still_loading() {
    let (port, got, _server) = smtp_listener().await;
    let (pool, _name) = crate::helpers::fresh_database().await;
    let mut settings = portal::config::Settings::for_tests();
    settings.mfa_enforced = false;
    settings.jobs_interval_seconds = 1;
    settings.smtp_host = Some("127.0.0.1".into());
    settings.smtp_port = port;
    let app = portal::startup::Application::build(&settings, pool.clone())
        .await
        .unwrap();
    portal::services::demo::load_if_empty(&pool).await.unwrap();
    let agency: uuid::Uuid = sqlx::query_scalar("SELECT id FROM agencies LIMIT 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO outbox (agency_id, to_address, subject, body) \
         VALUES ($1, 'officer@agency-a.demo', 'queued while loading', 'body')",
    )
    .bind(agency)
    .execute(&pool)
    .await
    .unwrap();
    // Three rounds' worth of time before serving starts: no round runs.
    tokio::time::sleep(std::time::Duration::from_millis(3_000)).await;
    assert!(
        got.lock().unwrap().is_empty(),
        "no job round before run_until"
    );
    let attempts: i64 = sqlx::query_scalar("SELECT coalesce(sum(attempts), 0) FROM outbox")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(attempts, 0);
    tokio::spawn(app.run_until(std::future::pending()));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while got.lock().unwrap().is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        !got.lock().unwrap().is_empty(),
        "the first round runs once serving starts and sends the queued mail"
    );
}
