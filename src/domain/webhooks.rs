//! Outgoing webhooks and chat alerts (#17): the deadlines are an hour to report and two to
//! review a major incident, so an agency's duty officers are told where they already are (their
//! own system, LINE, Slack, Teams), not only by an e-mail read in the morning.
//!
//! Everything that decides is here: which of the portal's events go out and under what name,
//! what the signed JSON and the chat text say, the signature, which agencies' endpoints hear an
//! incident's event, when a failed delivery is tried again and when it is given up on, which
//! addresses are acceptable, how a stored secret is sealed, and who may configure endpoints.
//! The outbox rows, the HTTP call and the pages are the other layers'.

use std::net::IpAddr;

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::KeyInit as _;
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use uuid::Uuid;

use super::agency::AgencyId;
use super::chain::ChainKey;
use super::incident::{IncidentEvent, ReminderKind};
use super::notifications::{self, Event};
use super::roles::{Actor, Denied, Role};
use super::stages::IncidentStatus;
use crate::i18n::Text;

/// Where an endpoint delivers, and so what it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointKind {
    /// The agency's own receiver: the signed JSON event.
    Generic,
    /// LINE Messaging API push message to a user or group.
    Line,
    /// A Slack(-compatible) incoming webhook: `{"text": …}`.
    Slack,
    /// A Microsoft Teams incoming webhook, which takes the same `{"text": …}`.
    Teams,
}

impl EndpointKind {
    pub const ALL: [EndpointKind; 4] = [
        EndpointKind::Generic,
        EndpointKind::Line,
        EndpointKind::Slack,
        EndpointKind::Teams,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EndpointKind::Generic => "generic",
            EndpointKind::Line => "line",
            EndpointKind::Slack => "slack",
            EndpointKind::Teams => "teams",
        }
    }

    pub fn parse(s: &str) -> Option<EndpointKind> {
        EndpointKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The catalog key of its name on the pages.
    pub fn label_key(self) -> &'static str {
        match self {
            EndpointKind::Generic => "webhooks.kind.generic",
            EndpointKind::Line => "webhooks.kind.line",
            EndpointKind::Slack => "webhooks.kind.slack",
            EndpointKind::Teams => "webhooks.kind.teams",
        }
    }

    /// A chat service's incoming-webhook address grants posting to whoever holds it, so for
    /// Slack and Teams the address is the secret; the others have a plain address (generic) or
    /// a recipient id (LINE) beside a secret.
    pub fn address_is_secret(self) -> bool {
        matches!(self, EndpointKind::Slack | EndpointKind::Teams)
    }
}

/// An event as the receivers know it (`X-Portal-Event`, the JSON's `event`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookEvent {
    Filed,
    LevelChanged,
    Reviewed,
    DeadlineSoon,
    DeadlineMissed,
    CommanderDecided,
    ReportSubmitted,
    Closed,
    /// Sent by an administrator's "send a test event" button.
    Test,
}

impl HookEvent {
    pub const ALL: [HookEvent; 9] = [
        HookEvent::Filed,
        HookEvent::LevelChanged,
        HookEvent::Reviewed,
        HookEvent::DeadlineSoon,
        HookEvent::DeadlineMissed,
        HookEvent::CommanderDecided,
        HookEvent::ReportSubmitted,
        HookEvent::Closed,
        HookEvent::Test,
    ];

