//! Background work inside each portal process: reminders of what is due and the e-mail
//! outbox. Several processes may run side by side: each incident, reminder and e-mail is
//! claimed in PostgreSQL with `FOR UPDATE SKIP LOCKED`, so nothing is sent twice. Jobs act for
//! the system, as the database owner (past row-level security), because they span every agency.
//!
//! Which reminders are due is the domain's (`domain::incident::reminders`): the job only picks
//! the incidents whose stored `reminder_at` has come, asks each what it owes, records it, and
//! stores when to look again.
//!
//! The timeline's chain heads are checkpointed to the signed file outside the database on their
//! own, slower interval (`services::timeline::checkpoint`).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::PgPool;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::config::{Settings, SmtpTls};
use crate::db;
use crate::domain::chain::ChainKey;
use crate::domain::incident::ReminderKind;
use crate::domain::notifications::reminder_recipients;
use crate::domain::webhooks;
use crate::domain::{AgencyId, ReminderPolicy};
use crate::timeline_log::CheckpointLog;

/// How many incidents one reminder run looks at, and how many reminders it sends.
const REMINDER_BATCH: i64 = 200;
/// How many e-mails one outbox run tries.
const MAIL_BATCH: usize = 50;

/// Starts the scheduler, the outbox sender and the timeline checkpoints on the owner's pool.
/// When `stop` turns true they finish what they are doing (a round of reminders, the e-mail
/// being sent and marked, a checkpoint) and end; the handle resolves once they all have, so
/// that a stopping process leaves no message claimed but unmarked.
pub fn spawn(
    owner: PgPool,
    settings: &Settings,
    key: ChainKey,
    log: CheckpointLog,
    stop: watch::Receiver<bool>,
    health: Arc<RunnerHealth>,
) -> JoinHandle<()> {
    let hooks = Webhooks::from_settings(settings, &key);
    let checkpoints = (settings.timeline_checkpoint_minutes > 0).then(|| {
        let every = Duration::from_secs(settings.timeline_checkpoint_minutes.saturating_mul(60));
        let owner = owner.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                if !next_round(&mut tick, &mut stop).await {
                    return;
                }
                match crate::services::timeline::checkpoint(&owner, &key, &log).await {
                    Ok(n) if n > 0 => tracing::info!(heads = n, "timeline checkpointed"),
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "timeline checkpoint failed")
                    }
                }
            }
        })
    });
    let every = Duration::from_secs(settings.jobs_interval_seconds.max(1));
    let policy = ReminderPolicy::with_control_report_hours(settings.control_report_hours);
    let drill_months = settings.drill_period_months;
    let smtp = settings.smtp_host.clone().map(|host| Smtp {
        host,
        port: settings.smtp_port,
        from: settings.smtp_from.clone(),
        tls: settings.smtp_tls,
        credentials: settings
            .smtp_username
            .clone()
            .map(|u| (u, settings.smtp_password.clone().unwrap_or_default())),
        ca_file: settings.smtp_ca_file.clone(),
        max_attempts: settings.mail_max_attempts.max(1),
    });
    let every_seconds = every.as_secs() as i64;
    let mut stop = stop;
    let rounds = tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            if !next_round(&mut tick, &mut stop).await {
                return;
            }
            health.round_started(every_seconds);
            if let Err(e) = remind(&owner, &policy).await {
                tracing::warn!(error = %e, "reminder run failed");
            }
            if let Err(e) = remind_drills(&owner, drill_months).await {
                tracing::warn!(error = %e, "drill reminder run failed");
            }
            if let Err(e) = remind_tracking(&owner).await {
                tracing::warn!(error = %e, "tracking reminder run failed");
            }
            if let Err(e) = remind_drill_results(&owner).await {
                tracing::warn!(error = %e, "drill results reminder run failed");
            }
            if let Err(e) = purge_sign_in_attempts(&owner).await {
                tracing::warn!(error = %e, "sign-in attempt purge failed");
            }
            match crate::services::retention::purge_due(&owner, Utc::now()).await {
                Ok(p) if p.records + p.evidence > 0 => {
                    tracing::info!(
                        records = p.records,
                        evidence = p.evidence,
                        "retention purge"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "retention purge failed"),
            }
            if let Some(smtp) = &smtp {
                let stopping = || *stop.borrow();
                if let Err(e) = send_outbox_until(&owner, smtp, stopping).await {
                    tracing::warn!(error = %e, "outbox run failed");
                }
            }
            let stopping = || *stop.borrow();
            if let Err(e) = send_webhooks_until(&owner, &hooks, stopping).await {
                tracing::warn!(error = %e, "webhook run failed");
            }
        }
    });
    tokio::spawn(async move {
        let _ = rounds.await;
        if let Some(checkpoints) = checkpoints {
            let _ = checkpoints.await;
        }
    })
}

