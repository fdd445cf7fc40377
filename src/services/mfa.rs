//! Multi-factor sign-in: enrolment, the second factor at sign-in (counted by the sign-in
//! throttling like a password), recovery codes, turning it off, and the agency's policy. The
//! rules are `domain::mfa`.

use chrono::Utc;
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::{self, sign_in::Attempt, users::User};
use crate::domain::audit::AuditKind;
use crate::domain::mfa::{self, AfterPassword, CodeCheck, Requirement, SecondFactor};
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::services::admin::require_user_admin;
use crate::services::auth::{self, SignInOutcome};

/// A pending enrolment: what the authenticator app is given.
pub struct Enrolment {
    /// The secret in base32, for typing it in by hand.
    pub secret_base32: String,
    /// The `otpauth://` URL the QR code holds.
    pub otpauth_url: String,
}

/// What /account/mfa shows.
pub struct Status {
    pub requirement: Requirement,
    pub enforced: bool,
    pub enrolled: bool,
    pub pending: Option<Enrolment>,
    pub recovery_left: i64,
    pub may_turn_off: bool,
}

fn now_unix() -> u64 {
    u64::try_from(Utc::now().timestamp()).unwrap_or(0)
}

/// `user`'s MFA state, read acting for `user` (row-level security: their own rows only).
async fn state(pool: &PgPool, user: Uuid) -> Result<db::mfa::MfaState, AppError> {
    state_as(pool, user, user).await
}

async fn state_as(pool: &PgPool, acting: Uuid, user: Uuid) -> Result<db::mfa::MfaState, AppError> {
    let mut conn = db::begin_as(pool, acting).await?;
    db::mfa::state_of(&mut conn, user)
        .await?
        .ok_or(AppError::NotFound)
}

/// Whether a user of the administrator's agency has enrolled, and whether an enrolment is
/// pending (the user's page under /admin), read acting for the administrator.
pub async fn standing_for_admin(
    pool: &PgPool,
    admin: &User,
    user: &User,
) -> Result<(bool, bool), AppError> {
    require_user_admin(admin)?;
    let s = state_as(pool, admin.id, user.id).await?;
    Ok((s.enrolled(), s.secret.is_some() && !s.enrolled()))
}

pub async fn status(pool: &PgPool, user: &User, enforced: bool) -> Result<Status, AppError> {
    let s = state(pool, user.id).await?;
    let requirement = mfa::requirement(&s.roles, s.agency_requires_all);
    let pending = match (&s.secret, s.enrolled()) {
        (Some(secret), false) => mfa::generator(secret, &user.email).map(|t| Enrolment {
            secret_base32: t.get_secret_base32(),
            otpauth_url: t.get_url(),
        }),
        _ => None,
    };
    Ok(Status {
        requirement,
        enforced,
        enrolled: s.enrolled(),
        pending,
        recovery_left: s.recovery_left,
        may_turn_off: mfa::may_turn_off(requirement, enforced),
    })
}

/// What a right password of `user` leads to.
pub async fn after_password(
    pool: &PgPool,
    user: Uuid,
    enforced: bool,
) -> Result<AfterPassword, AppError> {
    let s = state(pool, user).await?;
    let requirement = mfa::requirement(&s.roles, s.agency_requires_all);
    Ok(mfa::after_password(requirement, s.enrolled(), enforced))
}

/// Whether the signed-in user must enrol before using anything else, from what was read about
/// them for the page (`db::asking`).
pub fn enrolment_due_for(asking: &db::asking::Asking, enforced: bool) -> bool {
    let requirement = mfa::requirement(&asking.user.roles, asking.agency_requires_mfa);
    mfa::after_password(requirement, asking.mfa_enrolled, enforced)
        == AfterPassword::EnrolmentNeeded
}

/// A new secret for a pending enrolment (a new one each time: a QR code shown before is void).
pub async fn start_enrolment(pool: &PgPool, user: &User) -> Result<(), AppError> {
    let secret = mfa::new_secret(&mut rand::thread_rng());
    let mut conn = db::begin_as(pool, user.id).await?;
    if !db::mfa::start_enrolment(&mut conn, user.id, &secret).await? {
        return Err(AppError::Conflict("mfa.already_enrolled".into()));
    }
    conn.commit().await?;
    Ok(())
}

