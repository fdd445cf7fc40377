//! The session store: tower-sessions' records, msgpack-encoded as its PostgreSQL store does,
//! kept through `db::sessions` so that the application role never reads the session table.
//!
//! The session expires after a period of inactivity, so every request would write its record
//! back with a later expiry; the store writes it only when its data changed or when the stored
//! expiry is at least `EXPIRY_SLACK` behind (#16). The idle timeout is therefore exact to within
//! a minute; the record seen at load time is remembered per process (nothing is shared between
//! nodes: a node that did not load the record just writes it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use sqlx::PgPool;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use crate::db;

/// How far behind the stored expiry may fall before an unchanged session is written again.
const EXPIRY_SLACK: time::Duration = time::Duration::minutes(1);
/// Records remembered at most; past it the memory starts again empty (a few writes more).
const REMEMBERED: usize = 100_000;

#[derive(Clone, Debug)]
pub struct SessionTable {
    pool: PgPool,
    /// What the table holds for each session this process loaded or wrote last.
    stored: Arc<Mutex<HashMap<Id, Record>>>,
}

impl SessionTable {
    pub fn new(pool: PgPool) -> Self {
        SessionTable {
            pool,
            stored: Arc::default(),
        }
    }

    fn remember(&self, record: &Record) {
        let mut stored = self.stored.lock().unwrap_or_else(|e| e.into_inner());
        if stored.len() >= REMEMBERED {
            stored.clear();
        }
        stored.insert(record.id, record.clone());
    }

    fn forget(&self, id: &Id) {
        self.stored
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }

    /// Whether the table already holds `record` but for an expiry less than the slack earlier.
    fn already_stored(&self, record: &Record) -> bool {
        let stored = self.stored.lock().unwrap_or_else(|e| e.into_inner());
        stored.get(&record.id).is_some_and(|s| {
            s.data == record.data
                && s.expiry_date <= record.expiry_date
                && record.expiry_date - s.expiry_date < EXPIRY_SLACK
        })
    }
}

fn backend(e: sqlx::Error) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn encode(record: &Record) -> session_store::Result<Vec<u8>> {
    rmp_serde::to_vec(record).map_err(|e| session_store::Error::Encode(e.to_string()))
}

fn expiry(record: &Record) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(record.expiry_date.unix_timestamp(), 0).unwrap_or_default()
}

#[async_trait]
impl SessionStore for SessionTable {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let data = encode(record)?;
            let id = record.id.to_string();
            if db::sessions::save(&self.pool, &id, &data, expiry(record), true)
                .await
                .map_err(backend)?
            {
                self.remember(record);
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        if self.already_stored(record) {
            return Ok(());
        }
        let data = encode(record)?;
        db::sessions::save(
            &self.pool,
            &record.id.to_string(),
            &data,
            expiry(record),
            false,
        )
        .await
        .map_err(backend)?;
        self.remember(record);
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match db::sessions::load(&self.pool, &id.to_string())
            .await
            .map_err(backend)?
        {
            Some(data) => {
                let record: Record = rmp_serde::from_slice(&data)
                    .map_err(|e| session_store::Error::Decode(e.to_string()))?;
                self.remember(&record);
                Ok(Some(record))
            }
            None => {
                self.forget(id);
                Ok(None)
            }
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.forget(id);
        db::sessions::delete(&self.pool, &id.to_string())
            .await
            .map_err(backend)
    }
}
