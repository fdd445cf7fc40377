use crate::helpers::{client, csrf_in, spawn_app, DEMO_PASSWORD};

#[tokio::test]
async fn an_officer_signs_in_and_sees_agency_roles_escalation_target_and_the_chain_above() {
    let app = spawn_app().await;
    let r = app.sign_in("officer@agency-a.demo").await;
    assert_eq!(r.headers()["location"], "/");
    let home = app.text("/").await;
    assert!(home.contains("甲機關"), "own agency shown");
    assert!(
        home.contains("security_officer") || home.contains("資安"),
        "roles shown"
    );
    let target = &home[home.find("id=\"escalation\"").unwrap()..home.find("id=\"chain\"").unwrap()];
    assert!(
        target.contains("示範部"),
        "the ministry is Agency A's escalation target: {target}"
    );
    let chain = &home[home.find("id=\"chain\"").unwrap()..];
    assert!(chain.contains("示範部") && chain.contains("數位發展部資通安全署"));
}

#[tokio::test]
async fn an_agency_without_a_superior_escalates_to_the_competent_authority() {
    let app = spawn_app().await;
    app.sign_in("officer@independent.demo").await;
    let home = app.text("/").await;
    let target = &home[home.find("id=\"escalation\"").unwrap()..home.find("id=\"chain\"").unwrap()];
    assert!(target.contains("數位發展部資通安全署"), "{target}");
}

#[tokio::test]
async fn a_hospital_escalates_to_its_sector_authority() {
    let app = spawn_app().await;
    app.sign_in("officer@hospital.demo").await;
    let home = app.text("/").await;
    let target = &home[home.find("id=\"escalation\"").unwrap()..home.find("id=\"chain\"").unwrap()];
    assert!(target.contains("衛生福利部"), "{target}");
}

#[tokio::test]
async fn every_demo_account_can_sign_in() {
    let app = spawn_app().await;
    for account in portal::services::demo::accounts() {
        let c = client();
        let r = app.sign_in_as(&c, account.email, DEMO_PASSWORD).await;
        assert_eq!(r.status(), 303, "{} signs in", account.email);
        assert_eq!(app.get_as(&c, "/").await.status(), 200);
    }
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_message() {
    let app = spawn_app().await;
    let wrong = app
        .sign_in_as(&client(), "officer@agency-a.demo", "not-the-password")
        .await;
    assert_eq!(wrong.status(), 401);
    let wrong = wrong.text().await.unwrap();
    let unknown = app
        .sign_in_as(&client(), "nobody@agency-a.demo", "not-the-password")
        .await;
    assert_eq!(unknown.status(), 401);
    let unknown = unknown.text().await.unwrap();
    let message = |html: &str| {
        let start = html.find("id=\"login-error\">").expect("an error is shown");
        html[start..].split('<').next().unwrap().to_string()
    };
    assert_eq!(message(&wrong), message(&unknown));
    assert!(
        wrong.contains("value=\"officer@agency-a.demo\""),
        "the e-mail typed is kept"
    );
}

#[tokio::test]
async fn an_empty_sign_in_form_is_refused_with_a_message() {
    let app = spawn_app().await;
    let r = app.sign_in_as(&client(), "", "").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("login-error"));
}

#[tokio::test]
async fn repeated_failures_throttle_the_account_even_with_the_right_password() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let r = app
            .sign_in_as(&client(), "officer@agency-a.demo", "wrong-password")
            .await;
        assert_eq!(r.status(), 401);
    }
    let r = app
        .sign_in_as(&client(), "officer@agency-a.demo", DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), 429);
    assert!(
        r.text().await.unwrap().contains("分鐘"),
        "says when to retry"
    );
    // Another account is not affected by this one's failures (below the address limit).
    let other = app
        .sign_in_as(&client(), "officer@agency-b.demo", DEMO_PASSWORD)
        .await;
    assert_eq!(other.status(), 303);
}

