//! Pages of an incident's evidence (跡證保存): isolation measures, the recovery path, evidence
//! items and their chain of custody, malware sample submissions. The API twins
//! (`/api/v1/incidents/{id}/evidence`) share `receive_upload` and `download_response` with the
//! pages.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use askama::Template;
use axum::body::Body;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use serde::Deserialize;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::domain::evidence::{
    self as rules, EvidenceKind, IsolationMeasure, RecoveryPath, RecoveryStep, SubmissionTarget,
};
use crate::domain::Action;
use crate::error::{rejected_field as rejected, AppError};
use crate::i18n::{Lang, Text};
use crate::services::evidence::{self as svc, EvidenceView, ItemFields, Stored, Upload};
use crate::services::incidents;
use crate::services::Acting;
use crate::web::extract::{CsrfForm, Nav, SignedIn};
use crate::web::format::show_time;
use crate::web::forms::{acting, messages, parse_id, parse_local_time};
use crate::web::{render_form, AppState};

/// Routes without the upload, which carries its own body limit (see `upload_router`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/incidents/{id}/evidence", get(evidence_page))
        .route("/incidents/{id}/isolation", post(record_isolation))
        .route("/incidents/{id}/recovery", post(save_recovery))
        .route("/incidents/{id}/evidence/register", post(register))
        .route("/incidents/{id}/evidence/{eid}/download", post(download))
        .route("/incidents/{id}/evidence/{eid}/transfer", post(transfer))
        .route("/incidents/{id}/evidence/{eid}/verify", post(verify))
        .route(
            "/incidents/{id}/malware-submissions",
            post(record_submission),
        )
}

/// The evidence upload: its body may be as large as the evidence limit.
pub fn upload_router() -> Router<AppState> {
    Router::new().route("/incidents/{id}/evidence", post(upload))
}

// ---- uploads and downloads (shared with the API) -----------------------------------------

fn multipart_error(e: MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge
    } else {
        AppError::Unprocessable(e.body_text())
    }
}

/// Reads a multipart evidence upload (fields `kind`, `description`, `source_system`,
/// `collected_by`, `collected_at`, `file`, in any order) and stores it. The file streams
/// through the hash into PostgreSQL; nothing is kept when anything is wrong.
pub async fn receive_upload(
    state: &AppState,
    me: Acting<'_>,
    incident: Uuid,
    mut mp: Multipart,
    typed: &mut ItemFields,
) -> Result<Stored, AppError> {
    incidents::may_act(&state.pool, me, incident, Action::RecordEvidence).await?;
    let _slot = UploadSlot::take(me.user.id, state.settings.uploads_per_user)?;
    let idle = Duration::from_secs(state.settings.upload_idle_seconds.max(1));
    let mut upload: Option<Upload> = None;
    let mut bad_time = false;
    while let Some(mut field) = within(idle, mp.next_field())
        .await?
        .map_err(multipart_error)?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            if upload.is_some() {
                return Err(rejected("file", Text::key("evidence.error.one_file")));
            }
            let mut up =
                Upload::begin(&state.pool, me, incident, state.settings.evidence_limit).await?;
            up.file_name = field.file_name().unwrap_or_default().to_string();
            up.content_type = field.content_type().unwrap_or_default().to_string();
            while let Some(bytes) = within(idle, field.chunk())
                .await?
                .map_err(multipart_error)?
            {
                up.write(&bytes).await?;
            }
            upload = Some(up);
            continue;
        }
        let text = within(idle, field.text()).await?.map_err(multipart_error)?;
        if text.contains('\0') || text.chars().count() > 10_000 {
            return Err(rejected(&name, Text::key("evidence.error.field_invalid")));
        }
        match name.as_str() {
            "kind" => typed.kind = text,
            "description" => typed.description = text,
            "source_system" => typed.source_system = text,
            "collected_by" => typed.collected_by = text,
            "collected_at" if text.trim().is_empty() => typed.collected_at = None,
            "collected_at" => match parse_local_time(&text) {
                Some(at) => typed.collected_at = Some(at),
                None => bad_time = true,
            },
            _ => {}
        }
    }
    if bad_time {
        return Err(rejected(
            "collected_at",
            Text::key("evidence.error.collected_at_invalid"),
        ));
    }
    let up = upload.ok_or_else(|| rejected("file", Text::key("evidence.error.file_missing")))?;
    up.finish(&state.pool, me, typed).await
}

