//! Incident pages: the agency's list, filing, the incident page with its stage forms, and the
//! queues of commanders and supervising agencies.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::db::{self, incidents::Incident};
use crate::domain::{
    self, Action, AgendaItem, AssetClass, Category, CommanderDecision, DeadlineStatus, Impact,
    ImpactKind, ImprovementHorizon, IncidentLevel, IncidentStatus, Stage,
};
use crate::error::{AppError, FieldErrors};
use crate::i18n::Lang;
use crate::services::incidents::{self as svc, FilingInput, IncidentView, StageAction};
use crate::services::Acting;
use crate::web::extract::{CsrfForm, Nav, SignedIn};
use crate::web::format::{csv_field, input_time, level_label, show_time, status_label};
use crate::web::forms::{parse_id, parse_local_time, Choice, Typed};
use crate::web::{render, AppState, Pager};

const PER_PAGE: u32 = 25;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(list).post(file))
        .route("/incidents/new", get(new_form))
        .route("/incidents/{id}", get(show))
        .route("/incidents/{id}/act/{action}", post(act))
        .route("/incidents/{id}/report", get(report_page))
        .route("/incidents/{id}/report.pdf", get(report_pdf))
        .route("/incidents.csv", get(list_csv))
        .route("/review-queue", get(review_queue))
        .route("/review-queue.csv", get(review_queue_csv))
        .route("/board", get(board))
        .route("/board.csv", get(board_csv))
        .route("/commander-queue", get(commander_queue))
}

fn acting(me: &SignedIn) -> Acting<'_> {
    Acting {
        user: &me.user,
        agency: &me.agency,
    }
}

// ---- list ------------------------------------------------------------------------------

struct Row {
    id: Uuid,
    number: String,
    title: String,
    agency: String,
    level: String,
    major: bool,
    status: String,
    next_due: String,
    overdue: bool,
    last_control_report: String,
    report_submitted: String,
    homeland_relayed: bool,
}

fn rows(t: Lang, list: &[Incident]) -> Vec<Row> {
    let now = Utc::now();
    list.iter()
        .map(|i| Row {
            id: i.id,
            number: i.number.clone(),
            title: i.title.clone(),
            agency: t.pick(&i.agency_name_zh, &i.agency_name_en).to_string(),
            level: level_label(t, i.level),
            major: i.level.is_major(),
            status: status_label(t, i.status),
            next_due: i.next_due.map(show_time).unwrap_or_else(|| "—".into()),
            overdue: i.next_due.is_some_and(|d| d < now),
            last_control_report: i
                .record
                .control_effect_reports
                .iter()
                .max()
                .map(|t| show_time(*t))
                .unwrap_or_else(|| "—".into()),
            report_submitted: i
                .report_submitted_at
                .map(show_time)
                .unwrap_or_else(|| "—".into()),
            homeland_relayed: i.homeland_relayed_at.is_some(),
        })
        .collect()
}

#[derive(Deserialize, Default)]
struct ListQuery {
    page: Option<String>,
    stage: Option<String>,
    level: Option<String>,
    overdue: Option<String>,
    year: Option<String>,
}

#[derive(Template)]
#[template(path = "incidents/list.html")]
struct ListPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    heading: String,
    /// The level-3/4 board shows what supervising agencies follow to closure.
    board: bool,
    rows: Vec<Row>,
    pager: Pager,
    query: String,
    can_file: bool,
    filters: bool,
    stage_choices: Vec<Choice>,
    level_choices: Vec<Choice>,
    overdue: bool,
    year: String,
}

fn stage_choices(t: Lang, selected: &str) -> Vec<Choice> {
    Stage::ALL
        .iter()
        .map(|s| IncidentStatus::Open(*s))
        .chain([IncidentStatus::Closed])
        .map(|s| Choice {
            value: s.as_str().into(),
            label: status_label(t, s),
            checked: s.as_str() == selected,
        })
        .collect()
}

fn level_choices(t: Lang, selected: &str) -> Vec<Choice> {
    (1..=4)
        .filter_map(IncidentLevel::from_number)
        .map(|l| Choice {
            value: l.number().to_string(),
            label: level_label(t, l),
            checked: l.number().to_string() == selected,
        })
        .collect()
}

