//! Machine endpoints: health checks and JSON API v1 (bearer tokens). The API runs the same
//! services and domain rules as the pages; only the encoding differs.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::db::{self, agencies::Agency, incidents::Summary, users::User};
use crate::domain::{
    self, Category, Deadline, DeadlineKind, FilingInput, Impact, IncidentLevel, IncidentStatus,
    StageActionKind,
};
use crate::error::{AppError, FieldErrors};
use crate::i18n::Lang;
use crate::services::auth::{self, SignInOutcome};
use crate::services::incidents::{self as svc, IncidentView};
use crate::services::Acting;
use crate::web::error::ApiError;
use crate::web::extract::ApiJson;
use crate::web::forms::stage_action;
use crate::web::AppState;

const PER_PAGE: u32 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/classify", post(classify))
        .route("/api/v1/auth/token", post(token))
        .route("/api/v1/incidents", get(list).post(file))
        .route("/api/v1/incidents/{id}", get(show))
        .route("/api/v1/incidents/{id}/review", post(review))
        .route("/api/v1/incidents/{id}/actions/{action}", post(act))
        .route("/api/v1/review-queue", get(review_queue))
        .route("/api/v1/incidents/{id}/indicators", post(add_indicator))
        .route("/api/v1/incidents/{id}/stix", get(stix))
        .route(
            "/api/v1/incidents/{id}/evidence/{eid}",
            get(download_evidence),
        )
}

/// The evidence upload, under the evidence limit instead of the body limit.
pub fn upload_router() -> Router<AppState> {
    Router::new().route("/api/v1/incidents/{id}/evidence", post(upload_evidence))
}

// ---- evidence and indicators -------------------------------------------------------------

fn incident_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError(AppError::NotFound))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorRequest {
    #[serde(rename = "type")]
    kind: String,
    value: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    first_seen: Option<String>,
    #[serde(default)]
    last_seen: Option<String>,
}

/// 201 with the normalised indicator when new, 200 when it was on the incident already.
async fn add_indicator(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
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
    };
    let (i, new) = crate::services::indicators::add(&state.pool, me.acting(), id, &input).await?;
    Ok((
        if new {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(json!({
            "id": i.id,
            "type": i.kind,
            "value": i.value,
            "note": i.note,
            "first_seen": i.first_seen,
            "last_seen": i.last_seen,
        })),
    ))
}

async fn stix(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    let id = incident_id(&id)?;
    let bundle = crate::services::indicators::incident_stix(&state.pool, me.acting(), id).await?;
    Ok(crate::web::evidence::stix_response(
        bundle,
        &format!("indicators-{id}.json"),
    ))
}

async fn download_evidence(
    State(state): State<AppState>,
    me: ApiUser,
    Path((id, eid)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    let (id, eid) = (incident_id(&id)?, incident_id(&eid)?);
    Ok(crate::web::evidence::download_response(&state, me.acting(), id, eid).await?)
}

/// Multipart `kind`, `description`, `file` (and optionally `source_system`, `collected_by`,
/// `collected_at`) → 201 `{"id","sha256","size"}`.
async fn upload_evidence(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
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
        Json(json!({ "id": stored.id, "sha256": stored.sha256, "size": stored.size })),
    ))
}

/// The description of API v1, for clients and for schemathesis.
async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        include_str!("../../static/openapi.json"),
    )
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassifyRequest {
    impacts: Vec<Impact>,
}

/// The level the impacts amount to (SPEC 2), for the filing form's live display and for
/// integrations. Holds no data, so it needs no sign-in.
async fn classify(ApiJson(req): ApiJson<ClassifyRequest>) -> Result<Json<Value>, ApiError> {
    let c = domain::classify(&req.impacts).map_err(|e| {
        let (zh, en) = e.message().both();
        ApiError(AppError::Unprocessable(format!("{en} ({zh})")))
    })?;
    Ok(Json(json!({
        "level": c.level.number(),
        "major": c.major,
        "deciding_impact": c.deciding_impact,
        "rule": c.rule,
    })))
}

// ---- authentication --------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    email: String,
    password: String,
}

async fn token(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<TokenRequest>,
) -> Result<Json<Value>, ApiError> {
    if req.email.len() > 254 || req.password.len() > 1024 {
        return Err(ApiError(AppError::Unauthenticated));
    }
    let outcome = auth::sign_in(
        &state.pool,
        &req.email,
        &req.password,
        &peer.ip().to_string(),
    )
    .await?;
    let user = match outcome {
        SignInOutcome::SignedIn(user) => user,
        SignInOutcome::Throttled {
            retry_after_minutes,
        } => {
            return Err(ApiError(AppError::Throttled(retry_after_minutes)));
        }
        SignInOutcome::InvalidCredentials | SignInOutcome::Disabled => {
            return Err(ApiError(AppError::Unauthenticated))
        }
    };
    let mut conn = state.pool.acquire().await?;
    let agency = db::users::get(&mut conn, user)
        .await?
        .ok_or(AppError::Unauthenticated)?
        .agency_id;
    drop(conn);
    let (token, expires_at) = auth::issue_token(&state.pool, user, agency).await?;
    Ok(Json(json!({ "token": token, "expires_at": expires_at })))
}

