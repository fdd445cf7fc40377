//! The page of an incident's team: the roster in force when the commander activated the team
//! (SPEC 4), adjusted for this incident without touching the agency's standing roster.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use uuid::Uuid;

use crate::domain::Action;
use crate::error::AppError;
use crate::i18n::{Lang, Text};
use crate::services::incidents;
use crate::services::preparedness as prep;
use crate::web::extract::{CsrfForm, Nav, SignedIn};
use crate::web::format::{member_lines, show_time, MemberLine};
use crate::web::forms::{
    acting, member_rows, members_of, messages, parse_id, position_options, Choice, MemberRow,
};
use crate::web::{render_form, AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/incidents/{id}/team", get(team_page).post(adjust_team))
}

#[derive(Template)]
#[template(path = "incidents/team.html")]
struct IncidentTeamPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    id: Uuid,
    /// When the team was activated and from which roster version; empty when it was not.
    activated: String,
    members: Vec<MemberLine>,
    may_adjust: bool,
    ethics: String,
    rows: Vec<MemberRow>,
    positions: Vec<Choice>,
    users: Vec<(Uuid, String)>,
    errors: Vec<String>,
}

/// "啟動時間 … · 取自名單版本 3", or nothing before the team is activated.
fn activated_line(t: Lang, team: Option<&crate::db::preparedness::IncidentTeam>) -> String {
    let Some(team) = team else {
        return String::new();
    };
    let when = show_time(team.activated_at);
    let text = match team.from_version {
        Some(v) => Text::key("team.incident.activated_from")
            .with("time", when)
            .with("version", v),
        None => Text::key("team.incident.activated").with("time", when),
    };
    t.text(&text)
}

async fn render_team(
    state: &AppState,
    me: &SignedIn,
    id: Uuid,
    form: Option<(Vec<MemberRow>, Vec<String>)>,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let v = prep::incident_team(&state.pool, acting(me), id).await?;
    let failed = form.is_some();
    let (mut rows, errors) =
        form.unwrap_or_else(|| (v.members.iter().map(MemberRow::of).collect(), Vec::new()));
    rows.extend((0..2).map(|_| MemberRow::default()));
    let page = IncidentTeamPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: format!("/incidents/{id}/team"),
        id,
        activated: activated_line(t, v.team.as_ref()),
        members: member_lines(t, &v.members),
        may_adjust: v.may_adjust,
        ethics: v
            .ethics_reminder
            .map(|text| t.text(&text))
            .unwrap_or_default(),
        rows,
        positions: position_options(t),
        users: v.users,
        errors,
    };
    render_form(&page, failed)
}

async fn team_page(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render_team(&state, &me, parse_id(&id)?, None).await
}

async fn adjust_team(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    incidents::may_act(&state.pool, acting(&me), id, Action::ActivateTeam).await?;
    let rows = member_rows(&form);
    let result = match members_of(&rows) {
        Ok(members) => prep::adjust_incident_team(&state.pool, acting(&me), id, members).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/incidents/{id}/team")).into_response()),
        Err(e @ (AppError::Rejected(_) | AppError::Conflict(_))) => {
            let errors = messages(me.ctx.t, &e);
            render_team(&state, &me, id, Some((rows, errors))).await
        }
        Err(e) => Err(e),
    }
}
