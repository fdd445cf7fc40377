//! The database roles the portal runs under (migration 0002 creates `portal_app`, the
//! privileges; the pool logs in as a member of it that owns nothing).

use sqlx::{PgPool, Postgres};

/// The LOGIN role the portal creates for its pool when no PORTAL_APP_DATABASE_URL is given.
pub const POOL_ROLE: &str = "portal_pool";

/// Creates `portal_pool` if missing and gives it `password` (hex, so it needs no quoting),
/// login, no superuser, no row-level-security bypass, and membership of `portal_app`. Roles are
/// cluster-wide, so two portals starting at once on one server may collide: retried.
#[tracing::instrument(skip_all)]
pub async fn ensure_pool_login(owner: &PgPool, password: &str) -> Result<(), sqlx::Error> {
    assert!(password.bytes().all(|b| b.is_ascii_hexdigit()));
    let statements = [
        format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{POOL_ROLE}') THEN \
             CREATE ROLE {POOL_ROLE} LOGIN; END IF; END $$"
        ),
        format!(
            "ALTER ROLE {POOL_ROLE} WITH LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE \
             NOREPLICATION INHERIT PASSWORD '{password}'"
        ),
        format!("GRANT portal_app TO {POOL_ROLE}"),
    ];
    let mut tries = 0;
    loop {
        match run_all(owner, &statements).await {
            Ok(()) => return Ok(()),
            Err(e) if tries < 10 && is_concurrent_role_change(&e) => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(50 * tries)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

async fn run_all(owner: &PgPool, statements: &[String]) -> Result<(), sqlx::Error> {
    let mut tx = owner.begin().await?;
    for s in statements {
        sqlx::query::<Postgres>(s).execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// "tuple concurrently updated" (XX000), a duplicate role (42710, 23505): another start won.
fn is_concurrent_role_change(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| matches!(c.as_ref(), "XX000" | "42710" | "23505" | "40001"))
}

/// What the pool's role may do that it must not: `None` when it is neither a superuser, nor
/// exempt from row-level security, nor the owner of a table the portal keeps.
#[tracing::instrument(skip_all)]
pub async fn too_privileged(pool: &PgPool) -> Result<Option<String>, sqlx::Error> {
    let (user, superuser, bypass, owns): (String, bool, bool, bool) = sqlx::query_as(
        "SELECT r.rolname::text, r.rolsuper, r.rolbypassrls, EXISTS (SELECT 1 FROM pg_tables t \
         WHERE t.tableowner = r.rolname AND t.schemaname IN ('public', 'tower_sessions')) \
         FROM pg_roles r WHERE r.rolname = session_user",
    )
    .fetch_one(pool)
    .await?;
    Ok(match (superuser, bypass, owns) {
        (true, _, _) => Some(format!("{user} is a superuser")),
        (_, true, _) => Some(format!("{user} bypasses row-level security")),
        (_, _, true) => Some(format!("{user} owns the portal's tables")),
        _ => None,
    })
}
