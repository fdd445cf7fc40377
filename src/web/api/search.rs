//! Search over the API: the same search as the page, `GET /api/v1/search?q=…`.

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::access::ApiUser;
use super::bodies::{ErrorBody, SummaryBody};
use crate::db;
use crate::error::{AppError, FieldErrors};
use crate::services::search as svc;
use crate::web::error::ApiError;
use crate::web::AppState;

const PER_PAGE: u32 = 50;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchQuery {
    /// The text to look for anywhere in the number, title, description, affected systems and
    /// indicator values, regardless of case: at most 200 characters, no control characters.
    /// Blank: nothing is looked for.
    q: Option<String>,
    /// 1 and up.
    page: Option<String>,
}

/// An incident found, and where: `number`, `title`, `summary`, `affected_systems`,
/// `indicator`.
#[derive(Debug, Serialize, ToSchema)]
pub struct HitBody {
    pub incident: SummaryBody,
    pub matched: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchBody {
    pub items: Vec<HitBody>,
    /// How many incidents were found in all.
    pub total: i64,
    pub next: Option<u32>,
}

/// Incidents the caller may see that hold `q`, latest report first, 50 a page.
#[utoipa::path(get, path = "/api/v1/search", tag = "incidents", params(SearchQuery),
    responses((status = 200, body = SearchBody), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn search(
    State(state): State<AppState>,
    me: ApiUser,
    Query(q): Query<SearchQuery>,
) -> Result<Json<SearchBody>, ApiError> {
    let page_no = match q.page.as_deref() {
        None => 1,
        Some(p) => p
            .parse::<u32>()
            .ok()
            .filter(|p| (1..=100_000).contains(p))
            .ok_or_else(|| AppError::Invalid(FieldErrors::one("page", "error.choice_invalid")))?,
    };
    let page = db::PageRequest::new(Some(page_no), PER_PAGE);
    let raw = q.q.unwrap_or_default();
    let found = svc::search(&state.pool, me.acting(), &raw, "q", page).await?;
    let next = (i64::from(page_no) * i64::from(PER_PAGE) < found.total).then_some(page_no + 1);
    Ok(Json(SearchBody {
        items: found
            .hits
            .iter()
            .map(|h| HitBody {
                incident: SummaryBody::from(&h.incident),
                matched: h.matched().iter().map(|f| f.as_str().to_string()).collect(),
            })
            .collect(),
        total: found.total,
        next,
    }))
}
