//! The home page: my work first (what I must do now, my agency's open incidents with who acts
//! next and their nearest deadline, the queues that wait on me), then my agency's standing.

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
use crate::services::work::{self, MyWork};
use crate::web::extract::{Nav, SignedIn};
use crate::web::format::{deadline_state, level_label, status_label};
use crate::web::{labels, render, AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

struct TargetView {
    name: String,
    relation: String,
    basis: String,
}

/// A step of mine on an incident, named, with its deadline.
struct ToDoRow {
    id: uuid::Uuid,
    number: String,
    title: String,
    action: String,
    form: &'static str,
    deadline: String,
    css: &'static str,
}

/// An open incident of my agency.
struct OpenRow {
    id: uuid::Uuid,
    number: String,
    title: String,
    level: String,
    major: bool,
    stage: String,
    next: String,
    deadline: String,
    css: &'static str,
}

/// An incident of a queue that waits on me (reviews, decisions, the level-3/4 board).
struct QueueRow {
    id: uuid::Uuid,
    number: String,
    title: String,
    agency: String,
    level: String,
    deadline: String,
    css: &'static str,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    /// Whether this user files incidents (the filing button).
    can_file: bool,
    to_do: Vec<ToDoRow>,
    open: Vec<OpenRow>,
    reviews: Option<Vec<QueueRow>>,
    board: Option<Vec<QueueRow>>,
    decisions: Option<Vec<QueueRow>>,
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
    let work = work::my_work(&state.pool, me.acting()).await?;
    let mut conn = db::begin_as(&state.pool, me.user.id).await?;
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
    let (to_do, open) = work_rows(t, &work);
    let queue = |rows: &Option<Vec<db::incidents::Summary>>, due: Due| {
        rows.as_ref().map(|rows| {
            rows.iter()
                .map(|s| queue_row(t, s, due, work.now))
                .collect()
        })
    };
    let page = HomePage {
        reviews: queue(&work.reviews, Due::Review),
        board: queue(&work.board, Due::Next),
        decisions: queue(&work.decisions, Due::Next),
        can_file: crate::services::incidents::may_file(me.acting()).is_ok(),
        to_do,
        open,
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

/// The nearest deadline of an incident as "<deadline>: <time left or how late>", and its CSS
/// class (red when late).
fn deadline_cell(
    t: Lang,
    d: Option<&crate::domain::Deadline>,
    now: chrono::DateTime<chrono::Utc>,
) -> (String, &'static str) {
    match d {
        Some(d) => {
            let (state, css) = deadline_state(t, d, now);
            (
                t.text(
                    &crate::i18n::Text::key("home.deadline")
                        .with("what", d.kind.label())
                        .with("state", state),
                ),
                css,
            )
        }
        None => (t.get("home.no_deadline").to_string(), ""),
    }
}

fn work_rows(t: Lang, work: &MyWork) -> (Vec<ToDoRow>, Vec<OpenRow>) {
    let to_do = work
        .to_do()
        .map(|(o, step)| {
            let (deadline, css) = deadline_cell(t, o.nearest_deadline.as_ref(), work.now);
            ToDoRow {
                id: o.incident.id,
                number: o.incident.number.clone(),
                title: o.incident.report.title.clone(),
                action: t.get(step.action.title_key()).to_string(),
                form: step.action.name(),
                deadline,
                css,
            }
        })
        .collect();
    let open = work
        .open
        .iter()
        .map(|o| {
            let (deadline, css) = deadline_cell(t, o.nearest_deadline.as_ref(), work.now);
            OpenRow {
                id: o.incident.id,
                number: o.incident.number.clone(),
                title: o.incident.report.title.clone(),
                level: level_label(t, o.incident.level),
                major: o.incident.level.is_major(),
                stage: status_label(t, o.incident.status),
                next: o
                    .next
                    .as_ref()
                    .map(|s| t.text(&s.sentence()))
                    .unwrap_or_default(),
                deadline,
                css,
            }
        })
        .collect();
    (to_do, open)
}

/// Which deadline a queue shows: the review's, or the incident's nearest.
#[derive(Clone, Copy)]
enum Due {
    Review,
    Next,
}

fn queue_row(
    t: Lang,
    s: &db::incidents::Summary,
    due: Due,
    now: chrono::DateTime<chrono::Utc>,
) -> QueueRow {
    use crate::domain::{Deadline, DeadlineKind as K};
    // Which legal deadline `next_due` is: the one with the same time.
    let named = [
        (K::Report, s.report_due),
        (K::Review, s.review_due),
        (K::Containment, s.containment_due),
        (K::InvestigationReport, s.report_submission_due),
    ];
    let d = match due {
        Due::Review => s.review_due.map(|at| (K::Review, at)),
        Due::Next => named
            .into_iter()
            .find(|(_, at)| at.is_some() && *at == s.next_due)
            .and_then(|(k, at)| at.map(|at| (k, at))),
    }
    .map(|(kind, at)| Deadline {
        kind,
        due: Some(at),
        done_at: None,
    });
    let (deadline, css) = deadline_cell(t, d.as_ref(), now);
    QueueRow {
        id: s.id,
        number: s.number.clone(),
        title: s.title.clone(),
        agency: t.pick(&s.agency_name_zh, &s.agency_name_en).to_string(),
        level: level_label(t, s.level()),
        deadline,
        css,
    }
}
