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

/// Advisory lock classes (the first key of PostgreSQL's two-key advisory locks), so that an
/// account's lock and an address's lock never share a key, with each other or with the one-key
/// locks of `db::advisory_xact_lock`.
const ACCOUNT_LOCK: i32 = 14_001;
const ADDRESS_LOCK: i32 = 14_002;

/// Holds, until the transaction ends, the locks under which an account's and an address's
/// failures are counted and a new attempt recorded, so that concurrent guesses are counted one
/// after the other. Always the account first, then the address: no two sign-ins wait on each
/// other in opposite order.
#[tracing::instrument(skip_all)]
pub async fn lock_counts(
    conn: &mut PgConnection,
    email_lower: &str,
    client_ip: &str,
) -> Result<(), sqlx::Error> {
    for (class, key) in [(ACCOUNT_LOCK, email_lower), (ADDRESS_LOCK, client_ip)] {
        sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind(class)
            .bind(key)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Stores an attempt; returns its id.
#[tracing::instrument(skip_all)]
pub async fn record(conn: &mut PgConnection, a: &Attempt<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO sign_in_attempts (email_lower, client_ip, user_id, agency_id, succeeded) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(a.email_lower)
    .bind(a.client_ip)
    .bind(a.user_id)
    .bind(a.agency_id)
    .bind(a.succeeded)
    .fetch_one(conn)
    .await
}

/// Marks an attempt recorded as failed (before its password was checked) as succeeded.
#[tracing::instrument(skip_all)]
pub async fn mark_succeeded(conn: &mut PgConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sign_in_attempts SET succeeded = true WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes the attempts made before `before`; returns how many.
#[tracing::instrument(skip_all)]
pub async fn delete_older_than(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sign_in_attempts WHERE at < $1")
        .bind(before)
        .execute(conn)
        .await?
        .rows_affected())
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
