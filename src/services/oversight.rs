//! The supervising agency's overview of everything below it.

use sqlx::PgPool;

use crate::db::{self, oversight::Oversight};
use crate::domain::{self, PortalAction};
use crate::error::AppError;
use crate::services::{denied, Acting};

/// Reviewers act for a supervising agency; the dashboard is theirs.
#[tracing::instrument(skip_all)]
pub async fn dashboard(pool: &PgPool, me: Acting<'_>) -> Result<Oversight, AppError> {
    domain::may_portal(&me.actor(), PortalAction::SeeDashboard).map_err(denied)?;
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let figures = db::oversight::figures(&mut tx, me.user.agency_id).await?;
    tx.commit().await?;
    Ok(figures)
}
