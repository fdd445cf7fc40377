//! Multi-factor sign-in: enrolment through the pages (the secret read from the page, codes made
//! here with totp-rs), the code after the password, throttling, replays, recovery codes, the
//! policy and its enforcement, the token endpoint.

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::Client;
use serde_json::json;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::helpers::{client, csrf_in, spawn_app, spawn_app_with, TestApp, DEMO_PASSWORD};

const OFFICER: &str = "officer@agency-a.demo";
const COMMANDER: &str = "commander@agency-a.demo";
const ADMIN: &str = "admin@agency-a.demo";

async fn enforced_app() -> TestApp {
    spawn_app_with(|s| s.mfa_enforced = true).await
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// What the user enrolled with: their authenticator and their recovery codes.
struct Enrolled {
    totp: TOTP,
    recovery: Vec<String>,
    /// The code that confirmed the enrolment (its step is used).
    first_code: String,
}

impl Enrolled {
    /// The code of the next time step: good (within the skew) after this step's was used.
    fn next_code(&self) -> String {
        self.totp.generate(now() + 30)
    }
    /// A code no step around now gives.
    fn wrong_code(&self) -> String {
        let t = now();
        let valid: Vec<String> = [t - 60, t - 30, t, t + 30, t + 60]
            .iter()
            .map(|s| self.totp.generate(*s))
            .collect();
        ["000000", "111111", "222222"]
            .iter()
            .find(|c| !valid.contains(&c.to_string()))
            .unwrap()
            .to_string()
    }
}

/// A page's CSRF token, read from `path` (which must render for this client).
async fn csrf_of(app: &TestApp, c: &Client, path: &str) -> String {
    let r = app.get_as(c, path).await;
    assert_eq!(r.status(), 200, "{path} renders");
    csrf_in(&r.text().await.unwrap())
}

/// Posts `fields` with the CSRF token of the page `from`.
async fn post_from(
    app: &TestApp,
    c: &Client,
    from: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let token = csrf_of(app, c, from).await;
    let mut all = vec![("csrf", token.as_str())];
    all.extend_from_slice(fields);
    app.post_form_as(c, path, &all).await
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

/// Signs in by password; returns where it leads.
async fn password(app: &TestApp, c: &Client, email: &str) -> String {
    let token = csrf_in(&app.get_as(c, "/login").await.text().await.unwrap());
    let r = app
        .post_form_as(
            c,
            "/login",
            &[
                ("csrf", &token),
                ("email", email),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{email}'s password is right");
    location(&r)
}

async fn give_code(app: &TestApp, c: &Client, code: &str) -> reqwest::Response {
    post_from(app, c, "/login/otp", "/login/otp", &[("code", code)]).await
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    html.split(start)
        .skip(1)
        .map(|part| part.split(end).next().unwrap())
        .collect()
}

/// Enrols the signed-in client through /account/mfa: start, read the secret, confirm.
async fn enrol(app: &TestApp, c: &Client) -> Enrolled {
    let r = post_from(app, c, "/account/mfa", "/account/mfa/enrol", &[]).await;
    assert_eq!(r.status(), 303);
    let page = app.get_as(c, "/account/mfa").await.text().await.unwrap();
    assert!(page.contains("<svg id=\"mfa-qr\""), "the QR code is inline");
    let secret = between(&page, "id=\"mfa-secret\">", "<")[0].to_string();
    let totp = TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        Secret::Encoded(secret).to_bytes().unwrap(),
        None,
        String::new(),
    )
    .unwrap();
    let first_code = totp.generate(now());
    let r = post_from(
        app,
        c,
        "/account/mfa",
        "/account/mfa/confirm",
        &[("code", &first_code)],
    )
    .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let recovery: Vec<String> = between(&page, "class=\"recovery-code\">", "<")
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(recovery.len(), 10, "ten recovery codes, shown once");
    Enrolled {
        totp,
        recovery,
        first_code,
    }
}

async fn failures_of(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM sign_in_attempts WHERE email_lower = $1 AND NOT succeeded",
    )
    .bind(email)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn enrolment_then_sign_in_needs_a_fresh_code_and_a_recovery_code_works_once() {
    let app = spawn_app().await;
    let c = client();
    assert_eq!(password(&app, &c, OFFICER).await, "/");
    // Linked from every signed-in page.
    assert!(app
        .get_as(&c, "/")
        .await
        .text()
        .await
        .unwrap()
        .contains("href=\"/account/mfa\""));
    let page = app.get_as(&c, "/account/mfa").await.text().await.unwrap();
    assert!(page.contains("id=\"enrol\""));
    // A wrong first code is refused with the form kept.
    post_from(&app, &c, "/account/mfa", "/account/mfa/enrol", &[]).await;
    let r = post_from(
        &app,
        &c,
        "/account/mfa",
        "/account/mfa/confirm",
        &[("code", "12")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("id=\"code-error\""));
    let me = enrol(&app, &c).await;
    let page = app.get_as(&c, "/account/mfa").await.text().await.unwrap();
    assert!(
        !page.contains("recovery-code\""),
        "the codes are shown once only"
    );
    assert!(page.contains("id=\"recovery-left\">10<"));

    // The password alone no longer signs in.
    let c = client();
    assert_eq!(password(&app, &c, OFFICER).await, "/login/otp");
    assert_eq!(location(&app.get_as(&c, "/").await), "/login");
    // A wrong code, and the code of the step the enrolment used (a replay), are refused.
    let r = give_code(&app, &c, &me.wrong_code()).await;
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("id=\"otp-error\""));
    let r = give_code(&app, &c, &me.first_code).await;
    assert_eq!(r.status(), 401, "a code of a step already used is a replay");
    let next = me.next_code();
    let r = give_code(&app, &c, &next).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/");
    assert_eq!(app.get_as(&c, "/").await.status(), 200, "signed in");
    assert_eq!(
        failures_of(&app, OFFICER).await,
        2,
        "wrong codes are failed sign-ins"
    );

    // The same code again, in a new sign-in: a replay.
    let c = client();
    password(&app, &c, OFFICER).await;
    assert_eq!(give_code(&app, &c, &next).await.status(), 401);
    // A recovery code, typed in lower case, works once.
    let recovery = me.recovery[3].to_lowercase();
    let r = give_code(&app, &c, &recovery).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.get_as(&c, "/").await.status(), 200);
    let page = app.get_as(&c, "/account/mfa").await.text().await.unwrap();
    assert!(page.contains("id=\"recovery-left\">9<"));
    let c = client();
    password(&app, &c, OFFICER).await;
    assert_eq!(
        give_code(&app, &c, &recovery).await.status(),
        401,
        "used once only"
    );
    // Nothing of the secret or the codes is stored in the clear but the TOTP secret itself.
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT code_hash FROM mfa_recovery_codes")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 10);
    assert!(stored.iter().all(|h| h.len() == 32));
}

#[tokio::test]
async fn wrong_codes_count_toward_the_sign_in_throttling() {
    let app = spawn_app().await;
    let c = client();
    password(&app, &c, OFFICER).await;
    let me = enrol(&app, &c).await;
    let c = client();
    assert_eq!(password(&app, &c, OFFICER).await, "/login/otp");
    for _ in 0..5 {
        assert_eq!(give_code(&app, &c, &me.wrong_code()).await.status(), 401);
    }
    // Throttled now, even with the right code.
    let r = give_code(&app, &c, &me.next_code()).await;
    assert_eq!(r.status(), 429);
    assert_eq!(location_or_none(&r), None);
    // And the token endpoint too, whatever the code.
    let r = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"email": OFFICER, "password": DEMO_PASSWORD, "otp": me.next_code()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
}

fn location_or_none(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test]
async fn a_commander_is_held_at_account_mfa_until_enrolled_while_enforced() {
    let app = enforced_app().await;
    let c = client();
    assert_eq!(password(&app, &c, COMMANDER).await, "/account/mfa");
    for path in ["/", "/incidents", "/account/password", "/commander-queue"] {
        let r = app.get_as(&c, path).await;
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(location(&r), "/account/mfa", "{path}");
    }
    let page = app.get_as(&c, "/account/mfa").await.text().await.unwrap();
    assert!(page.contains("id=\"mfa-due\""), "says why");
    // The language switch and signing out stay open.
    let r = post_from(
        &app,
        &c,
        "/account/mfa",
        "/language",
        &[("lang", "en"), ("back", "/account/mfa")],
    )
    .await;
    assert_eq!(location(&r), "/account/mfa");
    let page = app.get_as(&c, "/account/mfa").await.text().await.unwrap();
    assert!(page.contains("Required for your role."));
    assert!(!page.contains("id=\"turn-off\""));
    enrol(&app, &c).await;
    assert_eq!(
        app.get_as(&c, "/").await.status(),
        200,
        "free once enrolled"
    );
    let page = app.get_as(&c, "/account/mfa").await.text().await.unwrap();
    assert!(
        page.contains("id=\"cannot-turn-off\""),
        "required: no turning off"
    );
    let r = post_from(
        &app,
        &c,
        "/account/mfa",
        "/account/mfa/off",
        &[("password", DEMO_PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), 409);
    let r = post_from(&app, &c, "/", "/logout", &[]).await;
    assert_eq!(location(&r), "/login");

    // An officer, for whom it is optional, is not held.
    let c = client();
    assert_eq!(password(&app, &c, OFFICER).await, "/");
    assert_eq!(app.get_as(&c, "/incidents").await.status(), 200);
}

#[tokio::test]
async fn without_enforcement_the_policy_is_shown_but_nobody_is_held() {
    let app = spawn_app().await;
    let c = client();
    assert_eq!(password(&app, &c, COMMANDER).await, "/");
    assert_eq!(app.get_as(&c, "/incidents").await.status(), 200);
    post_from(&app, &c, "/", "/language", &[("lang", "en"), ("back", "/")]).await;
    let page = app.get_as(&c, "/account/mfa").await.text().await.unwrap();
    assert!(page.contains("Required for your role. (not enforced on this installation)"));
    assert!(!page.contains("id=\"mfa-due\""));
}

async fn token_call(app: &TestApp, email: &str, otp: Option<&str>) -> (u16, serde_json::Value) {
    let mut body = json!({"email": email, "password": DEMO_PASSWORD});
    if let Some(otp) = otp {
        body["otp"] = json!(otp);
    }
    let r = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn the_token_endpoint_takes_an_otp_from_users_with_mfa() {
    let app = enforced_app().await;
    let c = client();
    password(&app, &c, OFFICER).await;
    let me = enrol(&app, &c).await;
    let (status, body) = token_call(&app, OFFICER, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("otp_required"))
    );
    let (status, body) = token_call(&app, OFFICER, Some(&me.wrong_code())).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("otp_invalid")));
    let (status, body) = token_call(&app, OFFICER, Some(&me.recovery[0])).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("otp_invalid")),
        "recovery codes are for the pages"
    );
    let next = me.next_code();
    let (status, body) = token_call(&app, OFFICER, Some(&next)).await;
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap().to_string();
    let (status, _) = token_call(&app, OFFICER, Some(&next)).await;
    assert_eq!(status, 401, "a code once used is not taken again");
    // The token issued works like any other.
    let r = app
        .client
        .get(app.url("/api/v1/incidents"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Required but not enrolled: refused until they enrol.
    let (status, body) = token_call(&app, COMMANDER, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("mfa_enrolment_required"))
    );
    // Neither required nor enrolled: password alone, `otp` ignored.
    let (status, _) = token_call(&app, "officer@agency-b.demo", None).await;
    assert_eq!(status, 200);
    let (status, _) = token_call(&app, "officer@agency-b.demo", Some("123456")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_agency_option_makes_mfa_required_for_a_security_officer() {
    let app = enforced_app().await;
    let admin = client();
    // The administrator must enrol first (their role requires it).
    assert_eq!(password(&app, &admin, ADMIN).await, "/account/mfa");
    enrol(&app, &admin).await;
    let page = app
        .get_as(&admin, "/admin/users")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("name=\"mfa_for_everyone\" value=\"yes\" >"),
        "off at first"
    );
    let r = post_from(
        &app,
        &admin,
        "/admin/users",
        "/admin/mfa-policy",
        &[("mfa_for_everyone", "yes")],
    )
    .await;
    assert_eq!(location(&r), "/admin/users?mfa_saved=1");
    let page = app
        .get_as(&admin, "/admin/users?mfa_saved=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("value=\"yes\" checked") && page.contains("id=\"mfa-saved\""));
    // Someone else may not set it.
    let other = client();
    password(&app, &other, "officer@agency-b.demo").await;
    let r = post_from(&app, &other, "/", "/admin/mfa-policy", &[]).await;
    assert_eq!(r.status(), 403);

    let c = client();
    assert_eq!(password(&app, &c, OFFICER).await, "/account/mfa");
    assert_eq!(location(&app.get_as(&c, "/").await), "/account/mfa");
    let (status, _) = token_call(&app, OFFICER, None).await;
    assert_eq!(status, 403);
    // Another agency's officer is unaffected.
    let (status, _) = token_call(&app, "officer@agency-b.demo", None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn turning_off_and_an_administrators_reset() {
    let app = spawn_app().await;
    let c = client();
    password(&app, &c, OFFICER).await;
    let me = enrol(&app, &c).await;
    // Off needs a current code or the password.
    let r = post_from(
        &app,
        &c,
        "/account/mfa",
        "/account/mfa/off",
        &[("password", "wrong")],
    )
    .await;
    assert_eq!(r.status(), 422);
    // New recovery codes need a code; the old ones stop working.
    let r = post_from(
        &app,
        &c,
        "/account/mfa",
        "/account/mfa/recovery-codes",
        &[("code", &me.wrong_code())],
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post_from(
        &app,
        &c,
        "/account/mfa",
        "/account/mfa/recovery-codes",
        &[("code", &me.next_code())],
    )
    .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let fresh = between(&page, "class=\"recovery-code\">", "<");
    assert_eq!(fresh.len(), 10);
    assert!(!fresh.contains(&me.recovery[0].as_str()));
    let r = post_from(
        &app,
        &c,
        "/account/mfa",
        "/account/mfa/off",
        &[("password", DEMO_PASSWORD)],
    )
    .await;
    assert_eq!(location(&r), "/account/mfa?off=1");
    let c = client();
    assert_eq!(
        password(&app, &c, OFFICER).await,
        "/",
        "password alone again"
    );

    // Enrolled again, then reset by the agency's administrator: the password alone signs in.
    enrol(&app, &c).await;
    let admin = client();
    assert_eq!(password(&app, &admin, ADMIN).await, "/");
    let officer = app.user_id(OFFICER).await;
    let user_page = format!("/admin/users/{officer}");
    let page = app.get_as(&admin, &user_page).await.text().await.unwrap();
    assert!(
        page.contains("id=\"mfa-state\">已啟用<"),
        "the administrator sees it is on"
    );
    let r = post_from(
        &app,
        &admin,
        &user_page,
        &format!("{user_page}/mfa-reset"),
        &[],
    )
    .await;
    assert_eq!(location(&r), format!("{user_page}?mfa_reset=1"));
    let page = app.get_as(&admin, &user_page).await.text().await.unwrap();
    assert!(page.contains("id=\"mfa-state\">未啟用<"));
    let c = client();
    assert_eq!(password(&app, &c, OFFICER).await, "/");
    // Another agency's administrator finds no such user.
    let foreign = client();
    password(&app, &foreign, "admin@acs.demo").await;
    let r = post_from(&app, &foreign, "/", &format!("{user_page}/mfa-reset"), &[]).await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn every_mfa_form_refuses_a_missing_or_forged_csrf_token() {
    let app = spawn_app().await;
    let c = client();
    password(&app, &c, ADMIN).await;
    let officer = app.user_id(OFFICER).await;
    let reset = format!("/admin/users/{officer}/mfa-reset");
    for path in [
        "/login/otp",
        "/account/mfa/enrol",
        "/account/mfa/confirm",
        "/account/mfa/recovery-codes",
        "/account/mfa/off",
        "/admin/mfa-policy",
        reset.as_str(),
    ] {
        for forged in [None, Some("forged")] {
            let mut form = vec![("code", "123456"), ("mfa_for_everyone", "yes")];
            if let Some(f) = forged {
                form.push(("csrf", f));
            }
            let r = app.post_form_as(&c, path, &form).await;
            assert_eq!(r.status(), 403, "{path} {forged:?}");
        }
    }
    let set: bool = sqlx::query_scalar("SELECT bool_or(mfa_for_everyone) FROM agencies")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!set, "nothing changed");
}
