//! The law as written (issue 12): the rules the Regulations and the amended procedure set,
//! each tried over HTTP against the real server and database.

use chrono::{DateTime, Duration, Utc};
use reqwest::Client;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{as_user, local, spawn_app, token, TestApp};
use crate::incidents::{act, date_in, file, ok, status_of};

/// When the current review round was received, when its review is due, when it was reviewed.
async fn review_times(
    app: &TestApp,
    id: Uuid,
) -> (DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>) {
    sqlx::query_as("SELECT reported_at, review_due, reviewed_at FROM incidents WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn level_of(app: &TestApp, id: Uuid) -> i16 {
    sqlx::query_scalar("SELECT level FROM incidents WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// The timeline entries of `kind`, oldest first, as their stored bodies.
async fn entries(app: &TestApp, id: Uuid, kind: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT body FROM timeline_entries WHERE incident_id = $1 AND kind = $2 ORDER BY seq",
    )
    .bind(id)
    .bind(kind)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn status(app: &TestApp, c: &Client, id: Uuid, action: &str, f: &[(&str, &str)]) -> u16 {
    act(app, c, id, action, f).await.status().as_u16()
}

/// Moves an incident's clock back by `hours`: as if it had been reported that long ago.
async fn age(app: &TestApp, id: Uuid, hours: i64) {
    sqlx::query(
        "UPDATE incidents SET aware_at = aware_at - make_interval(hours => $2::int), \
         reported_at = reported_at - make_interval(hours => $2::int), \
         review_due = review_due - make_interval(hours => $2::int) WHERE id = $1",
    )
    .bind(id)
    .bind(hours as i32)
    .execute(&app.pool)
    .await
    .unwrap();
}

const LEVEL_2: &[(&str, &str)] = &[("impact_leak_core", "minor")];
const LEVEL_4: &[(&str, &str)] = &[("impact_leak_national_secret", "minor")];

/// A level-1/2 incident through the report and response-team stages.
async fn to_containment(app: &TestApp, id: Uuid) {
    let officer = as_user(app, "officer@agency-a.demo").await;
    let commander = as_user(app, "commander@agency-a.demo").await;
    ok(app, &officer, id, "complete_stage", &[("confirm", "yes")]).await;
    ok(app, &commander, id, "activate_team", &[]).await;
    ok(app, &commander, id, "complete_stage", &[("confirm", "yes")]).await;
    assert_eq!(status_of(app, id).await, "containment");
}

#[tokio::test]
async fn the_notified_agency_reviews_once_in_the_window_of_the_level_as_reported() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let id = file(&app, &officer, LEVEL_2, false).await;
    let (reported, due, _) = review_times(&app, id).await;
    assert_eq!(
        due - reported,
        Duration::hours(8),
        "level 2 as reported: 8 h"
    );
    let major = file(&app, &officer, LEVEL_4, false).await;
    let (reported_major, due_major, _) = review_times(&app, major).await;
    assert_eq!(
        due_major - reported_major,
        Duration::hours(2),
        "level 4: 2 h"
    );

    // Art. 7 I: the notified agency (the ministry above agency A) reviews; the health ministry
    // is not above agency A and the competent authority is not the notified agency.
    let health = as_user(&app, "reviewer@health.demo").await;
    assert_eq!(
        status(&app, &health, id, "review", &[("level", "")]).await,
        404
    );
    let queue = app
        .get_as(&health, "/review-queue")
        .await
        .text()
        .await
        .unwrap();
    assert!(!queue.contains(&id.to_string()));
    let acs = as_user(&app, "acs-reviewer@acs.demo").await;
    assert_eq!(
        status(&app, &acs, id, "review", &[("level", "")]).await,
        409,
        "the competent authority reviews directly only once the review is late"
    );
    let ministry = as_user(&app, "reviewer@ministry.demo").await;
    let queue = app
        .get_as(&ministry, "/review-queue")
        .await
        .text()
        .await
        .unwrap();
    assert!(queue.contains(&id.to_string()));

    ok(
        &app,
        &ministry,
        id,
        "review",
        &[("level", "3"), ("reason", "涉及核心系統且持續擴大")],
    )
    .await;
    let (_, due_after, reviewed) = review_times(&app, id).await;
    assert_eq!(
        due_after, due,
        "the window stays that of the level as reported"
    );
    assert!(reviewed.is_some());
    assert_eq!(level_of(&app, id).await, 3);
    assert_eq!(
        status(
            &app,
            &ministry,
            id,
            "review",
            &[("level", "2"), ("reason", "再議")]
        )
        .await,
        409,
        "the notified agency reviews a report once"
    );

    // Art. 7 II: the result and its basis go to the competent authority, recorded once.
    assert_eq!(
        status(&app, &ministry, id, "relay_review", &[("basis", "")]).await,
        422
    );
    ok(
        &app,
        &ministry,
        id,
        "relay_review",
        &[("basis", "依附表核心系統判定")],
    )
    .await;
    assert_eq!(
        status(&app, &ministry, id, "relay_review", &[("basis", "再送")]).await,
        409
    );
    let relayed: Option<DateTime<Utc>> =
        sqlx::query_scalar("SELECT review_relayed_at FROM incidents WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(relayed.is_some());

    // Art. 7 III: the competent authority re-checks once (here over the API), and its level
    // stands.
    let bearer = token(&app, "acs-reviewer@acs.demo").await;
    let r = app
        .client
        .post(app.url(&format!("/api/v1/incidents/{id}/review")))
        .bearer_auth(&bearer)
        .json(&json!({ "level": 2, "reason": "覆核：影響已受控制" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(level_of(&app, id).await, 2);
    assert_eq!(
        status(
            &app,
            &acs,
            id,
            "review",
            &[("level", "4"), ("reason", "再覆核")]
        )
        .await,
        409
    );
    let reviews = entries(&app, id, "level_reviewed").await;
    assert_eq!(
        reviews.len(),
        2,
        "the review and the re-check both stay on record"
    );
    assert!(reviews[1].contains("覆核：影響已受控制"));
}

#[tokio::test]
async fn the_competent_authority_reviews_directly_when_the_notified_agency_is_late() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let id = file(&app, &officer, LEVEL_2, false).await;
    age(&app, id, 9).await;
    let acs = as_user(&app, "acs-reviewer@acs.demo").await;
    let queue = app
        .get_as(&acs, "/review-queue")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        queue.contains(&id.to_string()),
        "a late review shows in the CA's queue"
    );
    ok(&app, &acs, id, "review", &[("level", "")]).await;
    let body = entries(&app, id, "level_reviewed").await.remove(0);
    assert!(
        body.contains("direct"),
        "recorded as a direct review: {body}"
    );
    let ministry = as_user(&app, "reviewer@ministry.demo").await;
    assert_eq!(
        status(&app, &ministry, id, "review", &[("level", "")]).await,
        409
    );
    assert_eq!(
        status(&app, &ministry, id, "relay_review", &[("basis", "依據")]).await,
        409,
        "nothing to relay for a review the competent authority made itself"
    );
}

#[tokio::test]
async fn a_follow_up_report_changes_the_level_and_goes_to_review_again() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let id = file(&app, &officer, LEVEL_2, false).await;
    let ministry = as_user(&app, "reviewer@ministry.demo").await;
    ok(&app, &ministry, id, "review", &[("level", "")]).await;

    let bearer = token(&app, "officer@agency-a.demo").await;
    let follow_up = |body: serde_json::Value| {
        app.client
            .post(app.url(&format!("/api/v1/incidents/{id}/actions/follow_up_report")))
            .bearer_auth(&bearer)
            .json(&body)
            .send()
    };
    let r = follow_up(json!({ "impacts": [], "reason": "" }))
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // Art. 2: a disruption of critical-infrastructure core systems is not agency A's to report.
    let r = follow_up(json!({
        "impacts": [{ "kind": "disruption", "asset": "sensitive", "severe": true }],
        "reason": "核心系統停擺",
    }))
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("impacts"));
    assert_eq!(level_of(&app, id).await, 2, "nothing written");

    let r = follow_up(json!({
        "impacts": [{ "kind": "leak", "asset": "national_secret", "severe": false }],
        "reason": "鑑識發現國家機密外洩",
    }))
    .await
    .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    assert_eq!(level_of(&app, id).await, 4);
    let (_, due, reviewed) = review_times(&app, id).await;
    assert!(
        reviewed.is_none(),
        "the follow-up report awaits its own review"
    );
    let follow_up_at = Utc::now();
    assert!(
        due > follow_up_at + Duration::minutes(110) && due <= follow_up_at + Duration::hours(2)
    );
    let queue = app
        .get_as(&ministry, "/review-queue")
        .await
        .text()
        .await
        .unwrap();
    assert!(queue.contains(&id.to_string()));
    ok(&app, &ministry, id, "review", &[("level", "")]).await;
    assert_eq!(entries(&app, id, "level_reviewed").await.len(), 2);
}

#[tokio::test]
async fn only_a_critical_infrastructure_agency_files_a_disruption_of_its_core_systems() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let aware = local(Utc::now() - Duration::minutes(10));
    let fields = [
        ("title", "控制系統停擺"),
        ("aware_at", aware.as_str()),
        ("category", "intrusion"),
        ("subcategory", "malware_implanted"),
        ("affected_systems", "控制系統"),
        ("summary", "系統無法運作"),
        ("contact", "王小明"),
        ("impact_disruption_sensitive", "severe"),
    ];
    let r = app.post_as(&officer, "/incidents", &fields).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("控制系統停擺"),
        "the form keeps what was typed"
    );
    let hospital = as_user(&app, "officer@hospital.demo").await;
    let r = app.post_as(&hospital, "/incidents", &fields).await;
    assert_eq!(
        r.status(),
        303,
        "a hospital operates critical infrastructure"
    );
}