/// Confirms a pending enrolment with the app's first code; returns the recovery codes, to be
/// shown once.
pub async fn confirm_enrolment(
    pool: &PgPool,
    user: &User,
    typed: &str,
) -> Result<Vec<String>, AppError> {
    let mut tx = db::begin_as(pool, user.id).await?;
    db::mfa::lock(&mut tx, user.id).await?;
    let s = db::mfa::state_of(&mut tx, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let secret = match (&s.secret, s.enrolled()) {
        (Some(secret), false) => secret.clone(),
        (_, true) => return Err(AppError::Conflict("mfa.already_enrolled".into())),
        (None, false) => return Err(FieldErrors::one("code", "mfa.not_started").into()),
    };
    let CodeCheck::Accepted { step } =
        mfa::check_code(&secret, typed, now_unix(), s.last_used_step)
    else {
        return Err(FieldErrors::one("code", "mfa.code_wrong").into());
    };
    db::mfa::use_step(&mut tx, user.id, step).await?;
    let codes = mfa::new_recovery_codes(&mut rand::thread_rng());
    db::mfa::replace_recovery_codes(&mut tx, user.id, &codes).await?;
    note(&mut tx, user, Some(user.id), AuditKind::MfaEnrolled).await?;
    tx.commit().await?;
    tracing::info!(user = %user.id, "mfa enrolled");
    Ok(codes)
}

/// The outcome of a second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Accepted,
    /// Wrong, replayed, or the user has no MFA: never told apart to the person typing.
    Refused,
    Throttled {
        retry_after_minutes: i64,
    },
}

