//! The search page, `/search?q=…`: incidents the user may see whose number, title, description,
//! affected systems or indicators hold the text.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use uuid::Uuid;

use crate::db::{self, search::Hit};
use crate::error::{AppError, FieldErrors};
use crate::i18n::{Lang, Text};
use crate::services::search as svc;
use crate::web::extract::{Nav, SignedIn};
use crate::web::format::{level_label, status_label};
use crate::web::{render_form, AppState, Pager};

const PER_PAGE: u32 = 25;

pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

struct HitRow {
    id: Uuid,
    number: String,
    title: String,
    agency: String,
    level: String,
    major: bool,
    status: String,
    /// Where the text was found, in words.
    matched: String,
}

fn row(t: Lang, h: &Hit) -> HitRow {
    let i = &h.incident;
    HitRow {
        id: i.id,
        number: i.number.clone(),
        title: i.title.clone(),
        agency: t.pick(&i.agency_name_zh, &i.agency_name_en).to_string(),
        level: level_label(t, i.level()),
        major: i.level().is_major(),
        status: status_label(t, i.status()),
        matched: h
            .matched()
            .iter()
            .map(|f| t.text(&f.label()))
            .collect::<Vec<_>>()
            .join(t.get("search.matched_separator")),
    }
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    /// The search as typed (control characters left out), for the box.
    q: String,
    /// Whether something was looked for (a blank search shows the form only).
    searched: bool,
    rows: Vec<HitRow>,
    count: String,
    none: String,
    pager: Pager,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
struct SearchQuery {
    q: Option<String>,
    page: Option<String>,
}

async fn search(
    State(state): State<AppState>,
    me: SignedIn,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let raw = query.q.unwrap_or_default();
    let page = db::PageRequest::new(query.page.and_then(|p| p.parse().ok()), PER_PAGE);
    let shown: String = raw.chars().filter(|c| !c.is_control()).collect();
    let kept = serde_urlencoded::to_string([("q", shown.trim())]).unwrap_or_default();
    let mut view = SearchPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: format!("/search?{kept}"),
        q: shown.trim().to_string(),
        searched: false,
        rows: Vec::new(),
        count: String::new(),
        none: String::new(),
        pager: Pager::new(page, 0),
        errors: FieldErrors::default(),
    };
    match svc::search(&state.pool, me.acting(), &raw, "q", page).await {
        Ok(found) => {
            view.searched = found.term.is_some();
            view.rows = found.hits.iter().map(|h| row(t, h)).collect();
            view.count = t.text(&Text::key("search.count").with("count", found.total));
            view.none = t.text(&Text::key("search.none").with("q", &view.q));
            view.pager = Pager::new(page, found.total).keeping(&kept);
            render_form(&view, false)
        }
        // Too long, or control characters: the form again, saying why (422).
        Err(AppError::Invalid(errors)) => {
            view.errors = errors;
            render_form(&view, true)
        }
        Err(e) => Err(e),
    }
}
