//! API bearer tokens, stored as SHA-256 hashes.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::AgencyId;

pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[tracing::instrument(skip_all)]
pub async fn insert(
    conn: &mut PgConnection,
    token: &str,
    user: Uuid,
    agency: AgencyId,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO api_tokens (token_hash, user_id, agency_id, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(hash(token))
        .bind(user)
        .bind(agency.0)
        .bind(expires_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// The user a token that has not expired belongs to.
#[tracing::instrument(skip_all)]
pub async fn user_of(conn: &mut PgConnection, token: &str) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT user_id FROM api_tokens WHERE token_hash = $1 AND expires_at > now()",
    )
    .bind(hash(token))
    .fetch_optional(conn)
    .await
}
