//! The investigation, handling and improvement report (調查、處理及改善報告), built from what is
//! on record, in the order the Enforcement Rules (art. 12) list its contents. The printable page
//! and the PDF are two renderings of the same `ReportDoc`. Parts not yet on record are named in
//! a closing section instead of failing.

use chrono::{DateTime, Utc};

use crate::domain::incident::story;
use crate::domain::{CommanderDecision, IncidentEvent, Stage};
use crate::i18n::{Lang, Text};
use crate::report_pdf::{ReportDoc, ReportSection};
use crate::services::incidents::IncidentView;

/// A time as documents write it: 民國115年12月1日 14:30 in Chinese, 2026-12-01 14:30 in English.
fn at(t: Lang, x: DateTime<Utc>) -> String {
    use chrono::Datelike;
    let local = crate::domain::to_taipei(x);
    let (year, month, day) = match t {
        Lang::ZhTw => (
            crate::domain::deadlines::roc_year(local.year()),
            local.month().to_string(),
            local.day().to_string(),
        ),
        Lang::En => (
            local.year(),
            format!("{:02}", local.month()),
            format!("{:02}", local.day()),
        ),
    };
    t.text(
        &Text::key("report.datetime")
            .with("year", year.to_string())
            .with("month", month)
            .with("day", day)
            .with("time", local.format("%H:%M").to_string()),
    )
}

/// The documents the procedure asks for, all drawn from the same record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// 調查、處理及改善報告 (Enforcement Rules art. 12).
    Investigation,
    /// Root cause and improvement strategy, for the commander's decision (SPEC 5, stage 4).
    RootCause,
    /// Level 3/4: the periodic report on the effect of control measures (SPEC 5, stage 3).
    ControlEffect,
    /// Level 3/4: the periodic report on improvement progress (SPEC 5, stage 5).
    ImprovementProgress,
}

impl ReportKind {
    pub fn parse(s: &str) -> Option<ReportKind> {
        Some(match s {
            "" | "investigation" => ReportKind::Investigation,
            "root_cause" => ReportKind::RootCause,
            "control_effect" => ReportKind::ControlEffect,
            "progress" => ReportKind::ImprovementProgress,
            _ => return None,
        })
    }

    /// The name in URLs (`?kind=`) and file names.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Investigation => "investigation",
            ReportKind::RootCause => "root_cause",
            ReportKind::ControlEffect => "control_effect",
            ReportKind::ImprovementProgress => "progress",
        }
    }

    pub fn title_key(self) -> &'static str {
        match self {
            ReportKind::Investigation => "report.title.investigation",
            ReportKind::RootCause => "report.title.root_cause",
            ReportKind::ControlEffect => "report.title.control_effect",
            ReportKind::ImprovementProgress => "report.title.progress",
        }
    }

    /// Which of the investigation report's sections (by index) the document carries.
    fn sections(self) -> &'static [usize] {
        match self {
            ReportKind::Investigation => &[0, 1, 2, 3, 4, 5],
            ReportKind::RootCause => &[0, 1, 4, 5],
            ReportKind::ControlEffect => &[0, 1, 2],
            ReportKind::ImprovementProgress => &[0, 5],
        }
    }
}

/// `kind` of document for incident `v`, in language `t`.
pub fn report(v: &IncidentView, kind: ReportKind, t: Lang) -> ReportDoc {
    let mut doc = investigation_report(v, t);
    let missing = (doc.sections.len() > 6)
        .then(|| doc.sections.pop())
        .flatten();
    doc.sections = kind
        .sections()
        .iter()
        .filter_map(|i| doc.sections.get(*i).cloned())
        .enumerate()
        .map(|(n, mut s)| {
            s.heading = numbered(t, n, &s.heading);
            s
        })
        .chain(missing.filter(|_| kind != ReportKind::ControlEffect))
        .collect();
    doc.title = t.get(kind.title_key()).into();
    doc
}

/// A section heading numbered in the document it stands in (一、 … in Chinese, 1. … in English):
/// an extract such as the root-cause report counts its own sections, it does not skip.
fn numbered(t: Lang, n: usize, heading: &str) -> String {
    const NUMERALS: [&str; 6] = [
        "report.numeral.1",
        "report.numeral.2",
        "report.numeral.3",
        "report.numeral.4",
        "report.numeral.5",
        "report.numeral.6",
    ];
    let number = NUMERALS
        .get(n)
        .map_or_else(|| (n + 1).to_string(), |k| t.get(k).to_string());
    t.text(
        &Text::key("report.section.numbered")
            .with("number", number)
            .with("heading", heading),
    )
}