async fn list(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let stage = q.stage.clone().unwrap_or_default();
    let level = q.level.clone().unwrap_or_default();
    let year = q.year.clone().unwrap_or_default();
    let filter = db::incidents::ListFilter {
        status: IncidentStatus::parse(&stage),
        level: level.parse().ok().and_then(IncidentLevel::from_number),
        overdue: q.overdue.is_some(),
        year: year.parse().ok().filter(|y| (2000..=2100).contains(y)),
    };
    let page = db::PageRequest::new(q.page.as_deref().and_then(|p| p.parse().ok()), PER_PAGE);
    let (list, total) = svc::list_own(&state.pool, acting(&me), &filter, page).await?;
    let query = serde_urlencoded::to_string([
        ("stage", stage.as_str()),
        ("level", level.as_str()),
        ("year", year.as_str()),
        ("overdue", if filter.overdue { "1" } else { "" }),
    ])
    .unwrap_or_default();
    let page_view = ListPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/incidents".into(),
        heading: t.tr("incidents.title").into(),
        board: false,
        rows: rows(t, &list),
        pager: Pager::new(page, total),
        query,
        can_file: me.user.roles.iter().any(|r| {
            matches!(
                r,
                domain::Role::SecurityOfficer | domain::Role::IntelPlanning | domain::Role::Ciso
            )
        }),
        filters: true,
        stage_choices: stage_choices(t, &stage),
        level_choices: level_choices(t, &level),
        overdue: filter.overdue,
        year,
    };
    Ok(render(&page_view)?.into_response())
}

async fn queue_page(
    me: &SignedIn,
    heading: &str,
    list: &[Incident],
    back: &str,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let page = ListPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: back.into(),
        heading: t.tr(heading).into(),
        board: heading == "queue.board",
        rows: rows(t, list),
        pager: Pager::new(db::PageRequest::new(None, 1000), list.len() as i64),
        query: String::new(),
        can_file: false,
        filters: false,
        stage_choices: Vec::new(),
        level_choices: Vec::new(),
        overdue: false,
        year: String::new(),
    };
    Ok(render(&page)?.into_response())
}

async fn review_queue(State(state): State<AppState>, me: SignedIn) -> Result<Response, AppError> {
    let list = svc::review_queue(&state.pool, acting(&me), db::PageRequest::new(None, 200)).await?;
    queue_page(&me, "queue.review", &list, "/review-queue").await
}

async fn board(State(state): State<AppState>, me: SignedIn) -> Result<Response, AppError> {
    let list = svc::major_board(&state.pool, acting(&me), db::PageRequest::new(None, 200)).await?;
    queue_page(&me, "queue.board", &list, "/board").await
}

async fn commander_queue(
    State(state): State<AppState>,
    me: SignedIn,
) -> Result<Response, AppError> {
    let list = svc::awaiting_commander(&state.pool, acting(&me)).await?;
    queue_page(&me, "queue.commander", &list, "/commander-queue").await
}

// ---- filing ----------------------------------------------------------------------------

pub struct ImpactCell {
    pub name: String,
    pub value: String,
    pub possible: bool,
}

pub struct ImpactRow {
    pub label: String,
    pub cells: Vec<ImpactCell>,
}

#[derive(Template)]
#[template(path = "incidents/new.html")]
struct NewPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    typed: Typed,
    errors: FieldErrors,
    category_choices: Vec<Choice>,
    subcategory_choices: Vec<(String, Vec<Choice>)>,
    asset_labels: Vec<String>,
    impact_rows: Vec<ImpactRow>,
    computed: Option<String>,
}

fn impact_field(kind: ImpactKind, asset: AssetClass) -> String {
    let k = match kind {
        ImpactKind::Leak => "leak",
        ImpactKind::Tamper => "tamper",
        ImpactKind::Disruption => "disruption",
    };
    let a = match asset {
        AssetClass::NonCore => "non_core",
        AssetClass::Core => "core",
        AssetClass::Sensitive => "sensitive",
        AssetClass::NationalSecret => "national_secret",
    };
    format!("impact_{k}_{a}")
}

