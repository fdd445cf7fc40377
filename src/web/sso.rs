//! SSO sign-in pages: the redirect to the agency's identity provider and its callback. Both
//! are 404 when SSO is not configured.

use std::sync::Arc;

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

use crate::domain::sso::SsoRefusal;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::sso::{Callback, PendingSignIn, Sso, SsoOutcome};
use crate::web::auth::session_error;
use crate::web::client_addr::ClientAddr;
use crate::web::extract::{Ctx, Nav};
use crate::web::sign_in::{after_first_factor, SignInMethod};
use crate::web::{render, AppState};

/// The session key of the sign-in sent to the provider, until its callback.
const SESSION_SSO_PENDING: &str = "sso_pending";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login/sso", get(start))
        .route("/login/sso/callback", get(callback))
}

#[derive(Template)]
#[template(path = "sso_refused.html")]
struct RefusedPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    message: String,
}

/// Why the sign-in did not happen, in the reader's language, with the way back to /login.
fn refused(ctx: &Ctx, status: StatusCode, message: String) -> Result<Response, AppError> {
    let page = RefusedPage {
        t: ctx.t,
        nav: None,
        csrf: ctx.csrf.clone(),
        back: "/login".into(),
        message,
    };
    Ok((status, render(&page)?).into_response())
}

fn configured(state: &AppState) -> Result<&Arc<Sso>, AppError> {
    state.sso.as_ref().ok_or(AppError::NotFound)
}

fn unavailable(ctx: &Ctx) -> Result<Response, AppError> {
    let message = ctx.t.tr("sso.unavailable").to_string();
    refused(ctx, StatusCode::BAD_GATEWAY, message)
}

/// Sends the person to the provider, keeping state, nonce and PKCE verifier in the session.
async fn start(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let sso = configured(&state)?;
    if ctx.user.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let (url, pending) = match sso.begin().await {
        Ok(started) => started,
        Err(e) => {
            tracing::warn!(error = %e, "SSO sign-in not started");
            return unavailable(&ctx);
        }
    };
    ctx.session
        .insert(SESSION_SSO_PENDING, pending)
        .await
        .map_err(session_error)?;
    Ok(Redirect::to(&url).into_response())
}

/// The provider's answer. The pending sign-in is taken out of the session first, so that a
/// callback is honoured once at most, whatever its outcome.
async fn callback(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ctx: Ctx,
    query: Result<Query<Callback>, QueryRejection>,
) -> Result<Response, AppError> {
    let sso = configured(&state)?;
    let pending: Option<PendingSignIn> = ctx
        .session
        .remove(SESSION_SSO_PENDING)
        .await
        .map_err(session_error)?;
    // A query that does not parse fits no sign-in: refused below as not started.
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let outcome = sso
        .finish(&state.pool, pending, &query, &client.to_string())
        .await?;
    match outcome {
        SsoOutcome::SignedIn(user) => {
            after_first_factor(&state, &ctx.session, user, SignInMethod::Sso).await
        }
        SsoOutcome::Refused(refusal) => refuse(&ctx, refusal),
        SsoOutcome::Throttled {
            retry_after_minutes,
        } => {
            let message = ctx
                .t
                .tr("login.throttled")
                .replace("{minutes}", &retry_after_minutes.to_string());
            refused(&ctx, StatusCode::TOO_MANY_REQUESTS, message)
        }
        SsoOutcome::Unavailable => unavailable(&ctx),
    }
}

fn refuse(ctx: &Ctx, refusal: SsoRefusal) -> Result<Response, AppError> {
    let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::FORBIDDEN);
    let message = ctx.t.tr(refusal.message_key()).to_string();
    refused(ctx, status, message)
}
