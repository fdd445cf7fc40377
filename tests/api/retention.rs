//! Retention, legal holds and redaction of personal data (#15): a redaction replaces the words
//! everywhere the incident holds them and the chain still verifies; a legal hold stops the
//! purge; a purge leaves a tombstone the checkpoints still verify against; the periods are the
//! competent authority's.

use chrono::{Duration, Utc};
use reqwest::multipart::{Form, Part};
use reqwest::Client;
use uuid::Uuid;

use crate::helpers::{as_user, csrf_in, local, spawn_app, test_key, token, visible_text, TestApp};

const NAME: &str = "王小明";
const PHONE: &str = "0912-345-678";
const ISOLATION: &str = "disconnect";

async fn file_with_personal_data(app: &TestApp, officer: &Client) -> Uuid {
    let aware = local(Utc::now() - Duration::minutes(30));
    let summary = format!("民眾{NAME}來電反映個資外洩，電話 {PHONE}");
    let r = app
        .post_as(
            officer,
            "/incidents",
            &[
                ("title", &format!("{NAME}個資外洩")),
                ("aware_at", &aware),
                ("category", "intrusion"),
                ("affected_systems", "檔案伺服器"),
                ("impact_tamper_core", "minor"),
                ("summary", &summary),
                ("contact", &format!("{NAME} {PHONE}")),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let at = r.headers()["location"].to_str().unwrap().to_string();
    Uuid::parse_str(at.trim_start_matches("/incidents/")).unwrap()
}

/// Places in the database that still hold `word` for `incident`.
async fn places_holding(app: &TestApp, incident: Uuid, word: &str) -> i64 {
    let like = format!("%{word}%");
    sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM incidents WHERE id = $1 AND \
                 (title LIKE $2 OR summary LIKE $2 OR contact LIKE $2 OR record::text LIKE $2)) \
              + (SELECT count(*) FROM timeline_entries WHERE incident_id = $1 AND body LIKE $2) \
              + (SELECT count(*) FROM evidence_items WHERE incident_id = $1 AND \
                 (description LIKE $2 OR collected_by LIKE $2)) \
              + (SELECT count(*) FROM isolation_measures WHERE incident_id = $1 AND note LIKE $2)",
    )
    .bind(incident)
    .bind(&like)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

fn verifies(app: &TestApp) -> bool {
    let out = app.portal(&["verify-timeline"]).output().unwrap();
    out.status.success()
}

async fn upload(app: &TestApp, bearer: &str, incident: Uuid, bytes: Vec<u8>) {
    let form = Form::new()
        .text("kind", "memory_dump")
        .text("description", format!("{NAME}之電腦記憶體傾印"))
        .text("source_system", "PC-01")
        .part("file", Part::bytes(bytes).file_name("dump.bin"));
    let r = app
        .client
        .post(app.url(&format!("/api/v1/incidents/{incident}/evidence")))
        .bearer_auth(bearer)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}

async fn redact(
    app: &TestApp,
    c: &Client,
    incident: Uuid,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let r = app
        .post_as(c, &format!("/incidents/{incident}/records/redact"), fields)
        .await;
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn a_redaction_replaces_the_words_everywhere_and_the_chain_still_verifies() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let incident = file_with_personal_data(&app, &officer).await;
    let responder = token(&app, "responder@agency-a.demo").await;
    upload(&app, &responder, incident, vec![7u8; 4096]).await;
    // A timeline entry that holds the name: the isolation measure, with a note naming them.
    let web_responder = as_user(&app, "responder@agency-a.demo").await;
    let taken = local(Utc::now() - Duration::minutes(10));
    let note = format!("{NAME}之電腦已斷網");
    let r = app
        .post_as(
            &web_responder,
            &format!("/incidents/{incident}/isolation"),
            &[
                ("measure", ISOLATION),
                ("taken_at", &taken),
                ("taken_by", "資訊室"),
                ("note", &note),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let before = places_holding(&app, incident, NAME).await;
    assert!(
        before >= 4,
        "incident, evidence register, isolation row and entry: {before}"
    );
    let terms = format!("{NAME}\n{PHONE}");

    // Without the confirmation nothing changes, and the form keeps what was typed.
    let (status, page) = redact(
        &app,
        &officer,
        incident,
        &[("terms", &terms), ("reason", "請求 #12")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("請勾選確認"), "{}", visible_text(&page));
    assert!(page.contains(PHONE), "the form keeps the words typed");
    // Others may not: a supervising agency sees the incident but does not change its record;
    // another agency does not see it at all.
    let supervisor = as_user(&app, "reviewer@ministry.demo").await;
    let stranger = as_user(&app, "officer@agency-b.demo").await;
    let all = [
        ("terms", terms.as_str()),
        ("reason", "r"),
        ("confirm", "on"),
    ];
    assert_eq!(redact(&app, &supervisor, incident, &all).await.0, 403);
    assert_eq!(redact(&app, &stranger, incident, &all).await.0, 404);
    // A word the record does not hold is the form's error.
    let absent = [("terms", "陳大文"), ("reason", "r"), ("confirm", "on")];
    let (status, page) = redact(&app, &officer, incident, &absent).await;
    assert_eq!(status, 422);
    assert!(page.contains("找不到"), "{}", visible_text(&page));
    assert_eq!(
        places_holding(&app, incident, NAME).await,
        before,
        "nothing changed yet"
    );

    let (status, page) = redact(
        &app,
        &officer,
        incident,
        &[
            ("terms", &terms),
            ("reason", "個資法第11條請求 #12"),
            ("confirm", "on"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{}", visible_text(&page));
    assert!(page.contains("處遮蔽"), "{}", visible_text(&page));
    assert_eq!(places_holding(&app, incident, NAME).await, 0);
    assert_eq!(places_holding(&app, incident, PHONE).await, 0);
    let shown = app
        .get_as(&officer, &format!("/incidents/{incident}"))
        .await;
    assert_eq!(shown.status(), 200);
    let shown = visible_text(&shown.text().await.unwrap());
    assert!(
        shown.contains("［已遮蔽］") && !shown.contains(NAME),
        "{shown}"
    );
    assert!(
        shown.contains("遮蔽個人資料"),
        "the history says a redaction was made"
    );
    assert!(verifies(&app), "the chain verifies after the redaction");

    // The database refuses a body rewritten without an attestation listing it, even to the
    // owner; with the trigger off, the verification finds the altered body.
    let altered = sqlx::query(
        "UPDATE timeline_entries SET body = replace(body, '［已遮蔽］', '王小明') \
         WHERE incident_id = $1 AND rewritten_by IS NOT NULL",
    )
    .bind(incident)
    .execute(&app.pool)
    .await;
    assert!(
        altered.is_err(),
        "the trigger refuses an unattested rewrite"
    );
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("ALTER TABLE timeline_entries DISABLE TRIGGER timeline_entries_rewrite")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE timeline_entries SET body = replace(body, '［已遮蔽］', '王小明') \
         WHERE incident_id = $1 AND rewritten_by IS NOT NULL",
    )
    .bind(incident)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query("ALTER TABLE timeline_entries ENABLE TRIGGER timeline_entries_rewrite")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        !verifies(&app),
        "a body changed after the redaction breaks the chain"
    );
}

async fn close_long_ago(app: &TestApp, incident: Uuid, years: i32) {
    sqlx::query(
        "UPDATE incidents SET status = 'closed', closed_at = now() - make_interval(years => $2) \
         WHERE id = $1",
    )
    .bind(incident)
    .bind(years)
    .execute(&app.pool)
    .await
    .unwrap();
}

async fn hold(app: &TestApp, c: &Client, incident: Uuid, action: &str, reason: &str) -> u16 {
    let r = app
        .post_as(
            c,
            &format!("/incidents/{incident}/records/{action}"),
            &[("reason", reason)],
        )
        .await;
    r.status().as_u16()
}

#[tokio::test]
async fn a_legal_hold_stops_the_purge_and_a_purge_leaves_a_tombstone_that_verifies() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let incident = file_with_personal_data(&app, &officer).await;
    let responder = token(&app, "responder@agency-a.demo").await;
    upload(&app, &responder, incident, vec![9u8; 8192]).await;
    close_long_ago(&app, incident, 11).await;
    let owner = &app.pool;
    let now = Utc::now();

    // A supervising agency places a hold; the purge leaves the incident alone.
    let supervisor = as_user(&app, "reviewer@ministry.demo").await;
    assert_eq!(
        hold(&app, &supervisor, incident, "hold", "").await,
        422,
        "a reason is required"
    );
    assert_eq!(
        hold(&app, &supervisor, incident, "hold", "監察院調查中").await,
        303
    );
    assert_eq!(
        hold(&app, &officer, incident, "hold", "again").await,
        422,
        "one hold in force"
    );
    let stranger = as_user(&app, "officer@agency-b.demo").await;
    assert_eq!(hold(&app, &stranger, incident, "release", "x").await, 404);
    let done = portal::services::retention::purge_due(owner, now)
        .await
        .unwrap();
    assert_eq!((done.records, done.evidence), (0, 0), "held");
    let page = app
        .get_as(&officer, &format!("/incidents/{incident}/records"))
        .await;
    let page = visible_text(&page.text().await.unwrap());
    assert!(
        page.contains("監察院調查中") && page.contains("法律保全"),
        "{page}"
    );

    // Checkpoint the chain heads, so that the purged entries are covered by signed lines.
    portal::services::timeline::checkpoint(owner, &test_key(), &app.checkpoint_log())
        .await
        .unwrap();

    // Released by the agency, the next run purges it, once.
    assert_eq!(
        hold(&app, &officer, incident, "release", "調查結束").await,
        303
    );
    let entries_before: i64 =
        sqlx::query_scalar("SELECT count(*) FROM timeline_entries WHERE incident_id = $1")
            .bind(incident)
            .fetch_one(owner)
            .await
            .unwrap();
    let done = portal::services::retention::purge_due(owner, now)
        .await
        .unwrap();
    assert_eq!(done.records, 1);
    let again = portal::services::retention::purge_due(owner, now)
        .await
        .unwrap();
    assert_eq!((again.records, again.evidence), (0, 0), "purged once");

    assert_eq!(places_holding(&app, incident, NAME).await, 0);
    let (summary, contact, purged): (String, String, bool) = sqlx::query_as(
        "SELECT summary, contact, purged_at IS NOT NULL FROM incidents WHERE id = $1",
    )
    .bind(incident)
    .fetch_one(owner)
    .await
    .unwrap();
    assert!(summary.is_empty() && contact.is_empty() && purged);
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM evidence_items e JOIN evidence_blobs b \
         ON b.agency_id = e.agency_id AND b.sha256 = e.sha256 WHERE e.incident_id = $1",
    )
    .bind(incident)
    .fetch_one(owner)
    .await
    .unwrap();
    assert_eq!(stored, 0, "the evidence bytes are gone");
    // The tombstone: every entry is still there (times and kinds), plus the attestation, and
    // the chain verifies against the checkpoint that covered the purged entries.
    let (entries_after, null_bodies): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE body = 'null') FROM timeline_entries WHERE incident_id = $1",
    )
    .bind(incident)
    .fetch_one(owner)
    .await
    .unwrap();
    assert_eq!(entries_after, entries_before + 1);
    assert!(
        null_bodies >= entries_before - 2,
        "{null_bodies} of {entries_before}"
    );
    assert!(verifies(&app), "the purged chain verifies");
    let page = app
        .get_as(&officer, &format!("/incidents/{incident}"))
        .await;
    assert_eq!(page.status(), 200);
    let page = visible_text(&page.text().await.unwrap());
    assert!(page.contains("依保存年限銷毀"), "{page}");
    let records = app
        .get_as(&officer, &format!("/incidents/{incident}/records"))
        .await;
    let records = records.text().await.unwrap();
    assert!(!records.contains("redact-form"), "nothing left to redact");
}

#[tokio::test]
async fn evidence_files_go_at_the_end_of_their_own_shorter_period() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let incident = file_with_personal_data(&app, &officer).await;
    let responder = token(&app, "responder@agency-a.demo").await;
    upload(&app, &responder, incident, vec![3u8; 5000]).await;
    close_long_ago(&app, incident, 6).await;
    let done = portal::services::retention::purge_due(&app.pool, Utc::now())
        .await
        .unwrap();
    assert_eq!(
        (done.records, done.evidence),
        (0, 1),
        "5-year files, 10-year record"
    );
    let (stored, title): (bool, String) = sqlx::query_as(
        "SELECT e.stored, i.title FROM evidence_items e JOIN incidents i ON i.id = e.incident_id \
         WHERE e.incident_id = $1",
    )
    .bind(incident)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(
        !stored && title.contains(NAME),
        "the files went, the record stays"
    );
    assert!(verifies(&app));
}

