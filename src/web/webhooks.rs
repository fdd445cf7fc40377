//! Webhook pages (#17), under the agency administration: the agency's endpoints and the form to
//! add one, an endpoint's page with its test button, the confirmation before deleting, and the
//! delivery log. Only the agency's administrators; a stored secret is never shown back.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use uuid::Uuid;

use crate::db::webhooks::{Attempt, Endpoint};
use crate::domain::webhooks::{EndpointInput, EndpointKind, HookEvent};
use crate::error::{AppError, FieldErrors};
use crate::i18n::{Lang, Text};
use crate::services::webhooks as service;
use crate::web::extract::{CsrfForm, Nav, PageQuery, SignedIn};
use crate::web::forms::{parse_id, Choice};
use crate::web::{render, render_form, AppState, Pager};

const PER_PAGE: u32 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/webhooks", get(endpoints).post(add))
        .route("/admin/webhook-log", get(log))
        .route("/admin/webhooks/{id}", get(endpoint))
        .route("/admin/webhooks/{id}/test", axum::routing::post(send_test))
        .route(
            "/admin/webhooks/{id}/events",
            axum::routing::post(set_choices),
        )
        .route(
            "/admin/webhooks/{id}/delete",
            get(confirm_delete).post(delete),
        )
}

/// An endpoint as the pages show it: its secret only as set, with its last characters.
pub struct EndpointRow {
    id: Uuid,
    name: String,
    kind: String,
    address: String,
    secret: String,
    paused: bool,
    /// The events it hears, as the form's ticks.
    choices: Vec<Choice>,
}

fn row(t: Lang, e: Endpoint) -> EndpointRow {
    let kind = EndpointKind::parse(&e.kind);
    let secret = if e.secret_hint.is_empty() {
        t.tr("webhooks.secret_set_short").to_string()
    } else {
        t.text(&Text::key("webhooks.secret_set").with("hint", &e.secret_hint))
    };
    let choices = HookEvent::CHOOSABLE
        .iter()
        .map(|ev| Choice {
            value: ev.name().into(),
            label: t.tr(ev.label_key()).into(),
            checked: e.events.iter().any(|n| n == ev.name()),
        })
        .collect();
    EndpointRow {
        id: e.id,
        paused: e.paused,
        choices,
        name: e.name,
        kind: kind.map_or(e.kind.clone(), |k| t.tr(k.label_key()).to_string()),
        address: e.address,
        secret,
    }
}

#[derive(Deserialize, Default, Clone)]
struct EndpointForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    secret: String,
}

#[derive(Template)]
#[template(path = "admin/webhooks.html")]
struct EndpointsPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    endpoints: Vec<EndpointRow>,
    /// What was typed, the secret left out: a refused form asks for it again.
    form: EndpointForm,
    kinds: Vec<Choice>,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

async fn endpoints_page(
    state: &AppState,
    me: &SignedIn,
    form: EndpointForm,
    errors: FieldErrors,
) -> Result<EndpointsPage, AppError> {
    let t = me.ctx.t;
    let list = service::endpoints(&state.pool, me.acting()).await?;
    let chosen = if form.kind.is_empty() {
        EndpointKind::Generic.as_str().to_string()
    } else {
        form.kind.clone()
    };
    Ok(EndpointsPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/admin/webhooks".into(),
        endpoints: list.into_iter().map(|e| row(t, e)).collect(),
        kinds: EndpointKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str().into(),
                label: t.tr(k.label_key()).into(),
                checked: k.as_str() == chosen,
            })
            .collect(),
        form: EndpointForm {
            secret: String::new(),
            ..form
        },
        errors,
        notice: None,
    })
}

#[derive(Deserialize, Default)]
struct Notice {
    deleted: Option<String>,
}

async fn endpoints(
    State(state): State<AppState>,
    me: SignedIn,
    Query(notice): Query<Notice>,
) -> Result<Response, AppError> {
    let mut page =
        endpoints_page(&state, &me, EndpointForm::default(), FieldErrors::default()).await?;
    page.notice = notice.deleted.map(|_| "webhooks.deleted");
    Ok(render(&page)?.into_response())
}

async fn add(
    State(state): State<AppState>,
    me: SignedIn,
    form: CsrfForm<EndpointForm>,
) -> Result<Response, AppError> {
    let typed = form.data;
    let input = EndpointInput {
        name: typed.name.clone(),
        kind: typed.kind.clone(),
        address: typed.address.clone(),
        secret: typed.secret.clone(),
    };
    match service::add(&state.pool, me.acting(), &state.webhook_key, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/admin/webhooks/{id}?added=1")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let page = endpoints_page(&state, &me, typed, errors).await?;
            render_form(&page, true)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "admin/webhook.html")]
