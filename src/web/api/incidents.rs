//! Incidents over the API: list, file, show, and one route per stage action, each documented
//! with the action's own request type (the same one the page's form deserialises into).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::access::ApiUser;
use super::bodies::{ErrorBody, IncidentBody, ListBody};
use crate::db;
use crate::domain::incident::actions::*;
use crate::domain::{
    Category, FilingInput, Impact, IncidentLevel, IncidentStatus, StageActionKind,
};
use crate::error::{AppError, FieldErrors};
use crate::services::incidents as svc;
use crate::web::error::ApiError;
use crate::web::extract::ApiJson;
use crate::web::forms::stage_action;
use crate::web::AppState;

const PER_PAGE: u32 = 50;

pub fn routes() -> OpenApiRouter<AppState> {
    let r = OpenApiRouter::new()
        .routes(routes!(list, file))
        .routes(routes!(show))
        .routes(routes!(review_queue))
        .routes(routes!(review));
    stage_action_routes(r)
}

async fn incident(state: &AppState, me: &ApiUser, id: Uuid) -> Result<IncidentBody, AppError> {
    Ok(IncidentBody::from(
        &svc::view(
            &state.pool,
            me.acting(),
            id,
            &state.reminder_policy(),
            svc::TimelineWindow::Whole,
        )
        .await?,
    ))
}

fn parse_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound)
}

