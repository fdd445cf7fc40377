//! Where a session becomes signed in, for every path (password, SSO, a second factor): the
//! first factor leads to the second when the user has MFA (`after_first_factor`), and only
//! `establish_session` ever marks a session as signed in.

use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

use crate::domain::mfa::{self as rules, AfterPassword};
use crate::error::AppError;
use crate::services::mfa;
use crate::web::extract::{SESSION_CSRF, SESSION_USER};
use crate::web::AppState;

use crate::web::extract::session_error;

/// The session key of a sign-in waiting for its second factor (never `SESSION_USER`: nothing
/// is reachable with it but the code form).
pub const SESSION_PENDING: &str = "mfa_pending";

/// A right password waiting for its code, until `until` (Unix seconds).
#[derive(Serialize, Deserialize)]
pub struct PendingSignIn {
    pub user: Uuid,
    pub until: i64,
}

/// How someone proved who they are, for the log.
#[derive(Debug, Clone, Copy)]
pub enum SignInMethod {
    Password,
    Sso,
    /// A TOTP or recovery code after the password or SSO.
    SecondFactor,
}

/// After the first factor (password or SSO): a user with MFA gives their code next (the
/// session only holds the first factor's success, briefly); anyone else is signed in, and sent
/// to enrol first when the policy requires MFA they have not set up (`domain::mfa`).
pub async fn after_first_factor(
    state: &AppState,
    session: &Session,
    user_id: Uuid,
    method: SignInMethod,
) -> Result<Response, AppError> {
    let next = mfa::after_password(&state.pool, user_id, state.settings.mfa_enforced).await?;
    if next == AfterPassword::CodeNeeded {
        // A new session id and CSRF token (fixation), and no longer whoever was signed in on it.
        session.cycle_id().await.map_err(session_error)?;
        let token = hex::encode(rand::random::<[u8; 32]>());
        session
            .insert(SESSION_CSRF, token)
            .await
            .map_err(session_error)?;
        let _: Option<Uuid> = session.remove(SESSION_USER).await.map_err(session_error)?;
        hold_for_code(session, user_id).await?;
        return Ok(Redirect::to("/login/otp").into_response());
    }
    drop_hold(session).await?;
    let home = if next == AfterPassword::EnrolmentNeeded {
        "/account/mfa"
    } else {
        "/"
    };
    establish_session(session, user_id, method, home).await
}

/// Signs this session in as `user_id` and sends them `home`: the ONE place where a session
/// becomes signed in, for every sign-in path (password, SSO, second factor); the first two
/// reach it through `after_first_factor`.
pub async fn establish_session(
    session: &Session,
    user_id: Uuid,
    method: SignInMethod,
    home: &str,
) -> Result<Response, AppError> {
    // A new session id at sign-in, so that a planted id is worth nothing (fixation).
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(SESSION_USER, user_id)
        .await
        .map_err(session_error)?;
    crate::web::extract::mark_session_begun(session).await?;
    let token = hex::encode(rand::random::<[u8; 32]>());
    session
        .insert(SESSION_CSRF, token)
        .await
        .map_err(session_error)?;
    tracing::info!(user = %user_id, ?method, "signed in");
    Ok(Redirect::to(home).into_response())
}

/// Puts a right password of `user` on hold for its second factor.
pub async fn hold_for_code(session: &Session, user: Uuid) -> Result<(), AppError> {
    let pending = PendingSignIn {
        user,
        until: Utc::now().timestamp() + rules::PENDING_SIGN_IN_MINUTES * 60,
    };
    session
        .insert(SESSION_PENDING, pending)
        .await
        .map_err(session_error)
}

/// Drops a password waiting for its code (the user signed in otherwise, or the code was right).
pub async fn drop_hold(session: &Session) -> Result<(), AppError> {
    session
        .remove::<PendingSignIn>(SESSION_PENDING)
        .await
        .map(|_| ())
        .map_err(session_error)
}

/// The user waiting for their code, if the hold has not expired (an expired one is dropped).
pub async fn pending_user(session: &Session) -> Result<Option<Uuid>, AppError> {
    let pending: Option<PendingSignIn> =
        session.get(SESSION_PENDING).await.map_err(session_error)?;
    match pending {
        Some(p) if p.until > Utc::now().timestamp() => Ok(Some(p.user)),
        Some(_) => {
            drop_hold(session).await?;
            Ok(None)
        }
        None => Ok(None),
    }
}
