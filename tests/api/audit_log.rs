//! The audit log of accounts, rights and 密件 reports (#14 item 7): what is recorded, who reads
//! it, its filters and CSV, and its keyed chain.

use crate::helpers::{as_user, spawn_app, test_key, visible_text, TestApp};
use crate::incidents::{file, ok};

async fn kinds(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT kind FROM audit_log ORDER BY at, seq")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn grants_disables_and_tokens_are_logged_read_filtered_and_exported() {
    let app = spawn_app().await;
    let admin = as_user(&app, "admin@agency-a.demo").await;
    let ciso = as_user(&app, "ciso@agency-a.demo").await;
    let officer_id = app.user_id("officer@agency-a.demo").await;
    // A grant waits for the CISO, who confirms it.
    let r = app
        .post_as(
            &admin,
            &format!("/admin/users/{officer_id}/roles"),
            &[("role", "security_officer"), ("role", "commander")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let change: i64 = sqlx::query_scalar("SELECT id FROM role_changes WHERE state = 'pending'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let r = app
        .post_as(
            &ciso,
            &format!("/role-changes/{change}/decision"),
            &[("decision", "confirm")],
        )
        .await;
    assert_eq!(r.status(), 303);
    // Disabled and enabled again; a token issued and revoked.
    for what in ["disable", "enable"] {
        let r = app
            .post_as(
                &admin,
                &format!("/admin/users/{officer_id}/{what}"),
                &[("confirm", "yes")],
            )
            .await;
        assert!(r.status().is_redirection(), "{what}: {}", r.status());
    }
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let r = app
        .post_as(
            &officer,
            "/account/tokens",
            &[("name", "SOC"), ("days", "7"), ("scopes", "read")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let token: i64 = sqlx::query_scalar("SELECT id FROM api_tokens WHERE name = 'SOC'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let r = app
        .post_as(&admin, &format!("/tokens/{token}/revoke"), &[])
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let logged = kinds(&app).await;
    for k in [
        "role_grant_requested",
        "role_granted",
        "user_disabled",
        "user_enabled",
        "token_issued",
        "token_revoked",
    ] {
        assert!(logged.iter().any(|l| l == k), "{k} missing from {logged:?}");
    }
    // The admin reads it, in words; a filter narrows it; the CSV carries the same.
    let page = visible_text(&app.get_as(&admin, "/audit/log").await.text().await.unwrap());
    assert!(
        page.contains("授予角色") && page.contains("停用帳號"),
        "{page}"
    );
    let only = app
        .get_as(&admin, "/audit/log?kind=role_granted")
        .await
        .text()
        .await
        .unwrap();
    let table = only.split("id=\"audit-log\"").nth(1).unwrap();
    assert!(
        table.contains("commander") && !table.contains("停用帳號"),
        "{table}"
    );
    let csv = app
        .get_as(&admin, "/audit/log.csv?kind=token_issued")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.contains("SOC [read]"), "{csv}");
    // A wrong date is said, and what was typed stays.
    let r = app.get_as(&admin, "/audit/log?from=2026-13-40").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("value=\"2026-13-40\""));
    // Nobody else's business: an officer or a supervising agency's reviewer may not read it;
    // the competent authority audits every agency.
    assert_eq!(app.get_as(&officer, "/audit/log").await.status(), 403);
    let ministry = as_user(&app, "reviewer@ministry.demo").await;
    assert_eq!(app.get_as(&ministry, "/audit/log").await.status(), 403);
    let acs = as_user(&app, "admin@acs.demo").await;
    let all = app.get_as(&acs, "/audit/log").await.text().await.unwrap();
    assert!(
        all.contains("SOC [read]"),
        "the competent authority sees A's entries"
    );
}

#[tokio::test]
async fn every_view_and_download_of_a_classified_report_is_logged() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    // Level 3: its reports are 密件.
    let id = file(&app, &officer, &[("impact_leak_core", "severe")], false).await;
    let ministry = as_user(&app, "reviewer@ministry.demo").await;
    ok(
        &app,
        &ministry,
        id,
        "review",
        &[("level", "3"), ("reason", "核心資料外洩")],
    )
    .await;
    let level: i16 = sqlx::query_scalar("SELECT level FROM incidents WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(level >= 3);
    assert_eq!(
        app.get_as(&officer, &format!("/incidents/{id}/report"))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get_as(&ministry, &format!("/incidents/{id}/report.pdf"))
            .await
            .status(),
        200
    );
    let entries: Vec<(String, uuid::Uuid)> = sqlx::query_as(
        "SELECT l.kind, a.id FROM audit_log l JOIN agencies a ON a.id = l.agency_id \
         WHERE l.incident_id = $1 ORDER BY l.seq",
    )
    .bind(id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let agency_a = crate::incidents::agency_id(&app, "AGA").await;
    assert_eq!(
        entries,
        [
            ("classified_report_viewed".to_string(), agency_a),
            ("classified_report_downloaded".to_string(), agency_a),
        ],
        "both in the incident's agency's chain"
    );
}

#[tokio::test]
async fn the_log_is_append_only_and_a_rewritten_entry_fails_verification() {
    let app = spawn_app().await;
    let admin = as_user(&app, "admin@agency-a.demo").await;
    let officer_id = app.user_id("officer@agency-a.demo").await;
    for what in ["disable", "enable", "disable"] {
        let r = app
            .post_as(
                &admin,
                &format!("/admin/users/{officer_id}/{what}"),
                &[("confirm", "yes")],
            )
            .await;
        assert!(r.status().is_redirection(), "{what}: {}", r.status());
    }
    let key = test_key();
    let (checked, broken) = portal::services::audit::verify(&app.pool, &key)
        .await
        .unwrap();
    assert!(checked >= 3 && broken.is_none(), "{checked} {broken:?}");
    // The portal's own role may neither change nor delete an entry.
    let pool = portal::startup::app_pool(&portal::config::Settings::for_tests(), &app.pool)
        .await
        .unwrap();
    let user = app.user_id("admin@agency-a.demo").await;
    for sql in ["UPDATE audit_log SET detail = 'x'", "DELETE FROM audit_log"] {
        let mut tx = portal::db::begin_as(&pool, user).await.unwrap();
        let e = sqlx::query(sql).execute(&mut *tx).await.unwrap_err();
        assert_eq!(
            e.as_database_error().and_then(|d| d.code()).as_deref(),
            Some("42501"),
            "{sql}"
        );
    }
    // Someone with the owner's rights rewrites an entry and recomputes a plain SHA-256 link:
    // without the key, verification finds it.
    sqlx::query(
        "UPDATE audit_log SET kind = 'user_enabled', hash = sha256(prev_hash || 'user_enabled') \
         WHERE seq = 3",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let (_, broken) = portal::services::audit::verify(&app.pool, &key)
        .await
        .unwrap();
    assert_eq!(broken.map(|b| b.1), Some(3));
}
