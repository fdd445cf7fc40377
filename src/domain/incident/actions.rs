//! The stage actions (SPEC 5): one typed request each, which the HTML forms and the JSON API
//! both deserialise into. [`StageActionKind`] is the vocabulary (names, stages, permissions);
//! [`StageAction`] carries what each records.
//!
//! Field types accept what a form sends and what a JSON client sends (see [`super::super::input`]);
//! the values are checked (text length, times not in the future…) when the action is applied, so
//! that every problem comes back as a field error in the procedure's words.

use serde::de::{Deserializer, IgnoredAny};
use serde::Deserialize;
use utoipa::ToSchema;

use super::super::improvement::ImprovementHorizon;
use super::super::input::{Day, Flag, Index, Many, When};
use super::super::level::{Impact, IncidentLevel};
use super::super::roles::Action;
use super::super::stages::{AgendaItem, Stage};

/// Every stage action, in the order the incident page offers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageActionKind {
    EscalationNotice,
    ActivateTeam,
    ResponseMeeting,
    Containment,
    ControlEffectReport,
    PersonalDataAssessment,
    RootCause,
    MalwareAnalysis,
    VirusCheck,
    ImprovementItem,
    ImprovementItemEdit,
    ImprovementItemDrop,
    ImprovementItemDone,
    SubmitToCommander,
    Decide,
    SendToEscalationTarget,
    ProgressReport,
    SubmitReport,
    ClassifiedDocument,
    ForwardReport,
    FollowUpReport,
    ReportExtension,
    CisoMeeting,
    CompleteStage,
    Review,
    RelayReview,
    ReportExtensionDecision,
    Comment,
    ReplyToSupervisor,
    HomelandRelay,
}

impl StageActionKind {
    pub const ALL: [StageActionKind; 30] = [
        StageActionKind::EscalationNotice,
        StageActionKind::ActivateTeam,
        StageActionKind::ResponseMeeting,
        StageActionKind::Containment,
        StageActionKind::ControlEffectReport,
        StageActionKind::PersonalDataAssessment,
        StageActionKind::RootCause,
        StageActionKind::MalwareAnalysis,
        StageActionKind::VirusCheck,
        StageActionKind::ImprovementItem,
        StageActionKind::ImprovementItemEdit,
        StageActionKind::ImprovementItemDrop,
        StageActionKind::ImprovementItemDone,
        StageActionKind::SubmitToCommander,
        StageActionKind::Decide,
        StageActionKind::SendToEscalationTarget,
        StageActionKind::ProgressReport,
        StageActionKind::SubmitReport,
        StageActionKind::ClassifiedDocument,
        StageActionKind::ForwardReport,
        StageActionKind::FollowUpReport,
        StageActionKind::ReportExtension,
        StageActionKind::CisoMeeting,
        StageActionKind::CompleteStage,
        StageActionKind::Review,
        StageActionKind::RelayReview,
        StageActionKind::ReportExtensionDecision,
        StageActionKind::Comment,
        StageActionKind::ReplyToSupervisor,
        StageActionKind::HomelandRelay,
    ];