#[tokio::test]
async fn many_failures_from_one_address_throttle_every_account_from_it() {
    let app = spawn_app().await;
    for i in 0..20 {
        let email = format!("guess{i}@agency-a.demo");
        let r = app.sign_in_as(&client(), &email, "wrong-password").await;
        assert_eq!(r.status(), 401);
    }
    let r = app
        .sign_in_as(&client(), "officer@agency-b.demo", DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), 429);
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in() {
    let app = spawn_app().await;
    let c = client();
    let before = app.get_as(&c, "/login").await;
    let cookie = |r: &reqwest::Response| {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("portal_session="))
            .map(|v| v.split(';').next().unwrap().to_string())
    };
    let anonymous = cookie(&before).expect("an anonymous session for the form's token");
    let token = csrf_in(&before.text().await.unwrap());
    let r = app
        .post_form_as(
            &c,
            "/login",
            &[
                ("csrf", &token),
                ("email", "officer@agency-a.demo"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let signed_in = cookie(&r).expect("a new session cookie at sign-in");
    assert_ne!(anonymous, signed_in);
}

#[tokio::test]
async fn sign_in_without_or_with_a_forged_csrf_token_is_refused() {
    let app = spawn_app().await;
    let c = client();
    app.get_as(&c, "/login").await;
    let r = app
        .post_form_as(
            &c,
            "/login",
            &[
                ("email", "officer@agency-a.demo"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = app
        .post_form_as(
            &c,
            "/login",
            &[
                ("csrf", "forged"),
                ("email", "officer@agency-a.demo"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.get_as(&c, "/").await.status(), 303, "still signed out");
}

#[tokio::test]
async fn logout_ends_the_session_and_its_cookie_is_worth_nothing_afterwards() {
    let app = spawn_app().await;
    let r = app.sign_in("officer@agency-a.demo").await;
    let session_cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("portal_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(app.get("/").await.status(), 200);
    let r = app.post("/logout", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.get("/").await.status(), 303);
    // Replaying the old cookie by hand does not bring the session back.
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = replay
        .get(app.url("/"))
        .header("cookie", session_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
}

#[tokio::test]
async fn the_english_switch_is_remembered_for_the_user() {
    let app = spawn_app().await;
    app.sign_in("officer@agency-a.demo").await;
    assert!(app.text("/").await.contains("受通報機關"));
    let r = app
        .post("/language", &[("lang", "en"), ("back", "/")])
        .await;
    assert_eq!(r.status(), 303);
    assert!(app.text("/").await.contains("Escalation target"));
    app.post("/logout", &[]).await;
    let c = client();
    app.sign_in_as(&c, "officer@agency-a.demo", DEMO_PASSWORD)
        .await;
    let home = app.get_as(&c, "/").await.text().await.unwrap();
    assert!(home.contains("Escalation target") && home.contains("lang=\"en\""));
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_and_their_open_session_stops_working() {
    let app = spawn_app().await;
    let officer = client();
    app.sign_in_as(&officer, "officer@agency-a.demo", DEMO_PASSWORD)
        .await;
    assert_eq!(app.get_as(&officer, "/").await.status(), 200);

    app.sign_in("admin@agency-a.demo").await;
    let id = app.user_id("officer@agency-a.demo").await;
    let r = app
        .post(&format!("/admin/users/{id}/disable"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 303);

    assert_eq!(
        app.get_as(&officer, "/").await.status(),
        303,
        "the open session ended"
    );
    let r = app
        .sign_in_as(&client(), "officer@agency-a.demo", DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), 403);
}

/// The session expires after a period of inactivity, not after a period from sign-in: each
/// request moves the expiry on. The row is written for that at most once a minute (#16): twenty
/// requests in a row leave it as the sign-in wrote it; a minute later, the next request writes
/// it again.
#[tokio::test]
async fn activity_moves_the_idle_expiry_on_and_the_session_row_is_written_at_most_once_a_minute() {
    let app = spawn_app().await;
    let officer = crate::helpers::as_user(&app, "officer@agency-a.demo").await;
    let expiry = || async {
        sqlx::query_scalar::<_, chrono::DateTime<chrono::Utc>>(
            "SELECT max(expiry_date) FROM tower_sessions.session",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    let written_at_sign_in = expiry().await;
    for _ in 0..20 {
        assert_eq!(app.get_as(&officer, "/incidents").await.status(), 200);
    }
    assert_eq!(
        expiry().await,
        written_at_sign_in,
        "unchanged sessions are not rewritten"
    );

    // A minute on, the stored expiry is behind: the next request moves it on.
    tokio::time::sleep(std::time::Duration::from_secs(61)).await;
    assert_eq!(app.get_as(&officer, "/incidents").await.status(), 200);
    let moved = expiry().await;
    assert!(
        moved >= written_at_sign_in + chrono::Duration::seconds(60),
        "the expiry moved on: {written_at_sign_in} → {moved}"
    );

    // Past its expiry the session is over: the same cookie gets the sign-in page.
    sqlx::query("UPDATE tower_sessions.session SET expiry_date = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let r = app.get_as(&officer, "/incidents").await;
    assert_eq!(r.status(), 303, "an expired session signs out");
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/login"));
}