    pub fn name(self) -> &'static str {
        match self {
            HookEvent::Filed => "incident.filed",
            HookEvent::LevelChanged => "incident.level_changed",
            HookEvent::Reviewed => "incident.reviewed",
            HookEvent::DeadlineSoon => "incident.deadline_soon",
            HookEvent::DeadlineMissed => "incident.deadline_missed",
            HookEvent::CommanderDecided => "incident.commander_decided",
            HookEvent::ReportSubmitted => "incident.report_submitted",
            HookEvent::Closed => "incident.closed",
            HookEvent::Test => "portal.test",
        }
    }

    pub fn parse(name: &str) -> Option<HookEvent> {
        HookEvent::ALL.into_iter().find(|e| e.name() == name)
    }

    /// What an endpoint may choose to hear: every event but the test, which an administrator
    /// asks for and which is therefore always delivered (even to a paused endpoint).
    pub const CHOOSABLE: [HookEvent; 8] = [
        HookEvent::Filed,
        HookEvent::LevelChanged,
        HookEvent::Reviewed,
        HookEvent::DeadlineSoon,
        HookEvent::DeadlineMissed,
        HookEvent::CommanderDecided,
        HookEvent::ReportSubmitted,
        HookEvent::Closed,
    ];

    /// The catalog key of what the chat text and the delivery log call it.
    pub fn label_key(self) -> &'static str {
        match self {
            HookEvent::Filed => "webhooks.event.filed",
            HookEvent::LevelChanged => "webhooks.event.level_changed",
            HookEvent::Reviewed => "webhooks.event.reviewed",
            HookEvent::DeadlineSoon => "webhooks.event.deadline_soon",
            HookEvent::DeadlineMissed => "webhooks.event.deadline_missed",
            HookEvent::CommanderDecided => "webhooks.event.commander_decided",
            HookEvent::ReportSubmitted => "webhooks.event.report_submitted",
            HookEvent::Closed => "webhooks.event.closed",
            HookEvent::Test => "webhooks.event.test",
        }
    }
}

/// Which notification goes out as a webhook event. Matched without a catch-all, so that a new
/// kind of notification is a decision here, not silence.
pub fn of_notice(event: Event) -> Option<HookEvent> {
    match event {
        Event::Filed { .. } => Some(HookEvent::Filed),
        // The same filing, told to the team and the competent authority: `Filed` carries it.
        Event::MajorFiled => None,
        Event::LevelChanged { .. } => Some(HookEvent::LevelChanged),
        Event::CommanderDecided { .. } => Some(HookEvent::CommanderDecided),
        Event::ReportSubmitted { .. } => Some(HookEvent::ReportSubmitted),
        // The rest are the procedure's inner steps (a stage ready, a comment, a relay, an
        // extension): the portal and e-mail tell those; a duty officer's phone is for what has
        // a deadline on it.
        Event::StageReady { .. }
        | Event::SubmittedToCommander
        | Event::SupervisorComment
        | Event::AgencyReplied { .. }
        | Event::FollowUpReported { .. }
        | Event::ReviewRechecked
        | Event::ReviewRelayed
        | Event::ExtensionRequested
        | Event::ExtensionDecided { .. }
        | Event::ControlEffectReported
        | Event::ProgressReported
        | Event::ReportsForwarded => None,
    }
}

/// What the timeline records that no notification tells: a review (with or without a change
/// of level) and the closing.
pub fn of_timeline(event: &IncidentEvent) -> Option<HookEvent> {
    match event {
        IncidentEvent::LevelReviewed { .. } => Some(HookEvent::Reviewed),
        IncidentEvent::StageCompleted {
            now: IncidentStatus::Closed,
            ..
        } => Some(HookEvent::Closed),
        _ => None,
    }
}

/// A reminder: a deadline within the hour (or a periodic report due now), or one missed.
pub fn of_reminder(kind: ReminderKind) -> HookEvent {
    use ReminderKind as K;
    match kind {
        K::ReviewSoon
        | K::ContainmentSoon
        | K::ReportSoon
        | K::ImprovementSoon
        | K::ControlEffectDue
        | K::ProgressDue
        | K::CisoMeetingDue => HookEvent::DeadlineSoon,
        K::ReviewMissed | K::ContainmentMissed | K::ReportMissed | K::ImprovementMissed => {
            HookEvent::DeadlineMissed
        }
    }
}

/// One event as it is queued: everything its JSON and its chat text are made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub event: HookEvent,
    /// The notification or reminder kind (`filed`, `approved`, `review_soon`, …; `reviewed`,
    /// `closed`, `test`), which says more than the event name.
    pub kind: String,
    pub incident: Option<Uuid>,
    pub number: String,
    pub level: Option<u8>,
    /// The level before, for a change of level.
    pub level_from: Option<u8>,
    /// The deadline the event is about (a reminder's), or the incident's nearest open one.
    pub deadline: Option<DateTime<Utc>>,
    pub occurred_at: DateTime<Utc>,
}

