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
    start_portal_with(app, port, &[]).await
}

/// The portal as its own process on `port` with more of its environment, ready.
async fn start_portal_with(app: &TestApp, port: u16, env: &[(&str, &str)]) -> Portal {
    let mut command = app.portal(&["serve"]);
    command
        .env("PORTAL_LISTEN", format!("127.0.0.1:{port}"))
        .env("PORTAL_JOBS_INTERVAL_SECONDS", "0");
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
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
    bearer_of(base, "officer@agency-a.demo").await
}

async fn bearer_of(base: &str, email: &str) -> String {
    let body: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"email": email, "password": DEMO_PASSWORD}))
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

/// A port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A filing that owes an escalation notice (national secrets leaked), so that the officer has
/// a stage action to post on it at once.
fn filing_with_notice(title: &str) -> Value {
    let mut f = filing(title);
    f["impacts"] = json!([{"kind": "leak", "asset": "national_secret", "severe": false}]);
    f
}

/// Bytes of an evidence file of `kb` KB that no other upload has (its own hash).
fn evidence_bytes(kb: usize) -> Vec<u8> {
    let seed = uuid::Uuid::new_v4();
    let mut bytes = Vec::with_capacity(kb * 1024);
    while bytes.len() < kb * 1024 {
        bytes.extend_from_slice(format!("{seed} log line {}\n", bytes.len()).as_bytes());
    }
    bytes.truncate(kb * 1024);
    bytes
}

/// What the portal answered 2xx in the mix, per kind.
#[derive(Default)]
struct Answered {
    filed: Vec<(String, String)>,
    acted: Vec<String>,
    /// (evidence id, sha256, size) as the portal answered them.
    uploaded: Vec<(String, String, i64)>,
}

/// One client of the mix: files an incident, posts its escalation notice, uploads a file of
/// 20 to 60 KB to it; again, until the portal is gone. Returns how many requests it sent.
async fn mix_client(
    c: usize,
    base: String,
    (officer, responder): (String, String),
    answered: Arc<Mutex<Answered>>,
) -> usize {
    let http = reqwest::Client::new();
    let mut sent = 0;
    for n in 0.. {
        let title = format!("fault mix {c}-{n}");
        sent += 1;
        let r = http
            .post(format!("{base}/api/v1/incidents"))
            .bearer_auth(&officer)
            .json(&filing_with_notice(&title))
            .send()
            .await;
        let id = match r {
            Ok(r) if r.status().is_success() => {
                let body: Value = match r.json().await {
                    Ok(b) => b,
                    Err(_) => return sent, // answered, but the body was cut: the portal is gone
                };
                let id = body["id"].as_str().unwrap().to_string();
                answered
                    .lock()
                    .unwrap()
                    .filed
                    .push((title.clone(), id.clone()));
                id
            }
            Ok(r) => panic!("{title}: {}", r.status()),
            Err(_) => return sent, // the portal is gone
        };
        sent += 1;
        let r = http
            .post(format!(
                "{base}/api/v1/incidents/{id}/actions/escalation_notice"
            ))
            .bearer_auth(&officer)
            .json(&json!({"told": "示範部", "means": "phone", "at": Utc::now().to_rfc3339()}))
            .send()
            .await;
        match r {
            Ok(r) if r.status().is_success() => answered.lock().unwrap().acted.push(id.clone()),
            Ok(r) => panic!("{title} notice: {}", r.status()),
            Err(_) => return sent,
        }
        sent += 1;
        let form = reqwest::multipart::Form::new()
            .text("kind", "log_export")
            .text("description", "防火牆日誌匯出")
            .text("source_system", "FW-01")
            .part(
                "file",
                reqwest::multipart::Part::bytes(evidence_bytes(20 + (c * 7 + n) % 41))
                    .file_name("firewall.log"),
            );
        let r = http
            .post(format!("{base}/api/v1/incidents/{id}/evidence"))
            .bearer_auth(&responder)
            .multipart(form)
            .send()
            .await;
        match r {
            Ok(r) if r.status().is_success() => {
                let Ok(body) = r.json::<Value>().await else {
                    return sent;
                };
                answered.lock().unwrap().uploaded.push((
                    body["id"].as_str().unwrap().to_string(),
                    body["sha256"].as_str().unwrap().to_string(),
                    body["size"].as_i64().unwrap(),
                ));
            }
            Ok(r) => panic!("{title} upload: {}", r.status()),
            Err(_) => return sent,
        }
    }
    sent
}