/// Waits for the next tick; false once `stop` has turned true (or its sender is gone), so a
/// round is never begun after the process was told to stop.
async fn next_round(tick: &mut tokio::time::Interval, stop: &mut watch::Receiver<bool>) -> bool {
    if *stop.borrow() {
        return false;
    }
    let ticked = tokio::select! {
        _ = tick.tick() => true,
        _ = stop.wait_for(|s| *s) => false,
    };
    ticked && !*stop.borrow()
}

/// Records the reminders that have come due, then sends the unsent ones. Returns how many
/// reminders this run sent. With no competent authority registered yet (a database still being
/// set up) there is nobody to remind, and it does nothing.
pub async fn remind(pool: &PgPool, policy: &ReminderPolicy) -> Result<u64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(ca) = db::agencies::competent_authority(&mut tx).await? else {
        return Ok(0);
    };
    let now = Utc::now();
    for mut incident in db::incidents::claim_due_for_reminders(&mut tx, REMINDER_BATCH).await? {
        incident.oversight.competent_authority = ca.id;
        for due in incident.due_reminders(policy, now) {
            db::jobs::record_reminder(&mut tx, incident.agency, incident.id, &due).await?;
        }
        let next = incident.next_reminder_after(policy, now);
        db::incidents::set_reminder_at(&mut tx, incident.id, next).await?;
    }
    tx.commit().await?;

    let mut tx = pool.begin().await?;
    let claimed = db::jobs::claim_unsent_reminders(&mut tx, REMINDER_BATCH).await?;
    let mut sent = Vec::new();
    for r in &claimed {
        let Some(kind) = ReminderKind::parse(&r.kind) else {
            continue;
        };
        let recipients = reminder_recipients(
            kind.reminder(),
            AgencyId(r.agency_id),
            r.escalation_target_id.map(AgencyId),
            ca.id,
        );
        db::notifications::notify(
            &mut tx,
            &recipients,
            r.incident_id,
            &r.number,
            kind.as_str(),
            &(String::new(), String::new()),
            Uuid::nil(),
        )
        .await?;
        queue_reminder_webhooks(&mut tx, r, kind, now).await?;
        sent.push(r.id);
    }
    db::jobs::mark_reminders_sent(&mut tx, &sent).await?;
    tx.commit().await?;
    Ok(sent.len() as u64)
}

/// Queues a reminder's webhook event (a deadline soon or missed) for the endpoints of the
/// incident's agency and the agencies above it, on the reminder's transaction.
async fn queue_reminder_webhooks(
    conn: &mut sqlx::PgConnection,
    r: &db::jobs::UnsentReminder,
    kind: ReminderKind,
    now: chrono::DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let above = db::webhooks::agencies_above(conn, r.agency_id).await?;
    let agencies = webhooks::receiving_agencies(AgencyId(r.agency_id), &above);
    let level = u8::try_from(r.level).ok();
    let o = webhooks::reminder_occurrence(kind, r.incident_id, &r.number, level, r.due_at, now);
    db::webhooks::enqueue_as_system(conn, &agencies, &o).await?;
    Ok(())
}

/// Deletes the sign-in attempts older than the retention period
/// (`services::auth::SIGN_IN_RETENTION_DAYS`); returns how many. Idempotent, so every process
/// may run it.
pub async fn purge_sign_in_attempts(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let before = Utc::now() - chrono::Duration::days(crate::services::auth::SIGN_IN_RETENTION_DAYS);
    let mut conn = pool.acquire().await?;
    db::sign_in::delete_older_than(&mut conn, before).await
}