fn new_page(me: &SignedIn, typed: Typed, errors: FieldErrors) -> NewPage {
    let t = me.ctx.t;
    let category = typed.v("category").to_string();
    let subcategory = typed.v("subcategory").to_string();
    let impact_rows = ImpactKind::ALL
        .iter()
        .map(|k| ImpactRow {
            label: t.pick(k.label_zh(), k.label_en()).to_string(),
            cells: AssetClass::ALL
                .iter()
                .map(|a| ImpactCell {
                    name: impact_field(*k, *a),
                    value: typed.v(&impact_field(*k, *a)).to_string(),
                    possible: a.label_for(*k).is_some(),
                })
                .collect(),
        })
        .collect();
    let computed = impacts_from(&typed)
        .ok()
        .and_then(|i| domain::classify(&i).ok())
        .map(|c| {
            format!(
                "{} — {}",
                level_label(t, c.level),
                t.pick(&c.rule.zh, &c.rule.en)
            )
        });
    NewPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/incidents/new".into(),
        category_choices: Category::ALL
            .iter()
            .map(|c| Choice {
                value: c.as_str().into(),
                label: t.pick(c.label_zh(), c.label_en()).into(),
                checked: c.as_str() == category,
            })
            .collect(),
        subcategory_choices: Category::ALL
            .iter()
            .filter(|c| !c.subcategories().is_empty())
            .map(|c| {
                (
                    t.pick(c.label_zh(), c.label_en()).to_string(),
                    c.subcategories()
                        .iter()
                        .map(|(code, zh, en)| Choice {
                            value: (*code).into(),
                            label: t.pick(zh, en).into(),
                            checked: *code == subcategory,
                        })
                        .collect(),
                )
            })
            .collect(),
        asset_labels: AssetClass::ALL
            .iter()
            .map(|a| t.pick(a.label_zh(), a.label_en()).to_string())
            .collect(),
        impact_rows,
        computed,
        typed,
        errors,
    }
}

async fn new_form(me: SignedIn) -> Result<Response, AppError> {
    svc::may_file(acting(&me))?;
    let mut typed = Typed::default();
    typed.set("aware_at", input_time(Utc::now()));
    Ok(render(&new_page(&me, typed, FieldErrors::default()))?.into_response())
}

/// The impact matrix: each cell is "", "minor" or "severe".
fn impacts_from(typed: &Typed) -> Result<Vec<Impact>, ()> {
    let mut out = Vec::new();
    for kind in ImpactKind::ALL {
        for asset in AssetClass::ALL {
            match typed.v(&impact_field(kind, asset)) {
                "" => {}
                "minor" => out.push(Impact {
                    kind,
                    asset,
                    severe: false,
                }),
                "severe" => out.push(Impact {
                    kind,
                    asset,
                    severe: true,
                }),
                _ => return Err(()),
            }
        }
    }
    Ok(out)
}

fn filing_from(typed: &Typed) -> Result<FilingInput, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut time = |field: &str, required: bool| -> Option<DateTime<Utc>> {
        let raw = typed.v(field);
        if raw.trim().is_empty() {
            if required {
                errors.add(field, "error.required");
            }
            return None;
        }
        let parsed = parse_local_time(raw);
        if parsed.is_none() {
            errors.add(field, "error.time_invalid");
        }
        parsed
    };
    let aware_at = time("aware_at", true);
    let occurred_at = time("occurred_at", false);
    let other_at = time("other_means_reported_at", false);
    let category = Category::parse(typed.v("category"));
    if category.is_none() {
        errors.add("category", "error.category_unknown");
    }
    let impacts = impacts_from(typed).unwrap_or_else(|_| {
        errors.add("impacts", "error.impacts_impossible");
        Vec::new()
    });
    match (aware_at, category) {
        (Some(aware_at), Some(category)) if errors.is_empty() => Ok(FilingInput {
            title: typed.v("title").into(),
            aware_at,
            occurred_at,
            category,
            subcategory: typed.v("subcategory").into(),
            impacts,
            personal_data: typed.on("personal_data"),
            summary: typed.v("summary").into(),
            contact: typed.v("contact").into(),
            affected_systems: typed
                .v("affected_systems")
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect(),
            other_means: other_at.map(|at| (at, typed.v("other_means_reason").to_string())),
        }),
        _ => Err(errors),
    }
}

#[derive(Deserialize)]
struct AnyForm {}

