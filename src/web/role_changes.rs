//! Role grants waiting for a second person (issue #14): the agency's administrators and CISO
//! see them and confirm or turn them down (`domain::role_changes`).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::domain::Role;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::admin;
use crate::web::extract::{CsrfForm, Nav, SignedIn};
use crate::web::format::show_time;
use crate::web::{render, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/role-changes", get(pending))
        .route("/role-changes/{id}/decision", post(decide))
}

struct PendingRow {
    id: i64,
    user: String,
    granted: String,
    asked_by: String,
    asked_at: String,
    /// Asked for or received by the reader: someone else decides.
    mine: bool,
}

#[derive(Template)]
#[template(path = "admin/role_changes.html")]
struct PendingPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    rows: Vec<PendingRow>,
}

async fn pending(State(state): State<AppState>, me: SignedIn) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let rows = admin::pending_role_changes(&state.pool, &me.user)
        .await?
        .into_iter()
        .map(|c| PendingRow {
            id: c.id,
            mine: c.requested_by == me.user.id || c.user_id == me.user.id,
            user: c.user_name,
            granted: c
                .granted
                .iter()
                .filter_map(|r| Role::parse(r))
                .map(|r| t.text(&r.label()))
                .collect::<Vec<_>>()
                .join(t.get("report.list_separator")),
            asked_by: c.requested_by_name,
            asked_at: show_time(c.requested_at),
        })
        .collect();
    let page = PendingPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/role-changes".into(),
        rows,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    decision: String,
}

async fn decide(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let confirm = match form.data.decision.as_str() {
        "confirm" => Some(true),
        "reject" => Some(false),
        _ => None,
    };
    admin::decide_role_change(&state.pool, &me.user, id, confirm).await?;
    Ok(Redirect::to("/role-changes").into_response())
}
