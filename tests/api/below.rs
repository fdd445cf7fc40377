//! The incidents of the agencies below (`/incidents/below`): a supervising agency's reviewers
//! see its subordinates' incidents with the agency list's filters; nobody else may.

use chrono::{Duration, Utc};

use crate::helpers::{as_user, spawn_app, TestApp};

/// Files an incident as `email` through the page; answers its path.
async fn file(app: &TestApp, email: &str, title: &str, impact: &str) -> String {
    let officer = as_user(app, email).await;
    let aware = portal::domain::to_taipei(Utc::now() - Duration::minutes(20))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let r = app
        .post_as(
            &officer,
            "/incidents",
            &[
                ("title", title),
                ("aware_at", &aware),
                ("category", "other"),
                (impact, "minor"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{email} filed");
    r.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn the_ministry_reviewer_sees_its_subordinates_incidents_with_the_lists_filters() {
    let app = spawn_app().await;
    let a = file(
        &app,
        "officer@agency-a.demo",
        "below-title-a",
        "impact_leak_core",
    )
    .await;
    file(
        &app,
        "officer@agency-b.demo",
        "below-title-b",
        "impact_leak_non_core",
    )
    .await;
    let a_id = a.trim_start_matches("/incidents/").to_string();
    let a_level: i16 = sqlx::query_scalar("SELECT level FROM incidents WHERE id = $1::uuid")
        .bind(&a_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let b_level: i16 =
        sqlx::query_scalar("SELECT level FROM incidents WHERE title = 'below-title-b'")
            .fetch_one(&app.pool)
            .await
            .unwrap();

    let reviewer = as_user(&app, "reviewer@ministry.demo").await;
    let page = |q: &'static str| {
        let (app, reviewer) = (&app, &reviewer);
        async move {
            let r = app.get_as(reviewer, &format!("/incidents/below{q}")).await;
            assert_eq!(r.status(), 200, "{q}");
            r.text().await.unwrap()
        }
    };
    let all = page("").await;
    assert!(all.contains("below-title-a") && all.contains("below-title-b"));
    assert!(
        all.contains("甲機關") && all.contains("乙機關"),
        "the agency column"
    );
    assert!(all.contains(&a), "links to the incident");
    assert!(
        all.contains("action=\"/incidents/below\""),
        "the filters stay here"
    );

    // Filters: stage, year, overdue, level.
    let closed = page("?stage=closed").await;
    assert!(!closed.contains("below-title-a") && closed.contains("id=\"empty\""));
    let report = page("?stage=report").await;
    assert!(report.contains("below-title-a") && report.contains("below-title-b"));
    let long_ago = page("?year=2001").await;
    assert!(!long_ago.contains("below-title-a"));
    let overdue = page("?overdue=1").await;
    assert!(!overdue.contains("below-title-a"), "nothing is late yet");
    if a_level != b_level {
        let only_a = app
            .get_as(&reviewer, &format!("/incidents/below?level={a_level}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(only_a.contains("below-title-a") && !only_a.contains("below-title-b"));
    }
    // The CSV holds the filtered list; the agency's own list and the nav link here.
    let csv = app
        .get_as(&reviewer, "/incidents/below.csv?stage=report")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("below-title-a") && csv.contains("below-title-b"));
    let own = app
        .get_as(&reviewer, "/incidents")
        .await
        .text()
        .await
        .unwrap();
    assert!(!own.contains("below-title-a"), "not the ministry's own");
    assert!(own.contains("id=\"below-link\""));

    // Agency B's officer may not; the health ministry's reviewer sees nothing of Agency A's.
    let b = as_user(&app, "officer@agency-b.demo").await;
    assert_eq!(app.get_as(&b, "/incidents/below").await.status(), 403);
    assert_eq!(app.get_as(&b, "/incidents/below.csv").await.status(), 403);
    let own_b = app.get_as(&b, "/incidents").await.text().await.unwrap();
    assert!(!own_b.contains("id=\"below-link\""));
    let health = as_user(&app, "reviewer@health.demo").await;
    let theirs = app
        .get_as(&health, "/incidents/below")
        .await
        .text()
        .await
        .unwrap();
    assert!(!theirs.contains("below-title-a") && !theirs.contains("below-title-b"));

    // The competent authority sees them all.
    let acs = as_user(&app, "acs-reviewer@acs.demo").await;
    let everything = app
        .get_as(&acs, "/incidents/below")
        .await
        .text()
        .await
        .unwrap();
    assert!(everything.contains("below-title-a") && everything.contains("below-title-b"));
}
