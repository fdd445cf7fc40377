use chrono::{Duration, Utc};

use crate::helpers::{as_user, spawn_app, TestApp};

async fn count(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.email = $1 AND n.read_at IS NULL")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_level_3_filing_reaches_the_ministry_and_the_competent_authority_and_nobody_else() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let aware = portal::domain::to_taipei(Utc::now() - Duration::minutes(20))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let r = app
        .post_as(
            &officer,
            "/incidents",
            &[
                ("title", "勒索軟體"),
                ("aware_at", &aware),
                ("category", "intrusion"),
                ("impact_tamper_core", "severe"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let path = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(count(&app, "reviewer@ministry.demo").await, 1);
    assert_eq!(count(&app, "acs-reviewer@acs.demo").await, 1);
    for nobody in [
        "reviewer@health.demo",
        "officer@agency-b.demo",
        "officer@agency-a.demo",
        "commander@agency-a.demo",
        "officer@hospital.demo",
    ] {
        assert_eq!(count(&app, nobody).await, 0, "{nobody}");
    }

    // The bell shows it; the list links to the incident; marking read clears it.
    let reviewer = as_user(&app, "reviewer@ministry.demo").await;
    let home = app.get_as(&reviewer, "/").await.text().await.unwrap();
    assert!(home.contains("class=\"count\">1<"), "the bell counts one");
    let list = app
        .get_as(&reviewer, "/notifications")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains(&path) && list.contains("請審核等級"));
    assert_eq!(
        app.post_as(&reviewer, "/notifications/read", &[])
            .await
            .status(),
        303
    );
    assert_eq!(count(&app, "reviewer@ministry.demo").await, 0);
    assert_eq!(
        count(&app, "acs-reviewer@acs.demo").await,
        1,
        "another user's stay unread"
    );

    // A comment from the ministry reaches Agency A's officer and commander.
    let r = app
        .post_as(
            &reviewer,
            &format!("{path}/act/comment"),
            &[("comment", "請說明影響範圍")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(count(&app, "officer@agency-a.demo").await, 1);
    assert_eq!(count(&app, "commander@agency-a.demo").await, 1);
    assert_eq!(count(&app, "officer@agency-b.demo").await, 0);
}

#[tokio::test]
async fn each_user_reads_only_their_own_notifications_under_row_level_security() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let aware = portal::domain::to_taipei(Utc::now() - Duration::minutes(20))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    app.post_as(
        &officer,
        "/incidents",
        &[
            ("title", "t"),
            ("aware_at", &aware),
            ("category", "other"),
            ("impact_leak_core", "minor"),
        ],
    )
    .await;
    let mut conn = app.pool.acquire().await.unwrap();
    sqlx::query("SET ROLE portal_app")
        .execute(&mut *conn)
        .await
        .unwrap();
    for (email, expected) in [
        ("reviewer@ministry.demo", 1i64),
        ("officer@agency-b.demo", 0),
        ("acs-reviewer@acs.demo", 0),
    ] {
        let uid = app.user_id(email).await.to_string();
        sqlx::query("SELECT set_config('portal.user_id', $1, false)")
            .bind(&uid)
            .execute(&mut *conn)
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(n, expected, "{email}");
    }
    sqlx::query("RESET ROLE").execute(&mut *conn).await.unwrap();
}
