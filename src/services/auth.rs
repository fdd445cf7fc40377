//! Sign-in: argon2id passwords and throttling of failed attempts.
//!
//! Throttling counts failures stored in PostgreSQL rather than in process memory, so that several
//! portal processes behind a load balancer enforce one limit.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::{Duration, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::{self, sign_in::Attempt};
use crate::domain::tokens::TokenScope;
use crate::domain::AgencyId;
use crate::error::AppError;

/// Failed attempts allowed per account within the window before it is throttled.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failed attempts allowed per client address within the window (covers guessing many accounts).
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;
/// Days a sign-in attempt is kept for the audit trail before the jobs delete it: an address and
/// an e-mail typed are personal data, kept no longer than an audit of the last half-year needs.
pub const SIGN_IN_RETENTION_DAYS: i64 = 180;

#[derive(Debug, PartialEq, Eq)]
pub enum SignInOutcome {
    SignedIn(Uuid),
    /// Unknown e-mail and wrong password alike: never say which.
    InvalidCredentials,
    /// The password was right but the account is disabled.
    Disabled,
    Throttled {
        retry_after_minutes: i64,
    },
}

/// Password hashes computed at once, at most: argon2id takes its 19 MiB of working memory per
/// hash (OWASP's first recommended setting, m=19456 KiB, t=2, p=1: the argon2 crate's default),
/// so a burst of sign-ins waits here instead of growing the process by 19 MiB per sign-in (#16).
/// One per core: more would not finish sooner.
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
});

/// Runs one password hash computation, within the bound of `HASHING`.
async fn hashing<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|e| anyhow::anyhow!("hashing semaphore: {e}"))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::from(anyhow::anyhow!(e)))
}

#[tracing::instrument(skip_all)]
pub async fn hash_password(password: String) -> Result<String, AppError> {
    hashing(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await?
    .map_err(AppError::from)
}

pub(crate) async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    hashing(move || {
        let parsed = PasswordHash::new(&hash).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await?
}

/// A valid hash of a random password: checked when the e-mail is unknown so that an unknown
/// address takes as long as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0XbJD3Vrx2qI2ryvyjrAtvbHCpT8kQhhoFnYbX3+JtQ";

/// Checks a password unless the account or the address is throttled.
///
/// Counting the failures and recording this attempt happen under one lock per account and one
/// per address (`db::sign_in::lock_counts`), and the attempt is recorded as failed before the
/// password is checked, then marked succeeded if it was right. So concurrent guesses each see
/// the ones before them: no more than the limit are ever checked, however many arrive at once,
/// and the slow password check itself runs outside the lock.
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    pool: &PgPool,
    email: &str,
    password: &str,
    client_ip: &str,
) -> Result<SignInOutcome, AppError> {
    let email_lower = email.trim().to_lowercase();
    let mut conn = pool.acquire().await?;
    let creds = db::users::credentials_by_email(&mut conn, &email_lower).await?;
    let attempt = Attempt {
        email_lower: &email_lower,
        client_ip,
        user_id: creds.as_ref().map(|c| c.id),
        agency_id: creds.as_ref().map(|c| c.agency_id),
        succeeded: false,
    };
    let attempt_id = match record_unless_throttled(&mut conn, &attempt).await? {
        Ok(id) => id,
        Err(throttled) => return Ok(throttled),
    };

    let hash = creds
        .as_ref()
        .map_or_else(|| DUMMY_HASH.to_string(), |c| c.password_hash.clone());
    let password_ok = verify_password(password.to_string(), hash).await? && creds.is_some();
    let outcome = match &creds {
        Some(c) if password_ok && c.disabled => SignInOutcome::Disabled,
        Some(c) if password_ok => SignInOutcome::SignedIn(c.id),
        _ => SignInOutcome::InvalidCredentials,
    };
    if let (SignInOutcome::SignedIn(user), Some(c)) = (&outcome, &creds) {
        db::sign_in::mark_succeeded(&mut conn, attempt_id).await?;
        // The password is at hand only now: a hash made under older parameters is renewed.
        if needs_rehash(&c.password_hash) {
            let renewed = hash_password(password.to_string()).await?;
            let mut tx = db::begin_as(pool, *user).await?;
            db::passwords::set_hash(&mut tx, *user, &renewed).await?;
            tx.commit().await?;
            tracing::info!(user = %user, "password hash renewed under the current parameters");
        }
    }
    Ok(outcome)
}

/// Whether `hash` was made by another algorithm or with other parameters than the portal uses
/// now (argon2id at its defaults), so that it is renewed at the next sign-in.
pub fn needs_rehash(hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return true;
    };
    let current = Argon2::default();
    parsed.algorithm != argon2::Algorithm::Argon2id.ident()
        || argon2::Params::try_from(&parsed).map_or(true, |p| {
            let now = current.params();
            (p.m_cost(), p.t_cost(), p.p_cost()) != (now.m_cost(), now.t_cost(), now.p_cost())
        })
}

