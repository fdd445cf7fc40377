//! Personal access tokens for systems (issue #14): issued by their owner with a name, scopes
//! and an end; listed and revoked by their owner and by their agency's administrator.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

use crate::db::{self, tokens::Listed};
use crate::domain::audit::AuditKind;
use crate::domain::tokens::{check_new_token, TokenScope};
use crate::domain::{self, Action, AgencyId};
use crate::error::AppError;
use crate::services::audit;
use crate::services::{denied, Acting};

/// How many tokens a list shows (a person or an agency rarely has more).
const LISTED: i64 = 200;

/// Issues a token for `me`; its secret is returned this once and only hashed at rest.
#[tracing::instrument(skip_all, fields(user = %me.user.id))]
pub async fn issue(
    pool: &PgPool,
    me: Acting<'_>,
    name: &str,
    scopes: &[TokenScope],
    days: Option<i64>,
) -> Result<(String, DateTime<Utc>), AppError> {
    check_new_token(name, scopes, days)?;
    let token = hex::encode(rand::random::<[u8; 32]>());
    let expires_at = Utc::now() + Duration::days(days.unwrap_or(1));
    let names: Vec<&str> = scopes.iter().map(|s| s.name()).collect();
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let new = db::tokens::NewToken {
        token: &token,
        user: me.user.id,
        agency: me.user.agency_id,
        expires_at,
        name: name.trim(),
        scopes: &names,
    };
    db::tokens::insert(&mut tx, &new).await?;
    let detail = format!("{} [{}]", name.trim(), names.join(", "));
    let (agency, user) = (me.user.agency_id.0, Some(me.user.id));
    audit::note(&mut tx, agency, user, user, AuditKind::TokenIssued, &detail).await?;
    tx.commit().await?;
    tracing::info!(user = %me.user.id, "personal access token issued");
    Ok((token, expires_at))
}

/// The user's own tokens, newest first.
pub async fn mine(pool: &PgPool, me: Acting<'_>) -> Result<Vec<Listed>, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let out = db::tokens::of_user(&mut tx, me.user.id, LISTED).await?;
    tx.commit().await?;
    Ok(out)
}

/// The live tokens of the agency's users, for its administrator.
pub async fn of_agency(pool: &PgPool, me: Acting<'_>) -> Result<Vec<Listed>, AppError> {
    domain::roles::may_manage(&me.actor(), Action::ManageUsers, me.user.agency_id)
        .map_err(denied)?;
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let out = db::tokens::live_of_agency(&mut tx, me.user.agency_id, LISTED).await?;
    tx.commit().await?;
    Ok(out)
}

/// Revokes a token: its owner may, and the administrator of the owner's agency; for anyone
/// else it does not exist.
#[tracing::instrument(skip_all, fields(user = %me.user.id, token = id))]
pub async fn revoke(pool: &PgPool, me: Acting<'_>, id: i64) -> Result<(), AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let token = db::tokens::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let own = token.user_id == me.user.id;
    let admin =
        domain::roles::may_manage(&me.actor(), Action::ManageUsers, AgencyId(token.agency_id))
            .is_ok();
    if !own && !admin {
        return Err(AppError::NotFound);
    }
    db::tokens::revoke(&mut tx, id, me.user.id).await?;
    let (agency, owner) = (token.agency_id, Some(token.user_id));
    audit::note(
        &mut tx,
        agency,
        Some(me.user.id),
        owner,
        AuditKind::TokenRevoked,
        &token.name,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user = %me.user.id, token = id, "token revoked");
    Ok(())
}

/// The API's sign-out: the token presented ends (`false`: it was not a live token).
pub async fn revoke_presented(pool: &PgPool, token: &str) -> Result<bool, AppError> {
    let mut tx = pool.begin().await?;
    let Some((owner, _)) = db::tokens::user_of(&mut tx, token).await? else {
        return Ok(false);
    };
    db::act_as(&mut tx, owner).await?;
    let ended = db::tokens::revoke_presented(&mut tx, token).await?;
    if ended {
        let agency = db::users::get(&mut tx, owner).await?.map(|u| u.agency_id.0);
        if let Some(agency) = agency {
            let who = Some(owner);
            audit::note(
                &mut tx,
                agency,
                who,
                who,
                AuditKind::TokenRevoked,
                "API sign-out",
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(ended)
}
