//! Settings from flags and environment. Secrets never appear in `Debug` output.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

#[derive(Args, Clone)]
pub struct Settings {
    /// Address to listen on.
    #[arg(long, env = "PORTAL_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// PostgreSQL connection URL. Unset: a private cluster under --data-dir is started.
    #[arg(long = "database-url", env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Folder for the private PostgreSQL cluster (used only without DATABASE_URL).
    #[arg(long, env = "PORTAL_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Mark the session cookie Secure (set when the portal is served over TLS).
    #[arg(long, env = "PORTAL_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "PORTAL_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: i64,

    /// Largest request body accepted, in bytes (413 past it).
    #[arg(long, env = "PORTAL_BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub body_limit: usize,
}

impl Settings {
    /// Settings for tests and embedding: listen on a random loopback port.
    pub fn for_tests() -> Self {
        Settings {
            listen: "127.0.0.1:0".parse().expect("valid address"),
            database_url: None,
            data_dir: PathBuf::from("data"),
            secure_cookies: false,
            session_idle_minutes: 30,
            body_limit: 1024 * 1024,
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field(
                "database_url",
                &self.database_url.as_ref().map(|_| "[redacted]"),
            )
            .field("data_dir", &self.data_dir)
            .field("secure_cookies", &self.secure_cookies)
            .field("session_idle_minutes", &self.session_idle_minutes)
            .field("body_limit", &self.body_limit)
            .finish()
    }
}