/// An incident as the occurrences of one change name it.
#[derive(Debug, Clone, Copy)]
pub struct IncidentRef<'a> {
    pub id: Uuid,
    pub number: &'a str,
    pub level: u8,
    /// Its nearest deadline not yet met, if any.
    pub next_due: Option<DateTime<Utc>>,
}

/// The webhook events of one applied change: its notices and its timeline entries, each event
/// once.
pub fn occurrences(
    incident: IncidentRef<'_>,
    notices: &[Event],
    entries: &[IncidentEvent],
    now: DateTime<Utc>,
) -> Vec<Occurrence> {
    let mut out: Vec<Occurrence> = Vec::new();
    let mut push = |event: HookEvent, kind: &str, level_from: Option<u8>| {
        if out.iter().any(|o| o.event == event) {
            return;
        }
        out.push(Occurrence {
            event,
            kind: kind.to_string(),
            incident: Some(incident.id),
            number: incident.number.to_string(),
            level: Some(incident.level),
            level_from,
            deadline: incident.next_due,
            occurred_at: now,
        });
    };
    for notice in notices {
        if let Some(e) = of_notice(*notice) {
            let from = match notice {
                Event::LevelChanged { from, .. } => Some(from.number()),
                _ => None,
            };
            push(e, notice.kind(), from);
        }
    }
    for entry in entries {
        if let Some(e) = of_timeline(entry) {
            let kind = if e == HookEvent::Closed {
                "closed"
            } else {
                "reviewed"
            };
            push(e, kind, None);
        }
    }
    out
}

