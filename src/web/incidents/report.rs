//! The reports drawn from an incident's record: a printable A4 page and a server-rendered PDF.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::audit::AuditKind;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::report_pdf::ReportDoc;
use crate::services::audit;
use crate::services::incidents::{self as svc, IncidentView};
use crate::services::reports::{self, ReportKind};
use crate::web::extract::SignedIn;
use crate::web::forms::parse_id;
use crate::web::{render, AppState};

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    t: Lang,
    id: Uuid,
    doc: ReportDoc,
    kind: &'static str,
}

#[derive(Deserialize, Default)]
pub(super) struct ReportQuery {
    kind: Option<String>,
}

fn report_kind(q: &ReportQuery) -> Result<ReportKind, AppError> {
    ReportKind::parse(q.kind.as_deref().unwrap_or("")).ok_or(AppError::NotFound)
}

/// The incident as `me` may see it, and its report of the kind asked for; a 密件 report is on
/// the audit log as `seen_as` (viewed or downloaded, #14 item 7).
async fn report_of(
    state: &AppState,
    me: &SignedIn,
    id: &str,
    q: &ReportQuery,
    seen_as: AuditKind,
) -> Result<(IncidentView, ReportKind, ReportDoc), AppError> {
    let kind = report_kind(q)?;
    let v = svc::view(
        &state.pool,
        me.acting(),
        parse_id(id)?,
        &state.reminder_policy(),
        svc::TimelineWindow::Whole,
    )
    .await?;
    let doc = reports::report(&v, kind, me.ctx.t);
    log_if_classified(state, me, &v, kind, &doc, seen_as).await?;
    Ok((v, kind, doc))
}

/// Every view or download of a 密件 report is on the audit log (#14 item 7).
async fn log_if_classified(
    state: &AppState,
    me: &SignedIn,
    v: &IncidentView,
    kind: ReportKind,
    doc: &ReportDoc,
    audit_kind: AuditKind,
) -> Result<(), AppError> {
    if !doc.classified {
        return Ok(());
    }
    audit::note_classified_report(
        &state.pool,
        me.acting(),
        v.incident.id,
        v.incident.agency.0,
        audit_kind,
        kind.as_str(),
    )
    .await
}

/// The printable report (prints to a clean A4 PDF from the browser).
pub(super) async fn report_page(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let (v, kind, doc) = report_of(&state, &me, &id, &q, AuditKind::ClassifiedReportViewed).await?;
    Ok(render(&ReportPage {
        t: me.ctx.t,
        id: v.incident.id,
        doc,
        kind: kind.as_str(),
    })?
    .into_response())
}

/// How the audit log names a 密件 report saved as a file (PDF or ODT).
const DOWNLOADED: AuditKind = AuditKind::ClassifiedReportDownloaded;

/// The same report as a PDF rendered on the server, with the CJK font embedded.
pub(super) async fn report_pdf(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let (v, kind, doc) = report_of(&state, &me, &id, &q, DOWNLOADED).await?;
    let bytes = tokio::task::spawn_blocking(move || crate::report_pdf::render_pdf(&doc))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?
        .map_err(|e| match e {
            // An installation without the font says so, and the printable page still works.
            crate::report_pdf::ReportError::NoFont => {
                tracing::warn!("PDF report asked for, but no CJK font is installed");
                AppError::Unavailable("error.page.pdf_font_missing")
            }
            e => AppError::Internal(anyhow::anyhow!("rendering the report PDF: {e}")),
        })?;
    Ok(attachment(&me, &v, kind, "pdf", "application/pdf", bytes))
}

/// The same report as an OpenDocument text (`.odt`) for the 公文 it is attached to (#17).
pub(super) async fn report_odt(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let (v, kind, doc) = report_of(&state, &me, &id, &q, DOWNLOADED).await?;
    let bytes = crate::report_odt::render_odt(&doc)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing the report ODT: {e}")))?;
    let media = crate::report_odt::ODT_MEDIA_TYPE;
    Ok(attachment(&me, &v, kind, "odt", media, bytes))
}

/// A report file to save: `AGA-2026-0001-investigation.pdf`, and the report's own name in
/// the user's language for browsers that read RFC 6266's `filename*` (all current ones).
fn attachment(
    me: &SignedIn,
    v: &IncidentView,
    kind: ReportKind,
    extension: &str,
    media_type: &'static str,
    bytes: Vec<u8>,
) -> Response {
    let file = format!("{}-{}.{extension}", v.incident.number, kind.as_str());
    let named = format!(
        "{}-{}.{extension}",
        v.incident.number,
        me.ctx.t.get(kind.title_key())
    );
    let disposition = format!(
        "attachment; filename=\"{file}\"; filename*=UTF-8''{}",
        rfc5987(&named)
    );
    (
        [
            (axum::http::header::CONTENT_TYPE, media_type.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// `value` percent-encoded for a `filename*` parameter (RFC 5987: attr-chars stay, the rest as
/// UTF-8 bytes).
fn rfc5987(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