    /// The name in URLs (`/incidents/{id}/act/{name}`, `/api/v1/incidents/{id}/actions/{name}`)
    /// and in the page's form ids.
    pub fn name(self) -> &'static str {
        use StageActionKind::*;
        match self {
            EscalationNotice => "escalation_notice",
            ActivateTeam => "activate_team",
            ResponseMeeting => "response_meeting",
            Containment => "containment",
            ControlEffectReport => "control_effect_report",
            PersonalDataAssessment => "personal_data_assessment",
            RootCause => "root_cause",
            MalwareAnalysis => "malware_analysis",
            VirusCheck => "virus_check",
            ImprovementItem => "improvement_item",
            ImprovementItemEdit => "improvement_item_edit",
            ImprovementItemDrop => "improvement_item_drop",
            ImprovementItemDone => "improvement_item_done",
            SubmitToCommander => "submit_to_commander",
            Decide => "decide",
            SendToEscalationTarget => "send_to_escalation_target",
            ProgressReport => "progress_report",
            SubmitReport => "submit_report",
            ClassifiedDocument => "classified_document",
            ForwardReport => "forward_report",
            FollowUpReport => "follow_up_report",
            ReportExtension => "report_extension",
            CisoMeeting => "ciso_meeting",
            CompleteStage => "complete_stage",
            Review => "review",
            RelayReview => "relay_review",
            ReportExtensionDecision => "report_extension_decision",
            Comment => "comment",
            ReplyToSupervisor => "reply_to_supervisor",
            HomelandRelay => "homeland_relay",
        }
    }

    pub fn parse(name: &str) -> Option<StageActionKind> {
        StageActionKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The stage whose work this is (its form comes first in that stage); `None` for what may
    /// happen in any stage (completing it, the supervising agencies' review and comments).
    pub fn stage(self) -> Option<Stage> {
        use StageActionKind::*;
        Some(match self {
            EscalationNotice => Stage::Report,
            ActivateTeam | ResponseMeeting => Stage::ResponseTeam,
            Containment | ControlEffectReport | PersonalDataAssessment => Stage::Containment,
            RootCause
            | MalwareAnalysis
            | VirusCheck
            | ImprovementItem
            | ImprovementItemEdit
            | ImprovementItemDrop
            | ImprovementItemDone
            | SubmitToCommander
            | Decide
            | SendToEscalationTarget => Stage::RootCause,
            ProgressReport | SubmitReport | ClassifiedDocument => Stage::Improvement,
            ForwardReport
            | FollowUpReport
            | ReportExtension
            | CisoMeeting
            | CompleteStage
            | Review
            | RelayReview
            | ReportExtensionDecision
            | Comment
            | ReplyToSupervisor
            | HomelandRelay => return None,
        })
    }

    /// The permission it needs (who holds it is [`super::super::roles::may`]).
    pub fn permission(self) -> Action {
        use StageActionKind::*;
        match self {
            EscalationNotice => Action::RecordEscalationNotice,
            ActivateTeam => Action::ActivateTeam,
            ResponseMeeting => Action::RecordResponseMeeting,
            Containment => Action::RecordContainment,
            ControlEffectReport => Action::RecordControlEffectReport,
            PersonalDataAssessment => Action::RecordPersonalDataAssessment,
            RootCause => Action::RecordRootCause,
            MalwareAnalysis => Action::RecordMalwareAnalysis,
            VirusCheck => Action::RecordVirusCheckSubmission,
            ImprovementItem | ImprovementItemEdit | ImprovementItemDrop | ImprovementItemDone => {
                Action::EditImprovementItems
            }
            SubmitToCommander => Action::SubmitToCommander,
            Decide => Action::DecideRootCause,
            SendToEscalationTarget => Action::SendToEscalationTarget,
            ProgressReport => Action::ReportImprovementProgress,
            SubmitReport => Action::SubmitReport,
            ClassifiedDocument => Action::RecordClassifiedDocument,
            ForwardReport => Action::ForwardReport,
            FollowUpReport => Action::ReportFollowUp,
            ReportExtension => Action::RequestReportExtension,
            CisoMeeting => Action::RecordCisoMeeting,
            CompleteStage => Action::CompleteStage,
            Review => Action::ReviewLevel,
            RelayReview => Action::RelayReview,
            ReportExtensionDecision => Action::DecideReportExtension,
            Comment => Action::CommentAsSupervisor,
            ReplyToSupervisor => Action::ReplyToSupervisor,
            HomelandRelay => Action::RecordHomelandSecurityRelay,
        }
    }

    /// The catalog key of the action's name on buttons and headings.
    pub fn title_key(self) -> &'static str {
        use StageActionKind::*;
        match self {
            EscalationNotice => "action.escalation_notice",
            ActivateTeam => "action.activate_team",
            ResponseMeeting => "action.response_meeting",
            Containment => "action.containment",
            ControlEffectReport => "action.control_effect_report",
            PersonalDataAssessment => "action.personal_data_assessment",
            RootCause => "action.root_cause",
            MalwareAnalysis => "action.malware_analysis",
            VirusCheck => "action.virus_check",
            ImprovementItem => "action.improvement_item",
            ImprovementItemEdit => "action.improvement_item_edit",
            ImprovementItemDrop => "action.improvement_item_drop",
            ImprovementItemDone => "improvement.mark_done",
            SubmitToCommander => "action.submit_to_commander",
            Decide => "action.decide",
            SendToEscalationTarget => "action.send_to_escalation_target",
            ProgressReport => "action.progress_report",
            SubmitReport => "action.submit_report",
            ClassifiedDocument => "action.classified_document",
            ForwardReport => "action.forward_report",
            FollowUpReport => "action.follow_up_report",
            ReportExtension => "action.report_extension",
            CisoMeeting => "action.ciso_meeting",
            CompleteStage => "action.complete_stage",
            Review => "action.review",
            RelayReview => "action.relay_review",
            ReportExtensionDecision => "action.report_extension_decision",
            Comment => "action.comment",
            ReplyToSupervisor => "action.reply_to_supervisor",
            HomelandRelay => "action.homeland_relay",
        }
    }
}

