//! A user's own account: changing their password, and resetting a forgotten one by a link
//! e-mailed to them (issue #14). What a password must be is `domain::passwords`.

use chrono::{Duration, Utc};
use sqlx::PgPool;

use crate::db;
use crate::domain::audit::AuditKind;
use crate::domain::passwords::{check_new_password, MAX_LENGTH};
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::i18n::{Lang, Text};
use crate::services::audit;
use crate::services::auth::{hash_password, verify_password};
use crate::services::Acting;

/// How long a reset link stays usable.
pub const RESET_LINK_MINUTES: i64 = 30;
/// Reset e-mails one account may cause per hour (more asks get the same answer, no e-mail).
const RESETS_PER_HOUR: i64 = 3;

/// Changes the signed-in user's password once they have typed the current one.
#[tracing::instrument(skip_all, fields(user = %me.user.id))]
pub async fn change_password(
    pool: &PgPool,
    me: Acting<'_>,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    if current.is_empty() || current.len() > MAX_LENGTH {
        return Err(FieldErrors::one("current_password", "password.current_wrong").into());
    }
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let stored = db::passwords::hash_of(&mut tx, me.user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !verify_password(current.to_string(), stored).await? {
        return Err(FieldErrors::one("current_password", "password.current_wrong").into());
    }
    check_new_password(new, current, &me.user.email)?;
    let hash = hash_password(new.to_string()).await?;
    db::passwords::set_hash(&mut tx, me.user.id, &hash).await?;
    // The other sessions of the account end; the caller renews the one in use.
    db::users::end_sessions(&mut tx, me.user.id).await?;
    let who = Some(me.user.id);
    let agency = me.user.agency_id.0;
    audit::note(&mut tx, agency, who, who, AuditKind::PasswordChanged, "").await?;
    tx.commit().await?;
    tracing::info!(user = %me.user.id, "password changed");
    Ok(())
}

/// Sends a reset link to `email` if it is an enabled account's; the caller answers the same
/// either way, so the form does not tell who has an account.
#[tracing::instrument(skip_all)]
pub async fn request_reset(pool: &PgPool, email: &str, public_url: &str) -> Result<(), AppError> {
    let mut conn = pool.acquire().await?;
    let Some(user) = db::users::credentials_by_email(&mut conn, email.trim()).await? else {
        return Ok(());
    };
    drop(conn);
    let mut conn = db::begin_as(pool, user.id).await?;
    let recent =
        db::passwords::resets_since(&mut conn, user.id, Utc::now() - Duration::hours(1)).await?;
    if user.disabled || recent >= RESETS_PER_HOUR {
        return Ok(());
    }
    let token = hex::encode(rand::random::<[u8; 32]>());
    let link = format!(
        "{}/password/reset?token={token}",
        public_url.trim_end_matches('/')
    );
    let text = Text::key("password.reset_mail")
        .with("link", link)
        .with("minutes", RESET_LINK_MINUTES);
    let body = format!("{}\n\n{}", Lang::ZhTw.text(&text), Lang::En.text(&text));
    let subject = format!(
        "{} / {}",
        Lang::ZhTw.get("password.reset_subject"),
        Lang::En.get("password.reset_subject")
    );
    let expires = Utc::now() + Duration::minutes(RESET_LINK_MINUTES);
    db::passwords::insert_reset(&mut conn, user.id, &token, expires, &subject, &body).await?;
    conn.commit().await?;
    tracing::info!(user = %user.id, "password reset link sent");
    Ok(())
}

/// Whether the link `token` can still set a password (the form is shown only then).
pub async fn reset_usable(pool: &PgPool, token: &str) -> Result<bool, AppError> {
    if token.len() != 64 {
        return Ok(false);
    }
    let mut conn = pool.acquire().await?;
    Ok(db::passwords::reset_usable(&mut conn, token).await?)
}

/// Sets a new password by the link `token`, which is used up by it.
#[tracing::instrument(skip_all)]
pub async fn reset_password(pool: &PgPool, token: &str, new: &str) -> Result<(), AppError> {
    let invalid = || AppError::from(FieldErrors::one("token", "password.link_invalid"));
    if token.len() != 64 {
        return Err(invalid());
    }
    let mut tx = pool.begin().await?;
    let user = db::passwords::use_reset(&mut tx, token)
        .await?
        .ok_or_else(invalid)?;
    db::act_as(&mut tx, user).await?;
    let email = db::users::get(&mut tx, user)
        .await?
        .map(|u| u.email)
        .unwrap_or_default();
    check_new_password(new, "", &email)?;
    let hash = hash_password(new.to_string()).await?;
    db::passwords::set_hash(&mut tx, user, &hash).await?;
    db::users::end_sessions(&mut tx, user).await?;
    if let Some(u) = db::users::get(&mut tx, user).await? {
        let who = Some(user);
        audit::note(
            &mut tx,
            u.agency_id.0,
            who,
            who,
            AuditKind::PasswordReset,
            "",
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(user = %user, "password reset by link");
    Ok(())
}