/// The user behind `Authorization: Bearer <token>`.
pub struct ApiUser {
    pub user: User,
    pub agency: Agency,
}

impl ApiUser {
    fn acting(&self) -> Acting<'_> {
        Acting {
            user: &self.user,
            agency: &self.agency,
        }
    }
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 128)
            .ok_or(ApiError(AppError::Unauthenticated))?;
        let mut conn = state.pool.acquire().await?;
        let user_id = db::tokens::user_of(&mut conn, token)
            .await?
            .ok_or(AppError::Unauthenticated)?;
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

// ---- incidents -------------------------------------------------------------------------

fn due(deadlines: &[Deadline], kind: DeadlineKind) -> Value {
    json!(deadlines
        .iter()
        .find(|d| d.kind == kind)
        .and_then(|d| d.due))
}

/// An incident as the API shows it, with everything the page shows.
fn incident_json(v: &IncidentView) -> Value {
    let i = &v.incident;
    let r = &i.report;
    json!({
        "id": i.id,
        "number": i.number,
        "title": r.title,
        "agency": { "id": i.agency.0, "name": v.agency_name.0 },
        "level": i.level.number(),
        "major": i.level.is_major(),
        "proposed_level": i.proposed_level.number(),
        "stage": i.status.as_str(),
        "category": r.category.as_str(),
        "personal_data": r.personal_data,
        "aware_at": r.aware_at,
        "occurred_at": r.occurred_at,
        "reported_at": i.reported_at,
        "reviewed_at": i.reviewed_at,
        "escalation_target": i.escalation_target.zip(v.escalation_target_name.as_ref())
            .map(|(id, (zh, _))| json!({ "id": id.0, "name": zh })),
        "deadlines": {
            "report_due": due(&v.deadlines, DeadlineKind::Report),
            "review_due": due(&v.deadlines, DeadlineKind::Review),
            "containment_due": due(&v.deadlines, DeadlineKind::Containment),
            "report_submission_due": due(&v.deadlines, DeadlineKind::InvestigationReport),
        },
        "missing": v.missing.iter().map(|m| m.label()).collect::<Vec<_>>(),
        "timeline": v.timeline.iter().map(|(e, who)| json!({
            "seq": e.seq,
            "at": e.at,
            "kind": e.kind,
            "actor": who,
            "body": serde_json::from_str::<Value>(&e.body).unwrap_or(Value::Null),
            "hash": hex::encode(&e.hash),
        })).collect::<Vec<_>>(),
    })
}

/// A list entry: what the list shows of an incident, deadlines as stored at its last change.
fn summary_json(i: &Summary) -> Value {
    json!({
        "id": i.id,
        "number": i.number,
        "title": i.title,
        "agency": { "id": i.agency_id, "name": i.agency_name_zh },
        "level": i.level,
        "major": i.level().is_major(),
        "proposed_level": i.proposed_level,
        "stage": i.status,
        "category": i.category,
        "personal_data": i.personal_data,
        "aware_at": i.aware_at,
        "occurred_at": i.occurred_at,
        "reported_at": i.reported_at,
        "reviewed_at": i.reviewed_at,
        "escalation_target": i.escalation_target_id.map(|id| json!({ "id": id, "name": "" })),
        "deadlines": {
            "report_due": i.report_due,
            "review_due": i.review_due,
            "containment_due": i.containment_due,
            "report_submission_due": i.report_submission_due,
        },
    })
}