/// A stage action with what it records. Deserialises from `{"action": "<name>", …fields}`;
/// [`StageAction::from_payload`] reads the fields alone when the name comes from the URL.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum StageAction {
    /// L3/4: the phone (or other means) notice to the notified agency (SPEC 5 stage 1).
    EscalationNotice(EscalationNoticeInput),
    ActivateTeam,
    /// L3/4: the response meeting chaired by the commander.
    ResponseMeeting(ResponseMeetingInput),
    /// The damage-control checklist; notifying completion starts the report's month.
    Containment(ContainmentInput),
    /// L3/4: a periodic report of the control measures' effect.
    ControlEffectReport(PeriodicReportInput),
    PersonalDataAssessment(PersonalDataAssessmentInput),
    RootCause(RootCauseInput),
    MalwareAnalysis(MalwareAnalysisInput),
    VirusCheck(VirusCheckInput),
    ImprovementItem(ImprovementItemInput),
    ImprovementItemEdit(ImprovementItemEditInput),
    ImprovementItemDrop(ImprovementItemDropInput),
    ImprovementItemDone(ImprovementItemDoneInput),
    SubmitToCommander,
    Decide(DecideInput),
    SendToEscalationTarget,
    /// L3/4: the executive secretary's periodic report of the improvement measures' progress.
    ProgressReport(PeriodicReportInput),
    SubmitReport,
    ClassifiedDocument(ClassifiedDocumentInput),
    /// The security staff forward the periodic reports of a kind to the notified agency.
    ForwardReport(ForwardReportInput),
    /// 續行通報 (art. 6 II).
    FollowUpReport(FollowUpReportInput),
    /// Ask the notified agency to extend the investigation report (art. 8 III).
    ReportExtension(ReportExtensionInput),
    /// L3/4: the CISO's meeting (art. 9).
    CisoMeeting(CisoMeetingInput),
    CompleteStage,
    Review(ReviewInput),
    /// The notified agency's result and basis sent to the competent authority (art. 7 II).
    RelayReview(RelayReviewInput),
    ReportExtensionDecision(ReportExtensionDecisionInput),
    Comment(CommentInput),
    /// The agency's answer to its supervising agencies' comments.
    ReplyToSupervisor(ReplyInput),
    HomelandRelay,
}

impl StageAction {
    pub fn kind(&self) -> StageActionKind {
        use StageAction as A;
        use StageActionKind as K;
        match self {
            A::EscalationNotice(_) => K::EscalationNotice,
            A::ActivateTeam => K::ActivateTeam,
            A::ResponseMeeting(_) => K::ResponseMeeting,
            A::Containment(_) => K::Containment,
            A::ControlEffectReport(_) => K::ControlEffectReport,
            A::PersonalDataAssessment(_) => K::PersonalDataAssessment,
            A::RootCause(_) => K::RootCause,
            A::MalwareAnalysis(_) => K::MalwareAnalysis,
            A::VirusCheck(_) => K::VirusCheck,
            A::ImprovementItem(_) => K::ImprovementItem,
            A::ImprovementItemEdit(_) => K::ImprovementItemEdit,
            A::ImprovementItemDrop(_) => K::ImprovementItemDrop,
            A::ImprovementItemDone(_) => K::ImprovementItemDone,
            A::SubmitToCommander => K::SubmitToCommander,
            A::Decide(_) => K::Decide,
            A::SendToEscalationTarget => K::SendToEscalationTarget,
            A::ProgressReport(_) => K::ProgressReport,
            A::SubmitReport => K::SubmitReport,
            A::ClassifiedDocument(_) => K::ClassifiedDocument,
            A::ForwardReport(_) => K::ForwardReport,
            A::FollowUpReport(_) => K::FollowUpReport,
            A::ReportExtension(_) => K::ReportExtension,
            A::CisoMeeting(_) => K::CisoMeeting,
            A::CompleteStage => K::CompleteStage,
            A::Review(_) => K::Review,
            A::RelayReview(_) => K::RelayReview,
            A::ReportExtensionDecision(_) => K::ReportExtensionDecision,
            A::Comment(_) => K::Comment,
            A::ReplyToSupervisor(_) => K::ReplyToSupervisor,
            A::HomelandRelay => K::HomelandRelay,
        }
    }

    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    pub fn stage(&self) -> Option<Stage> {
        self.kind().stage()
    }

