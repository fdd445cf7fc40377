//! The incident timeline: append-only, each entry linked to the one before it by an HMAC under
//! the timeline key (`domain::chain`), which the database does not hold, so that a row altered
//! behind the portal's back breaks the chain (`portal verify-timeline`) even when the chain is
//! recomputed: that takes the key.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use crate::domain::chain::{ChainKey, Checkpoint, LINK_HMAC_SHA256, LINK_PLAIN_SHA256};
use crate::domain::retention::{self, Attestation};
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
    /// `domain::chain::LINK_*`: how `hash` was computed.
    pub link_version: i16,
    /// The seq of the attestation entry that rewrote the body (a purge or a redaction,
    /// `domain::retention`); `hash` is the link of the body before.
    pub rewritten_by: Option<i32>,
}

/// What an entry says, field by field, as its link covers it.
fn parts(e: &Entry) -> [String; 8] {
    [
        e.incident_id.to_string(),
        e.agency_id.to_string(),
        e.seq.to_string(),
        e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        e.actor_id.map(|x| x.to_string()).unwrap_or_default(),
        e.actor_agency_id.map(|x| x.to_string()).unwrap_or_default(),
        e.kind.clone(),
        e.body.clone(),
    ]
}

/// The plain SHA-256 link of the first version (`LINK_PLAIN_SHA256`): kept to check the rows
/// written before the key, before they are re-linked under it.
pub fn entry_hash(e: &Entry) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(&e.prev_hash);
    for part in parts(e) {
        // Length-prefixed, so that moving text between fields changes the hash.
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().to_vec()
}

/// The keyed link of an entry (`LINK_HMAC_SHA256`): everything it says, and the link before it.
pub fn entry_link(key: &ChainKey, e: &Entry) -> Vec<u8> {
    let parts = parts(e);
    key.link(&e.prev_hash, parts.iter().map(|p| p.as_bytes()))
}

/// The key appends are linked under. One per process: it is configuration, read once at
/// start-up (`startup::timeline_key`), and every code path that appends (pages, API, demo
/// loading) would otherwise have to carry it.
static KEY: OnceLock<ChainKey> = OnceLock::new();

#[derive(Debug, thiserror::Error)]
#[error("this process already links the timeline under another key")]
pub struct AnotherKey;

/// Sets the key appends are linked under. Setting the same key again is allowed (several
/// applications in one test process); another key is refused.
pub fn install_key(key: &ChainKey) -> Result<(), AnotherKey> {
    let installed = KEY.get_or_init(|| key.clone());
    if installed == key {
        Ok(())
    } else {
        Err(AnotherKey)
    }
}

pub(crate) fn installed_key() -> Result<&'static ChainKey, sqlx::Error> {
    KEY.get().ok_or_else(|| {
        sqlx::Error::Configuration("no timeline key installed (startup::timeline_key)".into())
    })
}

pub struct Actor {
    pub user: Uuid,
    pub agency: AgencyId,
}

/// Appends an entry; answers its seq. The caller holds the incident row locked (`FOR UPDATE`),
/// which orders concurrent appends to one incident.
#[tracing::instrument(skip_all)]
pub async fn append(
    conn: &mut PgConnection,
    incident: Uuid,
    agency: AgencyId,
    actor: Option<&Actor>,
    kind: &str,
    body: &impl Serialize,
) -> Result<i32, sqlx::Error> {
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
        link_version: LINK_HMAC_SHA256,
        rewritten_by: None,
    };
    entry.hash = entry_link(installed_key()?, &entry);
    sqlx::query(
        "INSERT INTO timeline_entries (incident_id, agency_id, seq, at, actor_id, actor_agency_id, kind, body, prev_hash, hash, link_version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
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
    .bind(entry.link_version)
    .execute(conn)
    .await?;
    Ok(seq)
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
    append(conn, incident, agency, actor, event.kind(), &body).await?;
    Ok(())
}

