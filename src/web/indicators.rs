//! Pages of an incident's indicators of compromise (惡意程式 IoC): the list, adding one, the
//! STIX 2.1 and CSV import and export, and the correlation across the incidents a supervising
//! agency sees. The API's `/api/v1/incidents/{id}/stix` answers with [`stix_response`] too.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::indicators::IndicatorType;
use crate::domain::tlp::Tlp;
use crate::domain::Action;
use crate::error::{rejected_field as rejected, AppError};
use crate::i18n::{Lang, Text};
use crate::services::incidents;
use crate::services::indicators::{self as ioc, IndicatorInput};
use crate::web::extract::{CsrfForm, Nav, PageQuery, SignedIn};
use crate::web::format::{csv_field, show_time};
use crate::web::forms::{acting, messages, parse_id, parse_local_time};
use crate::web::{render, render_form, AppState, Pager};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/incidents/{id}/indicators",
            get(indicators_page).post(add_indicator),
        )
        .route("/incidents/{id}/indicators/import", post(import_indicators))
        .route("/incidents/{id}/indicators/{eid}/tlp", post(change_marking))
        .route("/incidents/{id}/indicators.stix", get(indicators_stix))
        .route("/incidents/{id}/indicators.csv", get(indicators_csv))
        .route("/indicators/correlation", get(correlation_page))
        .route("/indicators/correlation.stix", get(correlation_stix))
}

struct IndicatorLine {
    id: Uuid,
    kind: String,
    value: String,
    note: String,
    seen: String,
    /// `TLP:AMBER`, and the badge's style.
    tlp: (&'static str, &'static str),
    /// The stored spelling, which the marking form starts from.
    tlp_stored: &'static str,
}

#[derive(Default, Clone)]
struct IndicatorTyped {
    kind: String,
    value: String,
    note: String,
    tlp: String,
    format: String,
    text: String,
}

/// The marking as the page shows it, and its badge's style: `("TLP:AMBER+STRICT", "amber-strict")`.
fn tlp_badge(stored: &str) -> (&'static str, &'static str) {
    let t = Tlp::parse(stored).unwrap_or(Tlp::DEFAULT);
    let style = match t {
        Tlp::Clear => "clear",
        Tlp::Green => "green",
        Tlp::Amber => "amber",
        Tlp::AmberStrict => "amber-strict",
        Tlp::Red => "red",
    };
    (t.label(), style)
}

#[derive(Template)]
#[template(path = "incidents/indicators.html")]
struct IndicatorsPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    id: Uuid,
    number: String,
    title: String,
    indicators: Vec<IndicatorLine>,
    types: Vec<(&'static str, String)>,
    /// (stored spelling, label, meaning) of every TLP label, the default first selected.
    markings: Vec<(&'static str, &'static str, String)>,
    may_record: bool,
    typed: IndicatorTyped,
    errors: Vec<String>,
    report: Vec<String>,
}

/// A stored type by its name in the page's language (as stored, if unknown).
fn kind_label(t: Lang, kind: &str) -> String {
    IndicatorType::parse(kind).map_or_else(|| kind.to_string(), |k| t.text(&k.label()))
}

fn seen(first: Option<DateTime<Utc>>, last: Option<DateTime<Utc>>) -> String {
    match (first, last) {
        (None, None) => String::new(),
        (f, l) => format!(
            "{} – {}",
            f.map(show_time).unwrap_or_default(),
            l.map(show_time).unwrap_or_default()
        ),
    }
}

async fn render_indicators(
    state: &AppState,
    me: &SignedIn,
    id: Uuid,
    typed: IndicatorTyped,
    errors: Vec<String>,
    report: Vec<String>,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let v = ioc::view(&state.pool, acting(me), id).await?;
    let failed = !errors.is_empty();
    let page = IndicatorsPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: format!("/incidents/{id}/indicators"),
        id,
        number: v.incident.number.clone(),
        title: v.incident.report.title.clone(),
        indicators: v
            .indicators
            .iter()
            .map(|i| IndicatorLine {
                id: i.id,
                kind: kind_label(t, &i.kind),
                value: i.value.clone(),
                note: i.note.clone(),
                seen: seen(i.first_seen, i.last_seen),
                tlp: tlp_badge(&i.tlp),
                tlp_stored: Tlp::parse(&i.tlp).unwrap_or(Tlp::DEFAULT).as_str(),
            })
            .collect(),
        markings: Tlp::ALL
            .iter()
            .map(|m| (m.as_str(), m.label(), t.text(&m.meaning())))
            .collect(),
        types: IndicatorType::ALL
            .iter()
            .map(|k| (k.as_str(), t.text(&k.label())))
            .collect(),
        may_record: v.may_record,
        typed,
        errors,
        report,
    };
    render_form(&page, failed)
}

async fn indicators_page(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render_indicators(
        &state,
        &me,
        parse_id(&id)?,
        IndicatorTyped::default(),
        Vec::new(),
        Vec::new(),
    )
    .await
}

#[derive(Deserialize)]
struct IndicatorForm {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    first_seen: String,
    #[serde(default)]
    last_seen: String,
    #[serde(default)]
    tlp: String,
}