#[tokio::test]
async fn notices_and_meetings_cannot_predate_awareness() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let id = file(&app, &officer, LEVEL_4, false).await;
    let before = local(Utc::now() - Duration::hours(2));
    let notice = |at: String| {
        vec![
            ("told".to_string(), "示範部資安窗口".to_string()),
            ("means".to_string(), "phone".to_string()),
            ("at".to_string(), at),
        ]
    };
    let fields = notice(before.clone());
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        status(&app, &officer, id, "escalation_notice", &fields).await,
        422
    );
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
    let commander = as_user(&app, "commander@agency-a.demo").await;
    let responder = as_user(&app, "responder@agency-a.demo").await;
    ok(&app, &commander, id, "activate_team", &[]).await;
    ok(
        &app,
        &responder,
        id,
        "containment",
        &[("initial_control_done", "on")],
    )
    .await;
    let meeting = |held_at: &str| {
        [
            ("held_at", held_at.to_string()),
            ("attendees", "指揮官".to_string()),
            ("minutes", "討論".to_string()),
            ("agenda", "overview".to_string()),
            ("agenda", "scope".to_string()),
            ("agenda", "other".to_string()),
        ]
    };
    let early = meeting(&before);
    let early: Vec<(&str, &str)> = early.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        status(&app, &commander, id, "response_meeting", &early).await,
        422
    );
    let fine = meeting(&now);
    let fine: Vec<(&str, &str)> = fine.iter().map(|(k, v)| (*k, v.as_str())).collect();
    ok(&app, &commander, id, "response_meeting", &fine).await;
}

