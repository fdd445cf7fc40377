//! Backup and restore (#15): a consistent `pg_dump` of the portal's database (evidence blobs
//! are rows, so they are in it) taken after a fresh timeline checkpoint, with the checkpoint
//! file beside it; restored with `pg_restore` into an empty database and verified.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

use crate::config::Settings;
use crate::startup::{Database, DATABASE_NAME};

/// The file the checkpoints travel in, next to the dump.
pub fn checkpoints_beside(dump: &Path) -> PathBuf {
    let mut name = dump.as_os_str().to_owned();
    name.push(".checkpoints");
    PathBuf::from(name)
}

/// How libpq's tools reach the database the portal uses: DATABASE_URL, or the private
/// cluster's socket.
fn connection_args(settings: &Settings, db: &Database) -> Vec<String> {
    match (&settings.database_url, &db.cluster) {
        (Some(url), _) if !url.trim().is_empty() => vec![format!("--dbname={url}")],
        (_, Some(cluster)) => vec![
            format!("--host={}", cluster.socket_dir().display()),
            "--username=postgres".into(),
            format!("--dbname={DATABASE_NAME}"),
        ],
        _ => vec![format!("--dbname={DATABASE_NAME}")],
    }
}

fn run(mut command: Command, what: &str) -> anyhow::Result<()> {
    let out = command
        .output()
        .with_context(|| format!("running {what} (Debian: apt-get install postgresql-client)"))?;
    if !out.status.success() {
        bail!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// `pg_dump --format=custom` of the database into `file` (one snapshot: consistent).
pub fn dump(settings: &Settings, db: &Database, file: &Path) -> anyhow::Result<()> {
    let mut c = Command::new("pg_dump");
    c.arg("--format=custom").arg("--file").arg(file);
    c.args(connection_args(settings, db));
    run(c, "pg_dump")
}

/// `pg_restore` of `file` into the (empty) database, owned by the restoring role.
pub fn restore(settings: &Settings, db: &Database, file: &Path) -> anyhow::Result<()> {
    let mut c = Command::new("pg_restore");
    c.args(["--exit-on-error", "--no-owner", "--single-transaction"]);
    c.args(connection_args(settings, db));
    c.arg(file);
    run(c, "pg_restore")
}
