//! An agency's preparedness (SPEC 4, 6): the standing response team and its versions agreed to by
//! the CISO, drills, the team snapshot taken when a team is activated for an incident, and the
//! log-keeping checklist. Every use case runs acting for the user (row-level security) and asks
//! `domain::may_on_agency` first.

use chrono::{NaiveDate, Utc};
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::db::{self, agencies::Agency, preparedness as store, timeline};
use crate::domain::log_duty::{LogDuty, ProtectionLevel};
use crate::domain::team::{self, DrillInput, DrillKind, DrillStatus, ProposalStatus, RosterMember};
use crate::domain::Incident;
use crate::domain::{self, AgencyAction, AgencyId};
use crate::error::{reject_if_any as rejected, AppError};
use crate::i18n::{Lang, Text};
use crate::services::access::load_permitted;
use crate::services::directory;
use crate::services::{denied, Acting};

/// How long an agency may go without a notification-and-response drill before it is reminded
/// (configurable; the social-engineering drill keeps the Regulations' six months).
pub const DEFAULT_DRILL_PERIOD_MONTHS: u32 = 12;

/// The agency `me` asks about (their own when None), if they may take `action` for it.
async fn agency_for(
    conn: &mut PgConnection,
    me: Acting<'_>,
    agency: Option<Uuid>,
    action: AgencyAction,
) -> Result<Agency, AppError> {
    let id = AgencyId(agency.unwrap_or(me.user.agency_id.0));
    let standing = match directory::standing(conn, id).await {
        Ok(s) => s,
        Err(AppError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e),
    };
    let chain: Vec<AgencyId> = standing.supervision_chain.iter().map(|a| a.id).collect();
    domain::may_on_agency(&me.actor(), action, id, &chain).map_err(denied)?;
    Ok(standing.agency)
}

/// Whether `me` may take `action` for their own agency (asked before reading what they sent).
pub async fn may_own(pool: &PgPool, me: Acting<'_>, action: AgencyAction) -> Result<(), AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    agency_for(&mut tx, me, None, action).await?;
    tx.commit().await?;
    Ok(())
}

fn members_of(v: &Value) -> Vec<RosterMember> {
    serde_json::from_value(v.clone()).unwrap_or_default()
}

pub struct Version {
    pub row: store::TeamVersion,
    pub members: Vec<RosterMember>,
    pub status: ProposalStatus,
    /// What this version changed against the version in force before it.
    pub changes: Vec<Text>,
}

pub struct TeamView {
    pub agency: Agency,
    pub current: Option<Version>,
    pub proposal: Option<Version>,
    pub history: Vec<Version>,
    pub unfilled: Vec<team::Position>,
    pub drills: Vec<(DrillKind, Option<NaiveDate>, DrillStatus)>,
    pub may_propose: bool,
    pub may_decide: bool,
    pub may_record_drill: bool,
    pub users: Vec<(Uuid, String)>,
}

fn may(me: Acting<'_>, action: AgencyAction, agency: &Agency, chain: &[AgencyId]) -> bool {
    domain::may_on_agency(&me.actor(), action, agency.id, chain).is_ok()
}

pub async fn team(
    pool: &PgPool,
    me: Acting<'_>,
    agency: Option<Uuid>,
    drill_period_months: u32,
) -> Result<TeamView, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let agency = agency_for(&mut tx, me, agency, AgencyAction::ViewPreparedness).await?;
    let chain: Vec<AgencyId> = directory::standing(&mut tx, agency.id)
        .await?
        .supervision_chain
        .iter()
        .map(|a| a.id)
        .collect();
    let versions = versions(store::team_versions(&mut tx, agency.id.0).await?);
    let current = latest(&versions, ProposalStatus::Approved);
    let proposal = latest(&versions, ProposalStatus::Proposed);
    let unfilled = team::unfilled_positions(current.as_ref().map_or(&[][..], |c| &c.members));
    let last = store::last_drills(&mut tx, agency.id.0).await?;
    let drills = drill_statuses(&last, drill_period_months);
    let users = if agency.id == me.user.agency_id {
        pickable_users(&mut tx, agency.id).await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    Ok(TeamView {
        may_propose: may(me, AgencyAction::ProposeTeamChange, &agency, &chain),
        may_decide: may(me, AgencyAction::DecideTeamChange, &agency, &chain),
        may_record_drill: may(me, AgencyAction::RecordDrill, &agency, &chain),
        agency,
        current,
        proposal,
        history: versions,
        unfilled,
        drills,
        users,
    })
}

