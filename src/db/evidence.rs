//! Evidence (跡證): isolation measures, the recovery plan, evidence items with their stored
//! bytes, and malware submissions. Bytes are kept content-addressed per agency: chunks written
//! under an upload id as they stream in, and one blob row per (agency, SHA-256).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

#[derive(Debug, Clone, FromRow)]
pub struct Isolation {
    pub measure: String,
    pub taken_at: DateTime<Utc>,
    pub taken_by: String,
    pub note: String,
}

#[tracing::instrument(skip_all)]
pub async fn isolation_measures(
    conn: &mut PgConnection,
    incident: Uuid,
) -> Result<Vec<Isolation>, sqlx::Error> {
    sqlx::query_as(
        "SELECT measure, taken_at, taken_by, note FROM isolation_measures WHERE incident_id = $1 ORDER BY taken_at",
    )
    .bind(incident)
    .fetch_all(conn)
    .await
}

/// Records a measure (recording it again corrects its time, person and note).
#[tracing::instrument(skip_all)]
pub async fn record_isolation(
    conn: &mut PgConnection,
    incident: Uuid,
    agency: Uuid,
    m: &Isolation,
    by: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO isolation_measures (incident_id, agency_id, measure, taken_at, taken_by, note, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (incident_id, measure) DO UPDATE \
         SET taken_at = $4, taken_by = $5, note = $6, recorded_by = $7, recorded_at = now()",
    )
    .bind(incident)
    .bind(agency)
    .bind(&m.measure)
    .bind(m.taken_at)
    .bind(&m.taken_by)
    .bind(&m.note)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct RecoveryPlan {
    pub path: String,
    pub steps_done: Json<Vec<String>>,
}

#[tracing::instrument(skip_all)]
pub async fn recovery_plan(
    conn: &mut PgConnection,
    incident: Uuid,
) -> Result<Option<RecoveryPlan>, sqlx::Error> {
    sqlx::query_as("SELECT path, steps_done FROM recovery_plans WHERE incident_id = $1")
        .bind(incident)
        .fetch_optional(conn)
        .await
}

#[tracing::instrument(skip_all)]
pub async fn save_recovery_plan(
    conn: &mut PgConnection,
    incident: Uuid,
    agency: Uuid,
    path: &str,
    steps_done: &[String],
    by: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO recovery_plans (incident_id, agency_id, path, steps_done, updated_by) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (incident_id) DO UPDATE SET path = $3, steps_done = $4, updated_by = $5, updated_at = now()",
    )
    .bind(incident)
    .bind(agency)
    .bind(path)
    .bind(Json(steps_done))
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

// ---- stored bytes ------------------------------------------------------------------------

#[tracing::instrument(skip_all)]
pub async fn insert_chunk(
    conn: &mut PgConnection,
    upload: Uuid,
    seq: i32,
    agency: Uuid,
    data: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO evidence_chunks (upload_id, seq, agency_id, data) VALUES ($1, $2, $3, $4)",
    )
    .bind(upload)
    .bind(seq)
    .bind(agency)
    .bind(data)
    .execute(conn)
    .await?;
    Ok(())
}

/// Files the upload's bytes under their hash. When the agency holds these bytes already, the
/// new chunks are dropped and the earlier upload keeps serving them.
#[tracing::instrument(skip_all)]
pub async fn settle_blob(
    conn: &mut PgConnection,
    agency: Uuid,
    sha256: &str,
    size: i64,
    upload: Uuid,
) -> Result<(), sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO evidence_blobs (agency_id, sha256, size, upload_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (agency_id, sha256) DO NOTHING",
    )
    .bind(agency)
    .bind(sha256)
    .bind(size)
    .bind(upload)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 0 {
        sqlx::query("DELETE FROM evidence_chunks WHERE upload_id = $1")
            .bind(upload)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// The upload holding the bytes of `sha256` for the agency, with the number of chunks.
#[tracing::instrument(skip_all)]
pub async fn blob(
    conn: &mut PgConnection,
    agency: Uuid,
    sha256: &str,
) -> Result<Option<(Uuid, i64, i32)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT b.upload_id, b.size, (SELECT count(*)::int FROM evidence_chunks c WHERE c.upload_id = b.upload_id) \
         FROM evidence_blobs b WHERE b.agency_id = $1 AND b.sha256 = $2",
    )
    .bind(agency)
    .bind(sha256)
    .fetch_optional(conn)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn chunk(
    conn: &mut PgConnection,
    upload: Uuid,
    seq: i32,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT data FROM evidence_chunks WHERE upload_id = $1 AND seq = $2")
        .bind(upload)
        .bind(seq)
        .fetch_optional(conn)
        .await
}

