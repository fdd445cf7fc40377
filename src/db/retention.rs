//! Retention periods, legal holds, the purge of a closed incident's record and evidence files,
//! and the redaction of words from an incident's copies of text (`domain::retention`).

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use crate::domain::retention::{RecordType, RetentionFacts, RetentionPeriods};

#[tracing::instrument(skip_all)]
pub async fn periods(conn: &mut PgConnection) -> Result<RetentionPeriods, sqlx::Error> {
    let rows: Vec<(String, i16)> =
        sqlx::query_as("SELECT record_type, years FROM retention_periods")
            .fetch_all(conn)
            .await?;
    let mut p = RetentionPeriods::default();
    for (t, years) in rows {
        let years = u16::try_from(years).unwrap_or(1);
        match RecordType::parse(&t) {
            Some(RecordType::IncidentRecord) => p.incident_record = years,
            Some(RecordType::EvidenceFile) => p.evidence_file = years,
            None => {}
        }
    }
    Ok(p)
}

/// Who set the periods last, and when.
#[derive(Debug, Clone, FromRow)]
pub struct PeriodsSet {
    pub set_at: DateTime<Utc>,
    pub set_by: Option<String>,
}

#[tracing::instrument(skip_all)]
pub async fn last_set(conn: &mut PgConnection) -> Result<Option<PeriodsSet>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.set_at, u.display_name AS set_by FROM retention_periods p \
         LEFT JOIN users u ON u.id = p.set_by ORDER BY p.set_at DESC LIMIT 1",
    )
    .fetch_optional(conn)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn set_periods(
    conn: &mut PgConnection,
    p: &RetentionPeriods,
    by: Uuid,
) -> Result<(), sqlx::Error> {
    let types: Vec<&str> = RecordType::ALL.iter().map(|t| t.as_str()).collect();
    let years: Vec<i16> = RecordType::ALL.iter().map(|t| p.years(*t) as i16).collect();
    sqlx::query(
        "UPDATE retention_periods r SET years = n.years, set_by = $3, set_at = now() \
         FROM UNNEST($1::text[], $2::smallint[]) AS n (record_type, years) \
         WHERE r.record_type = n.record_type",
    )
    .bind(&types)
    .bind(&years)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct Hold {
    pub id: Uuid,
    pub reason: String,
    pub placed_at: DateTime<Utc>,
    pub placed_by: String,
    pub placed_by_agency: String,
    pub released_at: Option<DateTime<Utc>>,
    pub released_by: Option<String>,
    pub release_reason: Option<String>,
}

/// An incident's holds, newest first.
#[tracing::instrument(skip_all)]
pub async fn holds(conn: &mut PgConnection, incident: Uuid) -> Result<Vec<Hold>, sqlx::Error> {
    sqlx::query_as(
        "SELECT h.id, h.reason, h.placed_at, coalesce(p.display_name, '') AS placed_by, \
         coalesce(a.name_zh, '') AS placed_by_agency, h.released_at, r.display_name AS released_by, \
         h.release_reason \
         FROM legal_holds h LEFT JOIN users p ON p.id = h.placed_by \
         LEFT JOIN agencies a ON a.id = h.placed_by_agency LEFT JOIN users r ON r.id = h.released_by \
         WHERE h.incident_id = $1 ORDER BY h.placed_at DESC",
    )
    .bind(incident)
    .fetch_all(conn)
    .await
}

/// Places a hold; `false` when one is in force already (the unique index says so).
#[tracing::instrument(skip_all)]
pub async fn place_hold(
    conn: &mut PgConnection,
    incident: Uuid,
    agency: Uuid,
    reason: &str,
    by: Uuid,
    by_agency: Uuid,
) -> Result<bool, sqlx::Error> {
    let placed = sqlx::query(
        "INSERT INTO legal_holds (id, incident_id, agency_id, reason, placed_by, placed_by_agency) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(Uuid::new_v4())
    .bind(incident)
    .bind(agency)
    .bind(reason)
    .bind(by)
    .bind(by_agency)
    .execute(conn)
    .await?;
    Ok(placed.rows_affected() == 1)
}

/// Releases the hold in force; `false` when there is none.
#[tracing::instrument(skip_all)]
pub async fn release_hold(
    conn: &mut PgConnection,
    incident: Uuid,
    reason: &str,
    by: Uuid,
) -> Result<bool, sqlx::Error> {
    let released = sqlx::query(
        "UPDATE legal_holds SET released_at = now(), released_by = $2, release_reason = $3 \
         WHERE incident_id = $1 AND released_at IS NULL",
    )
    .bind(incident)
    .bind(by)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(released.rows_affected() == 1)
}

/// What the disposal rule reads about one incident, and when the evidence files went.
#[derive(Debug, Clone, Copy, FromRow)]
pub struct Facts {
    pub closed_at: Option<DateTime<Utc>>,
    pub purged_at: Option<DateTime<Utc>>,
    pub evidence_purged_at: Option<DateTime<Utc>>,
    pub hold_in_force: bool,
}

impl Facts {
    pub fn of(&self, t: RecordType) -> RetentionFacts {
        RetentionFacts {
            closed_at: self.closed_at,
            hold_in_force: self.hold_in_force,
            purged_at: match t {
                RecordType::IncidentRecord => self.purged_at,
                RecordType::EvidenceFile => self.evidence_purged_at.or(self.purged_at),
            },
        }
    }
}

#[tracing::instrument(skip_all)]
pub async fn facts(conn: &mut PgConnection, incident: Uuid) -> Result<Option<Facts>, sqlx::Error> {
    sqlx::query_as(
        "SELECT i.closed_at, i.purged_at, i.evidence_purged_at, \
         EXISTS (SELECT 1 FROM legal_holds h WHERE h.incident_id = i.id AND h.released_at IS NULL) \
         AS hold_in_force FROM incidents i WHERE i.id = $1",
    )
    .bind(incident)
    .fetch_optional(conn)
    .await
}

/// Closed incidents that may be past the period of `t` at `now` (`years` of it), not purged of
/// it and not held: candidates, oldest first, that the domain's rule decides on one by one.
/// A day of slack covers the Taipei calendar day the rule counts to.
#[tracing::instrument(skip_all)]
pub async fn candidates(
    conn: &mut PgConnection,
    t: RecordType,
    years: u16,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let not_done = match t {
        RecordType::IncidentRecord => "i.purged_at IS NULL",
        RecordType::EvidenceFile => "i.purged_at IS NULL AND i.evidence_purged_at IS NULL",
    };
    sqlx::query_scalar(&format!(
        "SELECT i.id FROM incidents i WHERE i.status = 'closed' AND {not_done} \
         AND i.closed_at <= $1 - make_interval(years => $2) + interval '1 day' \
         AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.incident_id = i.id AND h.released_at IS NULL) \
         ORDER BY i.closed_at LIMIT $3"
    ))
    .bind(now)
    .bind(i32::from(years))
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// One stored evidence file of an incident.
#[derive(Debug, Clone, FromRow)]
pub struct StoredFile {
    pub id: Uuid,
    pub sha256: String,
    pub size: Option<i64>,
}

#[tracing::instrument(skip_all)]
pub async fn stored_files(
    conn: &mut PgConnection,
    incident: Uuid,
) -> Result<Vec<StoredFile>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, sha256, size FROM evidence_items WHERE incident_id = $1 AND stored ORDER BY recorded_at",
    )
    .bind(incident)
    .fetch_all(conn)
    .await
}

/// Drops the bytes of the incident's stored files: the items are no longer stored, and a blob
/// (content-addressed per agency) goes with its chunks when no other stored item holds it.
#[tracing::instrument(skip_all)]
pub async fn drop_files(conn: &mut PgConnection, incident: Uuid) -> Result<u64, sqlx::Error> {
    let blobs: Vec<(Uuid, String, Uuid)> = sqlx::query_as(
        "UPDATE evidence_items SET stored = false WHERE incident_id = $1 AND stored \
         RETURNING agency_id, sha256, id",
    )
    .bind(incident)
    .fetch_all(&mut *conn)
    .await?;
    let agency: Vec<Uuid> = blobs.iter().map(|b| b.0).collect();
    let sha: Vec<&str> = blobs.iter().map(|b| b.1.as_str()).collect();
    sqlx::query(
        "WITH gone AS ( \
           DELETE FROM evidence_blobs b USING UNNEST($1::uuid[], $2::text[]) AS n (agency_id, sha256) \
           WHERE b.agency_id = n.agency_id AND b.sha256 = n.sha256 \
             AND NOT EXISTS (SELECT 1 FROM evidence_items e \
                             WHERE e.agency_id = b.agency_id AND e.sha256 = b.sha256 AND e.stored) \
           RETURNING b.upload_id) \
         DELETE FROM evidence_chunks c USING gone WHERE c.upload_id = gone.upload_id",
    )
    .bind(&agency)
    .bind(&sha)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE incidents SET evidence_purged_at = now() WHERE id = $1")
        .bind(incident)
        .execute(conn)
        .await?;
    Ok(blobs.len() as u64)
}

/// What stays of a purged incident: its register line (number, agency, category, level, dates,
/// status); the words and the stage record go, and so do the rows beside it that hold words.
#[tracing::instrument(skip_all)]
pub async fn purge_record(
    conn: &mut PgConnection,
    incident: Uuid,
    title: &str,
) -> Result<(), sqlx::Error> {
    for table in [
        "malware_submissions",
        "indicators",
        "isolation_measures",
        "recovery_plans",
        "incident_teams",
        "tracking_items",
        "reminders",
        "notifications",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE incident_id = $1"))
            .bind(incident)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "UPDATE evidence_items SET description = '', source_system = '', collected_by = '', \
         kept_at = '', file_name = '', holder = '' WHERE incident_id = $1",
    )
    .bind(incident)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE incidents SET title = $2, summary = '', contact = '', other_means_reason = '', \
         subcategory = '', record = '{}', purged_at = now() WHERE id = $1",
    )
    .bind(incident)
    .bind(title)
    .execute(conn)
    .await?;
    Ok(())
}

