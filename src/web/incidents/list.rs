//! The agency's incident list with its filters, the same list of the agencies below, the supervising agencies' review queue and
//! level-3/4 board, the commander's queue, and their CSV exports.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use uuid::Uuid;

use crate::db::{self, incidents::Summary};
use crate::domain::{self, IncidentLevel, IncidentStatus, PortalAction, Stage};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::incidents as svc;
use crate::web::extract::{Nav, SignedIn};
use crate::web::format::{csv_field, level_label, show_time, status_label};
use crate::web::forms::Choice;
use crate::web::{render, AppState, Pager};

const PER_PAGE: u32 = 25;
/// The most rows a CSV export holds.
const CSV_ROWS: u32 = 50_000;

pub(super) struct Row {
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

fn rows(t: Lang, list: &[Summary]) -> Vec<Row> {
    let now = Utc::now();
    let time = |x: Option<chrono::DateTime<Utc>>| x.map(show_time).unwrap_or_else(|| "—".into());
    list.iter()
        .map(|i| Row {
            id: i.id,
            number: i.number.clone(),
            title: i.title.clone(),
            agency: t.pick(&i.agency_name_zh, &i.agency_name_en).to_string(),
            level: level_label(t, i.level()),
            major: i.level().is_major(),
            status: status_label(t, i.status()),
            next_due: time(i.next_due),
            overdue: i.next_due.is_some_and(|d| d < now),
            last_control_report: time(i.last_control_report_at),
            report_submitted: time(i.report_submitted_at),
            homeland_relayed: i.homeland_relayed_at.is_some(),
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    page: Option<String>,
    stage: Option<String>,
    level: Option<String>,
    overdue: Option<String>,
    year: Option<String>,
}

impl ListQuery {
    fn filter(&self) -> db::incidents::ListFilter {
        db::incidents::ListFilter {
            status: self.stage.as_deref().and_then(IncidentStatus::parse),
            level: self
                .level
                .as_deref()
                .and_then(|l| l.parse().ok())
                .and_then(IncidentLevel::from_number),
            overdue: self.overdue.is_some(),
            year: self
                .year
                .as_deref()
                .and_then(|y| y.parse().ok())
                .filter(|y| (2000..=2100).contains(y)),
        }
    }
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
    /// The link to the incidents of the agencies below (reviewers, on the agency's list).
    below_link: bool,
    filters: bool,
    stage_choices: Vec<Choice>,
    level_choices: Vec<Choice>,
    overdue: bool,
    year: String,
}

impl ListPage {
    fn new(me: &SignedIn, heading: &str, back: &str, list: &[Summary], pager: Pager) -> Self {
        let t = me.ctx.t;
        ListPage {
            t,
            nav: me.ctx.nav(),
            csrf: me.ctx.csrf.clone(),
            back: back.into(),
            heading: t.get(heading).into(),
            board: heading == "queue.board",
            rows: rows(t, list),
            pager,
            query: String::new(),
            can_file: false,
            below_link: false,
            filters: false,
            stage_choices: Vec::new(),
            level_choices: Vec::new(),
            overdue: false,
            year: String::new(),
        }
    }
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

pub(super) fn level_choices(t: Lang, selected: &str) -> Vec<Choice> {
    IncidentLevel::ALL
        .into_iter()
        .map(|l| Choice {
            value: l.number().to_string(),
            label: level_label(t, l),
            checked: l.number().to_string() == selected,
        })
        .collect()
}

/// Which filtered list: the agency's own incidents, or those of the agencies below it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Own,
    Below,
}

impl Scope {
    fn path(self) -> &'static str {
        match self {
            Scope::Own => "/incidents",
            Scope::Below => "/incidents/below",
        }
    }
}

async fn fetch(
    state: &AppState,
    me: &SignedIn,
    scope: Scope,
    filter: &db::incidents::ListFilter,
    page: db::PageRequest,
) -> Result<(Vec<Summary>, i64), AppError> {
    match scope {
        Scope::Own => svc::list_own(&state.pool, me.acting(), filter, page).await,
        Scope::Below => svc::list_below(&state.pool, me.acting(), filter, page).await,
    }
}

async fn filtered(
    state: &AppState,
    me: &SignedIn,
    q: &ListQuery,
    scope: Scope,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let filter = q.filter();
    let page = db::PageRequest::new(q.page.as_deref().and_then(|p| p.parse().ok()), PER_PAGE);
    let (list, total) = fetch(state, me, scope, &filter, page).await?;
    let (stage, level, year) = (
        q.stage.clone().unwrap_or_default(),
        q.level.clone().unwrap_or_default(),
        q.year.clone().unwrap_or_default(),
    );
    let heading = match scope {
        Scope::Own => "incidents.title",
        Scope::Below => "incidents.below",
    };
    let mut view = ListPage::new(me, heading, scope.path(), &list, Pager::new(page, total));
    view.query = serde_urlencoded::to_string([
        ("stage", stage.as_str()),
        ("level", level.as_str()),
        ("year", year.as_str()),
        ("overdue", if filter.overdue { "1" } else { "" }),
    ])
    .unwrap_or_default();
    view.pager = view.pager.keeping(&view.query);
    let actor = me.actor();
    view.can_file =
        scope == Scope::Own && domain::may_portal(&actor, PortalAction::FileIncidents).is_ok();
    view.below_link = scope == Scope::Own
        && domain::may_portal(&actor, PortalAction::SeeSubordinatesIncidents).is_ok();
    view.filters = true;
    view.stage_choices = stage_choices(t, &stage);
    view.level_choices = level_choices(t, &level);
    view.overdue = filter.overdue;
    view.year = year;
    Ok(render(&view)?.into_response())
}

pub(super) async fn list(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    filtered(&state, &me, &q, Scope::Own).await
}

/// The incidents of the agencies below the user's, with the same filters (reviewers).
pub(super) async fn below(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    filtered(&state, &me, &q, Scope::Below).await
}

/// Rows on one page of a queue: a reviewer works down it a page at a time (the CSV has all).
const QUEUE_PAGE: u32 = 50;

/// A queue's page `page`: a full page has a next one (how many more is not counted: a queue
/// is read from the top, and counting it would cost as much as reading it).
fn queue_page(
    me: &SignedIn,
    heading: &str,
    list: &[Summary],
    back: &str,
    page: db::PageRequest,
) -> Result<Response, AppError> {
    let full = list.len() as u32 >= page.per_page;
    let pager = Pager::open_ended(page.page, full);
    Ok(render(&ListPage::new(me, heading, back, list, pager))?.into_response())
}

fn queue_request(q: &ListQuery) -> db::PageRequest {
    db::PageRequest::new(q.page.as_deref().and_then(|p| p.parse().ok()), QUEUE_PAGE)
}

pub(super) async fn review_queue(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let page = queue_request(&q);
    let list = svc::review_queue(&state.pool, me.acting(), page).await?;
    queue_page(&me, "queue.review", &list, "/review-queue", page)
}

pub(super) async fn board(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let page = queue_request(&q);
    let list = svc::major_board(&state.pool, me.acting(), page).await?;
    queue_page(&me, "queue.board", &list, "/board", page)
}

pub(super) async fn commander_queue(
    State(state): State<AppState>,
    me: SignedIn,
) -> Result<Response, AppError> {
    let list = svc::awaiting_commander(&state.pool, me.acting()).await?;
    // Short by nature (the agency's own reports awaiting a decision): one page.
    let whole = db::PageRequest::new(None, u32::MAX);
    queue_page(&me, "queue.commander", &list, "/commander-queue", whole)
}

fn csv_response(t: Lang, list: &[Summary], name: &str) -> Response {
    let now = Utc::now();
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
    let line = |fields: &[String]| {
        let cells: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        format!("{}\r\n", cells.join(","))
    };
    let mut out = String::from("\u{feff}");
    out.push_str(&line(&header.map(|k| t.get(k).to_string())));
    for i in list {
        let overdue = if i.next_due.is_some_and(|d| d < now) {
            "common.yes"
        } else {
            "common.no"
        };
        out.push_str(&line(&[
            i.number.clone(),
            t.pick(&i.agency_name_zh, &i.agency_name_en).to_string(),
            i.title.clone(),
            t.text(&i.category().label()),
            i.level.to_string(),
            status_label(t, i.status()),
            show_time(i.aware_at),
            show_time(i.reported_at),
            i.next_due.map(show_time).unwrap_or_default(),
            t.get(overdue).to_string(),
        ]));
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

fn all_rows() -> db::PageRequest {
    db::PageRequest {
        page: 1,
        per_page: CSV_ROWS,
    }
}

/// The agency's list as filtered on the page, every page of it.
pub(super) async fn list_csv(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let (list, _) = svc::list_own(&state.pool, me.acting(), &q.filter(), all_rows()).await?;
    Ok(csv_response(me.ctx.t, &list, "incidents"))
}

/// The agencies below's list as filtered on the page, every page of it.
pub(super) async fn below_csv(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let (list, _) = svc::list_below(&state.pool, me.acting(), &q.filter(), all_rows()).await?;
    Ok(csv_response(me.ctx.t, &list, "incidents-below"))
}

pub(super) async fn review_queue_csv(
    State(state): State<AppState>,
    me: SignedIn,
) -> Result<Response, AppError> {
    let list = svc::review_queue(&state.pool, me.acting(), all_rows()).await?;
    Ok(csv_response(me.ctx.t, &list, "review-queue"))
}

pub(super) async fn board_csv(
    State(state): State<AppState>,
    me: SignedIn,
) -> Result<Response, AppError> {
    let list = svc::major_board(&state.pool, me.acting(), all_rows()).await?;
    Ok(csv_response(me.ctx.t, &list, "board"))
}
