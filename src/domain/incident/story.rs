//! The timeline told in words: every stored entry read back as its typed event and said as a
//! heading and sentences in the catalog's two languages, never as raw keys, codes or ids.
//!
//! The incident page, the printable report's history (section 四) and its PDF all tell the
//! timeline through [`tell`], so a record reads the same wherever it is shown. Times are Taipei
//! wall-clock time, as the agency lives by it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::super::deadlines::to_taipei;
use super::super::evidence::{
    CustodyEvent, EvidenceKind, IsolationMeasure, RecoveryPath, RecoveryStep, SubmissionTarget,
};
use super::super::improvement::ImprovementItem;
use super::super::indicators::IndicatorType;
use super::super::level::{rule_sentence, IncidentLevel};
use super::super::stages::{
    CommanderDecision, IncidentStatus, NoticeMeans, PeriodicReport, ResponseMeeting,
};
use super::super::tlp::Tlp;
use super::events::IncidentEvent;
use super::review::ReviewKind;
use crate::i18n::{Arg, Text};

/// One timeline entry in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Told {
    /// What happened, in a few words (the entry's heading).
    pub heading: Text,
    /// The record of it, one sentence per line.
    pub lines: Vec<Text>,
}

/// The entry of `kind` with the stored `body`, in words.
pub fn tell(kind: &str, body: &str) -> Told {
    if body == super::super::retention::PURGED_BODY {
        // Purged at the end of its retention period: what happened and when stays, not what.
        return Told {
            heading: Text::key(heading_key(kind)),
            lines: vec![Text::key("story.purged")],
        };
    }
    if let Some(event) = IncidentEvent::read(kind, body) {
        return Told {
            heading: heading(&event),
            lines: event_lines(&event),
        };
    }
    let lines = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| record_lines(kind, v))
        .unwrap_or_else(|| vec![Text::key("story.unreadable")]);
    Told {
        heading: Text::key(heading_key(kind)),
        lines,
    }
}

/// Whether an entry told in words before a rewrite of its body (a redaction) still is after:
/// a word that is also one of the body's codes must not be replaced.
pub fn still_told(kind: &str, before: &str, after: &str) -> bool {
    let unreadable = vec![Text::key("story.unreadable")];
    tell(kind, before).lines == unreadable || tell(kind, after).lines != unreadable
}

fn heading(event: &IncidentEvent) -> Text {
    match event {
        // A supervising agency's comment is headed by what that agency is to this one
        // (上級機關, 中央目的事業主管機關, 監督機關, 主管機關), not always 上級.
        IncidentEvent::SupervisorComment {
            role: Some(role), ..
        } => Text::key("timeline.comment_by").with("role", role.label()),
        other => Text::key(heading_key(other.kind())),
    }
}

/// The Taipei time of an instant, as every page shows it.
pub fn at(t: DateTime<Utc>) -> String {
    to_taipei(t).format("%Y-%m-%d %H:%M").to_string()
}

fn yes_no(b: bool) -> Text {
    Text::key(if b { "common.yes" } else { "common.no" })
}

/// A stored level number by its name (第三級), as every sentence names it.
pub fn level_name(n: u8) -> Arg {
    match IncidentLevel::from_number(n) {
        Some(l) => l.label().into(),
        None => n.to_string().into(),
    }
}

fn list(items: impl IntoIterator<Item = impl Into<Arg>>) -> Arg {
    Arg::List(items.into_iter().map(Into::into).collect())
}

fn said(key: &'static str, name: &'static str, value: &str) -> Option<Text> {
    (!value.trim().is_empty()).then(|| Text::key(key).with(name, value.trim()))
}

