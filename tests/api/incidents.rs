use chrono::{Duration, Utc};
use reqwest::Client;
use uuid::Uuid;

use crate::helpers::{as_user, assert_in_words, local, spawn_app, test_key, visible_text, TestApp};

pub(crate) fn date_in(days: i64) -> String {
    portal::domain::to_taipei(Utc::now() + Duration::days(days))
        .date_naive()
        .to_string()
}

/// Files an incident through the form; returns its id.
pub(crate) async fn file(
    app: &TestApp,
    c: &Client,
    impacts: &[(&str, &str)],
    personal_data: bool,
) -> Uuid {
    let aware = local(Utc::now() - Duration::minutes(30));
    let mut fields = vec![
        ("title", "官網遭植入惡意程式"),
        ("aware_at", aware.as_str()),
        ("category", "intrusion"),
        ("subcategory", "malware_implanted"),
        ("affected_systems", "官方網站\n公文系統"),
        ("summary", "發現異常連線。"),
        ("contact", "王小明 02-1234-5678"),
    ];
    fields.extend_from_slice(impacts);
    if personal_data {
        fields.push(("personal_data", "on"));
    }
    let r = app.post_as(c, "/incidents", &fields).await;
    assert_eq!(r.status(), 303, "filed: {}", r.text().await.unwrap());
    let location = r.headers()["location"].to_str().unwrap().to_string();
    Uuid::parse_str(location.trim_start_matches("/incidents/")).unwrap()
}

pub(crate) async fn act(
    app: &TestApp,
    c: &Client,
    id: Uuid,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.post_as(c, &format!("/incidents/{id}/act/{action}"), fields)
        .await
}

pub(crate) async fn ok(app: &TestApp, c: &Client, id: Uuid, action: &str, fields: &[(&str, &str)]) {
    let r = act(app, c, id, action, fields).await;
    let status = r.status();
    let body = r.text().await.unwrap();
    let problem = body
        .split("id=\"problem\">")
        .nth(1)
        .map(|p| p.split('<').next().unwrap().to_string());
    assert_eq!(status, 303, "{action}: {problem:?}");
}

