//! Personal access tokens (issue #14): the owner's page to issue, list and revoke them, and
//! the agency administrator's list of the live tokens of the agency's users.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::db::tokens::Listed;
use crate::domain::tokens::TokenScope;
use crate::error::{AppError, FieldErrors};
use crate::i18n::Lang;
use crate::services::tokens as svc;
use crate::web::extract::{CsrfForm, Nav, SignedIn};
use crate::web::format::show_time;
use crate::web::forms::{Choice, Typed};
use crate::web::{render, render_form, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account/tokens", get(mine).post(issue))
        .route("/admin/tokens", get(of_agency))
        .route("/tokens/{id}/revoke", post(revoke))
}

struct TokenRow {
    id: i64,
    name: String,
    owner: String,
    scopes: String,
    issued: String,
    expires: String,
    state: String,
    live: bool,
}

#[derive(Template)]
#[template(path = "account/tokens.html")]
struct TokensPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    agency_view: bool,
    rows: Vec<TokenRow>,
    created: Option<(String, String)>,
    scope_choices: Vec<Choice>,
    typed: Typed,
    errors: FieldErrors,
}

fn row(t: Lang, x: &Listed, now: DateTime<Utc>) -> TokenRow {
    let live = x.revoked_at.is_none() && x.expires_at > now;
    let state = if x.revoked_at.is_some() {
        "tokens.revoked"
    } else if live {
        "tokens.live"
    } else {
        "tokens.expired"
    };
    let scopes: Vec<&str> = x
        .scopes
        .iter()
        .filter_map(|s| TokenScope::parse(s))
        .map(|s| t.get(s.label_key()))
        .collect();
    TokenRow {
        id: x.id,
        name: if x.name.is_empty() {
            t.get("tokens.interactive").to_string()
        } else {
            x.name.clone()
        },
        owner: x.user_name.clone(),
        scopes: scopes.join(t.get("report.list_separator")),
        issued: show_time(x.created_at),
        expires: show_time(x.expires_at),
        state: t.get(state).to_string(),
        live,
    }
}

fn page(me: &SignedIn, agency_view: bool, listed: &[Listed], typed: Typed) -> TokensPage {
    let t = me.ctx.t;
    let now = Utc::now();
    let ticked: Vec<&str> = typed.v("scopes").split(',').collect();
    TokensPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: if agency_view {
            "/admin/tokens"
        } else {
            "/account/tokens"
        }
        .into(),
        agency_view,
        rows: listed.iter().map(|x| row(t, x, now)).collect(),
        created: None,
        scope_choices: TokenScope::ALL
            .iter()
            .map(|s| Choice {
                value: s.name().into(),
                label: t.get(s.label_key()).into(),
                checked: ticked.contains(&s.name())
                    || typed.v("scopes").is_empty() && *s == TokenScope::Read,
            })
            .collect(),
        typed,
        errors: FieldErrors::default(),
    }
}

async fn mine(State(state): State<AppState>, me: SignedIn) -> Result<Response, AppError> {
    let listed = svc::mine(&state.pool, me.acting()).await?;
    Ok(render(&page(&me, false, &listed, Typed::default()))?.into_response())
}

async fn of_agency(State(state): State<AppState>, me: SignedIn) -> Result<Response, AppError> {
    let listed = svc::of_agency(&state.pool, me.acting()).await?;
    Ok(render(&page(&me, true, &listed, Typed::default()))?.into_response())
}

#[derive(Deserialize)]
struct NoFields {}

/// Issues a token and shows it this once; a refused one comes back with what was typed.
async fn issue(
    State(state): State<AppState>,
    me: SignedIn,
    form: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let name = form.all("name").next().unwrap_or_default().to_string();
    let scopes: Vec<TokenScope> = form.all("scopes").filter_map(TokenScope::parse).collect();
    let days = form.all("days").next().and_then(|d| d.trim().parse().ok());
    let result = svc::issue(&state.pool, me.acting(), &name, &scopes, days).await;
    let listed = svc::mine(&state.pool, me.acting()).await?;
    let mut typed = Typed::default();
    match result {
        Ok((secret, until)) => {
            let mut p = page(&me, false, &listed, typed);
            p.created = Some((secret, show_time(until)));
            Ok(render(&p)?.into_response())
        }
        Err(AppError::Invalid(errors)) => {
            typed.set("name", name);
            typed.set("days", form.all("days").next().unwrap_or_default());
            let names: Vec<&str> = scopes.iter().map(|s| s.name()).collect();
            typed.set("scopes", names.join(","));
            let mut p = page(&me, false, &listed, typed);
            p.errors = errors;
            render_form(&p, true)
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct RevokeForm {
    #[serde(default)]
    back: String,
}

async fn revoke(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<RevokeForm>,
) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    svc::revoke(&state.pool, me.acting(), id).await?;
    let back = if form.data.back == "/admin/tokens" {
        "/admin/tokens"
    } else {
        "/account/tokens"
    };
    Ok(Redirect::to(back).into_response())
}
