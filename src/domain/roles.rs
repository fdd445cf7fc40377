//! Who may do what (SPEC 4, SPEC 1).
//!
//! The whole permission table is [`may`]: visibility first (nobody outside
//! the agency, its supervision chain and the competent authority may even
//! learn an incident exists: `NotVisible`, which the web maps to 404), then
//! one `match` naming the roles for each action (`NotPermitted`, 403).
//!
//! Where SPEC is silent we chose:
//! - The CISO (資通安全長) may act as the security officer: the CISO heads
//!   the agency's security work and approves the team's composition, and in
//!   small agencies often fills that seat.
//! - The commander, who "directs all" (綜理全般業務), may complete any stage,
//!   but does no group's recording work.
//! - Every user of a visible agency may view (SPEC 1 grants visibility to
//!   agencies, not roles); only reviewers of overseeing agencies review the
//!   level and comment, and they never perform the agency's own stage work.
//! - A closed incident is read-only.
//! - Recording is allowed in any open stage (a level rise can make an earlier
//!   stage's item due later, see `stages`); only actions that gate a stage
//!   are tied to it: submitting to and deciding by the commander (root
//!   cause), progress reports, the report, its classified document and
//!   closing (improvement).

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::agency::AgencyId;
use super::level::IncidentLevel;
use super::stages::{IncidentStatus, Stage};
use crate::i18n::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SecurityOfficer,
    Ciso,
    Commander,
    ExecutiveSecretary,
    PressOfficer,
    IntelPlanning,
    ResponseExecution,
    Logistics,
    FinanceAdmin,
    Reviewer,
    AgencyAdmin,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::SecurityOfficer,
        Role::Ciso,
        Role::Commander,
        Role::ExecutiveSecretary,
        Role::PressOfficer,
        Role::IntelPlanning,
        Role::ResponseExecution,
        Role::Logistics,
        Role::FinanceAdmin,
        Role::Reviewer,
        Role::AgencyAdmin,
    ];

    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SecurityOfficer => "security_officer",
            Role::Ciso => "ciso",
            Role::Commander => "commander",
            Role::ExecutiveSecretary => "executive_secretary",
            Role::PressOfficer => "press_officer",
            Role::IntelPlanning => "intel_planning",
            Role::ResponseExecution => "response_execution",
            Role::Logistics => "logistics",
            Role::FinanceAdmin => "finance_admin",
            Role::Reviewer => "reviewer",
            Role::AgencyAdmin => "agency_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> Text {
        Text::key(match self {
            Role::SecurityOfficer => "role.security_officer",
            Role::Ciso => "role.ciso",
            Role::Commander => "role.commander",
            Role::ExecutiveSecretary => "role.executive_secretary",
            Role::PressOfficer => "role.press_officer",
            Role::IntelPlanning => "role.intel_planning",
            Role::ResponseExecution => "role.response_execution",
            Role::Logistics => "role.logistics",
            Role::FinanceAdmin => "role.finance_admin",
            Role::Reviewer => "role.reviewer",
            Role::AgencyAdmin => "role.agency_admin",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    // 1. Report
    FileIncident,
    RecordEscalationNotice,
    // 2. Team and meeting
    ActivateTeam,
    RecordResponseMeeting,
    // 3. Damage control or recovery
    RecordContainment,
    RecordControlEffectReport,
    RecordPersonalDataAssessment,
    // 4. Root cause
    RecordRootCause,
    RecordMalwareAnalysis,
    RecordVirusCheckSubmission,
    EditImprovementItems,
    SubmitToCommander,
    /// Approve, or return with comments (裁處).
    DecideRootCause,
    /// Security staff send root cause, strategy and progress reports on to
    /// the escalation target.
    SendToEscalationTarget,
    // Evidence preservation and indicators (SPEC 4, 6): any open stage.
    /// Isolation measures, the recovery path, evidence items and their custody.
    RecordEvidence,
    /// Indicators of compromise (惡意程式 IoC) shared on the incident.
    RecordIndicators,
    // 5. Improvement tracking
    ReportImprovementProgress,
    SubmitReport,
    RecordClassifiedDocument,
    CloseIncident,
    // Any stage
    CompleteStage,
    /// 續行通報 (art. 6 II): a change of impacts or level, reported at any stage.
    ReportFollowUp,
    /// Ask the notified agency to extend the investigation report's deadline (art. 8 III).
    RequestReportExtension,
    /// Forward a periodic report to the notified agency (彙整送交, points 3(三)2(1), 3(五)4).
    ForwardReport,
    /// The CISO's meeting after a major incident (art. 9).
    RecordCisoMeeting,
    // Overseeing agencies
    /// The notified agency's review, or the competent authority's re-check (art. 7).
    ReviewLevel,
    /// The notified agency sends its review result and basis to the competent authority.
    RelayReview,
    /// The notified agency consents to (or refuses) a report extension (art. 8 III).
    DecideReportExtension,
    CommentAsSupervisor,
    /// The agency answers its supervising agencies' comments (the thread's other side).
    ReplyToSupervisor,
    RecordHomelandSecurityRelay,
    ViewIncident,
    // Administration
    ManageUsers,
    ManageAgencies,
}

/// The signed-in user, as the procedure sees them: where they work, what they hold, and the
/// names a record made by them carries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub agency: AgencyId,
    pub roles: Vec<Role>,
    pub agency_is_competent_authority: bool,
    /// The person's display name (e.g. who made the escalation notice).
    #[serde(default)]
    pub name: String,
    /// The agency's name as a supervising agency's comment or review records it.
    #[serde(default)]
    pub agency_name: String,
}