/// Reminds each agency whose drill (演練) is overdue or was never held, once per due date:
/// an e-mail to its CISO and security officers. Returns how many agencies were reminded.
pub async fn remind_drills(pool: &PgPool, period_months: u32) -> Result<u64, sqlx::Error> {
    use crate::domain::team::{drill_status, DrillKind, DrillStatus};
    use crate::i18n::Lang;
    let today = crate::domain::to_taipei(chrono::Utc::now()).date_naive();
    let mut reminded = 0;
    for kind in [
        DrillKind::NotificationResponse,
        DrillKind::SocialEngineering,
    ] {
        let period = crate::services::preparedness::period_for(kind, period_months);
        let mut tx = pool.begin().await?;
        for (agency, last) in
            db::preparedness::last_drill_per_agency(&mut tx, kind.as_str()).await?
        {
            let due = match drill_status(kind, last, period, today) {
                DrillStatus::Overdue { due, .. } => due,
                // Never held: remind once, keyed on the first day it was noticed.
                DrillStatus::NeverHeld => crate::domain::team::earliest_drill_date(),
                DrillStatus::DueOn(_) => continue,
            };
            if !db::preparedness::claim_agency_reminder(&mut tx, agency, kind.as_str(), due).await?
            {
                continue;
            }
            let status = drill_status(kind, last, period, today).text(kind);
            let (zh, en) = status.both();
            let subject = format!("{zh} / {en}");
            let body = format!("{zh}\n{en}\n\n{}\n", Lang::ZhTw.get("mail.signature"));
            db::notifications::queue_mail_to_roles(
                &mut tx,
                agency,
                &["ciso", "security_officer"],
                &subject,
                &body,
            )
            .await?;
            reminded += 1;
        }
        tx.commit().await?;
    }
    Ok(reminded)
}

/// Reminds agencies of their tracked improvement items (追蹤管考) due within the week or past
/// due, once each: an e-mail to 後勤調度組 and the security staff. Returns how many were sent.
pub async fn remind_tracking(pool: &PgPool) -> Result<u64, sqlx::Error> {
    use crate::domain::tracking::{tracking_reminder, TrackingReminder};
    use crate::i18n::{Lang, Text};
    let today = crate::domain::to_taipei(Utc::now()).date_naive();
    let mut tx = pool.begin().await?;
    let mut sent = 0;
    for row in db::tracking::open_items(&mut tx).await? {
        let Some(reminder) = tracking_reminder(&row.item(), today) else {
            continue;
        };
        let kind = reminder.kind(row.id);
        if !db::preparedness::claim_agency_reminder(&mut tx, row.agency_id, &kind, row.due_on)
            .await?
        {
            continue;
        }
        let key = match reminder {
            TrackingReminder::Soon => "tracking.mail.soon",
            TrackingReminder::Missed => "tracking.mail.missed",
        };
        let text = Text::key(key)
            .with("description", &row.description)
            .with("number", &row.number)
            .with("due", row.due_on.to_string());
        let (zh, en) = text.both();
        let body = format!("{zh}\n{en}\n\n{}\n", Lang::ZhTw.get("mail.signature"));
        db::notifications::queue_mail_to_roles(
            &mut tx,
            row.agency_id,
            &["logistics", "security_officer"],
            &format!("[{}] {zh} / {en}", row.number),
            &body,
        )
        .await?;
        sent += 1;
    }
    tx.commit().await?;
    Ok(sent)
}

/// Reminds each agency whose drill results are overdue to the competent authority (art. 10:
/// within one month of the drill), once per drill kind and due date: an e-mail to its CISO and
/// security officers. Which drills are due is the domain's (`team::drill_results_reminder`).
/// Returns how many reminders were queued.
pub async fn remind_drill_results(pool: &PgPool) -> Result<u64, sqlx::Error> {
    use crate::domain::team::{self, DrillKind};
    use crate::i18n::Lang;
    let today = crate::domain::to_taipei(Utc::now()).date_naive();
    let mut tx = pool.begin().await?;
    let held_from = team::drill_results_reminders_held_from(today);
    let mut reminded = 0;
    for d in db::preparedness::unreported_drills(&mut tx, held_from).await? {
        let (Some(kind), Some(due)) = (
            DrillKind::parse(&d.kind),
            team::drill_results_reminder(d.held_on, None, today),
        ) else {
            continue;
        };
        let key = format!("drill_results.{}", kind.as_str());
        if !db::preparedness::claim_agency_reminder(&mut tx, d.agency_id, &key, due).await? {
            continue;
        }
        let (zh, en) = team::drill_results_reminder_text(kind, d.held_on, today).both();
        let subject = format!("{zh} / {en}");
        let body = format!("{zh}\n{en}\n\n{}\n", Lang::ZhTw.get("mail.signature"));
        db::notifications::queue_mail_to_roles(
            &mut tx,
            d.agency_id,
            &["ciso", "security_officer"],
            &subject,
            &body,
        )
        .await?;
        reminded += 1;
    }
    tx.commit().await?;
    Ok(reminded)
}

