//! Indicators of compromise and evidence over the API.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::access::ApiUser;
use super::bodies::ErrorBody;
use crate::domain;
use crate::error::AppError;
use crate::services::incidents as svc;
use crate::web::error::ApiError;
use crate::web::extract::ApiJson;
use crate::web::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add_indicator))
        .routes(routes!(stix))
        .routes(routes!(download_evidence))
}

/// The evidence upload, under the evidence limit instead of the body limit.
pub fn upload_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upload_evidence))
}

fn incident_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError(AppError::NotFound))
}

/// Times in the API are RFC 3339.
fn rfc3339(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorRequest {
    /// `ipv4`, `ipv6`, `domain`, `url`, `md5`, `sha1`, `sha256`, `email` or `file_name`.
    #[serde(rename = "type")]
    kind: String,
    value: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    #[schema(format = DateTime)]
    first_seen: Option<String>,
    #[serde(default)]
    #[schema(format = DateTime)]
    last_seen: Option<String>,
    /// The TLP 2.0 marking (`clear`, `green`, `amber`, `amber+strict`, `red`, with or without
    /// `TLP:`); absent: `amber`.
    #[serde(default)]
    tlp: Option<String>,
}

/// An indicator as stored: normalised.
#[derive(Serialize, ToSchema)]
pub struct IndicatorBody {
    id: Uuid,
    #[serde(rename = "type")]
    kind: String,
    value: String,
    note: String,
    first_seen: Option<DateTime<Utc>>,
    last_seen: Option<DateTime<Utc>>,
    /// The TLP 2.0 marking: `clear`, `green`, `amber`, `amber+strict` or `red`.
    tlp: String,
}

/// Adds an indicator: 201 with it normalised when new, 200 when it was on the incident already.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/indicators", tag = "indicators",
    params(("id" = Uuid, Path, description = "The incident")),
    request_body = IndicatorRequest,
    responses((status = 201, body = IndicatorBody), (status = 200, body = IndicatorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn add_indicator(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<IndicatorBody>), ApiError> {
    let id = incident_id(&id)?;
    // Whether the incident may be seen and changed comes before what was sent is judged.
    svc::may_act(
        &state.pool,
        me.acting(),
        id,
        domain::Action::RecordIndicators,
    )
    .await?;
    let req: IndicatorRequest = serde_json::from_value(body)
        .map_err(|e| ApiError(AppError::Unprocessable(format!("invalid indicator: {e}"))))?;
    let when = |raw: &Option<String>, field: &str| -> Result<_, ApiError> {
        match raw.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(s) => rfc3339(s).map(Some).ok_or_else(|| {
                ApiError(AppError::Unprocessable(format!(
                    "{field}: not an RFC 3339 time"
                )))
            }),
        }
    };
    let input = crate::services::indicators::IndicatorInput {
        first_seen: when(&req.first_seen, "first_seen")?,
        last_seen: when(&req.last_seen, "last_seen")?,
        kind: req.kind,
        value: req.value,
        note: req.note.unwrap_or_default(),
        tlp: req.tlp.unwrap_or_default(),
    };
    let (i, new) = crate::services::indicators::add(&state.pool, me.acting(), id, &input).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(IndicatorBody {
            id: i.id,
            kind: i.kind,
            value: i.value,
            note: i.note,
            first_seen: i.first_seen,
            last_seen: i.last_seen,
            tlp: i.tlp,
        }),
    ))
}

/// The incident's indicators as a STIX 2.1 bundle.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/stix", tag = "indicators",
    params(("id" = Uuid, Path, description = "The incident")),
    responses((status = 200, description = "A STIX 2.1 bundle", content_type = "application/stix+json",
        body = Object), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn stix(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    let id = incident_id(&id)?;
    let bundle = crate::services::indicators::incident_stix(&state.pool, me.acting(), id).await?;
    Ok(crate::web::indicators::stix_response(
        bundle,
        &format!("indicators-{id}.json"),
    ))
}

/// An evidence item's bytes (a custody entry is written first).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/evidence/{eid}", tag = "evidence",
    params(("id" = Uuid, Path, description = "The incident"),
        ("eid" = Uuid, Path, description = "The evidence item")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream",
        body = Vec<u8>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn download_evidence(
    State(state): State<AppState>,
    me: ApiUser,
    Path((id, eid)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    let (id, eid) = (incident_id(&id)?, incident_id(&eid)?);
    Ok(crate::web::evidence::download_response(&state, me.acting(), id, eid).await?)
}

/// The multipart form of an evidence upload.
#[derive(ToSchema)]
#[allow(dead_code)] // Only its schema is read: the upload itself streams as multipart.
pub struct EvidenceUpload {
    /// The kind of evidence (e.g. `log`, `disk_image`, `memory_dump`, `malware_sample`).
    kind: String,
    description: String,
    /// The system the evidence was taken from.
    source_system: String,
    collected_by: Option<String>,
    #[schema(format = DateTime)]
    collected_at: Option<String>,
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct StoredBody {
    id: Uuid,
    /// SHA-256 of the file, computed as it streamed in, hex.
    sha256: String,
    size: i64,
}

/// Uploads an evidence item; its SHA-256 is computed while it streams into storage.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/evidence", tag = "evidence",
    params(("id" = Uuid, Path, description = "The incident")),
    request_body(content = EvidenceUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = StoredBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 507, description = "The server's storage is full; nothing was kept", body = ErrorBody)),
    security(("bearer" = [])))]
async fn upload_evidence(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<StoredBody>), ApiError> {
    let id = incident_id(&id)?;
    svc::may_act(&state.pool, me.acting(), id, domain::Action::RecordEvidence).await?;
    let mp = multipart.map_err(|e| {
        ApiError(AppError::Unprocessable(format!(
            "expected multipart/form-data: {}",
            e.body_text()
        )))
    })?;
    let mut fields = crate::services::evidence::ItemFields::default();
    let stored =
        crate::web::evidence::receive_upload(&state, me.acting(), id, mp, &mut fields).await?;
    Ok((
        StatusCode::CREATED,
        Json(StoredBody {
            id: stored.id,
            sha256: stored.sha256,
            size: stored.size,
        }),
    ))
}