/// The incident's own words, as a redaction reads and rewrites them.
#[derive(Debug, Clone, FromRow)]
pub struct Words {
    pub title: String,
    pub summary: String,
    pub contact: String,
    pub other_means_reason: String,
    pub record: serde_json::Value,
}

#[tracing::instrument(skip_all)]
pub async fn words(conn: &mut PgConnection, incident: Uuid) -> Result<Words, sqlx::Error> {
    sqlx::query_as(
        "SELECT title, summary, contact, other_means_reason, record FROM incidents WHERE id = $1",
    )
    .bind(incident)
    .fetch_one(conn)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn save_words(
    conn: &mut PgConnection,
    incident: Uuid,
    w: &Words,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE incidents SET title = $2, summary = $3, contact = $4, other_means_reason = $5, \
         record = $6, updated_at = now() WHERE id = $1",
    )
    .bind(incident)
    .bind(&w.title)
    .bind(&w.summary)
    .bind(&w.contact)
    .bind(&w.other_means_reason)
    .bind(&w.record)
    .execute(conn)
    .await?;
    Ok(())
}

/// A row beside the incident that holds words: its key (within the incident) and the text
/// columns.
#[derive(Debug, Clone, FromRow)]
pub struct Beside {
    pub key: String,
    pub texts: Vec<String>,
}

