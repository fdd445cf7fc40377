//! Multi-factor sign-in: each user's TOTP secret (pending until confirmed), the last time step
//! used, the SHA-256 hashes of their recovery codes, and the agencies' "MFA for everyone".

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use crate::db::tokens::hash;
use crate::domain::{AgencyId, Role};

/// What the policy and the code check need to know of one user.
#[derive(Debug, Clone)]
pub struct MfaState {
    pub roles: Vec<Role>,
    pub agency_requires_all: bool,
    /// The secret, confirmed or pending.
    pub secret: Option<Vec<u8>>,
    pub enrolled_at: Option<DateTime<Utc>>,
    pub last_used_step: Option<i64>,
    /// Recovery codes not used yet.
    pub recovery_left: i64,
}

impl MfaState {
    pub fn enrolled(&self) -> bool {
        self.enrolled_at.is_some()
    }
}

#[derive(FromRow)]
struct StateRow {
    roles: Vec<String>,
    mfa_for_everyone: bool,
    secret: Option<Vec<u8>>,
    enrolled_at: Option<DateTime<Utc>>,
    last_used_step: Option<i64>,
    recovery_left: i64,
}

/// The MFA state of `user`, `None` for no such user.
#[tracing::instrument(skip_all)]
pub async fn state_of(
    conn: &mut PgConnection,
    user: Uuid,
) -> Result<Option<MfaState>, sqlx::Error> {
    let row: Option<StateRow> = sqlx::query_as(
        "SELECT COALESCE((SELECT array_agg(g.role) FROM role_grants g WHERE g.user_id = u.id), \
                '{}') AS roles, \
                a.mfa_for_everyone, m.secret, m.enrolled_at, m.last_used_step, \
                (SELECT count(*) FROM mfa_recovery_codes c \
                 WHERE c.user_id = u.id AND c.used_at IS NULL) AS recovery_left \
         FROM users u JOIN agencies a ON a.id = u.agency_id \
         LEFT JOIN user_mfa m ON m.user_id = u.id WHERE u.id = $1",
    )
    .bind(user)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| MfaState {
        roles: r.roles.iter().filter_map(|s| Role::parse(s)).collect(),
        agency_requires_all: r.mfa_for_everyone,
        secret: r.secret,
        enrolled_at: r.enrolled_at,
        last_used_step: r.last_used_step,
        recovery_left: r.recovery_left,
    }))
}

/// Holds the user's MFA row until the transaction ends, so two codes checked at once cannot
/// both pass for the same step.
#[tracing::instrument(skip_all)]
pub async fn lock(conn: &mut PgConnection, user: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1 FROM user_mfa WHERE user_id = $1 FOR UPDATE")
        .bind(user)
        .execute(conn)
        .await?;
    Ok(())
}

/// Starts (or restarts) a pending enrolment with a new secret; a confirmed one is left alone.
/// False when the user is already enrolled.
#[tracing::instrument(skip_all)]
pub async fn start_enrolment(
    conn: &mut PgConnection,
    user: Uuid,
    secret: &[u8],
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO user_mfa (user_id, agency_id, secret) \
         SELECT id, agency_id, $2 FROM users WHERE id = $1 \
         ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = now(), \
             last_used_step = NULL \
         WHERE user_mfa.enrolled_at IS NULL",
    )
    .bind(user)
    .bind(secret)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records `step` as the last used; confirms a pending enrolment on its first code.
#[tracing::instrument(skip_all)]
pub async fn use_step(conn: &mut PgConnection, user: Uuid, step: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE user_mfa SET last_used_step = $2, enrolled_at = COALESCE(enrolled_at, now()) \
         WHERE user_id = $1",
    )
    .bind(user)
    .bind(step)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends the user's MFA: secret and recovery codes. They sign in by password until they enrol
/// again.
#[tracing::instrument(skip_all)]
pub async fn remove(conn: &mut PgConnection, user: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM mfa_recovery_codes WHERE user_id = $1")
        .bind(user)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM user_mfa WHERE user_id = $1")
        .bind(user)
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces the user's recovery codes by `codes` (kept only as SHA-256 hashes).
#[tracing::instrument(skip_all)]
pub async fn replace_recovery_codes(
    conn: &mut PgConnection,
    user: Uuid,
    codes: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM mfa_recovery_codes WHERE user_id = $1")
        .bind(user)
        .execute(&mut *conn)
        .await?;
    let hashes: Vec<Vec<u8>> = codes.iter().map(|c| hash(c)).collect();
    sqlx::query(
        "INSERT INTO mfa_recovery_codes (agency_id, user_id, code_hash) \
         SELECT u.agency_id, u.id, h FROM users u, unnest($2::bytea[]) AS h WHERE u.id = $1",
    )
    .bind(user)
    .bind(&hashes)
    .execute(conn)
    .await?;
    Ok(())
}

/// Uses the recovery code `code` of `user` if it is one of theirs not used yet: true then. The
/// one UPDATE makes it single-use even when two requests bring it at once.
#[tracing::instrument(skip_all)]
pub async fn use_recovery_code(
    conn: &mut PgConnection,
    user: Uuid,
    code: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE mfa_recovery_codes SET used_at = now() \
         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user)
    .bind(hash(code))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the agency requires MFA of everyone in it.
#[tracing::instrument(skip_all)]
pub async fn agency_requires_all(
    conn: &mut PgConnection,
    agency: AgencyId,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT mfa_for_everyone FROM agencies WHERE id = $1")
        .bind(agency.0)
        .fetch_optional(conn)
        .await
        .map(|v| v.unwrap_or(false))
}

#[tracing::instrument(skip_all)]
pub async fn set_agency_requires_all(
    conn: &mut PgConnection,
    agency: AgencyId,
    required: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE agencies SET mfa_for_everyone = $2 WHERE id = $1")
        .bind(agency.0)
        .bind(required)
        .execute(conn)
        .await?;
    Ok(())
}
