//! Evidence preservation (跡證保存, SPEC 6): isolation measures, the recovery path, evidence
//! items and their chain of custody, malware submissions. Uploaded bytes are hashed as they
//! stream in and written to PostgreSQL in chunks, so an upload never sits whole in memory.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::db::{self, evidence as store, timeline};
use crate::domain::evidence::{
    self as rules, CustodyEvent, EvidenceInput, EvidenceKind, IsolationMeasure, RecoveryPath,
    RecoveryStep, SubmissionTarget,
};
use crate::domain::Incident;
use crate::domain::{self, Action};
use crate::error::{reject_if_any as rejected, rejected_field as one, AppError};
use crate::i18n::Text;
use crate::services::access::load_permitted;
use crate::services::Acting;

/// Bytes per stored chunk: large enough for few rows, small enough to keep memory flat.
pub const CHUNK_BYTES: usize = 1024 * 1024;

/// Opens a transaction acting for `me`, with the incident (locked when `lock`), after the
/// domain said `me` may take `action` on it.
async fn authorised(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
    action: Action,
    lock: bool,
) -> Result<(Transaction<'static, Postgres>, Incident), AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let i = load_permitted(&mut tx, me, incident, action, lock).await?;
    Ok((tx, i))
}

async fn custody(
    tx: &mut Transaction<'static, Postgres>,
    i: &Incident,
    me: Acting<'_>,
    event: CustodyEvent,
    body: serde_json::Value,
) -> Result<(), AppError> {
    timeline::append(
        tx,
        i.id,
        i.agency,
        Some(&me.timeline_actor()),
        &format!("custody.{}", event.as_str()),
        &body,
    )
    .await?;
    Ok(())
}

pub struct EvidenceView {
    pub incident: Incident,
    pub isolation: Vec<store::Isolation>,
    pub plan: Option<(RecoveryPath, Vec<RecoveryStep>)>,
    pub items: Vec<store::Item>,
    pub submissions: Vec<store::Submission>,
    pub may_record: bool,
    pub may_submit: bool,
}

pub async fn view(pool: &PgPool, me: Acting<'_>, incident: Uuid) -> Result<EvidenceView, AppError> {
    let (mut tx, i) = authorised(pool, me, incident, Action::ViewIncident, false).await?;
    let isolation = store::isolation_measures(&mut tx, incident).await?;
    let plan = store::recovery_plan(&mut tx, incident)
        .await?
        .and_then(|p| {
            RecoveryPath::parse(&p.path).map(|path| {
                (
                    path,
                    p.steps_done
                        .0
                        .iter()
                        .filter_map(|s| RecoveryStep::parse(s))
                        .collect(),
                )
            })
        });
    let items = store::items(&mut tx, incident).await?;
    let submissions = store::submissions(&mut tx, incident).await?;
    tx.commit().await?;
    let actor = me.actor();
    Ok(EvidenceView {
        may_record: i.may(&actor, Action::RecordEvidence).is_ok(),
        may_submit: i.may(&actor, Action::RecordVirusCheckSubmission).is_ok(),
        incident: i,
        isolation,
        plan,
        items,
        submissions,
    })
}