async fn file(
    State(state): State<AppState>,
    me: SignedIn,
    form: CsrfForm<AnyForm>,
) -> Result<Response, AppError> {
    svc::may_file(acting(&me))?;
    let typed = Typed::from_pairs(&form.pairs);
    let result = match filing_from(&typed) {
        Ok(input) => svc::file(&state.pool, acting(&me), input).await,
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(incident) => Ok(Redirect::to(&format!("/incidents/{}", incident.id)).into_response()),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&new_page(&me, typed, errors))?,
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

// ---- the incident page -------------------------------------------------------------------

struct DeadlineRow {
    label: String,
    due: String,
    state: String,
    css: &'static str,
}

struct StageRow {
    label: String,
    current: bool,
    done: bool,
}

struct EntryRow {
    at: String,
    who: String,
    kind: String,
    body: String,
}

struct ItemRow {
    index: usize,
    description: String,
    horizon: String,
    due_on: String,
    done: bool,
}

#[derive(Template)]
#[template(path = "incidents/show.html")]
struct ShowPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    id: Uuid,
    number: String,
    title: String,
    agency: String,
    level: String,
    major: bool,
    proposed_level: String,
    status: String,
    closed: bool,
    category: String,
    summary: String,
    contact: String,
    aware_at: String,
    occurred_at: String,
    reported_at: String,
    other_means: String,
    escalation_target: String,
    personal_data: bool,
    deadlines: Vec<DeadlineRow>,
    stages: Vec<StageRow>,
    missing: Vec<String>,
    can: Vec<&'static str>,
    systems: Vec<(usize, String, String)>,
    items: Vec<ItemRow>,
    awaiting_decision: bool,
    returned_comment: Option<String>,
    timeline: Vec<EntryRow>,
    typed: Typed,
    errors: FieldErrors,
    problem: Option<String>,
    now_local: String,
    level_choices: Vec<Choice>,
    stage: Option<Stage>,
}

impl ShowPage {
    fn can(&self, name: &str) -> bool {
        self.can.contains(&name)
    }
    /// Whether the form belongs to the current stage (shown first) or is always at hand.
    fn cur(&self, name: &str) -> bool {
        let stage = match name {
            "escalation_notice" => Stage::Report,
            "activate_team" | "response_meeting" => Stage::ResponseTeam,
            "containment" | "control_effect_report" | "personal_data_assessment" => {
                Stage::Containment
            }
            "root_cause"
            | "malware_analysis"
            | "virus_check"
            | "improvement_item"
            | "submit_to_commander"
            | "decide"
            | "send_to_escalation_target" => Stage::RootCause,
            "progress_report" | "submit_report" | "classified_document" => Stage::Improvement,
            _ => return true,
        };
        self.stage == Some(stage)
    }
}

/// The action a form name stands for.
pub fn action_of(name: &str) -> Option<Action> {
    if name == "improvement_item_done" {
        return Some(Action::EditImprovementItems);
    }
    svc::PAGE_ACTIONS
        .iter()
        .copied()
        .find(|a| action_name(*a) == name)
}

/// A timeline entry's JSON as "key: value" lines, times shown in Taipei.
fn readable_body(json: &str) -> String {
    fn value(v: &serde_json::Value) -> String {
        match v {
            serde_json::Value::String(s) => DateTime::parse_from_rfc3339(s)
                .map(|t| show_time(t.with_timezone(&Utc)))
                .unwrap_or_else(|_| s.clone()),
            serde_json::Value::Null => "—".into(),
            serde_json::Value::Array(items) => {
                items.iter().map(value).collect::<Vec<_>>().join("、")
            }
            serde_json::Value::Object(map) => map
                .iter()
                .map(|(k, v)| format!("{k} {}", value(v)))
                .collect::<Vec<_>>()
                .join("；"),
            other => other.to_string(),
        }
    }
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Object(map)) => map
            .iter()
            .filter(|(_, v)| !v.is_null() && v.as_str() != Some(""))
            .map(|(k, v)| format!("{k}: {}", value(v)))
            .collect::<Vec<_>>()
            .join("\n"),
        Ok(other) => value(&other),
        Err(_) => json.to_string(),
    }
}

