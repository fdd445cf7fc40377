//! Evidence with its chain of custody, and indicators of compromise shared as STIX.

use chrono::{Duration, Utc};
use reqwest::multipart::{Form, Part};
use reqwest::Client;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::helpers::{as_user, local, spawn_app, spawn_app_with, token, TestApp};

pub(crate) async fn file(app: &TestApp, c: &Client) -> Uuid {
    let aware = local(Utc::now() - Duration::minutes(30));
    let r = app
        .post_as(
            c,
            "/incidents",
            &[
                ("title", "主機遭植入惡意程式"),
                ("aware_at", &aware),
                ("category", "intrusion"),
                ("affected_systems", "檔案伺服器"),
                ("impact_tamper_core", "minor"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let at = r.headers()["location"].to_str().unwrap().to_string();
    Uuid::parse_str(at.trim_start_matches("/incidents/")).unwrap()
}

async fn upload(
    app: &TestApp,
    bearer: &str,
    incident: Uuid,
    kind: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = Form::new()
        .text("kind", kind.to_string())
        .text("description", "受害主機記憶體傾印")
        .text("source_system", "FS-01")
        .part("file", Part::bytes(bytes).file_name(name.to_string()));
    app.client
        .post(app.url(&format!("/api/v1/incidents/{incident}/evidence")))
        .bearer_auth(bearer)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn custody_kinds(app: &TestApp, incident: Uuid) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT kind FROM timeline_entries WHERE incident_id = $1 AND kind LIKE 'custody.%' ORDER BY seq",
    )
    .bind(incident)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn stored_counts(app: &TestApp) -> (i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM evidence_items), (SELECT count(*) FROM evidence_chunks)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_upload_keeps_its_sha256_and_every_download_and_verification_is_on_the_timeline() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let id = file(&app, &officer).await;
    let responder = token(&app, "responder@agency-a.demo").await;

    // 2.5 chunks of varied bytes.
    let bytes: Vec<u8> = (0..(5 * 1024 * 1024 / 2))
        .map(|i: u32| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let expected = hex::encode(Sha256::digest(&bytes));
    let r = upload(
        &app,
        &responder,
        id,
        "memory_dump",
        "mem.raw",
        bytes.clone(),
    )
    .await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["sha256"], json!(expected));
    assert_eq!(body["size"], json!(bytes.len()));
    let eid = body["id"].as_str().unwrap().to_string();
    let stored: String =
        sqlx::query_scalar("SELECT sha256 FROM evidence_items WHERE id = $1::uuid")
            .bind(&eid)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, expected);

    // The same bytes again are stored once (content-addressed), as a second item.
    let r = upload(
        &app,
        &responder,
        id,
        "memory_dump",
        "copy.raw",
        bytes.clone(),
    )
    .await;
    assert_eq!(r.status(), 201);
    let (items, chunks) = stored_counts(&app).await;
    assert_eq!((items, chunks), (2, 3));

    // The supervising ministry downloads it: the same bytes, as an attachment.
    let ministry = token(&app, "reviewer@ministry.demo").await;
    let r = app
        .client
        .get(app.url(&format!("/api/v1/incidents/{id}/evidence/{eid}")))
        .bearer_auth(&ministry)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let got = r.bytes().await.unwrap();
    assert_eq!(hex::encode(Sha256::digest(&got)), expected);

    // Another agency learns nothing: 404, and no custody entry.
    let before = custody_kinds(&app, id).await;
    let other = token(&app, "officer@hospital.demo").await;
    let r = app
        .client
        .get(app.url(&format!("/api/v1/incidents/{id}/evidence/{eid}")))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let sibling = as_user(&app, "officer@agency-b.demo").await;
    let r = app
        .post_as(
            &sibling,
            &format!("/incidents/{id}/evidence/{eid}/download"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(custody_kinds(&app, id).await, before);

    // Verification through the page recomputes the hash.
    let r = app
        .post_as(
            &officer,
            &format!("/incidents/{id}/evidence/{eid}/verify"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("verified=ok"));
    // A transfer to another holder.
    let web_responder = as_user(&app, "responder@agency-a.demo").await;
    let r = app
        .post_as(
            &web_responder,
            &format!("/incidents/{id}/evidence/{eid}/transfer"),
            &[("to", "鑑識廠商 李先生"), ("note", "送鑑識")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        custody_kinds(&app, id).await,
        [
            "custody.uploaded",
            "custody.uploaded",
            "custody.downloaded",
            "custody.verified",
            "custody.transferred"
        ]
    );
    let out = app.portal(&["verify-timeline"]).output().unwrap();
    assert!(
        out.status.success(),
        "the chain holds: {}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Stored bytes altered behind the portal's back fail verification, on the record.
    sqlx::query("UPDATE evidence_chunks SET data = 'x'::bytea WHERE seq = 0")
        .execute(&app.pool)
        .await
        .unwrap();
    let r = app
        .post_as(
            &officer,
            &format!("/incidents/{id}/evidence/{eid}/verify"),
            &[],
        )
        .await;
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("verified=failed"));
    assert_eq!(
        custody_kinds(&app, id).await.last().unwrap(),
        "custody.verification_failed"
    );
}

#[tokio::test]
async fn malware_samples_are_served_only_as_octet_stream_attachments_and_marked_dangerous() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let id = file(&app, &officer).await;
    let responder = token(&app, "responder@agency-a.demo").await;
    let form = Form::new()
        .text("kind", "malware_sample")
        .text("description", "植入的後門程式")
        .text("source_system", "FS-01")
        .part(
            "file",
            Part::bytes(b"<script>alert(1)</script>".to_vec())
                .file_name("evil.html")
                .mime_str("text/html")
                .unwrap(),
        );
    let r = app
        .client
        .post(app.url(&format!("/api/v1/incidents/{id}/evidence")))
        .bearer_auth(&responder)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let eid = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A link (GET) or a forged form from elsewhere neither downloads nor plants a custody entry.
    let before = custody_kinds(&app, id).await;
    let download = format!("/incidents/{id}/evidence/{eid}/download");
    assert_eq!(app.get_as(&officer, &download).await.status(), 405);
    let r = app
        .post_form_as(&officer, &download, &[("csrf", "forged")])
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(custody_kinds(&app, id).await, before);
    let r = app.post_as(&officer, &download, &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/octet-stream");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment") && disposition.contains(".malware"),
        "{disposition}"
    );
    let page = app
        .get_as(&officer, &format!("/incidents/{id}/evidence"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("class=\"dangerous\"") && page.contains("id=\"samples-policy\""));
}

#[tokio::test]
async fn bad_evidence_input_is_refused_whole() {
    let app = spawn_app_with(|s| s.evidence_limit = 1024 * 1024).await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let id = file(&app, &officer).await;
    let responder = token(&app, "responder@agency-a.demo").await;

    // Over the limit: 413, nothing kept.
    let r = upload(
        &app,
        &responder,
        id,
        "disk_image",
        "disk.img",
        vec![7u8; 1024 * 1024 + 10],
    )
    .await;
    assert_eq!(r.status(), 413);
    // No kind, and a kind that does not exist: 422, nothing kept.
    let r = upload(&app, &responder, id, "holy_relic", "a.bin", vec![1, 2, 3]).await;
    assert_eq!(r.status(), 422);
    let r = upload(&app, &responder, id, "log_export", "empty.log", Vec::new()).await;
    assert_eq!(r.status(), 422);
    assert_eq!(stored_counts(&app).await, (0, 0));
    // Not allowed to record evidence: the security officer of the agency is not 應變執行組.
    let officer_token = token(&app, "officer@agency-a.demo").await;
    let r = upload(&app, &officer_token, id, "log_export", "a.log", vec![1]).await;
    assert_eq!(r.status(), 403);

    // A registration whose hash is not 64 hex characters.
    let web = as_user(&app, "responder@agency-a.demo").await;
    let fields = [
        ("kind", "disk_image"),
        ("description", "整顆硬碟映像"),
        ("source_system", "DB-02"),
        ("sha256", "abc123"),
        ("kept_at", "機房保險櫃 A-3"),
    ];
    let r = app
        .post_as(&web, &format!("/incidents/{id}/evidence/register"), &fields)
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("整顆硬碟映像"),
        "the form keeps what was typed"
    );
    assert_eq!(stored_counts(&app).await, (0, 0));
    let good = "A".repeat(64);
    let mut fields = fields.to_vec();
    fields[3] = ("sha256", &good);
    let r = app
        .post_as(&web, &format!("/incidents/{id}/evidence/register"), &fields)
        .await;
    assert_eq!(r.status(), 303);
    let stored: (String, bool) = sqlx::query_as("SELECT sha256, stored FROM evidence_items")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, ("a".repeat(64), false));
    assert_eq!(custody_kinds(&app, id).await, ["custody.registered"]);

    // Isolation measures and the recovery path.
    let r = app
        .post_as(
            &web,
            &format!("/incidents/{id}/isolation"),
            &[
                ("measure", "disconnect"),
                ("taken_at", &local(Utc::now() - Duration::minutes(5))),
                ("taken_by", "林應變"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_as(
            &web,
            &format!("/incidents/{id}/isolation"),
            &[
                ("measure", "disconnect"),
                ("taken_at", &local(Utc::now() + Duration::days(2))),
                ("taken_by", "林應變"),
                ("note", "交換器第七埠"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422, "a measure in the future");
    // The form comes back with what was typed.
    let page = r.text().await.unwrap();
    assert!(page.contains("value=\"交換器第七埠\""), "the note is kept");
    assert!(page.contains("value=\"林應變\""), "who took it is kept");
    assert!(
        page.contains("value=\"disconnect\" selected"),
        "the measure is kept"
    );
    let r = app
        .post_as(
            &web,
            &format!("/incidents/{id}/recovery"),
            &[("path", "fail_over"), ("done", "image_victim_storage")],
        )
        .await;
    assert_eq!(r.status(), 422, "imaging is not a step of fail-over");
    let r = app
        .post_as(
            &web,
            &format!("/incidents/{id}/recovery"),
            &[("path", "fail_over"), ("done", "switch_to_redundant")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let plan: (String, Value) = sqlx::query_as("SELECT path, steps_done FROM recovery_plans")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        plan,
        ("fail_over".to_string(), json!(["switch_to_redundant"]))
    );
    let r = app
        .post_as(
            &web,
            &format!("/incidents/{id}/recovery"),
            &[("path", "nonsense")],
        )
        .await;
    assert_eq!(r.status(), 422);
}

async fn steps_done(app: &TestApp) -> Option<Value> {
    sqlx::query_scalar("SELECT steps_done FROM recovery_plans")
        .fetch_optional(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn recovery_steps_wait_for_an_isolation_measure_and_follow_the_procedures_order() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let id = file(&app, &officer).await;
    let web = as_user(&app, "responder@agency-a.demo").await;
    let recovery = format!("/incidents/{id}/recovery");

    // Nothing isolated yet: no step can be marked done (point 4(二)1).
    let r = app
        .post_as(
            &web,
            &recovery,
            &[("path", "no_redundancy"), ("done", "image_victim_storage")],
        )
        .await;
    assert_eq!(r.status(), 409);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("尚未登錄隔離措施"),
        "names the missing isolation"
    );
    assert_eq!(steps_done(&app).await, None, "nothing written");
    // Choosing the path alone is fine.
    let r = app
        .post_as(&web, &recovery, &[("path", "no_redundancy")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(steps_done(&app).await, Some(json!([])));

    let r = app
        .post_as(
            &web,
            &format!("/incidents/{id}/isolation"),
            &[
                ("measure", "disconnect"),
                ("taken_at", &local(Utc::now() - Duration::minutes(5))),
                ("taken_by", "林應變"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);

    // Rebuilding before the victim's storage is imaged: refused, naming the earlier step.
    let r = app
        .post_as(
            &web,
            &recovery,
            &[
                ("path", "no_redundancy"),
                ("done", "rebuild_on_clean_media"),
            ],
        )
        .await;
    assert_eq!(r.status(), 409);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("製作受害主機儲存媒體之映像檔"),
        "names the earlier step"
    );
    assert!(
        page.contains("value=\"rebuild_on_clean_media\" checked"),
        "the form keeps what was ticked"
    );
    assert_eq!(steps_done(&app).await, Some(json!([])), "nothing written");

    // In order: accepted.
    let r = app
        .post_as(
            &web,
            &recovery,
            &[
                ("path", "no_redundancy"),
                ("done", "image_victim_storage"),
                ("done", "rebuild_on_clean_media"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        steps_done(&app).await,
        Some(json!(["image_victim_storage", "rebuild_on_clean_media"]))
    );
    // The samples policy in the amended words: advised, and "should not" go elsewhere.
    let page = app
        .get_as(&web, &format!("/incidents/{id}/evidence"))
        .await
        .text()
        .await
        .unwrap();
    let policy = &page[page.find("id=\"samples-policy\"").unwrap()..];
    assert!(policy.contains("Virus Check 網站") && policy.contains("不宜上傳至其他平臺"));
}

#[tokio::test]
async fn a_large_upload_streams_with_flat_memory() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let id = file(&app, &officer).await;
    // The portal as its own process, so its memory can be read apart from this test's.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = app
        .portal(&["serve"])
        .env("PORTAL_LISTEN", format!("127.0.0.1:{port}"))
        .env("PORTAL_JOBS_INTERVAL_SECONDS", "0")
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let tok: Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(
            &json!({"email": "responder@agency-a.demo", "password": crate::helpers::DEMO_PASSWORD}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tok = tok["token"].as_str().unwrap().to_string();
    let hwm = |pid: u32| -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap()
            .parse()
            .unwrap()
    };
    let send = |mb: usize| {
        // Generated as it is sent, so the test holds no copy either.
        let chunks = (0..mb).map(|i| Ok::<_, std::io::Error>(vec![(i % 251) as u8; 1024 * 1024]));
        let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
        let part = Part::stream_with_length(body, (mb * 1024 * 1024) as u64).file_name("disk.img");
        let form = Form::new()
            .text("kind", "disk_image")
            .text("description", "整顆硬碟映像")
            .text("source_system", "DB-02")
            .part("file", part);
        client
            .post(format!("{base}/api/v1/incidents/{id}/evidence"))
            .bearer_auth(&tok)
            .multipart(form)
            .send()
    };
    // Warm up (pools, allocator), then measure the peak across a 160 MiB upload.
    assert_eq!(send(4).await.unwrap().status(), 201);
    let before = hwm(child.id());
    let r = send(160).await.unwrap();
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["size"], json!(160 * 1024 * 1024));
    let after = hwm(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let grew_mb = after.saturating_sub(before) / 1024;
    eprintln!(
        "portal peak memory: {} MiB before, {} MiB after a 160 MiB upload",
        before / 1024,
        after / 1024
    );
    assert!(
        grew_mb < 40,
        "peak memory grew by {grew_mb} MiB for a 160 MiB upload"
    );
}

async fn add(app: &TestApp, bearer: &str, incident: Uuid, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/incidents/{incident}/indicators")))
        .bearer_auth(bearer)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn indicators_are_normalised_exported_as_stable_stix_and_correlated_under_the_ministry() {
    let app = spawn_app().await;
    let a = as_user(&app, "officer@agency-a.demo").await;
    let b = as_user(&app, "officer@agency-b.demo").await;
    let ia = file(&app, &a).await;
    let ib = file(&app, &b).await;
    let ta = token(&app, "officer@agency-a.demo").await;
    let tb = token(&app, "officer@agency-b.demo").await;

    let r = add(
        &app,
        &ta,
        ia,
        json!({"type": "domain", "value": "Evil-C2.Example.COM."}),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert_eq!(
        r.json::<Value>().await.unwrap()["value"],
        "evil-c2.example.com"
    );
    let r = add(&app, &ta, ia, json!({"type": "sha256", "value": "ABC"})).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("64"));
    let r = add(
        &app,
        &ta,
        ia,
        json!({"type": "ipv4", "value": "203.0.113.300"}),
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = add(&app, &ta, ia, json!({"type": "colour", "value": "red"})).await;
    assert_eq!(r.status(), 422);
    for (t, v) in [
        ("ipv4", "203.0.113.7"),
        ("ipv6", "2001:DB8:0:0:0:0:0:1"),
        ("url", "HTTP://Evil-C2.example.com/payload?id=1"),
        ("md5", "D41D8CD98F00B204E9800998ECF8427E"),
        ("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("email", "phish@Example.com"),
        ("file_name", "invoice'.pdf.exe"),
    ] {
        let r = add(&app, &ta, ia, json!({"type": t, "value": v, "note": "C2"})).await;
        assert_eq!(r.status(), 201, "{t} {v}");
    }
    // Adding it again is not a second indicator.
    let r = add(
        &app,
        &ta,
        ia,
        json!({"type": "ipv4", "value": "203.0.113.7"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    // Another agency cannot add to or read A's incident.
    let r = add(
        &app,
        &tb,
        ia,
        json!({"type": "ipv4", "value": "203.0.113.7"}),
    )
    .await;
    assert_eq!(r.status(), 404);

    // STIX: a valid bundle, every pattern parses, and the export is byte-identical again.
    let get = |bearer: String| {
        let url = app.url(&format!("/api/v1/incidents/{ia}/stix"));
        let client = app.client.clone();
        async move { client.get(url).bearer_auth(bearer).send().await.unwrap() }
    };
    let r = get(ta.clone()).await;
    assert_eq!(r.status(), 200);
    let first = r.text().await.unwrap();
    let second = get(ta.clone()).await.text().await.unwrap();
    assert_eq!(first, second);
    let bundle: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(bundle["type"], "bundle");
    assert!(bundle["id"].as_str().unwrap().starts_with("bundle--"));
    let objects = bundle["objects"].as_array().unwrap();
    let identity = objects.iter().find(|o| o["type"] == "identity").unwrap();
    let indicators: Vec<&Value> = objects
        .iter()
        .filter(|o| o["type"] == "indicator")
        .collect();
    assert_eq!(indicators.len(), 8);
    for o in &indicators {
        assert_eq!(o["spec_version"], "2.1");
        assert_eq!(o["pattern_type"], "stix");
        assert_eq!(o["created_by_ref"], identity["id"]);
        let id = o["id"].as_str().unwrap();
        assert!(
            Uuid::parse_str(id.trim_start_matches("indicator--")).is_ok(),
            "{id}"
        );
        let pattern = o["pattern"].as_str().unwrap();
        portal::domain::stix::parse_pattern(pattern).unwrap_or_else(|e| panic!("{pattern}: {e:?}"));
    }
    assert!(first.contains("evil-c2.example.com") && first.contains("2001:db8::1"));
    assert_eq!(get(tb.clone()).await.status(), 404);

    // The same domain in B's incident: the ministry above both sees the correlation.
    let r = add(
        &app,
        &tb,
        ib,
        json!({"type": "domain", "value": "evil-c2.example.com"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let ministry = as_user(&app, "reviewer@ministry.demo").await;
    let page = app
        .get_as(&ministry, "/indicators/correlation")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("evil-c2.example.com"), "{page}");
    assert!(!page.contains("203.0.113.7"), "seen in one incident only");
    // Each agency alone sees one incident with it: no correlation.
    let own = app
        .get_as(&a, "/indicators/correlation")
        .await
        .text()
        .await
        .unwrap();
    assert!(!own.contains("evil-c2.example.com"));
    let hospital = as_user(&app, "officer@hospital.demo").await;
    let theirs = app
        .get_as(&hospital, "/indicators/correlation")
        .await
        .text()
        .await
        .unwrap();
    assert!(!theirs.contains("evil-c2.example.com"));
    let stix = app
        .get_as(&ministry, "/indicators/correlation.stix")
        .await
        .text()
        .await
        .unwrap();
    let again = app
        .get_as(&ministry, "/indicators/correlation.stix")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(stix, again);
    assert!(stix.contains("domain-name:value = 'evil-c2.example.com'"));

    // Import: STIX from the export lands on B's incident; what cannot be used is reported.
    let r = app
        .post_as(
            &b,
            &format!("/incidents/{ib}/indicators/import"),
            &[("format", "stix"), ("text", &first)],
        )
        .await;
    assert_eq!(r.status(), 200);
    let report = r.text().await.unwrap();
    assert!(report.contains("id=\"import-report\""), "{report}");
    let on_b: i64 = sqlx::query_scalar("SELECT count(*) FROM indicators WHERE incident_id = $1")
        .bind(ib)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(on_b, 8);
    let r = app
        .post_as(
            &b,
            &format!("/incidents/{ib}/indicators/import"),
            &[("format", "stix"), ("text", "{not json")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let csv = "type,value,note\nipv4,198.51.100.9,scanner\nipv4,999.1.1.1,bad\nbogus,x,\n";
    let r = app
        .post_as(
            &b,
            &format!("/incidents/{ib}/indicators/import"),
            &[("format", "csv"), ("text", csv)],
        )
        .await;
    assert_eq!(r.status(), 200);
    let report = r.text().await.unwrap();
    assert!(
        report.contains("198.51.100.9") || report.contains("1"),
        "{report}"
    );
    let on_b: i64 = sqlx::query_scalar("SELECT count(*) FROM indicators WHERE incident_id = $1")
        .bind(ib)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(on_b, 9, "one good row of three");
}
