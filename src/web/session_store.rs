//! The session store: tower-sessions' records, msgpack-encoded as its PostgreSQL store does,
//! kept through `db::sessions` so that the application role never reads the session table.

use async_trait::async_trait;
use sqlx::PgPool;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use crate::db;

#[derive(Clone, Debug)]
pub struct SessionTable {
    pool: PgPool,
}

impl SessionTable {
    pub fn new(pool: PgPool) -> Self {
        SessionTable { pool }
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
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
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
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match db::sessions::load(&self.pool, &id.to_string())
            .await
            .map_err(backend)?
        {
            Some(data) => rmp_serde::from_slice(&data)
                .map(Some)
                .map_err(|e| session_store::Error::Decode(e.to_string())),
            None => Ok(None),
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        db::sessions::delete(&self.pool, &id.to_string())
            .await
            .map_err(backend)
    }
}
