//! Incidents: filing, what an incident page shows, and every stage action. Each use case runs
//! in one transaction acting for the user (row-level security), asks the domain whether the
//! user may act and what the stage still needs, saves, and appends to the timeline.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::{self, incidents::Incident, timeline};
use crate::domain::notifications::Event;
use crate::domain::{
    self, Action, AgencyId, Category, CommanderDecision, Deadline, DeadlineInputs, Impact,
    IncidentContext, IncidentLevel, IncidentRecord, IncidentStatus, MissingItem, Stage,
};
use crate::error::{AppError, FieldErrors};
use crate::services::{denied, directory, Acting};

fn field_error(field: &str, key: &str) -> AppError {
    let mut e = FieldErrors::default();
    e.add(field, key);
    AppError::Invalid(e)
}

/// Free text: trimmed, within `max` characters, no control characters but line breaks.
pub fn clean_text(raw: &str, max: usize) -> Option<String> {
    let t = raw.trim();
    (t.chars().count() <= max
        && !t
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t'))
    .then(|| t.replace("\r\n", "\n"))
}

pub struct FilingInput {
    pub title: String,
    pub aware_at: DateTime<Utc>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub category: Category,
    pub subcategory: String,
    pub impacts: Vec<Impact>,
    pub personal_data: bool,
    pub summary: String,
    pub contact: String,
    pub affected_systems: Vec<String>,
    /// When the platform could not be used: when it was reported otherwise, and why.
    pub other_means: Option<(DateTime<Utc>, String)>,
}

/// Every field problem of a filing at once, so that the form can show them all.
pub fn check_filing(input: &FilingInput, now: DateTime<Utc>) -> FieldErrors {
    let mut errors = FieldErrors::default();
    match clean_text(&input.title, 200) {
        Some(t) if !t.is_empty() && !t.contains('\n') => {}
        _ => errors.add("title", "error.title_invalid"),
    }
    if clean_text(&input.summary, 10_000).is_none() {
        errors.add("summary", "error.text_too_long");
    }
    if clean_text(&input.contact, 200).is_none() {
        errors.add("contact", "error.text_too_long");
    }
    if !input.subcategory.is_empty()
        && !input
            .category
            .subcategories()
            .iter()
            .any(|(code, _, _)| *code == input.subcategory)
    {
        errors.add("subcategory", "error.subcategory_unknown");
    }
    if input.affected_systems.len() > 50
        || input
            .affected_systems
            .iter()
            .any(|s| clean_text(s, 200).is_none_or(|s| s.contains('\n')))
    {
        errors.add("affected_systems", "error.systems_invalid");
    }
    if let Err(e) = domain::classify(&input.impacts) {
        errors.add(
            "impacts",
            match e {
                domain::ClassifyError::NoImpacts => "error.impacts_none",
                domain::ClassifyError::DisruptionOfNationalSecrets { .. } => {
                    "error.impacts_impossible"
                }
            },
        );
    }
    if let Some((_, why)) = &input.other_means {
        if clean_text(why, 500).is_none_or(|w| w.contains('\n')) {
            errors.add("other_means_reason", "error.text_too_long");
        }
    }
    let other = input
        .other_means
        .as_ref()
        .map(|(at, why)| (*at, why.as_str()));
    for e in domain::check_report_times(input.aware_at, input.occurred_at, other, now) {
        errors.add(e.field(), &format!("error.{}", e.code()));
    }
    errors
}

async fn competent_authority(conn: &mut sqlx::PgConnection) -> Result<AgencyId, AppError> {
    Ok(db::agencies::competent_authority(conn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no competent authority is registered"))?
        .id)
}

fn deadline_inputs(i: &Incident, ca: AgencyId) -> DeadlineInputs {
    DeadlineInputs {
        aware_at: i.aware_at,
        reported_at: Some(i.reported_at),
        reviewed_at: i.reviewed_at,
        review_relayed_at: i.review_relayed_at,
        containment_completed_at: i.containment_completed_at,
        report_submitted_at: i.report_submitted_at,
        report_extended_until: i.report_extended_until,
        level: i.level,
        notified_agency_is_competent_authority: i.escalation_target_id.is_none_or(|t| t == ca),
    }
}

/// Whether this user may file for their agency (asked before looking at what they sent).
pub fn may_file(me: Acting<'_>) -> Result<(), AppError> {
    let ctx = IncidentContext {
        agency: me.user.agency_id,
        status: IncidentStatus::Open(Stage::Report),
        // Not known before the impacts are read; filing is allowed or not whatever the level.
        level: IncidentLevel::L1,
        supervision_chain: Vec::new(),
    };
    domain::may(&me.actor(), Action::FileIncident, &ctx).map_err(denied)
}

pub async fn file(pool: &PgPool, me: Acting<'_>, input: FilingInput) -> Result<Incident, AppError> {
    let now = Utc::now();
    may_file(me)?;
    check_filing(&input, now).into_result()?;
    let classification = domain::classify(&input.impacts)
        .map_err(|_| field_error("impacts", "error.impacts_none"))?;
    let level = classification.level;
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let standing = directory::standing(&mut tx, me.user.agency_id).await?;
    let ca = competent_authority(&mut tx).await?;
    let year = domain::to_taipei(now).year();
    let seq = db::incidents::next_sequence(&mut tx, me.user.agency_id, year).await?;
    let reported_at =
        domain::filing::reported_at(now, input.other_means.as_ref().map(|(at, _)| *at));
    let mut record = IncidentRecord::new(level);
    record.personal_data = input.personal_data;
    record.reported_at = Some(reported_at);
    record.affected_systems = input
        .affected_systems
        .iter()
        .map(|name| domain::AffectedSystem {
            name: name.trim().to_string(),
            within_tolerable_downtime: None,
        })
        .collect();
    let mut incident = Incident {
        id: Uuid::new_v4(),
        agency_id: me.user.agency_id,
        number: format!("{}-{}-{:04}", me.agency.code, year, seq),
        title: clean_text(&input.title, 200).unwrap_or_default(),
        category: input.category,
        subcategory: input.subcategory.clone(),
        summary: clean_text(&input.summary, 10_000).unwrap_or_default(),
        contact: clean_text(&input.contact, 200).unwrap_or_default(),
        impacts: input.impacts.clone(),
        proposed_level: level,
        level,
        personal_data: input.personal_data,
        aware_at: input.aware_at,
        occurred_at: input.occurred_at,
        reported_at,
        other_means_reported_at: input.other_means.as_ref().map(|(at, _)| *at),
        other_means_reason: input
            .other_means
            .as_ref()
            .map(|(_, why)| why.trim().to_string())
            .unwrap_or_default(),
        escalation_target_id: standing
            .escalation_target
            .as_ref()
            .map(|(t, _)| t.agency_id()),
        status: IncidentStatus::Open(Stage::Report),
        record,
        reviewed_at: None,
        review_relayed_at: None,
        containment_completed_at: None,
        report_submitted_at: None,
        report_extended_until: None,
        homeland_relayed_at: None,
        next_due: None,
        agency_name_zh: me.agency.name_zh.clone(),
        agency_name_en: me.agency.name_en.clone(),
    };
    db::incidents::insert(&mut tx, &incident, me.user.id).await?;
    let deadlines = domain::deadlines(&deadline_inputs(&incident, ca));
    db::incidents::save(&mut tx, &incident, &deadlines).await?;
    incident.next_due = deadlines
        .iter()
        .filter(|d| d.done_at.is_none())
        .filter_map(|d| d.due)
        .min();
    timeline::append(
        &mut tx,
        incident.id,
        incident.agency_id,
        Some(&me.timeline_actor()),
        "filed",
        &json!({
            "number": incident.number,
            "level": level.number(),
            "rule": classification.rule,
            "reported_at": reported_at,
            "other_means_reason": incident.other_means_reason,
        }),
    )
    .await?;
    notify(&mut tx, &incident, Event::Filed { level }, ca, me).await?;
    tx.commit().await?;
    tracing::info!(incident = %incident.id, number = %incident.number, level = level.number(), "incident filed");
    Ok(incident)
}

/// Everything an incident page or API answer shows.
pub struct IncidentView {
    pub incident: Incident,
    pub deadlines: Vec<Deadline>,
    /// What the current stage still needs (empty when closed or complete).
    pub missing: Vec<MissingItem>,
    /// The actions this user may take now.
    pub allowed: Vec<Action>,
    pub timeline: Vec<(timeline::Entry, Option<String>)>,
    pub escalation_target_name: Option<(String, String)>,
}

pub(crate) async fn context(
    conn: &mut sqlx::PgConnection,
    i: &Incident,
) -> Result<IncidentContext, AppError> {
    let standing = directory::standing(conn, i.agency_id).await?;
    Ok(IncidentContext {
        agency: i.agency_id,
        status: i.status,
        level: i.level,
        supervision_chain: standing.supervision_chain.iter().map(|a| a.id).collect(),
    })
}

/// Actions shown as forms on the page, in stage order.
pub const PAGE_ACTIONS: &[Action] = &[
    Action::RecordEscalationNotice,
    Action::ActivateTeam,
    Action::RecordResponseMeeting,
    Action::RecordContainment,
    Action::RecordControlEffectReport,
    Action::RecordPersonalDataAssessment,
    Action::RecordRootCause,
    Action::RecordMalwareAnalysis,
    Action::RecordVirusCheckSubmission,
    Action::EditImprovementItems,
    Action::SubmitToCommander,
    Action::DecideRootCause,
    Action::SendToEscalationTarget,
    Action::ReportImprovementProgress,
    Action::SubmitReport,
    Action::RecordClassifiedDocument,
    Action::CompleteStage,
    Action::ReviewLevel,
    Action::CommentAsSupervisor,
    Action::RecordHomelandSecurityRelay,
];

pub async fn view(pool: &PgPool, me: Acting<'_>, id: Uuid) -> Result<IncidentView, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let incident = db::incidents::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = context(&mut tx, &incident).await?;
    let actor = me.actor();
    domain::may(&actor, Action::ViewIncident, &ctx).map_err(denied)?;
    let ca = competent_authority(&mut tx).await?;
    let deadlines = domain::deadlines(&deadline_inputs(&incident, ca));
    let missing = incident
        .status
        .stage()
        .map(|s| domain::missing_items(s, &incident.record))
        .unwrap_or_default();
    let allowed = PAGE_ACTIONS
        .iter()
        .copied()
        .filter(|a| domain::may(&actor, *a, &ctx).is_ok())
        .collect();
    let timeline = timeline::for_incident(&mut tx, id).await?;
    let escalation_target_name = match incident.escalation_target_id {
        Some(t) => db::agencies::get(&mut tx, t)
            .await?
            .map(|a| (a.name_zh, a.name_en)),
        None => None,
    };
    tx.commit().await?;
    Ok(IncidentView {
        incident,
        deadlines,
        missing,
        allowed,
        timeline,
        escalation_target_name,
    })
}

/// A stage action with what it records.
#[derive(Debug, Clone)]
pub enum StageAction {
    EscalationNotice {
        told: String,
        phone: bool,
        other_means: String,
        at: DateTime<Utc>,
    },
    ActivateTeam,
    ResponseMeeting {
        held_at: DateTime<Utc>,
        attendees: Vec<String>,
        minutes: String,
        agenda: Vec<domain::AgendaItem>,
    },
    Containment {
        scope_confirmed: bool,
        priority_restoration_done: bool,
        /// (system index, back within its tolerable downtime)
        judgements: Vec<(usize, bool)>,
        public_announcement: Option<bool>,
        notify_completion: bool,
    },
    ControlEffectReport,
    PersonalDataAssessment(String),
    RootCause {
        equipment_failure: bool,
        root_cause: String,
        malware_found: bool,
    },
    MalwareAnalysis(String),
    VirusCheck {
        submitted_at: DateTime<Utc>,
        reference: String,
    },
    AddImprovementItem {
        description: String,
        horizon: domain::ImprovementHorizon,
        due_on: NaiveDate,
    },
    ImprovementItemDone {
        index: usize,
    },
    SubmitToCommander,
    Decide(CommanderDecision),
    SendToEscalationTarget,
    ProgressReport,
    SubmitReport,
    ClassifiedDocument {
        number: String,
        dated: NaiveDate,
    },
    CompleteStage,
    Review {
        level: Option<IncidentLevel>,
        reason: String,
    },
    Comment(String),
    HomelandRelay,
}

impl StageAction {
    pub fn action(&self) -> Action {
        use StageAction::*;
        match self {
            EscalationNotice { .. } => Action::RecordEscalationNotice,
            ActivateTeam => Action::ActivateTeam,
            ResponseMeeting { .. } => Action::RecordResponseMeeting,
            Containment { .. } => Action::RecordContainment,
            ControlEffectReport => Action::RecordControlEffectReport,
            PersonalDataAssessment(_) => Action::RecordPersonalDataAssessment,
            RootCause { .. } => Action::RecordRootCause,
            MalwareAnalysis(_) => Action::RecordMalwareAnalysis,
            VirusCheck { .. } => Action::RecordVirusCheckSubmission,
            AddImprovementItem { .. } | ImprovementItemDone { .. } => Action::EditImprovementItems,
            SubmitToCommander => Action::SubmitToCommander,
            Decide(_) => Action::DecideRootCause,
            SendToEscalationTarget => Action::SendToEscalationTarget,
            ProgressReport => Action::ReportImprovementProgress,
            SubmitReport => Action::SubmitReport,
            ClassifiedDocument { .. } => Action::RecordClassifiedDocument,
            CompleteStage => Action::CompleteStage,
            Review { .. } => Action::ReviewLevel,
            Comment(_) => Action::CommentAsSupervisor,
            HomelandRelay => Action::RecordHomelandSecurityRelay,
        }
    }
}

/// Whether this user may see the incident (else NotFound) and take `action` on it now
/// (else Forbidden), before anything they sent is read.
pub async fn may_act(
    pool: &PgPool,
    me: Acting<'_>,
    id: Uuid,
    action: Action,
) -> Result<(), AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let incident = db::incidents::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = context(&mut tx, &incident).await?;
    tx.commit().await?;
    domain::may(&me.actor(), action, &ctx).map_err(denied)
}

/// Applies `action` to the incident. Nothing is written unless all of it succeeds.
pub async fn act(
    pool: &PgPool,
    me: Acting<'_>,
    id: Uuid,
    action: StageAction,
) -> Result<Incident, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let mut i = db::incidents::get_for_update(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = context(&mut tx, &i).await?;
    domain::may(&me.actor(), action.action(), &ctx).map_err(denied)?;
    let now = Utc::now();
    let level_before = i.level;
    let (kind, body) = apply(&mut i, &action, me, now)?;
    let ca = competent_authority(&mut tx).await?;
    let deadlines = domain::deadlines(&deadline_inputs(&i, ca));
    db::incidents::save(&mut tx, &i, &deadlines).await?;
    timeline::append(
        &mut tx,
        i.id,
        i.agency_id,
        Some(&me.timeline_actor()),
        kind,
        &body,
    )
    .await?;
    let event = match &action {
        StageAction::Review { .. } if i.level != level_before => Some(Event::LevelChanged {
            from: level_before,
            to: i.level,
        }),
        StageAction::SubmitToCommander => Some(Event::SubmittedToCommander),
        StageAction::Decide(d) => Some(Event::CommanderDecided {
            approved: matches!(d, CommanderDecision::Approved),
        }),
        StageAction::Comment(_) => Some(Event::SupervisorComment),
        StageAction::SubmitReport => Some(Event::ReportSubmitted { level: i.level }),
        _ => None,
    };
    if let Some(event) = event {
        notify(&mut tx, &i, event, ca, me).await?;
    }
    if matches!(action, StageAction::ActivateTeam) {
        // The roster in force becomes the incident's team; later roster changes leave it be.
        crate::services::preparedness::snapshot_team(&mut tx, &i, me).await?;
    }
    tx.commit().await?;
    Ok(i)
}

/// Tells whoever the domain says must hear about `event`, in the same transaction.
async fn notify(
    conn: &mut sqlx::PgConnection,
    i: &Incident,
    event: Event,
    ca: AgencyId,
    me: Acting<'_>,
) -> Result<(), AppError> {
    let recipients =
        domain::notifications::recipients(event, i.agency_id, i.escalation_target_id, ca);
    db::notifications::notify(conn, &recipients, i.id, &i.number, event.kind(), me.user.id).await?;
    Ok(())
}

fn required(text: &str, max: usize, field: &str) -> Result<String, AppError> {
    match clean_text(text, max) {
        Some(t) if !t.is_empty() => Ok(t),
        Some(_) => Err(field_error(field, "error.required")),
        None => Err(field_error(field, "error.text_too_long")),
    }
}

fn stage_error(e: domain::StageError) -> AppError {
    match e {
        domain::StageError::Missing(items) => {
            AppError::StageIncomplete(items.iter().map(MissingItem::label).collect())
        }
        other => {
            AppError::StageIncomplete(vec![domain::Bilingual::new(other.zh(), other.to_string())])
        }
    }
}

fn not_in_future(at: DateTime<Utc>, now: DateTime<Utc>, field: &str) -> Result<(), AppError> {
    if at > now + chrono::Duration::minutes(domain::filing::CLOCK_TOLERANCE_MINUTES) {
        Err(field_error(field, "error.time_in_future"))
    } else {
        Ok(())
    }
}

/// The change itself, on the loaded incident: (timeline kind, timeline body).
fn apply(
    i: &mut Incident,
    action: &StageAction,
    me: Acting<'_>,
    now: DateTime<Utc>,
) -> Result<(&'static str, serde_json::Value), AppError> {
    use StageAction::*;
    let r = &mut i.record;
    Ok(match action {
        EscalationNotice {
            told,
            phone,
            other_means,
            at,
        } => {
            not_in_future(*at, now, "at")?;
            let means = if *phone {
                domain::NoticeMeans::Phone
            } else {
                domain::NoticeMeans::Other {
                    description: required(other_means, 200, "other_means")?,
                }
            };
            r.escalation_notice = Some(domain::EscalationNotice {
                told: required(told, 200, "told")?,
                means,
                at: *at,
                by: me.user.display_name.clone(),
            });
            ("escalation_notice", json!(r.escalation_notice))
        }
        ActivateTeam => {
            r.team_activated = true;
            ("team_activated", json!({}))
        }
        ResponseMeeting {
            held_at,
            attendees,
            minutes,
            agenda,
        } => {
            not_in_future(*held_at, now, "held_at")?;
            let attendees: Vec<String> = attendees
                .iter()
                .filter_map(|a| clean_text(a, 200))
                .filter(|a| !a.is_empty())
                .collect();
            if attendees.is_empty() {
                return Err(field_error("attendees", "error.required"));
            }
            r.response_meeting = Some(domain::ResponseMeeting {
                held_at: *held_at,
                attendees,
                minutes: required(minutes, 20_000, "minutes")?,
                agenda: agenda.clone(),
            });
            ("response_meeting", json!(r.response_meeting))
        }
        Containment {
            scope_confirmed,
            priority_restoration_done,
            judgements,
            public_announcement,
            notify_completion,
        } => {
            r.scope_confirmed |= *scope_confirmed;
            r.priority_restoration_done |= *priority_restoration_done;
            for (index, within) in judgements {
                let system = r
                    .affected_systems
                    .get_mut(*index)
                    .ok_or_else(|| field_error("systems", "error.system_unknown"))?;
                system.within_tolerable_downtime = Some(*within);
            }
            if public_announcement.is_some() {
                r.public_announcement_decision = *public_announcement;
            }
            if *notify_completion {
                r.containment_completion_notified_at = Some(now);
                i.containment_completed_at = Some(now);
            }
            (
                "containment",
                json!({
                    "scope_confirmed": r.scope_confirmed,
                    "priority_restoration_done": r.priority_restoration_done,
                    "systems": r.affected_systems,
                    "public_announcement": r.public_announcement_decision,
                    "completion_notified_at": r.containment_completion_notified_at,
                }),
            )
        }
        ControlEffectReport => {
            r.control_effect_reports.push(now);
            ("control_effect_report", json!({ "at": now }))
        }
        PersonalDataAssessment(text) => {
            r.personal_data_notification_assessment = Some(required(text, 20_000, "assessment")?);
            (
                "personal_data_assessment",
                json!({ "assessment": r.personal_data_notification_assessment }),
            )
        }
        RootCause {
            equipment_failure,
            root_cause,
            malware_found,
        } => {
            r.equipment_failure = *equipment_failure;
            r.malware_found = *malware_found;
            r.root_cause = match clean_text(root_cause, 20_000) {
                Some(t) if !t.is_empty() => Some(t),
                Some(_) if *equipment_failure => None,
                Some(_) => return Err(field_error("root_cause", "error.required")),
                None => return Err(field_error("root_cause", "error.text_too_long")),
            };
            (
                "root_cause",
                json!({ "equipment_failure": equipment_failure, "root_cause": r.root_cause, "malware_found": malware_found }),
            )
        }
        MalwareAnalysis(text) => {
            r.malware_analysis = Some(required(text, 20_000, "analysis")?);
            (
                "malware_analysis",
                json!({ "analysis": r.malware_analysis }),
            )
        }
        VirusCheck {
            submitted_at,
            reference,
        } => {
            not_in_future(*submitted_at, now, "submitted_at")?;
            let reference = clean_text(reference, 200)
                .ok_or_else(|| field_error("reference", "error.text_too_long"))?;
            r.virus_check_submission = Some(domain::VirusCheckSubmission {
                submitted_at: *submitted_at,
                reference: (!reference.is_empty()).then_some(reference),
            });
            ("virus_check_submission", json!(r.virus_check_submission))
        }
        AddImprovementItem {
            description,
            horizon,
            due_on,
        } => {
            let planned_on = domain::to_taipei(now).date_naive();
            let item = domain::ImprovementItem {
                description: required(description, 2_000, "description")?,
                horizon: *horizon,
                planned_on,
                due_on: *due_on,
                done_on: None,
            };
            item.check_due()
                .map_err(|_| field_error("due_on", "error.due_outside_horizon"))?;
            r.improvement_items.push(item.clone());
            ("improvement_item_added", json!(item))
        }
        ImprovementItemDone { index } => {
            let today = domain::to_taipei(now).date_naive();
            let item = r
                .improvement_items
                .get_mut(*index)
                .ok_or(AppError::NotFound)?;
            item.done_on = Some(today);
            (
                "improvement_item_done",
                json!({ "index": index, "description": item.description }),
            )
        }
        SubmitToCommander => {
            if r.commander_decision.is_none() && r.submitted_to_commander_at.is_some() {
                return Err(AppError::Conflict("error.already_submitted".into()));
            }
            r.submit_to_commander(now);
            ("submitted_to_commander", json!({ "at": now }))
        }
        Decide(decision) => {
            let decision = match decision {
                CommanderDecision::Returned { comment } => CommanderDecision::Returned {
                    comment: required(comment, 5_000, "comment")?,
                },
                CommanderDecision::Approved => CommanderDecision::Approved,
            };
            r.decide(decision.clone()).map_err(stage_error)?;
            ("commander_decision", json!(decision))
        }
        SendToEscalationTarget => {
            r.root_cause_sent_at = Some(now);
            ("sent_to_escalation_target", json!({ "at": now }))
        }
        ProgressReport => {
            r.improvement_progress_reports.push(now);
            ("improvement_progress_report", json!({ "at": now }))
        }
        SubmitReport => {
            r.report_submitted_at = Some(now);
            i.report_submitted_at = Some(now);
            ("report_submitted", json!({ "at": now }))
        }
        ClassifiedDocument { number, dated } => {
            r.classified_document = Some(domain::ClassifiedDocument {
                number: required(number, 100, "number")?,
                dated: *dated,
            });
            ("classified_document", json!(r.classified_document))
        }
        CompleteStage => {
            let stage = i
                .status
                .stage()
                .ok_or(AppError::Conflict("error.closed".into()))?;
            let next = domain::complete_stage(stage, r).map_err(stage_error)?;
            i.status = next;
            (
                "stage_completed",
                json!({ "stage": stage.as_str(), "now": next.as_str() }),
            )
        }
        Review { level, reason } => {
            if i.reviewed_at.is_some() {
                return Err(AppError::Conflict("error.already_reviewed".into()));
            }
            let from = i.level;
            let to = level.unwrap_or(from);
            let reason = clean_text(reason, 5_000)
                .ok_or_else(|| field_error("reason", "error.text_too_long"))?;
            if to != from && reason.is_empty() {
                return Err(field_error("reason", "error.reason_required"));
            }
            i.level = to;
            r.level = to;
            i.reviewed_at = Some(now);
            // The portal is the channel: the competent authority sees the result the moment
            // it is recorded, so the relay (art. 7) happens with the review.
            i.review_relayed_at = Some(now);
            (
                "level_reviewed",
                json!({ "from": from.number(), "to": to.number(), "reason": reason, "reviewer_agency": me.agency.name_zh }),
            )
        }
        Comment(text) => (
            "supervisor_comment",
            json!({ "comment": required(text, 5_000, "comment")?, "agency": me.agency.name_zh }),
        ),
        HomelandRelay => {
            if i.homeland_relayed_at.is_some() {
                return Err(AppError::Conflict("error.already_relayed".into()));
            }
            i.homeland_relayed_at = Some(now);
            ("homeland_security_relay", json!({ "at": now }))
        }
    })
}

/// Lists for the pages and the API.
pub async fn list_own(
    pool: &PgPool,
    me: Acting<'_>,
    filter: &db::incidents::ListFilter,
    page: db::PageRequest,
) -> Result<(Vec<Incident>, i64), AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let out = db::incidents::list_for_agency(
        &mut tx,
        me.user.agency_id,
        filter,
        page.offset(),
        page.limit(),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

pub async fn review_queue(
    pool: &PgPool,
    me: Acting<'_>,
    page: db::PageRequest,
) -> Result<Vec<Incident>, AppError> {
    if !me.user.has_role(domain::Role::Reviewer) {
        return Err(AppError::Forbidden);
    }
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let out = db::incidents::review_queue(&mut tx, me.user.agency_id, page.offset(), page.limit())
        .await?;
    tx.commit().await?;
    Ok(out)
}

pub async fn major_board(
    pool: &PgPool,
    me: Acting<'_>,
    page: db::PageRequest,
) -> Result<Vec<Incident>, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let out =
        db::incidents::major_board(&mut tx, me.user.agency_id, page.offset(), page.limit()).await?;
    tx.commit().await?;
    Ok(out)
}

pub async fn awaiting_commander(pool: &PgPool, me: Acting<'_>) -> Result<Vec<Incident>, AppError> {
    if !me.user.has_role(domain::Role::Commander) {
        return Err(AppError::Forbidden);
    }
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let out = db::incidents::awaiting_commander(&mut tx, me.user.agency_id).await?;
    tx.commit().await?;
    Ok(out)
}

/// Incidents with their deadlines as the domain computes them now (for list answers).
pub async fn with_deadlines(
    pool: &PgPool,
    list: Vec<Incident>,
) -> Result<Vec<(Incident, Vec<Deadline>)>, AppError> {
    let mut conn = pool.acquire().await?;
    let ca = competent_authority(&mut conn).await?;
    Ok(list
        .into_iter()
        .map(|i| {
            let d = domain::deadlines(&deadline_inputs(&i, ca));
            (i, d)
        })
        .collect())
}

/// How long an API token lasts.
pub const TOKEN_HOURS: i64 = 12;

/// Issues an API token to a user who has just signed in with e-mail and password.
pub async fn issue_token(
    pool: &PgPool,
    user: Uuid,
    agency: AgencyId,
) -> Result<(String, DateTime<Utc>), AppError> {
    let token = hex::encode(rand::random::<[u8; 32]>());
    let expires_at = Utc::now() + chrono::Duration::hours(TOKEN_HOURS);
    let mut conn = pool.acquire().await?;
    db::tokens::insert(&mut conn, &token, user, agency, expires_at).await?;
    Ok((token, expires_at))
}