/// Checks a TOTP code (or, where `recovery_allowed`, a recovery code) of an enrolled user.
/// Each try is a sign-in attempt of the account: wrong codes count toward the same throttling
/// as wrong passwords, so six digits cannot be guessed by trying them all.
pub async fn second_factor(
    pool: &PgPool,
    user: &User,
    typed: &str,
    client_ip: &str,
    recovery_allowed: bool,
) -> Result<Factor, AppError> {
    let factor = mfa::read_second_factor(typed);
    let usable = match factor {
        SecondFactor::Totp(_) => true,
        SecondFactor::Recovery(_) => recovery_allowed,
        SecondFactor::Unreadable => false,
    };
    // What cannot be a code, or a user without MFA, is no guess: refused without counting.
    if !usable || !state(pool, user.id).await?.enrolled() {
        return Ok(Factor::Refused);
    }
    let mut conn = pool.acquire().await?;
    let email_lower = user.email.trim().to_lowercase();
    let attempt = Attempt {
        email_lower: &email_lower,
        client_ip,
        user_id: Some(user.id),
        agency_id: Some(user.agency_id.0),
        succeeded: false,
    };
    let attempt_id = match auth::record_unless_throttled(&mut conn, &attempt).await? {
        Ok(id) => id,
        Err(SignInOutcome::Throttled {
            retry_after_minutes,
        }) => {
            return Ok(Factor::Throttled {
                retry_after_minutes,
            })
        }
        Err(_) => return Ok(Factor::Refused),
    };
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    db::act_as(&mut tx, user.id).await?;
    db::mfa::lock(&mut tx, user.id).await?;
    let s = db::mfa::state_of(&mut tx, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let accepted = match (&s.secret, s.enrolled(), factor) {
        (Some(secret), true, SecondFactor::Totp(code)) => {
            match mfa::check_code(secret, &code, now_unix(), s.last_used_step) {
                CodeCheck::Accepted { step } => {
                    db::mfa::use_step(&mut tx, user.id, step).await?;
                    true
                }
                CodeCheck::Replayed | CodeCheck::Wrong => false,
            }
        }
        (Some(_), true, SecondFactor::Recovery(code)) if recovery_allowed => {
            let used = db::mfa::use_recovery_code(&mut tx, user.id, &code).await?;
            if used {
                note(&mut tx, user, Some(user.id), AuditKind::RecoveryCodeUsed).await?;
                tracing::info!(user = %user.id, "mfa recovery code used");
            }
            used
        }
        _ => false,
    };
    tx.commit().await?;
    if !accepted {
        return Ok(Factor::Refused);
    }
    db::sign_in::mark_succeeded(&mut conn, attempt_id).await?;
    Ok(Factor::Accepted)
}

async fn user_by_id(pool: &PgPool, id: Uuid) -> Result<User, AppError> {
    let mut conn = db::begin_as(pool, id).await?;
    db::users::get(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The second factor of the user `id` at sign-in (a pending session or the token endpoint).
pub async fn second_factor_of(
    pool: &PgPool,
    id: Uuid,
    typed: &str,
    client_ip: &str,
    recovery_allowed: bool,
) -> Result<Factor, AppError> {
    let user = user_by_id(pool, id).await?;
    if user.disabled {
        return Ok(Factor::Refused);
    }
    second_factor(pool, &user, typed, client_ip, recovery_allowed).await
}

fn refused_code(field: &str, factor: Factor) -> AppError {
    match factor {
        Factor::Throttled {
            retry_after_minutes,
        } => AppError::Throttled(retry_after_minutes),
        _ => FieldErrors::one(field, "mfa.code_wrong").into(),
    }
}

/// New recovery codes for an enrolled user who gives a current code; the old ones stop working.
pub async fn regenerate_recovery_codes(
    pool: &PgPool,
    user: &User,
    typed: &str,
    client_ip: &str,
) -> Result<Vec<String>, AppError> {
    let factor = second_factor(pool, user, typed, client_ip, false).await?;
    if factor != Factor::Accepted {
        return Err(refused_code("code", factor));
    }
    let codes = mfa::new_recovery_codes(&mut rand::thread_rng());
    let mut tx = db::begin_as(pool, user.id).await?;
    db::mfa::replace_recovery_codes(&mut tx, user.id, &codes).await?;
    note(
        &mut tx,
        user,
        Some(user.id),
        AuditKind::RecoveryCodesRenewed,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user = %user.id, "mfa recovery codes regenerated");
    Ok(codes)
}

/// Turns MFA off for the user themself, where the policy allows, with a current code or their
/// password. A pending enrolment is simply dropped.
pub async fn turn_off(
    pool: &PgPool,
    user: &User,
    code: &str,
    password: &str,
    enforced: bool,
    client_ip: &str,
) -> Result<(), AppError> {
    let s = state(pool, user.id).await?;
    let requirement = mfa::requirement(&s.roles, s.agency_requires_all);
    if s.enrolled() && !mfa::may_turn_off(requirement, enforced) {
        return Err(AppError::Conflict("mfa.required_cannot_turn_off".into()));
    }
    if s.enrolled() {
        if !code.trim().is_empty() {
            let factor = second_factor(pool, user, code, client_ip, false).await?;
            if factor != Factor::Accepted {
                return Err(refused_code("code", factor));
            }
        } else {
            let mut conn = db::begin_as(pool, user.id).await?;
            let stored = db::passwords::hash_of(&mut conn, user.id)
                .await?
                .ok_or(AppError::NotFound)?;
            drop(conn);
            if password.is_empty()
                || password.len() > 1024
                || !auth::verify_password(password.to_string(), stored).await?
            {
                return Err(FieldErrors::one("code", "mfa.proof_needed").into());
            }
        }
    }
    let mut tx = db::begin_as(pool, user.id).await?;
    db::mfa::remove(&mut tx, user.id).await?;
    note(&mut tx, user, Some(user.id), AuditKind::MfaTurnedOff).await?;
    tx.commit().await?;
    tracing::info!(user = %user.id, "mfa turned off");
    Ok(())
}

/// An agency administrator resets a user's MFA (a lost phone): the user enrols again.
pub async fn admin_reset(pool: &PgPool, admin: &User, target: Uuid) -> Result<(), AppError> {
    let user = crate::services::admin::user_of_own_agency(pool, admin, target).await?;
    let mut tx = db::begin_as(pool, admin.id).await?;
    db::mfa::remove(&mut tx, user.id).await?;
    note(&mut tx, &user, Some(admin.id), AuditKind::MfaReset).await?;
    tx.commit().await?;
    tracing::info!(user = %user.id, by = %admin.id, "mfa reset");
    Ok(())
}

/// Whether the administrator's agency requires MFA of everyone.
pub async fn agency_policy(pool: &PgPool, admin: &User) -> Result<bool, AppError> {
    require_user_admin(admin)?;
    let mut conn = db::begin_as(pool, admin.id).await?;
    Ok(db::mfa::agency_requires_all(&mut conn, admin.agency_id).await?)
}

/// The agency administrator's option "MFA for everyone in this agency".
pub async fn set_agency_policy(
    pool: &PgPool,
    admin: &User,
    required: bool,
) -> Result<(), AppError> {
    require_user_admin(admin)?;
    let mut tx = db::begin_as(pool, admin.id).await?;
    db::mfa::set_agency_requires_all(&mut tx, admin.agency_id, required).await?;
    tx.commit().await?;
    tracing::info!(agency = %admin.agency_id.0, required, "mfa agency policy changed");
    Ok(())
}

/// An MFA change of `user`'s, by `actor`, on the audit log (#14 item 7), in the change's own
/// transaction.
async fn note(
    tx: &mut sqlx::PgConnection,
    user: &User,
    actor: Option<Uuid>,
    kind: AuditKind,
) -> Result<(), sqlx::Error> {
    crate::services::audit::note(tx, user.agency_id.0, actor, Some(user.id), kind, "").await
}