const COLUMNS: &str = "incident_id, agency_id, seq, at, actor_id, actor_agency_id, kind, body, \
                       prev_hash, hash, link_version, rewritten_by";

/// An entry as a page shows it: the entry and its actor's display name.
type Shown = (Entry, Option<String>);

#[derive(FromRow)]
struct ShownRow {
    #[sqlx(flatten)]
    entry: Entry,
    actor_name: Option<String>,
}

const SHOWN: &str =
    "SELECT t.incident_id, t.agency_id, t.seq, t.at, t.actor_id, t.actor_agency_id, \
     t.kind, t.body, t.prev_hash, t.hash, t.link_version, t.rewritten_by, \
     u.display_name AS actor_name \
     FROM timeline_entries t LEFT JOIN users u ON u.id = t.actor_id WHERE t.incident_id = $1";

fn shown(rows: Vec<ShownRow>) -> Vec<Shown> {
    rows.into_iter().map(|r| (r.entry, r.actor_name)).collect()
}

/// An incident's entries with the actor's display name, oldest first.
#[tracing::instrument(skip_all)]
pub async fn for_incident(
    conn: &mut PgConnection,
    incident: Uuid,
) -> Result<Vec<Shown>, sqlx::Error> {
    let rows = sqlx::query_as(&format!("{SHOWN} ORDER BY t.seq"))
        .bind(incident)
        .fetch_all(conn)
        .await?;
    Ok(shown(rows))
}

/// Up to `limit` of an incident's entries before `before` (the newest when `None`), oldest
/// first: one read backwards along the `(incident_id, seq)` index, however long the timeline.
#[tracing::instrument(skip_all)]
pub async fn window_for_incident(
    conn: &mut PgConnection,
    incident: Uuid,
    before: Option<i32>,
    limit: i64,
) -> Result<Vec<Shown>, sqlx::Error> {
    let rows = sqlx::query_as(&format!(
        "SELECT * FROM ({SHOWN} AND ($2::int IS NULL OR t.seq < $2) ORDER BY t.seq DESC LIMIT $3) w \
         ORDER BY seq"
    ))
    .bind(incident)
    .bind(before)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(shown(rows))
}

/// An incident's entries of the given kinds, oldest first.
#[tracing::instrument(skip_all)]
pub async fn of_kinds_for_incident(
    conn: &mut PgConnection,
    incident: Uuid,
    kinds: &[&str],
) -> Result<Vec<Shown>, sqlx::Error> {
    let rows = sqlx::query_as(&format!("{SHOWN} AND t.kind = ANY($2) ORDER BY t.seq"))
        .bind(incident)
        .bind(kinds)
        .fetch_all(conn)
        .await?;
    Ok(shown(rows))
}

/// A break in a chain: the first entry whose link does not hold, or that a checkpoint covers and
/// no longer matches.
#[derive(Debug, PartialEq, Eq)]
pub struct Break {
    pub incident_id: Uuid,
    pub seq: i32,
    pub reason: &'static str,
}