/// When this application's job runner last started a round (Unix seconds; 0: never), and its
/// interval (0: no runner): `/readyz` reports a runner that has stopped. One per application,
/// not per process, so that two applications in one process (the tests) each tell their own.
#[derive(Debug, Default)]
pub struct RunnerHealth {
    last_run: AtomicI64,
    every: AtomicI64,
}

/// The job runner of this process: not started, running, or late (no round for three
/// intervals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunnerState {
    Off,
    Running,
    Late,
}

impl RunnerHealth {
    fn round_started(&self, every_seconds: i64) {
        self.last_run
            .store(Utc::now().timestamp(), Ordering::Relaxed);
        self.every.store(every_seconds, Ordering::Relaxed);
    }

    pub fn state(&self) -> RunnerState {
        runner_state(
            self.last_run.load(Ordering::Relaxed),
            self.every.load(Ordering::Relaxed),
        )
    }
}

fn runner_state(last: i64, every: i64) -> RunnerState {
    if every == 0 {
        RunnerState::Off
    } else if Utc::now().timestamp() - last > 3 * every + 60 {
        RunnerState::Late
    } else {
        RunnerState::Running
    }
}

/// Where e-mail goes out.
#[derive(Clone, Debug)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub from: String,
    pub tls: SmtpTls,
    /// SMTP AUTH (user name, password).
    pub credentials: Option<(String, String)>,
    /// A PEM file of extra root certificates (an agency's own CA), besides the system's.
    pub ca_file: Option<std::path::PathBuf>,
    /// Attempts before a message is given up on and shown as failed.
    pub max_attempts: i32,
}

impl Smtp {
    /// Plain SMTP without AUTH (a relay on the same host).
    pub fn plain(host: &str, port: u16, from: &str) -> Self {
        Smtp {
            host: host.into(),
            port,
            from: from.into(),
            tls: SmtpTls::None,
            credentials: None,
            ca_file: None,
            max_attempts: 10,
        }
    }

    /// The transport: TLS as configured (certificates checked against the system's roots and
    /// the configured CA file), AUTH when credentials are given.
    pub fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        use lettre::transport::smtp::authentication::Credentials;
        use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
        let parameters = || -> Result<TlsParameters, String> {
            let mut b = TlsParameters::builder(self.host.clone());
            if let Some(path) = &self.ca_file {
                let pem = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
                b = b.add_root_certificate(Certificate::from_pem(&pem).map_err(|e| e.to_string())?);
            }
            b.build_rustls().map_err(|e| e.to_string())
        };
        let tls = match self.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => Tls::Required(parameters()?),
            SmtpTls::Tls => Tls::Wrapper(parameters()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            .port(self.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(10)));
        if let Some((user, password)) = &self.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(builder.build())
    }
}

/// The wait before retry `attempt` (1, 2, …): doubling from 30 seconds, at most an hour.
pub fn backoff(attempt: i32) -> chrono::Duration {
    let secs = 30i64.saturating_mul(1i64 << attempt.clamp(0, 7));
    chrono::Duration::seconds(secs.min(3600))
}

/// Sends what is due in the outbox, one message per short transaction (claim, send, mark). A
/// failure stays in the outbox with its error and is retried later; it never undoes the action
/// that queued it. Returns how many were sent.
pub async fn send_outbox(pool: &PgPool, smtp: &Smtp) -> Result<u64, sqlx::Error> {
    send_outbox_until(pool, smtp, || false).await
}

/// `send_outbox`, claiming no further message once `stopping` says so: the one being sent is
/// still sent and marked.
pub async fn send_outbox_until(
    pool: &PgPool,
    smtp: &Smtp,
    stopping: impl Fn() -> bool,
) -> Result<u64, sqlx::Error> {
    let mailer = match smtp.transport() {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = %e, "SMTP settings unusable; e-mail stays queued");
            return Ok(0);
        }
    };
    let mut sent = 0;
    for _ in 0..MAIL_BATCH {
        if stopping() {
            break;
        }
        let Some(mail) = db::jobs::claim_due_mail(pool, MAIL_LEASE_SECONDS).await? else {
            break;
        };
        match deliver(&mailer, smtp, &mail).await {
            Ok(()) => {
                db::jobs::mark_mail_sent(pool, mail.id).await?;
                sent += 1;
            }
            Err(error) => {
                let attempts = mail.attempts;
                let retry_at =
                    (attempts < smtp.max_attempts).then(|| Utc::now() + backoff(attempts));
                db::jobs::mark_mail_failed(pool, mail.id, retry_at, &error).await?;
                match retry_at {
                    Some(_) => {
                        tracing::warn!(outbox = mail.id, attempts, error = %error, "e-mail not sent; will retry")
                    }
                    None => {
                        tracing::error!(outbox = mail.id, attempts, error = %error, "e-mail given up on after its last attempt")
                    }
                }
            }
        }
    }
    Ok(sent)
}

