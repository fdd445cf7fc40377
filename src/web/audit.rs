//! The competent authority's audit page: sign-ins and level changes.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::db;
use crate::domain::PortalAction;
use crate::error::AppError;
use crate::i18n::{Lang, Text};
use crate::web::extract::{Nav, PageQuery, SignedIn};
use crate::web::format::show_time;
use crate::web::{render, AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(audit))
}

struct SignInRow {
    at: String,
    email: String,
    ip: String,
    ok: bool,
    agency: String,
}

struct ChangeRow {
    at: String,
    incident_id: uuid::Uuid,
    number: String,
    change: String,
    reviewer: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    sign_ins: Vec<SignInRow>,
    changes: Vec<ChangeRow>,
    prev: Option<u32>,
    next: Option<u32>,
}

const PER_PAGE: u32 = 100;

async fn audit(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    crate::domain::may_portal(&me.actor(), PortalAction::SeeAudit)
        .map_err(crate::services::denied)?;
    let page = q.page(PER_PAGE);
    let mut tx = db::begin_as(&state.pool, me.user.id).await?;
    let sign_ins = db::sign_in::recent(&mut tx, page.offset(), page.limit()).await?;
    let changes = db::timeline::level_changes(&mut tx, page.offset(), page.limit()).await?;
    tx.commit().await?;
    let full = sign_ins.len() as u32 == PER_PAGE || changes.len() as u32 == PER_PAGE;
    let view = AuditPage {
        t: me.ctx.t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/audit".into(),
        sign_ins: sign_ins
            .into_iter()
            .map(|s| SignInRow {
                at: show_time(s.at),
                email: s.email_lower,
                ip: s.client_ip,
                ok: s.succeeded,
                agency: s.agency.unwrap_or_default(),
            })
            .collect(),
        changes: changes
            .into_iter()
            .map(|c| {
                let body: serde_json::Value = serde_json::from_str(&c.body).unwrap_or_default();
                ChangeRow {
                    at: show_time(c.at),
                    incident_id: c.incident_id,
                    number: c.number,
                    change: me.ctx.t.text(
                        &Text::key("audit.level_change")
                            .with("from", body["from"].to_string())
                            .with("to", body["to"].to_string())
                            .with("reason", body["reason"].as_str().unwrap_or("")),
                    ),
                    reviewer: c.reviewer.unwrap_or_default(),
                }
            })
            .collect(),
        prev: (page.page > 1).then(|| page.page - 1),
        next: full.then_some(page.page + 1),
    };
    Ok(render(&view)?.into_response())
}