/// The form name of each action on the page.
fn action_name(a: Action) -> &'static str {
    match a {
        Action::RecordEscalationNotice => "escalation_notice",
        Action::ActivateTeam => "activate_team",
        Action::RecordResponseMeeting => "response_meeting",
        Action::RecordContainment => "containment",
        Action::RecordControlEffectReport => "control_effect_report",
        Action::RecordPersonalDataAssessment => "personal_data_assessment",
        Action::RecordRootCause => "root_cause",
        Action::RecordMalwareAnalysis => "malware_analysis",
        Action::RecordVirusCheckSubmission => "virus_check",
        Action::EditImprovementItems => "improvement_item",
        Action::SubmitToCommander => "submit_to_commander",
        Action::DecideRootCause => "decide",
        Action::SendToEscalationTarget => "send_to_escalation_target",
        Action::ReportImprovementProgress => "progress_report",
        Action::SubmitReport => "submit_report",
        Action::RecordClassifiedDocument => "classified_document",
        Action::CompleteStage => "complete_stage",
        Action::ReviewLevel => "review",
        Action::CommentAsSupervisor => "comment",
        Action::RecordHomelandSecurityRelay => "homeland_relay",
        _ => "",
    }
}

fn deadline_state(t: Lang, d: &domain::Deadline, now: DateTime<Utc>) -> (String, &'static str) {
    let status = d.status(now);
    let label = t.pick(status.label_zh(), status.label_en()).to_string();
    let human = |mins: i64| {
        let (h, m) = (mins / 60, mins % 60);
        match t {
            Lang::ZhTw if h >= 48 => format!("{} 天 {} 小時", h / 24, h % 24),
            Lang::En if h >= 48 => format!("{} d {} h", h / 24, h % 24),
            Lang::ZhTw => format!("{h} 小時 {m} 分"),
            Lang::En => format!("{h} h {m} min"),
        }
    };
    match status {
        DeadlineStatus::Pending => {
            let left = d.time_left(now).map(|x| x.num_minutes()).unwrap_or(0);
            (
                match t {
                    Lang::ZhTw => format!("{label}（{} {}）", t.tr("deadline.left"), human(left)),
                    Lang::En => format!("{label} ({} {})", t.tr("deadline.left"), human(left)),
                },
                "pending",
            )
        }
        DeadlineStatus::Overdue => {
            let late = d.overdue_by(now).map(|x| x.num_minutes()).unwrap_or(0);
            (
                match t {
                    Lang::ZhTw => format!("{label}（{} {}）", t.tr("deadline.late"), human(late)),
                    Lang::En => format!("{label} ({} {})", t.tr("deadline.late"), human(late)),
                },
                "overdue",
            )
        }
        DeadlineStatus::MetLate => (label, "late"),
        DeadlineStatus::Met => (label, "met"),
        DeadlineStatus::NotYetDetermined => (label, "undetermined"),
    }
}

fn show_page(
    me: &SignedIn,
    v: IncidentView,
    typed: Typed,
    errors: FieldErrors,
    problem: Option<String>,
) -> ShowPage {
    let t = me.ctx.t;
    let now = Utc::now();
    let i = &v.incident;
    let r = &i.record;
    let current = i.status.stage();
    let timeline = v
        .timeline
        .iter()
        .rev()
        .map(|(e, who)| EntryRow {
            at: show_time(e.at),
            who: who.clone().unwrap_or_default(),
            kind: t.tr(&format!("timeline.{}", e.kind)).to_string(),
            body: readable_body(&e.body),
        })
        .collect();
    ShowPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: format!("/incidents/{}", i.id),
        id: i.id,
        number: i.number.clone(),
        title: i.title.clone(),
        agency: t.pick(&i.agency_name_zh, &i.agency_name_en).into(),
        level: level_label(t, i.level),
        major: i.level.is_major(),
        proposed_level: level_label(t, i.proposed_level),
        status: status_label(t, i.status),
        closed: i.status.is_closed(),
        category: t.pick(i.category.label_zh(), i.category.label_en()).into(),
        summary: i.summary.clone(),
        contact: i.contact.clone(),
        aware_at: show_time(i.aware_at),
        occurred_at: i.occurred_at.map(show_time).unwrap_or_else(|| "—".into()),
        reported_at: show_time(i.reported_at),
        other_means: i
            .other_means_reported_at
            .map(|at| format!("{} · {}", show_time(at), i.other_means_reason))
            .unwrap_or_default(),
        escalation_target: v
            .escalation_target_name
            .as_ref()
            .map(|(zh, en)| t.pick(zh, en).to_string())
            .unwrap_or_else(|| "—".into()),
        personal_data: i.personal_data,
        deadlines: v
            .deadlines
            .iter()
            .map(|d| {
                let (state, css) = deadline_state(t, d, now);
                DeadlineRow {
                    label: t.pick(d.kind.label_zh(), d.kind.label_en()).into(),
                    due: d.due.map(show_time).unwrap_or_else(|| "—".into()),
                    state,
                    css,
                }
            })
            .collect(),
        stages: Stage::ALL
            .iter()
            .map(|s| StageRow {
                label: format!("{}. {}", s.number(), t.pick(s.label_zh(), s.label_en())),
                current: Some(*s) == current,
                done: current.is_none_or(|c| *s < c),
            })
            .collect(),
        missing: v
            .missing
            .iter()
            .map(|m| {
                let b = m.label();
                t.pick(&b.zh, &b.en).to_string()
            })
            .collect(),
        can: v.allowed.iter().map(|a| action_name(*a)).collect(),
        systems: r
            .affected_systems
            .iter()
            .enumerate()
            .map(|(n, s)| {
                let judged = match s.within_tolerable_downtime {
                    Some(true) => t.tr("containment.within"),
                    Some(false) => t.tr("containment.beyond"),
                    None => t.tr("containment.unjudged"),
                };
                (n, s.name.clone(), judged.to_string())
            })
            .collect(),
        items: r
            .improvement_items
            .iter()
            .enumerate()
            .map(|(n, item)| ItemRow {
                index: n,
                description: item.description.clone(),
                horizon: t
                    .pick(item.horizon.label_zh(), item.horizon.label_en())
                    .into(),
                due_on: item.due_on.to_string(),
                done: item.done_on.is_some(),
            })
            .collect(),
        awaiting_decision: r.submitted_to_commander_at.is_some() && r.commander_decision.is_none(),
        returned_comment: match &r.commander_decision {
            Some(CommanderDecision::Returned { comment }) => Some(comment.clone()),
            _ => None,
        },
        timeline,
        typed,
        errors,
        problem,
        now_local: input_time(now),
        level_choices: level_choices(t, &i.level.number().to_string()),
        stage: current,
    }
}

