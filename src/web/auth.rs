//! Sign-in, sign-out and the language switch.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderName, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::db;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::auth::{self, SignInOutcome};
use crate::web::client_addr::ClientAddr;
use crate::web::extract::{CsrfForm, Ctx, Nav, SESSION_LANG};
use crate::web::sign_in::{after_first_factor, SignInMethod};
use crate::web::{render, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", get(logout_form).post(logout))
        .route("/language", post(switch_language))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    email: String,
    error: Option<String>,
    /// The SSO button's text, when SSO is configured.
    sso: Option<String>,
}

fn login_page(state: &AppState, ctx: &Ctx, email: String, error: Option<String>) -> LoginPage {
    let sso = state.sso.as_ref().map(|sso| {
        sso.label
            .clone()
            .unwrap_or_else(|| ctx.t.tr("login.sso").to_string())
    });
    LoginPage {
        t: ctx.t,
        nav: None,
        csrf: ctx.csrf.clone(),
        back: "/login".into(),
        email,
        error,
        sso,
    }
}

async fn login_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    if ctx.user.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    Ok(render(&login_page(&state, &ctx, String::new(), None))?.into_response())
}

#[derive(Deserialize, Default)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub(crate) use crate::web::extract::session_error;

async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ctx: Ctx,
    form: CsrfForm<LoginForm>,
) -> Result<Response, AppError> {
    let LoginForm { email, password } = form.data;
    let email = email.trim().to_string();
    if email.is_empty() || password.is_empty() || email.len() > 254 || password.len() > 1024 {
        let page = login_page(&state, &ctx, email, Some(ctx.t.tr("login.missing").into()));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let outcome = auth::sign_in(&state.pool, &email, &password, &client.to_string()).await?;
    let (status, message) = match outcome {
        SignInOutcome::SignedIn(user_id) => {
            return after_first_factor(&state, &ctx.session, user_id, SignInMethod::Password).await;
        }
        SignInOutcome::InvalidCredentials => (
            StatusCode::UNAUTHORIZED,
            ctx.t.tr("login.invalid").to_string(),
        ),
        SignInOutcome::Disabled => (
            StatusCode::FORBIDDEN,
            ctx.t.tr("login.disabled").to_string(),
        ),
        SignInOutcome::Throttled {
            retry_after_minutes,
        } => (
            StatusCode::TOO_MANY_REQUESTS,
            ctx.t
                .tr("login.throttled")
                .replace("{minutes}", &retry_after_minutes.to_string()),
        ),
    };
    let page = login_page(&state, &ctx, email, Some(message));
    Ok((status, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "logout.html")]
struct LogoutPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
}

/// Someone who types /logout gets a button, not a sign-out by a mere link.
async fn logout_form(ctx: Ctx) -> Result<Response, AppError> {
    if ctx.user.is_none() {
        return Ok(Redirect::to("/login").into_response());
    }
    let page = LogoutPage {
        t: ctx.t,
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        back: "/".into(),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct NoFields {}

const CLEAR_SITE_DATA: HeaderName = HeaderName::from_static("clear-site-data");

async fn logout(ctx: Ctx, _form: CsrfForm<NoFields>) -> Result<Response, AppError> {
    ctx.session.flush().await.map_err(session_error)?;
    // Pages of the signed-in user may sit in the browser's cache or storage on a shared
    // computer; the browser is asked to drop them with the session cookie.
    Ok((
        [(CLEAR_SITE_DATA, r#""cache", "cookies", "storage""#)],
        Redirect::to("/login"),
    )
        .into_response())
}

#[derive(Deserialize, Default)]
struct LanguageForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    back: String,
}

/// Only a path on this site, so the switch cannot be used to send someone elsewhere. Browsers
/// drop tabs and line breaks from a URL and read a backslash as `/`, so `/<tab>/evil.example`
/// or `/<backslash>evil.example` would leave the site; and a byte a header cannot carry would
/// make the redirect fail. So: one leading `/`, then visible ASCII only, no backslash, and it
/// must parse as a path with an optional query. Anything else goes home.
fn local_path(back: &str) -> &str {
    let path_only = back.starts_with('/')
        && !back.starts_with("//")
        && back.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
        && back
            .parse::<axum::http::uri::PathAndQuery>()
            .is_ok_and(|p| p.as_str() == back);
    if path_only {
        back
    } else {
        "/"
    }
}

async fn switch_language(
    State(state): State<AppState>,
    ctx: Ctx,
    form: CsrfForm<LanguageForm>,
) -> Result<Response, AppError> {
    let lang = Lang::from_code(&form.data.lang);
    match &ctx.user {
        Some((user, _)) => {
            let mut tx = db::begin_as(&state.pool, user.id).await?;
            db::users::set_language(&mut tx, user.id, lang.code()).await?;
            tx.commit().await?;
        }
        None => ctx
            .session
            .insert(SESSION_LANG, lang.code())
            .await
            .map_err(session_error)?,
    }
    Ok(Redirect::to(local_path(&form.data.back)).into_response())
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn the_language_switch_only_returns_to_local_paths() {
        assert_eq!(local_path("/admin/users?page=2"), "/admin/users?page=2");
        assert_eq!(local_path("//evil.example/"), "/");
        assert_eq!(local_path("https://evil.example/"), "/");
        assert_eq!(local_path("/\\evil.example"), "/");
        assert_eq!(local_path("/\t/evil.example"), "/");
        assert_eq!(local_path("/\r\n/evil.example"), "/");
        assert_eq!(local_path("/ /evil.example"), "/");
        assert_eq!(local_path("/\u{7f}"), "/");
        assert_eq!(local_path("/事件"), "/");
        assert_eq!(local_path("/incidents#top"), "/");
        assert_eq!(local_path(""), "/");
        assert_eq!(local_path("/incidents?page=2"), "/incidents?page=2");
        assert_eq!(local_path("/search?q=%E4%BA%8B"), "/search?q=%E4%BA%8B");
    }
}
