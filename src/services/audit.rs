//! The audit log of accounts, rights and 密件 reports (#14 item 7): written in the same
//! transaction as what it records, read on the audit page, verified with the timeline key.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::db;
use crate::db::audit::{AuditFilter, AuditRow, NewAuditEntry};
use crate::domain::audit::{self as rules, AuditKind, AuditScope};
use crate::domain::chain::ChainKey;
use crate::error::AppError;
use crate::services::Acting;

/// Who did what to whom, in `agency`'s chain, inside the caller's transaction: if the action
/// rolls back, so does its entry.
pub async fn note(
    conn: &mut PgConnection,
    agency: Uuid,
    actor: Option<Uuid>,
    subject: Option<Uuid>,
    kind: AuditKind,
    detail: &str,
) -> Result<(), sqlx::Error> {
    db::audit::append(
        conn,
        &NewAuditEntry {
            agency_id: agency,
            actor_id: actor,
            subject_id: subject,
            incident_id: None,
            kind,
            detail,
        },
    )
    .await
}

/// A 密件 report shown or downloaded, in the incident's agency's chain.
pub async fn note_classified_report(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
    incident_agency: Uuid,
    kind: AuditKind,
    report: &str,
) -> Result<(), AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    db::audit::append(
        &mut tx,
        &NewAuditEntry {
            agency_id: incident_agency,
            actor_id: Some(me.user.id),
            subject_id: None,
            incident_id: Some(incident),
            kind,
            detail: report,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What the audit page filters by, as typed.
#[derive(Debug, Default, Clone)]
pub struct LogQuery {
    pub kind: Option<AuditKind>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// One page of the entries `me` may read (`domain::audit::scope_of`), newest first.
pub async fn page(
    pool: &PgPool,
    me: Acting<'_>,
    q: &LogQuery,
    offset: i64,
    limit: i64,
) -> Result<(Vec<AuditRow>, i64), AppError> {
    let scope = rules::scope_of(&me.actor()).map_err(crate::services::denied)?;
    let filter = AuditFilter {
        agencies: match scope {
            AuditScope::Every => None,
            AuditScope::Own(a) => Some(vec![a.0]),
        },
        kind: q.kind,
        from: q.from,
        until: q.until,
    };
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let out = db::audit::list(&mut tx, &filter, offset, limit).await?;
    tx.commit().await?;
    Ok(out)
}

/// Checks every agency's chain with the key (the owner's pool: all agencies): how many entries
/// were checked, and the first break.
pub async fn verify(
    owner: &PgPool,
    key: &ChainKey,
) -> Result<(usize, Option<(Uuid, i64, &'static str)>), AppError> {
    let mut conn = owner.acquire().await?;
    let all = db::audit::chains(&mut conn).await?;
    let mut start = 0;
    while start < all.len() {
        let agency = all[start].0.agency_id;
        let end = all[start..]
            .iter()
            .position(|(e, _)| e.agency_id != agency)
            .map_or(all.len(), |n| start + n);
        if let Some((seq, reason)) = rules::first_break(key, &all[start..end]) {
            return Ok((all.len(), Some((agency, seq, reason))));
        }
        start = end;
    }
    Ok((all.len(), None))
}
