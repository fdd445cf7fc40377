//! The findings of the security review (issue #14): sign-in throttling under concurrency, the
//! client address behind a proxy, retention of sign-in attempts, the language switch's return
//! path, sign-out clearing the browser, and TLS-only cookies and HSTS.

use crate::helpers::{client, csrf_in, spawn_app};

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
