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

use crate::db::{self, agencies::Agency, incidents::Incident, users::User};
use crate::domain::{
    self, Category, Deadline, DeadlineKind, Impact, IncidentLevel, IncidentStatus,
};
use crate::error::{AppError, FieldErrors};
use crate::i18n::Lang;
use crate::services::auth::{self, SignInOutcome};
use crate::services::incidents::{self as svc, FilingInput, StageAction};
use crate::services::Acting;
use crate::web::error::ApiError;
use crate::web::extract::ApiJson;
use crate::web::forms::Typed;
use crate::web::incidents::{action_of, stage_action};
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
    Ok(crate::web::indicators::stix_response(
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
    let c = domain::classify(&req.impacts)
        .map_err(|e| ApiError(AppError::Unprocessable(format!("{e} ({})", e.zh()))))?;
    Ok(Json(json!({
        "level": c.level.number(),
        "major": c.major,
        "deciding_impact": c.deciding_impact,
        "rule": { "zh": c.rule.zh, "en": c.rule.en },
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
    let (token, expires_at) = svc::issue_token(&state.pool, user, agency).await?;
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

fn incident_json(i: &Incident, deadlines: &[Deadline], target: Option<(Uuid, String)>) -> Value {
    json!({
        "id": i.id,
        "number": i.number,
        "title": i.title,
        "agency": { "id": i.agency_id.0, "name": i.agency_name_zh },
        "level": i.level.number(),
        "major": i.level.is_major(),
        "proposed_level": i.proposed_level.number(),
        "stage": i.status.as_str(),
        "category": i.category.as_str(),
        "personal_data": i.personal_data,
        "aware_at": i.aware_at,
        "occurred_at": i.occurred_at,
        "reported_at": i.reported_at,
        "reviewed_at": i.reviewed_at,
        "escalation_target": target.map(|(id, name)| json!({ "id": id, "name": name })),
        "deadlines": {
            "report_due": due(deadlines, DeadlineKind::Report),
            "review_due": due(deadlines, DeadlineKind::Review),
            "containment_due": due(deadlines, DeadlineKind::Containment),
            "report_submission_due": due(deadlines, DeadlineKind::InvestigationReport),
        },
    })
}

async fn full_json(state: &AppState, me: &ApiUser, id: Uuid) -> Result<Value, AppError> {
    let v = svc::view(&state.pool, me.acting(), id).await?;
    let target = v
        .incident
        .escalation_target_id
        .zip(v.escalation_target_name.clone())
        .map(|(id, (zh, _))| (id.0, zh));
    let mut body = incident_json(&v.incident, &v.deadlines, target);
    body["missing"] = json!(v
        .missing
        .iter()
        .map(|m| {
            let l = m.label();
            json!({ "zh": l.zh, "en": l.en })
        })
        .collect::<Vec<_>>());
    body["timeline"] = json!(v
        .timeline
        .iter()
        .map(|(e, who)| json!({
            "seq": e.seq,
            "at": e.at,
            "kind": e.kind,
            "actor": who,
            "body": serde_json::from_str::<Value>(&e.body).unwrap_or(Value::Null),
            "hash": hex::encode(&e.hash),
        }))
        .collect::<Vec<_>>());
    Ok(body)
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
        errors.clone().into_result()?;
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
    let incident = svc::file(&state.pool, me.acting(), input).await?;
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

fn list_json(items: Vec<(Incident, Vec<Deadline>)>, next: Option<u32>) -> Value {
    json!({
        "items": items
            .iter()
            .map(|(i, d)| incident_json(i, d, i.escalation_target_id.map(|t| (t.0, String::new()))))
            .collect::<Vec<_>>(),
        "next": next,
    })
}

async fn list(
    State(state): State<AppState>,
    me: ApiUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let bad = |field: &str| {
        let mut e = FieldErrors::default();
        e.add(field, "error.choice_invalid");
        ApiError(AppError::Invalid(e))
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
    let page = db::PageRequest::new(Some(page_no), PER_PAGE);
    let filter = db::incidents::ListFilter {
        status,
        level,
        overdue,
        year: None,
    };
    let (items, total) = svc::list_own(&state.pool, me.acting(), &filter, page).await?;
    let next = (i64::from(page_no) * i64::from(PER_PAGE) < total).then_some(page_no + 1);
    Ok(Json(list_json(
        svc::with_deadlines(&state.pool, items).await?,
        next,
    )))
}

async fn review_queue(State(state): State<AppState>, me: ApiUser) -> Result<Json<Value>, ApiError> {
    let items =
        svc::review_queue(&state.pool, me.acting(), db::PageRequest::new(None, 200)).await?;
    Ok(Json(list_json(
        svc::with_deadlines(&state.pool, items).await?,
        None,
    )))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewRequest {
    level: Option<u8>,
    reason: Option<String>,
}

async fn review(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReviewRequest>,
) -> Result<Json<Value>, ApiError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let level = match req.level {
        None => None,
        Some(n) => Some(IncidentLevel::from_number(n).ok_or_else(|| {
            let mut e = FieldErrors::default();
            e.add("level", "error.choice_invalid");
            AppError::Invalid(e)
        })?),
    };
    let action = StageAction::Review {
        level,
        reason: req.reason.unwrap_or_default(),
    };
    svc::act(&state.pool, me.acting(), id, action).await?;
    Ok(Json(full_json(&state, &me, id).await?))
}

/// The twin of every stage form: `POST /api/v1/incidents/{id}/actions/{action}` with the
/// form's fields as a flat JSON object (strings, numbers, booleans, or arrays of them for
/// repeated fields); times in RFC 3339.
async fn act(
    State(state): State<AppState>,
    me: ApiUser,
    Path((id, name)): Path<(String, String)>,
    ApiJson(body): ApiJson<serde_json::Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let mut pairs = Vec::new();
    for (key, value) in body {
        let mut push = |v: &Value| -> Result<(), AppError> {
            match v {
                Value::String(s) => pairs.push((key.clone(), s.clone())),
                Value::Number(n) => pairs.push((key.clone(), n.to_string())),
                Value::Bool(true) => pairs.push((key.clone(), "on".into())),
                Value::Bool(false) | Value::Null => {}
                _ => {
                    return Err(AppError::Unprocessable(format!(
                        "field {key}: expected a string, number or boolean"
                    )))
                }
            }
            Ok(())
        };
        match &value {
            Value::Array(items) => items.iter().try_for_each(&mut push)?,
            other => push(other)?,
        }
    }
    if name == "review" {
        return Err(ApiError(AppError::NotFound));
    }
    let wanted = action_of(&name).ok_or(AppError::NotFound)?;
    svc::may_act(&state.pool, me.acting(), id, wanted).await?;
    let typed = Typed::from_pairs(&pairs);
    let action = stage_action(&name, &typed, &pairs)?;
    svc::act(&state.pool, me.acting(), id, action).await?;
    Ok(Json(full_json(&state, &me, id).await?))
}

/// English text of a field error key, for API answers.
pub fn field_message(key: &str) -> &str {
    Lang::En.tr(key)
}