/// Counts of stored evidence that breaks the storage's invariant: an item said to be stored
/// whose blob is missing; a blob whose chunks do not run 0..n without a gap, or do not add up
/// to its size and hash; chunks that no blob names (an upload half-written).
async fn evidence_breaks(pool: &sqlx::PgPool) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT \
           (SELECT count(*) FROM evidence_items i WHERE i.stored AND NOT EXISTS \
              (SELECT 1 FROM evidence_blobs b WHERE b.agency_id = i.agency_id AND b.sha256 = i.sha256)), \
           (SELECT count(*) FROM evidence_blobs b LEFT JOIN LATERAL \
              (SELECT count(*) AS n, max(seq) AS last, coalesce(sum(octet_length(data)), 0) AS bytes, \
                      encode(sha256(string_agg(data, ''::bytea ORDER BY seq)), 'hex') AS hash \
               FROM evidence_chunks c WHERE c.upload_id = b.upload_id) c ON true \
            WHERE c.n = 0 OR c.last <> c.n - 1 OR c.bytes <> b.size OR c.hash <> b.sha256), \
           (SELECT count(DISTINCT upload_id) FROM evidence_chunks c WHERE NOT EXISTS \
              (SELECT 1 FROM evidence_blobs b WHERE b.upload_id = c.upload_id))",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn kill_9_while_32_clients_file_act_and_upload_loses_nothing_answered_and_half_writes_nothing(
) {
    let app = spawn_app().await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let env = [("PORTAL_UPLOADS_PER_USER", "64")];
    let mut child = start_portal_with(&app, port, &env).await;
    let tokens = (
        bearer(&base).await,
        bearer_of(&base, "responder@agency-a.demo").await,
    );
    let answered: Arc<Mutex<Answered>> = Arc::default();
    let clients: Vec<_> = (0..32)
        .map(|c| {
            tokio::spawn(mix_client(
                c,
                base.clone(),
                tokens.clone(),
                answered.clone(),
            ))
        })
        .collect();
    // Killed once the mix is well under way (its first round is slow: 32 filings at once).
    let started = Instant::now();
    while answered.lock().unwrap().uploaded.len() < 64
        && started.elapsed() < Duration::from_secs(20)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill_9();
    let mut sent = 0;
    for c in clients {
        sent += c.await.unwrap();
    }
    let answered = std::mem::take(&mut *answered.lock().unwrap());
    assert!(
        answered.filed.len() > 32 && answered.uploaded.len() > 32,
        "the load ran: {} filed, {} uploaded",
        answered.filed.len(),
        answered.uploaded.len()
    );
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT title, id::text FROM incidents WHERE title LIKE 'fault mix %'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let lost: Vec<_> = answered
        .filed
        .iter()
        .filter(|f| !stored.contains(f))
        .collect();
    assert!(
        lost.is_empty(),
        "filings answered 2xx but not stored: {lost:?}"
    );
    // Each answered notice is on its incident's timeline (an entry besides the filing and the
    // custody entries).
    let acted: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT incident_id::text FROM timeline_entries \
         WHERE kind <> 'filed' AND kind NOT LIKE 'custody.%'",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let lost: Vec<_> = answered
        .acted
        .iter()
        .filter(|id| !acted.contains(id))
        .collect();
    assert!(
        lost.is_empty(),
        "notices answered 2xx but not stored: {lost:?}"
    );
    // Each answered upload is stored with the hash and size it was answered with, and its
    // custody entry is on the timeline.
    let items: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT i.id::text, i.sha256, i.size FROM evidence_items i WHERE i.stored AND EXISTS \
           (SELECT 1 FROM timeline_entries t WHERE t.incident_id = i.incident_id \
            AND t.kind = 'custody.uploaded' AND t.body LIKE '%' || i.id::text || '%')",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let lost: Vec<_> = answered
        .uploaded
        .iter()
        .filter(|u| !items.contains(u))
        .collect();
    assert!(
        lost.is_empty(),
        "uploads answered 2xx but not stored: {lost:?}"
    );
    let (without_blob, blobs_broken, orphan_uploads) = evidence_breaks(&app.pool).await;
    assert_eq!(without_blob, 0, "evidence items without their blob");
    assert_eq!(
        blobs_broken, 0,
        "blobs whose chunks do not make up their bytes"
    );
    assert_eq!(orphan_uploads, 0, "chunks of an upload that no blob names");
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM incidents i \
         WHERE NOT EXISTS (SELECT 1 FROM timeline_entries t WHERE t.incident_id = i.id AND t.seq = 1 AND t.kind = 'filed')",
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
    let restarted = Instant::now();
    let child = start_portal_with(&app, port, &env).await;
    let ready_after = restarted.elapsed();
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/incidents"))
        .bearer_auth(&tokens.0)
        .json(&filing("after the restart"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    drop(child);
    let n_items: i64 = sqlx::query_scalar("SELECT count(*) FROM evidence_items")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    println!(
        "fault kill-9 mix: sent {sent} answered filed {} acted {} uploaded {} stored incidents {} items {} \
         lost 0 items-without-blob 0 broken-blobs 0 orphan-chunk-uploads 0 ready-after-restart {:.2}s",
        answered.filed.len(),
        answered.acted.len(),
        answered.uploaded.len(),
        stored.len(),
        n_items,
        ready_after.as_secs_f64()
    );
}