async fn full_json(state: &AppState, me: &ApiUser, id: Uuid) -> Result<Value, AppError> {
    Ok(incident_json(
        &svc::view(&state.pool, me.acting(), id).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OtherMeans {
    reported_at: String,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRequest {
    title: String,
    aware_at: String,
    occurred_at: Option<String>,
    category: String,
    #[serde(default)]
    subcategory: String,
    impacts: Vec<Impact>,
    personal_data: bool,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    affected_systems: Vec<String>,
    other_means: Option<OtherMeans>,
}

impl FileRequest {
    fn into_input(self) -> Result<FilingInput, AppError> {
        let mut errors = FieldErrors::default();
        let mut time = |field: &str, raw: &str| {
            let t = rfc3339(raw);
            if t.is_none() {
                errors.add(field, "error.time_invalid");
            }
            t
        };
        let aware_at = time("aware_at", &self.aware_at);
        let occurred_at = self
            .occurred_at
            .as_deref()
            .map(|raw| time("occurred_at", raw));
        let other = self.other_means.as_ref().map(|o| {
            (
                time("other_means_reported_at", &o.reported_at),
                o.reason.clone(),
            )
        });
        let category = Category::parse(&self.category);
        if category.is_none() {
            errors.add("category", "error.category_unknown");
        }
        errors.clone().check()?;
        Ok(FilingInput {
            title: self.title,
            aware_at: aware_at.unwrap_or_default(),
            occurred_at: occurred_at.flatten(),
            category: category.unwrap_or(Category::Other),
            subcategory: self.subcategory,
            impacts: self.impacts,
            personal_data: self.personal_data,
            summary: self.summary,
            contact: self.contact,
            affected_systems: self.affected_systems,
            other_means: other.and_then(|(at, why)| at.map(|at| (at, why))),
        })
    }
}

/// Times in the API are RFC 3339.
fn rfc3339(raw: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(raw.trim())
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

async fn file(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    // Whether this user may file at all comes before what the body says.
    svc::may_file(me.acting())?;
    let req: FileRequest = serde_json::from_value(body)
        .map_err(|e| AppError::Unprocessable(format!("invalid JSON body: {e}")))?;
    let input = req.into_input()?;
    let incident = svc::file(&state.pool, me.acting(), input, &state.reminder_policy()).await?;
    let body = full_json(&state, &me, incident.id).await?;
    Ok((StatusCode::CREATED, Json(body)))
}

async fn show(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    Ok(Json(full_json(&state, &me, id).await?))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    stage: Option<String>,
    level: Option<String>,
    overdue: Option<String>,
    page: Option<String>,
}

fn list_json(items: &[Summary], next: Option<u32>) -> Value {
    json!({
        "items": items.iter().map(summary_json).collect::<Vec<_>>(),
        "next": next,
    })
}

fn list_filter(q: &ListQuery) -> Result<(db::incidents::ListFilter, u32), ApiError> {
    let bad = |field: &str| {
        ApiError(AppError::Invalid(FieldErrors::one(
            field,
            "error.choice_invalid",
        )))
    };
    let status = match q.stage.as_deref() {
        None | Some("") => None,
        Some(s) => Some(IncidentStatus::parse(s).ok_or_else(|| bad("stage"))?),
    };
    let level = match q.level.as_deref() {
        None | Some("") => None,
        Some(l) => Some(
            l.parse()
                .ok()
                .and_then(IncidentLevel::from_number)
                .ok_or_else(|| bad("level"))?,
        ),
    };
    let overdue = match q.overdue.as_deref() {
        None | Some("") | Some("false") => false,
        Some("true") | Some("1") => true,
        Some(_) => return Err(bad("overdue")),
    };
    let page_no = match q.page.as_deref() {
        None => 1,
        Some(p) => p
            .parse::<u32>()
            .ok()
            .filter(|p| (1..=100_000).contains(p))
            .ok_or_else(|| bad("page"))?,
    };
    let filter = db::incidents::ListFilter {
        status,
        level,
        overdue,
        year: None,
    };
    Ok((filter, page_no))
}

async fn list(
    State(state): State<AppState>,
    me: ApiUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let (filter, page_no) = list_filter(&q)?;
    let page = db::PageRequest::new(Some(page_no), PER_PAGE);
    let (items, total) = svc::list_own(&state.pool, me.acting(), &filter, page).await?;
    let next = (i64::from(page_no) * i64::from(PER_PAGE) < total).then_some(page_no + 1);
    Ok(Json(list_json(&items, next)))
}

async fn review_queue(State(state): State<AppState>, me: ApiUser) -> Result<Json<Value>, ApiError> {
    let items =
        svc::review_queue(&state.pool, me.acting(), db::PageRequest::new(None, 200)).await?;
    Ok(Json(list_json(&items, None)))
}

/// Applies stage action `kind` with the request's fields and answers with the incident.
async fn apply(
    state: &AppState,
    me: &ApiUser,
    id: &str,
    kind: StageActionKind,
    fields: Value,
) -> Result<Json<Value>, ApiError> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    let action = stage_action(kind, fields);
    svc::act(
        &state.pool,
        me.acting(),
        id,
        kind,
        action,
        &state.reminder_policy(),
    )
    .await?;
    Ok(Json(full_json(state, me, id).await?))
}

/// The notified agency's review of the level: `{"level": 1–4 (or null to keep it), "reason"}`.
async fn review(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    apply(&state, &me, &id, StageActionKind::Review, body).await
}

/// The twin of every stage form: `POST /api/v1/incidents/{id}/actions/{action}` with the
/// action's fields as a JSON object (see the OpenAPI description for each action's schema).
async fn act(
    State(state): State<AppState>,
    me: ApiUser,
    Path((id, name)): Path<(String, String)>,
    ApiJson(body): ApiJson<serde_json::Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    // The review has its own route.
    let kind = StageActionKind::parse(&name)
        .filter(|k| *k != StageActionKind::Review)
        .ok_or(AppError::NotFound)?;
    apply(&state, &me, &id, kind, Value::Object(body)).await
}

/// English text of a field error key, for API answers.
pub fn field_message(key: &str) -> &str {
    Lang::En.tr(key)
}
