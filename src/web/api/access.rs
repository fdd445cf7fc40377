//! Who is calling: bearer tokens, the password grant that issues them, and the level
//! classification anyone may ask for.

use axum::extract::{FromRequestParts, MatchedPath, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::bodies::{ErrorBody, TextBody};
use crate::db::{self, agencies::Agency, users::User};
use crate::domain::mfa::AfterPassword;
use crate::domain::tokens::TokenScope;
use crate::domain::{self, Impact};
use crate::error::AppError;
use crate::services::auth::{self, SignInOutcome};
use crate::services::mfa::{self, Factor};
use crate::services::Acting;
use crate::web::client_addr::ClientAddr;
use crate::web::error::ApiError;
use crate::web::extract::ApiJson;
use crate::web::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassifyRequest {
    impacts: Vec<Impact>,
}

/// The level the impacts amount to and the regulation's sentence for the deciding one.
#[derive(Serialize, ToSchema)]
pub struct ClassificationBody {
    level: u8,
    major: bool,
    /// Index into `impacts` of the first impact that reaches the level.
    deciding_impact: usize,
    rule: TextBody,
}

/// The level the impacts amount to (SPEC 2), for the filing form's live display and for
/// integrations. Holds no data, so it needs no sign-in.
#[utoipa::path(post, path = "/api/v1/classify", tag = "incidents",
    request_body = ClassifyRequest,
    responses((status = 200, body = ClassificationBody), (status = 422, body = ErrorBody)))]
