//! Who is told what (SPEC 1, 3, 5): the events of an incident that someone must hear about,
//! and which role in which agency hears it.

use super::agency::AgencyId;
use super::level::IncidentLevel;
use super::roles::{stage_roles, Action, Role};
use super::stages::Stage;
use crate::i18n::{Lang, Text};

/// Something that happened to an incident that people outside the actor must know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A subordinate filed: the notified agency reviews it (and the competent authority follows
    /// level 3/4 directly).
    Filed { level: IncidentLevel },
    /// A level 3/4 filing: the agency's commander and response team act at once (point 3(二)),
    /// and the competent authority follows it without reviewing it (art. 7: only the notified
    /// agency reviews).
    MajorFiled,
    /// Everything the current stage needs is on record: whoever completes it may now do so.
    StageReady { stage: Stage },
    /// The notified agency or the competent authority changed the level.
    LevelChanged {
        from: IncidentLevel,
        to: IncidentLevel,
    },
    /// The executive secretary submitted root cause and strategy for decision.
    SubmittedToCommander,
    /// The commander approved, or returned with comments.
    CommanderDecided { approved: bool },
    /// A supervising agency commented or asked for information.
    SupervisorComment,
    /// The agency replied to its supervising agencies' comments.
    AgencyReplied { level: IncidentLevel },
    /// The investigation, handling and improvement report was submitted.
    ReportSubmitted { level: IncidentLevel },
    /// 續行通報: the reporting agency reported a change; the new level goes to review again.
    FollowUpReported { level: IncidentLevel },
    /// The competent authority re-checked (覆核) the notified agency's review.
    ReviewRechecked,
    /// The notified agency sent its review result and basis to the competent authority.
    ReviewRelayed,
    /// The agency asked the notified agency to extend the report's deadline.
    ExtensionRequested,
    /// The notified agency consented to the extension, or refused it.
    ExtensionDecided { consent: bool },
    /// L3/4: the control measures' effect was reported (to the commander and the team).
    ControlEffectReported,
    /// L3/4: the improvement measures' progress was reported to the commander.
    ProgressReported,
    /// The security staff forwarded periodic reports to the notified agency.
    ReportsForwarded,
}

impl Event {
    /// The stored name of the event.
    pub fn kind(self) -> &'static str {
        match self {
            Event::Filed { .. } => "filed",
            Event::MajorFiled => "major_filed",
            Event::StageReady { .. } => "stage_ready",
            Event::LevelChanged { .. } => "level_changed",
            Event::SubmittedToCommander => "submitted_to_commander",
            Event::CommanderDecided { approved: true } => "approved",
            Event::CommanderDecided { approved: false } => "returned",
            Event::SupervisorComment => "supervisor_comment",
            Event::AgencyReplied { .. } => "agency_replied",
            Event::ReportSubmitted { .. } => "report_submitted",
            Event::FollowUpReported { .. } => "follow_up_reported",
            Event::ReviewRechecked => "review_rechecked",
            Event::ReviewRelayed => "review_relayed",
            Event::ExtensionRequested => "extension_requested",
            Event::ExtensionDecided { consent: true } => "extension_consented",
            Event::ExtensionDecided { consent: false } => "extension_refused",
            Event::ControlEffectReported => "control_effect_reported",
            Event::ProgressReported => "progress_reported",
            Event::ReportsForwarded => "reports_forwarded",
        }
    }
}

/// What a notification or reminder of `kind` says (catalog key `notify.<kind>`).
pub fn message(kind: &str) -> Text {
    match catalog_key(kind) {
        Some(key) => Text::key(key),
        None => Text::key("notify.other"),
    }
}

