//! The agency register: relations that fit the agency's kind (SPEC 1), and an agency moved in
//! the tree taking its open incidents' notified agency with it.

use chrono::{Duration, Utc};
use reqwest::Client;
use uuid::Uuid;

use crate::helpers::{as_user, local, spawn_app, TestApp};

async fn agency_id(app: &TestApp, code: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM agencies WHERE code = $1")
        .bind(code)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn agency_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM agencies")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// (superior, sector authority) of an agency as stored.
async fn relations(app: &TestApp, id: Uuid) -> (Option<Uuid>, Option<Uuid>) {
    sqlx::query_as("SELECT superior_id, sector_authority_id FROM agencies WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_government_agency_with_a_sector_authority_is_refused_with_a_field_message() {
    let app = spawn_app().await;
    let admin = as_user(&app, "admin@acs.demo").await;
    let health = agency_id(&app, "MOHW").await.to_string();
    let before = agency_count(&app).await;
    let r = app
        .post_as(
            &admin,
            "/admin/agencies",
            &[
                ("code", "GOVX"),
                ("name_zh", "某公務機關"),
                ("name_en", "Some Agency"),
                ("kind", "government"),
                ("sector_authority", &health),
                ("responsibility_level", "C"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"sector_authority-error\""), "{html}");
    assert!(
        html.contains("公務機關應通知其上級機關"),
        "the message says why"
    );
    assert!(
        html.contains("value=\"GOVX\"") && html.contains("某公務機關"),
        "the form keeps what was typed"
    );
    assert_eq!(agency_count(&app).await, before, "nothing registered");

    // An existing government agency cannot be given one either.
    let agency_a = agency_id(&app, "AGA").await;
    let ministry = agency_id(&app, "MIN").await;
    let r = app
        .post_as(
            &admin,
            &format!("/admin/agencies/{agency_a}"),
            &[
                ("name_zh", "甲機關"),
                ("name_en", "Agency A"),
                ("superior", &ministry.to_string()),
                ("sector_authority", &health),
                ("responsibility_level", "B"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("id=\"sector_authority-error\""));
    assert_eq!(relations(&app, agency_a).await, (Some(ministry), None));
}

#[tokio::test]
async fn a_specific_non_government_agency_with_a_superior_agency_is_refused_with_a_field_message() {
    let app = spawn_app().await;
    let admin = as_user(&app, "admin@acs.demo").await;
    let ministry = agency_id(&app, "MIN").await.to_string();
    let health = agency_id(&app, "MOHW").await;
    let before = agency_count(&app).await;
    let r = app
        .post_as(
            &admin,
            "/admin/agencies",
            &[
                ("code", "SNGX"),
                ("name_zh", "某公營事業"),
                ("name_en", "Some Enterprise"),
                ("kind", "specific_non_government"),
                ("superior", &ministry),
                ("responsibility_level", "B"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"superior-error\""), "{html}");
    assert!(html.contains("特定非公務機關應通知其中央目的事業主管機關"));
    assert!(
        html.contains("value=\"SNGX\""),
        "the form keeps what was typed"
    );
    assert_eq!(agency_count(&app).await, before);

    // The hospital keeps its sector authority and gets no superior agency.
    let hospital = agency_id(&app, "HOSP").await;
    let r = app
        .post_as(
            &admin,
            &format!("/admin/agencies/{hospital}"),
            &[
                ("name_zh", "示範醫院"),
                ("name_en", "Demonstration Hospital"),
                ("superior", &ministry),
                ("sector_authority", &health.to_string()),
                ("responsibility_level", "B"),
                ("critical_infrastructure", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("id=\"superior-error\""));
    assert_eq!(relations(&app, hospital).await, (None, Some(health)));
}

#[tokio::test]
async fn either_kind_may_have_a_supervising_agency() {
    let app = spawn_app().await;
    let admin = as_user(&app, "admin@acs.demo").await;
    let ministry = agency_id(&app, "MIN").await.to_string();
    let health = agency_id(&app, "MOHW").await.to_string();
    for (code, kind, relation, parent, supervising) in [
        ("GOVS", "government", "superior", &ministry, &health),
        (
            "SNGS",
            "specific_non_government",
            "sector_authority",
            &health,
            &ministry,
        ),
    ] {
        let r = app
            .post_as(
                &admin,
                "/admin/agencies",
                &[
                    ("code", code),
                    ("name_zh", "受監督機關"),
                    ("name_en", "Supervised"),
                    ("kind", kind),
                    (relation, parent.as_str()),
                    ("supervising", supervising.as_str()),
                    ("responsibility_level", "C"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{code}");
        let stored: Option<Uuid> =
            sqlx::query_scalar("SELECT supervising_id FROM agencies WHERE code = $1")
                .bind(code)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert_eq!(stored.map(|s| s.to_string()).as_ref(), Some(supervising));
    }
}

/// A level 3 incident of Agency A whose 2-hour review is overdue (reported three hours ago).
async fn overdue_level_3(app: &TestApp, officer: &Client) -> (Uuid, String) {
    let r = app
        .post_as(
            officer,
            "/incidents",
            &[
                ("title", "機房服務中斷"),
                ("aware_at", &local(Utc::now() - Duration::minutes(10))),
                ("category", "dos"),
                ("impact_disruption_core", "severe"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let id = Uuid::parse_str(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .trim_start_matches("/incidents/"),
    )
    .unwrap();
    let number: String = sqlx::query_scalar(
        "UPDATE incidents SET aware_at = aware_at - interval '3 hours', \
         reported_at = reported_at - interval '3 hours' WHERE id = $1 RETURNING number",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    (id, number)
}

async fn target_of(app: &TestApp, incident: Uuid) -> Option<Uuid> {
    sqlx::query_scalar("SELECT escalation_target_id FROM incidents WHERE id = $1")
        .bind(incident)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// How many review reminders about `incident` reached `email`.
async fn review_reminders(app: &TestApp, incident: Uuid, email: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE n.incident_id = $1 AND n.kind LIKE 'review_%' AND u.email = $2",
    )
    .bind(incident)
    .bind(email)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_agency_moved_to_another_ministry_is_notified_reviewed_and_reminded_there_from_the_move_on(
) {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let (open, number) = overdue_level_3(&app, &officer).await;
    let (closed, _) = overdue_level_3(&app, &officer).await;
    sqlx::query("UPDATE incidents SET status = 'closed' WHERE id = $1")
        .bind(closed)
        .execute(&app.pool)
        .await
        .unwrap();
    let (ministry, health) = (agency_id(&app, "MIN").await, agency_id(&app, "MOHW").await);
    let agency_a = agency_id(&app, "AGA").await;
    assert_eq!(target_of(&app, open).await, Some(ministry));

    // The register moves Agency A from the ministry to the Ministry of Health and Welfare.
    let admin = as_user(&app, "admin@acs.demo").await;
    let r = app
        .post_as(
            &admin,
            &format!("/admin/agencies/{agency_a}"),
            &[
                ("name_zh", "甲機關"),
                ("name_en", "Agency A"),
                ("superior", &health.to_string()),
                ("responsibility_level", "B"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        target_of(&app, open).await,
        Some(health),
        "the open incident follows"
    );
    assert_eq!(
        target_of(&app, closed).await,
        Some(ministry),
        "a closed incident keeps the agency it was notified to"
    );
    let reread: bool =
        sqlx::query_scalar("SELECT reminder_at <= now() FROM incidents WHERE id = $1")
            .bind(open)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(reread, "the reminder job looks at it again");

    // The new ministry's reviewer sees it in the review queue and may open it; the old gets 404.
    let new_reviewer = as_user(&app, "reviewer@health.demo").await;
    let queue = app
        .get_as(&new_reviewer, "/review-queue")
        .await
        .text()
        .await
        .unwrap();
    assert!(queue.contains(&number), "{queue}");
    let page = app
        .get_as(&new_reviewer, &format!("/incidents/{open}"))
        .await;
    assert_eq!(page.status(), 200);
    let old_reviewer = as_user(&app, "reviewer@ministry.demo").await;
    let page = app
        .get_as(&old_reviewer, &format!("/incidents/{open}"))
        .await;
    assert_eq!(page.status(), 404);
    let queue = app
        .get_as(&old_reviewer, "/review-queue")
        .await
        .text()
        .await
        .unwrap();
    assert!(!queue.contains(&number));

    // The overdue review is reminded to the new ministry's reviewers, not the old one's.
    portal::jobs::remind(&app.pool, &portal::domain::ReminderPolicy::default())
        .await
        .unwrap();
    assert!(review_reminders(&app, open, "reviewer@health.demo").await >= 1);
    assert_eq!(
        review_reminders(&app, open, "reviewer@ministry.demo").await,
        0
    );
    assert_eq!(
        review_reminders(&app, closed, "reviewer@ministry.demo").await
            + review_reminders(&app, closed, "reviewer@health.demo").await,
        0,
        "a closed incident owes nothing"
    );
}
