//! The user's own account (issue #14): change your password (linked from every signed-in page
//! by your name), and reset a forgotten one by a link e-mailed to you.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::error::{AppError, FieldErrors};
use crate::i18n::Lang;
use crate::services::account as svc;
use crate::web::extract::{CsrfForm, Ctx, Nav, SignedIn};
use crate::web::{render, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/account/password",
            get(password_form).post(change_password),
        )
        .route("/password/forgot", get(forgot_form).post(forgot))
        .route("/password/reset", get(reset_form).post(reset))
}

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    email: String,
    changed: bool,
    errors: FieldErrors,
}

fn password_page(me: &SignedIn, changed: bool, errors: FieldErrors) -> PasswordPage {
    PasswordPage {
        t: me.ctx.t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/account/password".into(),
        email: me.user.email.clone(),
        changed,
        errors,
    }
}

async fn password_form(me: SignedIn) -> Result<Response, AppError> {
    Ok(render(&password_page(&me, false, FieldErrors::default()))?.into_response())
}

#[derive(Deserialize)]
struct ChangeForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    me: SignedIn,
    form: CsrfForm<ChangeForm>,
) -> Result<Response, AppError> {
    let f = &form.data;
    match svc::change_password(
        &state.pool,
        me.acting(),
        &f.current_password,
        &f.new_password,
    )
    .await
    {
        Ok(()) => {
            // The account's other sessions have ended; this one carries on.
            crate::web::extract::mark_session_begun(&me.ctx.session).await?;
            Ok(render(&password_page(&me, true, FieldErrors::default()))?.into_response())
        }
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&password_page(&me, false, errors))?,
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "account/forgot.html")]
struct ForgotPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    email: String,
    sent: bool,
    errors: FieldErrors,
}

fn forgot_page(ctx: &Ctx, email: String, sent: bool, errors: FieldErrors) -> ForgotPage {
    ForgotPage {
        t: ctx.t,
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        back: "/password/forgot".into(),
        email,
        sent,
        errors,
    }
}

async fn forgot_form(ctx: Ctx) -> Result<Response, AppError> {
    Ok(render(&forgot_page(
        &ctx,
        String::new(),
        false,
        FieldErrors::default(),
    ))?
    .into_response())
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// The same answer whether or not the address has an account (no account enumeration).
async fn forgot(
    State(state): State<AppState>,
    ctx: Ctx,
    form: CsrfForm<ForgotForm>,
) -> Result<Response, AppError> {
    let email = form.data.email.trim().to_string();
    if email.is_empty() || email.len() > 254 || !email.contains('@') {
        let errors = FieldErrors::one("email", "password.email_needed");
        let page = forgot_page(&ctx, email, false, errors);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    svc::request_reset(&state.pool, &email, &state.settings.public_url()).await?;
    Ok(render(&forgot_page(&ctx, email, true, FieldErrors::default()))?.into_response())
}

#[derive(Template)]
#[template(path = "account/reset.html")]
struct ResetPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    token: String,
    usable: bool,
    errors: FieldErrors,
}

fn reset_page(ctx: &Ctx, token: String, usable: bool, errors: FieldErrors) -> ResetPage {
    ResetPage {
        t: ctx.t,
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        back: "/password/forgot".into(),
        token,
        usable,
        errors,
    }
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// The form only for a link that can still be used; otherwise 410 and a way to ask again.
async fn reset_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let usable = svc::reset_usable(&state.pool, &q.token).await?;
    let page = reset_page(&ctx, q.token, usable, FieldErrors::default());
    let status = if usable {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
}

async fn reset(
    State(state): State<AppState>,
    ctx: Ctx,
    form: CsrfForm<ResetForm>,
) -> Result<Response, AppError> {
    let f = &form.data;
    match svc::reset_password(&state.pool, &f.token, &f.new_password).await {
        Ok(()) => Ok(Redirect::to("/login").into_response()),
        Err(AppError::Invalid(errors)) => {
            let gone = errors.get("token").is_some();
            let page = reset_page(&ctx, f.token.clone(), !gone, errors);
            let status = if gone {
                StatusCode::GONE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}
