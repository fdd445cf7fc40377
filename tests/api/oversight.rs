use chrono::{Duration, Utc};
use serde_json::json;

use crate::helpers::{client, spawn_app, token, DEMO_PASSWORD};

fn value_of(html: &str, id: &str) -> i64 {
    let marker = format!("id=\"{id}\" data-value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("{id} on the page"))
        + marker.len();
    html[start..].split('"').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn dashboard_figures_equal_counts_computed_directly_in_sql() {
    let app = spawn_app().await;
    let mut filed = 0;
    for (email, impacts, category, hours_ago) in [
        (
            "officer@agency-a.demo",
            json!([{"kind":"tamper","asset":"core","severe":true}]),
            "intrusion",
            50,
        ),
        (
            "officer@agency-a.demo",
            json!([{"kind":"leak","asset":"non_core","severe":false}]),
            "web_attack",
            3,
        ),
        (
            "officer@agency-a.demo",
            json!([{"kind":"disruption","asset":"core","severe":false}]),
            "dos",
            1,
        ),
        (
            "officer@agency-b.demo",
            json!([{"kind":"leak","asset":"core","severe":true}]),
            "intrusion",
            80,
        ),
        (
            "officer@agency-b.demo",
            json!([{"kind":"leak","asset":"non_core","severe":true}]),
            "other",
            2,
        ),
        (
            "officer@hospital.demo",
            json!([{"kind":"disruption","asset":"sensitive","severe":true}]),
            "dos",
            5,
        ),
    ] {
        let t = token(&app, email).await;
        let r = app
            .client
            .post(app.url("/api/v1/incidents"))
            .bearer_auth(&t)
            .json(&json!({
                "title": "dashboard", "aware_at": (Utc::now() - Duration::hours(hours_ago)).to_rfc3339(),
                "category": category, "impacts": impacts, "personal_data": false,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        filed += 1;
    }
    assert_eq!(filed, 6);
    // Age some deadlines and complete one containment, directly.
    sqlx::query("UPDATE incidents SET review_due = now() - interval '1 hour', next_due = now() - interval '1 hour' WHERE title = 'dashboard' AND level >= 3")
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE incidents SET containment_completed_at = aware_at + interval '20 hours' WHERE level = 1")
        .execute(&app.pool)
        .await
        .unwrap();

    let reviewer = client();
    app.sign_in_as(&reviewer, "reviewer@ministry.demo", DEMO_PASSWORD)
        .await;
    let r = app.get_as(&reviewer, "/dashboard").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();

    // The ministry sees Agency A and Agency B, not the hospital.
    let below = "(SELECT id FROM agencies WHERE code IN ('AGA', 'AGB'))";
    let sql = |q: String| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&q)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        value_of(&html, "open-total"),
        sql(format!(
            "SELECT count(*) FROM incidents WHERE status <> 'closed' AND agency_id IN {below}"
        ))
        .await
    );
    assert_eq!(value_of(&html, "open-total"), 5);
    assert_eq!(
        value_of(&html, "overdue-review"),
        sql(format!("SELECT count(*) FROM incidents WHERE reviewed_at IS NULL AND review_due < now() AND status <> 'closed' AND agency_id IN {below}")).await
    );
    assert_eq!(
        value_of(&html, "overdue-review"),
        2,
        "the level-3 incidents of A and B"
    );
    assert_eq!(
        value_of(&html, "overdue-containment"),
        sql(format!("SELECT count(*) FROM incidents WHERE containment_completed_at IS NULL AND containment_due < now() AND status <> 'closed' AND agency_id IN {below}")).await
    );
    // The category chart's bars add up to the incidents of the last 12 months below.
    let chart =
        &html[html.find("id=\"per-category\"").unwrap()..html.find("id=\"to-report\"").unwrap()];
    let total: i64 = chart
        .split("data-value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(total, 5);
    let months =
        &html[html.find("id=\"per-month\"").unwrap()..html.find("id=\"per-category\"").unwrap()];
    assert_eq!(months.matches("<rect").count(), 12, "twelve months");
    assert!(months.contains("<svg"), "an SVG chart, no script needed");
    // Mean awareness-to-containment of the completed ones: 20 hours.
    assert!(html.contains("20.0"), "mean hours to containment");

    // The health ministry sees only the hospital; an officer sees no dashboard.
    let health = client();
    app.sign_in_as(&health, "reviewer@health.demo", DEMO_PASSWORD)
        .await;
    let html = app
        .get_as(&health, "/dashboard")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(value_of(&html, "open-total"), 1);
    let officer = client();
    app.sign_in_as(&officer, "officer@agency-a.demo", DEMO_PASSWORD)
        .await;
    assert_eq!(app.get_as(&officer, "/dashboard").await.status(), 403);
}

#[tokio::test]
async fn the_competent_authority_audits_sign_ins_and_level_changes() {
    let app = spawn_app().await;
    let _ = app
        .sign_in_as(&client(), "officer@agency-b.demo", "wrong-password")
        .await;
    let t = token(&app, "officer@agency-a.demo").await;
    let body: serde_json::Value = app
        .client
        .post(app.url("/api/v1/incidents"))
        .bearer_auth(&t)
        .json(&json!({"title": "audit", "aware_at": (Utc::now() - Duration::hours(1)).to_rfc3339(), "category": "other",
                      "impacts": [{"kind":"leak","asset":"core","severe":false}], "personal_data": false}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = body["id"].as_str().unwrap();
    let reviewer = token(&app, "reviewer@ministry.demo").await;
    let r = app
        .client
        .post(app.url(&format!("/api/v1/incidents/{id}/review")))
        .bearer_auth(&reviewer)
        .json(&json!({"level": 3, "reason": "影響核心業務"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let acs = client();
    app.sign_in_as(&acs, "acs-reviewer@acs.demo", DEMO_PASSWORD)
        .await;
    let html = app.get_as(&acs, "/audit").await.text().await.unwrap();
    let changes =
        &html[html.find("id=\"level-changes\"").unwrap()..html.find("id=\"sign-ins\"").unwrap()];
    assert!(changes.contains("2 → 3") && changes.contains("影響核心業務"));
    let sign_ins = &html[html.find("id=\"sign-ins\"").unwrap()..];
    assert!(sign_ins.contains("officer@agency-b.demo") && sign_ins.contains("失敗"));
    let ministry = client();
    app.sign_in_as(&ministry, "reviewer@ministry.demo", DEMO_PASSWORD)
        .await;
    assert_eq!(app.get_as(&ministry, "/audit").await.status(), 403);
}