async fn show(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let v = svc::view(&state.pool, acting(&me), parse_id(&id)?).await?;
    Ok(render(&show_page(
        &me,
        v,
        Typed::default(),
        FieldErrors::default(),
        None,
    ))?
    .into_response())
}

/// A stage form's fields as the action it asks for.
pub(crate) fn stage_action(
    name: &str,
    typed: &Typed,
    pairs: &[(String, String)],
) -> Result<StageAction, AppError> {
    let invalid = |field: &str, key: &str| {
        let mut e = FieldErrors::default();
        e.add(field, key);
        AppError::Invalid(e)
    };
    let time = |field: &str| {
        parse_local_time(typed.v(field)).ok_or_else(|| invalid(field, "error.time_invalid"))
    };
    let date = |field: &str| {
        NaiveDate::parse_from_str(typed.v(field).trim(), "%Y-%m-%d")
            .map_err(|_| invalid(field, "error.date_invalid"))
    };
    let yes_no = |field: &str| match typed.v(field) {
        "yes" => Ok(Some(true)),
        "no" => Ok(Some(false)),
        "" => Ok(None),
        _ => Err(invalid(field, "error.choice_invalid")),
    };
    Ok(match name {
        "escalation_notice" => StageAction::EscalationNotice {
            told: typed.v("told").into(),
            phone: typed.v("means") != "other",
            other_means: typed.v("other_means").into(),
            at: time("at")?,
        },
        "activate_team" => StageAction::ActivateTeam,
        "response_meeting" => StageAction::ResponseMeeting {
            held_at: time("held_at")?,
            attendees: typed.v("attendees").lines().map(String::from).collect(),
            minutes: typed.v("minutes").into(),
            agenda: pairs
                .iter()
                .filter(|(k, _)| k == "agenda")
                .map(|(_, v)| match v.as_str() {
                    "overview" => Ok(AgendaItem::Overview),
                    "scope" => Ok(AgendaItem::Scope),
                    "other" => Ok(AgendaItem::Other),
                    _ => Err(invalid("agenda", "error.choice_invalid")),
                })
                .collect::<Result<_, _>>()?,
        },
        "containment" => {
            let mut judgements = Vec::new();
            for (k, v) in pairs {
                if let Some(index) = k.strip_prefix("system_") {
                    let index: usize = index
                        .parse()
                        .map_err(|_| invalid("systems", "error.system_unknown"))?;
                    match v.as_str() {
                        "within" => judgements.push((index, true)),
                        "beyond" => judgements.push((index, false)),
                        "" => {}
                        _ => return Err(invalid("systems", "error.choice_invalid")),
                    }
                }
            }
            StageAction::Containment {
                scope_confirmed: typed.on("scope_confirmed"),
                priority_restoration_done: typed.on("priority_restoration_done"),
                judgements,
                public_announcement: yes_no("public_announcement")?,
                notify_completion: typed.on("notify_completion"),
            }
        }
        "control_effect_report" => StageAction::ControlEffectReport,
        "personal_data_assessment" => {
            StageAction::PersonalDataAssessment(typed.v("assessment").into())
        }
        "root_cause" => StageAction::RootCause {
            equipment_failure: typed.on("equipment_failure"),
            root_cause: typed.v("root_cause").into(),
            malware_found: typed.on("malware_found"),
        },
        "malware_analysis" => StageAction::MalwareAnalysis(typed.v("analysis").into()),
        "virus_check" => StageAction::VirusCheck {
            submitted_at: time("submitted_at")?,
            reference: typed.v("reference").into(),
        },
        "improvement_item" => StageAction::AddImprovementItem {
            description: typed.v("description").into(),
            horizon: match typed.v("horizon") {
                "short" => ImprovementHorizon::ShortTerm,
                "mid" => ImprovementHorizon::MidTerm,
                "long" => ImprovementHorizon::LongTerm,
                _ => return Err(invalid("horizon", "error.choice_invalid")),
            },
            due_on: date("due_on")?,
        },
        "improvement_item_done" => StageAction::ImprovementItemDone {
            index: typed
                .v("index")
                .parse()
                .map_err(|_| invalid("index", "error.choice_invalid"))?,
        },
        "submit_to_commander" => StageAction::SubmitToCommander,
        "decide" => StageAction::Decide(match typed.v("decision") {
            "approve" => CommanderDecision::Approved,
            "return" => CommanderDecision::Returned {
                comment: typed.v("comment").into(),
            },
            _ => return Err(invalid("decision", "error.choice_invalid")),
        }),
        "send_to_escalation_target" => StageAction::SendToEscalationTarget,
        "progress_report" => StageAction::ProgressReport,
        "submit_report" => StageAction::SubmitReport,
        "classified_document" => StageAction::ClassifiedDocument {
            number: typed.v("number").into(),
            dated: date("dated")?,
        },
        "complete_stage" => StageAction::CompleteStage,
        "review" => StageAction::Review {
            level: match typed.v("level") {
                "" => None,
                raw => Some(
                    raw.parse()
                        .ok()
                        .and_then(IncidentLevel::from_number)
                        .ok_or_else(|| invalid("level", "error.choice_invalid"))?,
                ),
            },
            reason: typed.v("reason").into(),
        },
        "comment" => StageAction::Comment(typed.v("comment").into()),
        "homeland_relay" => StageAction::HomelandRelay,
        _ => return Err(AppError::NotFound),
    })
}

