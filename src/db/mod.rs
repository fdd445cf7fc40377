//! Storage: every SQL statement of the portal lives in this module, one file per aggregate.
//! Functions take `&mut PgConnection` so the caller (a service) owns the transaction.

pub mod agencies;
pub mod asking;
pub mod audit;
#[cfg(feature = "bench")]
pub mod bench;
pub mod evidence;
pub mod incidents;
pub mod indicators;
pub mod jobs;
pub mod mfa;
pub mod notifications;
pub mod oversight;
pub mod passwords;
pub mod preparedness;
pub mod retention;
pub mod role_changes;
pub mod roles;
pub mod search;
pub mod sessions;
pub mod sign_in;
pub mod timeline;
pub mod tokens;
pub mod tracking;
pub mod users;
pub mod webhooks;

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

/// A transaction acting for `user`: row-level security shows it only what that user may see.
#[tracing::instrument(skip_all)]
pub async fn begin_as(
    pool: &PgPool,
    user: Uuid,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    // BEGIN and the acting user in one round trip: a simple-query batch (the id is a UUID's
    // own text, nothing a caller typed), where `act_as` would be a second statement.
    let statement = format!("BEGIN; SELECT set_config('portal.user_id', '{user}', true)");
    // The BEGIN runs to completion in a task of its own. sqlx 0.8.6 loses a BEGIN whose future
    // is dropped while it is on the wire (a client hanging up at that moment): its guard's
    // rollback sees a transaction depth of 0 and queues nothing, and the connection goes back
    // to the pool idle in a transaction. Completed, the transaction is dropped like any other:
    // rolled back and released (#15, found by the hang-up test of tests/api/uploads.rs).
    let pool = pool.clone();
    tokio::spawn(async move { pool.begin_with(statement).await })
        .await
        .map_err(|e| sqlx::Error::Io(std::io::Error::other(e)))?
}

/// Makes the rest of the transaction act for `user`, once a presented secret (a reset link,
/// a token) has said who that is.
#[tracing::instrument(skip_all)]
pub async fn act_as(conn: &mut sqlx::PgConnection, user: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config('portal.user_id', $1, true)")
        .bind(user.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Holds the advisory lock named `name` until the transaction ends: work that must not run
/// twice at once (loading the demo) waits for the one already running.
#[tracing::instrument(skip_all)]
pub async fn advisory_xact_lock(
    conn: &mut sqlx::PgConnection,
    name: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind(name)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether the database answers (the readiness check).
#[tracing::instrument(skip_all)]
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}

/// The newest migration applied successfully (readiness: the schema is the one this build
/// expects).
#[tracing::instrument(skip_all)]
pub async fn applied_migration(pool: &PgPool) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await
}

/// Whether the database holds no portal tables yet (a restore goes only into such a one).
#[tracing::instrument(skip_all)]
pub async fn is_empty(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT NOT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname IN ('public', 'tower_sessions'))",
    )
    .fetch_one(pool)
    .await
}

/// Creates `portal_app` (the privileges the dump grants to) if this server lacks it.
#[tracing::instrument(skip_all)]
pub async fn ensure_app_role(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'portal_app') THEN \
         CREATE ROLE portal_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; \
         END IF; END $$",
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Creates database `name` on the server `admin` points at, unless it exists (the tests' and
/// the embedded cluster's databases).
#[tracing::instrument(skip_all)]
pub async fn ensure_database(
    admin: sqlx::postgres::PgConnectOptions,
    name: &str,
) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    let mut conn = sqlx::postgres::PgConnection::connect_with(&admin).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        let ident = name.replace('"', "\"\"");
        sqlx::query(&format!("CREATE DATABASE \"{ident}\""))
            .execute(&mut conn)
            .await?;
    }
    conn.close().await
}

/// The name of the unique constraint a statement violated, if that is why it failed.
/// Callers turn it into a form error instead of checking with a SELECT first (which races).
pub fn violated_unique_constraint(err: &sqlx::Error) -> Option<String> {
    match err {
        sqlx::Error::Database(db) if db.is_unique_violation() => db.constraint().map(str::to_owned),
        _ => None,
    }
}

/// Page of a long list: `page` counts from 1.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
}

impl PageRequest {
    pub fn new(page: Option<u32>, per_page: u32) -> Self {
        PageRequest {
            page: page.unwrap_or(1).clamp(1, 100_000),
            per_page,
        }
    }
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }
}