fn event_lines(event: &IncidentEvent) -> Vec<Text> {
    use IncidentEvent::*;
    match event {
        Filed {
            number,
            level: l,
            deciding_impact,
            reported_at,
            other_means_reason,
        } => {
            let mut lines = vec![Text::key("story.filed")
                .with("number", number)
                .with("level", level_name(*l))
                .with("at", at(*reported_at))];
            if let Some(rule) = deciding_impact.and_then(|i| rule_sentence(i).ok()) {
                lines.push(Text::key("story.filed_rule").with("rule", rule));
            }
            lines.extend(said(
                "story.filed_other_means",
                "reason",
                other_means_reason,
            ));
            lines
        }
        EscalationNotice(n) => vec![Text::key("story.escalation_notice")
            .with("by", &n.by)
            .with("told", &n.told)
            .with("at", at(n.at))
            .with(
                "means",
                match &n.means {
                    NoticeMeans::Phone => Arg::from(Text::key("story.means.phone")),
                    NoticeMeans::Other { description } => Arg::from(description),
                },
            )],
        TeamActivated {} => vec![Text::key("story.team_activated")],
        ResponseMeeting(m) => meeting_lines(m),
        Containment {
            scope_confirmed,
            priority_restoration_done,
            systems,
            public_announcement,
            completion_notified_at,
            initial_control_at,
        } => {
            let mut lines = vec![
                Text::key("story.containment.scope").with("answer", yes_no(*scope_confirmed)),
                Text::key("story.containment.priority")
                    .with("answer", yes_no(*priority_restoration_done)),
            ];
            lines.extend(systems.iter().map(|s| {
                Text::key("story.containment.system")
                    .with("name", &s.name)
                    .with(
                        "answer",
                        match s.within_tolerable_downtime {
                            Some(b) => yes_no(b),
                            None => Text::key("story.not_judged"),
                        },
                    )
            }));
            lines
                .extend(public_announcement.map(|b| {
                    Text::key("story.containment.announcement").with("answer", yes_no(b))
                }));
            lines.extend(
                initial_control_at
                    .map(|t| Text::key("story.containment.initial_control").with("at", at(t))),
            );
            lines.extend(
                completion_notified_at
                    .map(|t| Text::key("story.containment.notified").with("at", at(t))),
            );
            lines
        }
        ControlEffectReport(r) | ImprovementProgressReport(r) => periodic_lines(r),
        PersonalDataAssessment { assessment } => said("story.assessment", "text", assessment)
            .into_iter()
            .collect(),
        RootCause {
            equipment_failure,
            root_cause,
            malware_found,
        } => {
            let mut lines =
                vec![Text::key("story.root_cause.equipment")
                    .with("answer", yes_no(*equipment_failure))];
            lines.extend(said(
                "story.root_cause.text",
                "text",
                root_cause.as_deref().unwrap_or(""),
            ));
            lines
                .push(Text::key("story.root_cause.malware").with("answer", yes_no(*malware_found)));
            lines
        }
        MalwareAnalysis { analysis } => said("story.malware_analysis", "text", analysis)
            .into_iter()
            .collect(),
        VirusCheckSubmission(s) => {
            let mut lines = vec![Text::key("story.virus_check").with("at", at(s.submitted_at))];
            lines.extend(said(
                "story.reference",
                "reference",
                s.reference.as_deref().unwrap_or(""),
            ));
            lines
        }
        ImprovementItemAdded(item) => vec![item_line(item)],
        ImprovementItemEdited { item, .. } => vec![item_line(item)],
        ImprovementItemDone { description, .. } => {
            vec![Text::key("story.item_done").with("item", description)]
        }
        ImprovementItemDropped {
            description,
            reason,
            ..
        } => vec![Text::key("story.item_dropped")
            .with("item", description)
            .with("reason", reason)],
        SubmittedToCommander { at: t } => vec![Text::key("story.submitted").with("at", at(*t))],
        CommanderDecision(d) => match d {
            self::CommanderDecision::Approved { comment } => {
                let mut lines = vec![Text::key("story.decision.approved")];
                lines.extend(said("story.comment", "comment", comment));
                lines
            }
            self::CommanderDecision::Returned { comment } => {
                vec![Text::key("story.decision.returned").with("comment", comment)]
            }
        },
        SentToEscalationTarget { at: t } => {
            vec![Text::key("story.sent_to_target").with("at", at(*t))]
        }
        ReportsForwarded { report, count } => vec![Text::key("story.reports_forwarded")
            .with("count", *count)
            .with(
                "report",
                Text::key(if report == "progress" {
                    "timeline.improvement_progress_report"
                } else {
                    "timeline.control_effect_report"
                }),
            )],
        ReportSubmitted { at: t } => vec![Text::key("story.report_submitted").with("at", at(*t))],
        ClassifiedDocument(d) => vec![Text::key("story.classified_document")
            .with("number", &d.number)
            .with("dated", d.dated.format("%Y-%m-%d").to_string())
            .with("count", d.recipients.len())],
        StageCompleted { stage, now } => vec![match now {
            IncidentStatus::Closed => Text::key("story.stage_closed").with("stage", stage.label()),
            open => Text::key("story.stage_completed")
                .with("stage", stage.label())
                .with("next", open.label()),
        }],
        LevelReviewed {
            from,
            to,
            reason,
            reviewer_agency,
            kind,
            ..
        } => {
            let what = kind.unwrap_or(ReviewKind::NotifiedAgency).label();
            let mut lines = vec![if from == to {
                Text::key("story.review_kept")
                    .with("agency", reviewer_agency)
                    .with("what", what)
                    .with("level", level_name(*to))
            } else {
                Text::key("story.review_changed")
                    .with("agency", reviewer_agency)
                    .with("what", what)
                    .with("from", level_name(*from))
                    .with("to", level_name(*to))
            }];
            lines.extend(said("story.reason", "reason", reason));
            lines
        }
        ReviewRelayed(r) => vec![Text::key("story.review_relayed")
            .with("by", &r.by)
            .with("at", at(r.at))
            .with("basis", &r.basis)],
        FollowUpReport(f) => vec![Text::key("story.follow_up")
            .with("by", &f.by)
            .with("at", at(f.at))
            .with("level", f.level.label())
            .with("reason", &f.reason)],
        ReportExtensionRequested { until, reason } => vec![Text::key("story.extension_requested")
            .with("until", at(*until))
            .with("reason", reason)],
        ReportExtensionDecided {
            until,
            consent,
            comment,
            agency,
        } => {
            let mut lines = vec![Text::key(if *consent {
                "story.extension_granted"
            } else {
                "story.extension_refused"
            })
            .with("agency", agency)
            .with("until", at(*until))];
            lines.extend(said("story.comment", "comment", comment));
            lines
        }
        CisoMeeting(m) => vec![
            Text::key("story.ciso_meeting")
                .with("at", at(m.held_at))
                .with("attendees", list(m.attendees.iter())),
            Text::key("story.conclusions").with("text", &m.conclusions),
        ],
        HandedToTracking { items } => {
            vec![Text::key("story.handed_to_tracking").with("count", *items)]
        }
        SupervisorComment {
            comment, agency, ..
        } => vec![Text::key("story.supervisor_comment")
            .with("agency", agency)
            .with("comment", comment)],
        HomelandSecurityRelay { at: t } => {
            vec![Text::key("story.homeland_security").with("at", at(*t))]
        }
        AgencyReply { comment, agency } => vec![Text::key("story.agency_reply")
            .with("agency", agency)
            .with("comment", comment)],
    }
}

