use crate::helpers::{as_user, client, spawn_app, TestApp, DEMO_PASSWORD};

async fn user_count(app: &crate::helpers::TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_agency_admin_creates_a_user_with_roles_who_can_then_sign_in() {
    let app = spawn_app().await;
    app.sign_in("admin@agency-a.demo").await;
    let r = app
        .post(
            "/admin/users",
            &[
                ("email", "New.Person@Agency-A.demo"),
                ("display_name", "新同仁"),
                ("password", "a-long-enough-password"),
                ("role", "commander"),
                ("role", "logistics"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let id = app.user_id("new.person@agency-a.demo").await;
    let roles: Vec<String> =
        sqlx::query_scalar("SELECT role FROM role_grants WHERE user_id = $1 ORDER BY role")
            .bind(id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert!(
        roles.is_empty(),
        "the roles wait for a second person: {roles:?}"
    );
    confirm_all_as(&app, "ciso@agency-a.demo").await;
    let roles: Vec<String> =
        sqlx::query_scalar("SELECT role FROM role_grants WHERE user_id = $1 ORDER BY role")
            .bind(id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(roles, ["commander", "logistics"]);
    let c = client();
    let r = app
        .sign_in_as(&c, "new.person@agency-a.demo", "a-long-enough-password")
        .await;
    assert_eq!(r.status(), 303, "e-mail matched regardless of case");
}

#[tokio::test]
async fn a_bad_new_user_form_is_shown_again_with_messages_and_what_was_typed() {
    let app = spawn_app().await;
    app.sign_in("admin@agency-a.demo").await;
    let before = user_count(&app).await;
    let r = app
        .post(
            "/admin/users",
            &[
                ("email", "not-an-email"),
                ("display_name", "<script>alert(1)</script>"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"email-error\""));
    assert!(html.contains("id=\"password-error\""));
    assert!(html.contains("value=\"not-an-email\""), "typed e-mail kept");
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "typed name kept, escaped"
    );
    assert!(!html.contains("<script>alert(1)"), "never rendered raw");
    assert_eq!(user_count(&app).await, before);
}

#[tokio::test]
async fn an_e_mail_already_in_use_in_any_case_is_a_field_error() {
    let app = spawn_app().await;
    app.sign_in("admin@agency-a.demo").await;
    let before = user_count(&app).await;
    let r = app
        .post(
            "/admin/users",
            &[
                ("email", "OFFICER@agency-b.demo"),
                ("display_name", "Someone"),
                ("password", "a-long-enough-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("id=\"email-error\""));
    assert_eq!(user_count(&app).await, before);
}

#[tokio::test]
async fn a_missing_or_forged_csrf_token_is_refused_and_nothing_changes() {
    let app = spawn_app().await;
    app.sign_in("admin@agency-a.demo").await;
    let before = user_count(&app).await;
    let fields = [
        ("email", "x@agency-a.demo"),
        ("display_name", "X"),
        ("password", "a-long-enough-password"),
    ];
    let r = app.post_form_as(&app.client, "/admin/users", &fields).await;
    assert_eq!(r.status(), 403);
    let mut forged = vec![(
        "csrf",
        "0000000000000000000000000000000000000000000000000000000000000000",
    )];
    forged.extend_from_slice(&fields);
    let r = app.post_form_as(&app.client, "/admin/users", &forged).await;
    assert_eq!(r.status(), 403);
    // Another session's valid token is not this session's token.
    let other = client();
    app.sign_in_as(&other, "admin@agency-b.demo", DEMO_PASSWORD)
        .await; // no such account: anonymous token
    let foreign = app.csrf(&other).await;
    let mut foreign_fields = vec![("csrf", foreign.as_str())];
    foreign_fields.extend_from_slice(&fields);
    let r = app
        .post_form_as(&app.client, "/admin/users", &foreign_fields)
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(user_count(&app).await, before);
}

#[tokio::test]
async fn an_agency_admin_cannot_see_or_change_another_agencys_users() {
    let app = spawn_app().await;
    app.sign_in("admin@agency-a.demo").await;
    let list = app.text("/admin/users").await;
    assert!(list.contains("officer@agency-a.demo"));
    assert!(
        !list.contains("officer@agency-b.demo"),
        "only own agency listed"
    );

    let foreign = app.user_id("officer@agency-b.demo").await;
    assert_eq!(
        app.get(&format!("/admin/users/{foreign}")).await.status(),
        404
    );
    let r = app
        .post(
            &format!("/admin/users/{foreign}/disable"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = app
        .post(
            &format!("/admin/users/{foreign}/roles"),
            &[("role", "agency_admin")],
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(app.get("/admin/users/not-a-uuid").await.status(), 404);

    let (disabled, roles): (bool, i64) = sqlx::query_as(
        "SELECT u.disabled, (SELECT count(*) FROM role_grants g WHERE g.user_id = u.id) FROM users u WHERE u.id = $1",
    )
    .bind(foreign)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(!disabled);
    assert_eq!(roles, 2, "Agency B's officer keeps exactly their two roles");
}

#[tokio::test]
async fn a_user_without_the_admin_role_is_forbidden_from_administration() {
    let app = spawn_app().await;
    app.sign_in("officer@agency-a.demo").await;
    assert_eq!(app.get("/admin/users").await.status(), 403);
    assert_eq!(app.get("/admin/agencies").await.status(), 403);
    let r = app
        .post(
            "/admin/users",
            &[
                ("email", "x@agency-a.demo"),
                ("display_name", "X"),
                ("password", "a-long-enough-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn an_agency_admin_who_is_not_at_the_competent_authority_cannot_register_agencies() {
    let app = spawn_app().await;
    app.sign_in("admin@agency-a.demo").await;
    assert_eq!(app.get("/admin/agencies").await.status(), 403);
}

/// Confirms every role grant waiting in `email`'s agency, as `email` (a second person).
pub async fn confirm_all_as(app: &TestApp, email: &str) {
    let c = as_user(app, email).await;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM role_changes WHERE state = 'pending'")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    for id in ids {
        let r = app
            .post_as(
                &c,
                &format!("/role-changes/{id}/decision"),
                &[("decision", "confirm")],
            )
            .await;
        assert_eq!(r.status(), 303, "{email} confirms grant {id}");
    }
}

#[tokio::test]
async fn a_grant_takes_effect_only_when_a_second_person_confirms_it_and_removals_at_once() {
    let app = spawn_app().await;
    let admin = as_user(&app, "admin@agency-a.demo").await;
    let me = app.user_id("admin@agency-a.demo").await;
    let roles_of = |id| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT role FROM role_grants WHERE user_id = $1 ORDER BY role",
            )
            .bind(id)
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    // The admin makes themselves commander: it waits, and they cannot confirm it.
    let r = app
        .post_as(
            &admin,
            &format!("/admin/users/{me}/roles"),
            &[("role", "agency_admin"), ("role", "commander")],
        )
        .await;
    assert_eq!(
        r.headers()["location"],
        format!("/admin/users/{me}?pending=1")
    );
    assert_eq!(roles_of(me).await, ["agency_admin"]);
    let change: i64 = sqlx::query_scalar("SELECT id FROM role_changes WHERE state = 'pending'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let decision = format!("/role-changes/{change}/decision");
    let r = app
        .post_as(&admin, &decision, &[("decision", "confirm")])
        .await;
    assert_eq!(r.status(), 403, "nobody confirms their own");
    // Somebody without standing may not either; another agency does not even see it.
    let officer = as_user(&app, "officer@agency-a.demo").await;
    assert_eq!(app.get_as(&officer, "/role-changes").await.status(), 403);
    let r = app
        .post_as(&officer, &decision, &[("decision", "confirm")])
        .await;
    assert_eq!(r.status(), 403);
    let acs_admin = as_user(&app, "admin@acs.demo").await;
    let r = app
        .post_as(&acs_admin, &decision, &[("decision", "confirm")])
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(roles_of(me).await, ["agency_admin"], "still not commander");

    // The CISO sees it and confirms: now it holds.
    let ciso = as_user(&app, "ciso@agency-a.demo").await;
    let page = app
        .get_as(&ciso, "/role-changes")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&decision), "the CISO may decide");
    let r = app
        .post_as(&ciso, &decision, &[("decision", "confirm")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(roles_of(me).await, ["agency_admin", "commander"]);
    let r = app
        .post_as(&ciso, &decision, &[("decision", "reject")])
        .await;
    assert_eq!(r.status(), 404, "decided once");

    // A removal takes effect at once and is on record.
    let r = app
        .post_as(
            &admin,
            &format!("/admin/users/{me}/roles"),
            &[("role", "agency_admin")],
        )
        .await;
    assert_eq!(
        r.headers()["location"],
        format!("/admin/users/{me}?saved=1")
    );
    assert_eq!(roles_of(me).await, ["agency_admin"]);
    let recorded: Vec<(String, Vec<String>, Vec<String>)> = sqlx::query_as(
        "SELECT state, granted, removed FROM role_changes WHERE user_id = $1 ORDER BY id",
    )
    .bind(me)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        recorded,
        [
            (
                "confirmed".to_string(),
                vec!["commander".to_string()],
                vec![]
            ),
            ("applied".to_string(), vec![], vec!["commander".to_string()]),
        ]
    );
}

#[tokio::test]
async fn roles_are_granted_and_revoked_and_an_unknown_role_is_refused() {
    let app = spawn_app().await;
    app.sign_in("admin@agency-a.demo").await;
    let id = app.user_id("responder@agency-a.demo").await;
    let r = app
        .post(
            &format!("/admin/users/{id}/roles"),
            &[("role", "logistics"), ("role", "press_officer")],
        )
        .await;
    assert_eq!(r.status(), 303);
    confirm_all_as(&app, "ciso@agency-a.demo").await;
    let roles = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT role FROM role_grants WHERE user_id = $1 ORDER BY role",
        )
        .bind(id)
        .fetch_all(&app.pool)
        .await
        .unwrap()
    };
    assert_eq!(roles().await, ["logistics", "press_officer"]);
    let r = app
        .post(
            &format!("/admin/users/{id}/roles"),
            &[("role", "superuser")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(roles().await, ["logistics", "press_officer"], "unchanged");
}

#[tokio::test]
async fn disabling_needs_a_confirmation_and_an_admin_cannot_disable_themselves() {
    let app = spawn_app().await;
    app.sign_in("admin@agency-a.demo").await;
    let id = app.user_id("responder@agency-a.demo").await;
    let r = app.post(&format!("/admin/users/{id}/disable"), &[]).await;
    assert_eq!(r.status(), 422);
    let me = app.user_id("admin@agency-a.demo").await;
    let r = app
        .post(&format!("/admin/users/{me}/disable"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 409);
    let disabled: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE disabled")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(disabled, 0);
    let r = app
        .post(&format!("/admin/users/{id}/disable"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 303);
    let r = app.post(&format!("/admin/users/{id}/enable"), &[]).await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn the_competent_authority_registers_an_agency_with_its_first_administrator() {
    let app = spawn_app().await;
    app.sign_in("admin@acs.demo").await;
    let ministry: uuid::Uuid = sqlx::query_scalar("SELECT id FROM agencies WHERE code = 'MIN'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let ministry = ministry.to_string();
    let r = app
        .post(
            "/admin/agencies",
            &[
                ("code", "AGC"),
                ("name_zh", "丙機關"),
                ("name_en", "Agency C"),
                ("kind", "government"),
                ("superior", &ministry),
                ("responsibility_level", "D"),
                ("admin_email", "admin@agency-c.demo"),
                ("admin_display_name", "丙機關管理者"),
                ("admin_password", "a-long-enough-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let c = client();
    assert_eq!(
        app.sign_in_as(&c, "admin@agency-c.demo", "a-long-enough-password")
            .await
            .status(),
        303
    );
    let home = app.get_as(&c, "/").await.text().await.unwrap();
    assert!(home.contains("丙機關") && home.contains("示範部"));
    assert_eq!(app.get_as(&c, "/admin/users").await.status(), 200);
}

#[tokio::test]
async fn an_agency_cannot_be_placed_below_one_of_its_own_subordinates() {
    let app = spawn_app().await;
    app.sign_in("admin@acs.demo").await;
    let id = |code: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, uuid::Uuid>("SELECT id FROM agencies WHERE code = $1")
                .bind(code)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let ministry = id("MIN").await;
    let agency_a = id("AGA").await.to_string();
    let r = app
        .post(
            &format!("/admin/agencies/{ministry}"),
            &[
                ("name_zh", "示範部"),
                ("name_en", "Ministry"),
                ("superior", &agency_a),
                ("responsibility_level", "A"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("id=\"superior-error\""));
    let superior: Option<uuid::Uuid> =
        sqlx::query_scalar("SELECT superior_id FROM agencies WHERE id = $1")
            .bind(ministry)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(superior, None);
}

#[tokio::test]
async fn a_duplicate_or_malformed_agency_code_is_a_field_error() {
    let app = spawn_app().await;
    app.sign_in("admin@acs.demo").await;
    for code in ["AGA", "bad code"] {
        let r = app
            .post(
                "/admin/agencies",
                &[
                    ("code", code),
                    ("name_zh", "某機關"),
                    ("name_en", "Some"),
                    ("kind", "government"),
                    ("responsibility_level", "C"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422, "{code}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("id=\"code-error\"") && html.contains("某機關"),
            "{code}"
        );
    }
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM agencies")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 7);
}
