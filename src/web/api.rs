//! Machine endpoints: health checks and JSON API v1.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::domain::{self, Impact};
use crate::error::AppError;
use crate::web::error::ApiError;
use crate::web::extract::ApiJson;
use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/api/v1/classify", post(classify))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassifyRequest {
    impacts: Vec<Impact>,
}

/// The level the impacts amount to (SPEC 2), for the filing form's live display and for
/// integrations. Holds no data, so it needs no sign-in.
async fn classify(ApiJson(req): ApiJson<ClassifyRequest>) -> Result<Json<Value>, ApiError> {
    let c = domain::classify(&req.impacts)
        .map_err(|e| ApiError(AppError::Unprocessable(format!("{e} ({})", e.zh()))))?;
    Ok(Json(json!({
        "level": c.level.number(),
        "major": c.major,
        "deciding_impact": c.deciding_impact,
        "rule": { "zh": c.rule.zh, "en": c.rule.en },
    })))
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers.
async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match sqlx::query("SELECT 1").execute(&state.pool).await {
        Ok(_) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
