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
use super::super::level::IncidentLevel;
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
    ImprovementItemDone,
    SubmitToCommander,
    Decide,
    SendToEscalationTarget,
    ProgressReport,
    SubmitReport,
    ClassifiedDocument,
    CompleteStage,
    Review,
    Comment,
    HomelandRelay,
}

impl StageActionKind {
    pub const ALL: [StageActionKind; 21] = [
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
        StageActionKind::ImprovementItemDone,
        StageActionKind::SubmitToCommander,
        StageActionKind::Decide,
        StageActionKind::SendToEscalationTarget,
        StageActionKind::ProgressReport,
        StageActionKind::SubmitReport,
        StageActionKind::ClassifiedDocument,
        StageActionKind::CompleteStage,
        StageActionKind::Review,
        StageActionKind::Comment,
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
            ImprovementItemDone => "improvement_item_done",
            SubmitToCommander => "submit_to_commander",
            Decide => "decide",
            SendToEscalationTarget => "send_to_escalation_target",
            ProgressReport => "progress_report",
            SubmitReport => "submit_report",
            ClassifiedDocument => "classified_document",
            CompleteStage => "complete_stage",
            Review => "review",
            Comment => "comment",
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
            | ImprovementItemDone
            | SubmitToCommander
            | Decide
            | SendToEscalationTarget => Stage::RootCause,
            ProgressReport | SubmitReport | ClassifiedDocument => Stage::Improvement,
            CompleteStage | Review | Comment | HomelandRelay => return None,
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
            ImprovementItem | ImprovementItemDone => Action::EditImprovementItems,
            SubmitToCommander => Action::SubmitToCommander,
            Decide => Action::DecideRootCause,
            SendToEscalationTarget => Action::SendToEscalationTarget,
            ProgressReport => Action::ReportImprovementProgress,
            SubmitReport => Action::SubmitReport,
            ClassifiedDocument => Action::RecordClassifiedDocument,
            CompleteStage => Action::CompleteStage,
            Review => Action::ReviewLevel,
            Comment => Action::CommentAsSupervisor,
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
            ImprovementItemDone => "improvement.mark_done",
            SubmitToCommander => "action.submit_to_commander",
            Decide => "action.decide",
            SendToEscalationTarget => "action.send_to_escalation_target",
            ProgressReport => "action.progress_report",
            SubmitReport => "action.submit_report",
            ClassifiedDocument => "action.classified_document",
            CompleteStage => "action.complete_stage",
            Review => "action.review",
            Comment => "action.comment",
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
    ControlEffectReport,
    PersonalDataAssessment(PersonalDataAssessmentInput),
    RootCause(RootCauseInput),
    MalwareAnalysis(MalwareAnalysisInput),
    VirusCheck(VirusCheckInput),
    ImprovementItem(ImprovementItemInput),
    ImprovementItemDone(ImprovementItemDoneInput),
    SubmitToCommander,
    Decide(DecideInput),
    SendToEscalationTarget,
    ProgressReport,
    SubmitReport,
    ClassifiedDocument(ClassifiedDocumentInput),
    CompleteStage,
    Review(ReviewInput),
    Comment(CommentInput),
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
            A::ControlEffectReport => K::ControlEffectReport,
            A::PersonalDataAssessment(_) => K::PersonalDataAssessment,
            A::RootCause(_) => K::RootCause,
            A::MalwareAnalysis(_) => K::MalwareAnalysis,
            A::VirusCheck(_) => K::VirusCheck,
            A::ImprovementItem(_) => K::ImprovementItem,
            A::ImprovementItemDone(_) => K::ImprovementItemDone,
            A::SubmitToCommander => K::SubmitToCommander,
            A::Decide(_) => K::Decide,
            A::SendToEscalationTarget => K::SendToEscalationTarget,
            A::ProgressReport => K::ProgressReport,
            A::SubmitReport => K::SubmitReport,
            A::ClassifiedDocument(_) => K::ClassifiedDocument,
            A::CompleteStage => K::CompleteStage,
            A::Review(_) => K::Review,
            A::Comment(_) => K::Comment,
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
            K::ControlEffectReport => unit(A::ControlEffectReport, fields)?,
            K::PersonalDataAssessment => {
                A::PersonalDataAssessment(Deserialize::deserialize(fields)?)
            }
            K::RootCause => A::RootCause(Deserialize::deserialize(fields)?),
            K::MalwareAnalysis => A::MalwareAnalysis(Deserialize::deserialize(fields)?),
            K::VirusCheck => A::VirusCheck(Deserialize::deserialize(fields)?),
            K::ImprovementItem => A::ImprovementItem(Deserialize::deserialize(fields)?),
            K::ImprovementItemDone => A::ImprovementItemDone(Deserialize::deserialize(fields)?),
            K::SubmitToCommander => unit(A::SubmitToCommander, fields)?,
            K::Decide => A::Decide(Deserialize::deserialize(fields)?),
            K::SendToEscalationTarget => unit(A::SendToEscalationTarget, fields)?,
            K::ProgressReport => unit(A::ProgressReport, fields)?,
            K::SubmitReport => unit(A::SubmitReport, fields)?,
            K::ClassifiedDocument => A::ClassifiedDocument(Deserialize::deserialize(fields)?),
            K::CompleteStage => unit(A::CompleteStage, fields)?,
            K::Review => A::Review(Deserialize::deserialize(fields)?),
            K::Comment => A::Comment(Deserialize::deserialize(fields)?),
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