/// The catalog key of a known kind (events and reminders alike).
fn catalog_key(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "follow_up_reported" => "notify.follow_up_reported",
        "review_rechecked" => "notify.review_rechecked",
        "review_relayed" => "notify.review_relayed",
        "extension_requested" => "notify.extension_requested",
        "extension_consented" => "notify.extension_consented",
        "extension_refused" => "notify.extension_refused",
        "control_effect_reported" => "notify.control_effect_reported",
        "progress_reported" => "notify.progress_reported",
        "reports_forwarded" => "notify.reports_forwarded",
        "ciso_meeting_due" => "notify.ciso_meeting_due",
        "progress_due" => "notify.progress_due",
        "filed" => "notify.filed",
        "major_filed" => "notify.major_filed",
        "stage_ready" => "notify.stage_ready",
        "level_changed" => "notify.level_changed",
        "submitted_to_commander" => "notify.submitted_to_commander",
        "approved" => "notify.approved",
        "returned" => "notify.returned",
        "supervisor_comment" => "notify.supervisor_comment",
        "agency_replied" => "notify.agency_replied",
        "report_submitted" => "notify.report_submitted",
        "review_soon" => "notify.review_soon",
        "review_missed" => "notify.review_missed",
        "containment_soon" => "notify.containment_soon",
        "containment_missed" => "notify.containment_missed",
        "report_soon" => "notify.report_soon",
        "report_missed" => "notify.report_missed",
        "control_effect_due" => "notify.control_effect_due",
        "improvement_soon" => "notify.improvement_soon",
        "improvement_missed" => "notify.improvement_missed",
        _ => return None,
    })
}

/// The e-mail that goes with a notification: subject and body, in both languages, since the
/// recipient's language is theirs to choose in the portal, not in their mail reader.
/// `detail` is what the notification says beyond its kind, (中文, English), each maybe empty.
pub fn email(kind: &str, number: &str, detail: &(String, String)) -> (String, String) {
    let (zh, en) = message(kind).both();
    let subject = format!("[{number}] {zh} / {en}");
    let (number_line, signature) = (
        Lang::ZhTw.text(&Text::key("mail.incident_number").with("number", number)),
        Lang::ZhTw.get("mail.signature"),
    );
    let mut body = format!("{zh}\n{en}\n\n");
    for part in [&detail.0, &detail.1] {
        if !part.is_empty() {
            body.push_str(part);
            body.push_str("\n\n");
        }
    }
    body.push_str(&format!("{number_line}\n{signature}\n"));
    (subject, body)
}

/// Where a notification goes: every user holding `role` in `agency`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Recipient {
    pub agency: AgencyId,
    pub role: Role,
}

/// The commander and the groups of the response team that act on a major incident (表一).
const TEAM: [Role; 5] = [
    Role::Commander,
    Role::ExecutiveSecretary,
    Role::IntelPlanning,
    Role::ResponseExecution,
    Role::Logistics,
];