/// A reminder's occurrence: the deadline it is about.
pub fn reminder_occurrence(
    kind: ReminderKind,
    incident: Uuid,
    number: &str,
    level: Option<u8>,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Occurrence {
    Occurrence {
        event: of_reminder(kind),
        kind: kind.as_str().to_string(),
        incident: Some(incident),
        number: number.to_string(),
        level,
        level_from: None,
        deadline: Some(due_at),
        occurred_at: now,
    }
}

/// What the test button sends: no incident, only that the endpoint works.
pub fn test_occurrence(now: DateTime<Utc>) -> Occurrence {
    Occurrence {
        event: HookEvent::Test,
        kind: "test".into(),
        incident: None,
        number: String::new(),
        level: None,
        level_from: None,
        deadline: None,
        occurred_at: now,
    }
}

/// Whose endpoints hear an incident's event: its own agency's and every agency above it in the
/// supervision chain (superior, sector authority, supervising agency, up to the competent
/// authority), each once.
pub fn receiving_agencies(agency: AgencyId, chain: &[AgencyId]) -> Vec<AgencyId> {
    let mut out = vec![agency];
    for a in chain {
        if !out.contains(a) {
            out.push(*a);
        }
    }
    out
}

// ---- what is sent -----------------------------------------------------------------------

/// A time as the chat text shows it: Taipei wall-clock time.
fn taipei_minute(at: DateTime<Utc>) -> String {
    super::to_taipei(at).format("%Y-%m-%d %H:%M").to_string()
}

/// The incident page's address on this portal.
fn incident_url(portal_url: &str, incident: Uuid) -> String {
    format!("{}/incidents/{incident}", portal_url.trim_end_matches('/'))
}

/// The chat message: Traditional Chinese first, then English; the incident number, the event,
/// the deadline when there is one, and a link to the incident page.
pub fn chat_text(o: &Occurrence, portal_url: &str) -> String {
    let (zh, en) = Text::key(o.event.label_key()).both();
    let mut lines = Vec::new();
    if o.number.is_empty() {
        lines.push(format!("{zh} / {en}"));
    } else {
        lines.push(format!("[{}] {zh} / {en}", o.number));
    }
    // Which deadline a reminder is about, and which way the commander decided: the
    // notification's own sentence says it. The others' sentences speak to one recipient (a
    // filing's asks the reviewer to review), not to a channel everyone reads.
    let says_more = matches!(
        o.event,
        HookEvent::DeadlineSoon | HookEvent::DeadlineMissed | HookEvent::CommanderDecided
    );
    let detail = notifications::message(&o.kind);
    if says_more && detail.catalog_key() != "notify.other" {
        let (zh, en) = detail.both();
        lines.push(format!("{zh} / {en}"));
    }
    if let (Some(from), Some(to)) = (o.level_from, o.level) {
        let (zh, en) = Text::key("webhooks.chat.level_change")
            .with("from", from.to_string())
            .with("to", to.to_string())
            .both();
        lines.push(format!("{zh} / {en}"));
    } else if let Some(level) = o.level {
        let (zh, en) = Text::key("webhooks.chat.level")
            .with("level", level.to_string())
            .both();
        lines.push(format!("{zh} / {en}"));
    }
    if let Some(due) = o.deadline {
        let (zh, en) = Text::key("webhooks.chat.deadline")
            .with("due", taipei_minute(due))
            .both();
        lines.push(format!("{zh} / {en}"));
    }
    if let Some(id) = o.incident {
        lines.push(incident_url(portal_url, id));
    }
    lines.join("\n")
}

/// The generic endpoint's JSON body. `delivery` is the same at every attempt (a receiver drops
/// a second copy by it); `sent_at` is this attempt's time, under the signature, so that a
/// captured request replayed later is recognised as old.
pub fn generic_body(
    o: &Occurrence,
    delivery: Uuid,
    sent_at: DateTime<Utc>,
    portal_url: &str,
) -> String {
    let (zh, en) = Text::key(o.event.label_key()).both();
    let incident = o.incident.map(|id| {
        json!({
            "id": id,
            "number": o.number,
            "level": o.level,
            "level_from": o.level_from,
            "url": incident_url(portal_url, id),
        })
    });
    json!({
        "id": delivery,
        "event": o.event.name(),
        "kind": o.kind,
        "timestamp": sent_at.timestamp(),
        "occurred_at": o.occurred_at.to_rfc3339(),
        "deadline": o.deadline.map(|d| d.to_rfc3339()),
        "incident": incident,
        "title": {"zh": zh, "en": en},
        "text": chat_text(o, portal_url),
    })
    .to_string()
}

/// The signature header's value: `sha256=` and the hex HMAC-SHA-256 of the raw body under the
/// endpoint's secret.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// LINE refuses a text message longer than this.
const LINE_TEXT_LIMIT: usize = 5000;

/// An endpoint as delivery needs it, its secret opened.
#[derive(Debug, Clone)]
pub struct Destination {
    pub kind: EndpointKind,
    /// Generic: the receiver's address; LINE: the user or group id; Slack/Teams: unused.
    pub address: String,
    /// Generic: the HMAC secret; LINE: the channel access token; Slack/Teams: the webhook URL.
    pub secret: String,
}

/// One HTTP POST to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

/// Where the portal is and where LINE's API is (configurable, so that tests reach a local one).
#[derive(Debug, Clone)]
pub struct Sites {
    pub portal_url: String,
    pub line_api_url: String,
}

/// The request that delivers `o` to `to`.
pub fn request(
    to: &Destination,
    o: &Occurrence,
    delivery: Uuid,
    sent_at: DateTime<Utc>,
    sites: &Sites,
) -> Request {
    let json = ("Content-Type", "application/json".to_string());
    match to.kind {
        EndpointKind::Generic => {
            let body = generic_body(o, delivery, sent_at, &sites.portal_url);
            Request {
                url: to.address.clone(),
                headers: vec![
                    json,
                    ("X-Portal-Event", o.event.name().to_string()),
                    ("X-Portal-Delivery", delivery.to_string()),
                    ("X-Portal-Timestamp", sent_at.timestamp().to_string()),
                    ("X-Portal-Signature", signature(&to.secret, body.as_bytes())),
                ],
                body,
            }
        }
        EndpointKind::Line => {
            let text: String = chat_text(o, &sites.portal_url)
                .chars()
                .take(LINE_TEXT_LIMIT)
                .collect();
            Request {
                url: format!(
                    "{}/v2/bot/message/push",
                    sites.line_api_url.trim_end_matches('/')
                ),
                headers: vec![json, ("Authorization", format!("Bearer {}", to.secret))],
                body: json!({"to": to.address, "messages": [{"type": "text", "text": text}]})
                    .to_string(),
            }
        }
        EndpointKind::Slack | EndpointKind::Teams => Request {
            url: to.secret.clone(),
            headers: vec![json],
            body: json!({"text": chat_text(o, &sites.portal_url)}).to_string(),
        },
    }
}

// ---- retries ----------------------------------------------------------------------------

/// Attempts before a delivery is given up on, unless configured otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 8;

/// The wait after failed attempt `attempt` (1, 2, …): 30 seconds, doubling, at most an hour;
/// eight attempts span about an hour, past the deadlines the events are about.
pub fn retry_delay(attempt: i32) -> Duration {
    let secs = 30i64.saturating_mul(1i64 << (attempt - 1).clamp(0, 7));
    Duration::seconds(secs.min(3600))
}

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver answered with this status.
    Status(u16),
    /// No answer: connection refused, timeout, TLS.
    Error(String),
}

