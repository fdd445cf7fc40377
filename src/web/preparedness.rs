//! Pages of an agency's preparedness: the response team (表一) with its versions, the
//! printable contact sheet, drills and the log-keeping checklist. Supervising agencies see
//! their subordinates' with `?agency=<id>`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::log_duty::{self, LogDuty, ProtectionLevel};
use crate::domain::team::{DrillInput, DrillKind, DrillResultsStatus, DrillStatus, Position};
use crate::domain::AgencyAction;
use crate::error::AppError;
use crate::i18n::{Lang, Text};
use crate::services::preparedness::{self as svc, TeamView, Version};
use crate::web::extract::{CsrfForm, Nav, PageQuery, SignedIn};
use crate::web::format::{member_lines, show_time, MemberLine};
use crate::web::forms::{
    acting, member_rows, members_of, messages, position_options, Choice, MemberRow,
};
use crate::web::{render, render_form, AppState, Pager};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/team", get(team_page))
        .route("/team/proposals", post(propose))
        .route("/team/proposals/{version}/decision", post(decide))
        .route("/team/contacts", get(contact_sheet))
        .route("/drills", get(drills_page).post(record_drill))
        .route("/drills/{id}/results", post(record_drill_results))
        .route("/log-duty", get(log_duty_page).post(save_log_duty))
}

#[derive(Deserialize, Default)]
pub struct AgencyQuery {
    agency: Option<String>,
    page: Option<String>,
}

impl AgencyQuery {
    /// The agency asked about; a malformed id is simply not found.
    fn agency(&self) -> Result<Option<Uuid>, AppError> {
        match self.agency.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(s) => Uuid::parse_str(s).map(Some).map_err(|_| AppError::NotFound),
        }
    }
}

/// A refusal of one field.
fn rejected(field: &str, text: Text) -> AppError {
    AppError::Rejected(vec![(field.to_string(), text)])
}

// ---- the team -------------------------------------------------------------------------------

struct VersionLine {
    version: i32,
    status: String,
    proposed: String,
    decided: String,
    reason: String,
    note: String,
    changes: Vec<String>,
}

struct ProposalLine {
    version: i32,
    heading: String,
    proposed: String,
    members: Vec<MemberLine>,
    changes: Vec<String>,
}

struct DrillLine {
    line: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "team/team.html")]
struct TeamPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    agency_name: String,
    agency_query: String,
    current: Option<(i32, Vec<MemberLine>)>,
    unfilled: String,
    proposal: Option<ProposalLine>,
    history: Vec<VersionLine>,
    drills: Vec<DrillLine>,
    /// Each seat of 表一 with its task, in the procedure's words.
    duties: Vec<(String, String)>,
    may_propose: bool,
    may_decide: bool,
    rows: Vec<MemberRow>,
    positions: Vec<Choice>,
    users: Vec<(Uuid, String)>,
    note: String,
    errors: Vec<String>,
}

/// "通報應變演練：最近一次 2026-03-10 · 下次應於此日前辦理：2027-03-10", and whether it is late.
fn drill_line(t: Lang, kind: DrillKind, last: Option<NaiveDate>, s: DrillStatus) -> DrillLine {
    let state = match s {
        DrillStatus::NeverHeld => Text::key("drill.state.never_held"),
        DrillStatus::DueOn(due) => Text::key("drill.state.due_on").with("due", due.to_string()),
        DrillStatus::Overdue { due, days } => Text::key("drill.state.overdue")
            .with("due", due.to_string())
            .with("days", days),
    };
    let line = Text::key("drill.status_line")
        .with("kind", kind.label())
        .with(
            "last",
            last.map_or_else(|| "—".to_string(), |d| d.to_string()),
        )
        .with("state", state);
    DrillLine {
        line: t.text(&line),
        overdue: !matches!(s, DrillStatus::DueOn(_)),
    }
}

fn proposed_by(v: &Version) -> String {
    format!(
        "{} · {}",
        v.row.proposed_by_name,
        show_time(v.row.proposed_at)
    )
}