async fn add_indicator(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<IndicatorForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let f = &form.data;
    let typed = IndicatorTyped {
        kind: f.kind.clone(),
        value: f.value.clone(),
        note: f.note.clone(),
        tlp: f.tlp.clone(),
        ..IndicatorTyped::default()
    };
    let when = |raw: &str, field: &str| -> Result<Option<DateTime<Utc>>, AppError> {
        match raw.trim() {
            "" => Ok(None),
            s => parse_local_time(s)
                .map(Some)
                .ok_or_else(|| rejected(field, Text::key("ioc.error.time_invalid"))),
        }
    };
    let result = async {
        incidents::may_act(&state.pool, acting(&me), id, Action::RecordIndicators).await?;
        let input = IndicatorInput {
            kind: f.kind.clone(),
            value: f.value.clone(),
            note: f.note.clone(),
            first_seen: when(&f.first_seen, "first_seen")?,
            last_seen: when(&f.last_seen, "last_seen")?,
            tlp: f.tlp.clone(),
        };
        ioc::add(&state.pool, acting(&me), id, &input).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/incidents/{id}/indicators")).into_response()),
        Err(e @ AppError::Rejected(_)) => {
            let errors = messages(me.ctx.t, &e);
            render_indicators(&state, &me, id, typed, errors, Vec::new()).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct MarkingForm {
    #[serde(default)]
    tlp: String,
}

/// One indicator's TLP marking changed by the agency that recorded it.
async fn change_marking(
    State(state): State<AppState>,
    me: SignedIn,
    Path((id, eid)): Path<(String, String)>,
    form: CsrfForm<MarkingForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let eid = parse_id(&eid)?;
    match ioc::remark(&state.pool, acting(&me), id, eid, form.data.tlp.trim()).await {
        Ok(()) => Ok(Redirect::to(&format!("/incidents/{id}/indicators")).into_response()),
        Err(e @ AppError::Rejected(_)) => {
            let errors = messages(me.ctx.t, &e);
            let typed = IndicatorTyped::default();
            render_indicators(&state, &me, id, typed, errors, Vec::new()).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct ImportForm {
    #[serde(default)]
    format: String,
    #[serde(default)]
    text: String,
}

async fn import_indicators(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<ImportForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let t = me.ctx.t;
    let typed = IndicatorTyped {
        format: form.data.format.clone(),
        text: form.data.text.clone(),
        ..IndicatorTyped::default()
    };
    match ioc::import(
        &state.pool,
        acting(&me),
        id,
        form.data.format.trim(),
        &form.data.text,
    )
    .await
    {
        Ok(done) => {
            let summary = Text::key("ioc.import.summary")
                .with("added", done.added)
                .with("known", done.already_known)
                .with("skipped", done.skipped.len());
            let mut report = vec![t.text(&summary)];
            report.extend(
                done.skipped
                    .iter()
                    .map(|s| format!("{}: {}", s.at, t.text(&s.reason))),
            );
            render_indicators(
                &state,
                &me,
                id,
                IndicatorTyped::default(),
                Vec::new(),
                report,
            )
            .await
        }
        Err(e @ AppError::Rejected(_)) => {
            let errors = messages(t, &e);
            render_indicators(&state, &me, id, typed, errors, Vec::new()).await
        }
        Err(e) => Err(e),
    }
}

pub fn stix_response(bundle: String, name: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/stix+json;version=2.1".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bundle,
    )
        .into_response()
}

async fn indicators_stix(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let bundle = ioc::incident_stix(&state.pool, acting(&me), id).await?;
    Ok(stix_response(bundle, &format!("indicators-{id}.json")))
}

async fn indicators_csv(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let (incident, _, rows) = ioc::exportable(&state.pool, acting(&me), id).await?;
    let mut out = String::from("\u{feff}type,value,note,first_seen,last_seen,tlp\r\n");
    for i in &rows {
        let when = |x: Option<DateTime<Utc>>| {
            x.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default()
        };
        out.push_str(&format!(
            "{},{},{},{},{},{}\r\n",
            csv_field(&i.kind),
            csv_field(&i.value),
            csv_field(&i.note),
            when(i.first_seen),
            when(i.last_seen),
            tlp_badge(&i.tlp).0
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"indicators-{}.csv\"",
                    incident.number
                ),
            ),
        ],
        out,
    )
        .into_response())
}

struct CorrelationLine {
    kind: String,
    value: String,
    incidents: i64,
    agencies: i64,
    seen: String,
    tlp: (&'static str, &'static str),
    /// Each incident and what its link says ("2026-0001（某機關）").
    where_seen: Vec<(Uuid, String)>,
}

#[derive(Template)]
#[template(path = "correlation.html")]
struct CorrelationPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    lines: Vec<CorrelationLine>,
    pager: Pager,
}

async fn correlation_page(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let page = q.page(50);
    let (rows, total) = ioc::correlated(&state.pool, acting(&me), page).await?;
    let view = CorrelationPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/indicators/correlation".into(),
        lines: rows
            .into_iter()
            .map(|c| CorrelationLine {
                kind: kind_label(t, &c.kind),
                value: c.value,
                incidents: c.incidents,
                agencies: c.agencies,
                seen: seen(c.first_seen, c.last_seen),
                tlp: tlp_badge(&c.tlp),
                where_seen: c
                    .where_seen
                    .0
                    .into_iter()
                    .map(|(id, number, agency)| {
                        let link = Text::key("ioc.correlation.where")
                            .with("number", number)
                            .with("agency", agency);
                        (id, t.text(&link))
                    })
                    .collect(),
            })
            .collect(),
        pager: Pager::new(page, total),
    };
    Ok(render(&view)?.into_response())
}

async fn correlation_stix(
    State(state): State<AppState>,
    me: SignedIn,
) -> Result<Response, AppError> {
    let bundle = ioc::correlated_stix(&state.pool, acting(&me)).await?;
    Ok(stix_response(bundle, "correlated-indicators.json"))
}
