//! HTTP: the router, the shared state, the layers every response passes through.

pub mod account;
pub mod admin;
pub mod api;
pub mod audit;
pub mod auth;
pub mod client_addr;
pub mod error;
pub mod evidence;
pub mod extract;
pub mod format;
pub mod forms;
pub mod home;
pub mod incident_team;
pub mod incidents;
pub mod indicators;
pub mod labels;
pub mod mfa;
pub mod notifications;
pub mod oversight;
pub mod preparedness;
pub mod retention;
pub mod role_changes;
pub mod search;
pub mod session_store;
pub mod sign_in;
pub mod sso;
pub mod taxii;
pub mod tokens;
pub mod tracking;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use sqlx::PgPool;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tracing::Level;

use crate::config::Settings;
use crate::db::PageRequest;
use crate::error::AppError;
use crate::i18n::Lang;
use extract::{Ctx, Nav};

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub settings: Arc<Settings>,
    /// SSO through the agency identity provider, when configured.
    pub sso: Option<Arc<crate::services::sso::Sso>>,
    /// This application's job runner, as `/readyz` reports it.
    pub jobs: Arc<crate::jobs::RunnerHealth>,
    /// What webhook endpoints' secrets are sealed under (derived from the timeline key).
    pub webhook_key: crate::domain::webhooks::SecretKey,
}

impl AppState {
    /// The reminder intervals the settings choose (see `domain::incident::reminders`).
    pub fn reminder_policy(&self) -> crate::domain::ReminderPolicy {
        crate::domain::ReminderPolicy::with_control_report_hours(self.settings.control_report_hours)
    }
}

pub fn render<T: Template>(page: &T) -> Result<Html<String>, AppError> {
    page.render()
        .map(Html)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("rendering a template: {e}")))
}