/// A labelled line: "label：value" in the language's punctuation.
fn line(t: Lang, label: &'static str, value: impl AsRef<str>) -> String {
    t.text(
        &Text::key("report.line")
            .with("label", Text::key(label))
            .with("value", value.as_ref()),
    )
}

/// Texts gathered while writing the report: what is not yet on record.
struct Writer {
    t: Lang,
    missing: Vec<String>,
}

impl Writer {
    /// The value, or "not yet recorded" noting `what` as missing.
    fn or_missing(&mut self, value: Option<String>, what: &str) -> String {
        value.unwrap_or_else(|| {
            self.missing.push(self.t.get(what).to_string());
            self.t.get("report.not_recorded").to_string()
        })
    }

    fn facts(&mut self, v: &IncidentView) -> Vec<String> {
        let (t, i) = (self.t, &v.incident);
        let review: Vec<String> = v
            .timeline
            .iter()
            .filter_map(|(e, _)| match IncidentEvent::read(&e.kind, &e.body) {
                Some(IncidentEvent::LevelReviewed {
                    from, to, reason, ..
                }) => Some(
                    t.text(
                        &Text::key("report.review_line")
                            .with("at", at(t, e.at))
                            .with("from", story::level_name(from))
                            .with("to", story::level_name(to))
                            .with("reason", reason),
                    ),
                ),
                _ => None,
            })
            .collect();
        let contained = i.containment_completed_at.map(|x| at(t, x));
        vec![
            line(
                t,
                "report.label.agency",
                t.pick(&v.agency_name.0, &v.agency_name.1),
            ),
            line(t, "report.label.incident_title", &i.report.title),
            line(
                t,
                "report.label.category",
                t.text(&i.report.category.label()),
            ),
            t.text(
                &Text::key("report.level_line")
                    .with("level", t.text(&i.level.label()))
                    .with("proposed", t.text(&i.proposed_level.label())),
            ),
            if review.is_empty() {
                line(t, "report.label.review", t.get("report.not_reviewed"))
            } else {
                review.join("\n")
            },
            line(
                t,
                "report.label.occurred_at",
                i.report
                    .occurred_at
                    .map(|x| at(t, x))
                    .unwrap_or_else(|| t.get("report.unknown").into()),
            ),
            line(t, "report.label.aware_at", at(t, i.report.aware_at)),
            line(t, "report.label.reported_at", at(t, i.reported_at)),
            line(
                t,
                "report.label.contained_at",
                self.or_missing(contained, "report.missing.contained_at"),
            ),
        ]
    }

    fn scope(&self, v: &IncidentView) -> Vec<String> {
        let (t, i) = (self.t, &v.incident);
        let summary = if i.report.summary.is_empty() {
            "—"
        } else {
            &i.report.summary
        };
        let mut scope = vec![line(t, "report.label.summary", summary)];
        scope.extend(i.record.affected_systems.iter().map(|s| {
            let judged = match s.within_tolerable_downtime {
                Some(true) => "containment.within",
                Some(false) => "containment.beyond",
                None => "containment.unjudged",
            };
            t.text(
                &Text::key("report.system_line")
                    .with("system", &s.name)
                    .with("judged", Text::key(judged)),
            )
        }));
        let yes_no = if i.report.personal_data {
            "common.yes"
        } else {
            "common.no"
        };
        scope.push(line(t, "report.label.personal_data", t.get(yes_no)));
        if let Some(a) = &i.record.personal_data_notification_assessment {
            scope.push(line(t, "report.label.personal_data_assessment", a));
        }
        scope
    }