/// The stored versions (newest first), each with what it changed against the version in force
/// before it.
fn versions(rows: Vec<store::TeamVersion>) -> Vec<Version> {
    // Oldest first, to tell what each version changed against the one in force before it.
    let mut in_force: Vec<RosterMember> = Vec::new();
    let mut versions = Vec::new();
    for row in rows.into_iter().rev() {
        let members = members_of(&row.members.0);
        let status = ProposalStatus::parse(&row.status).unwrap_or(ProposalStatus::Rejected);
        let changes = team::roster_changes(&in_force, &members)
            .into_iter()
            .map(|c| c.description())
            .collect();
        if status == ProposalStatus::Approved {
            in_force = members.clone();
        }
        versions.push(Version {
            row,
            members,
            status,
            changes,
        });
    }
    versions.reverse();
    versions
}

/// A copy of the newest version with `status`.
fn latest(versions: &[Version], status: ProposalStatus) -> Option<Version> {
    versions
        .iter()
        .find(|v| v.status == status)
        .map(|v| Version {
            row: v.row.clone(),
            members: v.members.clone(),
            status: v.status,
            changes: v.changes.clone(),
        })
}

/// Each kind of drill with its last date (from `last`, as stored) and where it stands today.
fn drill_statuses(
    last: &[(String, NaiveDate)],
    drill_period_months: u32,
) -> Vec<(DrillKind, Option<NaiveDate>, DrillStatus)> {
    let today = domain::to_taipei(Utc::now()).date_naive();
    [
        DrillKind::NotificationResponse,
        DrillKind::SocialEngineering,
    ]
    .into_iter()
    .map(|k| {
        let held = last
            .iter()
            .find(|(kind, _)| kind == k.as_str())
            .map(|(_, d)| *d);
        (
            k,
            held,
            team::drill_status(k, held, period_for(k, drill_period_months), today),
        )
    })
    .collect()
}

/// The reminder period of a drill kind: the configured one for the yearly
/// notification-and-response drill (never beyond the Regulations' year, whatever a caller
/// passes; start-up refuses a longer setting), the Regulations' six months for social
/// engineering.
pub fn period_for(kind: DrillKind, configured: u32) -> u32 {
    match kind {
        DrillKind::NotificationResponse => {
            configured.clamp(1, team::MAX_NOTIFICATION_DRILL_PERIOD_MONTHS)
        }
        DrillKind::SocialEngineering => kind.default_period_months(),
    }
}

/// The members linked to a user who is not one of `agency`'s own (a linked user must be).
async fn strangers(
    conn: &mut sqlx::PgConnection,
    agency: domain::AgencyId,
    members: &[RosterMember],
) -> Result<Vec<(String, Text)>, AppError> {
    let mut problems = Vec::new();
    for (i, m) in members.iter().enumerate() {
        if let Some(u) = m.user_id {
            if db::users::get_in_agency(conn, agency, u).await?.is_none() {
                problems.push((
                    format!("member_{i}"),
                    on_row(i, Text::key("team.error.user_not_of_agency")),
                ));
            }
        }
    }
    Ok(problems)
}

/// The agency's active users, to pick roster members from.
async fn pickable_users(
    conn: &mut sqlx::PgConnection,
    agency: domain::AgencyId,
) -> Result<Vec<(Uuid, String)>, AppError> {
    Ok(db::users::list_in_agency(conn, agency, 0, 500)
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| (u.id, u.display_name))
        .collect())
}

