//! In-portal notifications. Row-level security shows each user only their own.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use crate::domain::notifications::Recipient;

/// Notifies every active user holding a recipient role in a recipient agency, except `actor`
/// (who knows already), in the portal and by an e-mail queued in the outbox. A user holding
/// two such roles is notified once.
#[tracing::instrument(skip_all)]
pub async fn notify(
    conn: &mut PgConnection,
    recipients: &[Recipient],
    incident: Uuid,
    number: &str,
    kind: &str,
    detail: &(String, String),
    actor: Uuid,
) -> Result<u64, sqlx::Error> {
    if recipients.is_empty() {
        return Ok(0);
    }
    let agencies: Vec<Uuid> = recipients.iter().map(|r| r.agency.0).collect();
    let roles: Vec<&str> = recipients.iter().map(|r| r.role.as_str()).collect();
    let (subject, body) = crate::domain::notifications::email(kind, number, detail);
    let done = sqlx::query(
        "WITH r AS (SELECT * FROM portal_recipients($1::uuid[], $2::text[], $6)), \
         n AS (INSERT INTO notifications \
                 (agency_id, user_id, incident_id, kind, number, detail_zh, detail_en) \
             SELECT agency_id, user_id, $3, $4, $5, $9, $10 FROM r) \
         INSERT INTO outbox (agency_id, user_id, to_address, subject, body) \
         SELECT agency_id, user_id, email, $7, $8 FROM r",
    )
    .bind(&agencies)
    .bind(&roles)
    .bind(incident)
    .bind(kind)
    .bind(number)
    .bind(actor)
    .bind(&subject)
    .bind(&body)
    .bind(&detail.0)
    .bind(&detail.1)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

#[derive(Debug, Clone, FromRow)]
pub struct Notification {
    pub id: i64,
    pub incident_id: Uuid,
    pub kind: String,
    pub number: String,
    pub detail_zh: String,
    pub detail_en: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

#[tracing::instrument(skip_all)]
pub async fn unread_count(conn: &mut PgConnection, user: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user)
        .fetch_one(conn)
        .await
}

#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut PgConnection,
    user: Uuid,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Notification>, i64), sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1")
        .bind(user)
        .fetch_one(&mut *conn)
        .await?;
    let items = sqlx::query_as(
        "SELECT id, incident_id, kind, number, detail_zh, detail_en, created_at, read_at \
         FROM notifications \
         WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(user)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok((items, total))
}

#[tracing::instrument(skip_all)]
pub async fn mark_all_read(conn: &mut PgConnection, user: Uuid) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL",
    )
    .bind(user)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

#[derive(Debug, Clone, FromRow)]
pub struct OutboxMail {
    pub to_address: String,
    pub subject: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Given up on after its last attempt.
    pub failed_at: Option<DateTime<Utc>>,
}

/// The acting agency's e-mail, unsent first (row-level security keeps it to that agency).
#[tracing::instrument(skip_all)]
pub async fn outbox(
    conn: &mut PgConnection,
    offset: i64,
    limit: i64,
) -> Result<(Vec<OutboxMail>, i64), sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(&mut *conn)
        .await?;
    let items = sqlx::query_as(
        "SELECT to_address, subject, created_at, attempts, sent_at, last_error, failed_at FROM outbox \
         ORDER BY (sent_at IS NOT NULL), created_at DESC, id DESC LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok((items, total))
}

/// Queues an e-mail to every enabled user of `agency` holding one of `roles` (agency-level
/// reminders, which belong to no incident). Returns how many were queued.
#[tracing::instrument(skip_all)]
pub async fn queue_mail_to_roles(
    conn: &mut PgConnection,
    agency: Uuid,
    roles: &[&str],
    subject: &str,
    body: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO outbox (agency_id, user_id, to_address, subject, body) \
         SELECT DISTINCT ON (u.id) u.agency_id, u.id, u.email, $3, $4 \
         FROM users u JOIN role_grants g ON g.user_id = u.id \
         WHERE u.agency_id = $1 AND g.role = ANY($2) AND NOT u.disabled",
    )
    .bind(agency)
    .bind(roles)
    .bind(subject)
    .bind(body)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