/// The next part of an upload, unless the sender has been silent for `idle` (408): a stalled
/// sender must not keep the request, and its spool file, open for ever.
async fn within<T>(
    idle: Duration,
    next: impl std::future::Future<Output = T>,
) -> Result<T, AppError> {
    tokio::time::timeout(idle, next)
        .await
        .map_err(|_| AppError::UploadStalled)
}

/// Uploads running on this node, per user: one person (or one stolen token) cannot occupy the
/// node with uploads; a slot is given back when its upload ends, however it ends.
static UPLOADS: LazyLock<Mutex<HashMap<Uuid, usize>>> = LazyLock::new(Default::default);

struct UploadSlot(Uuid);

impl UploadSlot {
    fn take(user: Uuid, limit: usize) -> Result<UploadSlot, AppError> {
        let mut running = UPLOADS.lock().unwrap_or_else(|e| e.into_inner());
        let n = running.entry(user).or_insert(0);
        if *n >= limit.max(1) {
            return Err(AppError::TooManyUploads);
        }
        *n += 1;
        Ok(UploadSlot(user))
    }
}

impl Drop for UploadSlot {
    fn drop(&mut self) {
        let mut running = UPLOADS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = running.get_mut(&self.0) {
            *n -= 1;
            if *n == 0 {
                running.remove(&self.0);
            }
        }
    }
}

/// Serves stored evidence as an attachment, chunk by chunk; malware samples only as
/// `application/octet-stream`. The custody entry is written before the first byte.
pub async fn download_response(
    state: &AppState,
    me: Acting<'_>,
    incident: Uuid,
    evidence: Uuid,
) -> Result<Response, AppError> {
    let d = svc::open_download(&state.pool, me, incident, evidence).await?;
    let content_type = rules::download_content_type(
        d.kind,
        (!d.item.content_type.is_empty()).then_some(d.item.content_type.as_str()),
    );
    let name = rules::safe_download_name(&d.item.file_name, d.kind);
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let pool = state.pool.clone();
    let user = me.user.id;
    let (upload, chunks) = (d.upload, d.chunks);
    let stream = futures_util::stream::unfold(0, move |seq| {
        let pool = pool.clone();
        async move {
            if seq >= chunks {
                return None;
            }
            let next = svc::read_chunk(&pool, user, upload, seq)
                .await
                .map(axum::body::Bytes::from)
                .map_err(|e| std::io::Error::other(e.to_string()));
            Some((next, seq + 1))
        }
    });
    let mut r = Body::from_stream(stream).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(anyhow::Error::from)?,
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(d.size));
    h.insert(
        "x-evidence-sha256",
        HeaderValue::from_str(&d.item.sha256).map_err(anyhow::Error::from)?,
    );
    Ok(r)
}

// ---- the evidence page ---------------------------------------------------------------------

struct MeasureLine {
    code: &'static str,
    label: String,
    taken: Option<(String, String, String)>,
}

struct StepLine {
    code: &'static str,
    label: String,
    done: bool,
}

struct ItemLine {
    id: Uuid,
    kind: String,
    dangerous: bool,
    description: String,
    source_system: String,
    collected: String,
    sha256: String,
    size: String,
    stored: bool,
    /// Where an item that was not uploaded is kept, as a sentence.
    kept_at: String,
    file_name: String,
    holder: String,
}

struct SubmissionLine {
    target: String,
    submitted_on: String,
    reference: String,
}

#[derive(Default, Clone)]
struct EvidenceTyped {
    kind: String,
    description: String,
    source_system: String,
    collected_by: String,
    collected_at: String,
    /// The isolation measure's form as typed: (measure, taken at, taken by, note).
    isolation: (String, String, String, String),
    /// The recovery path and steps as ticked, shown again when they were refused.
    recovery: Option<(RecoveryPath, Vec<RecoveryStep>)>,
}

