//! The supervising agency's overview of everything below it.

use sqlx::PgPool;

use crate::db::{self, oversight::Oversight};
use crate::domain::Role;
use crate::error::AppError;
use crate::services::Acting;

/// Reviewers act for a supervising agency; the dashboard is theirs.
pub async fn dashboard(pool: &PgPool, me: Acting<'_>) -> Result<Oversight, AppError> {
    if !me.user.has_role(Role::Reviewer) {
        return Err(AppError::Forbidden);
    }
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let figures = db::oversight::figures(&mut tx, me.user.agency_id).await?;
    tx.commit().await?;
    Ok(figures)
}