/// Proposes a composition of the team; it takes effect when the CISO agrees to it (同意).
pub async fn propose(
    pool: &PgPool,
    me: Acting<'_>,
    members: Vec<RosterMember>,
    note: &str,
) -> Result<i32, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let agency = agency_for(&mut tx, me, None, AgencyAction::ProposeTeamChange).await?;
    let mut problems = roster_problems(&members);
    problems.extend(strangers(&mut tx, agency.id, &members).await?);
    let note = crate::domain::input::clean_text(note, 2000).ok_or_else(|| {
        AppError::Rejected(vec![("note".into(), Text::key("team.error.note_too_long"))])
    })?;
    rejected(problems)?;
    let members_json = serde_json::to_value(&members).map_err(anyhow::Error::from)?;
    match store::propose(&mut tx, agency.id.0, &members_json, &note, me.user.id).await {
        Ok(version) => {
            tx.commit().await?;
            Ok(version)
        }
        Err(e)
            if db::violated_unique_constraint(&e).as_deref() == Some("team_versions_one_open") =>
        {
            Err(AppError::Conflict("team.proposal_open".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// What blocks a roster of the team or of an incident: each member's problems (by form row)
/// and an empty roster.
/// A roster problem with the form row it is on (1-based, as people count rows).
fn on_row(index: usize, problem: Text) -> Text {
    Text::key("team.error.on_row")
        .with("row", index + 1)
        .with("problem", problem)
}

fn roster_problems(members: &[RosterMember]) -> Vec<(String, Text)> {
    let mut problems: Vec<(String, Text)> = team::check_roster(members)
        .into_iter()
        .map(|(i, p)| (format!("member_{i}"), on_row(i, p.message())))
        .collect();
    if members.is_empty() {
        problems.push(("members".into(), Text::key("team.error.roster_empty")));
    }
    problems
}

/// The CISO agrees to (同意) or returns a proposed version (a return keeps its reason).
pub async fn decide(
    pool: &PgPool,
    me: Acting<'_>,
    version: i32,
    approve: bool,
    reason: &str,
) -> Result<ProposalStatus, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let agency = agency_for(&mut tx, me, None, AgencyAction::DecideTeamChange).await?;
    let status = store::open_proposal_for_update(&mut tx, agency.id.0, version)
        .await?
        .and_then(|s| ProposalStatus::parse(&s))
        .ok_or(AppError::NotFound)?;
    let reason = reason.trim();
    let decided = team::decide(status, approve, reason).map_err(|e| match status {
        ProposalStatus::Proposed => AppError::Rejected(vec![("reason".into(), e.message())]),
        _ => AppError::Conflict("team.already_decided".into()),
    })?;
    store::decide(
        &mut tx,
        agency.id.0,
        version,
        decided.as_str(),
        reason,
        me.user.id,
    )
    .await?;
    tx.commit().await?;
    Ok(decided)
}

pub async fn record_drill(pool: &PgPool, me: Acting<'_>, d: DrillInput) -> Result<Uuid, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let agency = agency_for(&mut tx, me, None, AgencyAction::RecordDrill).await?;
    let today = domain::to_taipei(Utc::now()).date_naive();
    rejected(
        team::check_drill(&d, today)
            .into_iter()
            .map(|p| (p.field().to_string(), p.message()))
            .collect(),
    )?;
    let id = store::insert_drill(
        &mut tx,
        agency.id.0,
        &store::NewDrill {
            kind: d.kind.as_str(),
            held_on: d.held_on,
            scenario: d.scenario.trim(),
            participants: &d.participants,
            findings: d.findings.trim(),
            follow_up: &d.follow_up,
        },
        me.user.id,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The date a drill's results were sent to the competent authority (art. 10), recorded by the
/// agency's security officer: not before the drill, not in the future.
pub async fn record_drill_results(
    pool: &PgPool,
    me: Acting<'_>,
    drill: Uuid,
    reported_on: NaiveDate,
) -> Result<(), AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let agency = agency_for(&mut tx, me, None, AgencyAction::RecordDrill).await?;
    let held_on = store::drill_held_on_for_update(&mut tx, agency.id.0, drill)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = domain::to_taipei(Utc::now()).date_naive();
    team::check_results_reported_on(held_on, reported_on, today)
        .map_err(|p| AppError::Rejected(vec![("results_reported_on".into(), p.message())]))?;
    store::record_drill_results(&mut tx, drill, reported_on, me.user.id).await?;
    tx.commit().await?;
    Ok(())
}

pub struct DrillsView {
    pub agency: Agency,
    /// Each drill with where its results stand today.
    pub drills: Vec<(store::Drill, team::DrillResultsStatus)>,
    pub total: i64,
    pub may_record: bool,
}

pub async fn drills(
    pool: &PgPool,
    me: Acting<'_>,
    agency: Option<Uuid>,
    page: db::PageRequest,
) -> Result<DrillsView, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let agency = agency_for(&mut tx, me, agency, AgencyAction::ViewPreparedness).await?;
    let (drills, total) = store::drills(&mut tx, agency.id.0, page.offset(), page.limit()).await?;
    tx.commit().await?;
    let today = domain::to_taipei(Utc::now()).date_naive();
    let drills = drills
        .into_iter()
        .map(|d| {
            let status = team::drill_results_status(d.held_on, d.results_reported_on, today);
            (d, status)
        })
        .collect();
    let may_record = agency.id == me.user.agency_id
        && domain::may_on_agency(&me.actor(), AgencyAction::RecordDrill, agency.id, &[]).is_ok();
    Ok(DrillsView {
        agency,
        drills,
        total,
        may_record,
    })
}

// ---- the team of an incident -------------------------------------------------------------

/// Called inside the activating transaction: copies the roster in force onto the incident.
pub(crate) async fn snapshot_team(
    conn: &mut PgConnection,
    i: &Incident,
    me: Acting<'_>,
) -> Result<(), AppError> {
    let current = store::current_team(conn, i.agency.0).await?;
    let (version, members) = match current {
        Some(v) => (Some(v.version), v.members.0),
        None => (None, json!([])),
    };
    store::snapshot_team(conn, i.id, i.agency.0, version, &members, me.user.id).await?;
    Ok(())
}

pub struct IncidentTeamView {
    pub team: Option<store::IncidentTeam>,
    pub members: Vec<RosterMember>,
    pub may_adjust: bool,
    /// The agency's own users the commander may pick (when they may adjust).
    pub users: Vec<(Uuid, String)>,
    /// Point 2(四)2: the ethics unit (政風) may join where national secrets or sensitive data are
    /// involved.
    pub ethics_reminder: Option<Text>,
}

pub async fn incident_team(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
) -> Result<IncidentTeamView, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let i = load_permitted(&mut tx, me, incident, domain::Action::ViewIncident, false).await?;
    let actor = me.actor();
    let team = store::incident_team(&mut tx, incident).await?;
    let may_adjust = team.is_some() && i.may(&actor, domain::Action::ActivateTeam).is_ok();
    let users = if may_adjust {
        pickable_users(&mut tx, i.agency).await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    Ok(IncidentTeamView {
        users,
        members: team
            .as_ref()
            .map(|t| members_of(&t.members.0))
            .unwrap_or_default(),
        may_adjust,
        team,
        ethics_reminder: team::ethics_unit_may_join(&i.report.impacts)
            .then(team::ethics_unit_reminder),
    })
}

/// The commander adjusts the incident's team (the standing roster is not touched).
pub async fn adjust_incident_team(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
    members: Vec<RosterMember>,
) -> Result<(), AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let i = load_permitted(&mut tx, me, incident, domain::Action::ActivateTeam, true).await?;
    let mut problems = roster_problems(&members);
    problems.extend(strangers(&mut tx, i.agency, &members).await?);
    rejected(problems)?;
    let before = store::incident_team(&mut tx, incident)
        .await?
        .ok_or(AppError::Conflict("team.not_activated".into()))?;
    // The timeline keeps the changes as the Chinese record says them.
    let changes: Vec<String> = team::roster_changes(&members_of(&before.members.0), &members)
        .into_iter()
        .map(|c| Lang::ZhTw.text(&c.description()))
        .collect();
    let members_json = serde_json::to_value(&members).map_err(anyhow::Error::from)?;
    store::adjust_incident_team(&mut tx, incident, &members_json, me.user.id).await?;
    timeline::append(
        &mut tx,
        i.id,
        i.agency,
        Some(&me.timeline_actor()),
        "team_adjusted",
        &json!({ "changes": changes }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- log-keeping duty --------------------------------------------------------------------

pub struct LogDutyView {
    pub agency: Agency,
    pub level: Option<ProtectionLevel>,
    pub done: Vec<LogDuty>,
    pub note: String,
    pub updated: Option<(String, chrono::DateTime<Utc>)>,
    pub may_edit: bool,
}

pub async fn log_duty(
    pool: &PgPool,
    me: Acting<'_>,
    agency: Option<Uuid>,
) -> Result<LogDutyView, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let agency = agency_for(&mut tx, me, agency, AgencyAction::ViewPreparedness).await?;
    let row = store::log_duty(&mut tx, agency.id.0).await?;
    tx.commit().await?;
    let may_edit = agency.id == me.user.agency_id
        && domain::may_on_agency(&me.actor(), AgencyAction::EditLogDuty, agency.id, &[]).is_ok();
    Ok(match row {
        Some(r) => LogDutyView {
            level: ProtectionLevel::parse(&r.protection_level),
            done: r.done.0.iter().filter_map(|d| LogDuty::parse(d)).collect(),
            note: r.note,
            updated: Some((r.updated_by_name, r.updated_at)),
            agency,
            may_edit,
        },
        None => LogDutyView {
            level: None,
            done: Vec::new(),
            note: String::new(),
            updated: None,
            agency,
            may_edit,
        },
    })
}

pub async fn save_log_duty(
    pool: &PgPool,
    me: Acting<'_>,
    level: ProtectionLevel,
    done: Vec<LogDuty>,
    note: &str,
) -> Result<(), AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let agency = agency_for(&mut tx, me, None, AgencyAction::EditLogDuty).await?;
    let note = crate::domain::input::clean_text(note, 4000).ok_or_else(|| {
        AppError::Rejected(vec![(
            "note".into(),
            Text::key("logduty.error.note_too_long"),
        )])
    })?;
    // Only the items asked of the declared level (required or advised) are kept.
    let asked = domain::log_duty::applicable(level);
    let done: Vec<String> = done
        .into_iter()
        .filter(|d| asked.contains(d))
        .map(|d| d.as_str().to_string())
        .collect();
    store::save_log_duty(
        &mut tx,
        agency.id.0,
        level.as_str(),
        &done,
        &note,
        me.user.id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