#[derive(Template)]
#[template(path = "incidents/evidence.html")]
struct EvidencePage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    id: Uuid,
    number: String,
    title: String,
    measures: Vec<MeasureLine>,
    paths: Vec<(&'static str, String)>,
    path: String,
    steps: Vec<StepLine>,
    remaining: String,
    items: Vec<ItemLine>,
    kinds: Vec<(&'static str, String)>,
    submissions: Vec<SubmissionLine>,
    targets: Vec<(&'static str, String)>,
    samples_policy: String,
    may_record: bool,
    may_submit: bool,
    file_label: String,
    typed: EvidenceTyped,
    errors: Vec<String>,
    notice: String,
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    verified: Option<String>,
}

fn measure_lines(t: Lang, v: &EvidenceView) -> Vec<MeasureLine> {
    IsolationMeasure::ALL
        .iter()
        .map(|m| MeasureLine {
            code: m.as_str(),
            label: t.text(&m.label()),
            taken: v
                .isolation
                .iter()
                .find(|x| x.measure == m.as_str())
                .map(|x| (show_time(x.taken_at), x.taken_by.clone(), x.note.clone())),
        })
        .collect()
}

fn step_lines(t: Lang, path: Option<RecoveryPath>, done: &[RecoveryStep]) -> Vec<StepLine> {
    let Some(p) = path else {
        return Vec::new();
    };
    p.steps()
        .iter()
        .map(|s| StepLine {
            code: s.as_str(),
            label: t.text(&s.label()),
            done: done.contains(s),
        })
        .collect()
}

fn item_line(t: Lang, i: &crate::db::evidence::Item) -> ItemLine {
    let kind = EvidenceKind::parse(&i.kind);
    ItemLine {
        id: i.id,
        kind: kind
            .map(|k| t.text(&k.label()))
            .unwrap_or_else(|| i.kind.clone()),
        dangerous: kind.is_none_or(|k| k.is_dangerous()),
        description: i.description.clone(),
        source_system: i.source_system.clone(),
        collected: format!("{} · {}", i.collected_by, show_time(i.collected_at)),
        sha256: i.sha256.clone(),
        size: i.size.map(|s| s.to_string()).unwrap_or_else(|| "—".into()),
        stored: i.stored,
        kept_at: t.text(&Text::key("evidence.kept_at_line").with("place", &i.kept_at)),
        file_name: i.file_name.clone(),
        holder: i.holder.clone(),
    }
}

fn submission_line(t: Lang, s: &crate::db::evidence::Submission) -> SubmissionLine {
    SubmissionLine {
        target: SubmissionTarget::parse(&s.target)
            .map(|x| t.text(&x.label()))
            .unwrap_or_else(|| s.target.clone()),
        submitted_on: s.submitted_on.to_string(),
        reference: s.reference.clone(),
    }
}

async fn render_evidence(
    state: &AppState,
    me: &SignedIn,
    id: Uuid,
    typed: EvidenceTyped,
    errors: Vec<String>,
    notice: String,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let v = svc::view(&state.pool, acting(me), id).await?;
    let (path, done) = match typed.recovery.as_ref().or(v.plan.as_ref()) {
        Some((p, d)) => (Some(*p), d.clone()),
        None => (None, Vec::new()),
    };
    let remaining = path.map_or(0, |p| rules::remaining_steps(p, &done).len());
    let failed = !errors.is_empty();
    let page = EvidencePage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: format!("/incidents/{id}/evidence"),
        id,
        number: v.incident.number.clone(),
        title: v.incident.report.title.clone(),
        measures: measure_lines(t, &v),
        paths: RecoveryPath::ALL
            .iter()
            .map(|p| (p.as_str(), t.text(&p.label())))
            .collect(),
        path: path.map(|p| p.as_str().to_string()).unwrap_or_default(),
        steps: step_lines(t, path, &done),
        remaining: t.text(&Text::key("recovery.remaining").with("count", remaining)),
        items: v.items.iter().map(|i| item_line(t, i)).collect(),
        kinds: EvidenceKind::ALL
            .iter()
            .map(|k| (k.as_str(), t.text(&k.label())))
            .collect(),
        submissions: v
            .submissions
            .iter()
            .map(|s| submission_line(t, s))
            .collect(),
        targets: SubmissionTarget::ALL
            .iter()
            .map(|x| (x.as_str(), t.text(&x.label())))
            .collect(),
        samples_policy: t.text(&rules::samples_policy()),
        may_record: v.may_record,
        may_submit: v.may_submit,
        file_label: t.text(
            &Text::key("evidence.form.file")
                .with("mb", state.settings.evidence_limit / (1024 * 1024)),
        ),
        typed,
        errors,
        notice,
    };
    render_form(&page, failed)
}

async fn evidence_page(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let notice = match q.verified.as_deref() {
        Some("ok") => t.get("custody.notice.verified"),
        Some("failed") => t.get("custody.notice.verification_failed"),
        _ => "",
    };
    render_evidence(
        &state,
        &me,
        parse_id(&id)?,
        EvidenceTyped::default(),
        Vec::new(),
        notice.into(),
    )
    .await
}

/// A form's failure: the page again with what was typed and what is wrong (422; 409 for a step
/// out of the procedure's order); other errors as they are.
async fn again(
    state: &AppState,
    me: &SignedIn,
    id: Uuid,
    typed: EvidenceTyped,
    e: AppError,
) -> Result<Response, AppError> {
    match e {
        AppError::Rejected(_) | AppError::Conflict(_) | AppError::OutOfOrder(_) => {
            let errors = messages(me.ctx.t, &e);
            let mut page = render_evidence(state, me, id, typed, errors, String::new()).await?;
            if matches!(e, AppError::OutOfOrder(_)) {
                *page.status_mut() = StatusCode::CONFLICT;
            }
            Ok(page)
        }
        other => Err(other),
    }
}

fn back_to(id: Uuid) -> Response {
    Redirect::to(&format!("/incidents/{id}/evidence")).into_response()
}

#[derive(Deserialize)]
struct IsolationForm {
    #[serde(default)]
    measure: String,
    #[serde(default)]
    taken_at: String,
    #[serde(default)]
    taken_by: String,
    #[serde(default)]
    note: String,
}

async fn record_isolation(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<IsolationForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    incidents::may_act(&state.pool, acting(&me), id, Action::RecordEvidence).await?;
    let f = &form.data;
    let result = async {
        let measure = IsolationMeasure::parse(f.measure.trim())
            .ok_or_else(|| rejected("measure", Text::key("isolation.error.measure_missing")))?;
        let taken_at = parse_local_time(&f.taken_at)
            .ok_or_else(|| rejected("taken_at", Text::key("isolation.error.taken_at_invalid")))?;
        svc::record_isolation(
            &state.pool,
            acting(&me),
            id,
            measure,
            taken_at,
            &f.taken_by,
            &f.note,
        )
        .await
    }
    .await;
    match result {
        Ok(()) => Ok(back_to(id)),
        Err(e) => {
            let typed = EvidenceTyped {
                isolation: (
                    f.measure.clone(),
                    f.taken_at.clone(),
                    f.taken_by.clone(),
                    f.note.clone(),
                ),
                ..EvidenceTyped::default()
            };
            again(&state, &me, id, typed, e).await
        }
    }
}

#[derive(Deserialize)]
struct RecoveryForm {
    #[serde(default)]
    path: String,
}

async fn save_recovery(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<RecoveryForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    incidents::may_act(&state.pool, acting(&me), id, Action::RecordEvidence).await?;
    let mut typed = EvidenceTyped::default();
    let result = async {
        let path = RecoveryPath::parse(form.data.path.trim())
            .ok_or_else(|| rejected("path", Text::key("recovery.error.path_missing")))?;
        let mut done = Vec::new();
        for s in form.all("done") {
            done.push(
                RecoveryStep::parse(s)
                    .ok_or_else(|| rejected("done", Text::key("recovery.error.step_unknown")))?,
            );
        }
        typed.recovery = Some((path, done.clone()));
        svc::save_recovery(&state.pool, acting(&me), id, path, done).await
    }
    .await;
    match result {
        Ok(()) => Ok(back_to(id)),
        Err(e) => again(&state, &me, id, typed, e).await,
    }
}

async fn upload(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    // A form that is not multipart cannot carry the token: refused like a forged one.
    let mut mp = multipart.map_err(|_| AppError::CsrfRejected)?;
    let first = mp.next_field().await.map_err(multipart_error)?;
    let token = match first {
        Some(f) if f.name() == Some("csrf") => f.text().await.map_err(multipart_error)?,
        _ => String::new(),
    };
    let expected = me.ctx.csrf.as_bytes();
    if expected.is_empty() || !bool::from(token.as_bytes().ct_eq(expected)) {
        return Err(AppError::CsrfRejected);
    }
    let mut fields = ItemFields::default();
    match receive_upload(&state, acting(&me), id, mp, &mut fields).await {
        Ok(_) => Ok(back_to(id)),
        Err(e) => {
            let typed = EvidenceTyped {
                kind: fields.kind,
                description: fields.description,
                source_system: fields.source_system,
                collected_by: fields.collected_by,
                collected_at: fields
                    .collected_at
                    .map(crate::web::format::input_time)
                    .unwrap_or_default(),
                ..EvidenceTyped::default()
            };
            again(&state, &me, id, typed, e).await
        }
    }
}

#[derive(Deserialize)]
struct RegisterForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    source_system: String,
    #[serde(default)]
    collected_by: String,
    #[serde(default)]
    collected_at: String,
    #[serde(default)]
    sha256: String,
    #[serde(default)]
    size: String,
    #[serde(default)]
    kept_at: String,
}

