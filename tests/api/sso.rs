//! SSO (OpenID Connect) against a real provider: `tests/oidc/provider.mjs`, panva's
//! oidc-provider under Node, started here on a free port. The whole flow is driven by hand over
//! HTTP: the portal's redirect, the provider's login and consent forms, the callback.

use std::process::Stdio;
use std::time::Duration;

use reqwest::Url;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::OnceCell;

use crate::helpers::{client, csrf_in, spawn_app, spawn_app_with, visible_text, TestApp};

const CLIENT_ID: &str = "portal-test";
const CLIENT_SECRET: &str = "a test client secret, not a real one";
const LABEL: &str = "機關單一登入";

fn oidc_folder() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// A port free at the moment asked (the portal's redirect URI must be known before it starts,
/// since the provider registers it).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

static NPM_CI: OnceCell<()> = OnceCell::const_new();

/// Installs the provider's packages from the committed lockfile, once per test run.
async fn install_provider() {
    NPM_CI
        .get_or_init(|| async {
            if oidc_folder().join("node_modules/oidc-provider").exists() {
                return;
            }
            let status = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(oidc_folder())
                .status()
                .await
                .expect("npm runs (it comes with node)");
            assert!(status.success(), "npm ci in tests/oidc");
        })
        .await;
}

/// The provider, killed when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Provider {
    async fn stop(mut self) {
        self.child.kill().await.unwrap();
    }

    fn port(&self) -> u16 {
        self.issuer.rsplit(':').next().unwrap().parse().unwrap()
    }
}

/// Where the provider gives the e-mail claims.
#[derive(Clone, Copy, PartialEq)]
enum EmailClaims {
    AtUserinfo,
    InIdToken,
}

/// Starts the provider for a portal on `portal_port`; `None` (and says so) without `node`.
async fn start_provider(portal_port: u16, claims: EmailClaims) -> Option<Provider> {
    start_provider_on(free_port(), portal_port, claims).await
}

async fn start_provider_on(port: u16, portal_port: u16, claims: EmailClaims) -> Option<Provider> {
    if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED: `node` is not installed, so the SSO tests have no OpenID provider");
        return None;
    }
    install_provider().await;
    let mut child = Command::new("node")
        .arg("provider.mjs")
        .current_dir(oidc_folder())
        .env("PORT", port.to_string())
        .env("CLIENT_ID", CLIENT_ID)
        .env("CLIENT_SECRET", CLIENT_SECRET)
        .env(
            "EMAIL_IN_ID_TOKEN",
            if claims == EmailClaims::InIdToken {
                "1"
            } else {
                "0"
            },
        )
        .env(
            "REDIRECT_URI",
            format!("http://127.0.0.1:{portal_port}/login/sso/callback"),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("node starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(issuer) = line.strip_prefix("oidc-provider ready ") {
                return issuer.to_string();
            }
        }
        panic!("the provider exited before it was ready");
    })
    .await
    .expect("the provider is ready within 30 s");
    // Its later output is read and dropped: a closed pipe would end it at its next line.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Some(Provider {
        child,
        issuer: ready,
    })
}

/// A provider and a portal configured to use it (`adjust` changes the portal's settings).
async fn sso_app(
    claims: EmailClaims,
    adjust: impl FnOnce(&mut portal::config::Settings),
) -> Option<(Provider, TestApp)> {
    let portal_port = free_port();
    let provider = start_provider(portal_port, claims).await?;
    let app = sso_portal(portal_port, &provider.issuer, adjust).await;
    Some((provider, app))
}

/// The portal on `port`, using the provider at `issuer`.
async fn sso_portal(
    port: u16,
    issuer: &str,
    adjust: impl FnOnce(&mut portal::config::Settings),
) -> TestApp {
    let issuer = issuer.to_string();
    spawn_app_with(move |s| {
        s.listen = format!("127.0.0.1:{port}").parse().unwrap();
        s.oidc_issuer = Some(issuer);
        s.oidc_client_id = Some(CLIENT_ID.into());
        s.oidc_client_secret = Some(CLIENT_SECRET.into());
        s.oidc_label = Some(LABEL.into());
        adjust(s);
    })
    .await
}

fn location(r: &reqwest::Response) -> Url {
    let to = r
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("{} {} redirects", r.status(), r.url()))
        .to_str()
        .unwrap();
    r.url().join(to).unwrap()
}

/// The first form of a provider page: where it posts, and its hidden fields.
fn form_in(html: &str, page: &Url) -> (Url, Vec<(String, String)>) {
    let attr = |tag: &str, name: &str| {
        let marker = format!("{name}=\"");
        tag.find(&marker).map(|i| {
            let rest = &tag[i + marker.len()..];
            rest[..rest.find('"').unwrap()].replace("&amp;", "&")
        })
    };
    let form = &html[html.find("<form").expect("the provider shows a form")..];
    let action = attr(&form[..form.find('>').unwrap()], "action").unwrap();
    let mut hidden = Vec::new();
    for input in form.split("<input").skip(1) {
        let tag = &input[..input.find('>').unwrap()];
        if attr(tag, "type").as_deref() == Some("hidden") {
            hidden.push((attr(tag, "name").unwrap(), attr(tag, "value").unwrap()));
        }
    }
    (page.join(&action).unwrap(), hidden)
}

