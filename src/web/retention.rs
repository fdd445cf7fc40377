//! Record keeping: an incident's retention, its legal holds and the redaction of personal data
//! (`/incidents/{id}/records`), and the competent authority's retention schedule
//! (`/admin/retention`).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::retention::{Disposal, RecordType, MAX_TERMS};
use crate::error::AppError;
use crate::i18n::{Lang, Text};
use crate::services::retention as svc;
use crate::web::extract::{CsrfForm, Nav, SignedIn};
use crate::web::format::show_time;
use crate::web::forms::{acting, messages, parse_id};
use crate::web::{render_form, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/incidents/{id}/records", get(records_page))
        .route("/incidents/{id}/records/hold", post(place_hold))
        .route("/incidents/{id}/records/release", post(release_hold))
        .route("/incidents/{id}/records/redact", post(redact))
        .route("/admin/retention", get(periods_page).post(set_periods))
}

/// The form's errors in the page's language, whichever way the service refused.
fn problems(t: Lang, e: &AppError) -> Vec<String> {
    match e {
        AppError::Invalid(errors) => errors.0.values().map(|k| t.tr(k).to_string()).collect(),
        other => messages(t, other),
    }
}

fn refused(e: &AppError) -> bool {
    matches!(e, AppError::Invalid(_) | AppError::Rejected(_))
}

struct HoldLine {
    in_force: bool,
    placed: String,
    reason: String,
    released: String,
}

/// What each record type's retention says now.
struct Keeping {
    label: String,
    state: String,
}

/// What was typed, kept when the form comes back with errors.
#[derive(Default, Clone)]
struct Typed {
    hold_reason: String,
    redaction_reason: String,
    terms: String,
}

#[derive(Template)]
#[template(path = "incidents/records.html")]
struct RecordsPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    id: Uuid,
    number: String,
    title: String,
    closed: String,
    purged: String,
    keeping: Vec<Keeping>,
    holds: Vec<HoldLine>,
    held: bool,
    may_hold: bool,
    may_redact: bool,
    terms_help: String,
    typed: Typed,
    errors: Vec<String>,
    done: String,
}

fn keeping_state(t: Lang, d: Disposal) -> String {
    match d {
        Disposal::Keep { until: None } => t.get("retention.state.open").to_string(),
        Disposal::Keep { until: Some(at) } => {
            t.text(&Text::key("retention.state.until").with("date", show_time(at)))
        }
        Disposal::Held => t.get("retention.state.held").to_string(),
        Disposal::Purged => t.get("retention.state.purged").to_string(),
        Disposal::Purge => t.get("retention.state.due").to_string(),
    }
}

async fn render_records(
    state: &AppState,
    me: &SignedIn,
    id: Uuid,
    typed: Typed,
    errors: Vec<String>,
    done: String,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let v = svc::view(&state.pool, acting(me), id).await?;
    let now = Utc::now();
    let person = |name: &str, agency: &str, at| {
        let who = Text::key("records.person")
            .with("name", name)
            .with("agency", agency);
        format!("{} · {}", show_time(at), t.text(&who))
    };
    let page = RecordsPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: format!("/incidents/{id}/records"),
        id,
        number: v.incident.number.clone(),
        title: v.incident.report.title.clone(),
        closed: v.facts.closed_at.map(show_time).unwrap_or_default(),
        purged: v.facts.purged_at.map(show_time).unwrap_or_default(),
        keeping: RecordType::ALL
            .iter()
            .map(|k| Keeping {
                label: t.text(
                    &Text::key("retention.kept_for")
                        .with("type", k.label())
                        .with("years", v.periods.years(*k)),
                ),
                state: keeping_state(t, v.disposal(*k, now)),
            })
            .collect(),
        holds: v
            .holds
            .iter()
            .map(|h| HoldLine {
                in_force: h.released_at.is_none(),
                placed: person(&h.placed_by, &h.placed_by_agency, h.placed_at),
                reason: h.reason.clone(),
                released: match (h.released_at, &h.released_by) {
                    (Some(at), by) => format!(
                        "{} · {} · {}",
                        show_time(at),
                        by.clone().unwrap_or_default(),
                        h.release_reason.clone().unwrap_or_default()
                    ),
                    (None, _) => String::new(),
                },
            })
            .collect(),
        held: v.facts.hold_in_force,
        may_hold: v.may_hold,
        may_redact: v.may_redact,
        terms_help: t.text(&Text::key("redaction.terms_help").with("max", MAX_TERMS)),
        typed,
        errors,
        done,
    };
    let failed = !page.errors.is_empty();
    render_form(&page, failed)
}