async fn register(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<RegisterForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    incidents::may_act(&state.pool, acting(&me), id, Action::RecordEvidence).await?;
    let f = &form.data;
    let typed = EvidenceTyped {
        kind: f.kind.clone(),
        description: f.description.clone(),
        source_system: f.source_system.clone(),
        collected_by: f.collected_by.clone(),
        collected_at: f.collected_at.clone(),
        ..EvidenceTyped::default()
    };
    let result = async {
        let collected_at = match f.collected_at.trim() {
            "" => None,
            s => Some(parse_local_time(s).ok_or_else(|| {
                rejected(
                    "collected_at",
                    Text::key("evidence.error.collected_at_invalid"),
                )
            })?),
        };
        let size = match f.size.trim() {
            "" => None,
            s => Some(
                s.parse::<i64>()
                    .map_err(|_| rejected("size", Text::key("evidence.error.size_invalid")))?,
            ),
        };
        let fields = ItemFields {
            kind: f.kind.clone(),
            description: f.description.clone(),
            source_system: f.source_system.clone(),
            collected_by: f.collected_by.clone(),
            collected_at,
        };
        svc::register(
            &state.pool,
            acting(&me),
            id,
            &fields,
            &f.sha256,
            size,
            &f.kept_at,
        )
        .await
    }
    .await;
    match result {
        Ok(_) => Ok(back_to(id)),
        Err(e) => again(&state, &me, id, typed, e).await,
    }
}

