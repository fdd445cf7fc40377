//! Least privilege in PostgreSQL (#14 item 5): the pool logs in as a role that owns nothing and
//! cannot become the owner; the accounts side has row-level security; a supervising agency
//! writes only the oversight part of a subordinate's incident.

use portal::config::Settings;
use sqlx::PgPool;

use crate::helpers::{as_user, spawn_app, url_for, TestApp};
use crate::incidents::{agency_id, file};

async fn the_pool(app: &TestApp) -> PgPool {
    portal::startup::app_pool(&Settings::for_tests(), &app.pool)
        .await
        .unwrap()
}

fn is_refused(e: &sqlx::Error) -> bool {
    matches!(
        e.as_database_error().and_then(|d| d.code()).as_deref(),
        Some("42501") // insufficient_privilege (also row-level security's violation)
    )
}

#[tokio::test]
async fn reset_role_is_no_way_back_to_the_owner() {
    let app = spawn_app().await;
    let pool = the_pool(&app).await;
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("RESET ROLE").execute(&mut *conn).await.unwrap();
    let (user, superuser, bypass): (String, bool, bool) = sqlx::query_as(
        "SELECT current_user::text, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(user, "portal_pool");
    assert!(!superuser && !bypass);
    for owner in ["postgres", "pg_write_all_data"] {
        let e = sqlx::query(&format!("SET ROLE {owner}"))
            .execute(&mut *conn)
            .await
            .unwrap_err();
        assert!(is_refused(&e), "SET ROLE {owner}: {e}");
    }
    // With no acting user, the accounts side shows nothing; the session table not at all.
    for table in [
        "users",
        "role_grants",
        "agencies",
        "api_tokens",
        "incidents",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table} without an acting user");
    }
    let e = sqlx::query("SELECT id FROM tower_sessions.session")
        .fetch_all(&mut *conn)
        .await
        .unwrap_err();
    assert!(is_refused(&e), "{e}");
    let e = sqlx::query("DELETE FROM timeline_entries")
        .execute(&mut *conn)
        .await
        .unwrap_err();
    assert!(is_refused(&e), "{e}");
}

#[tokio::test]
async fn the_portal_will_not_serve_through_the_owners_login() {
    let app = spawn_app().await;
    let owner_url = url_for(&app.db_name);
    let mut settings = Settings::for_tests();
    settings.app_database_url = Some(owner_url);
    let err = portal::startup::app_pool(&settings, &app.pool)
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("superuser"), "{err:#}");
}

#[tokio::test]
async fn a_user_sees_the_people_of_related_agencies_only() {
    let app = spawn_app().await;
    let pool = the_pool(&app).await;
    let agency_a = agency_id(&app, "AGA").await;
    let ministry = agency_id(&app, "MIN").await;
    // Agency B's officer: its own people and its supervisors', not its sibling A's.
    let b = app.user_id("officer@agency-b.demo").await;
    let mut tx = portal::db::begin_as(&pool, b).await.unwrap();
    assert_eq!(count_in(&mut tx, agency_a).await, 0);
    assert!(count_in(&mut tx, ministry).await > 0);
    let hashes: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE password_hash <> ''")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let all: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(hashes < all, "{hashes} of {all} accounts visible to B");
    // B's admin cannot rename A's officer or grant them a role.
    let a_officer = app.user_id("officer@agency-a.demo").await;
    let renamed = sqlx::query("UPDATE users SET display_name = 'x' WHERE id = $1")
        .bind(a_officer)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(renamed.rows_affected(), 0);
    let e = sqlx::query(
        "INSERT INTO role_grants (agency_id, user_id, role) VALUES ($1, $2, 'reviewer')",
    )
    .bind(agency_a)
    .bind(a_officer)
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert!(is_refused(&e), "{e}");
}

#[tokio::test]
async fn a_supervising_agency_writes_only_the_oversight_part_of_an_incident() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let id = file(&app, &officer, &[("impact_leak_core", "minor")], false).await;
    let pool = the_pool(&app).await;
    let reviewer = app.user_id("reviewer@ministry.demo").await;
    let agency_a = agency_id(&app, "AGA").await;
    let attempts = [
        "UPDATE incidents SET title = 'rewritten by the ministry' WHERE id = $1",
        "UPDATE incidents SET record = jsonb_set(record, '{root_cause}', '\"planted\"') WHERE id = $1",
        "UPDATE incidents SET summary = '' WHERE id = $1",
    ];
    for sql in attempts {
        let mut tx = portal::db::begin_as(&pool, reviewer).await.unwrap();
        let e = sqlx::query(sql)
            .bind(id)
            .execute(&mut *tx)
            .await
            .unwrap_err();
        assert!(is_refused(&e), "{sql}: {e}");
    }
    // Nor does it file in the subordinate's name.
    let mut tx = portal::db::begin_as(&pool, reviewer).await.unwrap();
    let e = sqlx::query(
        "INSERT INTO incidents (id, agency_id, number, title, category, level, aware_at, reported_at, \
         status, record, created_by) SELECT gen_random_uuid(), $1, 'X-1', 't', 'other', 1, now(), now(), \
         status, record, created_by FROM incidents WHERE id = $2",
    )
    .bind(agency_a)
    .bind(id)
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert!(is_refused(&e), "{e}");
    drop(tx);
    // Its review, through the portal, still saves.
    let ministry = as_user(&app, "reviewer@ministry.demo").await;
    crate::incidents::ok(
        &app,
        &ministry,
        id,
        "review",
        &[("level", "3"), ("reason", "影響擴大")],
    )
    .await;
    let title: String = sqlx::query_scalar("SELECT title FROM incidents WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(title, "官網遭植入惡意程式");
}

async fn count_in(tx: &mut sqlx::PgConnection, agency: uuid::Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM users WHERE agency_id = $1")
        .bind(agency)
        .fetch_one(tx)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_mfa_secret_is_reachable_by_its_user_and_their_agencys_admin_only() {
    let app = spawn_app().await;
    let commander = app.user_id("commander@agency-a.demo").await;
    let agency_a = agency_id(&app, "AGA").await;
    sqlx::query("INSERT INTO user_mfa (user_id, agency_id, secret) VALUES ($1, $2, '\\x00')")
        .bind(commander)
        .bind(agency_a)
        .execute(&app.pool)
        .await
        .unwrap();
    let pool = the_pool(&app).await;
    let seen_by = |email: &'static str| {
        let (app, pool) = (&app, &pool);
        async move {
            let user = app.user_id(email).await;
            let mut tx = portal::db::begin_as(pool, user).await.unwrap();
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM user_mfa")
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            n
        }
    };
    assert_eq!(seen_by("commander@agency-a.demo").await, 1);
    assert_eq!(seen_by("admin@agency-a.demo").await, 1);
    assert_eq!(seen_by("officer@agency-a.demo").await, 0, "a colleague");
    assert_eq!(seen_by("admin@acs.demo").await, 0, "another agency's admin");
}
