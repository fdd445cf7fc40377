//! API bearer tokens, stored as SHA-256 hashes: the password grant's and personal access
//! tokens with a name and scopes. Revoked tokens stay revoked.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::AgencyId;

pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A token to record: its secret is only hashed.
pub struct NewToken<'a> {
    pub token: &'a str,
    pub user: Uuid,
    pub agency: AgencyId,
    pub expires_at: DateTime<Utc>,
    pub name: &'a str,
    pub scopes: &'a [&'a str],
}

#[tracing::instrument(skip_all)]
pub async fn insert(conn: &mut PgConnection, t: &NewToken<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO api_tokens (token_hash, user_id, agency_id, expires_at, name, scopes) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(hash(t.token))
    .bind(t.user)
    .bind(t.agency.0)
    .bind(t.expires_at)
    .bind(t.name)
    .bind(t.scopes)
    .execute(conn)
    .await?;
    Ok(())
}

/// The user a live token (not expired, not revoked) belongs to, and its scopes.
#[tracing::instrument(skip_all)]
pub async fn user_of(
    conn: &mut PgConnection,
    token: &str,
) -> Result<Option<(Uuid, Vec<String>)>, sqlx::Error> {
    sqlx::query_as(
        // The token says who is acting; the owner's function answers for that one token.
        "SELECT user_id, scopes FROM portal_token_user($1)",
    )
    .bind(hash(token))
    .fetch_optional(conn)
    .await
}

/// A token as its owner and their agency's admin see it (never its secret).
#[derive(Debug, sqlx::FromRow)]
pub struct Listed {
    pub id: i64,
    pub user_id: Uuid,
    pub agency_id: Uuid,
    pub user_name: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const LISTED: &str = "SELECT t.id, t.user_id, t.agency_id, u.display_name AS user_name, t.name, \
     t.scopes, t.created_at, t.expires_at, t.revoked_at \
     FROM api_tokens t JOIN users u ON u.id = t.user_id";

/// The user's tokens, newest first, at most `limit`.
#[tracing::instrument(skip_all)]
pub async fn of_user(
    conn: &mut PgConnection,
    user: Uuid,
    limit: i64,
) -> Result<Vec<Listed>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{LISTED} WHERE t.user_id = $1 ORDER BY t.created_at DESC, t.id DESC LIMIT $2"
    ))
    .bind(user)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// The live tokens of the agency's users, newest first, at most `limit`.
#[tracing::instrument(skip_all)]
pub async fn live_of_agency(
    conn: &mut PgConnection,
    agency: AgencyId,
    limit: i64,
) -> Result<Vec<Listed>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{LISTED} WHERE t.agency_id = $1 AND t.revoked_at IS NULL AND t.expires_at > now() \
         ORDER BY t.created_at DESC, t.id DESC LIMIT $2"
    ))
    .bind(agency.0)
    .bind(limit)
    .fetch_all(conn)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn get(conn: &mut PgConnection, id: i64) -> Result<Option<Listed>, sqlx::Error> {
    sqlx::query_as(&format!("{LISTED} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Revokes one token (already revoked: unchanged).
#[tracing::instrument(skip_all)]
pub async fn revoke(conn: &mut PgConnection, id: i64, by: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE api_tokens SET revoked_at = now(), revoked_by = $2 \
         WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Revokes the token presented (the API's sign-out); whether it was live.
#[tracing::instrument(skip_all)]
pub async fn revoke_presented(conn: &mut PgConnection, token: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = now(), revoked_by = user_id \
         WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()",
    )
    .bind(hash(token))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every token of the user (when they are disabled; enabling them again does not undo
/// it).
#[tracing::instrument(skip_all)]
pub async fn revoke_all_of(
    conn: &mut PgConnection,
    user: Uuid,
    by: Uuid,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = now(), revoked_by = $2 \
         WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
