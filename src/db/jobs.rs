//! The background jobs' storage: reminders recorded once each, and the e-mail outbox. Jobs act
//! for the system as the database owner (they span every agency); each row is claimed with
//! `FOR UPDATE SKIP LOCKED`, so several portal processes never take the same one.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use crate::domain::incident::DueReminder;
use crate::domain::AgencyId;

/// Records a reminder the domain says is due, once per (incident, kind, due time).
#[tracing::instrument(skip_all, fields(incident = %incident, kind = r.kind.as_str()))]
pub async fn record_reminder(
    conn: &mut PgConnection,
    agency: AgencyId,
    incident: Uuid,
    r: &DueReminder,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO reminders (agency_id, incident_id, kind, due_at, fire_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(agency.0)
    .bind(incident)
    .bind(r.kind.as_str())
    .bind(r.due_at)
    .bind(r.fire_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A recorded reminder not yet sent, with who it concerns.
#[derive(Debug, FromRow)]
pub struct UnsentReminder {
    pub id: i64,
    pub kind: String,
    pub incident_id: Uuid,
    pub agency_id: Uuid,
    pub escalation_target_id: Option<Uuid>,
    pub number: String,
    pub level: i16,
    /// The deadline the reminder is about.
    pub due_at: DateTime<Utc>,
}

/// Up to `limit` reminders whose time has come, locked for this process.
#[tracing::instrument(skip_all)]
pub async fn claim_unsent_reminders(
    conn: &mut PgConnection,
    limit: i64,
) -> Result<Vec<UnsentReminder>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id, r.kind, i.id AS incident_id, i.agency_id, i.escalation_target_id, i.number, \
             i.level, r.due_at \
         FROM reminders r JOIN incidents i ON i.id = r.incident_id \
         WHERE r.sent_at IS NULL AND r.fire_at <= now() ORDER BY r.fire_at LIMIT $1 \
         FOR UPDATE OF r SKIP LOCKED",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn mark_reminders_sent(conn: &mut PgConnection, ids: &[i64]) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE reminders SET sent_at = now() WHERE id = ANY($1)")
        .bind(ids)
        .execute(conn)
        .await?;
    Ok(())
}

/// An e-mail waiting in the outbox.
#[derive(Debug, FromRow)]
pub struct QueuedMail {
    pub id: i64,
    pub agency_id: uuid::Uuid,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    /// Counting this one.
    pub attempts: i32,
}

/// Claims the next due e-mail for this node, in one statement that commits at once: its
/// attempt is counted and it is leased for `lease_seconds`, so another node takes it only if
/// this one dies before marking it (then the stable Message-ID lets the receiver drop the
/// second copy).
#[tracing::instrument(skip_all)]
pub async fn claim_due_mail(
    pool: &sqlx::PgPool,
    lease_seconds: i64,
) -> Result<Option<QueuedMail>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE outbox SET attempts = attempts + 1, \
             next_attempt_at = now() + make_interval(secs => $1) \
         WHERE id = (SELECT id FROM outbox \
             WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now() \
             ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) \
         RETURNING id, agency_id, to_address, subject, body, attempts",
    )
    .bind(lease_seconds as f64)
    .fetch_optional(pool)
    .await
}

#[tracing::instrument(skip_all, fields(mail = id))]
pub async fn mark_mail_sent(pool: &sqlx::PgPool, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE outbox SET sent_at = now(), last_error = NULL WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// A failed attempt: retried at `retry_at`, or, with `None`, given up on (failed for good).
#[tracing::instrument(skip_all, fields(mail = id))]
pub async fn mark_mail_failed(
    pool: &sqlx::PgPool,
    id: i64,
    retry_at: Option<DateTime<Utc>>,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET next_attempt_at = coalesce($2, next_attempt_at), last_error = $3, \
         failed_at = CASE WHEN $2 IS NULL THEN now() END WHERE id = $1",
    )
    .bind(id)
    .bind(retry_at)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}
