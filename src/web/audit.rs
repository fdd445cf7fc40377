//! The competent authority's audit page (sign-ins and level changes), and the audit log of
//! accounts, rights and 密件 reports (`/audit/log`, filters and CSV).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::db;
use crate::db::audit::AuditRow;
use crate::domain::audit::AuditKind;
use crate::domain::PortalAction;
use crate::error::AppError;
use crate::i18n::{Lang, Text};
use crate::services::audit::{self, LogQuery};
use crate::web::extract::{Nav, PageQuery, SignedIn};
use crate::web::format::{csv_field, show_time};
use crate::web::forms::parse_local_time;
use crate::web::{render, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/audit", get(audit))
        .route("/audit/log", get(log_page))
        .route("/audit/log.csv", get(log_csv))
}

struct SignInRow {
    at: String,
    email: String,
    ip: String,
    ok: bool,
    agency: String,
}

struct ChangeRow {
    at: String,
    incident_id: uuid::Uuid,
    number: String,
    change: String,
    reviewer: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    sign_ins: Vec<SignInRow>,
    changes: Vec<ChangeRow>,
    prev: Option<u32>,
    next: Option<u32>,
}

const PER_PAGE: u32 = 100;

async fn audit(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    crate::domain::may_portal(&me.actor(), PortalAction::SeeAudit)
        .map_err(crate::services::denied)?;
    let page = q.page(PER_PAGE);
    let mut tx = db::begin_as(&state.pool, me.user.id).await?;
    let sign_ins = db::sign_in::recent(&mut tx, page.offset(), page.limit()).await?;
    let changes = db::timeline::level_changes(&mut tx, page.offset(), page.limit()).await?;
    tx.commit().await?;
    let full = sign_ins.len() as u32 == PER_PAGE || changes.len() as u32 == PER_PAGE;
    let view = AuditPage {
        t: me.ctx.t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/audit".into(),
        sign_ins: sign_ins
            .into_iter()
            .map(|s| SignInRow {
                at: show_time(s.at),
                email: s.email_lower,
                ip: s.client_ip,
                ok: s.succeeded,
                agency: s.agency.unwrap_or_default(),
            })
            .collect(),
        changes: changes
            .into_iter()
            .map(|c| {
                let body: serde_json::Value = serde_json::from_str(&c.body).unwrap_or_default();
                ChangeRow {
                    at: show_time(c.at),
                    incident_id: c.incident_id,
                    number: c.number,
                    change: me.ctx.t.text(
                        &Text::key("audit.level_change")
                            .with("from", body["from"].to_string())
                            .with("to", body["to"].to_string())
                            .with("reason", body["reason"].as_str().unwrap_or("")),
                    ),
                    reviewer: c.reviewer.unwrap_or_default(),
                }
            })
            .collect(),
        prev: (page.page > 1).then(|| page.page - 1),
        next: full.then_some(page.page + 1),
    };
    Ok(render(&view)?.into_response())
}

/// The audit log's filters as typed (kept in the form when one is wrong).
#[derive(Debug, Default, Deserialize)]
struct LogForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    page: Option<String>,
}

impl LogForm {
    /// The filters, or the field that is not a valid value. Dates are Taipei calendar days;
    /// `until` includes its day.
    fn query(&self) -> Result<LogQuery, &'static str> {
        let day = |raw: &str, next: bool| -> Result<Option<chrono::DateTime<chrono::Utc>>, ()> {
            if raw.trim().is_empty() {
                return Ok(None);
            }
            let d = chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| ())?;
            let d = if next { d.succ_opt().ok_or(())? } else { d };
            parse_local_time(&format!("{d}T00:00")).map(Some).ok_or(())
        };
        let kind = match self.kind.trim() {
            "" => None,
            k => Some(AuditKind::parse(k).ok_or("kind")?),
        };
        Ok(LogQuery {
            kind,
            from: day(&self.from, false).map_err(|_| "from")?,
            until: day(&self.until, true).map_err(|_| "until")?,
        })
    }

    fn href(&self, page: u32) -> String {
        let q: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("kind", &self.kind)
            .append_pair("from", &self.from)
            .append_pair("until", &self.until)
            .append_pair("page", &page.to_string())
            .finish();
        format!("?{q}")
    }
}