impl Outcome {
    pub fn delivered(&self) -> bool {
        matches!(self, Outcome::Status(s) if (200..300).contains(s))
    }
}

/// What follows an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    Delivered,
    RetryAt(DateTime<Utc>),
    GiveUp,
}

/// Delivered on a 2xx; else tried again after the backoff, until `max_attempts` are spent.
/// Every failure is retried, a 4xx too: it is most often an endpoint being set up, which its
/// administrator fixes within the hour the retries span.
pub fn after_attempt(
    outcome: &Outcome,
    attempt: i32,
    max_attempts: i32,
    now: DateTime<Utc>,
) -> AfterAttempt {
    if outcome.delivered() {
        AfterAttempt::Delivered
    } else if attempt >= max_attempts.max(1) {
        AfterAttempt::GiveUp
    } else {
        AfterAttempt::RetryAt(now + retry_delay(attempt))
    }
}

// ---- configuration ----------------------------------------------------------------------

/// Endpoints are the agency administrator's, of their own agency only: another agency's are not
/// even visible (a supervising agency's administrator configures its own endpoints, which hear
/// what it supervises).
pub fn may_configure(actor: &Actor, agency: AgencyId) -> Result<(), Denied> {
    if !actor.holds(Role::AgencyAdmin) {
        Err(Denied::NotPermitted)
    } else if actor.agency != agency {
        Err(Denied::NotVisible)
    } else {
        Ok(())
    }
}

/// An address the portal will post to: https, or http on this machine's loopback (a receiver
/// beside the portal, and the tests'). No user name or password in it (they would be shown on
/// the page). Returns the catalog key of what is wrong.
pub fn check_url(raw: &str) -> Result<String, &'static str> {
    let url = raw.trim();
    if url.is_empty() {
        return Err("error.webhook_url_required");
    }
    if url.len() > 2000 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("error.webhook_url_invalid");
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err("error.webhook_url_invalid");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("error.webhook_url_credentials");
    }
    let host = host_of(authority).ok_or("error.webhook_url_invalid")?;
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(url.to_string()),
        "http" if is_loopback(host) => Ok(url.to_string()),
        _ => Err("error.webhook_url_https"),
    }
}

/// The host of `host[:port]` or `[v6]:port`; None when it is not one.
fn host_of(authority: &str) -> Option<&str> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        host.parse::<std::net::Ipv6Addr>().ok()?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    (host_ok && port_ok).then_some(host)
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|a| a.is_loopback())
}

/// What an administrator typed for a new endpoint.
#[derive(Debug, Clone, Default)]
pub struct EndpointInput {
    pub name: String,
    pub kind: String,
    /// Generic: the receiver's URL; LINE: the user or group id.
    pub address: String,
    /// Generic: the HMAC secret; LINE: the channel access token; Slack/Teams: the webhook URL.
    pub secret: String,
}

/// An endpoint fit to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedEndpoint {
    pub name: String,
    pub kind: EndpointKind,
    /// Empty for Slack and Teams, whose address is the secret.
    pub address: String,
    pub secret: String,
}

/// A generic endpoint's secret is the receiver's only proof that the portal sent an event.
pub const MIN_SECRET_CHARS: usize = 16;

