//! Tokens for systems (issue #14): a name, scopes and an end; listed and revoked by their owner
//! and their agency's admin; ended for good when the user is disabled; the API's sign-out.

use crate::helpers::{as_user, spawn_app, token, TestApp};

/// Issues a token on the owner's page; the secret is on the answer page only.
pub(crate) async fn issue(
    app: &TestApp,
    web: &reqwest::Client,
    name: &str,
    scopes: &[&str],
) -> String {
    let mut fields = vec![("name", name), ("days", "30")];
    for s in scopes {
        fields.push(("scopes", s));
    }
    let r = app.post_as(web, "/account/tokens", &fields).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let start =
        page.find("id=\"token-secret\">").expect("shown once") + "id=\"token-secret\">".len();
    page[start..start + 64].to_string()
}

async fn status(app: &TestApp, method: reqwest::Method, path: &str, bearer: &str) -> u16 {
    let mut r = app
        .client
        .request(method.clone(), app.url(path))
        .bearer_auth(bearer);
    if method == reqwest::Method::POST {
        r = r.json(&serde_json::json!({}));
    }
    r.send().await.unwrap().status().as_u16()
}

async fn token_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM api_tokens WHERE name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_token_does_only_what_its_scopes_say_and_ends_when_revoked() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let reader = issue(&app, &officer, "SOC 讀取", &["read"]).await;
    let filer = issue(&app, &officer, "工單系統", &["file"]).await;
    let list = app
        .get_as(&officer, "/account/tokens")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("SOC 讀取") && list.contains("工單系統"));
    assert!(
        !list.contains(&reader) && !list.contains(&filer),
        "a secret is shown once"
    );

    use reqwest::Method;
    assert_eq!(
        status(&app, Method::GET, "/api/v1/incidents", &reader).await,
        200
    );
    assert_eq!(
        status(&app, Method::POST, "/api/v1/incidents", &reader).await,
        403,
        "reading only"
    );
    assert_eq!(
        status(&app, Method::GET, "/api/v1/incidents", &filer).await,
        403,
        "filing only"
    );
    assert_eq!(
        status(&app, Method::POST, "/api/v1/incidents", &filer).await,
        422,
        "may file"
    );
    let any = uuid::Uuid::new_v4();
    let act = format!("/api/v1/incidents/{any}/actions/comment");
    assert_eq!(
        status(&app, Method::POST, &act, &filer).await,
        403,
        "may not act"
    );

    // Bad input comes back with what was typed.
    let r = app
        .post_as(
            &officer,
            "/account/tokens",
            &[("name", "保留的名稱"), ("days", "999")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("保留的名稱") && page.contains("1 至 365"));

    // The owner revokes one; another agency's officer cannot even find it; this agency's
    // admin sees the other and revokes it.
    let id = token_id(&app, "SOC 讀取").await;
    let stranger = as_user(&app, "officer@agency-b.demo").await;
    let r = app
        .post_as(&stranger, &format!("/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        status(&app, Method::GET, "/api/v1/incidents", &reader).await,
        200
    );
    let r = app
        .post_as(&officer, &format!("/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        status(&app, Method::GET, "/api/v1/incidents", &reader).await,
        401
    );

    let admin = as_user(&app, "admin@agency-a.demo").await;
    let agency = app
        .get_as(&admin, "/admin/tokens")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        agency.contains("工單系統") && !agency.contains("SOC 讀取"),
        "live ones only"
    );
    let id = token_id(&app, "工單系統").await;
    let r = app
        .post_as(
            &admin,
            &format!("/tokens/{id}/revoke"),
            &[("back", "/admin/tokens")],
        )
        .await;
    assert_eq!(r.headers()["location"], "/admin/tokens");
    assert_eq!(
        status(&app, Method::POST, "/api/v1/incidents", &filer).await,
        401
    );
    // A colleague who is not admin may not revoke someone else's.
    let commander = as_user(&app, "commander@agency-a.demo").await;
    let mine = issue(&app, &officer, "再一個", &["read"]).await;
    let id = token_id(&app, "再一個").await;
    let r = app
        .post_as(&commander, &format!("/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        status(&app, Method::GET, "/api/v1/incidents", &mine).await,
        200
    );
}

#[tokio::test]
async fn a_disabled_users_tokens_end_for_good_and_the_api_signs_out() {
    let app = spawn_app().await;
    let responder = as_user(&app, "responder@agency-a.demo").await;
    let personal = issue(&app, &responder, "監控", &["read"]).await;
    let interactive = token(&app, "responder@agency-a.demo").await;
    use reqwest::Method;
    assert_eq!(
        status(&app, Method::GET, "/api/v1/incidents", &interactive).await,
        200
    );

    let admin = as_user(&app, "admin@agency-a.demo").await;
    let uid = app.user_id("responder@agency-a.demo").await;
    for disabled in ["disable", "enable"] {
        let r = app
            .post_as(
                &admin,
                &format!("/admin/users/{uid}/{disabled}"),
                &[("confirm", "yes")],
            )
            .await;
        assert!(r.status().is_redirection(), "{disabled}: {}", r.status());
        for t in [&personal, &interactive] {
            assert_eq!(
                status(&app, Method::GET, "/api/v1/incidents", t).await,
                401,
                "after {disabled}: ended and stays ended"
            );
        }
    }

    // The API's sign-out ends the token presented, and only it.
    let a = token(&app, "responder@agency-a.demo").await;
    let b = token(&app, "responder@agency-a.demo").await;
    assert_eq!(
        status(&app, Method::DELETE, "/api/v1/auth/token", &a).await,
        204
    );
    assert_eq!(
        status(&app, Method::GET, "/api/v1/incidents", &a).await,
        401
    );
    assert_eq!(
        status(&app, Method::DELETE, "/api/v1/auth/token", &a).await,
        401
    );
    assert_eq!(
        status(&app, Method::GET, "/api/v1/incidents", &b).await,
        200
    );
}