/// One message of the thread between the agency and its supervising agencies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadMessage {
    /// A supervising agency's comment, or the agency's reply.
    pub from_supervisor: bool,
    /// What the message is, as the timeline heads it (上級機關意見, 機關回覆…).
    pub heading: Text,
    /// The writing agency's name, as recorded.
    pub agency: String,
    pub comment: String,
}

/// The timeline kinds `thread_message` reads as messages of the thread: a page that shows only
/// part of a long timeline still reads the whole thread by these kinds.
pub const THREAD_KINDS: [&str; 2] = ["supervisor_comment", "agency_reply"];

/// The timeline entry of `kind` with the stored `body` as a message of the thread: the
/// supervising agencies' comments and the agency's replies; `None` for every other entry.
pub fn thread_message(kind: &str, body: &str) -> Option<ThreadMessage> {
    let event = IncidentEvent::read(kind, body)?;
    let (from_supervisor, agency, comment) = match &event {
        IncidentEvent::SupervisorComment {
            comment, agency, ..
        } => (true, agency, comment),
        IncidentEvent::AgencyReply { comment, agency } => (false, agency, comment),
        _ => return None,
    };
    Some(ThreadMessage {
        from_supervisor,
        heading: heading(&event),
        agency: agency.clone(),
        comment: comment.clone(),
    })
}

fn meeting_lines(m: &ResponseMeeting) -> Vec<Text> {
    let mut lines = vec![Text::key("story.meeting")
        .with("at", at(m.held_at))
        .with("attendees", list(m.attendees.iter()))];
    if !m.agenda.is_empty() {
        lines.push(
            Text::key("story.meeting_agenda")
                .with("agenda", list(m.agenda.iter().map(|a| a.label()))),
        );
    }
    lines.extend(said("story.minutes", "text", &m.minutes));
    lines
}

fn periodic_lines(r: &PeriodicReport) -> Vec<Text> {
    let mut lines = vec![Text::key("story.periodic")
        .with("by", &r.by)
        .with("at", at(r.at))];
    lines.extend(said("story.periodic_done", "text", &r.done));
    lines.extend(said("story.periodic_effect", "text", &r.effect));
    lines.extend(r.forwarded.as_ref().map(|f| {
        Text::key("story.periodic_forwarded")
            .with("by", &f.by)
            .with("at", at(f.at))
    }));
    lines
}

fn item_line(item: &ImprovementItem) -> Text {
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let line = Text::key("story.item")
        .with("horizon", item.horizon.label())
        .with("item", &item.description)
        .with("from", day(item.planned_on))
        .with("due", day(item.due_on));
    if item.owner.trim().is_empty() {
        line.with("owner", Text::key("story.no_owner"))
    } else {
        line.with("owner", item.owner.trim())
    }
}

/// The heading key of a kind (`timeline.<kind>`): the incident's own events and those evidence,
/// custody, indicators and the incident team append.
fn heading_key(kind: &str) -> &'static str {
    crate::i18n::catalog::static_key(&format!("timeline.{kind}")).unwrap_or("timeline.unknown")
}

// The bodies the other parts of the portal append, as they write them (services::evidence,
// services::indicators, services::preparedness).