// ---- evidence items ----------------------------------------------------------------------

#[derive(Debug, Clone, FromRow)]
pub struct Item {
    pub id: Uuid,
    pub incident_id: Uuid,
    pub agency_id: Uuid,
    pub kind: String,
    pub description: String,
    pub source_system: String,
    pub collected_by: String,
    pub collected_at: DateTime<Utc>,
    pub sha256: String,
    pub size: Option<i64>,
    pub stored: bool,
    pub kept_at: String,
    pub file_name: String,
    pub content_type: String,
    pub holder: String,
    pub recorded_at: DateTime<Utc>,
}

const ITEM_COLUMNS: &str =
    "id, incident_id, agency_id, kind, description, source_system, collected_by, \
     collected_at, sha256, size, stored, kept_at, file_name, content_type, holder, recorded_at";

#[tracing::instrument(skip_all)]
pub async fn insert_item(conn: &mut PgConnection, i: &Item, by: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO evidence_items (id, incident_id, agency_id, kind, description, source_system, collected_by, \
         collected_at, sha256, size, stored, kept_at, file_name, content_type, holder, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(i.id)
    .bind(i.incident_id)
    .bind(i.agency_id)
    .bind(&i.kind)
    .bind(&i.description)
    .bind(&i.source_system)
    .bind(&i.collected_by)
    .bind(i.collected_at)
    .bind(&i.sha256)
    .bind(i.size)
    .bind(i.stored)
    .bind(&i.kept_at)
    .bind(&i.file_name)
    .bind(&i.content_type)
    .bind(&i.holder)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn items(conn: &mut PgConnection, incident: Uuid) -> Result<Vec<Item>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {ITEM_COLUMNS} FROM evidence_items WHERE incident_id = $1 ORDER BY recorded_at, id"
    ))
    .bind(incident)
    .fetch_all(conn)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn item(
    conn: &mut PgConnection,
    incident: Uuid,
    id: Uuid,
) -> Result<Option<Item>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {ITEM_COLUMNS} FROM evidence_items WHERE incident_id = $1 AND id = $2"
    ))
    .bind(incident)
    .bind(id)
    .fetch_optional(conn)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn set_holder(
    conn: &mut PgConnection,
    id: Uuid,
    holder: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE evidence_items SET holder = $2 WHERE id = $1")
        .bind(id)
        .bind(holder)
        .execute(conn)
        .await?;
    Ok(())
}

// ---- malware submissions -----------------------------------------------------------------

#[derive(Debug, Clone, FromRow)]
pub struct Submission {
    pub id: Uuid,
    pub evidence_id: Option<Uuid>,
    pub target: String,
    pub submitted_on: NaiveDate,
    pub reference: String,
}

#[tracing::instrument(skip_all)]
pub async fn submissions(
    conn: &mut PgConnection,
    incident: Uuid,
) -> Result<Vec<Submission>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, evidence_id, target, submitted_on, reference FROM malware_submissions \
         WHERE incident_id = $1 ORDER BY submitted_on, recorded_at",
    )
    .bind(incident)
    .fetch_all(conn)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn insert_submission(
    conn: &mut PgConnection,
    incident: Uuid,
    agency: Uuid,
    s: &Submission,
    by: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO malware_submissions (id, incident_id, agency_id, evidence_id, target, submitted_on, reference, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(s.id)
    .bind(incident)
    .bind(agency)
    .bind(s.evidence_id)
    .bind(&s.target)
    .bind(s.submitted_on)
    .bind(&s.reference)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}