pub async fn record_isolation(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
    measure: IsolationMeasure,
    taken_at: DateTime<Utc>,
    taken_by: &str,
    note: &str,
) -> Result<(), AppError> {
    let (mut tx, i) = authorised(pool, me, incident, Action::RecordEvidence, true).await?;
    let mut problems = Vec::new();
    let taken_by = taken_by.trim();
    if taken_by.is_empty() || taken_by.chars().count() > 100 {
        problems.push((
            "taken_by".to_string(),
            Text::key("isolation.error.taken_by"),
        ));
    }
    if taken_at > Utc::now() + chrono::Duration::minutes(5) {
        problems.push((
            "taken_at".to_string(),
            Text::key("isolation.error.taken_in_future"),
        ));
    }
    let note = crate::domain::input::clean_text(note, 2000);
    if note.is_none() {
        problems.push((
            "note".to_string(),
            Text::key("isolation.error.note_too_long"),
        ));
    }
    rejected(problems)?;
    let m = store::Isolation {
        measure: measure.as_str().to_string(),
        taken_at,
        taken_by: taken_by.to_string(),
        note: note.unwrap_or_default(),
    };
    store::record_isolation(&mut tx, i.id, i.agency.0, &m, me.user.id).await?;
    timeline::append(
        &mut tx,
        i.id,
        i.agency,
        Some(&me.timeline_actor()),
        "isolation",
        &json!({ "measure": m.measure, "taken_at": taken_at, "taken_by": m.taken_by, "note": m.note }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn save_recovery(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
    path: RecoveryPath,
    done: Vec<RecoveryStep>,
) -> Result<(), AppError> {
    let (mut tx, i) = authorised(pool, me, incident, Action::RecordEvidence, true).await?;
    for s in &done {
        rules::check_step(path, *s).map_err(|e| one("steps", e.message()))?;
    }
    // Isolation first, then the path's steps in order (point 4(二)).
    let isolated = !store::isolation_measures(&mut tx, i.id).await?.is_empty();
    rules::check_recovery_order(path, &done, isolated)
        .map_err(|e| AppError::OutOfOrder(vec![e.message()]))?;
    let done: Vec<String> = path
        .steps()
        .iter()
        .filter(|s| done.contains(s))
        .map(|s| s.as_str().to_string())
        .collect();
    store::save_recovery_plan(&mut tx, i.id, i.agency.0, path.as_str(), &done, me.user.id).await?;
    timeline::append(
        &mut tx,
        i.id,
        i.agency,
        Some(&me.timeline_actor()),
        "recovery",
        &json!({ "path": path.as_str(), "done": done }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What describes an evidence item, whether uploaded or only registered.
#[derive(Debug, Clone, Default)]
pub struct ItemFields {
    pub kind: String,
    pub description: String,
    pub source_system: String,
    pub collected_by: String,
    /// None: now.
    pub collected_at: Option<DateTime<Utc>>,
}

fn check_fields(f: &ItemFields, me: Acting<'_>) -> Result<(EvidenceKind, EvidenceInput), AppError> {
    let kind = EvidenceKind::parse(f.kind.trim())
        .ok_or_else(|| one("kind", Text::key("evidence.error.kind_missing")))?;
    let collected_at = f.collected_at.unwrap_or_else(Utc::now);
    let collected_by = if f.collected_by.trim().is_empty() {
        me.user.display_name.clone()
    } else {
        f.collected_by.trim().to_string()
    };
    let input = EvidenceInput {
        kind,
        description: f.description.trim().to_string(),
        source_system: f.source_system.trim().to_string(),
        collected_by,
        collected_at,
    };
    rejected(
        rules::check_evidence(&input, Utc::now())
            .into_iter()
            .map(|e| (e.field().as_str().to_string(), e.message()))
            .collect(),
    )?;
    Ok((kind, input))
}

/// The evidence item as the API reports it.
pub struct Stored {
    pub id: Uuid,
    pub sha256: String,
    pub size: i64,
}

/// An upload in progress. Its bytes are spooled to a file of this node while they arrive, and
/// reach PostgreSQL only once the whole file is in: a slow sender holds a file, never a pooled
/// connection (#14: 16 slow uploads took the pool). A refused or broken upload leaves nothing.
pub struct Upload {
    incident: Uuid,
    spool: Spool,
    hasher: Sha256,
    size: u64,
    limit: u64,
    pub file_name: String,
    pub content_type: String,
}

/// The spool file; removed when the upload ends, however it ends.
struct Spool {
    path: std::path::PathBuf,
    file: tokio::io::BufWriter<tokio::fs::File>,
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A failure of the spool file: a full disk (or quota) is the server's storage, said plainly
/// (507); anything else is an internal error.
fn spool_error(e: std::io::Error) -> AppError {
    match e.kind() {
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
            tracing::error!(error = %e, "the upload spool's disk is full");
            AppError::StorageFull
        }
        _ => AppError::Internal(e.into()),
    }
}

impl Upload {
    /// Checks that `me` may record evidence on the incident before a byte is read.
    pub async fn begin(
        pool: &PgPool,
        me: Acting<'_>,
        incident: Uuid,
        limit: u64,
    ) -> Result<Upload, AppError> {
        let (tx, _) = authorised(pool, me, incident, Action::RecordEvidence, false).await?;
        tx.commit().await?;
        let path = std::env::temp_dir().join(format!("portal-upload-{}", Uuid::new_v4()));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
            .map_err(spool_error)?;
        Ok(Upload {
            incident,
            spool: Spool {
                path,
                file: tokio::io::BufWriter::new(file),
            },
            hasher: Sha256::new(),
            size: 0,
            limit,
            file_name: String::new(),
            content_type: String::new(),
        })
    }

    /// Takes the next bytes of the file; past the limit, the upload is refused (413).
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), AppError> {
        use tokio::io::AsyncWriteExt;
        self.size += bytes.len() as u64;
        if self.size > self.limit {
            return Err(AppError::TooLarge);
        }
        self.hasher.update(bytes);
        self.spool
            .file
            .write_all(bytes)
            .await
            .map_err(spool_error)?;
        Ok(())
    }

    /// Copies the spooled file into PostgreSQL in chunks, inside `tx`.
    async fn store_chunks(
        &mut self,
        tx: &mut Transaction<'static, Postgres>,
        id: Uuid,
        agency: Uuid,
    ) -> Result<(), AppError> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        self.spool.file.flush().await.map_err(spool_error)?;
        let mut file = tokio::fs::File::open(&self.spool.path)
            .await
            .map_err(spool_error)?;
        let mut buffer = vec![0u8; CHUNK_BYTES];
        let mut seq = 0;
        loop {
            let mut filled = 0;
            while filled < CHUNK_BYTES {
                let n = file
                    .read(&mut buffer[filled..])
                    .await
                    .map_err(spool_error)?;
                if n == 0 {
                    break;
                }
                filled += n;
            }
            if filled == 0 {
                return Ok(());
            }
            store::insert_chunk(tx, id, seq, agency, &buffer[..filled]).await?;
            seq += 1;
        }
    }

    pub fn has_file(&self) -> bool {
        self.size > 0 || !self.file_name.is_empty()
    }

    /// Validates the description, then in one transaction (the permission checked again):
    /// stores the bytes under their hash, records the item and its first custody entry.
    pub async fn finish(
        mut self,
        pool: &PgPool,
        me: Acting<'_>,
        fields: &ItemFields,
    ) -> Result<Stored, AppError> {
        let (kind, input) = check_fields(fields, me)?;
        if self.size == 0 {
            return Err(one("file", Text::key("evidence.error.file_empty")));
        }
        let sha256 = hex::encode(self.hasher.clone().finalize());
        let size = i64::try_from(self.size).map_err(anyhow::Error::from)?;
        let (mut tx, i) = authorised(pool, me, self.incident, Action::RecordEvidence, true).await?;
        let id = Uuid::new_v4();
        self.store_chunks(&mut tx, id, i.agency.0).await?;
        store::settle_blob(&mut tx, i.agency.0, &sha256, size, id).await?;
        let item = store::Item {
            id: Uuid::new_v4(),
            incident_id: i.id,
            agency_id: i.agency.0,
            kind: kind.as_str().to_string(),
            description: input.description.clone(),
            source_system: input.source_system.clone(),
            collected_by: input.collected_by.clone(),
            collected_at: input.collected_at,
            sha256: sha256.clone(),
            size: Some(size),
            stored: true,
            kept_at: String::new(),
            file_name: rules::safe_download_name(&self.file_name, kind),
            content_type: self.content_type.chars().take(100).collect(),
            holder: input.collected_by.clone(),
            recorded_at: Utc::now(),
        };
        store::insert_item(&mut tx, &item, me.user.id).await?;
        custody(
            &mut tx,
            &i,
            me,
            CustodyEvent::Uploaded,
            json!({ "evidence": item.id, "kind": item.kind, "sha256": sha256, "size": size,
                    "file_name": item.file_name, "holder": item.holder }),
        )
        .await?;
        tx.commit().await?;
        Ok(Stored {
            id: item.id,
            sha256,
            size,
        })
    }
}

/// Registers an item too large to upload: the agency states its hash and where it is kept.
pub async fn register(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
    fields: &ItemFields,
    sha256: &str,
    size: Option<i64>,
    kept_at: &str,
) -> Result<Stored, AppError> {
    let (mut tx, i) = authorised(pool, me, incident, Action::RecordEvidence, true).await?;
    let (kind, input) = check_fields(fields, me)?;
    rejected(
        rules::check_registration(sha256, size, kept_at)
            .into_iter()
            .map(|e| (e.field().as_str().to_string(), e.message()))
            .collect(),
    )?;
    let sha256 = rules::parse_sha256(sha256).map_err(|e| one("sha256", e.message()))?;
    let item = store::Item {
        id: Uuid::new_v4(),
        incident_id: i.id,
        agency_id: i.agency.0,
        kind: kind.as_str().to_string(),
        description: input.description,
        source_system: input.source_system,
        collected_by: input.collected_by.clone(),
        collected_at: input.collected_at,
        sha256: sha256.clone(),
        size,
        stored: false,
        kept_at: kept_at.trim().to_string(),
        file_name: String::new(),
        content_type: String::new(),
        holder: input.collected_by,
        recorded_at: Utc::now(),
    };
    store::insert_item(&mut tx, &item, me.user.id).await?;
    custody(
        &mut tx,
        &i,
        me,
        CustodyEvent::Registered,
        json!({ "evidence": item.id, "kind": item.kind, "sha256": sha256, "size": size,
                "kept_at": item.kept_at, "holder": item.holder }),
    )
    .await?;
    tx.commit().await?;
    Ok(Stored {
        id: item.id,
        sha256,
        size: size.unwrap_or(0),
    })
}

/// A download about to be served: the custody entry is written before the first byte goes.
pub struct Download {
    pub item: store::Item,
    pub kind: EvidenceKind,
    pub upload: Uuid,
    pub chunks: i32,
    pub size: i64,
}

pub async fn open_download(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
    evidence: Uuid,
) -> Result<Download, AppError> {
    // Viewing the incident is enough to download (and the entry is written even on a closed
    // incident: the chain of custody goes on after closure).
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let i = load_permitted(&mut tx, me, incident, Action::ViewIncident, true).await?;
    let item = store::item(&mut tx, incident, evidence)
        .await?
        .ok_or(AppError::NotFound)?;
    if !item.stored {
        return Err(AppError::Conflict("evidence.not_stored".into()));
    }
    let (upload, size, chunks) = store::blob(&mut tx, item.agency_id, &item.sha256)
        .await?
        .ok_or_else(|| anyhow::anyhow!("evidence {} has no stored bytes", item.id))?;
    custody(
        &mut tx,
        &i,
        me,
        CustodyEvent::Downloaded,
        json!({ "evidence": item.id, "sha256": item.sha256, "by": me.user.display_name }),
    )
    .await?;
    tx.commit().await?;
    let kind = EvidenceKind::parse(&item.kind).unwrap_or(EvidenceKind::MalwareSample);
    Ok(Download {
        item,
        kind,
        upload,
        chunks,
        size,
    })
}

/// One stored chunk, read acting for the user (row-level security applies to every read).
pub async fn read_chunk(
    pool: &PgPool,
    user: Uuid,
    upload: Uuid,
    seq: i32,
) -> Result<Vec<u8>, AppError> {
    let mut tx = db::begin_as(pool, user).await?;
    let data = store::chunk(&mut tx, upload, seq)
        .await?
        .ok_or_else(|| anyhow::anyhow!("chunk {seq} of upload {upload} is missing"))?;
    tx.commit().await?;
    Ok(data)
}

/// Recomputes the stored bytes' hash and records the result on the timeline.
pub async fn verify(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
    evidence: Uuid,
) -> Result<bool, AppError> {
    let (mut tx, i) = authorised(pool, me, incident, Action::ViewIncident, true).await?;
    let item = store::item(&mut tx, incident, evidence)
        .await?
        .ok_or(AppError::NotFound)?;
    if !item.stored {
        return Err(AppError::Conflict("evidence.not_stored".into()));
    }
    let (upload, _, chunks) = store::blob(&mut tx, item.agency_id, &item.sha256)
        .await?
        .ok_or_else(|| anyhow::anyhow!("evidence {} has no stored bytes", item.id))?;
    let mut hasher = Sha256::new();
    for seq in 0..chunks {
        match store::chunk(&mut tx, upload, seq).await? {
            Some(data) => hasher.update(&data),
            None => break,
        }
    }
    let actual = hex::encode(hasher.finalize());
    let ok = actual == item.sha256;
    custody(
        &mut tx,
        &i,
        me,
        if ok {
            CustodyEvent::Verified
        } else {
            CustodyEvent::VerificationFailed
        },
        json!({ "evidence": item.id, "expected": item.sha256, "actual": actual }),
    )
    .await?;
    tx.commit().await?;
    Ok(ok)
}

/// Hands an item from its holder to another person.
pub async fn transfer(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
    evidence: Uuid,
    to: &str,
    note: &str,
) -> Result<(), AppError> {
    let (mut tx, i) = authorised(pool, me, incident, Action::RecordEvidence, true).await?;
    let item = store::item(&mut tx, incident, evidence)
        .await?
        .ok_or(AppError::NotFound)?;
    rejected(
        rules::check_transfer(&item.holder, to, note)
            .into_iter()
            .map(|e| (e.field().as_str().to_string(), e.message()))
            .collect(),
    )?;
    let to = to.trim();
    store::set_holder(&mut tx, item.id, to).await?;
    custody(
        &mut tx,
        &i,
        me,
        CustodyEvent::Transferred,
        json!({ "evidence": item.id, "from": item.holder, "to": to, "note": note.trim() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn record_submission(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
    target: SubmissionTarget,
    submitted_on: NaiveDate,
    reference: &str,
    evidence: Option<Uuid>,
) -> Result<(), AppError> {
    let (mut tx, i) =
        authorised(pool, me, incident, Action::RecordVirusCheckSubmission, true).await?;
    let today = domain::to_taipei(Utc::now()).date_naive();
    rejected(
        rules::check_submission(submitted_on, reference, today)
            .into_iter()
            .map(|e| (e.field().as_str().to_string(), e.message()))
            .collect(),
    )?;
    if let Some(e) = evidence {
        if store::item(&mut tx, incident, e).await?.is_none() {
            return Err(one(
                "evidence",
                Text::key("evidence.error.item_not_of_incident"),
            ));
        }
    }
    let s = store::Submission {
        id: Uuid::new_v4(),
        evidence_id: evidence,
        target: target.as_str().to_string(),
        submitted_on,
        reference: reference.trim().to_string(),
    };
    store::insert_submission(&mut tx, i.id, i.agency.0, &s, me.user.id).await?;
    timeline::append(
        &mut tx,
        i.id,
        i.agency,
        Some(&me.timeline_actor()),
        "malware_submission",
        &json!({ "target": s.target, "submitted_on": submitted_on, "reference": s.reference, "evidence": evidence }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
