//! Wiring: the database (configured or private), migrations, the session store, the server.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Settings;
use crate::domain::chain::ChainKey;
use crate::pg_cluster::{Durability, PrivateCluster};
use crate::timeline_log::{self, CheckpointLog};
use crate::web::session_store::SessionTable;
use crate::web::{self, AppState};

/// The pool, and the private cluster behind it when no DATABASE_URL was given.
pub struct Database {
    pub pool: PgPool,
    pub cluster: Option<PrivateCluster>,
}

impl Database {
    pub fn stop(mut self) {
        if let Some(cluster) = self.cluster.as_mut() {
            cluster.stop();
        }
    }
}

pub const DATABASE_NAME: &str = "portal";

/// A connection given back less than this long ago is handed out again without a ping.
const FRESH_CONNECTION: std::time::Duration = std::time::Duration::from_secs(1);

pub async fn pool(options: PgConnectOptions) -> Result<PgPool, sqlx::Error> {
    use sqlx::Connection;
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(std::time::Duration::from_secs(10))
        // sqlx pings every connection it hands out: a round trip per transaction. One that was
        // in use a moment ago is alive; one idle for longer (the database may have restarted
        // meanwhile, #15) is still pinged and, if dead, replaced before the request sees it.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= FRESH_CONNECTION {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_with(options.disable_statement_logging())
        .await
}

/// Creates `name` on the server if it is not there yet.
pub async fn ensure_database(admin: PgConnectOptions, name: &str) -> Result<(), sqlx::Error> {
    crate::db::ensure_database(admin, name).await
}

pub async fn connect(settings: &Settings) -> anyhow::Result<Database> {
    if let Some(url) = settings
        .database_url
        .as_ref()
        .filter(|u| !u.trim().is_empty())
    {
        let options = PgConnectOptions::from_str(url)
            .context("DATABASE_URL is not a valid PostgreSQL URL")?;
        let pool = pool(options)
            .await
            .context("cannot connect to the database named by DATABASE_URL")?;
        return Ok(Database {
            pool,
            cluster: None,
        });
    }
    let folder = settings.data_dir.clone();
    let cluster =
        tokio::task::spawn_blocking(move || PrivateCluster::start(&folder, Durability::Durable))
            .await
            .context("starting the private PostgreSQL")??;
    ensure_database(cluster.connect_options("postgres"), DATABASE_NAME)
        .await
        .context("creating the portal database in the private PostgreSQL")?;
    let pool = pool(cluster.connect_options(DATABASE_NAME)).await?;
    Ok(Database {
        pool,
        cluster: Some(cluster),
    })
}

/// The pool the portal serves with. It logs in as PORTAL_APP_DATABASE_URL's role or, unset,
/// as `portal_pool` with a password made now; never as the owner. Either way it must not be a
/// superuser, exempt from row-level security or the tables' owner: the portal will not start
/// otherwise.
pub async fn app_pool(settings: &Settings, owner: &PgPool) -> anyhow::Result<PgPool> {
    let options = match settings
        .app_database_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
    {
        Some(url) => PgConnectOptions::from_str(url)
            .context("PORTAL_APP_DATABASE_URL is not a valid PostgreSQL URL")?,
        None => {
            let password = hex::encode(rand::random::<[u8; 24]>());
            crate::db::roles::ensure_pool_login(owner, &password)
                .await
                .context(
                    "creating the pool's login role portal_pool (the owner needs CREATEROLE; \
                     or create a role yourself and set PORTAL_APP_DATABASE_URL)",
                )?;
            (*owner.connect_options())
                .clone()
                .username(crate::db::roles::POOL_ROLE)
                .password(&password)
        }
    };
    // A runaway statement ends instead of holding its connection (#15); the owner's pool
    // (migrations, jobs) has none.
    let timeout = format!("{}s", settings.statement_timeout_seconds.max(1));
    let options = options.options([("statement_timeout", timeout.as_str())]);
    let pool = pool(options)
        .await
        .context("connecting the portal's pool")?;
    if let Some(problem) = crate::db::roles::too_privileged(&pool).await? {
        anyhow::bail!(
            "the portal's pool must not run with more than portal_app's rights: {problem}"
        );
    }
    Ok(pool)
}

/// The timeline key: `PORTAL_TIMELINE_KEY`, else the key file (`PORTAL_TIMELINE_KEY_FILE`, else
/// `timeline.key` in the data folder). With `create`, a missing default key file is created
/// with a random key (first start); a configured key file must exist, because a new key for a
/// timeline linked under another one would only make it fail verification.
pub fn timeline_key(settings: &Settings, create: bool) -> anyhow::Result<ChainKey> {
    if let Some(hex) = settings
        .timeline_key
        .as_deref()
        .filter(|k| !k.trim().is_empty())
    {
        return ChainKey::from_hex(hex).context("PORTAL_TIMELINE_KEY");
    }
    match &settings.timeline_key_file {
        Some(path) => timeline_log::read_key(path).context("PORTAL_TIMELINE_KEY_FILE"),
        None => {
            let path = settings.data_dir.join(timeline_log::KEY_FILE_NAME);
            if create {
                timeline_log::read_or_create_key(&path)
            } else {
                timeline_log::read_key(&path).context(
                    "no timeline key: set PORTAL_TIMELINE_KEY or PORTAL_TIMELINE_KEY_FILE, or \
                     point --data-dir at the folder holding timeline.key",
                )
            }
        }
    }
}