/// Signs in at the provider as `account` from the portal's /login/sso and returns the
/// provider's redirect back to the portal (the callback URL), not yet followed.
async fn through_provider(app: &TestApp, web: &reqwest::Client, account: &str) -> Url {
    let start = app.get_as(web, "/login/sso").await;
    assert_eq!(start.status(), 303, "/login/sso sends to the provider");
    let mut next = location(&start);
    assert!(next.as_str().contains("code_challenge="), "PKCE: {next}");
    assert!(next.as_str().contains("nonce="), "{next}");
    for _ in 0..20 {
        if next.as_str().starts_with(&app.url("/login/sso/callback")) {
            return next;
        }
        let r = web.get(next.clone()).send().await.unwrap();
        if r.status().is_redirection() {
            next = location(&r);
            continue;
        }
        assert_eq!(r.status(), 200, "the provider's page {next}");
        let page = r.url().clone();
        let html = r.text().await.unwrap();
        let (action, mut fields) = form_in(&html, &page);
        if fields.iter().any(|(k, v)| k == "prompt" && v == "login") {
            fields.push(("login".into(), account.into()));
            fields.push(("password".into(), "any".into()));
        }
        let sent = web.post(action).form(&fields).send().await.unwrap();
        assert!(sent.status().is_redirection(), "{}", sent.status());
        next = location(&sent);
    }
    panic!("the provider never sent back to the portal");
}

/// The callback with one query parameter replaced.
fn with_param(url: &Url, name: &str, value: &str) -> Url {
    let mut out = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                value.into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    out.query_pairs_mut().clear().extend_pairs(pairs);
    out
}

async fn signed_in(app: &TestApp, web: &reqwest::Client) -> bool {
    app.get_as(web, "/").await.status() == 200
}

