//! The notification list behind the bell.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use uuid::Uuid;

use crate::db;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::extract::{CsrfForm, Nav, PageQuery, SignedIn};
use crate::web::format::show_time;
use crate::web::{render, AppState, Pager};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/read", post(mark_read))
}

struct Item {
    incident_id: Uuid,
    number: String,
    what: String,
    /// What it says beyond its kind, a line each.
    detail: Vec<String>,
    at: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct ListPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    items: Vec<Item>,
    pager: Pager,
}

async fn list(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let page = q.page(50);
    let mut tx = db::begin_as(&state.pool, me.user.id).await?;
    let (items, total) =
        db::notifications::list(&mut tx, me.user.id, page.offset(), page.limit()).await?;
    tx.commit().await?;
    let view = ListPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/notifications".into(),
        items: items
            .into_iter()
            .map(|n| Item {
                incident_id: n.incident_id,
                number: n.number.clone(),
                what: t.text(&crate::domain::notifications::message(&n.kind)),
                detail: t
                    .pick(&n.detail_zh, &n.detail_en)
                    .lines()
                    .map(str::to_string)
                    .collect(),
                at: show_time(n.created_at),
                unread: n.read_at.is_none(),
            })
            .collect(),
        pager: Pager::new(page, total),
    };
    Ok(render(&view)?.into_response())
}

#[derive(Deserialize)]
struct NoFields {}

async fn mark_read(
    State(state): State<AppState>,
    me: SignedIn,
    _form: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let mut tx = db::begin_as(&state.pool, me.user.id).await?;
    db::notifications::mark_all_read(&mut tx, me.user.id).await?;
    tx.commit().await?;
    Ok(Redirect::to("/notifications").into_response())
}