/// A report by other appropriate means, made before the platform could be used (art. 6).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtherMeans {
    #[schema(format = DateTime)]
    reported_at: String,
    reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileRequest {
    title: String,
    #[schema(format = DateTime)]
    aware_at: String,
    #[schema(format = DateTime)]
    occurred_at: Option<String>,
    /// `web_attack`, `intrusion`, `dos`, `equipment` or `other`.
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

/// Times in the API are RFC 3339.
fn rfc3339(raw: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(raw.trim())
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
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

/// Files an incident for the caller's agency; the level is computed from the impacts.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents",
    request_body = FileRequest,
    responses((status = 201, body = IncidentBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn file(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<IncidentBody>), ApiError> {
    // Whether this user may file at all comes before what the body says.
    svc::may_file(me.acting())?;
    let req: FileRequest = serde_json::from_value(body)
        .map_err(|e| AppError::Unprocessable(format!("invalid JSON body: {e}")))?;
    let input = req.into_input()?;
    let filed = svc::file(&state.pool, me.acting(), input, &state.reminder_policy()).await?;
    Ok((
        StatusCode::CREATED,
        Json(incident(&state, &me, filed.id).await?),
    ))
}

/// One incident, with its deadlines, what its stage still needs and its timeline.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = Uuid, Path, description = "The incident")),
    responses((status = 200, body = IncidentBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn show(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<IncidentBody>, ApiError> {
    Ok(Json(incident(&state, &me, parse_id(&id)?).await?))
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// A stage, or `closed`.
    stage: Option<String>,
    /// 1–4.
    level: Option<String>,
    /// `true`: only incidents with a deadline passed.
    overdue: Option<String>,
    /// 1 and up.
    page: Option<String>,
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

/// The caller's agency's incidents, nearest deadline first, 50 a page.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", params(ListQuery),
    responses((status = 200, body = ListBody), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    me: ApiUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<ListBody>, ApiError> {
    let (filter, page_no) = list_filter(&q)?;
    let page = db::PageRequest::new(Some(page_no), PER_PAGE);
    let (items, total) = svc::list_own(&state.pool, me.acting(), &filter, page).await?;
    let next = (i64::from(page_no) * i64::from(PER_PAGE) < total).then_some(page_no + 1);
    Ok(Json(ListBody::of(&items, next)))
}

/// Subordinates' incidents awaiting the level review, overdue first (reviewers).
#[utoipa::path(get, path = "/api/v1/review-queue", tag = "incidents",
    responses((status = 200, body = ListBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn review_queue(
    State(state): State<AppState>,
    me: ApiUser,
) -> Result<Json<ListBody>, ApiError> {
    let items =
        svc::review_queue(&state.pool, me.acting(), db::PageRequest::new(None, 200)).await?;
    Ok(Json(ListBody::of(&items, None)))
}

/// Applies stage action `kind` with the request's fields and answers with the incident.
async fn apply(
    state: &AppState,
    me: &ApiUser,
    id: &str,
    kind: StageActionKind,
    fields: Value,
) -> Result<Json<IncidentBody>, ApiError> {
    let id = parse_id(id)?;
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
    Ok(Json(incident(state, me, id).await?))
}

/// The notified agency's review of the level (art. 7).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/review", tag = "stage actions",
    params(("id" = Uuid, Path, description = "The incident")),
    request_body = ReviewInput,
    responses((status = 200, body = IncidentBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn review(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<IncidentBody>, ApiError> {
    apply(&state, &me, &id, StageActionKind::Review, body).await
}

/// The request of an action that records nothing but itself.
#[derive(Deserialize, ToSchema)]
pub struct NoFields {}

/// One documented route per stage action, `POST /api/v1/incidents/{id}/actions/<name>`, the
/// twin of the page's form: (handler, kind, request type, path, what it does).
macro_rules! stage_actions {
    ($( $handler:ident, $kind:ident, $body:ty, $path:literal, $summary:literal; )*) => {
        $(
            #[utoipa::path(post, path = $path, tag = "stage actions", summary = $summary,
                params(("id" = Uuid, Path, description = "The incident")),
                request_body = $body,
                responses((status = 200, body = IncidentBody), (status = 401, body = ErrorBody),
                    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
                    (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
                security(("bearer" = [])))]
            async fn $handler(
                State(state): State<AppState>,
                me: ApiUser,
                Path(id): Path<String>,
                ApiJson(body): ApiJson<serde_json::Map<String, Value>>,
            ) -> Result<Json<IncidentBody>, ApiError> {
                apply(&state, &me, &id, StageActionKind::$kind, Value::Object(body)).await
            }
        )*

        fn stage_action_routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
            r $( .routes(routes!($handler)) )*
        }

        /// Every stage action but the review (its own route) has a route here.
        #[cfg(test)]
        const ROUTED: &[StageActionKind] = &[$( StageActionKind::$kind, )*];
    };
}

stage_actions! {
    escalation_notice, EscalationNotice, EscalationNoticeInput,
        "/api/v1/incidents/{id}/actions/escalation_notice",
        "L3/4: record the phone (or other) notice to the notified agency";
    activate_team, ActivateTeam, NoFields,
        "/api/v1/incidents/{id}/actions/activate_team", "Activate the response team";
    response_meeting, ResponseMeeting, ResponseMeetingInput,
        "/api/v1/incidents/{id}/actions/response_meeting", "L3/4: record the response meeting";
    containment, Containment, ContainmentInput,
        "/api/v1/incidents/{id}/actions/containment",
        "Record damage control or recovery (and notify its completion)";
    control_effect_report, ControlEffectReport, PeriodicReportInput,
        "/api/v1/incidents/{id}/actions/control_effect_report",
        "L3/4: report the control measures' effect";
    personal_data_assessment, PersonalDataAssessment, PersonalDataAssessmentInput,
        "/api/v1/incidents/{id}/actions/personal_data_assessment",
        "Record how the data subjects are to be notified (PDPA art. 12)";
    root_cause, RootCause, RootCauseInput,
        "/api/v1/incidents/{id}/actions/root_cause", "Record the root cause";
    malware_analysis, MalwareAnalysis, MalwareAnalysisInput,
        "/api/v1/incidents/{id}/actions/malware_analysis", "Record the malware analysis";
    virus_check, VirusCheck, VirusCheckInput,
        "/api/v1/incidents/{id}/actions/virus_check", "Record the Virus Check submission";
    improvement_item, ImprovementItem, ImprovementItemInput,
        "/api/v1/incidents/{id}/actions/improvement_item", "Add an improvement item";
    improvement_item_edit, ImprovementItemEdit, ImprovementItemEditInput,
        "/api/v1/incidents/{id}/actions/improvement_item_edit",
        "Adjust an improvement item within its horizon";
    improvement_item_drop, ImprovementItemDrop, ImprovementItemDropInput,
        "/api/v1/incidents/{id}/actions/improvement_item_drop",
        "Drop an improvement item from the strategy, with the reason";
    improvement_item_done, ImprovementItemDone, ImprovementItemDoneInput,
        "/api/v1/incidents/{id}/actions/improvement_item_done", "Mark an improvement item done";
    submit_to_commander, SubmitToCommander, NoFields,
        "/api/v1/incidents/{id}/actions/submit_to_commander",
        "Submit root cause and strategy to the commander";
    decide, Decide, DecideInput,
        "/api/v1/incidents/{id}/actions/decide",
        "The commander approves or returns the root cause (裁處)";
    send_to_escalation_target, SendToEscalationTarget, NoFields,
        "/api/v1/incidents/{id}/actions/send_to_escalation_target",
        "Send root cause and strategy to the notified agency";
    progress_report, ProgressReport, PeriodicReportInput,
        "/api/v1/incidents/{id}/actions/progress_report",
        "L3/4: report the improvement measures' progress";
    submit_report, SubmitReport, NoFields,
        "/api/v1/incidents/{id}/actions/submit_report",
        "Submit the investigation, handling and improvement report";
    classified_document, ClassifiedDocument, ClassifiedDocumentInput,
        "/api/v1/incidents/{id}/actions/classified_document",
        "L3/4: record the classified official document (密件)";
    forward_report, ForwardReport, ForwardReportInput,
        "/api/v1/incidents/{id}/actions/forward_report",
        "Forward the periodic reports of a kind to the notified agency";
    follow_up_report, FollowUpReport, FollowUpReportInput,
        "/api/v1/incidents/{id}/actions/follow_up_report",
        "Follow-up report (續行通報): a change of impacts or level, reviewed again";
    report_extension, ReportExtension, ReportExtensionInput,
        "/api/v1/incidents/{id}/actions/report_extension",
        "Ask the notified agency to extend the investigation report's deadline";
    ciso_meeting, CisoMeeting, CisoMeetingInput,
        "/api/v1/incidents/{id}/actions/ciso_meeting",
        "L3/4: record the CISO's meeting after the incident";
    relay_review, RelayReview, RelayReviewInput,
        "/api/v1/incidents/{id}/actions/relay_review",
        "The notified agency sends its review result and basis to the competent authority";
    report_extension_decision, ReportExtensionDecision, ReportExtensionDecisionInput,
        "/api/v1/incidents/{id}/actions/report_extension_decision",
        "The notified agency consents to (or refuses) the report extension";
    complete_stage, CompleteStage, NoFields,
        "/api/v1/incidents/{id}/actions/complete_stage",
        "Complete the current stage (409 with what is missing)";
    comment, Comment, CommentInput,
        "/api/v1/incidents/{id}/actions/comment", "A supervising agency's comment";
    reply_to_supervisor, ReplyToSupervisor, ReplyInput,
        "/api/v1/incidents/{id}/actions/reply_to_supervisor",
        "The agency's reply to its supervising agencies' comments";
    homeland_relay, HomelandRelay, NoFields,
        "/api/v1/incidents/{id}/actions/homeland_relay",
        "The competent authority's relay to the Office of Homeland Security";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stage_action_has_an_api_route() {
        for k in StageActionKind::ALL {
            assert!(
                k == StageActionKind::Review || ROUTED.contains(&k),
                "{k:?} has no API route"
            );
        }
    }
}
