//! In-portal notifications. Row-level security shows each user only their own.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use crate::domain::notifications::Recipient;

/// Notifies every active user holding a recipient role in a recipient agency, except `actor`
/// (who knows already). A user holding two such roles is notified once.
pub async fn notify(
    conn: &mut PgConnection,
    recipients: &[Recipient],
    incident: Uuid,
    number: &str,
    kind: &str,
    actor: Uuid,
) -> Result<u64, sqlx::Error> {
    if recipients.is_empty() {
        return Ok(0);
    }
    let agencies: Vec<Uuid> = recipients.iter().map(|r| r.agency.0).collect();
    let roles: Vec<&str> = recipients.iter().map(|r| r.role.as_str()).collect();
    let done = sqlx::query(
        "INSERT INTO notifications (agency_id, user_id, incident_id, kind, number) \
         SELECT DISTINCT ON (g.user_id) g.agency_id, g.user_id, $3, $4, $5 \
         FROM role_grants g JOIN users u ON u.id = g.user_id \
         JOIN unnest($1::uuid[], $2::text[]) AS r(agency_id, role) \
             ON r.agency_id = g.agency_id AND r.role = g.role \
         WHERE NOT u.disabled AND g.user_id <> $6",
    )
    .bind(&agencies)
    .bind(&roles)
    .bind(incident)
    .bind(kind)
    .bind(number)
    .bind(actor)
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
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

pub async fn unread_count(conn: &mut PgConnection, user: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user)
        .fetch_one(conn)
        .await
}

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
        "SELECT id, incident_id, kind, number, created_at, read_at FROM notifications \
         WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(user)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok((items, total))
}

pub async fn mark_all_read(conn: &mut PgConnection, user: Uuid) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL",
    )
    .bind(user)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