#[tokio::test]
async fn retention_periods_are_set_by_the_competent_authority_and_logged() {
    let app = spawn_app().await;
    let admin = as_user(&app, "admin@acs.demo").await;
    let page = app.get_as(&admin, "/admin/retention").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let csrf = csrf_in(&html);
    let post = |a: &'static str, b: &'static str| {
        let (admin, csrf, url) = (admin.clone(), csrf.clone(), app.url("/admin/retention"));
        async move {
            admin
                .post(url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("incident_record", a),
                    ("evidence_file", b),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let r = post("0", "3").await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("1 至 100"), "{}", visible_text(&body));
    let r = post("3", "5").await;
    assert_eq!(r.status(), 422, "files longer than the record");
    assert_eq!(post("7", "3").await.status(), 303);
    let years: Vec<(String, i16)> =
        sqlx::query_as("SELECT record_type, years FROM retention_periods ORDER BY record_type")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        years,
        vec![("evidence_file".into(), 3), ("incident_record".into(), 7)]
    );
    let logged: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE kind = 'retention_periods_set'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(logged, 1);
    for who in [
        "officer@agency-a.demo",
        "acs-reviewer@acs.demo",
        "admin@agency-a.demo",
    ] {
        let c = as_user(&app, who).await;
        assert_eq!(
            app.get_as(&c, "/admin/retention").await.status(),
            403,
            "{who}"
        );
    }
}