/// Checks every field, naming each one that is wrong.
pub fn check_endpoint(input: &EndpointInput) -> Result<CheckedEndpoint, super::FieldErrors> {
    let mut errors = super::FieldErrors::default();
    let name = input.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        errors.add("name", "error.webhook_name");
    }
    let kind = EndpointKind::parse(&input.kind);
    let secret = input.secret.trim().to_string();
    let mut address = input.address.trim().to_string();
    match kind {
        None => errors.add("kind", "error.webhook_kind"),
        Some(EndpointKind::Generic) => {
            if let Err(key) = check_url(&address) {
                errors.add("address", key);
            }
            if secret.chars().count() < MIN_SECRET_CHARS || secret.len() > 500 {
                errors.add("secret", "error.webhook_secret_short");
            }
        }
        Some(EndpointKind::Line) => {
            let id_ok = !address.is_empty()
                && address.len() <= 100
                && address.chars().all(|c| c.is_ascii_alphanumeric());
            if !id_ok {
                errors.add("address", "error.webhook_line_to");
            }
            if secret.is_empty() || secret.len() > 1000 || secret.chars().any(char::is_whitespace) {
                errors.add("secret", "error.webhook_line_token");
            }
        }
        Some(EndpointKind::Slack | EndpointKind::Teams) => {
            address.clear();
            if let Err(key) = check_url(&secret) {
                errors.add("secret", key);
            }
        }
    }
    errors.check()?;
    Ok(CheckedEndpoint {
        name,
        kind: kind.expect("checked above"),
        address,
        secret,
    })
}

/// Does an endpoint that chose `events` (and is `paused` or not) hear `event`? A new endpoint
/// hears every choosable event; a paused one hears only the test. `portal_webhook_enqueue` and
/// `db::webhooks::enqueue_as_system` apply the same (migration 0031); the test event is queued
/// for its one endpoint directly.
pub fn hears(events: &[HookEvent], paused: bool, event: HookEvent) -> bool {
    event == HookEvent::Test || !paused && events.contains(&event)
}

/// The events an administrator ticked, checked: at least one (to hear none, pause the endpoint),
/// and only choosable ones.
pub fn check_events(ticked: &[String]) -> Result<Vec<HookEvent>, super::FieldErrors> {
    let chosen: Vec<HookEvent> = HookEvent::CHOOSABLE
        .into_iter()
        .filter(|e| ticked.iter().any(|t| t == e.name()))
        .collect();
    let unknown = ticked
        .iter()
        .any(|t| !HookEvent::CHOOSABLE.iter().any(|e| e.name() == t));
    if chosen.is_empty() || unknown {
        return Err(super::FieldErrors::one("events", "error.webhook_events"));
    }
    Ok(chosen)
}

/// What a page may show of a stored secret: its last four characters, and only of a secret long
/// enough that four say little about the rest.
pub fn secret_hint(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 12 {
        return String::new();
    }
    chars[chars.len() - 4..].iter().collect()
}

// ---- secrets at rest --------------------------------------------------------------------

/// The label the secrets' key is derived from the timeline key under.
const SECRETS_LABEL: &[u8] = b"portal.webhooks.secrets.v1\0";
/// XChaCha20-Poly1305's nonce: 24 bytes, random per sealing, stored before the ciphertext.
pub const NONCE_LEN: usize = 24;

/// The key endpoint secrets are sealed under (XChaCha20-Poly1305), derived from the timeline
/// key: no second key to keep, back up or lose.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

impl SecretKey {
    pub fn from_timeline_key(key: &ChainKey) -> Self {
        SecretKey(key.derive(SECRETS_LABEL))
    }

    /// Seals `secret` for the endpoint `endpoint`: the endpoint's id is bound in (associated
    /// data), so a sealed secret copied onto another endpoint's row does not open there.
    pub fn seal(&self, endpoint: Uuid, secret: &str, nonce: [u8; NONCE_LEN]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: secret.as_bytes(),
                    aad: endpoint.as_bytes(),
                },
            )
            .expect("sealing in memory does not fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        out
    }

    /// The secret, or None when the bytes were not sealed for this endpoint under this key.
    pub fn open(&self, endpoint: Uuid, sealed: &[u8]) -> Option<String> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, data) = sealed.split_at(NONCE_LEN);
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let plain = cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: data,
                    aad: endpoint.as_bytes(),
                },
            )
            .ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests;
