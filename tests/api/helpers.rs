//! Test harness: a real PostgreSQL (DATABASE_URL, else a throwaway private cluster for this
//! test process), a fresh database per test, the real router on a random port.

use std::str::FromStr;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use portal::config::Settings;
use portal::pg_cluster::{Durability, PrivateCluster};
use portal::startup::{self, Application};
use reqwest::redirect::Policy;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::OnceCell;

pub const DEMO_PASSWORD: &str = "demo-password";

static SERVER: OnceCell<PgConnectOptions> = OnceCell::const_new();
/// How to name a test database in a URL for the `portal` binary.
static URL_BASE: Mutex<Option<(String, String)>> = Mutex::new(None);

/// A connection URL for `db` on the test server (prefix, suffix around the database name).
pub fn url_for(db: &str) -> String {
    let guard = URL_BASE.lock().unwrap();
    let (prefix, suffix) = guard.as_ref().expect("server started");
    format!("{prefix}{db}{suffix}")
}
static CLUSTER: Mutex<Option<PrivateCluster>> = Mutex::new(None);

extern "C" fn stop_cluster() {
    if let Ok(mut guard) = CLUSTER.lock() {
        if let Some(mut cluster) = guard.take() {
            cluster.stop();
        }
    }
    let _ = std::fs::remove_dir_all(cluster_folder());
}

fn cluster_folder() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pg-{}", std::process::id()))
}

/// Connection options for the server's maintenance database.
async fn server() -> PgConnectOptions {
    SERVER
        .get_or_init(|| async {
            let admin = match std::env::var("DATABASE_URL")
                .ok()
                .filter(|u| !u.trim().is_empty())
            {
                Some(url) => {
                    let without_query = url.split('?').next().unwrap();
                    let prefix = &without_query[..without_query.rfind('/').unwrap() + 1];
                    *URL_BASE.lock().unwrap() = Some((prefix.to_string(), String::new()));
                    PgConnectOptions::from_str(&url).expect("DATABASE_URL parses")
                }
                None => {
                    let folder = cluster_folder();
                    let cluster = tokio::task::spawn_blocking(move || {
                        PrivateCluster::start(&folder, Durability::Throwaway)
                    })
                    .await
                    .unwrap()
                    .expect("start a private PostgreSQL for the tests (or set DATABASE_URL)");
                    let options = cluster.connect_options("postgres");
                    *URL_BASE.lock().unwrap() = Some((
                        "postgres://postgres@localhost/".into(),
                        format!("?host={}", cluster.socket_dir().display()),
                    ));
                    *CLUSTER.lock().unwrap() = Some(cluster);
                    unsafe { libc::atexit(stop_cluster) };
                    options
                }
            };
            drop_stale_databases(&admin).await;
            admin
        })
        .await
        .clone()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Test databases are named `portal_test_<created unix time>_<random>`; ones older than two
/// hours belong to finished runs and are dropped, so a shared server does not fill up.
async fn drop_stale_databases(admin: &PgConnectOptions) {
    let mut conn = PgConnection::connect_with(admin)
        .await
        .expect("connect to PostgreSQL");
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'portal_test_%'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    for name in names {
        let created = name
            .split('_')
            .nth(2)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
        if created + 7200 < now_secs() {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut conn)
                .await;
        }
    }
}

/// A fresh, empty database on the test server.
pub async fn fresh_database() -> (PgPool, String) {
    let admin = server().await;
    let name = format!(
        "portal_test_{}_{}",
        now_secs(),
        uuid::Uuid::new_v4().simple()
    );
    startup::ensure_database(admin.clone(), &name)
        .await
        .unwrap();
    let pool = startup::pool(admin.database(&name)).await.unwrap();
    (pool, name)
}

pub struct TestApp {
    pub base: String,
    pub db_name: String,
    pub pool: PgPool,
    pub client: reqwest::Client,
    /// The folder of this app's timeline checkpoint file (its own: one per database).
    pub checkpoint_dir: std::path::PathBuf,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The portal on a random port over a fresh database holding the demo data.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    // Warnings and server errors are logged through the test writer, so the harness shows
    // them for a failing test only.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_test_writer()
        .try_init();
    let (pool, db_name) = fresh_database().await;
    let mut settings = Settings::for_tests();
    let checkpoint_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("timeline-checkpoints")
        .join(&db_name);
    settings.timeline_checkpoint_dir = Some(checkpoint_dir.clone());
    // Most tests sign in demo reviewers, commanders and administrators by password alone; the
    // MFA tests (tests/api/mfa.rs) turn enforcement on through `adjust`.
    settings.mfa_enforced = false;
    adjust(&mut settings);
    let app = Application::build(&settings, pool.clone()).await.unwrap();
    portal::services::demo::load_if_empty(&pool).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        base,
        db_name,
        pool,
        client: client(),
        checkpoint_dir,
    }
}