fn version_line(t: Lang, v: &Version) -> VersionLine {
    let labelled = |key: &'static str, name: &'static str, value: String| {
        if value.is_empty() {
            String::new()
        } else {
            t.text(&Text::key(key).with(name, value))
        }
    };
    let decided = match (&v.row.decided_by_name, v.row.decided_at) {
        (Some(n), Some(at)) => format!("{n} · {}", show_time(at)),
        _ => String::new(),
    };
    VersionLine {
        version: v.row.version,
        status: t.text(&v.status.label()),
        proposed: proposed_by(v),
        decided: labelled("team.history.decided", "who", decided),
        reason: labelled(
            "team.history.reason",
            "reason",
            v.row.decision_reason.clone().unwrap_or_default(),
        ),
        note: labelled("team.history.note", "note", v.row.note.clone()),
        changes: v.changes.iter().map(|c| t.text(c)).collect(),
    }
}

fn proposal_line(t: Lang, p: &Version) -> ProposalLine {
    ProposalLine {
        version: p.row.version,
        heading: t.text(&Text::key("team.proposal.heading").with("version", p.row.version)),
        proposed: t.text(&Text::key("team.proposal.by").with("who", proposed_by(p))),
        members: member_lines(t, &p.members),
        changes: p.changes.iter().map(|c| t.text(c)).collect(),
    }
}

/// The roster form: what was typed, else the roster in force, else one row per recommended
/// seat; always with a few blank rows to add people.
fn form_rows(v: &TeamView, typed: Option<Vec<MemberRow>>) -> Vec<MemberRow> {
    let mut rows = typed.unwrap_or_else(|| {
        v.current
            .as_ref()
            .map(|c| c.members.iter().map(MemberRow::of).collect())
            .unwrap_or_default()
    });
    if rows.is_empty() {
        rows = Position::ALL
            .iter()
            .filter(|p| !p.as_needed())
            .map(|p| MemberRow {
                position: p.as_str().into(),
                ..MemberRow::default()
            })
            .collect();
    }
    rows.extend((0..3).map(|_| MemberRow::default()));
    rows
}

fn unfilled_line(t: Lang, unfilled: &[Position]) -> String {
    if unfilled.is_empty() {
        return String::new();
    }
    let names: Vec<String> = unfilled.iter().map(|p| t.text(&p.label())).collect();
    t.text(&Text::key("team.unfilled").with("positions", names.join(t.get("team.list_separator"))))
}

async fn render_team(
    state: &AppState,
    me: &SignedIn,
    agency: Option<Uuid>,
    form: Option<(Vec<MemberRow>, String, Vec<String>)>,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let v = svc::team(
        &state.pool,
        acting(me),
        agency,
        state.settings.drill_period_months,
    )
    .await?;
    let failed = form.is_some();
    let (typed, note, errors) = match form {
        Some((rows, note, errors)) => (Some(rows), note, errors),
        None => (None, String::new(), Vec::new()),
    };
    let page = TeamPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/team".into(),
        agency_name: t.pick(&v.agency.name_zh, &v.agency.name_en).to_string(),
        agency_query: if v.agency.id == me.user.agency_id {
            String::new()
        } else {
            format!("?agency={}", v.agency.id)
        },
        current: v
            .current
            .as_ref()
            .map(|c| (c.row.version, member_lines(t, &c.members))),
        unfilled: unfilled_line(t, &v.unfilled),
        proposal: v.proposal.as_ref().map(|p| proposal_line(t, p)),
        history: v.history.iter().map(|h| version_line(t, h)).collect(),
        drills: v
            .drills
            .iter()
            .map(|(k, last, s)| drill_line(t, *k, *last, *s))
            .collect(),
        duties: Position::ALL
            .iter()
            .map(|p| (t.text(&p.label()), t.text(&p.duty())))
            .collect(),
        may_propose: v.may_propose && v.proposal.is_none(),
        may_decide: v.may_decide,
        rows: form_rows(&v, typed),
        positions: position_options(t),
        users: v.users,
        note,
        errors,
    };
    render_form(&page, failed)
}

async fn team_page(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<AgencyQuery>,
) -> Result<Response, AppError> {
    render_team(&state, &me, q.agency()?, None).await
}

