//! Sessions, through the owner's functions (migration 0019): the application role loads, saves
//! and deletes the one session whose id it presents, and cannot list the table.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

#[tracing::instrument(skip_all)]
pub async fn load(pool: &PgPool, id: &str) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT portal_session_load($1)")
        .bind(id)
        .fetch_one(pool)
        .await
}

/// Saves the session; with `only_if_new`, `false` when the id is taken (the caller draws
/// another).
#[tracing::instrument(skip_all)]
pub async fn save(
    pool: &PgPool,
    id: &str,
    data: &[u8],
    expiry: DateTime<Utc>,
    only_if_new: bool,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT portal_session_save($1, $2, $3, $4)")
        .bind(id)
        .bind(data)
        .bind(expiry)
        .bind(only_if_new)
        .fetch_one(pool)
        .await
}

#[tracing::instrument(skip_all)]
pub async fn delete(pool: &PgPool, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT portal_session_delete($1)")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Drops expired sessions (run with the owner's pool by the session cleanup).
#[tracing::instrument(skip_all)]
pub async fn delete_expired(owner: &PgPool) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM tower_sessions.session WHERE expiry_date < now()")
        .execute(owner)
        .await?;
    Ok(done.rows_affected())
}
