//! Outgoing webhooks: an agency administrator's endpoints, their test events and delivery log;
//! and queuing an incident's events for the endpoints that hear them, on the transaction that
//! records the change (an event is never lost, nor sent for a change rolled back). The rules
//! are `domain::webhooks`'; delivery is the job's (`jobs::send_webhooks`).

use chrono::{DateTime, Utc};
use rand::RngCore;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::db::{self, webhooks::Attempt, webhooks::Endpoint};
use crate::domain::audit::AuditKind;
use crate::domain::notifications::Event;
use crate::domain::webhooks::{self, EndpointInput, IncidentRef, SecretKey, NONCE_LEN};
use crate::domain::{Incident, IncidentEvent};
use crate::error::AppError;
use crate::services::{audit, denied, Acting};

/// Queues the webhook events of an applied change to `i`, on the caller's transaction.
pub async fn queue_for_incident(
    conn: &mut PgConnection,
    i: &Incident,
    notices: &[Event],
    entries: &[IncidentEvent],
    next_due: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    let incident = IncidentRef {
        id: i.id,
        number: &i.number,
        level: i.level.number(),
        next_due,
    };
    let occurrences = webhooks::occurrences(incident, notices, entries, Utc::now());
    if occurrences.is_empty() {
        return Ok(());
    }
    let agencies = webhooks::receiving_agencies(i.agency, &i.oversight.chain);
    for o in &occurrences {
        db::webhooks::enqueue(conn, i.id, &agencies, o).await?;
    }
    Ok(())
}

fn may_configure(me: Acting<'_>) -> Result<(), AppError> {
    webhooks::may_configure(&me.actor(), me.user.agency_id).map_err(denied)
}

/// The administrator's agency's endpoints.
#[tracing::instrument(skip_all)]
pub async fn endpoints(pool: &PgPool, me: Acting<'_>) -> Result<Vec<Endpoint>, AppError> {
    may_configure(me)?;
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let list = db::webhooks::list_endpoints(&mut tx, me.user.agency_id).await?;
    tx.commit().await?;
    Ok(list)
}

/// One endpoint of the administrator's agency: another agency's is not found.
#[tracing::instrument(skip_all)]
pub async fn endpoint(pool: &PgPool, me: Acting<'_>, id: Uuid) -> Result<Endpoint, AppError> {
    may_configure(me)?;
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let found = db::webhooks::get_endpoint(&mut tx, me.user.agency_id, id).await?;
    tx.commit().await?;
    found.ok_or(AppError::NotFound)
}

/// Adds an endpoint, its secret sealed under `key`; the fields that are wrong otherwise.
#[tracing::instrument(skip_all)]
pub async fn add(
    pool: &PgPool,
    me: Acting<'_>,
    key: &SecretKey,
    input: &EndpointInput,
) -> Result<Uuid, AppError> {
    may_configure(me)?;
    let checked = webhooks::check_endpoint(input).map_err(AppError::Invalid)?;
    let id = Uuid::new_v4();
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealed = key.seal(id, &checked.secret, nonce);
    let hint = webhooks::secret_hint(&checked.secret);
    let mut tx = db::begin_as(pool, me.user.id).await?;
    db::webhooks::insert_endpoint(
        &mut tx,
        &db::webhooks::NewEndpoint {
            id,
            agency: me.user.agency_id,
            name: &checked.name,
            kind: checked.kind.as_str(),
            address: &checked.address,
            secret_sealed: &sealed,
            secret_hint: &hint,
            created_by: me.user.id,
        },
    )
    .await?;
    // Where the agency's incidents are told is the administrator's to answer for: on record,
    // with what kind and where (never the secret).
    let detail = format!(
        "{} ({}) {}",
        checked.name,
        checked.kind.as_str(),
        checked.address
    );
    audit::note(
        &mut tx,
        me.user.agency_id.0,
        Some(me.user.id),
        None,
        AuditKind::WebhookAdded,
        detail.trim_end(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[tracing::instrument(skip_all)]
pub async fn delete(pool: &PgPool, me: Acting<'_>, id: Uuid) -> Result<(), AppError> {
    may_configure(me)?;
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let Some(gone) = db::webhooks::get_endpoint(&mut tx, me.user.agency_id, id).await? else {
        return Err(AppError::NotFound);
    };
    db::webhooks::delete_endpoint(&mut tx, me.user.agency_id, id).await?;
    let detail = format!("{} ({})", gone.name, gone.kind);
    let kind = AuditKind::WebhookDeleted;
    audit::note(
        &mut tx,
        me.user.agency_id.0,
        Some(me.user.id),
        None,
        kind,
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets which events the endpoint hears and whether it is paused; on the audit log.
#[tracing::instrument(skip_all)]
pub async fn set_choices(
    pool: &PgPool,
    me: Acting<'_>,
    id: Uuid,
    ticked: &[String],
    paused: bool,
) -> Result<(), AppError> {
    may_configure(me)?;
    let agency = me.user.agency_id;
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let Some(e) = db::webhooks::get_endpoint(&mut tx, agency, id).await? else {
        return Err(AppError::NotFound);
    };
    let events = webhooks::check_events(ticked).map_err(AppError::Invalid)?;
    let names: Vec<&str> = events.iter().map(|e| e.name()).collect();
    db::webhooks::set_choices(&mut tx, agency, id, &names, paused).await?;
    let state = if paused { "paused" } else { "active" };
    let detail = format!("{} ({}): {state}; {}", e.name, e.kind, names.join(", "));
    let kind = AuditKind::WebhookChanged;
    audit::note(&mut tx, agency.0, Some(me.user.id), None, kind, &detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Queues a test event for the endpoint; the job delivers it like any other.
#[tracing::instrument(skip_all)]
pub async fn send_test(pool: &PgPool, me: Acting<'_>, id: Uuid) -> Result<(), AppError> {
    may_configure(me)?;
    let agency = me.user.agency_id;
    let mut tx = db::begin_as(pool, me.user.id).await?;
    if db::webhooks::get_endpoint(&mut tx, agency, id)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    db::webhooks::queue_test(&mut tx, agency, id, &webhooks::test_occurrence(Utc::now())).await?;
    tx.commit().await?;
    Ok(())
}

/// The agency's delivery log, one page of it, and how many attempts it holds.
#[tracing::instrument(skip_all)]
pub async fn log(
    pool: &PgPool,
    me: Acting<'_>,
    page: db::PageRequest,
) -> Result<(Vec<Attempt>, i64), AppError> {
    may_configure(me)?;
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let out =
        db::webhooks::attempts(&mut tx, me.user.agency_id, page.offset(), page.limit()).await?;
    tx.commit().await?;
    Ok(out)
}