    /// The action `kind` from its fields alone (the body of a form or of an API request whose
    /// URL names the action). Fields an action does not use are ignored.
    pub fn from_payload<'de, D: Deserializer<'de>>(
        kind: StageActionKind,
        fields: D,
    ) -> Result<StageAction, D::Error> {
        use StageAction as A;
        use StageActionKind as K;
        let unit = |action: StageAction, d: D| IgnoredAny::deserialize(d).map(|_| action);
        Ok(match kind {
            K::EscalationNotice => A::EscalationNotice(Deserialize::deserialize(fields)?),
            K::ActivateTeam => unit(A::ActivateTeam, fields)?,
            K::ResponseMeeting => A::ResponseMeeting(Deserialize::deserialize(fields)?),
            K::Containment => A::Containment(Deserialize::deserialize(fields)?),
            K::ControlEffectReport => A::ControlEffectReport(Deserialize::deserialize(fields)?),
            K::PersonalDataAssessment => {
                A::PersonalDataAssessment(Deserialize::deserialize(fields)?)
            }
            K::RootCause => A::RootCause(Deserialize::deserialize(fields)?),
            K::MalwareAnalysis => A::MalwareAnalysis(Deserialize::deserialize(fields)?),
            K::VirusCheck => A::VirusCheck(Deserialize::deserialize(fields)?),
            K::ImprovementItem => A::ImprovementItem(Deserialize::deserialize(fields)?),
            K::ImprovementItemEdit => A::ImprovementItemEdit(Deserialize::deserialize(fields)?),
            K::ImprovementItemDrop => A::ImprovementItemDrop(Deserialize::deserialize(fields)?),
            K::ImprovementItemDone => A::ImprovementItemDone(Deserialize::deserialize(fields)?),
            K::SubmitToCommander => unit(A::SubmitToCommander, fields)?,
            K::Decide => A::Decide(Deserialize::deserialize(fields)?),
            K::SendToEscalationTarget => unit(A::SendToEscalationTarget, fields)?,
            K::ProgressReport => A::ProgressReport(Deserialize::deserialize(fields)?),
            K::SubmitReport => unit(A::SubmitReport, fields)?,
            K::ClassifiedDocument => A::ClassifiedDocument(Deserialize::deserialize(fields)?),
            K::ForwardReport => A::ForwardReport(Deserialize::deserialize(fields)?),
            K::FollowUpReport => A::FollowUpReport(Deserialize::deserialize(fields)?),
            K::ReportExtension => A::ReportExtension(Deserialize::deserialize(fields)?),
            K::CisoMeeting => A::CisoMeeting(Deserialize::deserialize(fields)?),
            K::CompleteStage => unit(A::CompleteStage, fields)?,
            K::Review => A::Review(Deserialize::deserialize(fields)?),
            K::RelayReview => A::RelayReview(Deserialize::deserialize(fields)?),
            K::ReportExtensionDecision => {
                A::ReportExtensionDecision(Deserialize::deserialize(fields)?)
            }
            K::Comment => A::Comment(Deserialize::deserialize(fields)?),
            K::ReplyToSupervisor => A::ReplyToSupervisor(Deserialize::deserialize(fields)?),
            K::HomelandRelay => unit(A::HomelandRelay, fields)?,
        })
    }
}

/// How the notified agency was told, besides the designated channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeMeansChoice {
    #[default]
    Phone,
    Other,
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct EscalationNoticeInput {
    /// The person (and unit) at the notified agency who was told.
    #[serde(default)]
    pub told: String,
    #[serde(default)]
    pub means: NoticeMeansChoice,
    /// With `means: other`: which means.
    #[serde(default)]
    pub other_means: String,
    /// When they were told.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub at: Option<When>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct ResponseMeetingInput {
    #[schema(value_type = Option<String>, format = DateTime)]
    pub held_at: Option<When>,
    /// Who attended: a list, or one name per line.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub attendees: Many<String>,
    #[serde(default)]
    pub minutes: String,
    /// Which of the three agenda items were discussed.
    #[serde(default)]
    #[schema(value_type = Vec<AgendaItem>)]
    pub agenda: Many<AgendaItem>,
}

/// One affected system's judgement: back within its tolerable downtime or not, or not judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DowntimeChoice {
    #[serde(rename = "")]
    Unjudged,
    Within,
    Beyond,
}