impl Actor {
    /// Whether the actor holds `role`; the CISO also holds the security
    /// officer's seat.
    pub fn holds(&self, role: Role) -> bool {
        self.roles.contains(&role)
            || (role == Role::SecurityOfficer && self.roles.contains(&Role::Ciso))
    }

    pub fn holds_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.holds(*r))
    }
}

/// The incident an action is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentContext {
    /// The agency the incident belongs to.
    pub agency: AgencyId,
    pub status: IncidentStatus,
    pub level: IncidentLevel,
    /// From `escalation::supervision_chain` for `agency`.
    pub supervision_chain: Vec<AgencyId>,
    /// The notified agency (受通報機關); `None`: the nearest agency of the chain.
    #[serde(default)]
    pub notified_agency: Option<AgencyId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Denied {
    /// The actor may not know the thing exists (web: 404).
    #[error("not found")]
    NotVisible,
    /// The actor sees it but may not do this (web: 403).
    #[error("you are not permitted to do this")]
    NotPermitted,
}

use Role::*;

/// The agency's own stage work: who does each action, and in which stages it is open. `None`
/// for what is not the agency's own work, and for an action outside the stages it belongs to.
///
/// Recording is open in any open stage (a level rise can make an earlier stage's item due
/// later, see `stages`); only the actions that gate a stage are tied to it.
fn agency_work(action: Action, stage: Stage) -> Option<&'static [Role]> {
    let root_cause = stage == Stage::RootCause;
    let improvement = stage == Stage::Improvement;
    Some(match action {
        // 情資及計畫組 files the stage notifications; the security officer
        // may file as well (they hold the platform account in most agencies).
        Action::FileIncident | Action::RecordEscalationNotice | Action::ReportFollowUp => {
            &[SecurityOfficer, IntelPlanning]
        }
        // A supervising agency's comment goes to the security officer and the commander
        // (`notifications`), who answer for the agency: the officer holds its seat on the
        // platform and the commander directs all. SPEC is silent; this is our choice.
        Action::ReplyToSupervisor => &[SecurityOfficer, Commander],
        // The security staff ask for the extension and forward the periodic reports.
        Action::RequestReportExtension | Action::ForwardReport => &[SecurityOfficer],
        // Art. 9: the CISO convenes the meeting after a major incident.
        Action::RecordCisoMeeting => &[Ciso],
        // The commander convenes the team and chairs the meeting.
        Action::ActivateTeam | Action::RecordResponseMeeting => &[Commander],
        // 應變執行組: damage control, recovery, evidence.
        Action::RecordContainment
        | Action::RecordControlEffectReport
        | Action::RecordPersonalDataAssessment
        | Action::RecordEvidence => &[ResponseExecution],
        // 情資及計畫組 shares malware IoCs; the security officer holds the platform seat.
        Action::RecordIndicators => &[SecurityOfficer, IntelPlanning],
        // 後勤調度組: root cause; the improvement strategy while it is drawn up and carried out.
        Action::RecordRootCause
        | Action::RecordMalwareAnalysis
        | Action::RecordVirusCheckSubmission => &[Logistics],
        Action::EditImprovementItems if root_cause || improvement => &[Logistics],
        // The executive secretary submits root cause and strategy to the commander (point
        // 3(四)); the commander decides (裁處), both while the root cause is being analysed.
        Action::SubmitToCommander if root_cause => &[ExecutiveSecretary],
        Action::DecideRootCause if root_cause => &[Commander],
        // The executive secretary reports the improvement measures' progress (point 3(五)).
        Action::ReportImprovementProgress if improvement => &[ExecutiveSecretary],
        // The security staff send things out and close.
        Action::SendToEscalationTarget if root_cause || improvement => &[SecurityOfficer],
        Action::SubmitReport | Action::RecordClassifiedDocument | Action::CloseIncident
            if improvement =>
        {
            &[SecurityOfficer]
        }
        // The stage's own group, or the commander who directs all.
        Action::CompleteStage => match stage {
            Stage::Report => &[SecurityOfficer, IntelPlanning, Commander],
            Stage::ResponseTeam | Stage::RootCause => &[Commander],
            Stage::Containment => &[ResponseExecution, Commander],
            Stage::Improvement => &[SecurityOfficer, Commander],
        },
        _ => return None,
    })
}

