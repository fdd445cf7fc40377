//! The incident timeline: append-only, each entry carrying the hash of the one before, so that
//! a row altered behind the portal's back breaks the chain (`portal verify-timeline`).

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use crate::domain::{AgencyId, IncidentEvent};

#[derive(Debug, Clone, FromRow)]
pub struct Entry {
    pub incident_id: Uuid,
    pub agency_id: Uuid,
    pub seq: i32,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor_agency_id: Option<Uuid>,
    pub kind: String,
    pub body: String,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// The hash of an entry: everything it says, and the hash before it.
pub fn entry_hash(e: &Entry) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(&e.prev_hash);
    for part in [
        e.incident_id.to_string(),
        e.agency_id.to_string(),
        e.seq.to_string(),
        e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        e.actor_id.map(|x| x.to_string()).unwrap_or_default(),
        e.actor_agency_id.map(|x| x.to_string()).unwrap_or_default(),
        e.kind.clone(),
        e.body.clone(),
    ] {
        // Length-prefixed, so that moving text between fields changes the hash.
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().to_vec()
}

pub struct Actor {
    pub user: Uuid,
    pub agency: AgencyId,
}

/// Appends an entry. The caller holds the incident row locked (`FOR UPDATE`), which orders
/// concurrent appends to one incident.
#[tracing::instrument(skip_all)]
pub async fn append(
    conn: &mut PgConnection,
    incident: Uuid,
    agency: AgencyId,
    actor: Option<&Actor>,
    kind: &str,
    body: &impl Serialize,
) -> Result<(), sqlx::Error> {
    let last: Option<(i32, Vec<u8>)> = sqlx::query_as(
        "SELECT seq, hash FROM timeline_entries WHERE incident_id = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(incident)
    .fetch_optional(&mut *conn)
    .await?;
    let (seq, prev_hash) = last.map_or((1, vec![0u8; 32]), |(s, h)| (s + 1, h));
    let mut entry = Entry {
        incident_id: incident,
        agency_id: agency.0,
        seq,
        // PostgreSQL keeps microseconds: hash what will be stored.
        at: Utc::now().trunc_subsecs(6),
        actor_id: actor.map(|a| a.user),
        actor_agency_id: actor.map(|a| a.agency.0),
        kind: kind.to_string(),
        body: serde_json::to_string(body).map_err(|e| sqlx::Error::Encode(Box::new(e)))?,
        prev_hash,
        hash: Vec::new(),
    };
    entry.hash = entry_hash(&entry);
    sqlx::query(
        "INSERT INTO timeline_entries (incident_id, agency_id, seq, at, actor_id, actor_agency_id, kind, body, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(entry.incident_id)
    .bind(entry.agency_id)
    .bind(entry.seq)
    .bind(entry.at)
    .bind(entry.actor_id)
    .bind(entry.actor_agency_id)
    .bind(&entry.kind)
    .bind(&entry.body)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .execute(conn)
    .await?;
    Ok(())
}

/// Appends one of the procedure's own events ([`IncidentEvent`]): its kind and its body.
#[tracing::instrument(skip_all)]
pub async fn append_event(
    conn: &mut PgConnection,
    incident: Uuid,
    agency: AgencyId,
    actor: Option<&Actor>,
    event: &IncidentEvent,
) -> Result<(), sqlx::Error> {
    let tagged = serde_json::to_value(event).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let body = tagged
        .get("body")
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    append(conn, incident, agency, actor, event.kind(), &body).await
}

const COLUMNS: &str =
    "incident_id, agency_id, seq, at, actor_id, actor_agency_id, kind, body, prev_hash, hash";

/// An incident's entries with the actor's display name, oldest first.
#[tracing::instrument(skip_all)]
pub async fn for_incident(
    conn: &mut PgConnection,
    incident: Uuid,
) -> Result<Vec<(Entry, Option<String>)>, sqlx::Error> {
    #[derive(FromRow)]
    struct Row {
        #[sqlx(flatten)]
        entry: Entry,
        actor_name: Option<String>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT t.incident_id, t.agency_id, t.seq, t.at, t.actor_id, t.actor_agency_id, t.kind, t.body, \
         t.prev_hash, t.hash, u.display_name AS actor_name \
         FROM timeline_entries t LEFT JOIN users u ON u.id = t.actor_id \
         WHERE t.incident_id = $1 ORDER BY t.seq",
    )
    .bind(incident)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.entry, r.actor_name)).collect())
}

/// A break in a chain: the first entry whose hash or link does not hold.
#[derive(Debug, PartialEq, Eq)]
pub struct Break {
    pub incident_id: Uuid,
    pub seq: i32,
    pub reason: &'static str,
}

/// Walks every chain (as the owner, past row-level security). Returns the entries checked and
/// the first break, if any.
#[tracing::instrument(skip_all)]
pub async fn verify_all(conn: &mut PgConnection) -> Result<(u64, Option<Break>), sqlx::Error> {
    use futures_util::TryStreamExt;
    let sql = format!("SELECT {COLUMNS} FROM timeline_entries ORDER BY incident_id, seq");
    let mut rows = sqlx::query_as::<_, Entry>(&sql).fetch(conn);
    let mut checked = 0u64;
    let mut previous: Option<Entry> = None;
    while let Some(e) = rows.try_next().await? {
        checked += 1;
        let expected_prev = match &previous {
            Some(p) if p.incident_id == e.incident_id => Some(p.hash.clone()),
            _ => None,
        };
        let link_ok = match &expected_prev {
            Some(h) => e.prev_hash == *h && e.seq == previous.as_ref().map_or(0, |p| p.seq) + 1,
            None => e.seq == 1 && e.prev_hash == vec![0u8; 32],
        };
        let brk = |reason| Break {
            incident_id: e.incident_id,
            seq: e.seq,
            reason,
        };
        if !link_ok {
            return Ok((checked, Some(brk("does not follow the entry before it"))));
        }
        if entry_hash(&e) != e.hash {
            return Ok((checked, Some(brk("its content does not match its hash"))));
        }
        previous = Some(e);
    }
    Ok((checked, None))
}

#[derive(Debug, FromRow)]
pub struct LevelChange {
    pub at: DateTime<Utc>,
    pub incident_id: Uuid,
    pub number: String,
    pub body: String,
    pub reviewer: Option<String>,
}

/// Level reviews across the incidents the acting user may see, newest first.
#[tracing::instrument(skip_all)]
pub async fn level_changes(
    conn: &mut PgConnection,
    offset: i64,
    limit: i64,
) -> Result<Vec<LevelChange>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.at, t.incident_id, i.number, t.body, u.display_name AS reviewer \
         FROM timeline_entries t JOIN incidents i ON i.id = t.incident_id LEFT JOIN users u ON u.id = t.actor_id \
         WHERE t.kind = 'level_reviewed' ORDER BY t.at DESC, t.id DESC LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await
}
