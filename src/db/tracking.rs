//! Regular tracking (追蹤管考): improvement items an incident closed with, one row each.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use crate::domain::{AgencyId, ImprovementHorizon, ImprovementItem};

#[derive(Debug, Clone, FromRow)]
pub struct TrackedRow {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub incident_id: Uuid,
    pub number: String,
    pub item_index: i32,
    pub description: String,
    pub horizon: String,
    pub owner: String,
    pub planned_on: NaiveDate,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub handed_over_at: DateTime<Utc>,
}

impl TrackedRow {
    /// The item as the domain's rules read it.
    pub fn item(&self) -> ImprovementItem {
        ImprovementItem {
            description: self.description.clone(),
            // Written only by `hand_over`, from a horizon's own name.
            horizon: ImprovementHorizon::parse(&self.horizon)
                .unwrap_or(ImprovementHorizon::ShortTerm),
            planned_on: self.planned_on,
            due_on: self.due_on,
            done_on: self.done_on,
            owner: self.owner.clone(),
            dropped: None,
        }
    }
}

/// Hands an incident's open item to the agency's tracking (once per item).
#[tracing::instrument(skip_all, fields(incident = %incident))]
pub async fn hand_over(
    conn: &mut PgConnection,
    agency: AgencyId,
    incident: Uuid,
    index: usize,
    item: &ImprovementItem,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO tracking_items (id, agency_id, incident_id, item_index, description, horizon, \
         owner, planned_on, due_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (incident_id, item_index) DO NOTHING",
    )
    .bind(Uuid::new_v4())
    .bind(agency.0)
    .bind(incident)
    .bind(i32::try_from(index).unwrap_or(i32::MAX))
    .bind(&item.description)
    .bind(item.horizon.as_str())
    .bind(&item.owner)
    .bind(item.planned_on)
    .bind(item.due_on)
    .execute(conn)
    .await?;
    Ok(())
}

const SELECT: &str =
    "SELECT t.id, t.agency_id, t.incident_id, i.number, t.item_index, t.description, \
     t.horizon, t.owner, t.planned_on, t.due_on, t.done_on, t.handed_over_at \
     FROM tracking_items t JOIN incidents i ON i.id = t.incident_id";

/// An agency's tracked items: open first by due date, then the done ones.
#[tracing::instrument(skip_all, fields(agency = %agency.0))]
pub async fn for_agency(
    conn: &mut PgConnection,
    agency: AgencyId,
    offset: i64,
    limit: i64,
) -> Result<(Vec<TrackedRow>, i64), sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM tracking_items WHERE agency_id = $1")
        .bind(agency.0)
        .fetch_one(&mut *conn)
        .await?;
    let rows = sqlx::query_as(&format!(
        "{SELECT} WHERE t.agency_id = $1 ORDER BY t.done_on IS NOT NULL, t.due_on, t.id LIMIT $2 OFFSET $3"
    ))
    .bind(agency.0)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok((rows, total))
}

#[tracing::instrument(skip_all, fields(item = %id))]
pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Option<TrackedRow>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

#[tracing::instrument(skip_all, fields(item = %id))]
/// Marks an open item done; `false` when it was done already (by a concurrent request too).
pub async fn mark_done(
    conn: &mut PgConnection,
    id: Uuid,
    on: NaiveDate,
    by: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE tracking_items SET done_on = $2, done_by = $3 WHERE id = $1 AND done_on IS NULL",
    )
    .bind(id)
    .bind(on)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Every open tracked item, for the reminder job (acting as the owner).
#[tracing::instrument(skip_all)]
pub async fn open_items(conn: &mut PgConnection) -> Result<Vec<TrackedRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE t.done_on IS NULL ORDER BY t.due_on"
    ))
    .fetch_all(conn)
    .await
}