pub async fn classify(
    ApiJson(req): ApiJson<ClassifyRequest>,
) -> Result<Json<ClassificationBody>, ApiError> {
    let c = domain::classify(&req.impacts).map_err(|e| {
        let (zh, en) = e.message().both();
        ApiError(AppError::Unprocessable(format!("{en} ({zh})")))
    })?;
    Ok(Json(ClassificationBody {
        level: c.level.number(),
        major: c.major,
        deciding_impact: c.deciding_impact,
        rule: TextBody::from(&c.rule),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    email: String,
    password: String,
    /// The current TOTP code, for a user who has enrolled in MFA (`otp_required` without it).
    #[serde(default)]
    otp: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenBody {
    token: String,
    expires_at: DateTime<Utc>,
}

/// A bearer token for a user signing in with e-mail and password, and with `otp` when they have
/// enrolled in MFA: 401 `otp_required` without it, 401 `otp_invalid` for a wrong or used code;
/// 403 `mfa_enrolment_required` for one whom the policy requires to enrol first (at
/// /account/mfa). Tokens issued before stay valid.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "access",
    request_body = TokenRequest,
    responses((status = 200, body = TokenBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn token(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<TokenRequest>,
) -> Result<Response, ApiError> {
    if req.email.len() > 254 || req.password.len() > 1024 {
        return Err(ApiError(AppError::Unauthenticated));
    }
    let client = client.to_string();
    let outcome = auth::sign_in(&state.pool, &req.email, &req.password, &client).await?;
    let user = match outcome {
        SignInOutcome::SignedIn(user) => user,
        SignInOutcome::Throttled {
            retry_after_minutes,
        } => return Err(ApiError(AppError::Throttled(retry_after_minutes))),
        SignInOutcome::InvalidCredentials | SignInOutcome::Disabled => {
            return Err(ApiError(AppError::Unauthenticated))
        }
    };
    if let Some(refusal) = second_factor(&state, user, req.otp.as_deref(), &client).await? {
        return Ok(refusal);
    }
    let mut conn = db::begin_as(&state.pool, user).await?;
    let agency = db::users::get(&mut conn, user)
        .await?
        .ok_or(AppError::Unauthenticated)?
        .agency_id;
    drop(conn);
    let (token, expires_at) = auth::issue_token(&state.pool, user, agency).await?;
    Ok(Json(TokenBody { token, expires_at }).into_response())
}

/// The MFA step of the password grant: `None` when the token may be issued, else the refusal.
/// Recovery codes are not taken here: they are for the browser, to reach /account/mfa.
async fn second_factor(
    state: &AppState,
    user: uuid::Uuid,
    otp: Option<&str>,
    client: &str,
) -> Result<Option<Response>, ApiError> {
    let refuse = |status: StatusCode, code: &str, message: &str| {
        Some((status, Json(json!({ "error": code, "message": message }))).into_response())
    };
    let enforced = state.settings.mfa_enforced;
    match mfa::after_password(&state.pool, user, enforced).await? {
        AfterPassword::SignedIn => Ok(None),
        AfterPassword::EnrolmentNeeded => Ok(refuse(
            StatusCode::FORBIDDEN,
            "mfa_enrolment_required",
            "two-factor sign-in is required for this account: enrol at /account/mfa first",
        )),
        AfterPassword::CodeNeeded => {
            let Some(otp) = otp.filter(|o| !o.trim().is_empty()) else {
                return Ok(refuse(
                    StatusCode::UNAUTHORIZED,
                    "otp_required",
                    "this account uses two-factor sign-in: send the current code as `otp`",
                ));
            };
            let otp: String = otp.chars().take(64).collect();
            match mfa::second_factor_of(&state.pool, user, &otp, client, false).await? {
                Factor::Accepted => Ok(None),
                Factor::Refused => Ok(refuse(
                    StatusCode::UNAUTHORIZED,
                    "otp_invalid",
                    "the code is wrong or was already used",
                )),
                Factor::Throttled {
                    retry_after_minutes,
                } => Err(ApiError(AppError::Throttled(retry_after_minutes))),
            }
        }
    }
}

/// The scope a request needs of its token (`TokenScope::needed`): GET and HEAD only read;
/// `POST /api/v1/incidents` files.
pub fn scope_needed(method: &Method, route: &str) -> TokenScope {
    let reads = method == Method::GET || method == Method::HEAD;
    TokenScope::needed(
        reads,
        method == Method::POST && route == "/api/v1/incidents",
    )
}

/// The token of `Authorization: Bearer <token>`, if the header holds one of a sane size.
fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 128)
}

/// Ends the token presented: the API's sign-out. Any token may end itself, whatever its
/// scopes; an unknown or ended one answers 401.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "access",
    security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn sign_out(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<StatusCode, ApiError> {
    let token = bearer(&headers).ok_or(ApiError(AppError::Unauthenticated))?;
    if !crate::services::tokens::revoke_presented(&state.pool, token).await? {
        return Err(ApiError(AppError::Unauthenticated));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The user behind `Authorization: Bearer <token>`.
pub struct ApiUser {
    pub user: User,
    pub agency: Agency,
}

impl ApiUser {
    pub fn acting(&self) -> Acting<'_> {
        Acting {
            user: &self.user,
            agency: &self.agency,
        }
    }
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers).ok_or(ApiError(AppError::Unauthenticated))?;
        let route = parts
            .extensions
            .get::<MatchedPath>()
            .map_or(parts.uri.path(), |m| m.as_str());
        let needed = scope_needed(&parts.method, route);
        Ok(ApiUser::of_token(state, token, needed).await?)
    }
}

impl ApiUser {
    /// The live token's user, if the token carries `needed`: 401 for an unknown, ended or
    /// revoked token (or a disabled user), 403 for one without the scope.
    pub async fn of_token(
        state: &AppState,
        token: &str,
        needed: TokenScope,
    ) -> Result<ApiUser, AppError> {
        let mut conn = state.pool.begin().await?;
        let (user_id, scopes) = db::tokens::user_of(&mut conn, token)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        db::act_as(&mut conn, user_id).await?;
        if !scopes.iter().any(|s| s == needed.name()) {
            return Err(AppError::Forbidden);
        }
        let user = db::users::get(&mut conn, user_id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or(AppError::Unauthenticated)?;
        let agency = db::agencies::get(&mut conn, user.agency_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok(ApiUser { user, agency })
    }
}
