//! The agency register: relations that fit the agency's kind (SPEC 1).

use uuid::Uuid;

use crate::helpers::{as_user, spawn_app, TestApp};

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