pub(crate) async fn agency_id(app: &TestApp, code: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM agencies WHERE code = $1")
        .bind(code)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

pub(crate) async fn status_of(app: &TestApp, id: Uuid) -> String {
    sqlx::query_scalar("SELECT status FROM incidents WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_level_4_incident_runs_from_filing_to_closing_with_a_returned_root_cause_report() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let id = file(
        &app,
        &officer,
        &[("impact_leak_national_secret", "minor")],
        true,
    )
    .await;
    let page = app
        .get_as(&officer, &format!("/incidents/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("AGA-"), "numbered with the agency code");
    assert!(
        page.contains("id=\"missing\""),
        "the report stage still needs the phone notice"
    );

    // Out of order: completing the report stage without the L3/4 notice is refused, nothing changes.
    let r = act(&app, &officer, id, "complete_stage", &[("confirm", "yes")]).await;
    assert_eq!(r.status(), 409);
    assert_eq!(status_of(&app, id).await, "report");

    let now = local(Utc::now());
    ok(
        &app,
        &officer,
        id,
        "escalation_notice",
        &[("told", "示範部資安窗口"), ("means", "phone"), ("at", &now)],
    )
    .await;
    ok(&app, &officer, id, "complete_stage", &[("confirm", "yes")]).await;
    assert_eq!(status_of(&app, id).await, "response_team");

    let commander = as_user(&app, "commander@agency-a.demo").await;
    // The officer may not run the commander's part.
    assert_eq!(
        act(&app, &officer, id, "activate_team", &[]).await.status(),
        403
    );
    ok(&app, &commander, id, "activate_team", &[]).await;
    let responder = as_user(&app, "responder@agency-a.demo").await;
    let meeting = [
        ("held_at", now.as_str()),
        ("attendees", "指揮官\n資安長"),
        ("minutes", "確認影響範圍"),
        ("agenda", "overview"),
        ("agenda", "scope"),
        ("agenda", "other"),
    ];
    // Point 3(二): at level 3/4 the meeting follows initial damage control.
    assert_eq!(
        act(&app, &commander, id, "response_meeting", &meeting)
            .await
            .status(),
        409
    );
    ok(
        &app,
        &responder,
        id,
        "containment",
        &[("initial_control_done", "on")],
    )
    .await;
    // A meeting that leaves out one of the three matters is refused.
    assert_eq!(
        act(&app, &commander, id, "response_meeting", &meeting[..5])
            .await
            .status(),
        422
    );
    ok(
        &app,
        &commander,
        id,
        "response_meeting",
        &[
            ("held_at", &now),
            ("attendees", "指揮官\n資安長"),
            ("minutes", "確認影響範圍"),
            ("agenda", "overview"),
            ("agenda", "scope"),
            ("agenda", "other"),
        ],
    )
    .await;
    ok(
        &app,
        &commander,
        id,
        "complete_stage",
        &[("confirm", "yes")],
    )
    .await;
    assert_eq!(status_of(&app, id).await, "containment");

    ok(
        &app,
        &responder,
        id,
        "containment",
        &[
            ("scope_confirmed", "on"),
            ("priority_restoration_done", "on"),
            ("downtime", "within"),
            ("downtime", "beyond"),
            ("public_announcement", "no"),
        ],
    )
    .await;
    // A control-effect report says what was done and to what effect (point 3(三)1).
    assert_eq!(
        act(&app, &responder, id, "control_effect_report", &[])
            .await
            .status(),
        422
    );
    ok(
        &app,
        &responder,
        id,
        "control_effect_report",
        &[("done", "隔離受駭主機"), ("effect", "異常連線已中止")],
    )
    .await;
    // Point 3(三)2(1): the report reaches the commander and the team, the deadline table shows
    // when the next is due, and the security officer's forwarding reaches the ministry.
    let told = |kind: &'static str| {
        let pool = app.pool.clone();
        async move {
            let emails: Vec<String> = sqlx::query_scalar(
                "SELECT u.email FROM notifications n JOIN users u ON u.id = n.user_id \
                 WHERE n.incident_id = $1 AND n.kind = $2 ORDER BY u.email",
            )
            .bind(id)
            .bind(kind)
            .fetch_all(&pool)
            .await
            .unwrap();
            emails
        }
    };
    let team = told("control_effect_reported").await;
    assert!(
        team.contains(&"commander@agency-a.demo".to_string()),
        "{team:?}"
    );
    assert!(
        team.contains(&"logistics@agency-a.demo".to_string()),
        "{team:?}"
    );
    let page = app
        .get_as(&officer, &format!("/incidents/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("下次控制措施成效回報"));
    ok(
        &app,
        &officer,
        id,
        "forward_report",
        &[("report", "control_effect")],
    )
    .await;
    assert_eq!(told("reports_forwarded").await, ["reviewer@ministry.demo"]);
    ok(
        &app,
        &responder,
        id,
        "personal_data_assessment",
        &[("assessment", "已評估通知當事人之方式")],
    )
    .await;
    ok(
        &app,
        &responder,
        id,
        "containment",
        &[("notify_completion", "on")],
    )
    .await;
    ok(
        &app,
        &responder,
        id,
        "complete_stage",
        &[("confirm", "yes")],
    )
    .await;
    assert_eq!(status_of(&app, id).await, "root_cause");
    let completed: Option<chrono::DateTime<Utc>> =
        sqlx::query_scalar("SELECT containment_completed_at FROM incidents WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(
        completed.is_some(),
        "the completion notice starts the one-month report clock"
    );

    let logistics = as_user(&app, "logistics@agency-a.demo").await;
    ok(
        &app,
        &logistics,
        id,
        "root_cause",
        &[("root_cause", "弱密碼遭暴力破解"), ("malware_found", "on")],
    )
    .await;
    // At level 4 the malware found must be analysed before the stage completes.
    let r = act(
        &app,
        &commander,
        id,
        "complete_stage",
        &[("confirm", "yes")],
    )
    .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("提出惡意程式分析"));
    ok(
        &app,
        &logistics,
        id,
        "malware_analysis",
        &[("analysis", "後門程式，連線至中繼站")],
    )
    .await;
    ok(
        &app,
        &logistics,
        id,
        "virus_check",
        &[("submitted_at", &now), ("reference", "VC-1")],
    )
    .await;
    // A mid-term item due in a month does not fit its horizon.
    let r = act(
        &app,
        &logistics,
        id,
        "improvement_item",
        &[
            ("description", "汰換設備"),
            ("horizon", "mid"),
            ("due_on", &date_in(30)),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    ok(
        &app,
        &logistics,
        id,
        "improvement_item",
        &[
            ("description", "全面更換密碼"),
            ("horizon", "short"),
            ("due_on", &date_in(7)),
        ],
    )
    .await;
    ok(
        &app,
        &logistics,
        id,
        "improvement_item",
        &[
            ("description", "汰換老舊設備"),
            ("horizon", "mid"),
            ("due_on", &date_in(120)),
        ],
    )
    .await;
    ok(
        &app,
        &logistics,
        id,
        "improvement_item",
        &[
            ("description", "資安人員訓練"),
            ("horizon", "long"),
            ("due_on", &date_in(400)),
        ],
    )
    .await;

    let secretary = as_user(&app, "secretary@agency-a.demo").await;
    ok(&app, &secretary, id, "submit_to_commander", &[]).await;
    let queue = app
        .get_as(&commander, "/commander-queue")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        queue.contains(&id.to_string()),
        "the report waits in the commander's queue"
    );
    // Returning needs a comment.
    assert_eq!(
        act(
            &app,
            &commander,
            id,
            "decide",
            &[("decision", "return"), ("comment", "")]
        )
        .await
        .status(),
        422
    );
    ok(
        &app,
        &commander,
        id,
        "decide",
        &[("decision", "return"), ("comment", "請補充日誌分析")],
    )
    .await;
    let seen = app
        .get_as(&secretary, &format!("/incidents/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        seen.contains("請補充日誌分析"),
        "the secretary sees the comment"
    );
    ok(&app, &secretary, id, "submit_to_commander", &[]).await;
    ok(&app, &commander, id, "decide", &[("decision", "approve")]).await;
    ok(&app, &officer, id, "send_to_escalation_target", &[]).await;
    ok(
        &app,
        &commander,
        id,
        "complete_stage",
        &[("confirm", "yes")],
    )
    .await;
    assert_eq!(status_of(&app, id).await, "improvement");

    ok(
        &app,
        &secretary,
        id,
        "progress_report",
        &[("done", "已更換密碼"), ("effect", "暴力破解告警歸零")],
    )
    .await;
    ok(&app, &officer, id, "submit_report", &[]).await;
    assert_eq!(
        act(
            &app,
            &officer,
            id,
            "classified_document",
            &[("number", "資安字第1150000001號"), ("dated", &date_in(0))],
        )
        .await
        .status(),
        422,
        "the document names the competent authority and the superior agency it went to"
    );
    let ministry = agency_id(&app, "MIN").await.to_string();
    let authority = agency_id(&app, "ACS").await.to_string();
    ok(
        &app,
        &officer,
        id,
        "classified_document",
        &[
            ("number", "資安字第1150000001號"),
            ("dated", &date_in(0)),
            ("recipients", &ministry),
            ("recipients", &authority),
        ],
    )
    .await;
    // The short-term item is done; the mid- and long-term ones go on into regular tracking
    // when the incident closes (point 3(五)6).
    ok(
        &app,
        &logistics,
        id,
        "improvement_item_done",
        &[("index", "0")],
    )
    .await;
    ok(&app, &officer, id, "complete_stage", &[("confirm", "yes")]).await;
    assert_eq!(status_of(&app, id).await, "closed");
    let tracked: Vec<String> = sqlx::query_scalar(
        "SELECT description FROM tracking_items WHERE incident_id = $1 ORDER BY due_on",
    )
    .bind(id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(tracked, ["汰換老舊設備", "資安人員訓練"]);
    let list = app
        .get_as(&logistics, "/tracking")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("汰換老舊設備") && !list.contains("全面更換密碼"));
    let agency = agency_id(&app, "AGA").await;
    let supervisor = as_user(&app, "reviewer@ministry.demo").await;
    let above = app
        .get_as(&supervisor, &format!("/tracking?agency={agency}"))
        .await;
    assert_eq!(above.status(), 200);
    assert!(above.text().await.unwrap().contains("資安人員訓練"));
    // Closed: read-only.
    assert_eq!(
        act(&app, &officer, id, "progress_report", &[])
            .await
            .status(),
        403
    );

    let comments: Vec<String> = sqlx::query_scalar(
        "SELECT body FROM timeline_entries WHERE incident_id = $1 AND kind = 'commander_decision' ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(comments.len(), 2);
    assert!(
        comments[0].contains("請補充日誌分析"),
        "the returned comment stays on the timeline"
    );
    let mut conn = app.pool.acquire().await.unwrap();
    let key = test_key();
    let (checked, broken) = portal::db::timeline::verify_all(&mut conn, &key, &[])
        .await
        .unwrap();
    assert!(checked > 25 && broken.is_none());
    the_record_reads_in_words(&app, &officer, id).await;
}

/// The timeline on the page and the report's history (section 四) are sentences: no ids, codes
/// or JSON, and they carry what was recorded (the commander's comment, the levels by name).
async fn the_record_reads_in_words(app: &TestApp, officer: &Client, id: Uuid) {
    let page = app
        .get_as(officer, &format!("/incidents/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let start = page.find("<section id=\"timeline\">").expect("a timeline");
    let end = start + page[start..].find("</section>").unwrap();
    let timeline = visible_text(&page[start..end]);
    assert_in_words("the timeline", &timeline);
    assert!(timeline.contains("請補充日誌分析"), "{timeline}");
    assert!(
        timeline.contains("第四級") || timeline.contains("第4級"),
        "{timeline}"
    );
    let report = app
        .get_as(officer, &format!("/incidents/{id}/report"))
        .await
        .text()
        .await
        .unwrap();
    let history = visible_text(&report[report.find("四、").expect("section 4")..]);
    assert_in_words("the report's history", &history);
    assert!(history.contains("請補充日誌分析"), "{history}");
}

#[tokio::test]
async fn a_level_1_incident_needs_only_what_level_1_needs() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let id = file(&app, &officer, &[("impact_leak_non_core", "minor")], false).await;
    let level: i16 = sqlx::query_scalar("SELECT level FROM incidents WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(level, 1);
    // No phone notice needed below level 3.
    ok(&app, &officer, id, "complete_stage", &[("confirm", "yes")]).await;
    let commander = as_user(&app, "commander@agency-a.demo").await;
    ok(&app, &commander, id, "activate_team", &[]).await;
    ok(
        &app,
        &commander,
        id,
        "complete_stage",
        &[("confirm", "yes")],
    )
    .await;
    let responder = as_user(&app, "responder@agency-a.demo").await;
    ok(
        &app,
        &responder,
        id,
        "containment",
        &[
            ("scope_confirmed", "on"),
            ("priority_restoration_done", "on"),
            ("downtime", "within"),
            ("downtime", "within"),
            ("public_announcement", "no"),
            ("notify_completion", "on"),
        ],
    )
    .await;
    ok(
        &app,
        &responder,
        id,
        "complete_stage",
        &[("confirm", "yes")],
    )
    .await;
    let logistics = as_user(&app, "logistics@agency-a.demo").await;
    ok(
        &app,
        &logistics,
        id,
        "root_cause",
        &[("root_cause", "設定錯誤")],
    )
    .await;
    ok(
        &app,
        &logistics,
        id,
        "improvement_item",
        &[
            ("description", "修正設定"),
            ("horizon", "short"),
            ("due_on", &date_in(3)),
        ],
    )
    .await;
    let secretary = as_user(&app, "secretary@agency-a.demo").await;
    ok(&app, &secretary, id, "submit_to_commander", &[]).await;
    ok(&app, &commander, id, "decide", &[("decision", "approve")]).await;
    ok(&app, &officer, id, "send_to_escalation_target", &[]).await;
    ok(
        &app,
        &commander,
        id,
        "complete_stage",
        &[("confirm", "yes")],
    )
    .await;
    ok(&app, &officer, id, "submit_report", &[]).await;
    ok(
        &app,
        &logistics,
        id,
        "improvement_item_done",
        &[("index", "0")],
    )
    .await;
    ok(&app, &officer, id, "complete_stage", &[("confirm", "yes")]).await;
    assert_eq!(status_of(&app, id).await, "closed");
}

#[tokio::test]
async fn the_ministry_reviewer_raises_the_level_with_a_reason_and_deadlines_are_recomputed() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let id = file(&app, &officer, &[("impact_leak_core", "minor")], false).await;
    let (aware, containment_due): (chrono::DateTime<Utc>, chrono::DateTime<Utc>) =
        sqlx::query_as("SELECT aware_at, containment_due FROM incidents WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        containment_due - aware,
        Duration::hours(72),
        "level 2: 72 hours"
    );

    let reviewer = as_user(&app, "reviewer@ministry.demo").await;
    let queue = app
        .get_as(&reviewer, "/review-queue")
        .await
        .text()
        .await
        .unwrap();
    assert!(queue.contains(&id.to_string()));
    // The reviewer sees the page read-only: no stage forms, only the review.
    let page = app
        .get_as(&reviewer, &format!("/incidents/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("form-review") && !page.contains("form-escalation_notice"));
    assert_eq!(
        act(&app, &reviewer, id, "activate_team", &[])
            .await
            .status(),
        403
    );

    let r = act(
        &app,
        &reviewer,
        id,
        "review",
        &[("level", "3"), ("reason", "")],
    )
    .await;
    assert_eq!(r.status(), 422, "a change of level needs a reason");
    ok(
        &app,
        &reviewer,
        id,
        "review",
        &[("level", "3"), ("reason", "涉及核心系統且影響擴大")],
    )
    .await;
    let (level, containment_due, reviewed): (
        i16,
        chrono::DateTime<Utc>,
        Option<chrono::DateTime<Utc>>,
    ) = sqlx::query_as("SELECT level, containment_due, reviewed_at FROM incidents WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(level, 3);
    assert_eq!(
        containment_due - aware,
        Duration::hours(36),
        "level 3: 36 hours from the same awareness"
    );
    assert!(reviewed.is_some());
    let body: String = sqlx::query_scalar(
        "SELECT body FROM timeline_entries WHERE incident_id = $1 AND kind = 'level_reviewed'",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(
        body.contains("\"from\":2") && body.contains("\"to\":3") && body.contains("涉及核心系統")
    );
    let queue = app
        .get_as(&reviewer, "/review-queue")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !queue.contains(&id.to_string()),
        "reviewed incidents leave the queue"
    );
    let board = app.get_as(&reviewer, "/board").await.text().await.unwrap();
    assert!(
        board.contains(&id.to_string()),
        "now on the level-3/4 board"
    );
    assert!(
        board.contains("最近控制成效回報") && board.contains("調查報告提交"),
        "the board's follow-up columns"
    );
}

#[tokio::test]
async fn another_agency_cannot_see_or_touch_an_incident_over_pages_or_in_sql() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let id = file(&app, &officer, &[("impact_tamper_core", "severe")], false).await;
    let path = format!("/incidents/{id}");
    for email in [
        "officer@agency-b.demo",
        "officer@hospital.demo",
        "reviewer@health.demo",
        "officer@independent.demo",
    ] {
        let c = as_user(&app, email).await;
        assert_eq!(
            app.get_as(&c, &path).await.status(),
            404,
            "{email} gets 404"
        );
        assert_eq!(
            act(&app, &c, id, "comment", &[("comment", "x")])
                .await
                .status(),
            404,
            "{email}"
        );
        assert_eq!(
            act(&app, &c, id, "review", &[("level", "1"), ("reason", "x")])
                .await
                .status(),
            404,
            "{email}"
        );
        let list = app.get_as(&c, "/incidents").await.text().await.unwrap();
        assert!(!list.contains(&id.to_string()));
        let board = app.get_as(&c, "/board").await.text().await.unwrap();
        assert!(
            !board.contains(&id.to_string()),
            "{email} board: {}",
            board.split("<main>").nth(1).unwrap_or("")
        );
    }
    for email in ["reviewer@ministry.demo", "acs-reviewer@acs.demo"] {
        let c = as_user(&app, email).await;
        assert_eq!(
            app.get_as(&c, &path).await.status(),
            200,
            "{email} supervises Agency A"
        );
    }
    assert_eq!(
        app.get_as(&officer, "/incidents/not-a-uuid").await.status(),
        404
    );
    assert_eq!(
        app.get_as(&officer, &format!("/incidents/{}", Uuid::new_v4()))
            .await
            .status(),
        404
    );
    let level: i16 = sqlx::query_scalar("SELECT level FROM incidents WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(level, 3, "nothing changed");

    // Directly in SQL, as the application's role: row-level security alone hides the row.
    let mut conn = app.pool.acquire().await.unwrap();
    sqlx::query("SET ROLE portal_app")
        .execute(&mut *conn)
        .await
        .unwrap();
    let visible = |email: &'static str| {
        let pool = app.pool.clone();
        async move {
            let uid: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                .bind(email)
                .fetch_one(&pool)
                .await
                .unwrap();
            uid.to_string()
        }
    };
    for (email, expected) in [
        ("officer@agency-b.demo", 0i64),
        ("officer@hospital.demo", 0),
        ("reviewer@health.demo", 0),
        ("officer@agency-a.demo", 1),
        ("reviewer@ministry.demo", 1),
        ("acs-reviewer@acs.demo", 1),
    ] {
        let uid = visible(email).await;
        sqlx::query("SELECT set_config('portal.user_id', $1, false)")
            .bind(&uid)
            .execute(&mut *conn)
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM incidents")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(
            n, expected,
            "{email} sees {expected} incidents without any WHERE"
        );
        let t: i64 = sqlx::query_scalar("SELECT count(*) FROM timeline_entries")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(t > 0, expected > 0, "{email} timeline");
    }
    sqlx::query("SELECT set_config('portal.user_id', '', false)")
        .execute(&mut *conn)
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM incidents")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(n, 0, "no acting user, nothing visible");
    // The timeline is append-only for the application role.
    let denied = sqlx::query("DELETE FROM timeline_entries")
        .execute(&mut *conn)
        .await;
    assert!(denied.is_err(), "no DELETE on the timeline");
    let denied = sqlx::query("UPDATE timeline_entries SET kind = 'x'")
        .execute(&mut *conn)
        .await;
    assert!(denied.is_err(), "no UPDATE on the timeline");
    sqlx::query("RESET ROLE").execute(&mut *conn).await.unwrap();
}

#[tokio::test]
async fn a_filing_form_with_bad_input_comes_back_with_messages_and_the_input_kept() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let future = local(Utc::now() + Duration::hours(3));
    let r = app
        .post_as(
            &officer,
            "/incidents",
            &[
                ("title", "<script>alert('x')</script>"),
                ("aware_at", &future),
                ("occurred_at", "not a time"),
                ("category", "volcano"),
                ("impact_disruption_national_secret", "severe"),
                ("summary", "保留這段文字"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("aware_at-error")
            && html.contains("occurred_at-error")
            && html.contains("category-error")
    );
    assert!(html.contains("保留這段文字"), "typed text kept");
    assert!(!html.contains("<script>alert('x')"), "never raw");
    // Awareness in the future alone is refused too; so is occurrence after awareness.
    let aware = local(Utc::now() - Duration::hours(1));
    let later = local(Utc::now() - Duration::minutes(10));
    let r = app
        .post_as(
            &officer,
            "/incidents",
            &[
                ("title", "t"),
                ("aware_at", &aware),
                ("occurred_at", &later),
                ("category", "dos"),
                ("impact_disruption_core", "minor"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("occurred_at-error"));
    let r = app
        .post_as(
            &officer,
            "/incidents",
            &[("title", "t"), ("aware_at", &aware), ("category", "dos")],
        )
        .await;
    assert_eq!(r.status(), 422, "no impacts");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM incidents")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing written");
    // A reviewer of the ministry files nothing for Agency A: no filing role.
    let reviewer = as_user(&app, "reviewer@ministry.demo").await;
    let r = app
        .post_as(
            &reviewer,
            "/incidents",
            &[
                ("title", "t"),
                ("aware_at", &aware),
                ("category", "dos"),
                ("impact_disruption_core", "minor"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn verify_timeline_names_the_first_entry_altered_behind_the_portals_back() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let id = file(&app, &officer, &[("impact_leak_non_core", "severe")], false).await;
    ok(&app, &officer, id, "complete_stage", &[("confirm", "yes")]).await;
    let commander = as_user(&app, "commander@agency-a.demo").await;
    ok(&app, &commander, id, "activate_team", &[]).await;

    let run = || app.portal(&["verify-timeline"]).output().unwrap();
    let out = run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 entries"));

    // A superuser edits the second entry directly, past the rewrite trigger.
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE timeline_entries SET body = '{\"at\":\"nothing happened\"}' WHERE incident_id = $1 AND seq = 2")
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let out = run();
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&id.to_string()) && said.contains("entry 2"),
        "{said}"
    );
}

#[tokio::test]
async fn the_agency_list_filters_and_sorts_by_the_nearest_deadline() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let low = file(&app, &officer, &[("impact_leak_non_core", "minor")], false).await;
    let high = file(
        &app,
        &officer,
        &[("impact_leak_national_secret", "minor")],
        false,
    )
    .await;
    let list = app
        .get_as(&officer, "/incidents")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains(&low.to_string()) && list.contains(&high.to_string()));
    let only_4 = app
        .get_as(&officer, "/incidents?level=4")
        .await
        .text()
        .await
        .unwrap();
    assert!(only_4.contains(&high.to_string()) && !only_4.contains(&low.to_string()));
    let closed = app
        .get_as(&officer, "/incidents?stage=closed")
        .await
        .text()
        .await
        .unwrap();
    assert!(closed.contains("id=\"empty\""));
    // Garbage filters are ignored, not errors.
    assert_eq!(
        app.get_as(&officer, "/incidents?level=9&stage=x&year=abc&page=-1")
            .await
            .status(),
        200
    );
    // Past a page, the page links keep the filters.
    for _ in 0..25 {
        file(&app, &officer, &[("impact_leak_non_core", "minor")], false).await;
    }
    let first = app
        .get_as(&officer, "/incidents?level=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        first.contains(
            "href=\"?stage=&#38;level=1&#38;year=&#38;overdue=&#38;page=2\" rel=\"next\""
        ),
        "{}",
        first.split("class=\"pager\"").nth(1).unwrap_or("no pager")
    );
}

/// The review queue is read a page of 50 at a time, oldest deadline first: the second page
/// goes on where the first stopped, and the pager links them (#16: a queue page no longer
/// renders 200 rows).
#[tokio::test]
async fn the_review_queue_is_paged_fifty_at_a_time() {
    let app = spawn_app().await;
    let token = crate::helpers::token(&app, "officer@agency-a.demo").await;
    let api = Client::new();
    for n in 0..51 {
        let r = api
            .post(app.url("/api/v1/incidents"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "title": format!("queue {n}"),
                "aware_at": (Utc::now() - Duration::minutes(5)).to_rfc3339(),
                "category": "web_attack",
                "subcategory": "phishing_page",
                "impacts": [{"kind": "tamper", "asset": "non_core", "severe": false}],
                "personal_data": false,
                "summary": "a long queue",
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let reviewer = as_user(&app, "reviewer@ministry.demo").await;
    let numbers = |html: &str| -> std::collections::BTreeSet<String> {
        html.match_indices("AGA-")
            .map(|(i, _)| html[i..i + 13].to_string())
            .filter(|n| n[4..8].chars().all(|c| c.is_ascii_digit()))
            .collect()
    };
    let first = app
        .get_as(&reviewer, "/review-queue")
        .await
        .text()
        .await
        .unwrap();
    let second = app
        .get_as(&reviewer, "/review-queue?page=2")
        .await
        .text()
        .await
        .unwrap();
    let (a, b) = (numbers(&first), numbers(&second));
    assert_eq!(a.len(), 50, "a full first page");
    assert!(!b.is_empty(), "the rest on the second page");
    assert!(a.is_disjoint(&b), "no incident on both pages");
    assert!(
        first.contains("page=2\" rel=\"next\""),
        "the first page links the next"
    );
    assert!(
        second.contains("page=1\" rel=\"prev\""),
        "the second links back"
    );
}
