//! The timeline's integrity, for the system (CLI, start-up, jobs), as the database owner: verify
//! every chain under the key and against the signed checkpoints, checkpoint the chain heads, and
//! re-link once the chains written before the key.

use std::collections::HashMap;

use chrono::Utc;
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::timeline::{self, Break, Relinked};
use crate::domain::chain::{ChainKey, Checkpoint, LogLine};
use crate::timeline_log::CheckpointLog;

/// Checks every chain under `key`, and every entry the checkpoint file covers against it.
/// Returns the entries checked and the first break. A checkpoint file that does not read under
/// the key is an error (it was altered, or the key is not the one it was written under).
pub async fn verify(
    owner: &PgPool,
    key: &ChainKey,
    log: &CheckpointLog,
) -> anyhow::Result<(u64, Option<Break>)> {
    let contents = log.read(key)?;
    let mut conn = owner.acquire().await?;
    Ok(timeline::verify_all(&mut conn, key, &contents.checkpoints).await?)
}

/// Appends a signed checkpoint of each chain head that moved since its last checkpoint. Returns
/// how many heads were recorded.
pub async fn checkpoint(
    owner: &PgPool,
    key: &ChainKey,
    log: &CheckpointLog,
) -> anyhow::Result<usize> {
    // The last checkpoint of each chain, as the file has it (its lines come in the order they
    // were taken, so the map keeps each chain's last), kept compact: at a million chains this
    // map is what the round holds; the heads stream past it from the database.
    let mut recorded: HashMap<Uuid, (i32, [u8; 32])> = HashMap::new();
    log.visit(key, |line| {
        if let LogLine::Checkpoint(c) = line {
            if let Ok(hash) = <[u8; 32]>::try_from(c.hash.as_slice()) {
                recorded.insert(c.incident_id, (c.seq, hash));
            }
        }
    })?;
    let at = Utc::now();
    let mut conn = owner.acquire().await?;
    let mut lines: Vec<LogLine> = Vec::new();
    {
        use futures_util::TryStreamExt;
        let mut heads = timeline::stream_heads(&mut conn);
        while let Some((incident_id, seq, hash)) = heads.try_next().await? {
            let unchanged = recorded
                .get(&incident_id)
                .is_some_and(|(s, h)| *s == seq && h.as_slice() == hash.as_slice());
            if !unchanged {
                lines.push(LogLine::Checkpoint(Checkpoint {
                    incident_id,
                    seq,
                    hash,
                    at,
                }));
            }
        }
    }
    drop(conn);
    drop(recorded);
    log.append(key, &lines)?;
    Ok(lines.len())
}

/// Re-links under `key` the chains written with plain SHA-256 links, once: the checkpoint file
/// records that it was done, and from then on nothing is re-linked again, so plain-linked rows
/// planted later fail verification instead of being vouched for. Returns what was re-linked,
/// or `None` when it had been done already.
pub async fn relink_once(
    owner: &PgPool,
    key: &ChainKey,
    log: &CheckpointLog,
) -> anyhow::Result<Option<Relinked>> {
    if log.relinked(key)? {
        return Ok(None);
    }
    let mut tx = owner.begin().await?;
    let done = timeline::relink_plain(&mut tx, key).await?;
    tx.commit().await?;
    // Recorded after the commit: a crash in between re-links nothing the next time (the rows are
    // linked under the key now) and records it then.
    log.append(
        key,
        &[LogLine::Relinked {
            at: Utc::now(),
            entries: done.entries,
        }],
    )?;
    if done.entries > 0 || !done.refused.is_empty() {
        tracing::info!(
            chains = done.chains,
            entries = done.entries,
            refused = done.refused.len(),
            "timeline re-linked under the key"
        );
    }
    Ok(Some(done))
}