#[derive(Deserialize)]
struct Isolation {
    measure: IsolationMeasure,
    taken_at: DateTime<Utc>,
    #[serde(default)]
    taken_by: String,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
struct Recovery {
    path: String,
    #[serde(default)]
    done: Vec<String>,
}

#[derive(Deserialize)]
struct Custody {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    sha256: Option<String>,
    #[serde(default)]
    size: Option<i64>,
    #[serde(default)]
    file_name: Option<String>,
    #[serde(default)]
    holder: Option<String>,
    #[serde(default)]
    kept_at: Option<String>,
    #[serde(default)]
    by: Option<String>,
    #[serde(default)]
    expected: Option<String>,
    #[serde(default)]
    actual: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
struct Submission {
    target: String,
    submitted_on: NaiveDate,
    #[serde(default)]
    reference: String,
}

#[derive(Deserialize)]
struct IndicatorsAdded {
    source: String,
    indicators: Vec<Indicator>,
}

#[derive(Deserialize)]
struct MarkingChanged {
    #[serde(rename = "type")]
    kind: String,
    /// Left out when the new marking stays within the agency (services::indicators).
    #[serde(default)]
    value: Option<String>,
    from: Tlp,
    to: Tlp,
}

#[derive(Deserialize)]
struct Indicator {
    #[serde(rename = "type")]
    kind: String,
    /// Left out for a marking that stays within the agency (services::indicators).
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    tlp: Option<Tlp>,
}

#[derive(Deserialize)]
struct HoldNoted {
    reason: String,
    #[serde(default)]
    by_agency: String,
}

#[derive(Deserialize)]
struct EvidencePurged {
    years: u16,
    files: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct TeamAdjusted {
    changes: Vec<String>,
}

/// The sentences of an entry another part appended; `None` when the body is not what that
/// part writes.
fn record_lines(kind: &str, v: serde_json::Value) -> Option<Vec<Text>> {
    if let Some(event) = CustodyEvent::from_timeline_kind(kind) {
        return custody_lines(event, serde_json::from_value(v).ok()?);
    }
    Some(match kind {
        "isolation" => {
            let x: Isolation = serde_json::from_value(v).ok()?;
            let mut lines = vec![Text::key("story.isolation")
                .with("measure", x.measure.label())
                .with("at", at(x.taken_at))
                .with("by", x.taken_by.trim())];
            lines.extend(said("story.note", "text", &x.note));
            lines
        }
        "recovery" => {
            let x: Recovery = serde_json::from_value(v).ok()?;
            let path = RecoveryPath::parse(&x.path)?;
            let steps: Vec<Text> = x
                .done
                .iter()
                .filter_map(|s| RecoveryStep::parse(s))
                .map(|s| s.label())
                .collect();
            let mut lines = vec![Text::key("story.recovery_path").with("path", path.label())];
            if !steps.is_empty() {
                lines.push(Text::key("story.recovery_done").with("steps", list(steps)));
            }
            lines
        }
        "malware_submission" => {
            let x: Submission = serde_json::from_value(v).ok()?;
            let target = SubmissionTarget::parse(&x.target)?;
            let mut lines = vec![Text::key("story.malware_submission")
                .with("target", target.label())
                .with("on", x.submitted_on.format("%Y-%m-%d").to_string())];
            lines.extend(said("story.reference", "reference", &x.reference));
            lines
        }
        "legal_hold_placed" | "legal_hold_released" => {
            let x: HoldNoted = serde_json::from_value(v).ok()?;
            vec![Text::key("story.legal_hold")
                .with("agency", x.by_agency)
                .with("reason", x.reason)]
        }
        super::super::retention::REDACTION_KIND => {
            let x: super::super::retention::Attestation = serde_json::from_value(v).ok()?;
            vec![Text::key("story.redacted")
                .with("terms", x.terms.unwrap_or(0))
                .with("replaced", x.replaced.unwrap_or(0))
                .with("entries", x.rewritten.len())
                .with("reason", x.reason)]
        }
        super::super::retention::PURGE_KIND => {
            let x: super::super::retention::Attestation = serde_json::from_value(v).ok()?;
            vec![Text::key("story.record_purged")
                .with("years", x.years.unwrap_or(0))
                .with("entries", x.rewritten.len())]
        }
        "evidence_purged" => {
            let x: EvidencePurged = serde_json::from_value(v).ok()?;
            vec![Text::key("story.evidence_purged")
                .with("years", x.years)
                .with("files", x.files.len())]
        }
        "indicators_added" => {
            let x: IndicatorsAdded = serde_json::from_value(v).ok()?;
            let mut lines = vec![Text::key("story.indicators_added")
                .with("count", x.indicators.len())
                .with(
                    "source",
                    Text::key(match x.source.as_str() {
                        "stix" => "story.source.stix",
                        "csv" => "story.source.csv",
                        _ => "story.source.form",
                    }),
                )];
            lines.extend(x.indicators.iter().map(|i| {
                let kind = match IndicatorType::parse(&i.kind) {
                    Some(t) => Arg::from(t.label()),
                    None => Arg::from(&i.kind),
                };
                match &i.value {
                    Some(value) => Text::key("story.indicator")
                        .with("type", kind)
                        .with("value", value),
                    None => Text::key("story.indicator_withheld")
                        .with("type", kind)
                        .with("tlp", i.tlp.unwrap_or(Tlp::DEFAULT).label()),
                }
            }));
            lines
        }
        "indicator_marking_changed" => {
            let x: MarkingChanged = serde_json::from_value(v).ok()?;
            let kind = match IndicatorType::parse(&x.kind) {
                Some(t) => Arg::from(t.label()),
                None => Arg::from(&x.kind),
            };
            let line = match &x.value {
                Some(value) => Text::key("story.indicator_marking_changed").with("value", value),
                None => Text::key("story.indicator_marking_changed_withheld"),
            };
            vec![line
                .with("type", kind)
                .with("from", x.from.label())
                .with("to", x.to.label())]
        }
        "team_adjusted" => {
            // The changes are kept as the Chinese record says them (services::preparedness).
            let x: TeamAdjusted = serde_json::from_value(v).ok()?;
            x.changes
                .into_iter()
                .map(|c| Text::key("story.verbatim").with("text", c))
                .collect()
        }
        _ => return None,
    })
}

/// A SHA-256 as people compare it by eye: its first 16 digits.
fn short_hash(h: &Option<String>) -> String {
    let h = h.as_deref().unwrap_or("");
    match h.get(..16) {
        Some(head) if h.len() > 16 => format!("{head}…"),
        _ => h.to_string(),
    }
}

fn custody_lines(event: CustodyEvent, x: Custody) -> Option<Vec<Text>> {
    let kind = || match x.kind.as_deref().and_then(EvidenceKind::parse) {
        Some(k) => Arg::from(k.label()),
        None => Arg::from(Text::key("story.evidence")),
    };
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let mut lines = vec![match event {
        CustodyEvent::Uploaded => Text::key("story.custody.uploaded")
            .with("kind", kind())
            .with("file", opt(&x.file_name))
            .with("size", x.size.unwrap_or(0))
            .with("hash", short_hash(&x.sha256))
            .with("holder", opt(&x.holder)),
        CustodyEvent::Registered => Text::key("story.custody.registered")
            .with("kind", kind())
            .with("hash", short_hash(&x.sha256))
            .with("place", opt(&x.kept_at))
            .with("holder", opt(&x.holder)),
        CustodyEvent::Downloaded => Text::key("story.custody.downloaded")
            .with("by", opt(&x.by))
            .with("hash", short_hash(&x.sha256)),
        CustodyEvent::Transferred => Text::key("story.custody.transferred")
            .with("from", opt(&x.from))
            .with("to", opt(&x.to)),
        CustodyEvent::Verified => {
            Text::key("story.custody.verified").with("hash", short_hash(&x.expected))
        }
        CustodyEvent::VerificationFailed => Text::key("story.custody.verification_failed")
            .with("expected", short_hash(&x.expected))
            .with("actual", short_hash(&x.actual)),
    }];
    lines.extend(said("story.note", "text", &opt(&x.note)));
    Some(lines)
}

/// What a notification about `events` on `i` says besides its kind: which incident (title and
/// level), what was recorded or said (the events in the timeline's words: the comment, the new
/// level and its reason), and the nearest deadline.
pub fn notice_detail(
    i: &super::Incident,
    events: &[IncidentEvent],
    now: DateTime<Utc>,
) -> Vec<Text> {
    let mut lines = vec![Text::key("notice.about")
        .with("title", &i.report.title)
        .with("level", i.level.label())];
    lines.extend(events.iter().flat_map(event_lines));
    lines.extend(i.nearest_deadline(now).and_then(|d| {
        d.due.map(|due| {
            Text::key("notice.deadline")
                .with("what", d.kind.label())
                .with("due", at(due))
        })
    }));
    lines
}

/// What is on record for each stage now, told in the timeline's words: the values in force
/// (the latest notice, meeting, checklist, root cause, decision…), not their history.
pub fn on_record(i: &super::Incident) -> Vec<(super::super::stages::Stage, Vec<Told>)> {
    use super::super::stages::Stage as S;
    use IncidentEvent as E;
    let r = &i.record;
    let told = |e: E| Told {
        heading: heading(&e),
        lines: event_lines(&e),
    };
    let mut report = vec![];
    report.extend(
        r.escalation_notice
            .clone()
            .map(E::EscalationNotice)
            .map(told),
    );
    let mut team = vec![];
    if r.team_activated {
        team.push(told(E::TeamActivated {}));
    }
    team.extend(r.response_meeting.clone().map(E::ResponseMeeting).map(told));
    let mut containment = vec![];
    let checked = r.scope_confirmed
        || r.priority_restoration_done
        || r.initial_control_at.is_some()
        || r.public_announcement_decision.is_some()
        || r.affected_systems
            .iter()
            .any(|s| s.within_tolerable_downtime.is_some());
    if checked {
        containment.push(told(E::Containment {
            scope_confirmed: r.scope_confirmed,
            priority_restoration_done: r.priority_restoration_done,
            systems: r.affected_systems.clone(),
            public_announcement: r.public_announcement_decision,
            completion_notified_at: i.containment_completed_at,
            initial_control_at: r.initial_control_at,
        }));
    }
    containment.extend(
        r.control_effect_reports
            .last()
            .cloned()
            .map(E::ControlEffectReport)
            .map(told),
    );
    containment.extend(
        r.personal_data_notification_assessment
            .clone()
            .map(|assessment| told(E::PersonalDataAssessment { assessment })),
    );
    let mut cause = vec![];
    if r.root_cause.is_some() || r.equipment_failure {
        cause.push(told(E::RootCause {
            equipment_failure: r.equipment_failure,
            root_cause: r.root_cause.clone(),
            malware_found: r.malware_found,
        }));
    }
    cause.extend(
        r.malware_analysis
            .clone()
            .map(|analysis| told(E::MalwareAnalysis { analysis })),
    );
    cause.extend(
        r.virus_check_submission
            .clone()
            .map(E::VirusCheckSubmission)
            .map(told),
    );
    cause.extend(
        r.submitted_to_commander_at
            .map(|at| told(E::SubmittedToCommander { at })),
    );
    cause.extend(
        r.commander_decision
            .clone()
            .map(E::CommanderDecision)
            .map(told),
    );
    cause.extend(
        r.root_cause_sent_at
            .map(|at| told(E::SentToEscalationTarget { at })),
    );
    let mut improvement = vec![];
    improvement.extend(
        r.improvement_progress_reports
            .last()
            .cloned()
            .map(E::ImprovementProgressReport)
            .map(told),
    );
    improvement.extend(
        i.report_submitted_at
            .map(|at| told(E::ReportSubmitted { at })),
    );
    improvement.extend(
        r.classified_document
            .clone()
            .map(E::ClassifiedDocument)
            .map(told),
    );
    improvement.extend(r.ciso_meeting.clone().map(E::CisoMeeting).map(told));
    [
        (S::Report, report),
        (S::ResponseTeam, team),
        (S::Containment, containment),
        (S::RootCause, cause),
        (S::Improvement, improvement),
    ]
    .into_iter()
    .filter(|(_, told)| !told.is_empty())
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::improvement::ImprovementHorizon;
    use crate::domain::incident::review as rv;
    use crate::domain::incident::SupervisorRole;
    use crate::domain::level::{AssetClass, Impact, ImpactKind};
    use crate::domain::stages::{self as st, AffectedSystem, AgendaItem, Forwarded, Stage};
    use crate::domain::AgencyId;
    use crate::i18n::Lang;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 1, 2, 0).unwrap()
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    fn item() -> ImprovementItem {
        ImprovementItem {
            description: "patch the web server".into(),
            horizon: ImprovementHorizon::ShortTerm,
            planned_on: day(),
            due_on: day(),
            done_on: None,
            owner: "IT unit".into(),
            dropped: None,
        }
    }

