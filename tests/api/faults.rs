//! Faults (#15): the portal killed with `kill -9` while 32 clients file incidents. Everything it
//! answered 2xx is stored; nothing it did not answer is half-written; the chain verifies; it
//! serves again after a restart. Prints one line of figures.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, DEMO_PASSWORD};

/// A portal process, killed when dropped (a failing assertion leaves no server behind).
struct Portal(std::process::Child);

impl Portal {
    /// `kill -9`: no shutdown, nothing flushed.
    fn kill_9(&mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The portal as its own process on `port`, ready.
async fn start_portal(app: &TestApp, port: u16) -> Portal {
    let mut child = app
        .portal(&["serve"])
        .env("PORTAL_LISTEN", format!("127.0.0.1:{port}"))
        .env("PORTAL_JOBS_INTERVAL_SECONDS", "0")
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    for _ in 0..200 {
        let ready = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        if ready {
            return Portal(child);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the portal did not become ready");
}

async fn bearer(base: &str) -> String {
    let body: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"email": "officer@agency-a.demo", "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["token"].as_str().unwrap().to_string()
}

fn filing(title: &str) -> Value {
    json!({
        "title": title,
        "aware_at": (Utc::now() - chrono::Duration::minutes(5)).to_rfc3339(),
        "category": "web_attack",
        "subcategory": "phishing_page",
        "impacts": [{"kind": "tamper", "asset": "non_core", "severe": false}],
        "personal_data": false,
        "summary": "fault suite",
        "affected_systems": ["官方網站"],
    })
}

#[tokio::test]
async fn kill_9_while_32_clients_file_loses_nothing_answered_and_half_writes_nothing() {
    let app = spawn_app().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = start_portal(&app, port).await;
    let token = bearer(&base).await;
    let answered: Arc<Mutex<Vec<String>>> = Arc::default();
    let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut clients = Vec::new();
    for c in 0..32 {
        let (base, token, answered, sent) =
            (base.clone(), token.clone(), answered.clone(), sent.clone());
        clients.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            for n in 0.. {
                let title = format!("fault {c}-{n}");
                sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let r = http
                    .post(format!("{base}/api/v1/incidents"))
                    .bearer_auth(&token)
                    .json(&filing(&title))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().is_success() => answered.lock().unwrap().push(title),
                    Ok(r) => panic!("{title}: {}", r.status()),
                    Err(_) => return, // the portal is gone
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill_9();
    for c in clients {
        c.await.unwrap();
    }
    let answered = answered.lock().unwrap().clone();
    assert!(
        answered.len() > 32,
        "the load ran: {} answered",
        answered.len()
    );
    // Every answered filing is stored; nothing is stored without its timeline entry.
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT title FROM incidents WHERE title LIKE 'fault %'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let lost: Vec<&String> = answered.iter().filter(|t| !stored.contains(t)).collect();
    assert!(lost.is_empty(), "answered 2xx but not stored: {lost:?}");
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM incidents i \
         WHERE NOT EXISTS (SELECT 1 FROM timeline_entries t WHERE t.incident_id = i.id)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(orphans, 0, "incidents without their filing entry");
    let verified = app.portal(&["verify-timeline"]).output().unwrap();
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );
    // It serves again after a restart.
    let restarted = Instant::now();
    let child = start_portal(&app, port).await;
    let ready_after = restarted.elapsed();
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/incidents"))
        .bearer_auth(&token)
        .json(&filing("after the restart"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    drop(child);
    println!(
        "fault kill-9: sent {} answered {} stored {} lost 0 orphans 0 ready-after-restart {:.2}s",
        sent.load(std::sync::atomic::Ordering::Relaxed),
        answered.len(),
        stored.len(),
        ready_after.as_secs_f64()
    );
}
