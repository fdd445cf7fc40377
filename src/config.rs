//! Settings from flags and environment. Secrets never appear in `Debug` output.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use axum::http::Uri;
use clap::Args;
use ipnet::IpNet;

#[derive(Args, Clone)]
pub struct Settings {
    /// Address to listen on.
    #[arg(long, env = "PORTAL_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// PostgreSQL connection URL. Unset: a private cluster under --data-dir is started.
    #[arg(long = "database-url", env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// PostgreSQL URL the portal's pool logs in with: a role that neither owns the tables nor
    /// is a superuser nor bypasses row-level security, granted `portal_app`. Unset: the portal
    /// creates or updates the LOGIN role `portal_pool` with a fresh random password at each
    /// start. DATABASE_URL (the owner's) is then used only for migrations and background jobs.
    #[arg(
        long = "app-database-url",
        env = "PORTAL_APP_DATABASE_URL",
        hide_env_values = true
    )]
    pub app_database_url: Option<String>,

    /// Folder for the private PostgreSQL cluster (used only without DATABASE_URL).
    #[arg(long, env = "PORTAL_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Where users reach the portal, e.g. https://portal.example.gov.tw. With https the session
    /// cookie is Secure and responses carry Strict-Transport-Security.
    #[arg(long, env = "PORTAL_PUBLIC_URL", value_parser = public_url)]
    pub public_url: Option<Uri>,

    /// Mark the session cookie Secure and send HSTS even without an https public URL (TLS ends
    /// in front of the portal).
    #[arg(long, env = "PORTAL_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// Proxies (addresses or CIDR ranges, comma-separated) whose X-Forwarded-For names the
    /// client. Unset: the header is ignored and the connecting address is the client's.
    #[arg(long, env = "PORTAL_TRUSTED_PROXIES", value_delimiter = ',', value_parser = trusted_proxy)]
    pub trusted_proxies: Vec<IpNet>,

    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "PORTAL_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: i64,

    /// Largest request body accepted, in bytes (413 past it).
    #[arg(long, env = "PORTAL_BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub body_limit: usize,

    /// SMTP server for e-mail notifications (unset: e-mail is only queued, not sent).
    #[arg(long, env = "PORTAL_SMTP_HOST")]
    pub smtp_host: Option<String>,

    #[arg(long, env = "PORTAL_SMTP_PORT", default_value_t = 25)]
    pub smtp_port: u16,

    /// TLS to the SMTP server: `starttls` (upgrade on the submission port, 587), `tls`
    /// (implicit TLS, 465) or `none` (a relay on the same host only). Certificates are checked
    /// against the system's roots.
    #[arg(long, env = "PORTAL_SMTP_TLS", default_value = "starttls")]
    pub smtp_tls: SmtpTls,

    /// SMTP AUTH user name (unset: no AUTH).
    #[arg(long, env = "PORTAL_SMTP_USERNAME")]
    pub smtp_username: Option<String>,

    #[arg(long, env = "PORTAL_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,

    /// Extra root certificates (PEM) for the SMTP server's certificate, e.g. an agency's own CA.
    #[arg(long, env = "PORTAL_SMTP_CA_FILE")]
    pub smtp_ca_file: Option<PathBuf>,

    /// Attempts at sending one e-mail (backing off from 1 minute to an hour) before it is
    /// marked failed on the outbox page.
    #[arg(long, env = "PORTAL_MAIL_MAX_ATTEMPTS", default_value_t = 10)]
    pub mail_max_attempts: i32,

    /// Attempts at delivering one webhook event (backing off from 30 seconds to an hour)
    /// before it is given up on and shown so in the delivery log.
    #[arg(long, env = "PORTAL_WEBHOOK_MAX_ATTEMPTS", default_value_t = crate::domain::webhooks::DEFAULT_MAX_ATTEMPTS)]
    pub webhook_max_attempts: i32,

    /// Seconds one webhook delivery (connect, send, answer) may take before it counts as failed.
    #[arg(long, env = "PORTAL_WEBHOOK_TIMEOUT_SECONDS", default_value_t = 10)]
    pub webhook_timeout_seconds: u64,

    /// The LINE Messaging API's base URL (push messages go to `<this>/v2/bot/message/push`);
    /// changed only to reach a stand-in (tests, a relay).
    #[arg(
        long,
        env = "PORTAL_LINE_API_URL",
        default_value = "https://api.line.me"
    )]
    pub line_api_url: String,

    /// Sender address of notification e-mail.
    #[arg(long, env = "PORTAL_SMTP_FROM", default_value = "portal@localhost")]
    pub smtp_from: String,

    /// Seconds between runs of the reminder scheduler and the outbox sender (0: not started).
    #[arg(long, env = "PORTAL_JOBS_INTERVAL_SECONDS", default_value_t = 30)]
    pub jobs_interval_seconds: u64,

    /// Hours between the periodic control-effect reports of level 3/4 incidents.
    #[arg(long, env = "PORTAL_CONTROL_REPORT_HOURS", default_value_t = 24)]
    pub control_report_hours: i64,

    /// Months without a notification-and-response drill (演練) before the agency is reminded:
    /// 1 to 12 (the Regulations ask for one every year; more often is allowed, less is not).
    #[arg(long, env = "PORTAL_DRILL_PERIOD_MONTHS", default_value_t = 12, value_parser = drill_period)]
    pub drill_period_months: u32,

    /// Largest evidence file accepted, in bytes (413 past it).
    #[arg(long, env = "PORTAL_EVIDENCE_LIMIT", default_value_t = 2 * 1024 * 1024 * 1024)]
    pub evidence_limit: u64,

    /// Seconds a request may take before the portal answers 503 itself (evidence uploads are
    /// bounded by the idle limit instead).
    #[arg(long, env = "PORTAL_REQUEST_TIMEOUT_SECONDS", default_value_t = 60)]
    pub request_timeout_seconds: u64,

    /// Seconds one SQL statement of the serving pool may run (PostgreSQL `statement_timeout`).
    #[arg(long, env = "PORTAL_STATEMENT_TIMEOUT_SECONDS", default_value_t = 30)]
    pub statement_timeout_seconds: u64,

    /// Seconds an evidence upload may send nothing before it is dropped (408).
    #[arg(long, env = "PORTAL_UPLOAD_IDLE_SECONDS", default_value_t = 30)]
    pub upload_idle_seconds: u64,

    /// Evidence uploads one user may run at once on a node (429 past it).
    #[arg(long, env = "PORTAL_UPLOADS_PER_USER", default_value_t = 2)]
    pub uploads_per_user: usize,

    /// The timeline key, 64 hex digits (wins over --timeline-key-file). Never stored in the
    /// database: without it, the timeline's links cannot be recomputed.
    #[arg(long, env = "PORTAL_TIMELINE_KEY", hide_env_values = true)]
    pub timeline_key: Option<String>,

    /// File holding the timeline key (64 hex digits). Unset: `timeline.key` in --data-dir,
    /// created with a random key on the first start.
    #[arg(long, env = "PORTAL_TIMELINE_KEY_FILE")]
    pub timeline_key_file: Option<PathBuf>,

    /// Folder of the append-only, signed checkpoint file of the timeline's chain heads
    /// (`timeline-checkpoints.log`). Unset: --data-dir. One folder per database.
    #[arg(long, env = "PORTAL_TIMELINE_CHECKPOINT_DIR")]
    pub timeline_checkpoint_dir: Option<PathBuf>,

    /// Minutes between checkpoints of the timeline's chain heads (0: only `portal
    /// checkpoint-timeline`). Runs with the other jobs (not when --jobs-interval-seconds is 0).
    #[arg(long, env = "PORTAL_TIMELINE_CHECKPOINT_MINUTES", default_value_t = 15)]
    pub timeline_checkpoint_minutes: u64,

    /// SSO: the agency identity provider's OpenID Connect issuer, e.g.
    /// https://login.agency.example.gov.tw (unset: no SSO). Its metadata is discovered from
    /// `<issuer>/.well-known/openid-configuration` at the first SSO sign-in.
    #[arg(long, env = "PORTAL_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,

    /// SSO: the portal's client id at the identity provider.
    #[arg(long, env = "PORTAL_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,

    /// SSO: the portal's client secret at the identity provider.
    #[arg(long, env = "PORTAL_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,

    /// SSO: the text of the sign-in page's SSO button, e.g. 機關單一登入 (unset: a generic one).
    #[arg(long, env = "PORTAL_OIDC_LABEL")]
    pub oidc_label: Option<String>,

    /// SSO: the agency codes (comma-separated) whose users may sign in by SSO (unset: all).
    #[arg(long, env = "PORTAL_OIDC_AGENCIES", value_delimiter = ',')]
    pub oidc_agencies: Vec<String>,

    /// Enforce the MFA policy: users whose role or agency requires MFA must enrol before using
    /// the portal, and the API refuses them a token until they have. False only shows the
    /// policy (for trying the portal without an authenticator app); users who have enrolled
    /// always need their code either way. `portal demo` defaults it to false.
    #[arg(long, env = "PORTAL_MFA_ENFORCED", default_value_t = true, action = clap::ArgAction::Set)]
    pub mfa_enforced: bool,
}

