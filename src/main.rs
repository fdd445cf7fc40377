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
    /// Check every incident timeline's hash chain; exits 1 naming the first broken entry.
    VerifyTimeline(Settings),
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
    if let Err(e) = run(Cli::parse()).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let (settings, with_demo) = match cli.command {
        Command::Serve(s) => (s, false),
        Command::Demo(s) => (s, true),
        Command::VerifyTimeline(s) => {
            let db = startup::connect(&s).await?;
            let mut conn = db.pool.acquire().await?;
            let (checked, broken) = portal::db::timeline::verify_all(&mut conn).await?;
            drop(conn);
            db.stop();
            return match broken {
                None => {
                    println!("timeline intact: {checked} entries checked");
                    Ok(())
                }
                Some(b) => {
                    println!(
                        "timeline BROKEN at incident {} entry {}: {}",
                        b.incident_id, b.seq, b.reason
                    );
                    std::process::exit(1);
                }
            };
        }
        #[cfg(feature = "bench")]
        Command::BenchSeed { options, settings } => {
            let db = startup::connect(&settings).await?;
            let seeded = portal::bench::seed(&db.pool, &options).await;
            db.stop();
            return seeded;
        }
        Command::Migrate(s) => {
            let db = startup::connect(&s).await?;
            startup::migrate(&db.pool).await?;
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
