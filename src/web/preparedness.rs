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
use crate::domain::team::{DrillInput, DrillKind, DrillStatus, Position, RosterMember};
use crate::domain::{AgencyAction, Bilingual};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::preparedness as svc;
use crate::services::Acting;
use crate::web::extract::{CsrfForm, Nav, PageQuery, SignedIn};
use crate::web::format::show_time;
use crate::web::{render, render_form, AppState, Pager};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/team", get(team_page))
        .route("/team/proposals", post(propose))
        .route("/team/proposals/{version}/decision", post(decide))
        .route("/team/contacts", get(contact_sheet))
        .route("/drills", get(drills_page).post(record_drill))
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

fn acting(me: &SignedIn) -> Acting<'_> {
    Acting {
        user: &me.user,
        agency: &me.agency,
    }
}

/// One row of the roster form, as typed.
#[derive(Clone, Default)]
pub struct MemberRow {
    pub position: String,
    pub name: String,
    pub user_id: String,
    pub organisation: String,
    pub phone: String,
    pub email: String,
    pub after_hours: String,
    pub deputy: bool,
}

impl MemberRow {
    pub fn of(m: &RosterMember) -> Self {
        MemberRow {
            position: m.position.as_str().into(),
            name: m.name.clone(),
            user_id: m.user_id.map(|u| u.to_string()).unwrap_or_default(),
            organisation: m.organisation.clone().unwrap_or_default(),
            phone: m.phone.clone(),
            email: m.email.clone(),
            after_hours: m.after_hours.clone(),
            deputy: m.deputy,
        }
    }
    fn is_blank(&self) -> bool {
        [
            &self.name,
            &self.organisation,
            &self.phone,
            &self.email,
            &self.after_hours,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
            && self.user_id.trim().is_empty()
    }
}

/// The repeated fields of a roster form, row by row (blank rows dropped).
pub fn member_rows<T>(form: &CsrfForm<T>) -> Vec<MemberRow> {
    let col = |name: &str| form.all(name).map(str::to_string).collect::<Vec<_>>();
    let (pos, names, users, orgs, phones, emails, after, deputy) = (
        col("position"),
        col("name"),
        col("user_id"),
        col("organisation"),
        col("phone"),
        col("email"),
        col("after_hours"),
        col("deputy"),
    );
    let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    (0..pos.len().max(names.len()))
        .map(|i| MemberRow {
            position: at(&pos, i),
            name: at(&names, i),
            user_id: at(&users, i),
            organisation: at(&orgs, i),
            phone: at(&phones, i),
            email: at(&emails, i),
            after_hours: at(&after, i),
            deputy: at(&deputy, i) == "yes",
        })
        .filter(|r| !r.is_blank())
        .collect()
}

/// Rows to roster members; a row naming no known position or a malformed user id is refused.
pub fn members_of(rows: &[MemberRow]) -> Result<Vec<RosterMember>, AppError> {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let Some(position) = Position::parse(r.position.trim()) else {
            problems.push((
                format!("member_{i}"),
                Bilingual::new("請選擇職務。", "Choose a position."),
            ));
            continue;
        };
        let user_id = match r.user_id.trim() {
            "" => None,
            s => match Uuid::parse_str(s) {
                Ok(u) => Some(u),
                Err(_) => {
                    problems.push((
                        format!("member_{i}"),
                        Bilingual::new("所選的使用者不存在。", "The chosen user does not exist."),
                    ));
                    continue;
                }
            },
        };
        let org = r.organisation.trim();
        out.push(RosterMember {
            position,
            name: r.name.trim().to_string(),
            user_id,
            organisation: (!org.is_empty()).then(|| org.to_string()),
            phone: r.phone.trim().to_string(),
            email: r.email.trim().to_string(),
            after_hours: r.after_hours.trim().to_string(),
            deputy: r.deputy,
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(AppError::Rejected(problems))
    }
}

pub struct PositionOption {
    pub code: &'static str,
    pub label: String,
}

pub fn position_options(t: Lang) -> Vec<PositionOption> {
    Position::ALL
        .iter()
        .map(|p| PositionOption {
            code: p.as_str(),
            label: t.pick(p.label_zh(), p.label_en()).to_string(),
        })
        .collect()
}

#[derive(Clone)]
pub struct MemberLine {
    pub position: String,
    pub name: String,
    pub organisation: String,
    pub phone: String,
    pub email: String,
    pub after_hours: String,
    pub deputy: bool,
}

pub fn member_lines(t: Lang, members: &[RosterMember]) -> Vec<MemberLine> {
    let mut sorted: Vec<&RosterMember> = members.iter().collect();
    sorted.sort_by_key(|m| {
        (
            Position::ALL.iter().position(|p| *p == m.position),
            m.deputy,
        )
    });
    sorted
        .into_iter()
        .map(|m| MemberLine {
            position: t
                .pick(m.position.label_zh(), m.position.label_en())
                .to_string(),
            name: m.name.clone(),
            organisation: m.organisation.clone().unwrap_or_default(),
            phone: m.phone.clone(),
            email: m.email.clone(),
            after_hours: m.after_hours.clone(),
            deputy: m.deputy,
        })
        .collect()
}

struct VersionLine {
    version: i32,
    status: String,
    proposed: String,
    decided: String,
    reason: String,
    note: String,
    changes: Vec<String>,
}

struct DrillLine {
    kind: String,
    last: String,
    state: String,
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
    unfilled: Vec<String>,
    proposal: Option<(i32, String, Vec<MemberLine>, Vec<String>)>,
    history: Vec<VersionLine>,
    drills: Vec<DrillLine>,
    may_propose: bool,
    may_decide: bool,
    rows: Vec<MemberRow>,
    positions: Vec<PositionOption>,
    users: Vec<(Uuid, String)>,
    note: String,
    errors: Vec<String>,
}

fn status_line(t: Lang, s: DrillStatus) -> (String, bool) {
    match s {
        DrillStatus::NeverHeld => (t.pick("尚無演練紀錄", "No drill recorded").into(), true),
        DrillStatus::DueOn(d) => (
            format!("{} {}", t.pick("下次應於此日前辦理：", "Next due by"), d),
            false,
        ),
        DrillStatus::Overdue { due, days } => (
            match t {
                Lang::En => format!("Overdue since {due} ({days} days)"),
                _ => format!("已逾期：應於 {due} 前辦理（逾 {days} 天）"),
            },
            true,
        ),
    }
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
    let own = v.agency.id == me.user.agency_id;
    let failed = form.is_some();
    let (rows, note, errors) = form.unwrap_or_else(|| {
        let mut rows: Vec<MemberRow> = v
            .current
            .as_ref()
            .map(|c| c.members.iter().map(MemberRow::of).collect())
            .unwrap_or_default();
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
        (rows, String::new(), Vec::new())
    });
    let mut rows = rows;
    rows.extend((0..3).map(|_| MemberRow::default()));
    let page = TeamPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/team".into(),
        agency_name: t.pick(&v.agency.name_zh, &v.agency.name_en).to_string(),
        agency_query: if own {
            String::new()
        } else {
            format!("?agency={}", v.agency.id)
        },
        current: v
            .current
            .as_ref()
            .map(|c| (c.row.version, member_lines(t, &c.members))),
        unfilled: v
            .unfilled
            .iter()
            .map(|p| t.pick(p.label_zh(), p.label_en()).to_string())
            .collect(),
        proposal: v.proposal.as_ref().map(|p| {
            (
                p.row.version,
                format!(
                    "{} · {}",
                    p.row.proposed_by_name,
                    show_time(p.row.proposed_at)
                ),
                member_lines(t, &p.members),
                p.changes
                    .iter()
                    .map(|c| t.pick(&c.zh, &c.en).to_string())
                    .collect(),
            )
        }),
        history: v
            .history
            .iter()
            .map(|h| VersionLine {
                version: h.row.version,
                status: t.pick(h.status.label_zh(), h.status.label_en()).to_string(),
                proposed: format!(
                    "{} · {}",
                    h.row.proposed_by_name,
                    show_time(h.row.proposed_at)
                ),
                decided: match (&h.row.decided_by_name, h.row.decided_at) {
                    (Some(n), Some(at)) => format!("{n} · {}", show_time(at)),
                    _ => String::new(),
                },
                reason: h.row.decision_reason.clone().unwrap_or_default(),
                note: h.row.note.clone(),
                changes: h
                    .changes
                    .iter()
                    .map(|c| t.pick(&c.zh, &c.en).to_string())
                    .collect(),
            })
            .collect(),
        drills: v
            .drills
            .iter()
            .map(|(k, last, s)| {
                let (state, overdue) = status_line(t, *s);
                DrillLine {
                    kind: t.pick(k.label_zh(), k.label_en()).to_string(),
                    last: last.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
                    state,
                    overdue,
                }
            })
            .collect(),
        may_propose: v.may_propose && v.proposal.is_none(),
        may_decide: v.may_decide,
        rows,
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

pub fn messages(t: Lang, e: &AppError) -> Vec<String> {
    match e {
        AppError::Rejected(items) => items
            .iter()
            .map(|(_, b)| t.pick(&b.zh, &b.en).to_string())
            .collect(),
        AppError::Conflict(key) => vec![t.tr(key).to_string()],
        _ => vec![],
    }
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
            return Err(AppError::Rejected(vec![(
                "decision".into(),
                Bilingual::new("請選擇核定或退回。", "Choose approve or reject."),
            )]));
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
            let mut r =
                render_team(&state, &me, None, Some((Vec::new(), String::new(), errors))).await?;
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
    version: Option<i32>,
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
        version: v.current.as_ref().map(|c| c.row.version),
        members: v
            .current
            .as_ref()
            .map(|c| member_lines(t, &c.members))
            .unwrap_or_default(),
        printed: show_time(chrono::Utc::now()),
    };
    Ok(render(&page)?.into_response())
}

// ---- drills ------------------------------------------------------------------------------

struct DrillRow {
    kind: String,
    held_on: String,
    scenario: String,
    participants: String,
    findings: String,
    follow_up: Vec<String>,
    recorded: String,
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

async fn render_drills(
    state: &AppState,
    me: &SignedIn,
    q: &AgencyQuery,
    form: Option<(DrillForm, Vec<String>)>,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let page_req = PageQuery {
        page: q.page.clone(),
    }
    .page(25);
    let v = svc::drills(&state.pool, acting(me), q.agency()?, page_req).await?;
    let failed = form.is_some();
    let (form, errors) = form.unwrap_or_else(|| {
        (
            DrillForm {
                kind: DrillKind::NotificationResponse.as_str().into(),
                ..DrillForm::default()
            },
            Vec::new(),
        )
    });
    let page = DrillsPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/drills".into(),
        agency_name: t.pick(&v.agency.name_zh, &v.agency.name_en).to_string(),
        drills: v
            .drills
            .iter()
            .map(|d| DrillRow {
                kind: DrillKind::parse(&d.kind)
                    .map(|k| t.pick(k.label_zh(), k.label_en()).to_string())
                    .unwrap_or_else(|| d.kind.clone()),
                held_on: d.held_on.to_string(),
                scenario: d.scenario.clone(),
                participants: d.participants.0.join("、"),
                findings: d.findings.clone(),
                follow_up: d.follow_up.0.clone(),
                recorded: format!("{} · {}", d.recorded_by_name, show_time(d.recorded_at)),
            })
            .collect(),
        pager: Pager::new(page_req, v.total),
        may_record: v.may_record,
        kinds: [
            DrillKind::NotificationResponse,
            DrillKind::SocialEngineering,
        ]
        .iter()
        .map(|k| (k.as_str(), t.pick(k.label_zh(), k.label_en()).to_string()))
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
        problems.push(Bilingual::new(
            "請選擇演練類型。",
            "Choose the kind of drill.",
        ));
    }
    let held_on = NaiveDate::parse_from_str(f.held_on.trim(), "%Y-%m-%d").ok();
    if held_on.is_none() {
        problems.push(Bilingual::new(
            "演練日期格式不正確（YYYY-MM-DD）。",
            "The drill date is not a valid date (YYYY-MM-DD).",
        ));
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
        _ => Err(AppError::Rejected(
            problems.into_iter().map(|b| (String::new(), b)).collect(),
        )),
    };
    let q = AgencyQuery::default();
    match result {
        Ok(_) => Ok(Redirect::to("/drills").into_response()),
        Err(e @ AppError::Rejected(_)) => {
            let errors = messages(me.ctx.t, &e);
            render_drills(&state, &me, &q, Some((typed, errors))).await
        }
        Err(e) => Err(e),
    }
}

// ---- log-keeping duty --------------------------------------------------------------------

struct DutyLine {
    code: &'static str,
    label: String,
    from_level: String,
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
    outstanding: usize,
    note: String,
    updated: String,
    may_edit: bool,
}

async fn log_duty_page(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<AgencyQuery>,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let v = svc::log_duty(&state.pool, acting(&me), q.agency()?).await?;
    let level = v.level.unwrap_or(ProtectionLevel::Normal);
    let required = log_duty::duties_for(level);
    let page = LogDutyPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/log-duty".into(),
        agency_name: t.pick(&v.agency.name_zh, &v.agency.name_en).to_string(),
        responsibility: t.text(&v.agency.responsibility_level.label()),
        level: v.level.map(|l| l.as_str().to_string()).unwrap_or_default(),
        levels: [
            ProtectionLevel::Normal,
            ProtectionLevel::Medium,
            ProtectionLevel::High,
        ]
        .iter()
        .map(|l| (l.as_str(), t.pick(l.label_zh(), l.label_en()).to_string()))
        .collect(),
        duties: LogDuty::ALL
            .iter()
            .map(|d| DutyLine {
                code: d.as_str(),
                label: t.pick(d.label_zh(), d.label_en()).to_string(),
                from_level: t
                    .pick(d.from_level().label_zh(), d.from_level().label_en())
                    .to_string(),
                required: required.contains(d),
                done: v.done.contains(d),
            })
            .collect(),
        outstanding: log_duty::outstanding(level, &v.done).len(),
        note: v.note.clone(),
        updated: v
            .updated
            .as_ref()
            .map(|(n, at)| format!("{n} · {}", show_time(*at)))
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
    let level = ProtectionLevel::parse(form.data.level.trim()).ok_or_else(|| {
        AppError::Rejected(vec![(
            "level".into(),
            Bilingual::new(
                "請選擇系統防護需求等級。",
                "Choose the systems' protection level.",
            ),
        )])
    })?;
    let mut done = Vec::new();
    for code in form.all("done") {
        done.push(LogDuty::parse(code).ok_or_else(|| {
            AppError::Rejected(vec![(
                "done".into(),
                Bilingual::new("未知的檢核項目。", "Unknown checklist item."),
            )])
        })?);
    }
    svc::save_log_duty(&state.pool, acting(&me), level, done, &form.data.note).await?;
    Ok(Redirect::to("/log-duty").into_response())
}