async fn act(
    State(state): State<AppState>,
    me: SignedIn,
    Path((id, name)): Path<(String, String)>,
    form: CsrfForm<AnyForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let action = action_of(&name).ok_or(AppError::NotFound)?;
    // May this user see it (else 404) and take this action (else 403)? Before reading the form.
    svc::may_act(&state.pool, acting(&me), id, action).await?;
    let typed = Typed::from_pairs(&form.pairs);
    let result = match stage_action(&name, &typed, &form.pairs) {
        Ok(action) => svc::act(&state.pool, acting(&me), id, action).await,
        Err(e) => Err(e),
    };
    let (status, errors, problem) = match result {
        Ok(_) => return Ok(Redirect::to(&format!("/incidents/{id}#timeline")).into_response()),
        Err(AppError::Invalid(errors)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            Some(me.ctx.t.tr("error.fix_fields").to_string()),
        ),
        Err(AppError::StageIncomplete(items)) => (
            StatusCode::CONFLICT,
            FieldErrors::default(),
            Some(format!(
                "{} {}",
                me.ctx.t.tr("error.stage_incomplete"),
                items
                    .iter()
                    .map(|b| me.ctx.t.pick(&b.zh, &b.en).to_string())
                    .collect::<Vec<_>>()
                    .join("、")
            )),
        ),
        Err(AppError::Conflict(key)) => (
            StatusCode::CONFLICT,
            FieldErrors::default(),
            Some(me.ctx.t.tr(&key).to_string()),
        ),
        Err(e) => return Err(e),
    };
    let v = svc::view(&state.pool, acting(&me), id).await?;
    let mut typed = typed;
    typed.set("form", name);
    Ok((status, render(&show_page(&me, v, typed, errors, problem))?).into_response())
}