/// The timeline's checkpoint file: in `PORTAL_TIMELINE_CHECKPOINT_DIR`, else the data folder.
pub fn checkpoint_log(settings: &Settings) -> CheckpointLog {
    CheckpointLog::in_folder(
        settings
            .timeline_checkpoint_dir
            .as_deref()
            .unwrap_or(&settings.data_dir),
    )
}

/// Readies the timeline for appending: installs the key appends are linked under, and re-links
/// under it, once, the chains written before it.
pub async fn prepare_timeline(
    settings: &Settings,
    owner: &PgPool,
) -> anyhow::Result<(ChainKey, CheckpointLog)> {
    let key = timeline_key(settings, true)?;
    crate::db::timeline::install_key(&key)?;
    let log = checkpoint_log(settings);
    crate::services::timeline::relink_once(owner, &key, &log)
        .await
        .context("re-linking the timeline under its key")?;
    Ok((key, log))
}

pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("./migrations").run(pool).await
}

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    /// Turned true when the process is told to stop: the job runner ends after its round.
    stop: watch::Sender<bool>,
    jobs: Option<JobRunnerStart>,
}

/// The job runner, started by `run_until` rather than by `build`: whatever the caller loads
/// between the two (the demo data of `portal demo`) is complete before the first reminder round
/// reads it (#15: the round used to meet half-loaded demo incidents and log `no rows returned`).
type JobRunnerStart = Box<dyn FnOnce() -> JoinHandle<()> + Send>;

/// How long a stopping portal waits for the requests in flight, and then for the job runner's
/// round: long enough for an upload or an SMTP conversation (10 s per command) to end, short
/// enough for a service manager's stop timeout (systemd's default is 90 s).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

impl Application {
    /// Migrates the database with the owner's pool, then serves through the pool's own login
    /// (`app_pool`), to which row-level security applies. Binds the listener (port 0: any).
    pub async fn build(settings: &Settings, owner: PgPool) -> anyhow::Result<Self> {
        settings.check()?;
        migrate(&owner).await.context("applying migrations")?;
        let (key, log) = prepare_timeline(settings, &owner).await?;
        let pool = app_pool(settings, &owner).await?;
        let webhook_key = crate::domain::webhooks::SecretKey::from_timeline_key(&key);
        // The session table is created by the migrations, owned by the migrating role; the
        // pool reaches one session at a time through the owner's functions.
        let store = SessionTable::new(pool.clone());
        web::spawn_session_cleanup(owner.clone());
        let (stop, stopped) = watch::channel(false);
        let jobs_health = Arc::new(crate::jobs::RunnerHealth::default());
        let jobs = (settings.jobs_interval_seconds > 0).then(|| {
            let (owner, settings, health) = (owner.clone(), settings.clone(), jobs_health.clone());
            Box::new(move || crate::jobs::spawn(owner, &settings, key, log, stopped, health))
                as JobRunnerStart
        });
        let sso = crate::services::sso::Sso::from_settings(settings)
            .context("configuring SSO")?
            .map(Arc::new);
        let state = AppState {
            jobs: jobs_health,
            pool,
            settings: Arc::new(settings.clone()),
            sso,
            webhook_key,
        };
        let router = web::router(state, store);
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        Ok(Application {
            listener,
            router,
            stop,
            jobs,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// Starts the job runner and serves until `shutdown` resolves, then stops accepting, lets the requests in flight
    /// finish and the job runner end its round, each within `SHUTDOWN_GRACE`.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Application {
            listener,
            router,
            stop,
            jobs,
        } = self;
        let jobs = jobs.map(|start| start());
        let mut stopping = stop.subscribe();
        let signal = async move {
            shutdown.await;
            let _ = stop.send(true);
        };
        let server = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(signal)
        .into_future();
        // A request that never ends (a stalled client) must not keep the process for ever.
        let grace_over = async move {
            let _ = stopping.wait_for(|s| *s).await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        };
        let served = tokio::select! {
            served = server => served,
            _ = grace_over => {
                tracing::warn!("requests still running after the grace period; stopping anyway");
                Ok(())
            }
        };
        if let Some(jobs) = jobs {
            if tokio::time::timeout(SHUTDOWN_GRACE, jobs).await.is_err() {
                tracing::warn!("the job runner's round outlasted the grace period");
            }
        }
        tracing::info!("stopped");
        served
    }
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