/// A level-2 incident run from containment to closing: the completion notice once, the
/// report extension, send-on only after approval, the strategy adjusted, reports forwarded,
/// and the open item handed on to regular tracking.
#[tokio::test]
async fn a_level_2_incident_runs_to_tracking_under_the_amended_procedure() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let id = file(&app, &officer, LEVEL_2, false).await;
    let ministry = as_user(&app, "reviewer@ministry.demo").await;
    ok(&app, &ministry, id, "review", &[("level", "")]).await;
    to_containment(&app, id).await;

    // Art. 8: the investigation report's month runs from the completion notice; before it, no
    // extension can be asked for.
    let until = local(Utc::now() + Duration::days(60));
    let extension = [
        ("until", until.as_str()),
        ("reason", "鑑識報告尚待外部廠商"),
    ];
    assert_eq!(
        status(&app, &officer, id, "report_extension", &extension).await,
        409
    );
    let responder = as_user(&app, "responder@agency-a.demo").await;
    let full = [
        ("scope_confirmed", "on"),
        ("priority_restoration_done", "on"),
        ("downtime", "within"),
        ("downtime", "within"),
        ("public_announcement", "no"),
        ("notify_completion", "on"),
    ];
    ok(&app, &responder, id, "containment", &full).await;
    let completed = || async {
        let at: Option<DateTime<Utc>> =
            sqlx::query_scalar("SELECT containment_completed_at FROM incidents WHERE id = $1")
                .bind(id)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        at.unwrap()
    };
    let first = completed().await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    ok(
        &app,
        &responder,
        id,
        "containment",
        &[("notify_completion", "on")],
    )
    .await;
    assert_eq!(completed().await, first, "completion is notified once");

    let report_due = || async {
        let due: Option<DateTime<Utc>> =
            sqlx::query_scalar("SELECT report_submission_due FROM incidents WHERE id = $1")
                .bind(id)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        due.unwrap()
    };
    let due = report_due().await;
    let too_soon = local(first);
    assert_eq!(
        status(
            &app,
            &officer,
            id,
            "report_extension",
            &[("until", &too_soon), ("reason", "x")]
        )
        .await,
        422,
        "an extension is to a later date"
    );
    ok(&app, &officer, id, "report_extension", &extension).await;
    assert_eq!(
        status(&app, &officer, id, "report_extension", &extension).await,
        409
    );
    assert_eq!(
        status(
            &app,
            &ministry,
            id,
            "report_extension_decision",
            &[("consent", "false")]
        )
        .await,
        422,
        "a refusal says why"
    );
    ok(
        &app,
        &ministry,
        id,
        "report_extension_decision",
        &[("consent", "true")],
    )
    .await;
    let extended = report_due().await;
    assert!(
        extended > due + Duration::days(25),
        "consent moves the report's date"
    );
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
        &[("root_cause", "弱密碼"), ("malware_found", "on")],
    )
    .await;
    // Amended point 3(四): at level 2 the malware analysis and the Virus Check submission are
    // recommended, shown as such, and do not hold up the stage.
    let page = app
        .get_as(&logistics, &format!("/incidents/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let recommended = page
        .split("id=\"recommended\"")
        .nth(1)
        .expect("recommendations shown");
    assert!(recommended.contains("Virus Check"), "{recommended}");
    let short = date_in(7);
    let mid = date_in(120);
    for (description, horizon, due_on) in [("更換密碼", "short", &short), ("汰換設備", "mid", &mid)]
    {
        ok(
            &app,
            &logistics,
            id,
            "improvement_item",
            &[
                ("description", description),
                ("horizon", horizon),
                ("due_on", due_on),
            ],
        )
        .await;
    }
    // Point 3(四)4: sent on only after the commander's decision.
    assert_eq!(
        status(&app, &officer, id, "send_to_escalation_target", &[]).await,
        409
    );
    let secretary = as_user(&app, "secretary@agency-a.demo").await;
    let commander = as_user(&app, "commander@agency-a.demo").await;
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

    // Point 3(五)2: the strategy is adjusted; a drop says why.
    let later = date_in(150);
    ok(
        &app,
        &logistics,
        id,
        "improvement_item_edit",
        &[
            ("index", "1"),
            ("description", "汰換核心設備"),
            ("horizon", "mid"),
            ("due_on", &later),
        ],
    )
    .await;
    assert_eq!(
        status(
            &app,
            &logistics,
            id,
            "improvement_item_drop",
            &[("index", "0")]
        )
        .await,
        422
    );
    ok(
        &app,
        &logistics,
        id,
        "improvement_item_drop",
        &[("index", "0"), ("reason", "已由新系統取代")],
    )
    .await;
    assert_eq!(entries(&app, id, "improvement_item_edited").await.len(), 1);
    assert!(entries(&app, id, "improvement_item_dropped").await[0].contains("已由新系統取代"));

    // Point 3(五)4: the progress report says what was done and its effect; the security officer
    // forwards it.
    assert_eq!(
        status(
            &app,
            &officer,
            id,
            "forward_report",
            &[("report", "progress")]
        )
        .await,
        409
    );
    ok(
        &app,
        &secretary,
        id,
        "progress_report",
        &[("done", "採購中"), ("effect", "預計下季完成")],
    )
    .await;
    ok(
        &app,
        &officer,
        id,
        "forward_report",
        &[("report", "progress")],
    )
    .await;
    ok(&app, &officer, id, "submit_report", &[]).await;
    ok(&app, &officer, id, "complete_stage", &[("confirm", "yes")]).await;
    assert_eq!(status_of(&app, id).await, "closed");
    assert_eq!(entries(&app, id, "handed_to_tracking").await.len(), 1);

    // Point 3(五)6: the open item lives on in tracking, marked done by the agency's own people.
    let item: Uuid = sqlx::query_scalar(
        "SELECT id FROM tracking_items WHERE incident_id = $1 AND description = '汰換核心設備'",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let path = format!("/tracking/{item}/done");
    assert_eq!(app.post_as(&responder, &path, &[]).await.status(), 403);
    assert_eq!(app.post_as(&ministry, &path, &[]).await.status(), 403);
    assert_eq!(app.post_as(&logistics, &path, &[]).await.status(), 303);
    assert_eq!(
        app.post_as(&logistics, &path, &[]).await.status(),
        409,
        "done once"
    );
    let done_on: Option<chrono::NaiveDate> =
        sqlx::query_scalar("SELECT done_on FROM tracking_items WHERE id = $1")
            .bind(item)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(done_on.is_some());
    // Bad ids get a clear 4xx, and another agency's list is not shown.
    assert_eq!(
        app.get_as(&logistics, "/tracking?agency=xyz")
            .await
            .status(),
        404
    );
    assert_eq!(
        app.post_as(&logistics, "/tracking/xyz/done", &[])
            .await
            .status(),
        404
    );
    let other = crate::incidents::agency_id(&app, "AGB").await;
    let r = app
        .get_as(&logistics, &format!("/tracking?agency={other}"))
        .await;
    assert!(matches!(r.status().as_u16(), 403 | 404), "{}", r.status());
}

#[tokio::test]
async fn the_ciso_meeting_follows_a_major_incident_even_after_it_closed() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let ciso = as_user(&app, "ciso@agency-a.demo").await;
    let now = local(Utc::now());
    let meeting = [
        ("held_at", now.as_str()),
        ("attendees", "資安長\n資訊室主任"),
        ("conclusions", "強化帳號管理"),
    ];
    let minor = file(&app, &officer, LEVEL_2, false).await;
    assert_eq!(
        status(&app, &ciso, minor, "ciso_meeting", &meeting).await,
        409
    );
    let major = file(&app, &officer, LEVEL_4, false).await;
    assert_eq!(
        status(&app, &officer, major, "ciso_meeting", &meeting).await,
        403,
        "the CISO convenes it (art. 9)"
    );
    assert_eq!(
        status(
            &app,
            &ciso,
            major,
            "ciso_meeting",
            &[("held_at", now.as_str())]
        )
        .await,
        422
    );
    ok(&app, &ciso, major, "ciso_meeting", &meeting).await;
    assert!(entries(&app, major, "ciso_meeting").await[0].contains("強化帳號管理"));
}

#[tokio::test]
async fn pages_use_the_procedures_own_words() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let form = app
        .get_as(&officer, "/incidents/new")
        .await
        .text()
        .await
        .unwrap();
    for words in ["於可容忍中斷時間內回復", "未於可容忍中斷時間內回復"] {
        assert!(
            form.contains(words),
            "the disruption severity reads {words}"
        );
    }
    // Art. 2 I 1: the level-1 disruption sentence in full.
    let r = app
        .client
        .post(app.url("/api/v1/classify"))
        .json(&json!({"impacts": [{"kind": "disruption", "asset": "non_core", "severe": false}]}))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["level"], 1);
    let rule = body["rule"]["zh"].as_str().unwrap();
    assert!(
        rule.contains("於可容忍中斷時間內回復正常運作，造成機關日常作業影響"),
        "{rule}"
    );
    let id = file(&app, &officer, LEVEL_4, false).await;
    let page = app
        .get_as(&officer, &format!("/incidents/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("以電話或其他適當方式"));
    assert!(!page.contains("平台"));
    let commander = as_user(&app, "commander@agency-a.demo").await;
    let page = app
        .get_as(&commander, &format!("/incidents/{id}"))
        .await
        .text()
        .await
        .unwrap();
    for words in ["資通安全事件概況", "評估受影響範圍", "其他必要之討論事項"]
    {
        assert!(page.contains(words), "the page says {words}");
    }
    let responder = as_user(&app, "responder@agency-a.demo").await;
    let page = app
        .get_as(&responder, &format!("/incidents/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("確認具體受害範圍"));
    assert!(!page.contains("平台"));

    // A comment is headed by what the commenting agency is to the reporting one.
    let ministry = as_user(&app, "reviewer@ministry.demo").await;
    ok(&app, &ministry, id, "comment", &[("comment", "請加強監控")]).await;
    let page = app
        .get_as(&officer, &format!("/incidents/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("上級機關意見"));
    let hospital = as_user(&app, "officer@hospital.demo").await;
    let sick = file(&app, &hospital, LEVEL_2, false).await;
    let health = as_user(&app, "reviewer@health.demo").await;
    ok(&app, &health, sick, "comment", &[("comment", "請回報進度")]).await;
    let page = app
        .get_as(&hospital, &format!("/incidents/{sick}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("中央目的事業主管機關意見"), "not always 上級");
}
