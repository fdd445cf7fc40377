//! Machine endpoints: health checks and JSON API v1 (bearer tokens). The API runs the same
//! services and domain rules as the pages; only the encoding differs.
//!
//! Its routes are registered through `utoipa_axum`'s `OpenApiRouter` from handlers annotated
//! with `#[utoipa::path]`, so the description served at `/api/v1/openapi.json` is generated
//! from the routes and request types themselves and cannot leave one out.

pub mod access;
mod bodies;
mod evidence;
mod incidents;
mod search;

use std::sync::LazyLock;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use access::ApiUser;
pub use bodies::ErrorBody;

use crate::db;
use crate::i18n::Lang;
use crate::web::AppState;

/// The API's description: title, version and the bearer scheme its routes name.
fn base() -> OpenApi {
    let mut api = utoipa::openapi::OpenApiBuilder::new()
        .info(
            utoipa::openapi::InfoBuilder::new()
                .title(format!("{} API", Lang::En.get("app.name")))
                .version("1")
                .description(Some(Lang::En.get("api.description")))
                .build(),
        )
        .build();
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
    api
}

/// The API routes within the body limit, with their description.
fn limited() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(base())
        .routes(routes!(openapi))
        .routes(routes!(access::classify))
        .routes(routes!(access::token, access::sign_out))
        .merge(incidents::routes())
        .merge(evidence::routes())
        .merge(search::routes())
}

/// The routes of the API and the health checks.
pub fn router() -> Router<AppState> {
    let (api, _) = limited().split_for_parts();
    api.route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// The evidence upload, under the evidence limit instead of the body limit.
pub fn upload_router() -> Router<AppState> {
    evidence::upload_routes().split_for_parts().0
}

/// The whole description: every route of both routers.
pub fn description() -> OpenApi {
    let (_, mut api) = limited().split_for_parts();
    let (_, uploads) = evidence::upload_routes().split_for_parts();
    api.merge(uploads);
    api
}

static DESCRIPTION: LazyLock<String> = LazyLock::new(|| {
    description()
        .to_pretty_json()
        .expect("the OpenAPI description serialises")
});

/// The description of API v1, for clients and for schemathesis.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "access",
    responses((status = 200, description = "This description", body = Object)))]
async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        DESCRIPTION.as_str(),
    )
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// Ready to serve: the database answers and holds the schema this build expects. The body says
/// each part, with the job runner's state (a stopped runner does not stop serving).
async fn readyz(State(state): State<AppState>) -> (StatusCode, axum::Json<serde_json::Value>) {
    let expected = sqlx::migrate!("./migrations")
        .migrations
        .iter()
        .map(|m| m.version)
        .max();
    let (database, migrations) = match db::applied_migration(&state.pool).await {
        Ok(applied) if applied >= expected => ("ok", "ok"),
        Ok(_) => ("ok", "behind"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            ("unreachable", "unknown")
        }
    };
    let jobs = match state.jobs.state() {
        crate::jobs::RunnerState::Off => "off",
        crate::jobs::RunnerState::Running => "running",
        crate::jobs::RunnerState::Late => "late",
    };
    let ready = database == "ok" && migrations == "ok";
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "status": if ready { "ready" } else { "unavailable" },
        "database": database, "migrations": migrations, "jobs": jobs,
    });
    (status, axum::Json(body))
}

/// English text of a field error key, for API answers.
pub fn field_message(key: &str) -> &str {
    Lang::En.get(key)
}
