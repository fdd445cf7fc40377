//! Regular tracking (追蹤管考): the improvement items agencies closed incidents with, reminded
//! until done and visible to the agencies above (point 3(五)6).

use chrono::Utc;
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::{self, agencies::Agency, tracking::TrackedRow};
use crate::domain::{self, AgencyAction, AgencyId};
use crate::error::AppError;
use crate::services::{denied, directory, Acting};

pub struct TrackingView {
    pub agency: Agency,
    pub rows: Vec<TrackedRow>,
    pub total: i64,
    pub may_track: bool,
}

/// The tracking list of `agency` (the user's own when `None`) for anyone who may see it.
#[tracing::instrument(skip_all)]
pub async fn list(
    pool: &PgPool,
    me: Acting<'_>,
    agency: Option<Uuid>,
    page: db::PageRequest,
) -> Result<TrackingView, AppError> {
    let id = AgencyId(agency.unwrap_or(me.user.agency_id.0));
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let standing = directory::standing(&mut tx, id).await?;
    let chain: Vec<AgencyId> = standing.supervision_chain.iter().map(|a| a.id).collect();
    let actor = me.actor();
    domain::may_on_agency(&actor, AgencyAction::ViewPreparedness, id, &chain).map_err(denied)?;
    let (rows, total) = db::tracking::for_agency(&mut tx, id, page.offset(), page.limit()).await?;
    tx.commit().await?;
    Ok(TrackingView {
        may_track: domain::may_on_agency(&actor, AgencyAction::TrackImprovement, id, &chain)
            .is_ok(),
        agency: standing.agency,
        rows,
        total,
    })
}

/// Marks a tracked item done (the agency's own 後勤調度組 or security staff).
#[tracing::instrument(skip_all, fields(item = %id))]
pub async fn mark_done(pool: &PgPool, me: Acting<'_>, id: Uuid) -> Result<(), AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let row = db::tracking::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let standing = directory::standing(&mut tx, AgencyId(row.agency_id)).await?;
    let chain: Vec<AgencyId> = standing.supervision_chain.iter().map(|a| a.id).collect();
    domain::may_on_agency(
        &me.actor(),
        AgencyAction::TrackImprovement,
        AgencyId(row.agency_id),
        &chain,
    )
    .map_err(denied)?;
    let today = domain::to_taipei(Utc::now()).date_naive();
    if !db::tracking::mark_done(&mut tx, id, today, me.user.id).await? {
        return Err(AppError::Conflict("error.item_not_open".into()));
    }
    tx.commit().await?;
    Ok(())
}
