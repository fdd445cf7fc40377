//! Extractors every page uses: who is signing in (`Ctx`, `SignedIn`) and CSRF-checked forms.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;
use tower_sessions::Session;
use uuid::Uuid;

use crate::db::{self, agencies::Agency, users::User};
use crate::domain::{self, PortalAction};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::Acting;
use crate::web::AppState;

pub const SESSION_USER: &str = "user_id";
/// When the session's sign-in happened (unix microseconds): a session older than the user's
/// `sessions_valid_from` (a password change elsewhere) is over.
pub const SESSION_BEGUN: &str = "begun_at";

/// Stamps the session as begun now (at sign-in, and for the session that changed the password).
pub async fn mark_session_begun(session: &Session) -> Result<(), AppError> {
    session
        .insert(SESSION_BEGUN, chrono::Utc::now().timestamp_micros())
        .await
        .map_err(session_error)
}

/// Whether a session begun at `begun` is still valid for a user whose sessions before
/// `valid_from` were ended.
fn session_still_valid(
    begun: Option<i64>,
    valid_from: Option<chrono::DateTime<chrono::Utc>>,
) -> bool {
    match valid_from {
        None => true,
        Some(from) => begun.is_some_and(|b| b >= from.timestamp_micros()),
    }
}
pub const SESSION_CSRF: &str = "csrf";
pub const SESSION_LANG: &str = "lang";

/// What the layout shows about the signed-in user.
#[derive(Clone)]
pub struct Nav {
    pub display_name: String,
    pub agency_name: String,
    pub is_admin: bool,
    pub is_registrar: bool,
    pub is_reviewer: bool,
    pub is_auditor: bool,
    pub is_commander: bool,
    /// Confirms role grants (a second administrator, the CISO).
    pub confirms_roles: bool,
    /// Reads the audit log of accounts, rights and 密件 reports (`domain::audit::scope_of`).
    pub reads_account_log: bool,
    pub unread: i64,
    pub csrf: String,
}

/// The request's session, the user (if signed in), the language and the CSRF token.
pub struct Ctx {
    pub session: Session,
    pub user: Option<(User, Agency)>,
    pub t: Lang,
    pub csrf: String,
    /// Unread notifications of the signed-in user (the bell).
    pub unread: i64,
}

impl Ctx {
    /// The header's links: one for each part of the portal the domain lets this user use.
    pub fn nav(&self) -> Option<Nav> {
        self.user.as_ref().map(|(u, a)| {
            let actor = Acting { user: u, agency: a }.actor();
            let may = |action| domain::may_portal(&actor, action).is_ok();
            Nav {
                display_name: u.display_name.clone(),
                agency_name: self.t.pick(&a.name_zh, &a.name_en).to_string(),
                is_admin: may(PortalAction::AdministerAgency),
                is_registrar: may(PortalAction::RegisterAgencies),
                is_reviewer: may(PortalAction::SeeReviewQueue),
                is_auditor: may(PortalAction::SeeAudit),
                is_commander: may(PortalAction::SeeCommanderQueue),
                confirms_roles: domain::role_changes::may_see_pending(&actor, actor.agency).is_ok(),
                reads_account_log: domain::audit::scope_of(&actor).is_ok(),
                unread: self.unread,
                csrf: self.csrf.clone(),
            }
        })
    }
}

fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// A session that cannot be read or written. Its store is the database: a failure there is the
/// database not answering, a 503 the client may retry like any other query's (#15), not a 500.
pub(crate) fn session_error(e: tower_sessions::session::Error) -> AppError {
    use tower_sessions::session::Error;
    use tower_sessions::session_store::Error as StoreError;
    match e {
        Error::Store(StoreError::Backend(detail)) => {
            tracing::warn!(error = %detail, "session store unreachable");
            AppError::Unavailable("error.page.database_unavailable")
        }
        other => AppError::Internal(anyhow::anyhow!("session store: {other}")),
    }
}

/// The session layer is missing from the router: a bug, whatever the database does.
fn session_layer_missing(msg: &str) -> AppError {
    AppError::Internal(anyhow::anyhow!("session layer: {msg}"))
}

/// Who is asking, as the enrolment middleware (`mfa::require_enrolment`) looked it up for the
/// request: `Ctx` takes it from the request's extensions instead of asking the database again.
#[derive(Clone)]
pub struct Identified(pub Option<db::asking::Asking>);