async fn propose(
    State(state): State<AppState>,
    me: SignedIn,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let note = form
        .pairs
        .iter()
        .find(|(k, _)| k == "note")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let rows = member_rows(&form);
    let result = match members_of(&rows) {
        Ok(members) => svc::propose(&state.pool, acting(&me), members, &note).await,
        Err(e) => {
            // Permission before validation: someone who may not propose hears only that.
            svc::may_own(&state.pool, acting(&me), AgencyAction::ProposeTeamChange).await?;
            Err(e)
        }
    };
    match result {
        Ok(_) => Ok(Redirect::to("/team").into_response()),
        Err(e @ (AppError::Rejected(_) | AppError::Conflict(_))) => {
            let errors = messages(me.ctx.t, &e);
            render_team(&state, &me, None, Some((rows, note, errors))).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn decide(
    State(state): State<AppState>,
    me: SignedIn,
    Path(version): Path<String>,
    form: CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    let version: i32 = version.parse().map_err(|_| AppError::NotFound)?;
    let approve = match form.data.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            svc::may_own(&state.pool, acting(&me), AgencyAction::DecideTeamChange).await?;
            return Err(rejected(
                "decision",
                Text::key("team.error.decision_missing"),
            ));
        }
    };
    match svc::decide(
        &state.pool,
        acting(&me),
        version,
        approve,
        &form.data.reason,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/team").into_response()),
        Err(e @ AppError::Rejected(_)) => {
            let errors = messages(me.ctx.t, &e);
            // The roster form comes back as it stands (what was typed is the decision only).
            let form = Some((Vec::new(), String::new(), errors));
            let mut r = render_team(&state, &me, None, form).await?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "team/contacts.html")]
struct ContactSheet {
    t: Lang,
    agency_name: String,
    version: String,
    members: Vec<MemberLine>,
    printed: String,
}

async fn contact_sheet(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<AgencyQuery>,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let v = svc::team(
        &state.pool,
        acting(&me),
        q.agency()?,
        state.settings.drill_period_months,
    )
    .await?;
    let page = ContactSheet {
        t,
        agency_name: t.pick(&v.agency.name_zh, &v.agency.name_en).to_string(),
        version: v
            .current
            .as_ref()
            .map(|c| t.text(&Text::key("team.contacts.version").with("version", c.row.version)))
            .unwrap_or_default(),
        members: v
            .current
            .as_ref()
            .map(|c| member_lines(t, &c.members))
            .unwrap_or_default(),
        printed: t
            .text(&Text::key("team.contacts.printed").with("time", show_time(chrono::Utc::now()))),
    };
    Ok(render(&page)?.into_response())
}
// ---- drills ------------------------------------------------------------------------------

struct DrillRow {
    id: Uuid,
    kind: String,
    held_on: String,
    scenario: String,
    participants: String,
    findings: String,
    follow_up: Vec<String>,
    recorded: String,
    /// Where the results stand (art. 10): sent, due with the days left, or late.
    results: String,
    results_overdue: bool,
    /// The date in the row's results form: as typed when refused, else as recorded.
    results_date: String,
}

#[derive(Default, Clone)]
struct DrillForm {
    kind: String,
    held_on: String,
    scenario: String,
    participants: String,
    findings: String,
    follow_up: String,
}

/// A form of the drills page that was refused, as typed.
enum DrillsTyped {
    /// The form recording a drill.
    Drill(DrillForm),
    /// The date typed for one drill's results.
    Results { drill: Uuid, date: String },
}

#[derive(Template)]
#[template(path = "team/drills.html")]
struct DrillsPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    agency_name: String,
    drills: Vec<DrillRow>,
    pager: Pager,
    may_record: bool,
    kinds: Vec<(&'static str, String)>,
    form: DrillForm,
    errors: Vec<String>,
}

fn drill_row(
    t: Lang,
    d: &crate::db::preparedness::Drill,
    results: DrillResultsStatus,
    typed: Option<&DrillsTyped>,
) -> DrillRow {
    let results_date = match typed {
        Some(DrillsTyped::Results { drill, date }) if *drill == d.id => date.clone(),
        _ => d
            .results_reported_on
            .map(|on| on.to_string())
            .unwrap_or_default(),
    };
    DrillRow {
        id: d.id,
        kind: DrillKind::parse(&d.kind)
            .map(|k| t.text(&k.label()))
            .unwrap_or_else(|| d.kind.clone()),
        held_on: d.held_on.to_string(),
        scenario: d.scenario.clone(),
        participants: d.participants.0.join(t.get("team.list_separator")),
        findings: d.findings.clone(),
        follow_up: d.follow_up.0.clone(),
        recorded: format!("{} · {}", d.recorded_by_name, show_time(d.recorded_at)),
        results: t.text(&results.text()),
        results_overdue: results.is_overdue(),
        results_date,
    }
}

async fn render_drills(
    state: &AppState,
    me: &SignedIn,
    q: &AgencyQuery,
    refused: Option<(DrillsTyped, Vec<String>)>,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let page_req = PageQuery {
        page: q.page.clone(),
    }
    .page(25);
    let v = svc::drills(&state.pool, acting(me), q.agency()?, page_req).await?;
    let failed = refused.is_some();
    let (typed, errors) = match refused {
        Some((typed, errors)) => (Some(typed), errors),
        None => (None, Vec::new()),
    };
    let form = match &typed {
        Some(DrillsTyped::Drill(f)) => f.clone(),
        _ => DrillForm {
            kind: DrillKind::NotificationResponse.as_str().into(),
            ..DrillForm::default()
        },
    };
    let page = DrillsPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/drills".into(),
        agency_name: t.pick(&v.agency.name_zh, &v.agency.name_en).to_string(),
        drills: v
            .drills
            .iter()
            .map(|(d, results)| drill_row(t, d, *results, typed.as_ref()))
            .collect(),
        pager: Pager::new(page_req, v.total),
        may_record: v.may_record,
        kinds: DrillKind::ALL
            .iter()
            .map(|k| (k.as_str(), t.text(&k.label())))
            .collect(),
        form,
        errors,
    };
    render_form(&page, failed)
}

async fn drills_page(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<AgencyQuery>,
) -> Result<Response, AppError> {
    render_drills(&state, &me, &q, None).await
}

#[derive(Deserialize)]
struct DrillFields {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    scenario: String,
    #[serde(default)]
    participants: String,
    #[serde(default)]
    findings: String,
    #[serde(default)]
    follow_up: String,
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

async fn record_drill(
    State(state): State<AppState>,
    me: SignedIn,
    form: CsrfForm<DrillFields>,
) -> Result<Response, AppError> {
    svc::may_own(&state.pool, acting(&me), AgencyAction::RecordDrill).await?;
    let f = &form.data;
    let typed = DrillForm {
        kind: f.kind.clone(),
        held_on: f.held_on.clone(),
        scenario: f.scenario.clone(),
        participants: f.participants.clone(),
        findings: f.findings.clone(),
        follow_up: f.follow_up.clone(),
    };
    let mut problems = Vec::new();
    let kind = DrillKind::parse(f.kind.trim());
    if kind.is_none() {
        problems.push(("kind".to_string(), Text::key("drill.error.kind_missing")));
    }
    let held_on = NaiveDate::parse_from_str(f.held_on.trim(), "%Y-%m-%d").ok();
    if held_on.is_none() {
        problems.push(("held_on".to_string(), Text::key("drill.error.date_invalid")));
    }
    let result = match (kind, held_on) {
        (Some(kind), Some(held_on)) if problems.is_empty() => {
            svc::record_drill(
                &state.pool,
                acting(&me),
                DrillInput {
                    kind,
                    held_on,
                    scenario: f.scenario.trim().to_string(),
                    participants: lines(&f.participants),
                    findings: f.findings.trim().to_string(),
                    follow_up: lines(&f.follow_up),
                },
            )
            .await
        }
        _ => Err(AppError::Rejected(problems)),
    };
    let q = AgencyQuery::default();
    match result {
        Ok(_) => Ok(Redirect::to("/drills").into_response()),
        Err(e @ AppError::Rejected(_)) => {
            let errors = messages(me.ctx.t, &e);
            render_drills(&state, &me, &q, Some((DrillsTyped::Drill(typed), errors))).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct ResultsForm {
    #[serde(default)]
    results_reported_on: String,
}

/// The security officer records when a drill's results went to the competent authority.
async fn record_drill_results(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<ResultsForm>,
) -> Result<Response, AppError> {
    svc::may_own(&state.pool, acting(&me), AgencyAction::RecordDrill).await?;
    let drill = Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
    let date = form.data.results_reported_on.trim().to_string();
    let result = match NaiveDate::parse_from_str(&date, "%Y-%m-%d") {
        Ok(on) => svc::record_drill_results(&state.pool, acting(&me), drill, on).await,
        Err(_) => Err(rejected(
            "results_reported_on",
            Text::key("drill.results.error.date_invalid"),
        )),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/drills").into_response()),
        Err(e @ AppError::Rejected(_)) => {
            let errors = messages(me.ctx.t, &e);
            let typed = DrillsTyped::Results { drill, date };
            render_drills(&state, &me, &AgencyQuery::default(), Some((typed, errors))).await
        }
        Err(e) => Err(e),
    }
}

// ---- log-keeping duty --------------------------------------------------------------------

struct DutyLine {
    code: &'static str,
    label: String,
    from_level: String,
    /// Required (not done: shown as missing) or only advised, in words; empty when not asked.
    obligation: String,
    required: bool,
    done: bool,
}

#[derive(Template)]
#[template(path = "team/log_duty.html")]
struct LogDutyPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    agency_name: String,
    responsibility: String,
    level: String,
    levels: Vec<(&'static str, String)>,
    duties: Vec<DutyLine>,
    outstanding: String,
    centralised: String,
    note: String,
    updated: String,
    may_edit: bool,
}

/// How far the checklist is: not declared, complete, or how many required items are missing.
fn outstanding_line(t: Lang, level: Option<ProtectionLevel>, done: &[LogDuty]) -> String {
    let text = match level.map(|l| log_duty::outstanding(l, done).len()) {
        None => Text::key("logduty.not_declared"),
        Some(0) => Text::key("logduty.all_done"),
        Some(n) => Text::key("logduty.outstanding").with("count", n),
    };
    t.text(&text)
}

async fn log_duty_page(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<AgencyQuery>,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let v = svc::log_duty(&state.pool, acting(&me), q.agency()?).await?;
    let level = v.level.unwrap_or(ProtectionLevel::Normal);
    let page = LogDutyPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/log-duty".into(),
        agency_name: t.pick(&v.agency.name_zh, &v.agency.name_en).to_string(),
        responsibility: t.text(&v.agency.responsibility_level.label()),
        level: v.level.map(|l| l.as_str().to_string()).unwrap_or_default(),
        levels: ProtectionLevel::ALL
            .iter()
            .map(|l| (l.as_str(), t.text(&l.label())))
            .collect(),
        duties: LogDuty::ALL
            .iter()
            .map(|d| {
                let obligation = log_duty::obligation(*d, level);
                DutyLine {
                    code: d.as_str(),
                    label: t.text(&d.label()),
                    from_level: t.text(&d.from_level().label()),
                    obligation: obligation.map(|o| t.text(&o.label())).unwrap_or_default(),
                    required: obligation == Some(log_duty::Obligation::Required),
                    done: v.done.contains(d),
                }
            })
            .collect(),
        outstanding: outstanding_line(t, v.level, &v.done),
        centralised: t.text(&log_duty::centralised_note()),
        note: v.note.clone(),
        updated: v
            .updated
            .as_ref()
            .map(|(n, at)| {
                let who = format!("{n} · {}", show_time(*at));
                t.text(&Text::key("logduty.updated").with("who", who))
            })
            .unwrap_or_default(),
        may_edit: v.may_edit,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct LogDutyForm {
    #[serde(default)]
    level: String,
    #[serde(default)]
    note: String,
}

async fn save_log_duty(
    State(state): State<AppState>,
    me: SignedIn,
    form: CsrfForm<LogDutyForm>,
) -> Result<Response, AppError> {
    svc::may_own(&state.pool, acting(&me), AgencyAction::EditLogDuty).await?;
    let level = ProtectionLevel::parse(form.data.level.trim())
        .ok_or_else(|| rejected("level", Text::key("logduty.error.level_missing")))?;
    let mut done = Vec::new();
    for code in form.all("done") {
        done.push(
            LogDuty::parse(code)
                .ok_or_else(|| rejected("done", Text::key("logduty.error.duty_unknown")))?,
        );
    }
    svc::save_log_duty(&state.pool, acting(&me), level, done, &form.data.note).await?;
    Ok(Redirect::to("/log-duty").into_response())
}
