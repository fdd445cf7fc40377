//! The home page: the user's agency, roles, escalation target and the agencies above.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use axum::Router;

use crate::db;
use crate::domain::EscalationTarget;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::directory;
use crate::web::extract::{Nav, SignedIn};
use crate::web::{labels, render, AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

struct TargetView {
    name: String,
    relation: String,
    basis: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    agency_name: String,
    agency_code: String,
    agency_kind: String,
    responsibility_level: String,
    critical_infrastructure: String,
    roles: Vec<String>,
    escalation_target: Option<TargetView>,
    chain: Vec<String>,
}

async fn home(State(state): State<AppState>, me: SignedIn) -> Result<Html<String>, AppError> {
    let t = me.ctx.t;
    let mut conn = state.pool.acquire().await?;
    let standing = directory::standing(&mut conn, me.user.agency_id).await?;
    drop(conn);
    let name = |a: &db::agencies::Agency| t.pick(&a.name_zh, &a.name_en).to_string();
    let escalation_target = standing.escalation_target.as_ref().map(|(target, agency)| {
        let relation = match target {
            EscalationTarget::SuperiorAgency(_) => "relation.superior",
            EscalationTarget::SectorAuthority(_) => "relation.sector_authority",
            EscalationTarget::CompetentAuthority(_) => "relation.competent_authority",
        };
        let basis = target.basis();
        TargetView {
            name: name(agency),
            relation: t.tr(relation).to_string(),
            basis: t.text(&basis),
        }
    });
    let a = &standing.agency;
    let page = HomePage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/".into(),
        agency_name: name(a),
        agency_code: a.code.clone(),
        agency_kind: labels::agency_kind(t, a.kind).to_string(),
        responsibility_level: labels::responsibility_level(a.responsibility_level).to_string(),
        critical_infrastructure: t
            .tr(if a.critical_infrastructure {
                "common.yes"
            } else {
                "common.no"
            })
            .to_string(),
        roles: me.user.roles.iter().map(|r| labels::role(t, *r)).collect(),
        escalation_target,
        chain: standing.supervision_chain.iter().map(name).collect(),
    };
    render(&page)
}
