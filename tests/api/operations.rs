use crate::helpers::{fresh_database, spawn_app, spawn_app_with};

#[tokio::test]
async fn migrations_apply_to_an_empty_database() {
    let (pool, _) = fresh_database().await;
    portal::startup::migrate(&pool).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for t in ["agencies", "role_grants", "sign_in_attempts", "users"] {
        assert!(tables.iter().any(|x| x == t), "{t} in {tables:?}");
    }
    // Applying again is a no-op.
    portal::startup::migrate(&pool).await.unwrap();
}

#[tokio::test]
async fn health_and_readiness_answer_and_say_each_part() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    let r = app.get("/readyz").await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"status": "ready", "database": "ok", "migrations": "ok", "jobs": "off"})
    );
    // A schema behind this build (its newest migration not applied) is not ready.
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let r = app.get("/readyz").await;
    assert_eq!(r.status(), 503);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["migrations"], "behind");
}

#[tokio::test]
async fn a_runaway_statement_of_the_serving_pool_is_ended_by_its_timeout() {
    let app = spawn_app().await;
    let mut settings = portal::config::Settings::for_tests();
    settings.statement_timeout_seconds = 1;
    let pool = portal::startup::app_pool(&settings, &app.pool)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let e = sqlx::query("SELECT pg_sleep(5)")
        .execute(&pool)
        .await
        .unwrap_err();
    assert_eq!(
        e.as_database_error().and_then(|d| d.code()).as_deref(),
        Some("57014"),
        "{e}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
}

#[tokio::test]
async fn an_unknown_path_gets_a_404_page_in_the_layout_with_security_headers() {
    let app = spawn_app().await;
    let r = app.get("/no/such/page").await;
    assert_eq!(r.status(), 404);
    let h = r.headers().clone();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h.contains_key("referrer-policy"));
    assert!(h.contains_key("x-request-id"));
    let html = r.text().await.unwrap();
    assert!(html.contains("class=\"top\"") && html.contains("404"));
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_lax_and_secure_when_configured() {
    let app = spawn_app().await;
    let r = app.get("/login").await;
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && !cookie.contains("Secure")
    );
    let secure = spawn_app_with(|s| s.secure_cookies = true).await;
    let r = secure.get("/login").await;
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Secure"));
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_and_nothing_is_written() {
    let app = spawn_app_with(|s| s.body_limit = 4096).await;
    app.sign_in("admin@agency-a.demo").await;
    let token = app.csrf(&app.client).await;
    let big = "x".repeat(10_000);
    let r = app
        .post_form_as(
            &app.client,
            "/admin/users",
            &[
                ("csrf", &token),
                ("email", "big@agency-a.demo"),
                ("display_name", &big),
                ("password", "a-long-enough-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 413);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE email = 'big@agency-a.demo'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn pages_that_need_a_user_send_strangers_to_sign_in() {
    let app = spawn_app().await;
    for path in ["/", "/admin/users", "/admin/agencies"] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(r.headers()["location"], "/login");
    }
}

#[tokio::test]
async fn the_stylesheet_is_served_from_the_binary_and_unknown_static_files_are_404() {
    let app = spawn_app().await;
    let r = app.get("/static/portal.css").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert_eq!(app.get("/static/../Cargo.toml").await.status(), 404);
    assert_eq!(app.get("/static/nope.js").await.status(), 404);
    let js = app.get("/static/classify.js").await;
    assert_eq!(js.status(), 200);
    assert!(js.text().await.unwrap().contains("/api/v1/classify"));
}

#[tokio::test]
async fn a_backup_restores_into_an_empty_database_and_verifies() {
    let app = crate::helpers::spawn_app().await;
    let officer = crate::helpers::as_user(&app, "officer@agency-a.demo").await;
    let id = crate::incidents::file(&app, &officer, &[("impact_leak_core", "minor")], false).await;
    let folder = std::env::temp_dir().join(format!("portal-backup-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&folder).unwrap();
    let file = folder.join("portal.dump");
    let out = app
        .portal(&["backup", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(file.exists() && portal::backup::checkpoints_beside(&file).exists());
    // Into a new database on the same server, with its own checkpoint folder.
    let (restored, name) = fresh_database().await;
    let checkpoints = folder.join("restored-checkpoints");
    let restore = |args: &[&str]| {
        app.portal(args)
            .env("DATABASE_URL", crate::helpers::url_for(&name))
            .env("PORTAL_TIMELINE_CHECKPOINT_DIR", &checkpoints)
            .output()
            .unwrap()
    };
    let out = restore(&["restore", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("timeline intact"));
    let (title, entries): (String, i64) = sqlx::query_as(
        "SELECT i.title, (SELECT count(*) FROM timeline_entries t WHERE t.incident_id = i.id) \
         FROM incidents i WHERE i.id = $1",
    )
    .bind(id)
    .fetch_one(&restored)
    .await
    .unwrap();
    assert_eq!(title, "官網遭植入惡意程式");
    assert!(entries >= 1);
    let out = restore(&["verify-timeline"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Not over a database that holds data.
    let out = restore(&["restore", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    let _ = std::fs::remove_dir_all(&folder);
}
