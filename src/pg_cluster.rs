//! The embedded default: a private PostgreSQL cluster under the project's data folder.
//!
//! When no `DATABASE_URL` is configured, the portal runs its own cluster with the machine's
//! PostgreSQL binaries (`initdb`, `pg_ctl`). It listens on a Unix socket only, inside the data
//! folder, so nothing else on the machine can reach it over the network. PostgreSQL refuses to
//! run as root, so when the portal finds itself root it runs the cluster as the unprivileged
//! `postgres` system user and hands the folders to that user.

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sqlx::postgres::PgConnectOptions;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "no DATABASE_URL is set and the PostgreSQL server binaries (initdb, pg_ctl) were not found: \
         install PostgreSQL (Debian: apt-get install postgresql) or set DATABASE_URL"
    )]
    BinariesMissing,
    #[error(
        "running as root, the private PostgreSQL must run as the unprivileged `postgres` user, which \
         does not exist: install PostgreSQL from the distribution (it creates that user) or set DATABASE_URL"
    )]
    NoUnprivilegedUser,
    #[error("{step} failed: {detail}")]
    Command { step: &'static str, detail: String },
    #[error("private PostgreSQL: {0}")]
    Io(#[from] std::io::Error),
}

/// A running private cluster. Stopped on [`PrivateCluster::stop`] or drop, if this process
/// started it (a second portal on the same data folder reuses the running one and leaves it be).
pub struct PrivateCluster {
    pgdata: PathBuf,
    socket_dir: PathBuf,
    bin_dir: PathBuf,
    run_as: Option<(u32, u32)>,
    started_here: bool,
}

/// Durability settings: the demo keeps its data; a test's throwaway cluster trades crash
/// safety for speed because it is deleted afterwards anyway.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    Durable,
    Throwaway,
}

impl PrivateCluster {
    /// Initialise (first time) and start the cluster whose files live under `folder`.
    pub fn start(folder: &Path, durability: Durability) -> Result<Self, ClusterError> {
        let bin_dir = find_bin_dir().ok_or(ClusterError::BinariesMissing)?;
        let run_as = if unsafe { libc::geteuid() } == 0 {
            Some(lookup_user("postgres").ok_or(ClusterError::NoUnprivilegedUser)?)
        } else {
            None
        };

        std::fs::create_dir_all(folder)?;
        let folder = folder.canonicalize()?;
        let pgdata = folder.join("pg");
        let socket_dir = folder.join("pg-run");
        for dir in [&pgdata, &socket_dir] {
            std::fs::create_dir_all(dir)?;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
            if let Some((uid, gid)) = run_as {
                std::os::unix::fs::chown(dir, Some(uid), Some(gid))?;
            }
        }
        // The socket path (directory + "/.s.PGSQL.5432") must fit in sun_path.
        if socket_dir.as_os_str().len() + 16 > 107 {
            return Err(ClusterError::Command {
                step: "choosing the socket folder",
                detail: format!(
                    "{} is too long for a Unix socket path; use a shorter data folder (--data-dir)",
                    socket_dir.display()
                ),
            });
        }

        let mut cluster = PrivateCluster {
            pgdata,
            socket_dir,
            bin_dir,
            run_as,
            started_here: false,
        };
        if !cluster.pgdata.join("PG_VERSION").exists() {
            cluster.initdb()?;
        }
        if cluster.is_running() {
            tracing::info!(pgdata = %cluster.pgdata.display(), "reusing the running private PostgreSQL");
            return Ok(cluster);
        }
        let mut options = format!("-k '{}'", cluster.socket_dir.display());
        if durability == Durability::Throwaway {
            options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let log = cluster.socket_dir.join("postgres.log");
        let out = cluster.pg_ctl([
            OsStr::new("start"),
            OsStr::new("-w"),
            OsStr::new("-t"),
            OsStr::new("60"),
            OsStr::new("-l"),
            log.as_os_str(),
            OsStr::new("-o"),
            OsStr::new(&options),
        ])?;
        if !out.status.success() {
            let tail = std::fs::read_to_string(&log)
                .unwrap_or_default()
                .lines()
                .rev()
                .take(5)
                .collect::<Vec<_>>()
                .join(" | ");
            return Err(ClusterError::Command {
                step: "pg_ctl start",
                detail: format!("{} {}", describe(&out), tail),
            });
        }
        cluster.started_here = true;
        tracing::info!(pgdata = %cluster.pgdata.display(), "private PostgreSQL started");
        Ok(cluster)
    }

    /// Connection options for a database of this cluster, over its Unix socket.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .username("postgres")
            .database(database)
    }

    /// The folder holding the cluster's Unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// Stop the cluster if this process started it. Safe to call twice.
    pub fn stop(&mut self) {
        if !self.started_here {
            return;
        }
        self.started_here = false;
        match self.pg_ctl(["stop", "-w", "-m", "fast"].map(OsStr::new)) {
            Ok(out) if out.status.success() => tracing::info!("private PostgreSQL stopped"),
            Ok(out) => tracing::warn!(detail = %describe(&out), "pg_ctl stop failed"),
            Err(e) => tracing::warn!(error = %e, "pg_ctl stop failed"),
        }
    }

    fn is_running(&self) -> bool {
        matches!(self.pg_ctl([OsStr::new("status")]), Ok(out) if out.status.success())
    }

    fn initdb(&self) -> Result<(), ClusterError> {
        let out = self
            .command("initdb")
            .arg("-D")
            .arg(&self.pgdata)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
            ])
            .output()?;
        if !out.status.success() {
            return Err(ClusterError::Command {
                step: "initdb",
                detail: describe(&out),
            });
        }
        // No TCP at all: the socket in the data folder is the only way in.
        let conf = self.pgdata.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf)?;
        text.push_str("\n# portal: private cluster\nlisten_addresses = ''\n");
        std::fs::write(&conf, text)?;
        Ok(())
    }

    fn pg_ctl<I, S>(&self, args: I) -> std::io::Result<Output>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command("pg_ctl")
            .arg("-D")
            .arg(&self.pgdata)
            .args(args)
            .output()
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin_dir.join(program));
        // The unprivileged user may not be able to read the caller's working directory.
        cmd.current_dir(&self.socket_dir);
        cmd.env_remove("PGDATA");
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid).gid(gid).env("HOME", &self.socket_dir);
        }
        cmd
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

fn describe(out: &Output) -> String {
    let mut s = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if s.is_empty() {
        s = String::from_utf8_lossy(&out.stdout).trim().to_string();
    }
    s.lines().take(6).collect::<Vec<_>>().join(" ")
}

/// `initdb` and `pg_ctl` from PATH, else from Debian's versioned folder (newest version).
fn find_bin_dir() -> Option<PathBuf> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(path) = std::env::var_os("PATH") {
        if let Some(dir) = std::env::split_paths(&path).find(|d| has_both(d)) {
            return Some(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            has_both(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, dir)| dir)
}

fn lookup_user(name: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        if fields.next()? != name {
            return None;
        }
        let uid = fields.nth(1)?.parse().ok()?;
        let gid = fields.next()?.parse().ok()?;
        Some((uid, gid))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_postgres_user_fields_in_passwd_order() {
        // /etc/passwd: name:x:uid:gid:...
        if let Some((uid, gid)) = lookup_user("root") {
            assert_eq!((uid, gid), (0, 0));
        }
        assert_eq!(lookup_user("no-such-user-here"), None);
    }
}