    fn periodic() -> PeriodicReport {
        PeriodicReport {
            at: t0(),
            done: "blocked the IP".into(),
            effect: "no more traffic".into(),
            by: "Officer Lin".into(),
            forwarded: Some(Forwarded {
                at: t0(),
                by: "Officer Wang".into(),
            }),
        }
    }

    /// One event of every kind, each with a value in every field.
    fn one_of_each() -> Vec<IncidentEvent> {
        use IncidentEvent::*;
        let uuid = uuid::Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0);
        vec![
            Filed {
                number: "AGA-2026-0001".into(),
                level: 3,
                deciding_impact: Some(Impact {
                    kind: ImpactKind::Disruption,
                    asset: AssetClass::Core,
                    severe: true,
                }),
                reported_at: t0(),
                other_means_reason: "the platform was down".into(),
            },
            EscalationNotice(st::EscalationNotice {
                told: "Duty officer Chen".into(),
                means: NoticeMeans::Phone,
                at: t0(),
                by: "Officer Lin".into(),
            }),
            TeamActivated {},
            ResponseMeeting(st::ResponseMeeting {
                held_at: t0(),
                attendees: vec!["Lin".into(), "Wang".into()],
                minutes: "isolate first".into(),
                agenda: AgendaItem::ALL.to_vec(),
            }),
            Containment {
                scope_confirmed: true,
                priority_restoration_done: false,
                systems: vec![AffectedSystem {
                    name: "mail".into(),
                    within_tolerable_downtime: Some(true),
                }],
                public_announcement: Some(false),
                completion_notified_at: Some(t0()),
                initial_control_at: Some(t0()),
            },
            ControlEffectReport(periodic()),
            PersonalDataAssessment {
                assessment: "no personal data".into(),
            },
            RootCause {
                equipment_failure: false,
                root_cause: Some("weak password".into()),
                malware_found: true,
            },
            MalwareAnalysis {
                analysis: "a web shell".into(),
            },
            VirusCheckSubmission(st::VirusCheckSubmission {
                submitted_at: t0(),
                reference: Some("VC-1".into()),
            }),
            ImprovementItemAdded(item()),
            ImprovementItemDone {
                index: 0,
                description: "patch the web server".into(),
            },
            ImprovementItemEdited {
                index: 0,
                item: item(),
            },
            ImprovementItemDropped {
                index: 0,
                description: "patch the web server".into(),
                reason: "replaced".into(),
            },
            SubmittedToCommander { at: t0() },
            CommanderDecision(st::CommanderDecision::Returned {
                comment: "say which password".into(),
            }),
            SentToEscalationTarget { at: t0() },
            ImprovementProgressReport(periodic()),
            ReportsForwarded {
                report: "progress".into(),
                count: 2,
            },
            ReportSubmitted { at: t0() },
            ClassifiedDocument(st::ClassifiedDocument {
                number: "1150001234".into(),
                dated: day(),
                recipients: vec![AgencyId(uuid)],
            }),
            StageCompleted {
                stage: Stage::Report,
                now: IncidentStatus::Open(Stage::ResponseTeam),
            },
            LevelReviewed {
                from: 3,
                to: 2,
                reason: "no core system hit".into(),
                reviewer_agency: "Ministry".into(),
                kind: Some(ReviewKind::Recheck),
                round: 0,
            },
            ReviewRelayed(rv::ReviewRelay {
                round: 0,
                at: t0(),
                basis: "the report".into(),
                by: "Ministry".into(),
            }),
            FollowUpReport(rv::FollowUpReport {
                at: t0(),
                impacts: vec![],
                level: IncidentLevel::L4,
                reason: "more systems".into(),
                by: "Officer Lin".into(),
            }),
            ReportExtensionRequested {
                until: t0(),
                reason: "forensics".into(),
            },
            ReportExtensionDecided {
                until: t0(),
                consent: true,
                comment: "fine".into(),
                agency: "Ministry".into(),
            },
            CisoMeeting(st::CisoMeeting {
                held_at: t0(),
                attendees: vec!["CISO".into()],
                conclusions: "buy a WAF".into(),
                by: "Officer Lin".into(),
            }),
            HandedToTracking { items: 2 },
            SupervisorComment {
                comment: "please hurry".into(),
                agency: "Ministry".into(),
                role: Some(SupervisorRole::SuperiorAgency),
            },
            HomelandSecurityRelay { at: t0() },
            AgencyReply {
                comment: "logs attached".into(),
                agency: "Agency A".into(),
            },
        ]
    }

