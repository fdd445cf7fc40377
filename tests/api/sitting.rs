//! One form per sitting: a stage form carries what the same person records next (completing the
//! stage, the relay of a review, the control-effect report, the 密件 document), all applied in
//! one transaction — all of it or nothing.

use chrono::{Duration, Utc};

use crate::helpers::{as_user, local, spawn_app, TestApp};

async fn status(app: &TestApp, path: &str) -> String {
    let id = uuid::Uuid::parse_str(path.trim_start_matches("/incidents/")).unwrap();
    sqlx::query_scalar("SELECT status FROM incidents WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn timeline_kinds(app: &TestApp, path: &str) -> Vec<String> {
    let id = uuid::Uuid::parse_str(path.trim_start_matches("/incidents/")).unwrap();
    sqlx::query_scalar("SELECT kind FROM timeline_entries WHERE incident_id = $1 ORDER BY seq")
        .bind(id)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn filing_with_the_notice_given_completes_the_report_stage_in_one_submission() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let aware = local(Utc::now() - Duration::minutes(20));
    let filing = |extra: Vec<(&'static str, &'static str)>| {
        let mut f = vec![
            ("title", "sitting-test"),
            ("category", "other"),
            ("impact_tamper_core", "severe"),
        ];
        f.extend(extra);
        f
    };
    // Completing without the notice: refused, nothing filed, the form keeps what was typed.
    let mut fields = filing(vec![("complete_stage", "yes")]);
    fields.push(("aware_at", &aware));
    let r = app.post_as(&officer, "/incidents", &fields).await;
    assert_eq!(r.status(), 409);
    let page = r.text().await.unwrap();
    assert!(page.contains("sitting-test"), "the title is kept");
    let filed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM incidents WHERE title = 'sitting-test'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(filed, 0);

    // A notice with a bad time: 422 next to the field, nothing filed.
    let mut fields = filing(vec![("told", "部資安窗口"), ("at", "not-a-time")]);
    fields.push(("aware_at", &aware));
    let r = app.post_as(&officer, "/incidents", &fields).await;
    assert_eq!(r.status(), 422);

    // With the notice: filed, noticed and in stage 2 at once.
    let at = local(Utc::now() - Duration::minutes(5));
    let mut fields = filing(vec![("told", "部資安窗口"), ("complete_stage", "yes")]);
    fields.push(("aware_at", &aware));
    fields.push(("at", &at));
    let r = app.post_as(&officer, "/incidents", &fields).await;
    assert_eq!(r.status(), 303);
    let path = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(status(&app, &path).await, "response_team");
    let kinds = timeline_kinds(&app, &path).await;
    assert_eq!(
        kinds,
        ["filed", "escalation_notice", "stage_completed"],
        "{kinds:?}"
    );
}

#[tokio::test]
async fn a_review_carries_its_relay_and_a_refused_completion_saves_nothing() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let aware = local(Utc::now() - Duration::minutes(20));
    let r = app
        .post_as(
            &officer,
            "/incidents",
            &[
                ("title", "sitting-review"),
                ("aware_at", &aware),
                ("category", "other"),
                ("impact_tamper_core", "severe"),
            ],
        )
        .await;
    let path = r.headers()["location"].to_str().unwrap().to_string();

    // The notified agency's review form carries the relay; one submission records both.
    let reviewer = as_user(&app, "reviewer@ministry.demo").await;
    let page = app.get_as(&reviewer, &path).await.text().await.unwrap();
    let form = &page[page.find("id=\"form-review\"").expect("review form")..];
    let form = &form[..form.find("</form>").unwrap()];
    assert!(form.contains("name=\"basis\""), "the relay rides along");
    assert!(
        !page.contains("id=\"form-relay_review\""),
        "no second form for it"
    );
    let r = app
        .post_as(
            &reviewer,
            &format!("{path}/act/review"),
            &[("level", "3"), ("basis", "影響核心業務，維持第三級")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let kinds = timeline_kinds(&app, &path).await;
    assert!(
        kinds.ends_with(&["level_reviewed".to_string(), "review_relayed".to_string()]),
        "{kinds:?}"
    );

    // The officer's notice form completes the report stage with it: two entries, stage 2.
    let before = timeline_kinds(&app, &path).await.len();
    let r = app
        .post_as(
            &officer,
            &format!("{path}/act/escalation_notice"),
            &[
                ("told", "部資安窗口"),
                ("at", &local(Utc::now())),
                ("complete_stage", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status(&app, &path).await, "response_team");
    assert_eq!(timeline_kinds(&app, &path).await.len(), before + 2);

    // The commander's meeting with completion ticked while initial damage control (the
    // response group's) is missing: 409, and the meeting is not saved either.
    let commander = as_user(&app, "commander@agency-a.demo").await;
    let r = app
        .post_as(&commander, &format!("{path}/act/activate_team"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let before = timeline_kinds(&app, &path).await.len();
    let r = app
        .post_as(
            &commander,
            &format!("{path}/act/response_meeting"),
            &[
                ("held_at", &local(Utc::now())),
                ("attendees", "指揮官"),
                ("minutes", "會議紀錄"),
                ("agenda", "overview"),
                ("agenda", "scope"),
                ("agenda", "other"),
                ("complete_stage", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), 409);
    let page = r.text().await.unwrap();
    assert!(page.contains("會議紀錄"), "the minutes are kept");
    assert_eq!(
        timeline_kinds(&app, &path).await.len(),
        before,
        "nothing saved"
    );
    assert_eq!(status(&app, &path).await, "response_team");
}