/// How long a claimed message is this node's to send: longer than one SMTP conversation can
/// take (the transport's timeout is 10 s per command).
const MAIL_LEASE_SECONDS: i64 = 120;

/// The message's Message-ID, the same at every attempt: a receiver that got it once (a node
/// died between sending and marking) can drop the second copy.
pub fn message_id(mail: &db::jobs::QueuedMail, host: &str) -> String {
    format!("<outbox-{}-{}@{host}>", mail.id, mail.agency_id.simple())
}

async fn deliver(
    mailer: &AsyncSmtpTransport<Tokio1Executor>,
    smtp: &Smtp,
    mail: &db::jobs::QueuedMail,
) -> Result<(), String> {
    let message = Message::builder()
        .from(
            smtp.from
                .parse::<Mailbox>()
                .map_err(|e| format!("sender: {e}"))?,
        )
        .to(mail
            .to_address
            .parse::<Mailbox>()
            .map_err(|e| format!("recipient: {e}"))?)
        .message_id(Some(message_id(
            mail,
            smtp.from.rsplit('@').next().unwrap_or("incident-portal"),
        )))
        .subject(mail.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| e.to_string())?;
    mailer
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Where webhook events go out, and how.
#[derive(Clone, Debug)]
pub struct Webhooks {
    /// What the endpoints' secrets are sealed under.
    pub key: webhooks::SecretKey,
    /// The portal's address (links in the events) and LINE's API.
    pub sites: webhooks::Sites,
    /// Attempts before a delivery is given up on.
    pub max_attempts: i32,
    /// For one delivery, from connecting to the receiver's answer.
    pub timeout: Duration,
}

impl Webhooks {
    pub fn from_settings(settings: &Settings, key: &ChainKey) -> Self {
        Webhooks {
            key: webhooks::SecretKey::from_timeline_key(key),
            sites: webhooks::Sites {
                portal_url: settings.public_url(),
                line_api_url: settings.line_api_url.clone(),
            },
            max_attempts: settings.webhook_max_attempts.max(1),
            timeout: Duration::from_secs(settings.webhook_timeout_seconds.max(1)),
        }
    }
}

/// How many webhook deliveries one run tries.
const WEBHOOK_BATCH: usize = 50;
/// How many are in flight at once: one receiver that does not answer (each attempt waits for
/// the whole timeout) must not hold up the others, nor the next round's deadline reminders,
/// for a batch's worth of timeouts.
const WEBHOOK_PARALLEL: usize = 8;
/// How long a claimed delivery is this node's: well past one request's timeout.
const WEBHOOK_LEASE_SECONDS: i64 = 120;

/// Delivers what is due in the webhook outbox, up to [`WEBHOOK_PARALLEL`] at a time (each:
/// claim, POST, record), no transaction open across a POST. A failure is logged with its attempt
/// and retried after the domain's backoff, or given up on after the last attempt. Deliveries are
/// not ordered (a retried one arrives after later ones): receivers order by `occurred_at`.
/// Returns how many were delivered.
pub async fn send_webhooks(pool: &PgPool, hooks: &Webhooks) -> Result<u64, sqlx::Error> {
    send_webhooks_until(pool, hooks, || false).await
}

/// `send_webhooks`, claiming nothing further once `stopping` says so.
pub async fn send_webhooks_until(
    pool: &PgPool,
    hooks: &Webhooks,
    stopping: impl Fn() -> bool,
) -> Result<u64, sqlx::Error> {
    // Nothing due is the common round: the client (and its reading of the system's roots) is
    // made only once a delivery is claimed.
    let mut client: Option<reqwest::Client> = None;
    let mut inflight = tokio::task::JoinSet::new();
    let (mut claimed, mut delivered, mut drained) = (0, 0, false);
    loop {
        while !drained && inflight.len() < WEBHOOK_PARALLEL && claimed < WEBHOOK_BATCH {
            if stopping() {
                drained = true;
                break;
            }
            match db::webhooks::claim_due(pool, WEBHOOK_LEASE_SECONDS).await? {
                Some(d) => {
                    claimed += 1;
                    if client.is_none() {
                        client = webhook_client(hooks);
                    }
                    // No client: this delivery stays leased and is claimed again after the
                    // lease, like one whose node stopped.
                    let Some(client) = client.clone() else {
                        drained = true;
                        break;
                    };
                    let (pool, hooks) = (pool.clone(), hooks.clone());
                    inflight.spawn(async move { attempt_webhook(&pool, &hooks, &client, d).await });
                }
                None => drained = true,
            }
        }
        let Some(done) = inflight.join_next().await else {
            break;
        };
        match done {
            Ok(Ok(true)) => delivered += 1,
            Ok(Ok(false)) => {}
            Ok(Err(e)) => return Err(e),
            // A panicking attempt leaves its delivery leased; it is claimed again after the lease.
            Err(e) => tracing::error!(error = %e, "a webhook attempt failed to finish"),
        }
    }
    Ok(delivered)
}

/// The client deliveries are sent with. Redirects are not followed: an event goes to the
/// address its administrator gave.
fn webhook_client(hooks: &Webhooks) -> Option<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(hooks.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .inspect_err(|e| tracing::warn!(error = %e, "no HTTP client; webhook events stay queued"))
        .ok()
}

/// One claimed delivery: POST it, record the attempt. True when it was delivered.
async fn attempt_webhook(
    pool: &PgPool,
    hooks: &Webhooks,
    client: &reqwest::Client,
    d: db::webhooks::DueDelivery,
) -> Result<bool, sqlx::Error> {
    use webhooks::{AfterAttempt, Outcome};
    let outcome = deliver_webhook(client, hooks, &d).await;
    let after = webhooks::after_attempt(&outcome, d.attempts, hooks.max_attempts, Utc::now());
    let (status, error) = match &outcome {
        Outcome::Status(s) => (Some(*s), None),
        Outcome::Error(e) => (None, Some(e.as_str())),
    };
    db::webhooks::record_attempt(pool, &d, status, error, after).await?;
    match after {
        AfterAttempt::Delivered => return Ok(true),
        AfterAttempt::RetryAt(_) => {
            tracing::warn!(delivery = %d.id, attempt = d.attempts, outcome = ?outcome, "webhook not delivered; will retry")
        }
        AfterAttempt::GiveUp => {
            tracing::error!(delivery = %d.id, attempt = d.attempts, outcome = ?outcome, "webhook given up on after its last attempt")
        }
    }
    Ok(false)
}

/// One attempt: the request the domain makes of the delivery, and how the receiver answered.
async fn deliver_webhook(
    client: &reqwest::Client,
    hooks: &Webhooks,
    d: &db::webhooks::DueDelivery,
) -> webhooks::Outcome {
    use webhooks::{Destination, EndpointKind, HookEvent, Occurrence, Outcome};
    let (Some(kind), Some(event)) = (
        EndpointKind::parse(&d.endpoint_kind),
        HookEvent::parse(&d.event),
    ) else {
        return Outcome::Error(format!(
            "unknown kind {} or event {}",
            d.endpoint_kind, d.event
        ));
    };
    let Some(secret) = hooks.key.open(d.endpoint_id, &d.secret_sealed) else {
        return Outcome::Error(
            "the endpoint's secret does not open under this portal's key".into(),
        );
    };
    let level = |l: Option<i16>| l.and_then(|l| u8::try_from(l).ok());
    let o = Occurrence {
        event,
        kind: d.kind.clone(),
        incident: d.incident_id,
        number: d.number.clone(),
        level: level(d.level),
        level_from: level(d.level_from),
        deadline: d.deadline,
        occurred_at: d.occurred_at,
    };
    let to = Destination {
        kind,
        address: d.address.clone(),
        secret,
    };
    let request = webhooks::request(&to, &o, d.id, Utc::now(), &hooks.sites);
    let mut post = client.post(&request.url).body(request.body);
    for (name, value) in &request.headers {
        post = post.header(*name, value);
    }
    match post.send().await {
        Ok(answer) => Outcome::Status(answer.status().as_u16()),
        Err(e) => Outcome::Error(http_error(e)),
    }
}

/// What went wrong, with its causes, and without the URL: a Slack or Teams address is the
/// endpoint's secret, and the error is shown in the delivery log.
fn http_error(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn retries_back_off_by_doubling_up_to_an_hour() {
        assert_eq!(backoff(1).num_seconds(), 60);
        assert_eq!(backoff(2).num_seconds(), 120);
        assert!(backoff(3) > backoff(2));
        assert_eq!(backoff(20).num_seconds(), 3600);
    }
}