struct EndpointPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    endpoint: EndpointRow,
    notice: Option<&'static str>,
    /// The confirmation before deleting.
    confirm_delete: bool,
    delete_question: String,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
struct EndpointNotice {
    added: Option<String>,
    tested: Option<String>,
    saved: Option<String>,
}

async fn endpoint_page(
    state: &AppState,
    me: &SignedIn,
    id: &str,
    confirm_delete: bool,
) -> Result<EndpointPage, AppError> {
    let t = me.ctx.t;
    let e = service::endpoint(&state.pool, me.acting(), parse_id(id)?).await?;
    let delete_question = t.text(&Text::key("webhooks.delete_confirm").with("name", &e.name));
    Ok(EndpointPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: format!("/admin/webhooks/{}", e.id),
        endpoint: row(t, e),
        notice: None,
        confirm_delete,
        delete_question,
        errors: FieldErrors::default(),
    })
}

async fn endpoint(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(notice): Query<EndpointNotice>,
) -> Result<Response, AppError> {
    let mut page = endpoint_page(&state, &me, &id, false).await?;
    page.notice = if notice.tested.is_some() {
        Some("webhooks.test_queued")
    } else if notice.saved.is_some() {
        Some("webhooks.choices_saved")
    } else {
        notice.added.map(|_| "webhooks.added")
    };
    Ok(render(&page)?.into_response())
}

async fn confirm_delete(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    Ok(render(&endpoint_page(&state, &me, &id, true).await?)?.into_response())
}

#[derive(Deserialize, Default)]
struct ConfirmForm {
    #[serde(default)]
    confirm: String,
}

async fn delete(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<ConfirmForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    if form.data.confirm != "yes" {
        // Another agency's endpoint is not found, whatever the form says.
        service::endpoint(&state.pool, me.acting(), id).await?;
        return Err(AppError::Invalid(FieldErrors::one(
            "confirm",
            "error.confirm_required",
        )));
    }
    service::delete(&state.pool, me.acting(), id).await?;
    Ok(Redirect::to("/admin/webhooks?deleted=1").into_response())
}

#[derive(Deserialize)]
struct NoFields {}

/// Which events the endpoint hears, and its pause; a refused choice shows the ticks as sent.
async fn set_choices(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let eid = parse_id(&id)?;
    let ticked: Vec<String> = form.all("events").map(str::to_owned).collect();
    let paused = form.all("paused").any(|v| v == "yes");
    match service::set_choices(&state.pool, me.acting(), eid, &ticked, paused).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/webhooks/{eid}?saved=1")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut page = endpoint_page(&state, &me, &id, false).await?;
            for c in &mut page.endpoint.choices {
                c.checked = ticked.contains(&c.value);
            }
            page.endpoint.paused = paused;
            page.errors = errors;
            render_form(&page, true)
        }
        Err(e) => Err(e),
    }
}

async fn send_test(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    service::send_test(&state.pool, me.acting(), id).await?;
    Ok(Redirect::to(&format!("/admin/webhooks/{id}?tested=1")).into_response())
}

/// One attempt as the log shows it.
pub struct AttemptRow {
    at: String,
    event: String,
    number: String,
    endpoint: String,
    result: String,
    ok: bool,
    attempt: i32,
    delivery: Uuid,
}

fn attempt_row(t: Lang, a: Attempt) -> AttemptRow {
    let ok = a.http_status.is_some_and(|s| (200..300).contains(&s));
    let result = match (a.http_status, &a.error) {
        (Some(s), _) => t.text(&Text::key("webhooks.log.status").with("status", s.to_string())),
        (None, Some(e)) => e.clone(),
        (None, None) => String::new(),
    };
    let result = if a.given_up {
        format!("{result} · {}", t.tr("webhooks.log.given_up"))
    } else {
        result
    };
    let endpoint = if a.endpoint_gone {
        format!(
            "{} {}",
            a.endpoint_name,
            t.tr("webhooks.log.deleted_endpoint")
        )
    } else {
        a.endpoint_name
    };
    AttemptRow {
        at: crate::web::format::show_time(a.at),
        event: HookEvent::parse(&a.event).map_or(a.event.clone(), |e| t.tr(e.label_key()).into()),
        number: a.number,
        endpoint,
        result,
        ok,
        attempt: a.attempt,
        delivery: a.delivery_id,
    }
}

#[derive(Template)]
#[template(path = "admin/webhook_log.html")]
struct LogPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    rows: Vec<AttemptRow>,
    pager: Pager,
}

async fn log(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let page = q.page(PER_PAGE);
    let (attempts, total) = service::log(&state.pool, me.acting(), page).await?;
    let view = LogPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/admin/webhook-log".into(),
        rows: attempts.into_iter().map(|a| attempt_row(t, a)).collect(),
        pager: Pager::new(page, total),
    };
    Ok(render(&view)?.into_response())
}