/// Walks every chain (as the owner, past row-level security), checking each link under `key`
/// and each entry a checkpoint covers against it. Returns the entries checked and the first
/// break, if any.
#[tracing::instrument(skip_all)]
pub async fn verify_all(
    conn: &mut PgConnection,
    key: &ChainKey,
    checkpoints: &[Checkpoint],
) -> Result<(u64, Option<Break>), sqlx::Error> {
    use futures_util::TryStreamExt;
    // In the order the entries come (uuid and seq, as PostgreSQL sorts them: bytewise), so that
    // a checkpointed entry that is gone shows up as the first one passed over.
    let mut pending: BTreeMap<(Uuid, i32), &[u8]> = checkpoints
        .iter()
        .map(|c| ((c.incident_id, c.seq), c.hash.as_slice()))
        .collect();
    let missing = |(incident_id, seq): (Uuid, i32)| Break {
        incident_id,
        seq,
        reason: "a checkpoint covers it, but it is gone",
    };
    let attestations = attestations(&mut *conn).await?;
    let sql = format!("SELECT {COLUMNS} FROM timeline_entries ORDER BY incident_id, seq");
    let mut rows = sqlx::query_as::<_, Entry>(&sql).fetch(conn);
    let mut checked = 0u64;
    let mut previous: Option<Entry> = None;
    while let Some(e) = rows.try_next().await? {
        checked += 1;
        let here = (e.incident_id, e.seq);
        if let Some((&first, _)) = pending.first_key_value() {
            if first < here {
                return Ok((checked, Some(missing(first))));
            }
        }
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
        if e.link_version != LINK_HMAC_SHA256 {
            return Ok((
                checked,
                Some(brk(
                    "it is linked with plain SHA-256, not under the timeline key",
                )),
            ));
        }
        if !link_ok {
            return Ok((checked, Some(brk("does not follow the entry before it"))));
        }
        if let Some(by) = e.rewritten_by {
            // Rewritten by a purge or a redaction: the attestation later in the chain (whose
            // own link is checked when the walk reaches it) vouches for the new body under the
            // entry's unchanged link.
            let vouched = by > e.seq
                && attestations
                    .get(&(e.incident_id, by))
                    .is_some_and(|a| a.vouches_for(e.seq, &e.hash, &e.body));
            if !vouched {
                return Ok((
                    checked,
                    Some(brk(
                        "it was rewritten, and no attestation in its chain vouches for its body",
                    )),
                ));
            }
        } else if entry_link(key, &e) != e.hash {
            return Ok((
                checked,
                Some(brk(
                    "its content does not match its link under the timeline key",
                )),
            ));
        }
        if let Some(hash) = pending.remove(&here) {
            if hash != e.hash.as_slice() {
                return Ok((
                    checked,
                    Some(brk("it differs from what a signed checkpoint recorded")),
                ));
            }
        }
        previous = Some(e);
    }
    Ok((checked, pending.into_keys().next().map(missing)))
}

/// Every attestation entry (purges and redactions), by incident and seq: few, read before the
/// walk so that an entry is checked against the attestation that comes after it.
async fn attestations(
    conn: &mut PgConnection,
) -> Result<HashMap<(Uuid, i32), Attestation>, sqlx::Error> {
    let rows: Vec<(Uuid, i32, String)> =
        sqlx::query_as("SELECT incident_id, seq, body FROM timeline_entries WHERE kind = ANY($1)")
            .bind([retention::PURGE_KIND, retention::REDACTION_KIND])
            .fetch_all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(i, seq, body)| Some(((i, seq), serde_json::from_str(&body).ok()?)))
        .collect())
}

/// Rewrites the bodies of `incident`'s entries `(seq, body)` as attestation `by` (already
/// appended) lists them. The database's trigger refuses a rewrite the attestation does not list.
#[tracing::instrument(skip_all)]
pub async fn rewrite(
    conn: &mut PgConnection,
    incident: Uuid,
    by: i32,
    bodies: &[(i32, String)],
) -> Result<(), sqlx::Error> {
    let seqs: Vec<i32> = bodies.iter().map(|(s, _)| *s).collect();
    let texts: Vec<&str> = bodies.iter().map(|(_, b)| b.as_str()).collect();
    sqlx::query(
        "UPDATE timeline_entries t SET body = n.body, rewritten_by = $2 \
         FROM UNNEST($3::int[], $4::text[]) AS n (seq, body) \
         WHERE t.incident_id = $1 AND t.seq = n.seq",
    )
    .bind(incident)
    .bind(by)
    .bind(&seqs)
    .bind(&texts)
    .execute(conn)
    .await?;
    Ok(())
}