/// The recipients of `event` on an incident of `agency`, whose escalation target is `target`
/// (None for the competent authority itself), `ca` being the competent authority.
pub fn recipients(
    event: Event,
    agency: AgencyId,
    target: Option<AgencyId>,
    ca: AgencyId,
) -> Vec<Recipient> {
    let to = |agency, role| Recipient { agency, role };
    let mut out = Vec::new();
    let reviewers_above = |out: &mut Vec<Recipient>, major: bool| {
        if let Some(t) = target {
            out.push(to(t, Role::Reviewer));
        }
        // Level 3/4 incidents concern the competent authority whoever the notified agency is.
        if major && target != Some(ca) && agency != ca {
            out.push(to(ca, Role::Reviewer));
        }
    };
    match event {
        // The notified agency reviews; the competent authority hears of a major incident as
        // `MajorFiled`, to follow, not as a request to review.
        Event::Filed { .. } => reviewers_above(&mut out, false),
        Event::MajorFiled => {
            reviewers_above(&mut out, true);
            out.retain(|r| r.agency == ca && target != Some(ca));
            for role in TEAM {
                out.push(to(agency, role));
            }
        }
        Event::StageReady { stage } => {
            for role in stage_roles(Action::CompleteStage, stage).unwrap_or(&[]) {
                out.push(to(agency, *role));
            }
        }
        Event::LevelChanged { from, to: new } => {
            out.push(to(agency, Role::SecurityOfficer));
            out.push(to(agency, Role::Commander));
            // Rising into level 3/4 brings the competent authority in.
            if new.is_major() && !from.is_major() && agency != ca && target != Some(ca) {
                out.push(to(ca, Role::Reviewer));
            }
        }
        Event::SubmittedToCommander => out.push(to(agency, Role::Commander)),
        // The security officer sends an approved root cause on to the notified agency (point
        // 3(四)4: 由機關資通安全專責人員彙整送交).
        Event::CommanderDecided { .. } => {
            out.push(to(agency, Role::ExecutiveSecretary));
            out.push(to(agency, Role::Logistics));
            out.push(to(agency, Role::SecurityOfficer));
        }
        Event::SupervisorComment => {
            out.push(to(agency, Role::SecurityOfficer));
            out.push(to(agency, Role::Commander));
        }
        // The reply goes back to who supervises: the notified agency's reviewers, and the
        // competent authority's for level 3/4.
        Event::ReportSubmitted { level }
        | Event::FollowUpReported { level }
        | Event::AgencyReplied { level } => reviewers_above(&mut out, level.is_major()),
        Event::ReviewRechecked => {
            out.push(to(agency, Role::SecurityOfficer));
            if let Some(t) = target {
                out.push(to(t, Role::Reviewer));
            }
        }
        Event::ReviewRelayed => {
            if agency != ca {
                out.push(to(ca, Role::Reviewer));
            }
        }
        Event::ExtensionRequested | Event::ReportsForwarded => {
            out.push(to(target.unwrap_or(ca), Role::Reviewer));
        }
        Event::ExtensionDecided { .. } => out.push(to(agency, Role::SecurityOfficer)),
        // Point 3(三)2(1): to the commander and the members of the team.
        Event::ControlEffectReported => {
            for role in TEAM {
                out.push(to(agency, role));
            }
        }
        // Point 3(五)4: the executive secretary reports to the commander.
        Event::ProgressReported => out.push(to(agency, Role::Commander)),
    }
    out.sort();
    out.dedup();
    out
}

/// A reminder of something due (SPEC 3 and 5): a deadline in the next hour or missed, a level
/// 3/4 control-effect report due, an improvement item near or past its due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    /// The notified agency's level review.
    Review,
    /// Damage control or recovery.
    Containment,
    /// The investigation, handling and improvement report.
    InvestigationReport,
    /// Level 3/4: the periodic report on the effect of control measures.
    ControlEffectReport,
    /// An improvement item of the strategy.
    ImprovementItem,
    /// Level 3/4: the periodic report on the improvement measures' progress.
    ProgressReport,
    /// Level 3/4: the CISO's meeting after the incident (art. 9).
    CisoMeeting,
}

impl Reminder {
    /// Which reminder a stored kind (`review_soon`, `containment_missed`, …) belongs to.
    pub fn of_kind(kind: &str) -> Option<Reminder> {
        Some(match kind.rsplit_once('_').map_or(kind, |(head, _)| head) {
            "review" => Reminder::Review,
            "containment" => Reminder::Containment,
            "report" => Reminder::InvestigationReport,
            "control_effect" => Reminder::ControlEffectReport,
            "improvement" => Reminder::ImprovementItem,
            "progress" => Reminder::ProgressReport,
            "ciso_meeting" => Reminder::CisoMeeting,
            _ => return None,
        })
    }
}

