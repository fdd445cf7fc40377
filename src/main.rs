use clap::{Parser, Subcommand};

use portal::config::Settings;
use portal::services::demo;
use portal::startup::{self, Application};

#[derive(Parser)]
#[command(name = "portal", version, about = about())]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal.
    Serve(Settings),
    /// Serve the portal, loading the demo agencies, accounts, team, drills and incidents.
    Demo(Settings),
    /// Apply database migrations and exit.
    Migrate(Settings),
    /// Check every incident timeline's chain under the timeline key and against the signed
    /// checkpoints; exits 1 naming the first broken entry.
    VerifyTimeline(Settings),
    /// Append a signed checkpoint of each timeline chain head that moved since the last one.
    CheckpointTimeline(Settings),
    /// Back up the database (pg_dump, custom format; evidence included) after a fresh timeline
    /// checkpoint, with the checkpoint file beside it (`<FILE>.checkpoints`).
    Backup {
        file: std::path::PathBuf,
        #[command(flatten)]
        settings: Settings,
    },
    /// Restore a backup into an empty database, then verify the timeline and the audit log.
    Restore {
        file: std::path::PathBuf,
        #[command(flatten)]
        settings: Settings,
    },
    /// Fill an empty database with national-scale synthetic data for the load benchmark.
    #[cfg(feature = "bench")]
    BenchSeed {
        #[command(flatten)]
        options: portal::bench::SeedOptions,
        #[command(flatten)]
        settings: Settings,
    },
}

/// The command's one-line description, in both languages.
fn about() -> String {
    use portal::i18n::Lang;
    format!(
        "{} · {}",
        Lang::ZhTw.get("app.name"),
        Lang::En.get("app.name")
    )
}

#[tokio::main]
async fn main() {
    portal::telemetry::init();
    keep_memory_flat();
    if let Err(e) = run(Cli::parse()).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let (settings, with_demo) = match cli.command {
        Command::Serve(s) => (s, false),
        Command::Demo(mut s) => {
            // A newcomer trying the demo has no authenticator app set up: the MFA policy is
            // shown but not enforced, unless PORTAL_MFA_ENFORCED says otherwise.
            if std::env::var_os("PORTAL_MFA_ENFORCED").is_none() {
                s.mfa_enforced = false;
            }
            (s, true)
        }
        Command::VerifyTimeline(s) => {
            let (key, log, db) = keyed_database(&s).await?;
            let verified = portal::services::timeline::verify(&db.pool, &key, &log).await;
            let audited = portal::services::audit::verify(&db.pool, &key).await;
            db.stop();
            match audited? {
                (checked, None) => println!("audit log intact: {checked} entries checked"),
                (_, Some((agency, seq, reason))) => {
                    println!("audit log BROKEN for agency {agency} at entry {seq}: {reason}");
                    std::process::exit(1);
                }
            }
            return match verified? {
                (checked, None) => {
                    println!("timeline intact: {checked} entries checked");
                    Ok(())
                }
                (_, Some(b)) => {
                    println!(
                        "timeline BROKEN at incident {} entry {}: {}",
                        b.incident_id, b.seq, b.reason
                    );
                    std::process::exit(1);
                }
            };
        }
        Command::CheckpointTimeline(s) => {
            let (key, log, db) = keyed_database(&s).await?;
            let done = portal::services::timeline::checkpoint(&db.pool, &key, &log).await;
            db.stop();
            println!(
                "timeline checkpointed: {} chain heads recorded in {}",
                done?,
                log.path().display()
            );
            return Ok(());
        }
        #[cfg(feature = "bench")]
        Command::BenchSeed { options, settings } => {
            let key = startup::timeline_key(&settings, true)?;
            let db = startup::connect(&settings).await?;
            let seeded = portal::bench::seed(&db.pool, &options, &key).await;
            db.stop();
            return seeded;
        }
        Command::Backup { file, settings: s } => {
            let (key, log, db) = keyed_database(&s).await?;
            let done = backup(&s, &db, &key, &log, &file).await;
            db.stop();
            return done;
        }
        Command::Restore { file, settings: s } => {
            let (key, log, db) = keyed_database(&s).await?;
            let done = restore(&s, &db, &key, &log, &file).await;
            db.stop();
            return done;
        }
        Command::Migrate(s) => {
            let db = startup::connect(&s).await?;
            startup::migrate(&db.pool).await?;
            startup::prepare_timeline(&s, &db.pool).await?;
            println!("migrations applied");
            db.stop();
            return Ok(());
        }
    };
    let db = startup::connect(&settings).await?;
    let served = serve(&settings, &db, with_demo).await;
    db.stop();
    served
}