#[tokio::test]
async fn a_verified_user_signs_in_by_sso_once_per_callback() {
    let Some((_provider, app)) = sso_app(EmailClaims::AtUserinfo, |_| {}).await else {
        return;
    };
    let web = client();
    let login = app.get_as(&web, "/login").await.text().await.unwrap();
    assert!(
        login.contains("href=\"/login/sso\"") && login.contains(LABEL),
        "the sign-in page offers SSO"
    );

    let callback = through_provider(&app, &web, "officer").await;
    let done = web.get(callback.clone()).send().await.unwrap();
    assert_eq!(done.status(), 303, "{}", done.text().await.unwrap());
    assert_eq!(location(&done).path(), "/");
    let home = app.get_as(&web, "/").await;
    assert_eq!(home.status(), 200, "signed in");
    assert!(home.text().await.unwrap().contains("action=\"/logout\""));
    // Counted as a sign-in, like a password one.
    let (user, succeeded): (Option<uuid::Uuid>, bool) = sqlx::query_as(
        "SELECT user_id, succeeded FROM sign_in_attempts \
         WHERE email_lower = 'officer@agency-a.demo' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(user, Some(app.user_id("officer@agency-a.demo").await));
    assert!(succeeded);

    // The same callback again, from the same browser or from anyone who saw the URL: refused.
    let again = web.get(callback.clone()).send().await.unwrap();
    assert_eq!(again.status(), 400);
    let other = client();
    let stolen = other.get(callback).send().await.unwrap();
    assert_eq!(stolen.status(), 400);
    let text = visible_text(&stolen.text().await.unwrap());
    assert!(text.contains("逾時或不是由本頁開始"), "{text}");
    assert!(!signed_in(&app, &other).await);
}

#[tokio::test]
async fn a_callback_with_another_state_is_refused_and_spends_the_sign_in() {
    let Some((_provider, app)) = sso_app(EmailClaims::AtUserinfo, |_| {}).await else {
        return;
    };
    let web = client();
    let callback = through_provider(&app, &web, "officer").await;
    let forged = with_param(&callback, "state", "not-the-state");
    let r = web.get(forged).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(!signed_in(&app, &web).await);
    // The pending sign-in is gone: the genuine callback is refused too.
    let r = web.get(callback).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(!signed_in(&app, &web).await);
    // A callback without any sign-in started in this session.
    let r = client()
        .get(app.url("/login/sso/callback?code=x&state=y"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

/// Runs the flow as `account` in a new browser: (status, visible text, signed in after).
async fn outcome(app: &TestApp, account: &str, english: bool) -> (u16, String, bool) {
    let web = client();
    if english {
        let csrf = csrf_in(&app.get_as(&web, "/login").await.text().await.unwrap());
        let r = app
            .post_form_as(&web, "/language", &[("csrf", &csrf), ("lang", "en")])
            .await;
        assert_eq!(r.status(), 303);
    }
    let callback = through_provider(app, &web, account).await;
    let r = web.get(callback).send().await.unwrap();
    let status = r.status().as_u16();
    let text = visible_text(&r.text().await.unwrap());
    (status, text, signed_in(app, &web).await)
}

#[tokio::test]
async fn unverified_unknown_and_disabled_users_are_refused_in_their_language() {
    let Some((_provider, app)) = sso_app(EmailClaims::AtUserinfo, |_| {}).await else {
        return;
    };
    let (status, text, signed) = outcome(&app, "unverified", false).await;
    assert_eq!(status, 403);
    assert!(text.contains("尚未驗證您的電子郵件"), "{text}");
    assert!(!signed);
    let (status, text, signed) = outcome(&app, "unverified", true).await;
    assert_eq!(status, 403);
    assert!(text.contains("has not verified your e-mail"), "{text}");
    assert!(!signed);

    let (status, text, signed) = outcome(&app, "stranger", false).await;
    assert_eq!(status, 403);
    assert!(text.contains("沒有使用此電子郵件的帳號"), "{text}");
    assert!(!signed);
    let (_, text, _) = outcome(&app, "stranger", true).await;
    assert!(text.contains("No portal account has this e-mail"), "{text}");

    sqlx::query("UPDATE users SET disabled = true WHERE email = 'responder@agency-a.demo'")
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, text, signed) = outcome(&app, "responder", false).await;
    assert_eq!(status, 403);
    assert!(text.contains("此帳號已停用"), "{text}");
    assert!(!signed);
    let failed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sign_in_attempts \
         WHERE email_lower = 'responder@agency-a.demo' AND NOT succeeded",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(failed, 1, "a refused SSO sign-in is a failed attempt");
}

#[tokio::test]
async fn only_the_configured_agencies_may_use_sso() {
    // The e-mail in the ID token this time, so that path is taken too.
    let agencies = |s: &mut portal::config::Settings| s.oidc_agencies = vec!["AGB".into()];
    let Some((_provider, app)) = sso_app(EmailClaims::InIdToken, agencies).await else {
        return;
    };
    let (status, text, signed) = outcome(&app, "officer", false).await;
    assert_eq!(status, 403);
    assert!(text.contains("貴機關未開放以單一登入"), "{text}");
    assert!(!signed);
    let (status, text, signed) = outcome(&app, "unverified", true).await;
    assert_eq!(status, 403);
    assert!(text.contains("has not verified your e-mail"), "{text}");
    assert!(!signed);
}

#[tokio::test]
async fn the_e_mail_may_come_in_the_id_token() {
    let Some((_provider, app)) = sso_app(EmailClaims::InIdToken, |_| {}).await else {
        return;
    };
    let (status, _, signed) = outcome(&app, "officer", false).await;
    assert_eq!(status, 303);
    assert!(signed);
}

#[tokio::test]
async fn without_an_issuer_there_is_no_sso() {
    let app = spawn_app().await;
    assert_eq!(app.get("/login/sso").await.status(), 404);
    assert_eq!(
        app.get("/login/sso/callback?code=x&state=y").await.status(),
        404
    );
    let login = app.text("/login").await;
    assert!(!login.contains("/login/sso"), "no SSO button");
}

#[tokio::test]
async fn sso_sign_ins_share_the_password_throttle() {
    let Some((_provider, app)) = sso_app(EmailClaims::AtUserinfo, |_| {}).await else {
        return;
    };
    // This address has just failed as often as it may (by passwords, for many accounts).
    sqlx::query(
        "INSERT INTO sign_in_attempts (email_lower, client_ip, succeeded) \
         SELECT 'guess' || g || '@agency-a.demo', '127.0.0.1', false \
         FROM generate_series(1, $1) g",
    )
    .bind(portal::services::auth::MAX_FAILURES_PER_ADDRESS as i32)
    .execute(&app.pool)
    .await
    .unwrap();
    let (status, text, signed) = outcome(&app, "officer", false).await;
    assert_eq!(status, 429);
    assert!(text.contains("登入失敗次數過多"), "{text}");
    assert!(!signed);
}

#[tokio::test]
async fn keys_the_provider_rotated_are_fetched_anew() {
    let portal_port = free_port();
    let Some(first) = start_provider(portal_port, EmailClaims::InIdToken).await else {
        return;
    };
    let app = sso_portal(portal_port, &first.issuer, |_| {}).await;
    let (status, _, signed) = outcome(&app, "officer", false).await;
    assert!(
        status == 303 && signed,
        "the first key set is fetched and cached"
    );
    // The same issuer, now signing with another key (and key id) than the cached set has.
    let port = first.port();
    first.stop().await;
    let _second = start_provider_on(port, portal_port, EmailClaims::InIdToken)
        .await
        .unwrap();
    let (status, text, signed) = outcome(&app, "officer", false).await;
    assert_eq!(status, 303, "{text}");
    assert!(signed);
}