/// Who must be reminded: the people who do the thing that is due.
pub fn reminder_recipients(
    reminder: Reminder,
    agency: AgencyId,
    target: Option<AgencyId>,
    ca: AgencyId,
) -> Vec<Recipient> {
    let to = |agency, role| Recipient { agency, role };
    let mut out = match reminder {
        // The review is the notified agency's (the competent authority's when there is none).
        Reminder::Review => vec![to(target.unwrap_or(ca), Role::Reviewer)],
        Reminder::Containment => vec![
            to(agency, Role::ResponseExecution),
            to(agency, Role::Commander),
        ],
        Reminder::InvestigationReport => vec![
            to(agency, Role::SecurityOfficer),
            to(agency, Role::Logistics),
        ],
        Reminder::ControlEffectReport => vec![
            to(agency, Role::ResponseExecution),
            to(agency, Role::Commander),
        ],
        Reminder::ImprovementItem => vec![
            to(agency, Role::Logistics),
            to(agency, Role::ExecutiveSecretary),
        ],
        Reminder::ProgressReport => vec![to(agency, Role::ExecutiveSecretary)],
        Reminder::CisoMeeting => vec![to(agency, Role::Ciso)],
    };
    out.sort();
    out
}

/// How long before a deadline the "due soon" reminder goes out (SPEC: the next hour).
pub const DEADLINE_WARNING_MINUTES: i64 = 60;
/// How long before an improvement item's due date it is reminded.
pub const IMPROVEMENT_WARNING_DAYS: i64 = 7;

#[cfg(test)]
mod tests {
    use super::*;
    use IncidentLevel::*;

    fn ids() -> (AgencyId, AgencyId, AgencyId) {
        (AgencyId::new_v4(), AgencyId::new_v4(), AgencyId::new_v4())
    }

    #[test]
    fn a_filing_goes_to_the_reviewers_of_the_notified_agency_only_below_level_3() {
        let (a, ministry, ca) = ids();
        assert_eq!(
            recipients(Event::Filed { level: L2 }, a, Some(ministry), ca),
            vec![Recipient {
                agency: ministry,
                role: Role::Reviewer
            }]
        );
    }

    #[test]
    fn a_level_3_or_4_filing_goes_to_the_commander_and_team_and_the_competent_authority_follows() {
        let (a, ministry, ca) = ids();
        // Only the notified agency is asked to review.
        let r = recipients(Event::Filed { level: L3 }, a, Some(ministry), ca);
        assert_eq!(
            r,
            vec![Recipient {
                agency: ministry,
                role: Role::Reviewer
            }]
        );
        let r = recipients(Event::MajorFiled, a, Some(ministry), ca);
        assert!(r.contains(&Recipient {
            agency: ca,
            role: Role::Reviewer
        }));
        assert!(r.contains(&Recipient {
            agency: a,
            role: Role::Commander
        }));
        assert!(!r.iter().any(|x| x.agency == ministry));
        assert_eq!(r.len(), 6);
        // The competent authority as notified agency is asked once, to review.
        let r = recipients(Event::MajorFiled, a, Some(ca), ca);
        assert!(r.iter().all(|x| x.agency == a), "{r:?}");
    }

    #[test]
    fn a_ready_stage_goes_to_whoever_completes_it_and_a_decision_to_the_officer_who_sends_it() {
        let (a, ministry, ca) = ids();
        let r = recipients(
            Event::StageReady {
                stage: Stage::RootCause,
            },
            a,
            Some(ministry),
            ca,
        );
        assert_eq!(
            r,
            vec![Recipient {
                agency: a,
                role: Role::Commander
            }]
        );
        let r = recipients(
            Event::CommanderDecided { approved: true },
            a,
            Some(ministry),
            ca,
        );
        assert!(r.contains(&Recipient {
            agency: a,
            role: Role::SecurityOfficer
        }));
    }

    #[test]
    fn an_agency_without_a_superior_notifies_the_competent_authority_once() {
        let (a, _, ca) = ids();
        assert_eq!(
            recipients(Event::Filed { level: L4 }, a, Some(ca), ca),
            vec![Recipient {
                agency: ca,
                role: Role::Reviewer
            }]
        );
    }

