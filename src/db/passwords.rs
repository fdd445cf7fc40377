//! Passwords: a user's own change, and the reset links (stored as SHA-256 hashes of their
//! tokens, used once, within their time).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::tokens::hash;

/// Replaces the user's password hash.
#[tracing::instrument(skip_all)]
pub async fn set_hash(conn: &mut PgConnection, user: Uuid, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(user)
        .bind(hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// The user's current password hash.
#[tracing::instrument(skip_all)]
pub async fn hash_of(conn: &mut PgConnection, user: Uuid) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(conn)
        .await
}

/// Links asked for this user since `since` (a bound on how many e-mails one can cause).
#[tracing::instrument(skip_all)]
pub async fn resets_since(
    conn: &mut PgConnection,
    user: Uuid,
    since: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM password_resets WHERE user_id = $1 AND created_at > $2",
    )
    .bind(user)
    .bind(since)
    .fetch_one(conn)
    .await
}

/// Records a reset link and queues its e-mail, in one statement.
#[tracing::instrument(skip_all)]
pub async fn insert_reset(
    conn: &mut PgConnection,
    user: Uuid,
    token: &str,
    expires_at: DateTime<Utc>,
    subject: &str,
    body: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH u AS (SELECT id, agency_id, email FROM users WHERE id = $1), \
         r AS (INSERT INTO password_resets (agency_id, user_id, token_hash, expires_at) \
               SELECT agency_id, id, $2, $3 FROM u) \
         INSERT INTO outbox (agency_id, user_id, to_address, subject, body) \
         SELECT agency_id, id, email, $4, $5 FROM u",
    )
    .bind(user)
    .bind(hash(token))
    .bind(expires_at)
    .bind(subject)
    .bind(body)
    .execute(conn)
    .await?;
    Ok(())
}

/// Uses up the link `token` if it is unused and in time: the user it resets, once.
#[tracing::instrument(skip_all)]
pub async fn use_reset(conn: &mut PgConnection, token: &str) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE password_resets SET used_at = now() \
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() \
         RETURNING user_id",
    )
    .bind(hash(token))
    .fetch_optional(conn)
    .await
}

/// Whether `token` is a link that could still be used (for the form shown before it is).
#[tracing::instrument(skip_all)]
pub async fn reset_usable(conn: &mut PgConnection, token: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM password_resets \
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now())",
    )
    .bind(hash(token))
    .fetch_one(conn)
    .await
}