/// Under the account's and the address's locks: `Err(Throttled)` when either is past its limit,
/// else the id of the attempt, recorded as a failure until its password proves right.
pub(crate) async fn record_unless_throttled(
    conn: &mut sqlx::PgConnection,
    attempt: &Attempt<'_>,
) -> Result<Result<i64, SignInOutcome>, AppError> {
    let mut tx = sqlx::Connection::begin(conn).await?;
    db::sign_in::lock_counts(&mut tx, attempt.email_lower, attempt.client_ip).await?;
    let window = Duration::minutes(THROTTLE_WINDOW_MINUTES);
    let failures = db::sign_in::recent_failures(
        &mut tx,
        attempt.email_lower,
        attempt.client_ip,
        Utc::now() - window,
    )
    .await?;
    let oldest = if failures.for_account >= MAX_FAILURES_PER_ACCOUNT {
        failures.oldest_for_account
    } else if failures.from_address >= MAX_FAILURES_PER_ADDRESS {
        failures.oldest_from_address
    } else {
        None
    };
    if let Some(oldest) = oldest {
        // Ends the transaction now, so the locks are not held until the connection's next use.
        tx.rollback().await?;
        let left = (oldest + window - Utc::now()).num_minutes() + 1;
        return Ok(Err(SignInOutcome::Throttled {
            retry_after_minutes: left.clamp(1, THROTTLE_WINDOW_MINUTES),
        }));
    }
    let id = db::sign_in::record(&mut tx, attempt).await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// How long an API token lasts.
pub const TOKEN_HOURS: i64 = 12;

/// Issues an API token to a user who has just signed in with e-mail and password.
#[tracing::instrument(skip_all, fields(user = %user))]
pub async fn issue_token(
    pool: &PgPool,
    user: Uuid,
    agency: AgencyId,
) -> Result<(String, chrono::DateTime<chrono::Utc>), AppError> {
    let token = hex::encode(rand::random::<[u8; 32]>());
    let expires_at = chrono::Utc::now() + chrono::Duration::hours(TOKEN_HOURS);
    let mut conn = db::begin_as(pool, user).await?;
    let all: Vec<&str> = TokenScope::ALL.iter().map(|s| s.name()).collect();
    let new = db::tokens::NewToken {
        token: &token,
        user,
        agency,
        expires_at,
        name: "",
        scopes: &all,
    };
    db::tokens::insert(&mut conn, &new).await?;
    let who = Some(user);
    crate::services::audit::note(
        &mut conn,
        agency.0,
        who,
        who,
        crate::domain::audit::AuditKind::TokenIssued,
        "API sign-in",
    )
    .await?;
    conn.commit().await?;
    Ok((token, expires_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_under_older_parameters_or_another_algorithm_is_renewed() {
        let salt = SaltString::generate(&mut OsRng);
        let now = Argon2::default()
            .hash_password(b"x", &salt)
            .unwrap()
            .to_string();
        assert!(!needs_rehash(&now));
        let weak = Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(4096, 1, 1, None).unwrap(),
        )
        .hash_password(b"x", &salt)
        .unwrap()
        .to_string();
        assert!(needs_rehash(&weak));
        let argon2i = Argon2::new(
            argon2::Algorithm::Argon2i,
            argon2::Version::V0x13,
            argon2::Params::default(),
        )
        .hash_password(b"x", &salt)
        .unwrap()
        .to_string();
        assert!(needs_rehash(&argon2i));
        assert!(needs_rehash("not a hash"));
        assert!(
            !needs_rehash(DUMMY_HASH),
            "the dummy is made like a real one"
        );
    }

    #[test]
    fn the_dummy_hash_parses_so_unknown_emails_cost_a_real_verification() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