/// The signed-in user of `session`, in one statement (`db::asking`), or none: a disabled user's
/// session, or one begun before the user's sessions were ended (a password change elsewhere),
/// stops working at once, not at its expiry.
pub async fn identify(
    state: &AppState,
    session: &Session,
) -> Result<Option<db::asking::Asking>, AppError> {
    let Some(id) = session
        .get::<Uuid>(SESSION_USER)
        .await
        .map_err(session_error)?
    else {
        return Ok(None);
    };
    match db::asking::who_is_asking(&state.pool, id).await? {
        Some(a)
            if !a.user.disabled
                && session_still_valid(
                    session.get(SESSION_BEGUN).await.map_err(session_error)?,
                    a.user.sessions_valid_from,
                ) =>
        {
            Ok(Some(a))
        }
        _ => {
            session.flush().await.map_err(session_error)?;
            Ok(None)
        }
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, msg)| session_layer_missing(msg))?;
        let asking = match parts.extensions.get::<Identified>() {
            Some(Identified(asking)) => asking.clone(),
            None => identify(state, &session).await?,
        };
        let (user, unread) = match asking {
            Some(a) => (Some((a.user, a.agency)), a.unread),
            None => (None, 0),
        };
        let t = match &user {
            Some((u, _)) => Lang::from_code(&u.preferred_language),
            None => match session
                .get::<String>(SESSION_LANG)
                .await
                .map_err(session_error)?
            {
                Some(code) => Lang::from_code(&code),
                None => Lang::from_accept_language(
                    parts
                        .headers
                        .get(ACCEPT_LANGUAGE)
                        .and_then(|v| v.to_str().ok()),
                ),
            },
        };
        let csrf = match session
            .get::<String>(SESSION_CSRF)
            .await
            .map_err(session_error)?
        {
            Some(token) => token,
            None => {
                let token = new_token();
                session
                    .insert(SESSION_CSRF, &token)
                    .await
                    .map_err(session_error)?;
                token
            }
        };
        Ok(Ctx {
            session,
            user,
            t,
            csrf,
            unread,
        })
    }
}

/// A page that needs a signed-in user.
pub struct SignedIn {
    pub ctx: Ctx,
    pub user: User,
    pub agency: Agency,
}

impl SignedIn {
    pub fn acting(&self) -> Acting<'_> {
        Acting {
            user: &self.user,
            agency: &self.agency,
        }
    }
    /// The user as the domain's permission rules see them.
    pub fn actor(&self) -> domain::Actor {
        self.acting().actor()
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        let (user, agency) = ctx.user.clone().ok_or(AppError::Unauthenticated)?;
        Ok(SignedIn { ctx, user, agency })
    }
}

/// An `application/x-www-form-urlencoded` body whose `csrf` field must equal the session's
/// token. Also keeps every (name, value) pair for fields that repeat (checkbox groups).
pub struct CsrfForm<T> {
    pub data: T,
    pub pairs: Vec<(String, String)>,
}

impl<T> CsrfForm<T> {
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let (mut parts, body) = req.into_parts();
        let session = Session::from_request_parts(&mut parts, state)
            .await
            .map_err(|(_, msg)| session_layer_missing(msg))?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::TooLarge
                } else {
                    AppError::Unprocessable(e.body_text())
                }
            })?;
        let pairs: Vec<(String, String)> = form_urlencoded::parse(&bytes).into_owned().collect();
        // PostgreSQL cannot store NUL in text: refuse it here, for every field at once.
        if pairs
            .iter()
            .any(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(AppError::Unprocessable(
                "NUL characters are not accepted".into(),
            ));
        }
        let sent = pairs
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str());
        let expected: Option<String> = session.get(SESSION_CSRF).await.map_err(session_error)?;
        let valid = match (sent, expected.as_deref()) {
            (Some(s), Some(e)) => !e.is_empty() && bool::from(s.as_bytes().ct_eq(e.as_bytes())),
            _ => false,
        };
        if !valid {
            tracing::info!("form rejected: CSRF token missing or wrong");
            return Err(AppError::CsrfRejected);
        }
        let data = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| AppError::Unprocessable(format!("malformed form: {e}")))?;
        Ok(CsrfForm { data, pairs })
    }
}

/// `?page=N` on long lists.
#[derive(serde::Deserialize, Default)]
pub struct PageQuery {
    pub page: Option<String>,
}

impl PageQuery {
    pub fn page(&self, per_page: u32) -> db::PageRequest {
        db::PageRequest::new(self.page.as_deref().and_then(|p| p.parse().ok()), per_page)
    }
}

/// A JSON body for API v1. Anything that is not the expected document (bad syntax, wrong
/// types, unknown fields, not UTF-8) is a 422 with a JSON `{"error": …}` saying what is wrong.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = crate::web::error::ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                crate::web::error::ApiError(AppError::TooLarge)
            } else {
                AppError::Unprocessable(e.body_text()).into()
            }
        })?;
        // PostgreSQL cannot store NUL in text: refuse the escape anywhere in the body.
        if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
            return Err(AppError::Unprocessable(
                "NUL characters (\\u0000) are not accepted".into(),
            )
            .into());
        }
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| AppError::Unprocessable(format!("invalid JSON body: {e}")).into())
    }
}