async fn records_page(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    render_records(&state, &me, id, Typed::default(), Vec::new(), String::new()).await
}

#[derive(Deserialize)]
struct HoldForm {
    #[serde(default)]
    reason: String,
}

async fn place_hold(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<HoldForm>,
) -> Result<Response, AppError> {
    hold(state, me, id, true, form.data.reason).await
}

async fn release_hold(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<HoldForm>,
) -> Result<Response, AppError> {
    hold(state, me, id, false, form.data.reason).await
}

async fn hold(
    state: AppState,
    me: SignedIn,
    id: String,
    place: bool,
    reason: String,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    match svc::hold(&state.pool, acting(&me), id, place, &reason).await {
        Ok(()) => Ok(Redirect::to(&format!("/incidents/{id}/records")).into_response()),
        Err(e) if refused(&e) => {
            let typed = Typed {
                hold_reason: reason,
                ..Typed::default()
            };
            let errors = problems(me.ctx.t, &e);
            render_records(&state, &me, id, typed, errors, String::new()).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct RedactForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    terms: String,
    /// The checkbox that says the person knows a redaction cannot be undone.
    #[serde(default)]
    confirm: String,
}

async fn redact(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<RedactForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let f = &form.data;
    let typed = Typed {
        redaction_reason: f.reason.clone(),
        terms: f.terms.clone(),
        ..Typed::default()
    };
    let t = me.ctx.t;
    let result = if f.confirm != "on" {
        // Permission first: someone who may not redact learns nothing from the form's error.
        svc::view(&state.pool, acting(&me), id).await.and_then(|v| {
            if v.may_redact {
                Err(crate::error::rejected_field(
                    "confirm",
                    Text::key("redaction.error.confirm"),
                ))
            } else {
                Err(AppError::Forbidden)
            }
        })
    } else {
        svc::redact(&state.pool, acting(&me), id, &f.reason, &f.terms).await
    };
    match result {
        Ok(n) => {
            let done = t.text(&Text::key("redaction.done").with("count", n));
            render_records(&state, &me, id, Typed::default(), Vec::new(), done).await
        }
        Err(e) if refused(&e) => {
            let errors = problems(t, &e);
            render_records(&state, &me, id, typed, errors, String::new()).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "admin/retention.html")]
struct PeriodsPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    incident_record: String,
    evidence_file: String,
    last_set: String,
    errors: Vec<String>,
}

async fn periods_page(State(state): State<AppState>, me: SignedIn) -> Result<Response, AppError> {
    let v = svc::periods(&state.pool, acting(&me)).await?;
    let page = PeriodsPage {
        t: me.ctx.t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/admin/retention".into(),
        incident_record: v.periods.incident_record.to_string(),
        evidence_file: v.periods.evidence_file.to_string(),
        last_set: v
            .last_set
            .map(|s| format!("{} · {}", show_time(s.set_at), s.set_by.unwrap_or_default()))
            .unwrap_or_default(),
        errors: Vec::new(),
    };
    render_form(&page, false)
}

#[derive(Deserialize)]
struct PeriodsForm {
    #[serde(default)]
    incident_record: String,
    #[serde(default)]
    evidence_file: String,
}

async fn set_periods(
    State(state): State<AppState>,
    me: SignedIn,
    form: CsrfForm<PeriodsForm>,
) -> Result<Response, AppError> {
    let f = &form.data;
    match svc::set_periods(
        &state.pool,
        acting(&me),
        &f.incident_record,
        &f.evidence_file,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/admin/retention").into_response()),
        Err(e) if refused(&e) => {
            let page = PeriodsPage {
                t: me.ctx.t,
                nav: me.ctx.nav(),
                csrf: me.ctx.csrf.clone(),
                back: "/admin/retention".into(),
                incident_record: f.incident_record.clone(),
                evidence_file: f.evidence_file.clone(),
                last_set: String::new(),
                errors: problems(me.ctx.t, &e),
            };
            render_form(&page, true)
        }
        Err(e) => Err(e),
    }
}