/// A page that may carry a form sent back with what was wrong: 422 then, 200 otherwise.
pub fn render_form<T: Template>(page: &T, failed: bool) -> Result<Response, AppError> {
    let status = if failed {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((status, render(page)?).into_response())
}

/// Where a long list is, for the pager partial.
pub struct Pager {
    pub page: u32,
    pub pages: u32,
    pub prev: Option<u32>,
    pub next: Option<u32>,
    /// The rest of the query the page links keep (filters), ending in `&` when there is one.
    pub keep: String,
    /// The number of pages is not known (a queue): the pager shows the page, not "of N".
    pub open_ended: bool,
}

impl Pager {
    pub fn new(req: PageRequest, total: i64) -> Self {
        let per = i64::from(req.per_page.max(1));
        let pages = u32::try_from(((total + per - 1) / per).max(1)).unwrap_or(u32::MAX);
        let page = req.page.min(pages);
        Pager {
            page,
            pages,
            prev: (page > 1).then(|| page - 1),
            next: (page < pages).then(|| page + 1),
            keep: String::new(),
            open_ended: false,
        }
    }

    /// Page `page` of a list whose length is not counted; `more` when a next page may follow.
    pub fn open_ended(page: u32, more: bool) -> Self {
        Pager {
            page,
            pages: if more { page + 1 } else { page },
            prev: (page > 1).then(|| page - 1),
            next: more.then(|| page + 1),
            keep: String::new(),
            open_ended: true,
        }
    }

    /// The same pager whose links keep `query` (`a=1&b=2`, already URL-encoded).
    pub fn keeping(mut self, query: &str) -> Self {
        self.keep = if query.is_empty() {
            String::new()
        } else {
            format!("{query}&")
        };
        self
    }
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
}

async fn not_found(ctx: Result<Ctx, AppError>) -> Response {
    let Ok(ctx) = ctx else {
        return AppError::NotFound.into_response();
    };
    let page = NotFoundPage {
        t: ctx.t,
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        back: "/".into(),
    };
    match render(&page) {
        Ok(html) => (StatusCode::NOT_FOUND, html).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The few static files, compiled into the binary so the portal runs from any folder.
async fn static_file(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (body, mime): (&'static [u8], &str) = match file.as_str() {
        "portal.css" => (
            include_bytes!("../../static/portal.css"),
            "text/css; charset=utf-8",
        ),
        "report.css" => (
            include_bytes!("../../static/report.css"),
            "text/css; charset=utf-8",
        ),
        "classify.js" => (
            include_bytes!("../../static/classify.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return AppError::NotFound.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Request spans: the method, the route pattern (never the query string), the request id and
/// the latency; never a cookie, token or password.
fn trace_layer() -> TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    impl Fn(&Request) -> tracing::Span + Clone,
    (),
    DefaultOnResponse,
> {
    TraceLayer::new_for_http()
        .make_span_with(|req: &Request| {
            let route = req
                .extensions()
                .get::<MatchedPath>()
                .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), route = %route, request_id = %id)
        })
        .on_request(())
        .on_response(
            DefaultOnResponse::new()
                .level(Level::INFO)
                .latency_unit(tower_http::LatencyUnit::Micros),
        )
}

/// Every feature's routes. They take bodies up to the body limit, except evidence uploads,
/// which stream (and stop at the evidence limit; the margin is for the form's other fields).
fn routes(settings: &Settings) -> Router<AppState> {
    let limited = Router::new()
        .merge(home::router())
        .merge(auth::router())
        .merge(sso::router())
        .merge(account::router())
        .merge(mfa::router())
        .merge(tokens::router())
        .merge(role_changes::router())
        .merge(admin::router())
        .merge(webhooks::router())
        .merge(incidents::router())
        .merge(preparedness::router())
        .merge(evidence::router())
        .merge(incident_team::router())
        .merge(indicators::router())
        .merge(notifications::router())
        .merge(oversight::router())
        .merge(audit::router())
        .merge(retention::router())
        .merge(tracking::router())
        .merge(search::router())
        .merge(api::router())
        .merge(taxii::router())
        .route("/static/{file}", axum::routing::get(static_file))
        .layer(RequestBodyLimitLayer::new(settings.body_limit))
        // Nothing waits for ever: past the limit the portal answers 503 itself (#15).
        .layer(axum::middleware::from_fn_with_state(
            Duration::from_secs(settings.request_timeout_seconds.max(1)),
            answer_within,
        ));
    let upload_limit =
        usize::try_from(settings.evidence_limit.saturating_add(1024 * 1024)).unwrap_or(usize::MAX);
    let uploads = Router::new()
        .merge(evidence::upload_router())
        .merge(api::upload_router())
        .layer(RequestBodyLimitLayer::new(upload_limit));
    Router::new().merge(limited).merge(uploads)
}

/// A request that has not been answered within `limit` (the database unreachable over TCP: its
/// connection attempts hang rather than fail) is dropped and answered like any other moment the
/// database is not there: a 503 page or problem with `Retry-After`, which clients and the load
/// balancer retry, instead of a bare status (#15).
async fn answer_within(
    axum::extract::State(limit): axum::extract::State<Duration>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let api = req.uri().path().starts_with("/api/");
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(?limit, api, "request not answered in time");
            let late = AppError::Unavailable("error.page.not_answered_in_time");
            if api {
                error::ApiError(late).into_response()
            } else {
                late.into_response()
            }
        }
    }
}

pub fn router(state: AppState, store: session_store::SessionTable) -> Router {
    let settings = state.settings.clone();
    let sessions = SessionManagerLayer::new(store)
        .with_name("portal_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.served_over_tls())
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            settings.session_idle_minutes.max(1),
        )))
        // Each request moves the idle expiry on; the store writes it at most once a minute.
        .with_always_save(true);
    // Only when browsers reach the portal over https: an http-only installation must not tell
    // them to insist on https. A year; not includeSubDomains, as the portal does not own its
    // parent domain's other hosts.
    let hsts = settings
        .served_over_tls()
        .then(|| HeaderValue::from_static("max-age=31536000"));
    let headers = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    routes(&settings)
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            mfa::require_enrolment,
        ))
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(trace_layer())
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(CatchPanicLayer::new())
                .layer(headers(
                    header::CONTENT_SECURITY_POLICY,
                    CONTENT_SECURITY_POLICY,
                ))
                .layer(headers(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .layer(headers(header::X_FRAME_OPTIONS, "DENY"))
                .layer(headers(header::REFERRER_POLICY, "same-origin"))
                .layer(headers(header::CACHE_CONTROL, "no-store"))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::STRICT_TRANSPORT_SECURITY,
                    move |_: &Response| hsts.clone(),
                ))
                .layer(DefaultBodyLimit::disable())
                .layer(sessions),
        )
}

/// Sessions past their expiry are deleted hourly (idempotent, so every node may do it), with
/// the owner's pool: the application role cannot see the session table.
pub fn spawn_session_cleanup(owner: sqlx::PgPool) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            if let Err(e) = crate::db::sessions::delete_expired(&owner).await {
                tracing::warn!(error = %e, "session cleanup failed");
            }
        }
    });
}