/// Which of the agency's roles do `action` in `stage` (`None`: not the agency's own work then).
pub fn stage_roles(action: Action, stage: Stage) -> Option<&'static [Role]> {
    agency_work(action, stage)
}

/// May `actor` perform `action` on `incident`?
///
/// For `ManageUsers`/`ManageAgencies`, `incident.agency` is the agency being
/// managed and the rest of the context is ignored (see [`may_manage`]).
pub fn may(actor: &Actor, action: Action, incident: &IncidentContext) -> Result<(), Denied> {
    if matches!(action, Action::ManageUsers | Action::ManageAgencies) {
        return may_manage(actor, action, incident.agency);
    }
    let own = actor.agency == incident.agency;
    let overseer = !own
        && (actor.agency_is_competent_authority
            || incident.supervision_chain.contains(&actor.agency));
    if !own && !overseer {
        return Err(Denied::NotVisible);
    }
    let Some(stage) = incident.status.stage() else {
        // Closed: read-only for everyone who may see it, but for the CISO's meeting after a
        // major incident (art. 9), which may well be held after the incident closed.
        let ciso_meeting = action == Action::RecordCisoMeeting
            && own
            && incident.level.is_major()
            && actor.roles.contains(&Ciso);
        return if action == Action::ViewIncident || ciso_meeting {
            Ok(())
        } else {
            Err(Denied::NotPermitted)
        };
    };
    // The competent authority has nobody above it, so its own reviewers
    // review its own incidents.
    let reviewing_side = overseer || actor.agency_is_competent_authority;
    // Only the notified agency reviews (art. 7 I); the competent authority re-checks or reviews
    // directly when the result is late (art. 7 III) — which of these applies is the
    // aggregate's to say (`Incident::apply`).
    let notified = incident
        .notified_agency
        .or(incident.supervision_chain.first().copied())
        == Some(actor.agency);
    let permitted = match action {
        Action::ViewIncident => true,
        Action::CommentAsSupervisor => reviewing_side && actor.holds(Reviewer),
        Action::ReviewLevel => {
            actor.holds(Reviewer) && (notified || actor.agency_is_competent_authority)
        }
        Action::RelayReview | Action::DecideReportExtension => actor.holds(Reviewer) && notified,
        // 主管機關 relays L3/4 incidents to the Office of Homeland Security.
        Action::RecordHomelandSecurityRelay => {
            actor.agency_is_competent_authority
                && actor.holds(Reviewer)
                && incident.level.is_major()
        }
        _ => agency_work(action, stage).is_some_and(|roles| own && actor.holds_any(roles)),
    };
    if permitted {
        Ok(())
    } else {
        Err(Denied::NotPermitted)
    }
}

/// May `actor` file incidents for their agency? (asked before anything they sent is read; the
/// filing roles do not depend on the level).
pub fn may_file(actor: &Actor) -> Result<(), Denied> {
    let ctx = IncidentContext {
        agency: actor.agency,
        status: IncidentStatus::Open(Stage::Report),
        level: IncidentLevel::L1,
        supervision_chain: Vec::new(),
        notified_agency: None,
    };
    may(actor, Action::FileIncident, &ctx)
}

/// What a user does in the portal outside any one incident or agency record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortalAction {
    /// File incidents for the own agency (the same roles as [`Action::FileIncident`]).
    FileIncidents,
    /// The queue of subordinates' incidents awaiting the level review.
    SeeReviewQueue,
    /// The oversight dashboard of everything below the agency.
    SeeDashboard,
    /// The list of the incidents of the agencies below (their supervision, SPEC 1), with the
    /// agency list's filters: what a supervising agency follows, not only what awaits review.
    SeeSubordinatesIncidents,
    /// Root-cause reports awaiting the commander's decision (裁處).
    SeeCommanderQueue,
    /// The portal-wide audit log.
    SeeAudit,
    /// The agency's users and its e-mail outbox.
    AdministerAgency,
    /// The agency register (who is above whom decides who sees what).
    RegisterAgencies,
}

