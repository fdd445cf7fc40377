//! Outgoing webhooks' storage: the endpoints an agency's administrator configures (row-level
//! security keeps them to that administrator), the outbox of deliveries and the log of attempts.
//! Events are queued on the transaction that records them; the job claims a delivery with
//! `FOR UPDATE SKIP LOCKED` in one committed statement that leases it, so no transaction is
//! open across the HTTP call and several portal processes deliver each once.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::webhooks::{AfterAttempt, Occurrence};
use crate::domain::AgencyId;

/// An endpoint as the pages show it: never its sealed secret.
#[derive(Debug, Clone, FromRow)]
pub struct Endpoint {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub address: String,
    pub secret_hint: String,
    pub created_at: DateTime<Utc>,
    /// The event names it hears (domain::webhooks::hears).
    pub events: Vec<String>,
    pub paused: bool,
}

/// A new endpoint, its secret already sealed.
pub struct NewEndpoint<'a> {
    pub id: Uuid,
    pub agency: AgencyId,
    pub name: &'a str,
    pub kind: &'a str,
    pub address: &'a str,
    pub secret_sealed: &'a [u8],
    pub secret_hint: &'a str,
    pub created_by: Uuid,
}

#[tracing::instrument(skip_all)]
pub async fn insert_endpoint(
    conn: &mut PgConnection,
    e: &NewEndpoint<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_endpoints \
             (id, agency_id, name, kind, address, secret_sealed, secret_hint, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.id)
    .bind(e.agency.0)
    .bind(e.name)
    .bind(e.kind)
    .bind(e.address)
    .bind(e.secret_sealed)
    .bind(e.secret_hint)
    .bind(e.created_by)
    .execute(conn)
    .await?;
    Ok(())
}

const ENDPOINT_COLUMNS: &str = "id, name, kind, address, secret_hint, created_at, events, paused";

/// What an endpoint hears and whether it is paused. False when it is not the agency's.
#[tracing::instrument(skip_all)]
pub async fn set_choices(
    conn: &mut PgConnection,
    agency: AgencyId,
    id: Uuid,
    events: &[&str],
    paused: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE webhook_endpoints SET events = $3, paused = $4 WHERE agency_id = $1 AND id = $2",
    )
    .bind(agency.0)
    .bind(id)
    .bind(events)
    .bind(paused)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[tracing::instrument(skip_all)]
pub async fn list_endpoints(
    conn: &mut PgConnection,
    agency: AgencyId,
) -> Result<Vec<Endpoint>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE agency_id = $1 \
         ORDER BY created_at, id"
    ))
    .bind(agency.0)
    .fetch_all(conn)
    .await
}

/// One endpoint of `agency` (None for another agency's, or one that does not exist).
#[tracing::instrument(skip_all)]
pub async fn get_endpoint(
    conn: &mut PgConnection,
    agency: AgencyId,
    id: Uuid,
) -> Result<Option<Endpoint>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE agency_id = $1 AND id = $2"
    ))
    .bind(agency.0)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Deletes the endpoint and, with it, what it has not delivered yet; its log stays.