/// A decision that may still be open: yes, no, or not decided (empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum YesNo {
    #[default]
    #[serde(rename = "")]
    Undecided,
    Yes,
    No,
}

impl YesNo {
    pub fn decided(self) -> Option<bool> {
        match self {
            YesNo::Undecided => None,
            YesNo::Yes => Some(true),
            YesNo::No => Some(false),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct ContainmentInput {
    /// 確認具體受害範圍.
    #[serde(default)]
    #[schema(value_type = bool)]
    pub scope_confirmed: Flag,
    /// External services and core systems restored first.
    #[serde(default)]
    #[schema(value_type = bool)]
    pub priority_restoration_done: Flag,
    /// One judgement per affected system, in the order the incident lists them.
    #[serde(default)]
    #[schema(value_type = Vec<DowntimeChoice>)]
    pub downtime: Many<DowntimeChoice>,
    /// Whether the incident is announced publicly.
    #[serde(default)]
    pub public_announcement: YesNo,
    /// Notify that damage control or recovery is complete.
    #[serde(default)]
    #[schema(value_type = bool)]
    pub notify_completion: Flag,
    /// Initial damage control (初步損害控制) is done.
    #[serde(default)]
    #[schema(value_type = bool)]
    pub initial_control_done: Flag,
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct PersonalDataAssessmentInput {
    #[serde(default)]
    pub assessment: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct RootCauseInput {
    /// 設備故障: needs no root-cause investigation.
    #[serde(default)]
    #[schema(value_type = bool)]
    pub equipment_failure: Flag,
    #[serde(default)]
    pub root_cause: String,
    #[serde(default)]
    #[schema(value_type = bool)]
    pub malware_found: Flag,
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct MalwareAnalysisInput {
    #[serde(default)]
    pub analysis: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct VirusCheckInput {
    #[schema(value_type = Option<String>, format = DateTime)]
    pub submitted_at: Option<When>,
    #[serde(default)]
    pub reference: String,
}

/// The horizon of an improvement item as the form names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HorizonChoice {
    Short,
    Mid,
    Long,
}

impl HorizonChoice {
    pub fn horizon(self) -> ImprovementHorizon {
        match self {
            HorizonChoice::Short => ImprovementHorizon::ShortTerm,
            HorizonChoice::Mid => ImprovementHorizon::MidTerm,
            HorizonChoice::Long => ImprovementHorizon::LongTerm,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct ImprovementItemInput {
    #[serde(default)]
    pub description: String,
    /// Who carries it out.
    #[serde(default)]
    pub owner: String,
    pub horizon: Option<HorizonChoice>,
    #[schema(value_type = Option<String>, format = Date)]
    pub due_on: Option<Day>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct ImprovementItemDoneInput {
    /// The item's position in the strategy (0-based).
    #[schema(value_type = Option<u32>)]
    pub index: Option<Index>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionChoice {
    Approve,
    Return,
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct DecideInput {
    pub decision: Option<DecisionChoice>,
    /// Required with a return (退回須附意見).
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct ClassifiedDocumentInput {
    #[serde(default)]
    pub number: String,
    /// The agencies it went to: the competent authority and the superior or supervising agency.
    #[serde(default)]
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub recipients: Many<uuid::Uuid>,
    #[schema(value_type = Option<String>, format = Date)]
    pub dated: Option<Day>,
}

/// A level as a form or JSON sends it: 1–4, or empty for "as reported".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LevelChoice(pub Option<IncidentLevel>);

impl<'de> Deserialize<'de> for LevelChoice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, Visitor};
        struct V;
        impl Visitor<'_> for V {
            type Value = LevelChoice;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a level from 1 to 4")
            }
            fn visit_u64<E: Error>(self, v: u64) -> Result<LevelChoice, E> {
                u8::try_from(v)
                    .ok()
                    .and_then(IncidentLevel::from_number)
                    .map(|l| LevelChoice(Some(l)))
                    .ok_or_else(|| E::custom("error.choice_invalid"))
            }
            fn visit_i64<E: Error>(self, v: i64) -> Result<LevelChoice, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom("error.choice_invalid"))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<LevelChoice, E> {
                match v.trim() {
                    "" => Ok(LevelChoice(None)),
                    n => n
                        .parse::<u64>()
                        .map_err(|_| E::custom("error.choice_invalid"))
                        .and_then(|n| self.visit_u64(n)),
                }
            }
            fn visit_unit<E: Error>(self) -> Result<LevelChoice, E> {
                Ok(LevelChoice(None))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct ReviewInput {
    /// The level the reviewer sets; empty keeps the level as reported.
    #[serde(default)]
    #[schema(value_type = Option<u8>, minimum = 1, maximum = 4)]
    pub level: LevelChoice,
    /// Required when the level changes.
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct CommentInput {
    #[serde(default)]
    pub comment: String,
}

/// The agency's reply to its supervising agencies.
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct ReplyInput {
    #[serde(default)]
    pub comment: String,
}

/// A periodic report's content: what was done and its effect.
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct PeriodicReportInput {
    #[serde(default)]
    pub done: String,
    #[serde(default)]
    pub effect: String,
}

/// Which periodic reports to forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportChoice {
    ControlEffect,
    Progress,
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct ForwardReportInput {
    pub report: Option<ReportChoice>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct ImprovementItemEditInput {
    #[schema(value_type = Option<u32>)]
    pub index: Option<Index>,
    #[serde(default)]
    pub description: String,
    pub horizon: Option<HorizonChoice>,
    #[schema(value_type = Option<String>, format = Date)]
    pub due_on: Option<Day>,
    #[serde(default)]
    pub owner: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct ImprovementItemDropInput {
    #[schema(value_type = Option<u32>)]
    pub index: Option<Index>,
    #[serde(default)]
    pub reason: String,
}

/// A follow-up report: the impacts as they now stand, and why.
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct FollowUpReportInput {
    #[serde(default)]
    pub impacts: Vec<Impact>,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct ReportExtensionInput {
    /// The new date asked for.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub until: Option<When>,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct ReportExtensionDecisionInput {
    /// `true`: consent; `false`: refuse.
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub consent: Option<Flag>,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct RelayReviewInput {
    /// The basis of the review result (審核結果及依據).
    #[serde(default)]
    pub basis: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct CisoMeetingInput {
    #[schema(value_type = Option<String>, format = DateTime)]
    pub held_at: Option<When>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub attendees: Many<String>,
    #[serde(default)]
    pub conclusions: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_unique_name_that_parses_back() {
        let mut names = std::collections::HashSet::new();
        for k in StageActionKind::ALL {
            assert!(names.insert(k.name()), "{k:?}");
            assert_eq!(StageActionKind::parse(k.name()), Some(k));
        }
        assert_eq!(StageActionKind::parse("no_such_action"), None);
    }

    #[test]
    fn the_tagged_body_and_the_named_payload_are_the_same_action() {
        let tagged: StageAction = serde_json::from_value(serde_json::json!({
            "action": "escalation_notice", "told": "示範部 王科長", "means": "other",
            "other_means": "LINE", "at": "2026-03-02T09:00"
        }))
        .unwrap();
        let named = StageAction::from_payload(
            StageActionKind::EscalationNotice,
            serde_json::json!({"told": "示範部 王科長", "means": "other",
                "other_means": "LINE", "at": "2026-03-02T01:00:00Z"}),
        )
        .unwrap();
        assert_eq!(tagged, named);
        assert_eq!(tagged.kind(), StageActionKind::EscalationNotice);
        for k in StageActionKind::ALL {
            let unit = StageAction::from_payload(k, serde_json::json!({}));
            if let Ok(a) = unit {
                assert_eq!(a.kind(), k);
            }
        }
    }

    #[test]
    fn form_values_and_json_values_read_alike() {
        let form = StageAction::from_payload(
            StageActionKind::Containment,
            serde_json::json!({"scope_confirmed": "on", "downtime": ["within", "", "beyond"],
                "public_announcement": "no"}),
        )
        .unwrap();
        let json = StageAction::from_payload(
            StageActionKind::Containment,
            serde_json::json!({"scope_confirmed": true, "downtime": ["within", "", "beyond"],
                "public_announcement": "no", "notify_completion": false}),
        )
        .unwrap();
        assert_eq!(form, json);
        let review = StageAction::from_payload(
            StageActionKind::Review,
            serde_json::json!({"level": "3", "reason": "x"}),
        )
        .unwrap();
        assert_eq!(
            review,
            StageAction::Review(ReviewInput {
                level: LevelChoice(Some(IncidentLevel::L3)),
                reason: "x".into()
            })
        );
        assert!(StageAction::from_payload(
            StageActionKind::Review,
            serde_json::json!({"level": 5})
        )
        .is_err());
    }
}
