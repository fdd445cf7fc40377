//! Role changes: the record of every grant and removal, and the grants waiting for a second
//! person's confirmation.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::{AgencyId, Role};

fn names(roles: &[Role]) -> Vec<&'static str> {
    roles.iter().map(|r| r.as_str()).collect()
}

/// Records a change; a new grant for the user withdraws the one still waiting.
#[tracing::instrument(skip_all)]
pub async fn record(
    conn: &mut PgConnection,
    agency: AgencyId,
    user: Uuid,
    granted: &[Role],
    removed: &[Role],
    requested_by: Uuid,
    pending: bool,
) -> Result<(), sqlx::Error> {
    if pending {
        sqlx::query(
            "UPDATE role_changes SET state = 'withdrawn' \
             WHERE user_id = $1 AND agency_id = $2 AND state = 'pending'",
        )
        .bind(user)
        .bind(agency.0)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "INSERT INTO role_changes (agency_id, user_id, granted, removed, requested_by, state) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(agency.0)
    .bind(user)
    .bind(names(granted))
    .bind(names(removed))
    .bind(requested_by)
    .bind(if pending { "pending" } else { "applied" })
    .execute(conn)
    .await?;
    Ok(())
}

/// A grant waiting for confirmation.
#[derive(Debug, sqlx::FromRow)]
pub struct Pending {
    pub id: i64,
    pub user_id: Uuid,
    pub user_name: String,
    pub granted: Vec<String>,
    pub requested_by: Uuid,
    pub requested_by_name: String,
    pub requested_at: DateTime<Utc>,
}

const PENDING: &str = "SELECT c.id, c.user_id, u.display_name AS user_name, c.granted, \
     c.requested_by, r.display_name AS requested_by_name, c.requested_at \
     FROM role_changes c JOIN users u ON u.id = c.user_id JOIN users r ON r.id = c.requested_by \
     WHERE c.state = 'pending'";

/// The agency's grants waiting, oldest first.
#[tracing::instrument(skip_all)]
pub async fn pending_of_agency(
    conn: &mut PgConnection,
    agency: AgencyId,
) -> Result<Vec<Pending>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{PENDING} AND c.agency_id = $1 ORDER BY c.requested_at, c.id LIMIT 200"
    ))
    .bind(agency.0)
    .fetch_all(conn)
    .await
}

/// One waiting grant of the agency, locked until the decision is saved.
#[tracing::instrument(skip_all)]
pub async fn pending_for_update(
    conn: &mut PgConnection,
    agency: AgencyId,
    id: i64,
) -> Result<Option<Pending>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{PENDING} AND c.agency_id = $1 AND c.id = $2 FOR UPDATE OF c"
    ))
    .bind(agency.0)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Records the decision on a waiting grant.
#[tracing::instrument(skip_all)]
pub async fn decide(
    conn: &mut PgConnection,
    id: i64,
    by: Uuid,
    confirmed: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE role_changes SET state = $3, decided_by = $2, decided_at = now() \
         WHERE id = $1 AND state = 'pending'",
    )
    .bind(id)
    .bind(by)
    .bind(if confirmed { "confirmed" } else { "rejected" })
    .execute(conn)
    .await?;
    Ok(())
}