/// What the commands on the chains need: the timeline key (checked first, before a private
/// cluster is started for nothing), the checkpoint file, and the database.
async fn keyed_database(
    s: &Settings,
) -> anyhow::Result<(
    portal::domain::chain::ChainKey,
    portal::timeline_log::CheckpointLog,
    startup::Database,
)> {
    let key = startup::timeline_key(s, false)?;
    let log = startup::checkpoint_log(s);
    let db = startup::connect(s).await?;
    Ok((key, log, db))
}

async fn backup(
    s: &Settings,
    db: &startup::Database,
    key: &portal::domain::chain::ChainKey,
    log: &portal::timeline_log::CheckpointLog,
    file: &std::path::Path,
) -> anyhow::Result<()> {
    let heads = portal::services::timeline::checkpoint(&db.pool, key, log).await?;
    portal::backup::dump(s, db, file)?;
    if log.path().exists() {
        std::fs::copy(log.path(), portal::backup::checkpoints_beside(file))?;
    }
    println!(
        "backup written to {} ({} chain heads checkpointed first)",
        file.display(),
        heads
    );
    Ok(())
}

async fn restore(
    s: &Settings,
    db: &startup::Database,
    key: &portal::domain::chain::ChainKey,
    log: &portal::timeline_log::CheckpointLog,
    file: &std::path::Path,
) -> anyhow::Result<()> {
    if !portal::db::is_empty(&db.pool).await? {
        anyhow::bail!("the database is not empty: restore only into a new, empty database");
    }
    if log.path().exists() {
        anyhow::bail!(
            "{} exists: restore with an empty checkpoint folder",
            log.path().display()
        );
    }
    portal::db::ensure_app_role(&db.pool).await?;
    portal::backup::restore(s, db, file)?;
    let beside = portal::backup::checkpoints_beside(file);
    if beside.exists() {
        if let Some(folder) = log.path().parent() {
            std::fs::create_dir_all(folder)?;
        }
        std::fs::copy(&beside, log.path())?;
    }
    let (checked, broken) = portal::services::timeline::verify(&db.pool, key, log).await?;
    if let Some(b) = broken {
        anyhow::bail!(
            "restored, but the timeline is BROKEN at incident {} entry {}: {}",
            b.incident_id,
            b.seq,
            b.reason
        );
    }
    let (audited, broken) = portal::services::audit::verify(&db.pool, key).await?;
    if let Some((agency, seq, reason)) = broken {
        anyhow::bail!(
            "restored, but the audit log is BROKEN for agency {agency} at entry {seq}: {reason}"
        );
    }
    println!("restored from {}: timeline intact ({checked} entries), audit log intact ({audited} entries)", file.display());
    Ok(())
}

async fn serve(settings: &Settings, db: &startup::Database, with_demo: bool) -> anyhow::Result<()> {
    let app = Application::build(settings, db.pool.clone()).await?;
    if with_demo {
        let policy = portal::domain::ReminderPolicy::with_control_report_hours(
            settings.control_report_hours,
        );
        let loaded = demo::load(&db.pool, &policy).await?;
        println!();
        println!(
            "{}",
            if loaded.anything() {
                "Demo data loaded."
            } else {
                "The database already holds data; demo data not reloaded."
            }
        );
        println!("Demo accounts (password: {}):", demo::DEMO_PASSWORD);
        for a in demo::accounts() {
            println!("  {:<28} {}  [{}]", a.email, a.agency, a.roles.join(", "));
        }
    }
    println!();
    println!(
        "The portal is at http://{}/  (Ctrl-C stops it)",
        app.local_addr()
    );
    app.run_until(startup::shutdown_signal()).await?;
    Ok(())
}

/// glibc's allocator keeps freed blocks of its own heaps: a 19 MiB argon2 working area freed
/// after a sign-in would stay resident, once per thread arena that served one, and its
/// threshold for mapping large blocks apart grows with every large block freed. A fixed
/// threshold of 1 MiB gives every block that large back to the system when freed, and two
/// arenas keep the rest from spreading over one heap per thread (#16: memory stays flat
/// under a burst of sign-ins).
fn keep_memory_flat() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters, under the allocator's own locks.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