/// The rows a redaction reaches outside the incident row: table, key column (unique within an
/// incident), text columns.
pub const BESIDE: &[(&str, &str, &[&str])] = &[
    (
        "evidence_items",
        "id",
        &["description", "collected_by", "kept_at", "holder"],
    ),
    ("isolation_measures", "measure", &["taken_by", "note"]),
    ("indicators", "id", &["note"]),
    ("tracking_items", "id", &["description", "owner"]),
];

#[tracing::instrument(skip_all)]
pub async fn beside(
    conn: &mut PgConnection,
    (table, key, columns): (&str, &str, &[&str]),
    incident: Uuid,
) -> Result<Vec<Beside>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {key}::text AS key, ARRAY[{}] AS texts FROM {table} WHERE incident_id = $1",
        columns.join(", ")
    ))
    .bind(incident)
    .fetch_all(conn)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn save_beside(
    conn: &mut PgConnection,
    (table, key, columns): (&str, &str, &[&str]),
    incident: Uuid,
    row: &Beside,
) -> Result<(), sqlx::Error> {
    let sets: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(n, c)| format!("{c} = $3[{}]", n + 1))
        .collect();
    sqlx::query(&format!(
        "UPDATE {table} SET {} WHERE incident_id = $1 AND {key}::text = $2",
        sets.join(", ")
    ))
    .bind(incident)
    .bind(&row.key)
    .bind(&row.texts)
    .execute(conn)
    .await?;
    Ok(())
}