    /// What must never reach a reader: placeholders, catalog keys, stored codes, ids.
    fn assert_words(shown: &str) {
        assert!(!shown.contains('{'), "unfilled placeholder in {shown:?}");
        for raw in [
            "story.",
            "timeline.",
            "common.",
            "stage.",
            "level.",
            "response_team",
            "true",
            "false",
            "1234-5678",
            "T01:",
            "Z",
        ] {
            assert!(!shown.contains(raw), "{raw:?} shown in {shown:?}");
        }
    }

    fn told_in(t: Lang, kind: &str, body: &serde_json::Value) -> String {
        let told = tell(kind, &body.to_string());
        let mut s = t.text(&told.heading);
        for l in &told.lines {
            s.push('\n');
            s.push_str(&t.text(l));
        }
        s
    }

    #[test]
    fn every_incident_event_is_told_in_words_in_both_languages() {
        let events = one_of_each();
        // One of each: the exhaustive match fails to compile when a kind is added without
        // a sample here.
        let mut kinds: Vec<&str> = events.iter().map(|e| e.kind()).collect();
        kinds.dedup();
        assert_eq!(kinds.len(), 32);
        for e in &events {
            let v = serde_json::to_value(e).unwrap();
            for t in Lang::ALL {
                let shown = told_in(t, e.kind(), &v["body"]);
                assert_words(&shown);
                assert!(
                    shown.lines().count() >= 2 || matches!(e, IncidentEvent::TeamActivated {}),
                    "{} says nothing: {shown:?}",
                    e.kind()
                );
            }
        }
    }