struct LogRow {
    at: String,
    agency: String,
    kind: String,
    actor: String,
    subject: String,
    incident: String,
    detail: String,
}

struct KindOption {
    name: &'static str,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "audit_log.html")]
struct LogPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    kinds: Vec<KindOption>,
    from: String,
    until: String,
    csv_href: String,
    error: Option<String>,
    rows: Vec<LogRow>,
    total: i64,
    prev: Option<String>,
    next: Option<String>,
}

const LOG_PER_PAGE: u32 = 50;
const CSV_ROWS: i64 = 10_000;

fn log_rows(t: Lang, rows: Vec<AuditRow>) -> Vec<LogRow> {
    rows.into_iter()
        .map(|r| LogRow {
            at: show_time(r.at),
            agency: t.pick(&r.agency_name_zh, &r.agency_name_en).to_string(),
            kind: AuditKind::parse(&r.kind)
                .map_or(r.kind.clone(), |k| t.get(&k.label_key()).to_string()),
            actor: r.actor_name.unwrap_or_default(),
            subject: r.subject_name.unwrap_or_default(),
            incident: r.incident_number.unwrap_or_default(),
            detail: r.detail,
        })
        .collect()
}

async fn log_page(
    State(state): State<AppState>,
    me: SignedIn,
    Query(form): Query<LogForm>,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let page = PageQuery {
        page: form.page.clone(),
    }
    .page(LOG_PER_PAGE);
    let (query, error) = match form.query() {
        Ok(q) => (q, None),
        Err(field) => (LogQuery::default(), Some(field)),
    };
    let (rows, total) = if error.is_some() {
        // Still only for those who may read the log.
        crate::domain::audit::scope_of(&me.actor()).map_err(crate::services::denied)?;
        (Vec::new(), 0)
    } else {
        audit::page(
            &state.pool,
            me.acting(),
            &query,
            page.offset(),
            page.limit(),
        )
        .await?
    };
    let kinds = AuditKind::ALL
        .into_iter()
        .map(|k| KindOption {
            name: k.name(),
            label: t.get(&k.label_key()).to_string(),
            selected: form.kind == k.name(),
        })
        .collect();
    let shown = (page.offset() + rows.len() as i64) < total;
    let view = LogPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/audit/log".into(),
        kinds,
        from: form.from.clone(),
        until: form.until.clone(),
        csv_href: format!("/audit/log.csv{}", form.href(1)),
        error: error.map(|f| t.get(&format!("audit.filter_invalid.{f}")).to_string()),
        rows: log_rows(t, rows),
        total,
        prev: (page.page > 1).then(|| form.href(page.page - 1)),
        next: shown.then(|| form.href(page.page + 1)),
    };
    let status = if view.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, render(&view)?).into_response())
}

async fn log_csv(
    State(state): State<AppState>,
    me: SignedIn,
    Query(form): Query<LogForm>,
) -> Result<Response, AppError> {
    let query = form
        .query()
        .map_err(|f| AppError::from(crate::error::FieldErrors::one(f, "error.invalid")))?;
    let (rows, _) = audit::page(&state.pool, me.acting(), &query, 0, CSV_ROWS).await?;
    let t = me.ctx.t;
    let mut out = String::from("\u{feff}");
    let head = [
        "audit.when",
        "agency.name",
        "audit.kind",
        "audit.actor",
        "audit.subject",
        "incidents.number",
        "audit.detail",
    ];
    let head: Vec<String> = head.iter().map(|k| csv_field(t.get(k))).collect();
    out.push_str(&head.join(","));
    out.push_str("\r\n");
    for r in rows {
        let kind =
            AuditKind::parse(&r.kind).map_or(r.kind.clone(), |k| t.get(&k.label_key()).to_string());
        let cells = [
            r.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            t.pick(&r.agency_name_zh, &r.agency_name_en).to_string(),
            kind,
            r.actor_name.unwrap_or_default(),
            r.subject_name.unwrap_or_default(),
            r.incident_number.unwrap_or_default(),
            r.detail,
        ];
        let cells: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}