    fn containment(&self, v: &IncidentView) -> Vec<String> {
        let (t, r) = (self.t, &v.incident.record);
        let done = |yes: bool, done: &'static str, not: &'static str| -> &'static str {
            t.get(if yes { done } else { not })
        };
        let mut out = vec![
            line(
                t,
                "report.label.scope_confirmed",
                done(
                    r.scope_confirmed,
                    "report.confirmed",
                    "report.not_confirmed",
                ),
            ),
            line(
                t,
                "report.label.priority_restoration",
                done(
                    r.priority_restoration_done,
                    "report.done",
                    "report.not_done",
                ),
            ),
            line(
                t,
                "report.label.public_announcement",
                t.get(match r.public_announcement_decision {
                    Some(true) => "report.announce",
                    Some(false) => "report.not_announce",
                    None => "report.undecided",
                }),
            ),
        ];
        if !r.control_effect_reports.is_empty() {
            let times: Vec<String> = r
                .control_effect_reports
                .iter()
                .map(|x| at(t, x.at))
                .collect();
            out.push(line(
                t,
                "report.label.control_effect_reports",
                times.join(t.get("report.list_separator")),
            ));
        }
        out
    }

    /// Section 四: the timeline told in the same sentences as the incident page.
    fn history(&self, v: &IncidentView) -> Vec<String> {
        let t = self.t;
        v.timeline
            .iter()
            .map(|(e, who)| {
                let told = story::tell(&e.kind, &e.body);
                let who = who
                    .as_ref()
                    .map(|w| t.text(&Text::key("report.by").with("who", w)))
                    .unwrap_or_default();
                let lines: Vec<String> = told.lines.iter().map(|l| t.text(l)).collect();
                t.text(
                    &Text::key("report.history_line")
                        .with("at", at(t, e.at))
                        .with("what", told.heading)
                        .with("who", who)
                        .with("record", lines.join(t.get("report.field_separator"))),
                )
            })
            .collect()
    }

    fn cause(&mut self, v: &IncidentView) -> Vec<String> {
        let (t, r) = (self.t, &v.incident.record);
        let mut cause = vec![if r.equipment_failure {
            t.get("report.equipment_failure").to_string()
        } else {
            let value = self.or_missing(r.root_cause.clone(), "report.missing.root_cause");
            line(t, "report.label.root_cause", value)
        }];
        if r.malware_found {
            let analysis = self.or_missing(
                r.malware_analysis.clone(),
                "report.missing.malware_analysis",
            );
            cause.push(line(t, "report.label.malware_analysis", analysis));
            let submitted = r.virus_check_submission.as_ref().map(|s| {
                format!(
                    "{} {}",
                    at(t, s.submitted_at),
                    s.reference.clone().unwrap_or_default()
                )
            });
            let submitted = self.or_missing(submitted, "report.missing.virus_check");
            cause.push(line(t, "report.label.virus_check", submitted));
        }
        if let Some(CommanderDecision::Approved { .. }) = r.commander_decision {
            cause.push(t.get("report.approved").into());
        }
        cause
    }

    fn measures(&mut self, v: &IncidentView) -> Vec<String> {
        let t = self.t;
        let mut measures: Vec<String> = v
            .incident
            .record
            .improvement_items
            .iter()
            .map(|item| {
                let state = match item.done_on {
                    Some(d) => Text::key("report.item_done").with("date", d.to_string()),
                    None => Text::key("report.item_open"),
                };
                t.text(
                    &Text::key("report.item_line")
                        .with("horizon", item.horizon.label())
                        .with("description", &item.description)
                        .with("due", item.due_on.to_string())
                        .with("state", state),
                )
            })
            .collect();
        if measures.is_empty() {
            self.missing
                .push(t.get("report.missing.strategy").to_string());
            measures.push(t.get("report.not_recorded").into());
        }
        measures
    }
}

pub fn investigation_report(v: &IncidentView, t: Lang) -> ReportDoc {
    let i = &v.incident;
    let mut w = Writer {
        t,
        missing: Vec::new(),
    };
    let section = |heading: &str, paragraphs: Vec<String>| ReportSection {
        heading: t.get(heading).into(),
        paragraphs,
        id: None,
    };
    let facts = w.facts(v);
    let scope = w.scope(v);
    let containment = w.containment(v);
    let history = w.history(v);
    let cause = w.cause(v);
    let measures = w.measures(v);
    // What the current stage's gate still asks for, in the domain's words.
    if i.status.stage().is_some_and(|s| s >= Stage::RootCause) {
        w.missing
            .extend(v.missing.iter().map(|m| t.text(&m.label())));
    }
    w.missing.dedup();
    let mut sections = vec![
        section("report.section.facts", facts),
        section("report.section.scope", scope),
        section("report.section.containment", containment),
        section("report.section.history", history),
        section("report.section.cause", cause),
        section("report.section.measures", measures),
    ];
    if !w.missing.is_empty() {
        sections.push(ReportSection {
            id: Some("missing-parts"),
            ..section(
                "report.section.missing",
                w.missing
                    .iter()
                    .map(|m| t.text(&Text::key("report.bullet").with("item", m)))
                    .collect(),
            )
        });
    }
    ReportDoc {
        title: t.get("report.title.investigation").into(),
        agency: t.pick(&v.agency_name.0, &v.agency_name.1).to_string(),
        number: i.number.clone(),
        classified: i.is_classified(),
        classified_number: i.record.classified_document.as_ref().map(|d| {
            t.text(
                &Text::key("report.classified_document_line")
                    .with("number", &d.number)
                    .with("date", d.dated.to_string()),
            )
        }),
        sections,
        lang: t,
    }
}