    #[test]
    fn the_thread_kinds_are_exactly_the_entries_read_as_thread_messages() {
        for e in one_of_each() {
            let v = serde_json::to_value(&e).unwrap();
            let read = thread_message(e.kind(), &v["body"].to_string()).is_some();
            assert_eq!(read, THREAD_KINDS.contains(&e.kind()), "{}", e.kind());
        }
    }

    #[test]
    fn sentences_carry_the_record() {
        let e = IncidentEvent::CommanderDecision(CommanderDecision::Returned {
            comment: "say which password".into(),
        });
        let v = serde_json::to_value(&e).unwrap();
        let zh = told_in(Lang::ZhTw, e.kind(), &v["body"]);
        assert!(zh.contains("say which password"), "{zh}");
        let en = told_in(Lang::En, e.kind(), &v["body"]);
        assert!(en.contains("returned it: say which password"), "{en}");
        // Times in Taipei (UTC+8): 01:02 UTC is 09:02 there.
        let e = IncidentEvent::SubmittedToCommander { at: t0() };
        let v = serde_json::to_value(&e).unwrap();
        assert!(told_in(Lang::En, e.kind(), &v["body"]).contains("2026-11-30 09:02"));
        // A level is named, not numbered.
        let e = one_of_each().remove(22);
        let v = serde_json::to_value(&e).unwrap();
        let en = told_in(Lang::En, e.kind(), &v["body"]);
        assert!(
            en.contains("Ministry (Re-check by the competent authority)"),
            "{en}"
        );
        assert!(!en.contains(": 3 "), "{en}");
    }

