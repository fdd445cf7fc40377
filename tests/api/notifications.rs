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
async fn a_level_3_filing_reaches_the_ministry_the_competent_authority_and_the_commander_and_nobody_else(
) {
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
    // The commander and the team act on a major incident at once; the competent authority
    // follows it, it is not asked to review (only the notified agency reviews, art. 7).
    assert_eq!(count(&app, "commander@agency-a.demo").await, 1);
    assert_eq!(count(&app, "secretary@agency-a.demo").await, 1);
    let kinds: Vec<(String, String)> = sqlx::query_as(
        "SELECT u.email, n.kind FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE u.email IN ('acs-reviewer@acs.demo', 'reviewer@ministry.demo') ORDER BY u.email",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        kinds,
        [
            (
                "acs-reviewer@acs.demo".to_string(),
                "major_filed".to_string()
            ),
            ("reviewer@ministry.demo".to_string(), "filed".to_string())
        ]
    );
    for nobody in [
        "reviewer@health.demo",
        "officer@agency-b.demo",
        "officer@agency-a.demo",
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
    // The notice says which incident, at which level, and the nearest deadline.
    assert!(list.contains("事件：勒索軟體（第三級）"), "{list}");
    assert!(list.contains("最近期限："), "{list}");
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
    assert_eq!(count(&app, "commander@agency-a.demo").await, 2);
    assert_eq!(count(&app, "officer@agency-b.demo").await, 0);
    // With what was said, in the notice and its e-mail.
    let officer_list = app
        .get_as(&officer, "/notifications")
        .await
        .text()
        .await
        .unwrap();
    assert!(officer_list.contains("請說明影響範圍"), "{officer_list}");
    let mail: String = sqlx::query_scalar(
        "SELECT body FROM outbox WHERE to_address = 'officer@agency-a.demo' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(mail.contains("請說明影響範圍"), "{mail}");
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