// ---- the investigation, handling and improvement report ---------------------------------

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    id: Uuid,
    doc: crate::report_pdf::ReportDoc,
}

#[derive(Deserialize, Default)]
struct ReportQuery {
    kind: Option<String>,
}

fn report_kind(q: &ReportQuery) -> Result<crate::services::reports::ReportKind, AppError> {
    crate::services::reports::ReportKind::parse(q.kind.as_deref().unwrap_or(""))
        .ok_or(AppError::NotFound)
}

/// The printable report (prints to a clean A4 PDF from the browser).
async fn report_page(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let kind = report_kind(&q)?;
    let v = svc::view(&state.pool, acting(&me), parse_id(&id)?).await?;
    let doc = crate::services::reports::report(&v, kind);
    Ok(render(&ReportPage {
        id: v.incident.id,
        doc,
    })?
    .into_response())
}

/// The same report as a PDF rendered on the server, with the CJK font embedded.
async fn report_pdf(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let kind = report_kind(&q)?;
    let v = svc::view(&state.pool, acting(&me), parse_id(&id)?).await?;
    let doc = crate::services::reports::report(&v, kind);
    let number = v.incident.number.clone();
    let bytes = tokio::task::spawn_blocking(move || crate::report_pdf::render_pdf(&doc))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("rendering the report PDF: {e}")))?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{number}.pdf\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

fn csv_response(t: Lang, list: &[Incident], name: &str) -> Response {
    let now = Utc::now();
    let mut out = String::from("\u{feff}");
    let header = [
        "incidents.number",
        "agency.name",
        "incidents.title_field",
        "incidents.category",
        "incidents.level",
        "incidents.stage",
        "incidents.aware_at",
        "incident.reported_at",
        "incidents.next_due",
        "deadline.overdue",
    ];
    out.push_str(
        &header
            .iter()
            .map(|k| csv_field(t.tr(k)))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push_str("\r\n");
    for i in list {
        let row = [
            i.number.clone(),
            t.pick(&i.agency_name_zh, &i.agency_name_en).to_string(),
            i.title.clone(),
            t.pick(i.category.label_zh(), i.category.label_en())
                .to_string(),
            i.level.number().to_string(),
            status_label(t, i.status),
            show_time(i.aware_at),
            show_time(i.reported_at),
            i.next_due.map(show_time).unwrap_or_default(),
            t.tr(if i.next_due.is_some_and(|d| d < now) {
                "common.yes"
            } else {
                "common.no"
            })
            .to_string(),
        ];
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ),
        ],
        out,
    )
        .into_response()
}

/// The agency's list as filtered on the page, every page of it.
async fn list_csv(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let filter = db::incidents::ListFilter {
        status: q.stage.as_deref().and_then(IncidentStatus::parse),
        level: q
            .level
            .as_deref()
            .and_then(|l| l.parse().ok())
            .and_then(IncidentLevel::from_number),
        overdue: q.overdue.is_some(),
        year: q
            .year
            .as_deref()
            .and_then(|y| y.parse().ok())
            .filter(|y| (2000..=2100).contains(y)),
    };
    let (list, _) = svc::list_own(
        &state.pool,
        acting(&me),
        &filter,
        db::PageRequest {
            page: 1,
            per_page: 50_000,
        },
    )
    .await?;
    Ok(csv_response(me.ctx.t, &list, "incidents"))
}

async fn review_queue_csv(
    State(state): State<AppState>,
    me: SignedIn,
) -> Result<Response, AppError> {
    let list = svc::review_queue(
        &state.pool,
        acting(&me),
        db::PageRequest {
            page: 1,
            per_page: 50_000,
        },
    )
    .await?;
    Ok(csv_response(me.ctx.t, &list, "review-queue"))
}

async fn board_csv(State(state): State<AppState>, me: SignedIn) -> Result<Response, AppError> {
    let list = svc::major_board(
        &state.pool,
        acting(&me),
        db::PageRequest {
            page: 1,
            per_page: 50_000,
        },
    )
    .await?;
    Ok(csv_response(me.ctx.t, &list, "board"))
}