    #[test]
    fn the_records_other_parts_append_are_told_too() {
        use serde_json::json;
        let hash = "ab".repeat(32);
        let id = "12345678-9abc-def0-1234-56789abcdef0";
        let bodies = [
            (
                "isolation",
                json!({"measure": "disconnect", "taken_at": t0(), "taken_by": "Lin", "note": "switch port 7"}),
            ),
            (
                "recovery",
                json!({"path": "fail_over", "done": ["switch_to_redundant"]}),
            ),
            (
                "custody.uploaded",
                json!({"evidence": id, "kind": "log_export", "sha256": hash, "size": 12, "file_name": "fw.log", "holder": "Lin"}),
            ),
            (
                "custody.registered",
                json!({"evidence": id, "kind": "disk_image", "sha256": hash, "size": 12, "kept_at": "safe 3", "holder": "Lin"}),
            ),
            (
                "custody.downloaded",
                json!({"evidence": id, "sha256": hash, "by": "Wang"}),
            ),
            (
                "custody.verified",
                json!({"evidence": id, "expected": hash, "actual": hash}),
            ),
            (
                "custody.verification_failed",
                json!({"evidence": id, "expected": hash, "actual": "cd".repeat(32)}),
            ),
            (
                "custody.transferred",
                json!({"evidence": id, "from": "Lin", "to": "Wang", "note": "for analysis"}),
            ),
            (
                "malware_submission",
                json!({"target": "virus_check", "submitted_on": day(), "reference": "VC-9", "evidence": id}),
            ),
            (
                "indicators_added",
                json!({"source": "stix", "indicators": [{"type": "ipv4", "value": "192.0.2.1"}]}),
            ),
            (
                "indicator_marking_changed",
                json!({"type": "domain", "value": "evil.example", "from": "red", "to": "amber"}),
            ),
            ("team_adjusted", json!({"changes": ["added Wang"]})),
        ];
        for (kind, body) in bodies.iter().cloned() {
            let told = tell(kind, &body.to_string());
            assert_ne!(told.heading.catalog_key(), "timeline.unknown", "{kind}");
            assert!(
                told.lines
                    .iter()
                    .all(|l| l.catalog_key() != "story.unreadable"),
                "{kind} unreadable: the body is not what the service writes"
            );
            for t in Lang::ALL {
                let shown = told_in(t, kind, &body);
                assert_words(&shown);
                assert!(!shown.contains(&hash), "a whole hash in {shown:?}");
                assert!(!shown.contains("abcdef0"), "an id in {shown:?}");
            }
        }
        let withheld = json!({"source": "form", "indicators": [
            {"type": "ipv4", "value": "192.0.2.1", "tlp": "amber"},
            {"type": "domain", "tlp": "red"}]});
        let shown = told_in(Lang::En, "indicators_added", &withheld);
        assert!(shown.contains("192.0.2.1"), "{shown}");
        assert!(
            shown.contains("Domain name (TLP:RED; its value is shown to this agency only)"),
            "{shown}"
        );
        let lowered =
            json!({"type": "domain", "value": "evil.example", "from": "red", "to": "amber"});
        let shown = told_in(Lang::En, "indicator_marking_changed", &lowered);
        assert!(
            shown.contains("Domain name evil.example: TLP:RED → TLP:AMBER"),
            "{shown}"
        );
        let raised = json!({"type": "domain", "from": "amber", "to": "red"});
        let shown = told_in(Lang::En, "indicator_marking_changed", &raised);
        assert!(
            !shown.contains("evil.example") && shown.contains("TLP:AMBER → TLP:RED"),
            "{shown}"
        );
        let shown = told_in(Lang::En, "custody.uploaded", &bodies[2].1);
        assert!(
            shown.contains("\"fw.log\" (12 bytes, SHA-256 abababababababab…)"),
            "{shown}"
        );
    }

    #[test]
    fn an_unknown_or_broken_record_says_so_instead_of_showing_its_data() {
        let told = tell("something_new", r#"{"secret_key": "x"}"#);
        assert_eq!(told.heading.catalog_key(), "timeline.unknown");
        assert_eq!(told.lines[0].catalog_key(), "story.unreadable");
        let told = tell("isolation", "not json");
        assert_eq!(told.lines[0].catalog_key(), "story.unreadable");
    }

    #[test]
    fn the_record_in_force_is_told_stage_by_stage() {
        use crate::domain::incident::fixtures::incident;
        let mut i = incident(IncidentLevel::L3);
        assert!(on_record(&i).is_empty());
        i.record.team_activated = true;
        i.record.root_cause = Some("weak password".into());
        i.record.commander_decision = Some(CommanderDecision::Approved {
            comment: "go on".into(),
        });
        let record = on_record(&i);
        let stages: Vec<Stage> = record.iter().map(|(s, _)| *s).collect();
        assert_eq!(stages, [Stage::ResponseTeam, Stage::RootCause]);
        let cause: Vec<String> = record[1]
            .1
            .iter()
            .flat_map(|t| t.lines.iter().map(|l| Lang::En.text(l)))
            .collect();
        assert!(
            cause.contains(&"Root cause: weak password".to_string()),
            "{cause:?}"
        );
        assert!(cause.contains(&"Comment: go on".to_string()), "{cause:?}");
    }
}
