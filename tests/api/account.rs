//! A user's own password (issue #14): changed with the current one, reset by a single-use,
//! short-lived link e-mailed to them, with the same answer whether the address has an account.

use crate::helpers::{as_user, client, spawn_app, TestApp, DEMO_PASSWORD};

const NEW: &str = "tangerine-viaduct-ox-cobalt";

async fn hash_of(app: &TestApp, email: &str) -> String {
    sqlx::query_scalar("SELECT password_hash FROM users WHERE lower(email) = lower($1)")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn signs_in(app: &TestApp, email: &str, password: &str) -> bool {
    app.sign_in_as(&client(), email, password).await.status() == 303
}

#[tokio::test]
async fn a_user_changes_their_password_only_with_the_current_one_and_not_to_a_guessable_one() {
    let app = spawn_app().await;
    let email = "officer@agency-a.demo";
    let me = as_user(&app, email).await;
    let home = app.get_as(&me, "/").await.text().await.unwrap();
    assert!(
        home.contains("href=\"/account/password\""),
        "linked from every page"
    );
    let before = hash_of(&app, email).await;

    let cases = [
        ("wrong current", "not-my-password", NEW, "目前密碼不正確"),
        ("too short", DEMO_PASSWORD, "short-1", "至少需 12 個字元"),
        ("common", DEMO_PASSWORD, "password1234", "太容易猜到"),
    ];
    for (what, current, new, says) in cases {
        let r = app
            .post_as(
                &me,
                "/account/password",
                &[("current_password", current), ("new_password", new)],
            )
            .await;
        assert_eq!(r.status(), 422, "{what}");
        let page = r.text().await.unwrap();
        assert!(page.contains(says), "{what}: says why next to the field");
        assert!(
            !page.contains(new),
            "{what}: a typed password is not echoed"
        );
        assert_eq!(hash_of(&app, email).await, before, "{what}: unchanged");
    }

    let r = app
        .post_as(
            &me,
            "/account/password",
            &[("current_password", DEMO_PASSWORD), ("new_password", NEW)],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("id=\"changed\""));
    let after = hash_of(&app, email).await;
    assert_ne!(after, before);
    assert!(after.starts_with("$argon2id$"), "argon2id at rest");
    assert!(
        !signs_in(&app, email, DEMO_PASSWORD).await,
        "the old one is gone"
    );
    assert!(signs_in(&app, email, NEW).await);

    // Signed out, the page sends to sign-in; a forged token changes nothing.
    let r = app.get_as(&client(), "/account/password").await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_form_as(
            &me,
            "/account/password",
            &[
                ("csrf", "forged"),
                ("current_password", NEW),
                ("new_password", "another-long-passphrase-x"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(hash_of(&app, email).await, after);
}

/// The reset link in the newest e-mail to `email`.
async fn link_sent_to(app: &TestApp, email: &str) -> Option<String> {
    let body: Option<String> = sqlx::query_scalar(
        "SELECT body FROM outbox WHERE to_address = $1 AND subject LIKE '%重設密碼%' \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(email)
    .fetch_optional(&app.pool)
    .await
    .unwrap();
    let body = body?;
    let start = body.find("/password/reset?token=")?;
    let link: String = body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    Some(link)
}

#[tokio::test]
async fn a_forgotten_password_is_reset_once_by_the_link_and_nobody_learns_who_has_an_account() {
    let app = spawn_app().await;
    let email = "commander@agency-a.demo";
    let anon = client();
    let known = app
        .post_as(&anon, "/password/forgot", &[("email", email)])
        .await;
    let unknown = app
        .post_as(
            &anon,
            "/password/forgot",
            &[("email", "nobody@nowhere.example")],
        )
        .await;
    assert_eq!(known.status(), unknown.status());
    let (known, unknown) = (known.text().await.unwrap(), unknown.text().await.unwrap());
    assert!(known.contains("id=\"sent\"") && unknown.contains("id=\"sent\""));
    assert!(link_sent_to(&app, "nobody@nowhere.example").await.is_none());
    let link = link_sent_to(&app, email)
        .await
        .expect("the e-mail holds the link");
    let token = link
        .trim_start_matches("/password/reset?token=")
        .to_string();

    // Only a hash of the token is kept.
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM password_resets")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_ne!(stored, token.as_bytes());
    assert_eq!(stored, portal::db::tokens::hash(&token));

    assert_eq!(app.get_as(&anon, &link).await.status(), 200);
    // A guessable password is refused and the link stays usable.
    let r = app
        .post_as(
            &anon,
            "/password/reset",
            &[("token", &token), ("new_password", "password1234")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(app.get_as(&anon, &link).await.status(), 200);
    let r = app
        .post_as(
            &anon,
            "/password/reset",
            &[("token", &token), ("new_password", NEW)],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(signs_in(&app, email, NEW).await);
    assert!(!signs_in(&app, email, DEMO_PASSWORD).await);

    // Used once: gone; another one's password cannot be set with it either.
    assert_eq!(app.get_as(&anon, &link).await.status(), 410);
    let r = app
        .post_as(
            &anon,
            "/password/reset",
            &[
                ("token", &token),
                ("new_password", "another-long-passphrase-x"),
            ],
        )
        .await;
    assert_eq!(r.status(), 410);
    assert!(signs_in(&app, email, NEW).await);

    // An expired link is gone too; a made-up one never worked.
    app.post_as(&anon, "/password/forgot", &[("email", email)])
        .await;
    let link = link_sent_to(&app, email).await.unwrap();
    sqlx::query(
        "UPDATE password_resets SET expires_at = now() - interval '1 minute' WHERE used_at IS NULL",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(app.get_as(&anon, &link).await.status(), 410);
    assert_eq!(
        app.get_as(&anon, &format!("/password/reset?token={}", "0".repeat(64)))
            .await
            .status(),
        410
    );
    assert_eq!(
        app.get_as(&anon, "/password/reset?token=%00%0d")
            .await
            .status(),
        410
    );
}

#[tokio::test]
async fn a_hash_made_under_older_parameters_is_renewed_at_the_next_sign_in() {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let app = spawn_app().await;
    let email = "secretary@agency-a.demo";
    let old = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(4096, 1, 1, None).unwrap(),
    )
    .hash_password(DEMO_PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
    .unwrap()
    .to_string();
    sqlx::query("UPDATE users SET password_hash = $2 WHERE lower(email) = $1")
        .bind(email)
        .bind(&old)
        .execute(&app.pool)
        .await
        .unwrap();
    assert!(portal::services::auth::needs_rehash(
        &hash_of(&app, email).await
    ));
    assert!(signs_in(&app, email, DEMO_PASSWORD).await);
    let renewed = hash_of(&app, email).await;
    assert_ne!(renewed, old);
    assert!(!portal::services::auth::needs_rehash(&renewed));
    assert!(
        signs_in(&app, email, DEMO_PASSWORD).await,
        "the same password still works"
    );
}

#[tokio::test]
async fn a_password_change_ends_the_accounts_other_sessions_but_not_this_one() {
    let app = spawn_app().await;
    let email = "officer@agency-a.demo";
    let here = as_user(&app, email).await;
    let elsewhere = as_user(&app, email).await;
    assert_eq!(app.get_as(&elsewhere, "/incidents").await.status(), 200);
    let r = app
        .post_as(
            &here,
            "/account/password",
            &[("current_password", DEMO_PASSWORD), ("new_password", NEW)],
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app.get_as(&elsewhere, "/incidents").await;
    assert_eq!(r.status(), 303, "the other browser's session is over");
    assert_eq!(r.headers()["location"], "/login");
    assert_eq!(app.get_as(&here, "/incidents").await.status(), 200);
}