impl PortalAction {
    pub const ALL: [PortalAction; 8] = [
        PortalAction::FileIncidents,
        PortalAction::SeeReviewQueue,
        PortalAction::SeeDashboard,
        PortalAction::SeeSubordinatesIncidents,
        PortalAction::SeeCommanderQueue,
        PortalAction::SeeAudit,
        PortalAction::AdministerAgency,
        PortalAction::RegisterAgencies,
    ];
}

/// May `actor` use this part of the portal? Reviewers act for a supervising agency (queue,
/// dashboard); the commander decides root causes; the competent authority's reviewers and
/// administrator audit the whole portal; only its administrator keeps the agency register.
pub fn may_portal(actor: &Actor, action: PortalAction) -> Result<(), Denied> {
    let ca = actor.agency_is_competent_authority;
    let permitted = match action {
        PortalAction::FileIncidents => return may_file(actor),
        // Reviewers act for a supervising agency; the agency's own staff work on its own list.
        PortalAction::SeeReviewQueue
        | PortalAction::SeeDashboard
        | PortalAction::SeeSubordinatesIncidents => actor.holds(Reviewer),
        PortalAction::SeeCommanderQueue => actor.holds(Commander),
        PortalAction::SeeAudit => ca && actor.holds_any(&[Reviewer, AgencyAdmin]),
        PortalAction::AdministerAgency => actor.holds(AgencyAdmin),
        PortalAction::RegisterAgencies => ca && actor.holds(AgencyAdmin),
    };
    if permitted {
        Ok(())
    } else {
        Err(Denied::NotPermitted)
    }
}

/// Administration: an agency admin manages its own agency's users; an admin
/// of the competent authority manages every agency's users and the agencies
/// themselves (their relations decide who sees what, so only the top may
/// change them). Another agency's users are not even visible.
pub fn may_manage(actor: &Actor, action: Action, target_agency: AgencyId) -> Result<(), Denied> {
    let own = actor.agency == target_agency;
    let ca = actor.agency_is_competent_authority;
    let admin = actor.holds(AgencyAdmin);
    match action {
        Action::ManageUsers if !own && !ca => Err(Denied::NotVisible),
        Action::ManageUsers if admin => Ok(()),
        Action::ManageAgencies if ca && admin => Ok(()),
        _ => Err(Denied::NotPermitted),
    }
}

/// What an agency does outside any one incident: its standing response team (表一), drills and
/// log-keeping duty (SPEC 4, 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyAction {
    /// See the roster, its versions, drills and the log-keeping checklist.
    ViewPreparedness,
    /// Propose a new composition of the team.
    ProposeTeamChange,
    /// Approve or reject a proposed composition: the CISO's alone (SPEC 4).
    DecideTeamChange,
    RecordDrill,
    EditLogDuty,
    /// Mark an item of the regular tracking (追蹤管考) done: 後勤調度組's duty (point
    /// 2(六)1(5)), or the security staff's.
    TrackImprovement,
}