#[tracing::instrument(skip_all)]
pub async fn delete_endpoint(
    conn: &mut PgConnection,
    agency: AgencyId,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM webhook_endpoints WHERE agency_id = $1 AND id = $2")
        .bind(agency.0)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

fn level(l: Option<u8>) -> Option<i16> {
    l.map(i16::from)
}

/// Queues an incident's event for the endpoints of `agencies`, on the acting user's
/// transaction (through the owner's function: the endpoints are not the user's to see).
#[tracing::instrument(skip_all, fields(event = o.event.name()))]
pub async fn enqueue(
    conn: &mut PgConnection,
    incident: Uuid,
    agencies: &[AgencyId],
    o: &Occurrence,
) -> Result<i32, sqlx::Error> {
    let agencies: Vec<Uuid> = agencies.iter().map(|a| a.0).collect();
    sqlx::query_scalar("SELECT portal_webhook_enqueue($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(incident)
        .bind(&agencies)
        .bind(o.event.name())
        .bind(&o.kind)
        .bind(&o.number)
        .bind(level(o.level))
        .bind(level(o.level_from))
        .bind(o.deadline)
        .bind(o.occurred_at)
        .fetch_one(conn)
        .await
}

/// `enqueue` for the jobs, which act as the owner for no user.
#[tracing::instrument(skip_all, fields(event = o.event.name()))]
pub async fn enqueue_as_system(
    conn: &mut PgConnection,
    agencies: &[AgencyId],
    o: &Occurrence,
) -> Result<u64, sqlx::Error> {
    let agencies: Vec<Uuid> = agencies.iter().map(|a| a.0).collect();
    let done = sqlx::query(
        "INSERT INTO webhook_deliveries (agency_id, endpoint_id, event, kind, incident_id, \
             number, level, level_from, deadline, occurred_at) \
         SELECT e.agency_id, e.id, $2, $3, $4, $5, $6, $7, $8, $9 \
         FROM webhook_endpoints e \
         WHERE e.agency_id = ANY ($1) AND NOT e.paused AND $2 = ANY (e.events)",
    )
    .bind(&agencies)
    .bind(o.event.name())
    .bind(&o.kind)
    .bind(o.incident)
    .bind(&o.number)
    .bind(level(o.level))
    .bind(level(o.level_from))
    .bind(o.deadline)
    .bind(o.occurred_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Queues a test event for one endpoint of the administrator's agency.
#[tracing::instrument(skip_all)]
pub async fn queue_test(
    conn: &mut PgConnection,
    agency: AgencyId,
    endpoint: Uuid,
    o: &Occurrence,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_deliveries (agency_id, endpoint_id, event, kind, occurred_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(agency.0)
    .bind(endpoint)
    .bind(o.event.name())
    .bind(&o.kind)
    .bind(o.occurred_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The agencies above `agency` in the supervision chain (the reminders' receivers beside it).
#[tracing::instrument(skip_all)]
pub async fn agencies_above(
    conn: &mut PgConnection,
    agency: Uuid,
) -> Result<Vec<AgencyId>, sqlx::Error> {
    let ids: Vec<Uuid> =
        sqlx::query_scalar("SELECT above FROM agency_reach WHERE below = $1 AND above <> below")
            .bind(agency)
            .fetch_all(conn)
            .await?;
    Ok(ids.into_iter().map(AgencyId).collect())
}

/// A delivery claimed for sending, with its endpoint.
#[derive(Debug, FromRow)]
pub struct DueDelivery {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub endpoint_id: Uuid,
    pub endpoint_name: String,
    pub endpoint_kind: String,
    pub address: String,
    pub secret_sealed: Vec<u8>,
    pub event: String,
    pub kind: String,
    pub incident_id: Option<Uuid>,
    pub number: String,
    pub level: Option<i16>,
    pub level_from: Option<i16>,
    pub deadline: Option<DateTime<Utc>>,
    pub occurred_at: DateTime<Utc>,
    /// Counting this one.
    pub attempts: i32,
}

/// Claims the next due delivery for this node in one statement that commits at once: its
/// attempt is counted and it is leased for `lease_seconds`, so another node takes it only if
/// this one dies before recording the attempt (the delivery id lets the receiver drop the copy).
#[tracing::instrument(skip_all)]
pub async fn claim_due(
    pool: &PgPool,
    lease_seconds: i64,
) -> Result<Option<DueDelivery>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE webhook_deliveries d SET attempts = d.attempts + 1, \
             next_attempt_at = now() + make_interval(secs => $1) \
         FROM webhook_endpoints e \
         WHERE d.id = (SELECT id FROM webhook_deliveries \
                 WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now() \
                 ORDER BY next_attempt_at, created_at LIMIT 1 FOR UPDATE SKIP LOCKED) \
           AND e.id = d.endpoint_id \
         RETURNING d.id, d.agency_id, d.endpoint_id, e.name AS endpoint_name, \
             e.kind AS endpoint_kind, e.address, e.secret_sealed, d.event, d.kind, \
             d.incident_id, d.number, d.level, d.level_from, d.deadline, d.occurred_at, \
             d.attempts",
    )
    .bind(lease_seconds as f64)
    .fetch_optional(pool)
    .await
}

/// Logs the attempt and settles the delivery as the domain said (delivered, retried at a time,
/// given up on), in one statement.
#[tracing::instrument(skip_all, fields(delivery = %d.id))]
pub async fn record_attempt(
    pool: &PgPool,
    d: &DueDelivery,
    http_status: Option<u16>,
    error: Option<&str>,
    after: AfterAttempt,
) -> Result<(), sqlx::Error> {
    let (delivered, retry_at) = match after {
        AfterAttempt::Delivered => (true, None),
        AfterAttempt::RetryAt(at) => (false, Some(at)),
        AfterAttempt::GiveUp => (false, None),
    };
    sqlx::query(
        "WITH logged AS (INSERT INTO webhook_attempts (agency_id, delivery_id, endpoint_id, \
                 endpoint_name, event, number, attempt, http_status, error) \
             VALUES ($2, $1, $3, $4, $5, $6, $7, $8, $9)) \
         UPDATE webhook_deliveries SET \
             delivered_at = CASE WHEN $10 THEN now() END, \
             failed_at = CASE WHEN NOT $10 AND $11::timestamptz IS NULL THEN now() END, \
             next_attempt_at = coalesce($11, next_attempt_at), \
             last_error = CASE WHEN $10 THEN NULL ELSE coalesce($9, 'HTTP ' || $8) END \
         WHERE id = $1",
    )
    .bind(d.id)
    .bind(d.agency_id)
    .bind(d.endpoint_id)
    .bind(&d.endpoint_name)
    .bind(&d.event)
    .bind(&d.number)
    .bind(d.attempts)
    .bind(http_status.map(i32::from))
    .bind(error)
    .bind(delivered)
    .bind(retry_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// One attempt in the delivery log.
#[derive(Debug, Clone, FromRow)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub event: String,
    pub number: String,
    pub endpoint_name: String,
    pub endpoint_gone: bool,
    pub attempt: i32,
    pub http_status: Option<i32>,
    pub error: Option<String>,
    pub delivery_id: Uuid,
    /// This was the delivery's last attempt, and it was given up on.
    pub given_up: bool,
}

/// The agency's delivery log, newest first, and how many attempts it holds.
#[tracing::instrument(skip_all)]
pub async fn attempts(
    conn: &mut PgConnection,
    agency: AgencyId,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Attempt>, i64), sqlx::Error> {
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM webhook_attempts WHERE agency_id = $1")
            .bind(agency.0)
            .fetch_one(&mut *conn)
            .await?;
    let rows = sqlx::query_as(
        "SELECT a.at, a.event, a.number, a.endpoint_name, a.endpoint_id IS NULL AS endpoint_gone, \
             a.attempt, a.http_status, a.error, a.delivery_id, \
             coalesce(d.failed_at IS NOT NULL AND d.attempts = a.attempt, false) AS given_up \
         FROM webhook_attempts a LEFT JOIN webhook_deliveries d ON d.id = a.delivery_id \
         WHERE a.agency_id = $1 ORDER BY a.at DESC, a.id DESC LIMIT $2 OFFSET $3",
    )
    .bind(agency.0)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok((rows, total))
}
