//! The findings of the security review (issue #14): sign-in throttling under concurrency, the
//! client address behind a proxy, retention of sign-in attempts, the language switch's return
//! path, sign-out clearing the browser, and TLS-only cookies and HSTS.

use crate::helpers::{client, csrf_in, spawn_app, spawn_app_with, TestApp, DEMO_PASSWORD};

#[tokio::test]
async fn the_language_switch_never_leaves_the_site_and_never_fails() {
    let app = spawn_app().await;
    let c = client();
    let token = csrf_in(&app.get_as(&c, "/login").await.text().await.unwrap());
    let hostile = [
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "/\r\n/evil.example",
        "/x\r\nSet-Cookie: a=b",
        "/\u{1}",
        "/ /evil.example",
        "/事件",
    ];
    for back in hostile {
        let r = app
            .post_form_as(
                &c,
                "/language",
                &[("csrf", &token), ("lang", "en"), ("back", back)],
            )
            .await;
        assert_eq!(r.status(), 303, "{back:?}");
        assert_eq!(r.headers()["location"], "/", "{back:?}");
    }
    // Control characters sent raw in the body rather than percent-encoded.
    for raw in [
        &b"/\x01/evil.example"[..],
        b"/\r\n//evil.example",
        b"/\t/evil.example",
    ] {
        let mut body = format!("csrf={token}&lang=en&back=").into_bytes();
        body.extend_from_slice(raw);
        let r = c
            .post(app.url("/language"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{raw:?}");
        assert_eq!(r.headers()["location"], "/", "{raw:?}");
    }
    // A path on the site, with its query, is kept.
    let r = app
        .post_form_as(
            &c,
            "/language",
            &[
                ("csrf", &token),
                ("lang", "zh-TW"),
                ("back", "/incidents?page=2"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/incidents?page=2");
}

#[tokio::test]
async fn signing_out_asks_the_browser_to_clear_what_the_site_left() {
    let app = spawn_app().await;
    app.sign_in("officer@agency-a.demo").await;
    // Only sign-out clears: an ordinary page does not.
    assert!(!app.get("/").await.headers().contains_key("clear-site-data"));
    let r = app.post("/logout", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["clear-site-data"],
        r#""cache", "cookies", "storage""#
    );
    assert_eq!(app.get("/").await.status(), 303, "signed out");
}

/// One sign-in by a fresh browser, optionally through a proxy naming `forwarded` as the client;
/// returns the status.
async fn sign_in_from(app: &TestApp, forwarded: Option<&str>, email: &str, password: &str) -> u16 {
    let c = client();
    let token = app.csrf(&c).await;
    let mut request = c.post(app.url("/login")).form(&[
        ("csrf", token.as_str()),
        ("email", email),
        ("password", password),
    ]);
    if let Some(f) = forwarded {
        request = request.header("x-forwarded-for", f);
    }
    request.send().await.unwrap().status().as_u16()
}

/// Sends all the sign-ins at once, each from its own browser whose form was fetched first;
/// returns the statuses.
async fn sign_in_burst(app: &TestApp, attempts: Vec<(String, &'static str)>) -> Vec<u16> {
    let mut ready = Vec::new();
    for (email, password) in attempts {
        let c = client();
        let token = app.csrf(&c).await;
        ready.push((c, token, email, password));
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(ready.len()));
    let tasks: Vec<_> = ready
        .into_iter()
        .map(|(c, token, email, password)| {
            let url = app.url("/login");
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let form = [
                    ("csrf", token.as_str()),
                    ("email", &email),
                    ("password", password),
                ];
                c.post(url)
                    .form(&form)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_guesses_at_one_account_get_no_more_than_five_checks() {
    let app = spawn_app().await;
    let guesses = (0..20)
        .map(|_| ("officer@agency-a.demo".to_string(), "wrong-password"))
        .collect();
    let statuses = sign_in_burst(&app, guesses).await;
    let (wrong, throttled) = (count(&statuses, 401), count(&statuses, 429));
    assert!((1..=5).contains(&wrong), "{statuses:?}");
    assert_eq!(wrong + throttled, 20, "{statuses:?}");
    let recorded: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sign_in_attempts WHERE email_lower = 'officer@agency-a.demo'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(recorded, wrong as i64, "only checked guesses are recorded");
    // The right password is refused too while the account is throttled.
    let r = sign_in_from(&app, None, "officer@agency-a.demo", DEMO_PASSWORD).await;
    assert_eq!(r, 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_guesses_from_one_address_get_no_more_than_twenty_checks() {
    let app = spawn_app().await;
    let guesses = (0..30)
        .map(|i| (format!("guess{i}@agency-a.demo"), "wrong-password"))
        .collect();
    let statuses = sign_in_burst(&app, guesses).await;
    let (wrong, throttled) = (count(&statuses, 401), count(&statuses, 429));
    assert!((1..=20).contains(&wrong), "{statuses:?}");
    assert_eq!(wrong + throttled, 30, "{statuses:?}");
    let r = sign_in_from(&app, None, "officer@agency-b.demo", DEMO_PASSWORD).await;
    assert_eq!(r, 429, "every account from the address is throttled");
}

#[tokio::test]
async fn sign_in_attempts_past_the_retention_period_are_deleted_by_the_jobs() {
    let app = spawn_app().await;
    for (email, days) in [("old@a.demo", 181), ("kept@a.demo", 179), ("new@a.demo", 0)] {
        sqlx::query(
            "INSERT INTO sign_in_attempts (email_lower, client_ip, succeeded, at) \
             VALUES ($1, '192.0.2.1', false, now() - make_interval(days => $2))",
        )
        .bind(email)
        .bind(days)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let deleted = portal::jobs::purge_sign_in_attempts(&app.pool)
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    let left: Vec<String> =
        sqlx::query_scalar("SELECT email_lower FROM sign_in_attempts ORDER BY email_lower")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(left, ["kept@a.demo", "new@a.demo"]);
}

#[tokio::test]
async fn a_forwarded_address_is_ignored_unless_the_proxy_is_trusted() {
    let app = spawn_app().await;
    for i in 0..20 {
        let forged = format!("203.0.113.{i}");
        let r = sign_in_from(&app, Some(&forged), &format!("g{i}@agency-a.demo"), "wrong").await;
        assert_eq!(r, 401);
    }
    let r = sign_in_from(
        &app,
        Some("198.51.100.1"),
        "officer@agency-b.demo",
        DEMO_PASSWORD,
    )
    .await;
    assert_eq!(
        r, 429,
        "a new X-Forwarded-For does not escape the address limit"
    );
    let addresses: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT client_ip FROM sign_in_attempts")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(addresses, ["127.0.0.1"]);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_is_counted_on_its_own() {
    let app = spawn_app_with(|s| s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    for i in 0..20 {
        let r = sign_in_from(
            &app,
            Some("203.0.113.1"),
            &format!("g{i}@agency-a.demo"),
            "wrong",
        )
        .await;
        assert_eq!(r, 401);
    }
    let throttled = sign_in_from(
        &app,
        Some("203.0.113.1"),
        "officer@agency-b.demo",
        DEMO_PASSWORD,
    );
    assert_eq!(throttled.await, 429, "the guessing client is throttled");
    // A client cannot pose as another by writing an address in front of the proxy's.
    let posing = Some("198.51.100.1, 203.0.113.1");
    assert_eq!(
        sign_in_from(&app, posing, "officer@agency-b.demo", DEMO_PASSWORD).await,
        429
    );
    let other = sign_in_from(
        &app,
        Some("198.51.100.1"),
        "officer@agency-b.demo",
        DEMO_PASSWORD,
    );
    assert_eq!(
        other.await,
        303,
        "another client behind the same proxy is not"
    );
    let from_guesser: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sign_in_attempts WHERE client_ip = '203.0.113.1' AND NOT succeeded",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        from_guesser, 20,
        "the audit trail names the client, not the proxy"
    );
}

#[tokio::test]
async fn an_https_public_url_makes_the_cookie_secure_and_sends_hsts() {
    let https =
        spawn_app_with(|s| s.public_url = Some("https://portal.example.gov.tw".parse().unwrap()))
            .await;
    let r = https.get("/login").await;
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
    assert!(https
        .get("/no/such/page")
        .await
        .headers()
        .contains_key("strict-transport-security"));

    let http =
        spawn_app_with(|s| s.public_url = Some("http://localhost:8080".parse().unwrap())).await;
    let r = http.get("/login").await;
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(!cookie.contains("Secure"), "{cookie}");
    assert!(!r.headers().contains_key("strict-transport-security"));
}