/// A download writes a custody entry, so it is a POST with the session's CSRF token: a link on
/// another site cannot plant one (issue #14).
async fn download(
    State(state): State<AppState>,
    me: SignedIn,
    Path((id, eid)): Path<(String, String)>,
    _form: CsrfForm<NoDownloadFields>,
) -> Result<Response, AppError> {
    download_response(&state, acting(&me), parse_id(&id)?, parse_id(&eid)?).await
}

#[derive(Deserialize)]
struct NoDownloadFields {}

#[derive(Deserialize)]
struct TransferForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    note: String,
}

async fn transfer(
    State(state): State<AppState>,
    me: SignedIn,
    Path((id, eid)): Path<(String, String)>,
    form: CsrfForm<TransferForm>,
) -> Result<Response, AppError> {
    let (id, eid) = (parse_id(&id)?, parse_id(&eid)?);
    match svc::transfer(
        &state.pool,
        acting(&me),
        id,
        eid,
        &form.data.to,
        &form.data.note,
    )
    .await
    {
        Ok(()) => Ok(back_to(id)),
        Err(e) => again(&state, &me, id, EvidenceTyped::default(), e).await,
    }
}

#[derive(Deserialize)]
struct Nothing {}

async fn verify(
    State(state): State<AppState>,
    me: SignedIn,
    Path((id, eid)): Path<(String, String)>,
    _form: CsrfForm<Nothing>,
) -> Result<Response, AppError> {
    let (id, eid) = (parse_id(&id)?, parse_id(&eid)?);
    match svc::verify(&state.pool, acting(&me), id, eid).await {
        Ok(ok) => Ok(Redirect::to(&format!(
            "/incidents/{id}/evidence?verified={}",
            if ok { "ok" } else { "failed" }
        ))
        .into_response()),
        Err(e) => again(&state, &me, id, EvidenceTyped::default(), e).await,
    }
}

#[derive(Deserialize)]
struct SubmissionForm {
    #[serde(default)]
    target: String,
    #[serde(default)]
    submitted_on: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    evidence: String,
}

async fn record_submission(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<SubmissionForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    incidents::may_act(
        &state.pool,
        acting(&me),
        id,
        Action::RecordVirusCheckSubmission,
    )
    .await?;
    let f = &form.data;
    let result = async {
        let target = SubmissionTarget::parse(f.target.trim()).ok_or_else(|| {
            rejected(
                "target",
                Text::key("evidence.submission.error.target_missing"),
            )
        })?;
        let on = NaiveDate::parse_from_str(f.submitted_on.trim(), "%Y-%m-%d").map_err(|_| {
            rejected(
                "submitted_on",
                Text::key("evidence.submission.error.date_invalid"),
            )
        })?;
        let evidence = match f.evidence.trim() {
            "" => None,
            s => Some(
                Uuid::parse_str(s)
                    .map_err(|_| rejected("evidence", Text::key("evidence.error.item_unknown")))?,
            ),
        };
        svc::record_submission(
            &state.pool,
            acting(&me),
            id,
            target,
            on,
            &f.reference,
            evidence,
        )
        .await
    }
    .await;
    match result {
        Ok(()) => Ok(back_to(id)),
        Err(e) => again(&state, &me, id, EvidenceTyped::default(), e).await,
    }
}
