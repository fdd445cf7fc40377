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
    // Killed once the load is well under way: a fixed wait was too short when the rest of the
    // suite shares the two cores.
    let started = Instant::now();
    while answered.lock().unwrap().len() < 64 && started.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
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

/// A small tmpfs mounted for a test (we run as root), unmounted when dropped. Its files are
/// the `owner`'s (PostgreSQL's server runs as `postgres`).
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(name: &str, size: &str, owner: Option<&str>) -> SmallDisk {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "{name}-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let mounted = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(&dir)
            .status()
            .unwrap();
        assert!(mounted.success(), "mount -t tmpfs (the tests run as root)");
        if let Some(owner) = owner {
            let chowned = std::process::Command::new("chown")
                .arg(format!("{owner}:{owner}"))
                .arg(&dir)
                .status()
                .unwrap();
            assert!(chowned.success());
        }
        SmallDisk(dir)
    }

    /// More room, as an operator would give it.
    fn grow(&self, size: &str) {
        let grown = std::process::Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(grown.success());
    }

    fn files(&self) -> usize {
        std::fs::read_dir(&self.0).unwrap().count()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Posts an evidence upload of `bytes`; the status and the JSON answer.
async fn upload_evidence(
    base: &str,
    bearer: &str,
    incident: &str,
    bytes: Vec<u8>,
) -> (reqwest::StatusCode, Value) {
    let form = reqwest::multipart::Form::new()
        .text("kind", "disk_image")
        .text("description", "受害主機磁碟映像")
        .text("source_system", "FS-01")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("disk.img"),
        );
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/incidents/{incident}/evidence"))
        .bearer_auth(bearer)
        .multipart(form)
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Files an incident over the API as the officer of agency A; its id.
async fn file_over_api(base: &str, officer: &str, title: &str) -> String {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/incidents"))
        .bearer_auth(officer)
        .json(&filing(title))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    body["id"].as_str().unwrap().to_string()
}

async fn evidence_rows(pool: &sqlx::PgPool) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM evidence_items), (SELECT count(*) FROM evidence_chunks), \
         (SELECT count(*) FROM evidence_blobs)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_upload_that_fills_the_spool_disk_is_a_507_keeps_nothing_and_the_portal_serves_on() {
    let app = spawn_app().await;
    // The portal spools uploads in its temporary folder: here a 1 MiB disk.
    let spool = SmallDisk::mount("spool", "1m", None);
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let tmpdir = spool.0.to_str().unwrap().to_string();
    let _portal = start_portal_with(&app, port, &[("TMPDIR", &tmpdir)]).await;
    let officer = bearer(&base).await;
    let responder = bearer_of(&base, "responder@agency-a.demo").await;
    let incident = file_over_api(&base, &officer, "spool disk full").await;
    let asked = Instant::now();
    let (status, body) =
        upload_evidence(&base, &responder, &incident, evidence_bytes(3 * 1024)).await;
    let answered_in = asked.elapsed();
    assert_eq!(status, 507, "{body}");
    let message = body["error"].as_str().unwrap_or_default();
    assert!(message.contains("storage is full"), "{body}");
    assert_eq!(evidence_rows(&app.pool).await, (0, 0, 0), "nothing kept");
    assert_eq!(
        spool.files(),
        0,
        "the refused upload's spool file is removed"
    );
    // It serves on: a file that fits is taken.
    let (status, body) = upload_evidence(&base, &responder, &incident, evidence_bytes(100)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(spool.files(), 0);
    println!(
        "fault spool disk full: 3 MiB upload onto a 1 MiB tmpfs answered {status_full} in {:.2}s, \
         stored 0, spool file removed; a 100 KiB upload then 201",
        answered_in.as_secs_f64(),
        status_full = 507
    );
}

#[tokio::test]
async fn an_upload_that_fills_the_databases_disk_is_a_507_keeps_nothing_and_the_portal_serves_on() {
    use portal::pg_cluster::{Durability, PrivateCluster};
    // A PostgreSQL of its own, whose evidence chunks live in a tablespace on a 4 MiB disk.
    let folder = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "pgfull-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    ));
    let cluster_folder = folder.clone();
    let mut cluster = tokio::task::spawn_blocking(move || {
        PrivateCluster::start(&cluster_folder, Durability::Throwaway)
    })
    .await
    .unwrap()
    .expect("a private PostgreSQL (initdb, pg_ctl)");
    let disk = SmallDisk::mount("pgdisk", "4m", Some("postgres"));
    let outcome = database_disk_full(&cluster, &disk).await;
    cluster.stop();
    drop(disk);
    let _ = std::fs::remove_dir_all(&folder);
    println!("{}", outcome);
}

/// The body of the database disk-full case; returns its line of figures.
async fn database_disk_full(
    cluster: &portal::pg_cluster::PrivateCluster,
    disk: &SmallDisk,
) -> String {
    portal::startup::ensure_database(cluster.connect_options("postgres"), "portal")
        .await
        .unwrap();
    let owner = portal::startup::pool(cluster.connect_options("portal"))
        .await
        .unwrap();
    let mut settings = portal::config::Settings::for_tests();
    settings.mfa_enforced = false;
    settings.timeline_checkpoint_dir = Some(disk.0.with_extension("checkpoints"));
    let app = portal::startup::Application::build(&settings, owner.clone())
        .await
        .unwrap();
    portal::services::demo::load_if_empty(&owner).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let server = tokio::spawn(app.run_until(std::future::pending()));
    sqlx::query(&format!(
        "CREATE TABLESPACE small LOCATION '{}'",
        disk.0.display()
    ))
    .execute(&owner)
    .await
    .unwrap();
    sqlx::query("ALTER TABLE evidence_chunks SET TABLESPACE small")
        .execute(&owner)
        .await
        .unwrap();
    let officer = bearer(&base).await;
    let responder = bearer_of(&base, "responder@agency-a.demo").await;
    let incident = file_over_api(&base, &officer, "database disk full").await;
    let asked = Instant::now();
    let (status, body) =
        upload_evidence(&base, &responder, &incident, evidence_bytes(8 * 1024)).await;
    let answered_in = asked.elapsed();
    // The spool (this process's temporary folder) has room: the 507 is PostgreSQL's 53100.
    assert_eq!(status, 507, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("storage is full"),
        "{body}"
    );
    assert_eq!(evidence_rows(&owner).await, (0, 0, 0), "nothing kept");
    let r = reqwest::Client::new()
        .get(format!("{base}/api/v1/incidents"))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the rest of the portal serves on");
    // Once the disk is grown, uploads are taken again.
    disk.grow("64m");
    let (status, body) = upload_evidence(&base, &responder, &incident, evidence_bytes(100)).await;
    assert_eq!(status, 201, "{body}");
    server.abort();
    owner.close().await;
    format!(
        "fault database disk full: 8 MiB upload into a tablespace on a 4 MiB tmpfs answered 507 \
         (SQLSTATE 53100) in {:.2}s, stored 0, other requests 200; after the disk is grown a 100 KiB upload 201",
        answered_in.as_secs_f64()
    )
}

/// A request the database keeps waiting (here a lock held past the portal's limit, as when the
/// database is unreachable over TCP and connection attempts hang) is answered at the limit with
/// the portal's own 503 — the page or problem, and `Retry-After` — not a bare status; and once
/// the database answers again, so does the portal.
#[tokio::test]
async fn a_request_past_the_time_limit_gets_the_503_page_with_retry_after() {
    let app = crate::helpers::spawn_app_with(|s| s.request_timeout_seconds = 2).await;
    let officer = crate::helpers::as_user(&app, "officer@agency-a.demo").await;
    let token = crate::helpers::token(&app, "officer@agency-a.demo").await;
    let mut lock = app.pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();

    let asked = Instant::now();
    let page = app.get_as(&officer, "/incidents").await;
    let waited = asked.elapsed();
    assert_eq!(page.status(), 503);
    assert_eq!(page.headers()["retry-after"], "5");
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(10),
        "{waited:?}"
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("入口網未能在時限內完成這項請求"), "{html}");

    let api = reqwest::Client::new()
        .get(app.url("/api/v1/incidents"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 503);
    assert_eq!(api.headers()["retry-after"], "5");
    let problem: Value = api.json().await.unwrap();
    assert!(
        problem["error"]
            .as_str()
            .is_some_and(|e| e.contains("could not finish this request in time")),
        "{problem}"
    );

    lock.rollback().await.unwrap();
    let again = app.get_as(&officer, "/incidents").await;
    assert_eq!(again.status(), 200, "serves once the lock is gone");
}

/// SIGTERM (a rolling restart, `docker stop`): the request in flight is answered, new
/// connections are refused at once, and the process exits cleanly once it is done — within
/// the grace period, not at its end.
#[tokio::test]
async fn sigterm_answers_the_request_in_flight_refuses_new_ones_and_exits_cleanly() {
    let app = spawn_app().await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut portal = start_portal(&app, port).await;
    let token = bearer(&base).await;
    // The request in flight: held by a lock on the incidents, so that it is still being
    // answered when the signal comes.
    let mut lock = app.pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let in_flight = tokio::spawn({
        let (base, token) = (base.clone(), token.clone());
        async move {
            reqwest::Client::new()
                .get(format!("{base}/api/v1/incidents"))
                .bearer_auth(&token)
                .send()
                .await
                .map(|r| r.status().as_u16())
        }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = i32::try_from(portal.0.id()).unwrap();
    // SAFETY: sends a signal to the child process this test started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let refused = reqwest::Client::new()
        .get(format!("{base}/readyz"))
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(
        refused.is_err(),
        "a new connection after SIGTERM: {refused:?}"
    );
    assert!(
        portal.0.try_wait().unwrap().is_none(),
        "it waits for the request in flight"
    );

    let signalled = Instant::now();
    lock.rollback().await.unwrap();
    assert_eq!(
        in_flight
            .await
            .unwrap()
            .expect("the request in flight is answered"),
        200
    );
    let status = loop {
        if let Some(status) = portal.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(20),
            "it exits once the request is answered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "a clean exit: {status}");
    println!(
        "fault SIGTERM: in-flight request answered 200, new connection refused, exited {status} \
         {:.2} s after the request was released",
        signalled.elapsed().as_secs_f64()
    );
}