    #[test]
    fn nobody_outside_the_incident_and_its_chain_is_ever_a_recipient() {
        let (a, ministry, ca) = ids();
        let events = [
            Event::Filed { level: L4 },
            Event::LevelChanged { from: L2, to: L3 },
            Event::SubmittedToCommander,
            Event::CommanderDecided { approved: false },
            Event::SupervisorComment,
            Event::AgencyReplied { level: L3 },
            Event::ReportSubmitted { level: L3 },
        ];
        for e in events {
            for r in recipients(e, a, Some(ministry), ca) {
                assert!([a, ministry, ca].contains(&r.agency), "{e:?}");
            }
        }
    }

    #[test]
    fn every_kind_has_a_message_in_both_languages_and_reminder_kinds_parse() {
        for kind in [
            "filed",
            "level_changed",
            "submitted_to_commander",
            "approved",
            "returned",
            "supervisor_comment",
            "agency_replied",
            "report_submitted",
        ] {
            assert_ne!(message(kind).catalog_key(), "notify.other", "{kind}");
        }
        for (kind, r) in [
            ("review_soon", Reminder::Review),
            ("review_missed", Reminder::Review),
            ("containment_soon", Reminder::Containment),
            ("report_missed", Reminder::InvestigationReport),
            ("control_effect_due", Reminder::ControlEffectReport),
            ("improvement_soon", Reminder::ImprovementItem),
        ] {
            assert_eq!(Reminder::of_kind(kind), Some(r));
            assert_ne!(message(kind).catalog_key(), "notify.other", "{kind}");
        }
        assert_eq!(Reminder::of_kind("nonsense_x"), None);
    }

    #[test]
    fn reminders_go_to_those_who_must_act() {
        let (a, ministry, ca) = ids();
        assert_eq!(
            reminder_recipients(Reminder::Review, a, Some(ministry), ca),
            vec![Recipient {
                agency: ministry,
                role: Role::Reviewer
            }]
        );
        assert_eq!(
            reminder_recipients(Reminder::Review, a, None, ca),
            vec![Recipient {
                agency: ca,
                role: Role::Reviewer
            }]
        );
        for r in [
            Reminder::Containment,
            Reminder::InvestigationReport,
            Reminder::ControlEffectReport,
            Reminder::ImprovementItem,
        ] {
            let got = reminder_recipients(r, a, Some(ministry), ca);
            assert!(
                !got.is_empty() && got.iter().all(|x| x.agency == a),
                "{r:?} stays in the agency"
            );
        }
        assert!(
            reminder_recipients(Reminder::Containment, a, Some(ministry), ca)
                .iter()
                .any(|x| x.role == Role::ResponseExecution)
        );
    }

    #[test]
    fn internal_steps_stay_inside_the_agency() {
        let (a, ministry, ca) = ids();
        assert_eq!(
            recipients(Event::SubmittedToCommander, a, Some(ministry), ca),
            vec![Recipient {
                agency: a,
                role: Role::Commander
            }]
        );
        let decided = recipients(
            Event::CommanderDecided { approved: false },
            a,
            Some(ministry),
            ca,
        );
        assert!(decided.iter().all(|r| r.agency == a));
        assert!(decided.iter().any(|r| r.role == Role::ExecutiveSecretary));
    }

    #[test]
    fn a_rise_into_level_3_tells_the_agency_and_the_competent_authority() {
        let (a, ministry, ca) = ids();
        let r = recipients(
            Event::LevelChanged { from: L2, to: L3 },
            a,
            Some(ministry),
            ca,
        );
        assert!(r.contains(&Recipient {
            agency: a,
            role: Role::SecurityOfficer
        }));
        assert!(r.contains(&Recipient {
            agency: ca,
            role: Role::Reviewer
        }));
        let r = recipients(
            Event::LevelChanged { from: L3, to: L2 },
            a,
            Some(ministry),
            ca,
        );
        assert!(!r.iter().any(|x| x.agency == ca));
    }
}