/// An incident's entries as stored (no names), oldest first: what a rewrite starts from.
#[tracing::instrument(skip_all)]
pub async fn chain(conn: &mut PgConnection, incident: Uuid) -> Result<Vec<Entry>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM timeline_entries WHERE incident_id = $1 ORDER BY seq");
    sqlx::query_as(&sql).bind(incident).fetch_all(conn).await
}

/// The head (last entry) of every chain linked under the key, one row at a time: a checkpoint
/// round over a million chains need not hold them all.
pub fn stream_heads(
    conn: &mut PgConnection,
) -> impl futures_util::Stream<Item = Result<(Uuid, i32, Vec<u8>), sqlx::Error>> + '_ {
    sqlx::query_as(HEADS).bind(LINK_HMAC_SHA256).fetch(conn)
}

const HEADS: &str =
    "SELECT DISTINCT ON (incident_id) incident_id, seq, hash FROM timeline_entries \
                     WHERE link_version = $1 ORDER BY incident_id, seq DESC";

/// What re-linking the plain SHA-256 chains did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Relinked {
    pub chains: u64,
    pub entries: u64,
    /// Chains left plain-linked because they did not verify as plain SHA-256 chains: re-linking
    /// them would vouch for whatever was altered. Verification reports them.
    pub refused: Vec<Uuid>,
}

/// Re-links under `key` every chain still linked with plain SHA-256 (rows from before the key),
/// after checking it as a plain chain. As the owner: the application role may not UPDATE the
/// timeline. One UPDATE per chain.
#[tracing::instrument(skip_all)]
pub async fn relink_plain(
    conn: &mut PgConnection,
    key: &ChainKey,
) -> Result<Relinked, sqlx::Error> {
    let incidents: Vec<Uuid> = sqlx::query_scalar(
        "SELECT DISTINCT incident_id FROM timeline_entries WHERE link_version = $1 ORDER BY incident_id",
    )
    .bind(LINK_PLAIN_SHA256)
    .fetch_all(&mut *conn)
    .await?;
    let mut done = Relinked::default();
    let sql = format!("SELECT {COLUMNS} FROM timeline_entries WHERE incident_id = $1 ORDER BY seq");
    for incident in incidents {
        let mut chain: Vec<Entry> = sqlx::query_as(&sql)
            .bind(incident)
            .fetch_all(&mut *conn)
            .await?;
        let mut prev = vec![0u8; 32];
        let intact = chain.iter().enumerate().all(|(n, e)| {
            let ok = e.link_version == LINK_PLAIN_SHA256
                && e.seq == n as i32 + 1
                && e.prev_hash == prev
                && entry_hash(e) == e.hash;
            prev = e.hash.clone();
            ok
        });
        if !intact {
            tracing::warn!(%incident, "timeline chain does not verify as plain SHA-256; left as it is");
            done.refused.push(incident);
            continue;
        }
        let mut prev = vec![0u8; 32];
        for e in &mut chain {
            e.prev_hash = prev;
            e.hash = entry_link(key, e);
            prev = e.hash.clone();
        }
        let seqs: Vec<i32> = chain.iter().map(|e| e.seq).collect();
        let prevs: Vec<Vec<u8>> = chain.iter().map(|e| e.prev_hash.clone()).collect();
        let hashes: Vec<Vec<u8>> = chain.iter().map(|e| e.hash.clone()).collect();
        sqlx::query(
            "UPDATE timeline_entries t SET prev_hash = n.prev_hash, hash = n.hash, link_version = $2 \
             FROM UNNEST($3::int[], $4::bytea[], $5::bytea[]) AS n (seq, prev_hash, hash) \
             WHERE t.incident_id = $1 AND t.seq = n.seq",
        )
        .bind(incident)
        .bind(LINK_HMAC_SHA256)
        .bind(&seqs)
        .bind(&prevs)
        .bind(&hashes)
        .execute(&mut *conn)
        .await?;
        done.chains += 1;
        done.entries += chain.len() as u64;
    }
    Ok(done)
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
