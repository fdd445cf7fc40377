//! The regular tracking list (追蹤管考): `/tracking` for the agency, `?agency=<id>` for the
//! agencies above it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::tracking::tracking_reminder;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::tracking as svc;
use crate::web::extract::{CsrfForm, Nav, SignedIn};
use crate::web::forms::parse_id;
use crate::web::{render, AppState, Pager};

const PER_PAGE: u32 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tracking", get(list))
        .route("/tracking/{id}/done", post(mark_done))
}

struct Line {
    id: Uuid,
    incident_id: Uuid,
    number: String,
    description: String,
    horizon: String,
    owner: String,
    due_on: String,
    state: String,
    late: bool,
    open: bool,
}

#[derive(Template)]
#[template(path = "tracking.html")]
struct TrackingPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    agency_name: String,
    lines: Vec<Line>,
    may_track: bool,
    pager: Pager,
}

#[derive(Deserialize, Default)]
struct TrackingQuery {
    agency: Option<String>,
    page: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<TrackingQuery>,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let agency = match q.agency.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(parse_id(raw)?),
    };
    let page =
        crate::db::PageRequest::new(q.page.as_deref().and_then(|p| p.parse().ok()), PER_PAGE);
    let v = svc::list(&state.pool, me.acting(), agency, page).await?;
    let today = crate::domain::to_taipei(chrono::Utc::now()).date_naive();
    let lines = v
        .rows
        .iter()
        .map(|r| {
            let item = r.item();
            let reminder = tracking_reminder(&item, today);
            let state = match (r.done_on, reminder) {
                (Some(d), _) => {
                    t.text(&crate::i18n::Text::key("tracking.done_on").with("date", d.to_string()))
                }
                (None, Some(x)) => t.get(x.message_key()).to_string(),
                (None, None) => t.get("improvement.open").to_string(),
            };
            Line {
                id: r.id,
                incident_id: r.incident_id,
                number: r.number.clone(),
                description: r.description.clone(),
                horizon: t.text(&item.horizon.label()),
                owner: if r.owner.is_empty() {
                    "—".into()
                } else {
                    r.owner.clone()
                },
                due_on: r.due_on.to_string(),
                state,
                late: r.done_on.is_none() && today >= r.due_on,
                open: r.done_on.is_none(),
            }
        })
        .collect();
    let page_view = TrackingPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/tracking".into(),
        agency_name: t.pick(&v.agency.name_zh, &v.agency.name_en).to_string(),
        lines,
        may_track: v.may_track,
        pager: Pager::new(page, v.total)
            .keeping(&agency.map(|a| format!("agency={a}")).unwrap_or_default()),
    };
    Ok(render(&page_view)?.into_response())
}

#[derive(Deserialize)]
struct NoFields {}

async fn mark_done(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    svc::mark_done(&state.pool, me.acting(), parse_id(&id)?).await?;
    Ok(Redirect::to("/tracking").into_response())
}