/// May `actor` take `action` for `agency`, whose supervision chain is `chain`?
///
/// Supervising agencies and the competent authority see an agency's preparedness (they follow
/// its drills); only the agency's own people change it. The security officer keeps the roster
/// and the records, the commander may propose changes to the team they convene, and the CISO
/// approves the composition.
pub fn may_on_agency(
    actor: &Actor,
    action: AgencyAction,
    agency: AgencyId,
    chain: &[AgencyId],
) -> Result<(), Denied> {
    let own = actor.agency == agency;
    if !own && !actor.agency_is_competent_authority && !chain.contains(&actor.agency) {
        return Err(Denied::NotVisible);
    }
    let permitted = match action {
        AgencyAction::ViewPreparedness => true,
        AgencyAction::ProposeTeamChange => own && actor.holds_any(&[SecurityOfficer, Commander]),
        AgencyAction::DecideTeamChange => own && actor.roles.contains(&Ciso),
        AgencyAction::RecordDrill | AgencyAction::EditLogDuty => {
            own && actor.holds(SecurityOfficer)
        }
        AgencyAction::TrackImprovement => own && actor.holds_any(&[Logistics, SecurityOfficer]),
    };
    if permitted {
        Ok(())
    } else {
        Err(Denied::NotPermitted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_portal_parts_follow_the_roles_and_the_competent_authority_audits() {
        let w = world();
        use PortalAction::*;
        let may = |a: &Actor, p| may_portal(a, p).is_ok();
        let officer = actor(w.school, &[SecurityOfficer]);
        let ciso = actor(w.school, &[Ciso]);
        let reviewer = actor(w.city, &[Reviewer]);
        let commander = actor(w.school, &[Commander]);
        let admin = actor(w.school, &[AgencyAdmin]);
        let ca_admin = ca_actor(&w, &[AgencyAdmin]);
        let ca_reviewer = ca_actor(&w, &[Reviewer]);
        assert!(may(&officer, FileIncidents) && may(&ciso, FileIncidents));
        assert!(!may(&commander, FileIncidents) && !may(&reviewer, FileIncidents));
        assert!(may(&reviewer, SeeReviewQueue) && may(&reviewer, SeeDashboard));
        assert!(!may(&officer, SeeReviewQueue) && !may(&commander, SeeDashboard));
        assert!(
            may(&reviewer, SeeSubordinatesIncidents) && may(&ca_reviewer, SeeSubordinatesIncidents)
        );
        assert!(!may(&officer, SeeSubordinatesIncidents) && !may(&ciso, SeeSubordinatesIncidents));
        assert!(may(&commander, SeeCommanderQueue) && !may(&officer, SeeCommanderQueue));
        assert!(may(&ca_reviewer, SeeAudit) && may(&ca_admin, SeeAudit));
        assert!(!may(&reviewer, SeeAudit) && !may(&admin, SeeAudit));
        assert!(may(&admin, AdministerAgency) && !may(&officer, AdministerAgency));
        assert!(may(&ca_admin, RegisterAgencies) && !may(&admin, RegisterAgencies));
        for p in PortalAction::ALL {
            assert!(!may(&Actor::default(), p), "nobody without a role: {p:?}");
        }
    }

    #[test]
    fn only_the_ciso_decides_the_team_and_only_own_people_change_it() {
        let w = world();
        let chain = [w.city, w.ca];
        let ciso = actor(w.school, &[Ciso]);
        let officer = actor(w.school, &[SecurityOfficer]);
        let commander = actor(w.school, &[Commander]);
        let responder = actor(w.school, &[ResponseExecution]);
        let city_reviewer = actor(w.city, &[Reviewer, SecurityOfficer, Ciso]);
        let sibling = actor(w.sibling, &[Ciso, SecurityOfficer]);
        let ca = ca_actor(&w, &[Reviewer]);
        use AgencyAction::*;
        let may = |a: &Actor, act| may_on_agency(a, act, w.school, &chain);
        assert_eq!(may(&ciso, DecideTeamChange), Ok(()));
        assert_eq!(may(&officer, DecideTeamChange), Err(Denied::NotPermitted));
        assert_eq!(may(&commander, DecideTeamChange), Err(Denied::NotPermitted));
        assert_eq!(
            may(&city_reviewer, DecideTeamChange),
            Err(Denied::NotPermitted)
        );
        for a in [&ciso, &officer, &commander] {
            assert_eq!(may(a, ProposeTeamChange), Ok(()));
        }
        assert_eq!(
            may(&responder, ProposeTeamChange),
            Err(Denied::NotPermitted)
        );
        assert_eq!(may(&officer, RecordDrill), Ok(()));
        assert_eq!(may(&ciso, EditLogDuty), Ok(()));
        assert_eq!(may(&commander, RecordDrill), Err(Denied::NotPermitted));
        for a in [&ciso, &responder, &city_reviewer, &ca] {
            assert_eq!(may(a, ViewPreparedness), Ok(()));
        }
        for act in [
            ViewPreparedness,
            ProposeTeamChange,
            DecideTeamChange,
            RecordDrill,
            EditLogDuty,
        ] {
            assert_eq!(may(&sibling, act), Err(Denied::NotVisible));
        }
        assert_eq!(may(&ca, EditLogDuty), Err(Denied::NotPermitted));
    }

    struct World {
        school: AgencyId,
        city: AgencyId,
        ca: AgencyId,
        sibling: AgencyId,
    }

    fn world() -> World {
        World {
            school: AgencyId::new_v4(),
            city: AgencyId::new_v4(),
            ca: AgencyId::new_v4(),
            sibling: AgencyId::new_v4(),
        }
    }

    fn ctx(w: &World, stage: Stage, level: IncidentLevel) -> IncidentContext {
        IncidentContext {
            agency: w.school,
            status: IncidentStatus::Open(stage),
            level,
            supervision_chain: vec![w.city, w.ca],
            notified_agency: None,
        }
    }

    fn actor(agency: AgencyId, roles: &[Role]) -> Actor {
        Actor {
            agency,
            roles: roles.to_vec(),
            agency_is_competent_authority: false,
            ..Actor::default()
        }
    }

    fn ca_actor(w: &World, roles: &[Role]) -> Actor {
        Actor {
            agency_is_competent_authority: true,
            ..actor(w.ca, roles)
        }
    }

    /// The agency's own stage work, with a stage each is open in.
    const STAGE_ACTIONS: [(Action, Stage); 21] = [
        (Action::FileIncident, Stage::Report),
        (Action::RecordEscalationNotice, Stage::Report),
        (Action::ActivateTeam, Stage::ResponseTeam),
        (Action::RecordResponseMeeting, Stage::ResponseTeam),
        (Action::RecordContainment, Stage::Containment),
        (Action::RecordControlEffectReport, Stage::Containment),
        (Action::RecordPersonalDataAssessment, Stage::Containment),
        (Action::RecordRootCause, Stage::RootCause),
        (Action::RecordMalwareAnalysis, Stage::RootCause),
        (Action::RecordVirusCheckSubmission, Stage::RootCause),
        (Action::EditImprovementItems, Stage::RootCause),
        (Action::SubmitToCommander, Stage::RootCause),
        (Action::DecideRootCause, Stage::RootCause),
        (Action::SendToEscalationTarget, Stage::RootCause),
        (Action::ReportImprovementProgress, Stage::Improvement),
        (Action::SubmitReport, Stage::Improvement),
        (Action::RecordClassifiedDocument, Stage::Improvement),
        (Action::CloseIncident, Stage::Improvement),
        (Action::CompleteStage, Stage::Containment),
        (Action::RecordEvidence, Stage::Containment),
        (Action::RecordIndicators, Stage::RootCause),
    ];

    /// Who of the own agency does each stage action (SPEC 4/5).
    fn expected_roles(action: Action) -> &'static [Role] {
        match action {
            Action::FileIncident | Action::RecordEscalationNotice => {
                &[SecurityOfficer, Ciso, IntelPlanning]
            }
            Action::ActivateTeam | Action::RecordResponseMeeting | Action::DecideRootCause => {
                &[Commander]
            }
            Action::RecordContainment
            | Action::RecordControlEffectReport
            | Action::RecordPersonalDataAssessment
            | Action::RecordEvidence => &[ResponseExecution],
            Action::RecordIndicators => &[SecurityOfficer, Ciso, IntelPlanning],
            Action::RecordRootCause
            | Action::RecordMalwareAnalysis
            | Action::RecordVirusCheckSubmission
            | Action::EditImprovementItems => &[Logistics],
            Action::SubmitToCommander | Action::ReportImprovementProgress => &[ExecutiveSecretary],
            Action::SendToEscalationTarget
            | Action::SubmitReport
            | Action::RecordClassifiedDocument
            | Action::CloseIncident => &[SecurityOfficer, Ciso],
            // Completing containment: response execution, or the commander.
            Action::CompleteStage => &[ResponseExecution, Commander],
            _ => &[],
        }
    }

    #[test]
    fn each_role_may_do_exactly_its_own_stage_work() {
        let w = world();
        for (action, stage) in STAGE_ACTIONS {
            for role in Role::ALL {
                let got = may(
                    &actor(w.school, &[role]),
                    action,
                    &ctx(&w, stage, IncidentLevel::L3),
                );
                let expected = if expected_roles(action).contains(&role) {
                    Ok(())
                } else {
                    Err(Denied::NotPermitted)
                };
                assert_eq!(got, expected, "{role:?} {action:?} in {stage:?}");
            }
        }
    }

    #[test]
    fn the_commander_approves_the_root_cause_but_the_secretary_cannot() {
        let w = world();
        let c = ctx(&w, Stage::RootCause, IncidentLevel::L2);
        assert_eq!(
            may(&actor(w.school, &[Commander]), Action::DecideRootCause, &c),
            Ok(())
        );
        assert_eq!(
            may(
                &actor(w.school, &[ExecutiveSecretary]),
                Action::DecideRootCause,
                &c
            ),
            Err(Denied::NotPermitted)
        );
        // Only while the root cause is the current stage.
        for stage in [Stage::Containment, Stage::Improvement] {
            assert_eq!(
                may(
                    &actor(w.school, &[Commander]),
                    Action::DecideRootCause,
                    &ctx(&w, stage, IncidentLevel::L2)
                ),
                Err(Denied::NotPermitted)
            );
        }
    }

    #[test]
    fn the_commander_may_complete_any_stage_and_stage_owners_their_own() {
        let w = world();
        for stage in Stage::ALL {
            let c = ctx(&w, stage, IncidentLevel::L1);
            assert_eq!(
                may(&actor(w.school, &[Commander]), Action::CompleteStage, &c),
                Ok(())
            );
        }
        let ok = |role, stage| {
            may(
                &actor(w.school, &[role]),
                Action::CompleteStage,
                &ctx(&w, stage, IncidentLevel::L1),
            )
        };
        assert_eq!(ok(IntelPlanning, Stage::Report), Ok(()));
        assert_eq!(
            ok(IntelPlanning, Stage::Containment),
            Err(Denied::NotPermitted)
        );
        assert_eq!(ok(ResponseExecution, Stage::Containment), Ok(()));
        assert_eq!(ok(SecurityOfficer, Stage::Improvement), Ok(()));
        assert_eq!(ok(Logistics, Stage::RootCause), Err(Denied::NotPermitted));
    }

    #[test]
    fn stage_gated_actions_wait_for_their_stage() {
        let w = world();
        let so = actor(w.school, &[SecurityOfficer]);
        for action in [
            Action::SubmitReport,
            Action::RecordClassifiedDocument,
            Action::CloseIncident,
        ] {
            assert_eq!(
                may(&so, action, &ctx(&w, Stage::RootCause, IncidentLevel::L3)),
                Err(Denied::NotPermitted)
            );
            assert_eq!(
                may(&so, action, &ctx(&w, Stage::Improvement, IncidentLevel::L3)),
                Ok(())
            );
        }
        let es = actor(w.school, &[ExecutiveSecretary]);
        assert_eq!(
            may(
                &es,
                Action::SubmitToCommander,
                &ctx(&w, Stage::Containment, IncidentLevel::L1)
            ),
            Err(Denied::NotPermitted)
        );
        // Recording is open in any stage: a late escalation notice after a
        // level rise during containment.
        assert_eq!(
            may(
                &actor(w.school, &[IntelPlanning]),
                Action::RecordEscalationNotice,
                &ctx(&w, Stage::Containment, IncidentLevel::L3)
            ),
            Ok(())
        );
    }

    #[test]
    fn a_closed_incident_is_read_only() {
        let w = world();
        let closed = IncidentContext {
            status: IncidentStatus::Closed,
            ..ctx(&w, Stage::Improvement, IncidentLevel::L4)
        };
        let everyone = actor(w.school, &Role::ALL);
        assert_eq!(may(&everyone, Action::ViewIncident, &closed), Ok(()));
        for (action, _) in STAGE_ACTIONS {
            assert_eq!(
                may(&everyone, action, &closed),
                Err(Denied::NotPermitted),
                "{action:?}"
            );
        }
        assert_eq!(
            may(&ca_actor(&w, &[Reviewer]), Action::ReviewLevel, &closed),
            Err(Denied::NotPermitted)
        );
        assert_eq!(
            may(&ca_actor(&w, &[Reviewer]), Action::ViewIncident, &closed),
            Ok(())
        );
    }

    #[test]
    fn an_unrelated_agency_cannot_even_see() {
        let w = world();
        // The sibling school under the same city, holding every role.
        let outsider = actor(w.sibling, &Role::ALL);
        for stage in Stage::ALL {
            let c = ctx(&w, stage, IncidentLevel::L4);
            for (action, _) in STAGE_ACTIONS {
                assert_eq!(may(&outsider, action, &c), Err(Denied::NotVisible));
            }
            for action in [
                Action::ViewIncident,
                Action::ReviewLevel,
                Action::CommentAsSupervisor,
                Action::RecordHomelandSecurityRelay,
            ] {
                assert_eq!(may(&outsider, action, &c), Err(Denied::NotVisible));
            }
        }
        let closed = IncidentContext {
            status: IncidentStatus::Closed,
            ..ctx(&w, Stage::Report, IncidentLevel::L1)
        };
        assert_eq!(
            may(&outsider, Action::ViewIncident, &closed),
            Err(Denied::NotVisible)
        );
    }

    #[test]
    fn reviewers_in_the_chain_review_and_comment_but_never_do_stage_work() {
        let w = world();
        for reviewer in [actor(w.city, &[Reviewer]), ca_actor(&w, &[Reviewer])] {
            for (action, stage) in STAGE_ACTIONS {
                let c = ctx(&w, stage, IncidentLevel::L3);
                assert_eq!(
                    may(&reviewer, action, &c),
                    Err(Denied::NotPermitted),
                    "{action:?}"
                );
                assert_eq!(may(&reviewer, Action::ViewIncident, &c), Ok(()));
                assert_eq!(may(&reviewer, Action::ReviewLevel, &c), Ok(()));
                assert_eq!(may(&reviewer, Action::CommentAsSupervisor, &c), Ok(()));
            }
        }
        // Holding the agency's roles in the superior agency changes nothing.
        let superior_commander = actor(w.city, &[Commander, Logistics, SecurityOfficer]);
        let c = ctx(&w, Stage::RootCause, IncidentLevel::L3);
        assert_eq!(
            may(&superior_commander, Action::DecideRootCause, &c),
            Err(Denied::NotPermitted)
        );
        assert_eq!(may(&superior_commander, Action::ViewIncident, &c), Ok(()));
        // A chain user without the reviewer role views but does not review.
        assert_eq!(
            may(&superior_commander, Action::ReviewLevel, &c),
            Err(Denied::NotPermitted)
        );
    }

    #[test]
    fn the_agency_does_not_review_its_own_level() {
        let w = world();
        let own_reviewer = actor(w.school, &[Reviewer]);
        let c = ctx(&w, Stage::Report, IncidentLevel::L2);
        assert_eq!(
            may(&own_reviewer, Action::ReviewLevel, &c),
            Err(Denied::NotPermitted)
        );
        assert_eq!(may(&own_reviewer, Action::ViewIncident, &c), Ok(()));
        // Except the competent authority, which has nobody above it.
        let ca_own = IncidentContext {
            agency: w.ca,
            supervision_chain: vec![],
            ..c
        };
        assert_eq!(
            may(&ca_actor(&w, &[Reviewer]), Action::ReviewLevel, &ca_own),
            Ok(())
        );
    }

    #[test]
    fn only_a_competent_authority_reviewer_relays_major_incidents_to_homeland_security() {
        let w = world();
        let ca_reviewer = ca_actor(&w, &[Reviewer]);
        for level in IncidentLevel::ALL {
            let c = ctx(&w, Stage::Report, level);
            let expected = if level.is_major() {
                Ok(())
            } else {
                Err(Denied::NotPermitted)
            };
            assert_eq!(
                may(&ca_reviewer, Action::RecordHomelandSecurityRelay, &c),
                expected,
                "{level:?}"
            );
        }
        let c = ctx(&w, Stage::Report, IncidentLevel::L4);
        assert_eq!(
            may(
                &actor(w.city, &[Reviewer]),
                Action::RecordHomelandSecurityRelay,
                &c
            ),
            Err(Denied::NotPermitted)
        );
        assert_eq!(
            may(
                &actor(w.school, &Role::ALL),
                Action::RecordHomelandSecurityRelay,
                &c
            ),
            Err(Denied::NotPermitted)
        );
        assert_eq!(
            may(
                &ca_actor(&w, &[AgencyAdmin]),
                Action::RecordHomelandSecurityRelay,
                &c
            ),
            Err(Denied::NotPermitted)
        );
    }

    #[test]
    fn the_ciso_acts_as_security_officer() {
        let w = world();
        let ciso = actor(w.school, &[Ciso]);
        assert!(ciso.holds(SecurityOfficer));
        assert!(!actor(w.school, &[SecurityOfficer]).holds(Ciso));
        assert_eq!(
            may(
                &ciso,
                Action::CloseIncident,
                &ctx(&w, Stage::Improvement, IncidentLevel::L1)
            ),
            Ok(())
        );
    }

    #[test]
    fn administration() {
        let w = world();
        let admin = actor(w.school, &[AgencyAdmin]);
        assert_eq!(may_manage(&admin, Action::ManageUsers, w.school), Ok(()));
        assert_eq!(
            may_manage(&admin, Action::ManageUsers, w.sibling),
            Err(Denied::NotVisible)
        );
        assert_eq!(
            may_manage(&admin, Action::ManageAgencies, w.school),
            Err(Denied::NotPermitted)
        );
        assert_eq!(
            may_manage(
                &actor(w.school, &[SecurityOfficer]),
                Action::ManageUsers,
                w.school
            ),
            Err(Denied::NotPermitted)
        );
        let ca_admin = ca_actor(&w, &[AgencyAdmin]);
        assert_eq!(may_manage(&ca_admin, Action::ManageUsers, w.school), Ok(()));
        assert_eq!(
            may_manage(&ca_admin, Action::ManageAgencies, w.school),
            Ok(())
        );
        assert_eq!(
            may_manage(&ca_actor(&w, &[Reviewer]), Action::ManageAgencies, w.school),
            Err(Denied::NotPermitted)
        );
        // Through `may`, the context's agency is the managed agency.
        let c = ctx(&w, Stage::Report, IncidentLevel::L1);
        assert_eq!(may(&admin, Action::ManageUsers, &c), Ok(()));
        assert_eq!(
            may_manage(&admin, Action::ViewIncident, w.school),
            Err(Denied::NotPermitted)
        );
    }

    #[test]
    fn role_names_round_trip() {
        let names = [
            "security_officer",
            "ciso",
            "commander",
            "executive_secretary",
            "press_officer",
            "intel_planning",
            "response_execution",
            "logistics",
            "finance_admin",
            "reviewer",
            "agency_admin",
        ];
        assert_eq!(Role::ALL.map(Role::as_str), names);
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            let (zh, en) = role.label().both();
            assert!(zh != role.label().catalog_key() && en != role.label().catalog_key());
        }
        assert_eq!(Role::parse("root"), None);
        assert_eq!(Denied::NotVisible.to_string(), "not found");
    }
}