/// The timeline key of [`Settings::for_tests`]: tests are not secrets.
pub const TEST_TIMELINE_KEY: &str =
    "746573742074696d656c696e65206b657920e280942074657374206f6e6c7921";

/// `PORTAL_DRILL_PERIOD_MONTHS` / `--drill-period-months`: a number of months the Regulations
/// allow (`domain::team::check_drill_period`).
fn drill_period(raw: &str) -> Result<u32, String> {
    let months: u32 = raw
        .trim()
        .parse()
        .map_err(|_| format!("{raw:?} is not a whole number of months"))?;
    crate::domain::team::check_drill_period(months).map_err(|e| e.to_string())
}

/// `PORTAL_PUBLIC_URL`: an absolute http or https URL.
fn public_url(raw: &str) -> Result<Uri, String> {
    let uri: Uri = raw
        .trim()
        .parse()
        .map_err(|e| format!("{raw:?} is not a URL: {e}"))?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(_)) => Ok(uri),
        _ => Err(format!("{raw:?} is not an http:// or https:// address")),
    }
}

/// One `PORTAL_TRUSTED_PROXIES` entry: a CIDR range, or one address.
fn trusted_proxy(raw: &str) -> Result<IpNet, String> {
    let raw = raw.trim();
    raw.parse::<IpNet>()
        .or_else(|_| raw.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{raw:?} is neither an IP address nor a CIDR range"))
}

impl Settings {
    /// Where users reach the portal, for links sent to them (password resets).
    pub fn public_url(&self) -> String {
        self.public_url
            .as_ref()
            .map(|u| u.to_string().trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }

    /// Where the identity provider sends people back after an SSO sign-in (to be registered
    /// at the provider as the client's redirect URI).
    pub fn oidc_redirect_uri(&self) -> String {
        format!("{}/login/sso/callback", self.public_url())
    }

    /// The SSO issuer when SSO is on.
    pub fn oidc_issuer(&self) -> Option<&str> {
        self.oidc_issuer
            .as_deref()
            .map(str::trim)
            .filter(|i| !i.is_empty())
    }

    /// Whether browsers reach the portal over TLS: the session cookie is then Secure and
    /// responses ask for HTTPS from then on (HSTS).
    pub fn served_over_tls(&self) -> bool {
        self.secure_cookies
            || self
                .public_url
                .as_ref()
                .is_some_and(|u| u.scheme_str() == Some("https"))
    }

    /// What flags and the environment cannot check alone, for settings built in code too
    /// (embedding, tests): refused at start-up with the reason.
    pub fn check(&self) -> anyhow::Result<()> {
        crate::domain::team::check_drill_period(self.drill_period_months)
            .map_err(|e| anyhow::anyhow!("PORTAL_DRILL_PERIOD_MONTHS: {e}"))?;
        self.check_oidc()
    }

    /// SSO needs a client id and secret with its issuer, and an issuer that is an https URL
    /// (http only on this machine's loopback, for testing): the ID token's keys come from it.
    fn check_oidc(&self) -> anyhow::Result<()> {
        let set = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
        let Some(issuer) = self.oidc_issuer() else {
            if set(&self.oidc_client_id) || set(&self.oidc_client_secret) {
                anyhow::bail!(
                    "PORTAL_OIDC_CLIENT_ID or _SECRET is set but PORTAL_OIDC_ISSUER is not"
                );
            }
            return Ok(());
        };
        let uri: Uri = issuer
            .parse()
            .map_err(|e| anyhow::anyhow!("PORTAL_OIDC_ISSUER {issuer:?} is not a URL: {e}"))?;
        let loopback = uri.host().is_some_and(|h| {
            h == "localhost" || h.parse::<IpAddr>().is_ok_and(|a| a.is_loopback())
        });
        match uri.scheme_str() {
            Some("https") if uri.host().is_some() => {}
            Some("http") if loopback => {}
            _ => anyhow::bail!(
                "PORTAL_OIDC_ISSUER {issuer:?} must be an https:// address (http:// only on loopback)"
            ),
        }
        if !set(&self.oidc_client_id) || !set(&self.oidc_client_secret) {
            anyhow::bail!(
                "PORTAL_OIDC_ISSUER needs PORTAL_OIDC_CLIENT_ID and PORTAL_OIDC_CLIENT_SECRET"
            );
        }
        crate::domain::sso::SsoAgencies::parse(&self.oidc_agencies)
            .map_err(|e| anyhow::anyhow!("PORTAL_OIDC_AGENCIES: {e}"))?;
        Ok(())
    }

    /// Settings for tests and embedding: listen on a random loopback port.
    pub fn for_tests() -> Self {
        Settings {
            listen: "127.0.0.1:0".parse().expect("valid address"),
            database_url: None,
            app_database_url: None,
            data_dir: PathBuf::from("data"),
            public_url: None,
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            session_idle_minutes: 30,
            body_limit: 1024 * 1024,
            smtp_host: None,
            smtp_port: 25,
            smtp_tls: SmtpTls::None,
            smtp_username: None,
            smtp_password: None,
            smtp_ca_file: None,
            mail_max_attempts: 10,
            webhook_max_attempts: crate::domain::webhooks::DEFAULT_MAX_ATTEMPTS,
            webhook_timeout_seconds: 10,
            line_api_url: "https://api.line.me".into(),
            smtp_from: "portal@localhost".into(),
            // Tests run the jobs themselves, at the moment they choose.
            jobs_interval_seconds: 0,
            control_report_hours: 24,
            drill_period_months: 12,
            evidence_limit: 256 * 1024 * 1024,
            upload_idle_seconds: 30,
            request_timeout_seconds: 60,
            statement_timeout_seconds: 30,
            uploads_per_user: 2,
            timeline_key: Some(TEST_TIMELINE_KEY.into()),
            timeline_key_file: None,
            // A folder of its own, so that one test's checkpoints never meet another's database.
            timeline_checkpoint_dir: Some(std::env::temp_dir().join(format!(
                "portal-test-checkpoints-{}",
                uuid::Uuid::new_v4().simple()
            ))),
            timeline_checkpoint_minutes: 15,
            oidc_issuer: None,
            oidc_client_id: None,
            oidc_client_secret: None,
            oidc_label: None,
            oidc_agencies: Vec::new(),
            mfa_enforced: true,
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
            .field("public_url", &self.public_url)
            .field("secure_cookies", &self.secure_cookies)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("session_idle_minutes", &self.session_idle_minutes)
            .field("body_limit", &self.body_limit)
            .field("webhook_max_attempts", &self.webhook_max_attempts)
            .field("webhook_timeout_seconds", &self.webhook_timeout_seconds)
            .field("line_api_url", &self.line_api_url)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_tls", &self.smtp_tls)
            .field("smtp_username", &self.smtp_username)
            .field(
                "app_database_url",
                &self.app_database_url.as_ref().map(|_| "[redacted]"),
            )
            .field("jobs_interval_seconds", &self.jobs_interval_seconds)
            .field("drill_period_months", &self.drill_period_months)
            .field("evidence_limit", &self.evidence_limit)
            .field("upload_idle_seconds", &self.upload_idle_seconds)
            .field("request_timeout_seconds", &self.request_timeout_seconds)
            .field("statement_timeout_seconds", &self.statement_timeout_seconds)
            .field("uploads_per_user", &self.uploads_per_user)
            .field(
                "timeline_key",
                &self.timeline_key.as_ref().map(|_| "[redacted]"),
            )
            .field("timeline_key_file", &self.timeline_key_file)
            .field("timeline_checkpoint_dir", &self.timeline_checkpoint_dir)
            .field(
                "timeline_checkpoint_minutes",
                &self.timeline_checkpoint_minutes,
            )
            .field("oidc_issuer", &self.oidc_issuer)
            .field("oidc_client_id", &self.oidc_client_id)
            .field(
                "oidc_client_secret",
                &self.oidc_client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("oidc_label", &self.oidc_label)
            .field("oidc_agencies", &self.oidc_agencies)
            .field("mfa_enforced", &self.mfa_enforced)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Settings;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        settings: Settings,
    }

    #[test]
    fn a_drill_period_above_the_regulations_year_is_refused_at_start_up() {
        for ok in ["1", "6", "12"] {
            let cli = Cli::try_parse_from(["portal", "--drill-period-months", ok]).unwrap();
            assert_eq!(cli.settings.drill_period_months.to_string(), ok);
            assert!(cli.settings.check().is_ok());
        }
        for bad in ["13", "24", "0", "twelve"] {
            let err = Cli::try_parse_from(["portal", "--drill-period-months", bad])
                .err()
                .unwrap_or_else(|| panic!("{bad} is refused"))
                .to_string();
            assert!(err.contains(bad), "{err}");
        }
        let err = Cli::try_parse_from(["portal", "--drill-period-months", "18"])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("maximum of 12 months"), "says why: {err}");
        // Settings built in code are checked too.
        let mut s = Settings::for_tests();
        assert!(s.check().is_ok());
        s.drill_period_months = 13;
        let err = s.check().unwrap_err().to_string();
        assert!(
            err.contains("PORTAL_DRILL_PERIOD_MONTHS") && err.contains("12"),
            "{err}"
        );
        // The default is the Regulations' year.
        let cli = Cli::try_parse_from(["portal"]).unwrap();
        assert_eq!(cli.settings.drill_period_months, 12);
    }

    #[test]
    fn mfa_is_enforced_unless_switched_off() {
        assert!(
            Cli::try_parse_from(["portal"])
                .unwrap()
                .settings
                .mfa_enforced
        );
        let off = Cli::try_parse_from(["portal", "--mfa-enforced", "false"]).unwrap();
        assert!(!off.settings.mfa_enforced);
        assert!(Cli::try_parse_from(["portal", "--mfa-enforced", "maybe"]).is_err());
        assert!(
            Settings::for_tests().mfa_enforced,
            "embedding is safe by default"
        );
    }

    #[test]
    fn trusted_proxies_are_addresses_or_ranges() {
        let cli = Cli::try_parse_from(["portal", "--trusted-proxies", "10.0.0.0/8, 192.0.2.1,::1"])
            .unwrap();
        let proxies: Vec<String> = cli
            .settings
            .trusted_proxies
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(proxies, ["10.0.0.0/8", "192.0.2.1/32", "::1/128"]);
        for bad in ["10.0.0.0/33", "proxy.example", "10.0.0.1,"] {
            assert!(
                Cli::try_parse_from(["portal", "--trusted-proxies", bad]).is_err(),
                "{bad}"
            );
        }
        let default = Cli::try_parse_from(["portal"]).unwrap();
        assert!(default.settings.trusted_proxies.is_empty());
    }

    #[test]
    fn sso_needs_an_https_issuer_a_client_and_well_formed_agencies() {
        let with = |args: &[&str]| {
            let mut all = vec!["portal"];
            all.extend_from_slice(args);
            Cli::try_parse_from(all).unwrap().settings.check()
        };
        let client = ["--oidc-client-id", "portal", "--oidc-client-secret", "s"];
        let mut ok = vec!["--oidc-issuer", "https://login.agency.example.gov.tw"];
        ok.extend_from_slice(&client);
        assert!(with(&ok).is_ok());
        assert!(with(&[]).is_ok(), "SSO is off without an issuer");
        let mut local = vec!["--oidc-issuer", "http://127.0.0.1:4000"];
        local.extend_from_slice(&client);
        assert!(with(&local).is_ok(), "http on loopback, for tests");
        let mut plain = vec!["--oidc-issuer", "http://login.agency.example.gov.tw"];
        plain.extend_from_slice(&client);
        let err = with(&plain).unwrap_err().to_string();
        assert!(err.contains("https"), "{err}");
        let err = with(&["--oidc-issuer", "https://login.example"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("PORTAL_OIDC_CLIENT_ID"), "{err}");
        let err = with(&["--oidc-client-id", "portal"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("PORTAL_OIDC_ISSUER"), "{err}");
        let mut agencies = ok.clone();
        agencies.extend_from_slice(&["--oidc-agencies", "AGA,bad code"]);
        let err = with(&agencies).unwrap_err().to_string();
        assert!(err.contains("PORTAL_OIDC_AGENCIES"), "{err}");
        let s = Cli::try_parse_from(["portal", "--public-url", "https://portal.example.gov.tw/"])
            .unwrap()
            .settings;
        assert_eq!(
            s.oidc_redirect_uri(),
            "https://portal.example.gov.tw/login/sso/callback"
        );
        let mut secret = Settings::for_tests();
        secret.oidc_client_secret = Some("hunter2".into());
        assert!(!format!("{secret:?}").contains("hunter2"));
    }

    #[test]
    fn tls_follows_an_https_public_url() {
        let public = |url: &str| {
            Cli::try_parse_from(["portal", "--public-url", url])
                .map(|c| c.settings.served_over_tls())
                .map_err(|e| e.to_string())
        };
        assert_eq!(public("https://portal.example.gov.tw"), Ok(true));
        assert_eq!(public("http://localhost:8080"), Ok(false));
        assert!(public("portal.example.gov.tw").is_err());
        assert!(public("ftp://portal.example.gov.tw").is_err());
        assert!(!Cli::try_parse_from(["portal"])
            .unwrap()
            .settings
            .served_over_tls());
        let forced = Cli::try_parse_from(["portal", "--secure-cookies"]).unwrap();
        assert!(forced.settings.served_over_tls());
    }
}

/// How the outbox reaches the SMTP server (`PORTAL_SMTP_TLS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpTls {
    /// Plain SMTP: only for a relay on the same host.
    None,
    /// STARTTLS, required: the message is not sent if the server does not offer it.
    Starttls,
    /// Implicit TLS from the first byte (port 465).
    Tls,
}
