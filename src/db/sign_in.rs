//! Sign-in attempts: the evidence throttling counts, and the audit trail of sign-ins.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

pub struct Attempt<'a> {
    pub email_lower: &'a str,
    pub client_ip: &'a str,
    pub user_id: Option<Uuid>,
    pub agency_id: Option<Uuid>,
    pub succeeded: bool,
}

#[tracing::instrument(skip_all)]
pub async fn record(conn: &mut PgConnection, a: &Attempt<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sign_in_attempts (email_lower, client_ip, user_id, agency_id, succeeded) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(a.email_lower)
    .bind(a.client_ip)
    .bind(a.user_id)
    .bind(a.agency_id)
    .bind(a.succeeded)
    .execute(conn)
    .await?;
    Ok(())
}

/// Failures since `since`: (for this account, from this address, the oldest of the account's).
pub struct RecentFailures {
    pub for_account: i64,
    pub from_address: i64,
    pub oldest_for_account: Option<DateTime<Utc>>,
    pub oldest_from_address: Option<DateTime<Utc>>,
}

#[tracing::instrument(skip_all)]
pub async fn recent_failures(
    conn: &mut PgConnection,
    email_lower: &str,
    client_ip: &str,
    since: DateTime<Utc>,
) -> Result<RecentFailures, sqlx::Error> {
    let (for_account, oldest_for_account): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
        "SELECT count(*), min(at) FROM sign_in_attempts \
         WHERE NOT succeeded AND email_lower = $1 AND at > $2",
    )
    .bind(email_lower)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    let (from_address, oldest_from_address): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
        "SELECT count(*), min(at) FROM sign_in_attempts \
         WHERE NOT succeeded AND client_ip = $1 AND at > $2",
    )
    .bind(client_ip)
    .bind(since)
    .fetch_one(conn)
    .await?;
    Ok(RecentFailures {
        for_account,
        from_address,
        oldest_for_account,
        oldest_from_address,
    })
}

#[derive(Debug, sqlx::FromRow)]
pub struct AuditSignIn {
    pub at: DateTime<Utc>,
    pub email_lower: String,
    pub client_ip: String,
    pub succeeded: bool,
    pub agency: Option<String>,
}

/// Sign-in attempts, newest first (for the competent authority's audit page).
#[tracing::instrument(skip_all)]
pub async fn recent(
    conn: &mut PgConnection,
    offset: i64,
    limit: i64,
) -> Result<Vec<AuditSignIn>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.at, s.email_lower, s.client_ip, s.succeeded, a.name_zh AS agency \
         FROM sign_in_attempts s LEFT JOIN agencies a ON a.id = s.agency_id \
         ORDER BY s.at DESC, s.id DESC LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await
}