/// The timeline key the test apps link under.
pub fn test_key() -> portal::domain::chain::ChainKey {
    portal::domain::chain::ChainKey::from_hex(portal::config::TEST_TIMELINE_KEY).unwrap()
}

/// The value of the first hidden `csrf` input on a page.
pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("the page has a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

impl TestApp {
    /// The `portal` binary on this app's database, with its timeline key and checkpoint folder.
    pub fn portal(&self, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_portal"));
        command
            .args(args)
            .env("DATABASE_URL", url_for(&self.db_name))
            .env("PORTAL_TIMELINE_KEY", portal::config::TEST_TIMELINE_KEY)
            .env("PORTAL_TIMELINE_CHECKPOINT_DIR", &self.checkpoint_dir)
            .env("RUST_LOG", "error");
        command
    }

    /// The checkpoint file of this app, as the portal reads it.
    pub fn checkpoint_log(&self) -> portal::timeline_log::CheckpointLog {
        portal::timeline_log::CheckpointLog::in_folder(&self.checkpoint_dir)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.get_as(&self.client, path).await
    }

    pub async fn get_as(&self, client: &reqwest::Client, path: &str) -> reqwest::Response {
        client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn text(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// The CSRF token of this client's session (read from a page that has a form).
    pub async fn csrf(&self, client: &reqwest::Client) -> String {
        let page = self.get_as(client, "/login").await;
        let html = page.text().await.unwrap();
        if html.contains("name=\"csrf\"") {
            return csrf_in(&html);
        }
        // Signed in: /login redirects; the home page's sign-out form carries the token.
        csrf_in(&self.get_as(client, "/").await.text().await.unwrap())
    }

    pub async fn post_form_as(
        &self,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// Posts with this session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.post_as(&self.client, path, fields).await
    }

    pub async fn post_as(
        &self,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = self.csrf(client).await;
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form_as(client, path, &all).await
    }

    pub async fn sign_in_as(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        self.post_as(
            client,
            "/login",
            &[("email", email), ("password", password)],
        )
        .await
    }

    pub async fn sign_in(&self, email: &str) -> reqwest::Response {
        let r = self.sign_in_as(&self.client, email, DEMO_PASSWORD).await;
        assert_eq!(r.status(), 303, "sign-in of {email} redirects home");
        r
    }

    pub async fn user_id(&self, email: &str) -> uuid::Uuid {
        sqlx::query_scalar("SELECT id FROM users WHERE lower(email) = lower($1)")
            .bind(email)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }
}

/// A client signed in as `email` with the demo password.
pub async fn as_user(app: &TestApp, email: &str) -> reqwest::Client {
    let c = client();
    let r = app.sign_in_as(&c, email, DEMO_PASSWORD).await;
    assert_eq!(r.status(), 303, "{email} signs in");
    c
}

/// An API v1 bearer token for `email`.
pub async fn token(app: &TestApp, email: &str) -> String {
    let r = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!({ "email": email, "password": DEMO_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{email} gets a token");
    let body: serde_json::Value = r.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}

/// A time as a `datetime-local` form value (Taipei wall-clock time).
pub fn local(t: chrono::DateTime<chrono::Utc>) -> String {
    portal::domain::to_taipei(t)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The page's text without its markup, for wording checks.
pub fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Whether `s` holds something shaped like a UUID (8-4-4-4-12 hex digits).
pub fn has_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(35)).any(|i| {
        b[i..i + 36].iter().enumerate().all(|(k, c)| match k {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
    })
}

/// Fails if a reader would see machine data: ids, stored codes, JSON keys and values.
pub fn assert_in_words(what: &str, text: &str) {
    assert!(!has_uuid(text), "{what} shows an id: {text}");
    for raw in [
        "stage_completed",
        "custody.",
        "response_team",
        "root_cause:",
        "means:",
        "now:",
        "index:",
        "rule:",
        ": true",
        ": false",
        "timeline.",
        "story.",
        "{",
    ] {
        assert!(!text.contains(raw), "{what} shows {raw:?}: {text}");
    }
}
