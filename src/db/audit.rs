//! The audit log: appended under a per-agency lock, linked under the timeline key
//! (`domain::audit::AuditEntry::link`), never updated or deleted.

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::audit::{AuditEntry, AuditKind, GENESIS};

/// What an entry says, before the chain places it.
pub struct NewAuditEntry<'a> {
    pub agency_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub subject_id: Option<Uuid>,
    pub incident_id: Option<Uuid>,
    pub kind: AuditKind,
    pub detail: &'a str,
}

#[tracing::instrument(skip_all, fields(kind = e.kind.name()))]
pub async fn append(conn: &mut PgConnection, e: &NewAuditEntry<'_>) -> Result<(), sqlx::Error> {
    // One writer per agency chain at a time; the lock ends with the caller's transaction.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('audit_log'), hashtext($1::text))")
        .bind(e.agency_id)
        .execute(&mut *conn)
        .await?;
    let last: Option<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT seq, hash FROM audit_log WHERE agency_id = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(e.agency_id)
    .fetch_optional(&mut *conn)
    .await?;
    let (seq, prev_hash) = last.map_or((1, GENESIS.to_vec()), |(s, h)| (s + 1, h));
    let entry = AuditEntry {
        agency_id: e.agency_id,
        seq,
        at: Utc::now().trunc_subsecs(6),
        actor_id: e.actor_id,
        subject_id: e.subject_id,
        incident_id: e.incident_id,
        kind: e.kind.name().to_string(),
        detail: e.detail.chars().take(2000).collect(),
        prev_hash,
    };
    let hash = entry.link(crate::db::timeline::installed_key()?);
    sqlx::query(
        "INSERT INTO audit_log (agency_id, seq, at, actor_id, subject_id, incident_id, kind, detail, \
         prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(entry.agency_id)
    .bind(entry.seq)
    .bind(entry.at)
    .bind(entry.actor_id)
    .bind(entry.subject_id)
    .bind(entry.incident_id)
    .bind(&entry.kind)
    .bind(&entry.detail)
    .bind(&entry.prev_hash)
    .bind(&hash)
    .execute(conn)
    .await?;
    Ok(())
}

/// Which entries the audit page shows.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub agencies: Option<Vec<Uuid>>,
    pub kind: Option<AuditKind>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

#[derive(Debug, sqlx::FromRow)]
pub struct AuditRow {
    pub agency_id: Uuid,
    pub agency_name_zh: String,
    pub agency_name_en: String,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_name: Option<String>,
    pub subject_name: Option<String>,
    pub incident_number: Option<String>,
    pub kind: String,
    pub detail: String,
}

const WHERE: &str =
    "WHERE ($1::uuid[] IS NULL OR l.agency_id = ANY($1)) AND ($2::text IS NULL OR l.kind = $2) \
     AND ($3::timestamptz IS NULL OR l.at >= $3) AND ($4::timestamptz IS NULL OR l.at < $4)";

/// Newest first, one page; and how many match.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut PgConnection,
    f: &AuditFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<AuditRow>, i64), sqlx::Error> {
    let kind = f.kind.map(|k| k.name());
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM audit_log l {WHERE}"))
        .bind(&f.agencies)
        .bind(kind)
        .bind(f.from)
        .bind(f.until)
        .fetch_one(&mut *conn)
        .await?;
    let rows = sqlx::query_as(&format!(
        "SELECT l.agency_id, a.name_zh AS agency_name_zh, a.name_en AS agency_name_en, l.seq, l.at, \
         actor.display_name AS actor_name, subject.display_name AS subject_name, \
         i.number AS incident_number, l.kind, l.detail \
         FROM audit_log l JOIN agencies a ON a.id = l.agency_id \
         LEFT JOIN users actor ON actor.id = l.actor_id \
         LEFT JOIN users subject ON subject.id = l.subject_id \
         LEFT JOIN incidents i ON i.id = l.incident_id {WHERE} \
         ORDER BY l.at DESC, l.agency_id, l.seq DESC LIMIT $5 OFFSET $6"
    ))
    .bind(&f.agencies)
    .bind(kind)
    .bind(f.from)
    .bind(f.until)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok((rows, total))
}

type StoredRow = (
    Uuid,
    i64,
    DateTime<Utc>,
    Option<Uuid>,
    Option<Uuid>,
    Option<Uuid>,
    String,
    String,
    Vec<u8>,
    Vec<u8>,
);

/// Every chain, entry by entry in order, with its stored link (for verification, by the owner).
#[tracing::instrument(skip_all)]
pub async fn chains(conn: &mut PgConnection) -> Result<Vec<(AuditEntry, Vec<u8>)>, sqlx::Error> {
    let rows: Vec<StoredRow> = sqlx::query_as(
        "SELECT agency_id, seq, at, actor_id, subject_id, incident_id, kind, detail, prev_hash, hash \
         FROM audit_log ORDER BY agency_id, seq",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                AuditEntry {
                    agency_id: r.0,
                    seq: r.1,
                    at: r.2,
                    actor_id: r.3,
                    subject_id: r.4,
                    incident_id: r.5,
                    kind: r.6,
                    detail: r.7,
                    prev_hash: r.8,
                },
                r.9,
            )
        })
        .collect())
}
