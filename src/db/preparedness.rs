//! An agency's preparedness: the response team's roster versions, drills, the team snapshot
//! of an incident and the log-keeping checklist. Members and lists are stored as JSON documents
//! whose shape the domain owns (`domain::team`).

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

#[derive(Debug, Clone, FromRow)]
pub struct TeamVersion {
    pub agency_id: Uuid,
    pub version: i32,
    pub status: String,
    pub members: Json<Value>,
    pub note: String,
    pub proposed_by: Uuid,
    pub proposed_by_name: String,
    pub proposed_at: DateTime<Utc>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
}

const VERSION_COLUMNS: &str = "v.agency_id, v.version, v.status, v.members, v.note, v.proposed_by, \
     p.display_name AS proposed_by_name, v.proposed_at, d.display_name AS decided_by_name, \
     v.decided_at, v.decision_reason \
     FROM team_versions v JOIN users p ON p.id = v.proposed_by LEFT JOIN users d ON d.id = v.decided_by";

/// Every version of the agency's roster, newest first.
#[tracing::instrument(skip_all)]
pub async fn team_versions(
    conn: &mut PgConnection,
    agency: Uuid,
) -> Result<Vec<TeamVersion>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {VERSION_COLUMNS} WHERE v.agency_id = $1 ORDER BY v.version DESC"
    ))
    .bind(agency)
    .fetch_all(conn)
    .await
}

/// The roster in force: the approved version with the highest number.
#[tracing::instrument(skip_all)]
pub async fn current_team(
    conn: &mut PgConnection,
    agency: Uuid,
) -> Result<Option<TeamVersion>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {VERSION_COLUMNS} WHERE v.agency_id = $1 AND v.status = 'approved' \
         ORDER BY v.version DESC LIMIT 1"
    ))
    .bind(agency)
    .fetch_optional(conn)
    .await
}

/// Proposes a version. Fails on the `team_versions_one_open` index when one is already open.
#[tracing::instrument(skip_all)]
pub async fn propose(
    conn: &mut PgConnection,
    agency: Uuid,
    members: &Value,
    note: &str,
    by: Uuid,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO team_versions (agency_id, version, status, members, note, proposed_by) \
         SELECT $1, COALESCE(max(version), 0) + 1, 'proposed', $2, $3, $4 \
         FROM team_versions WHERE agency_id = $1 RETURNING version",
    )
    .bind(agency)
    .bind(Json(members))
    .bind(note)
    .bind(by)
    .fetch_one(conn)
    .await
}

/// The open proposal, locked for deciding.
#[tracing::instrument(skip_all)]
pub async fn open_proposal_for_update(
    conn: &mut PgConnection,
    agency: Uuid,
    version: i32,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT status FROM team_versions WHERE agency_id = $1 AND version = $2 FOR UPDATE",
    )
    .bind(agency)
    .bind(version)
    .fetch_optional(conn)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn decide(
    conn: &mut PgConnection,
    agency: Uuid,
    version: i32,
    status: &str,
    reason: &str,
    by: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE team_versions SET status = $3, decision_reason = $4, decided_by = $5, decided_at = now() \
         WHERE agency_id = $1 AND version = $2",
    )
    .bind(agency)
    .bind(version)
    .bind(status)
    .bind(reason)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct Drill {
    pub id: Uuid,
    pub kind: String,
    pub held_on: NaiveDate,
    pub scenario: String,
    pub participants: Json<Vec<String>>,
    pub findings: String,
    pub follow_up: Json<Vec<String>>,
    pub recorded_by_name: String,
    pub recorded_at: DateTime<Utc>,
    /// When the results were sent to the competent authority (None: not yet).
    pub results_reported_on: Option<NaiveDate>,
}

pub struct NewDrill<'a> {
    pub kind: &'a str,
    pub held_on: NaiveDate,
    pub scenario: &'a str,
    pub participants: &'a [String],
    pub findings: &'a str,
    pub follow_up: &'a [String],
}

#[tracing::instrument(skip_all)]
pub async fn insert_drill(
    conn: &mut PgConnection,
    agency: Uuid,
    d: &NewDrill<'_>,
    by: Uuid,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO drills (id, agency_id, kind, held_on, scenario, participants, findings, follow_up, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(agency)
    .bind(d.kind)
    .bind(d.held_on)
    .bind(d.scenario)
    .bind(Json(d.participants))
    .bind(d.findings)
    .bind(Json(d.follow_up))
    .bind(by)
    .execute(conn)
    .await?;
    Ok(id)
}

/// The agency's drills, newest first, and how many there are.
#[tracing::instrument(skip_all)]
pub async fn drills(
    conn: &mut PgConnection,
    agency: Uuid,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Drill>, i64), sqlx::Error> {
    let total = sqlx::query_scalar("SELECT count(*) FROM drills WHERE agency_id = $1")
        .bind(agency)
        .fetch_one(&mut *conn)
        .await?;
    let items = sqlx::query_as(
        "SELECT d.id, d.kind, d.held_on, d.scenario, d.participants, d.findings, d.follow_up, \
         u.display_name AS recorded_by_name, d.recorded_at, d.results_reported_on \
         FROM drills d JOIN users u ON u.id = d.recorded_by WHERE d.agency_id = $1 \
         ORDER BY d.held_on DESC, d.recorded_at DESC LIMIT $2 OFFSET $3",
    )
    .bind(agency)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok((items, total))
}

/// The date a drill of the agency was held, locked for recording its results (None: no such
/// drill of this agency).
#[tracing::instrument(skip_all)]
pub async fn drill_held_on_for_update(
    conn: &mut PgConnection,
    agency: Uuid,
    drill: Uuid,
) -> Result<Option<NaiveDate>, sqlx::Error> {
    sqlx::query_scalar("SELECT held_on FROM drills WHERE id = $1 AND agency_id = $2 FOR UPDATE")
        .bind(drill)
        .bind(agency)
        .fetch_optional(conn)
        .await
}

/// Records when the drill's results were sent to the competent authority.
#[tracing::instrument(skip_all)]
pub async fn record_drill_results(
    conn: &mut PgConnection,
    drill: Uuid,
    reported_on: NaiveDate,
    by: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE drills SET results_reported_on = $2, results_recorded_by = $3, \
         results_recorded_at = now() WHERE id = $1",
    )
    .bind(drill)
    .bind(reported_on)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// A drill whose results are not sent yet, for the scheduler.
#[derive(Debug, Clone, FromRow)]
pub struct UnreportedDrill {
    pub agency_id: Uuid,
    pub kind: String,
    pub held_on: NaiveDate,
}

/// Every agency's drills held on or after `held_from` whose results are not sent yet.
#[tracing::instrument(skip_all)]
pub async fn unreported_drills(
    conn: &mut PgConnection,
    held_from: NaiveDate,
) -> Result<Vec<UnreportedDrill>, sqlx::Error> {
    sqlx::query_as(
        "SELECT agency_id, kind, held_on FROM drills \
         WHERE results_reported_on IS NULL AND held_on >= $1 ORDER BY held_on, id",
    )
    .bind(held_from)
    .fetch_all(conn)
    .await
}

/// The date of the agency's last drill of each kind.
#[tracing::instrument(skip_all)]
pub async fn last_drills(
    conn: &mut PgConnection,
    agency: Uuid,
) -> Result<Vec<(String, NaiveDate)>, sqlx::Error> {
    sqlx::query_as("SELECT kind, max(held_on) FROM drills WHERE agency_id = $1 GROUP BY kind")
        .bind(agency)
        .fetch_all(conn)
        .await
}

/// Every agency with the date of its last drill of `kind` (None: never), for the scheduler.
#[tracing::instrument(skip_all)]
pub async fn last_drill_per_agency(
    conn: &mut PgConnection,
    kind: &str,
) -> Result<Vec<(Uuid, Option<NaiveDate>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, (SELECT max(held_on) FROM drills d WHERE d.agency_id = a.id AND d.kind = $1) \
         FROM agencies a ORDER BY a.id",
    )
    .bind(kind)
    .fetch_all(conn)
    .await
}

/// Records that the agency was reminded of `kind` due on `due_on`; false when it already was.
#[tracing::instrument(skip_all)]
pub async fn claim_agency_reminder(
    conn: &mut PgConnection,
    agency: Uuid,
    kind: &str,
    due_on: NaiveDate,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO agency_reminders (agency_id, kind, due_on) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(agency)
    .bind(kind)
    .bind(due_on)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, FromRow)]
pub struct IncidentTeam {
    pub from_version: Option<i32>,
    pub members: Json<Value>,
    pub activated_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[tracing::instrument(skip_all)]
pub async fn incident_team(
    conn: &mut PgConnection,
    incident: Uuid,
) -> Result<Option<IncidentTeam>, sqlx::Error> {
    sqlx::query_as(
        "SELECT from_version, members, activated_at, updated_at FROM incident_teams WHERE incident_id = $1",
    )
    .bind(incident)
    .fetch_optional(conn)
    .await
}

/// Copies the roster onto the incident (once: activating again keeps the first snapshot).
#[tracing::instrument(skip_all)]
pub async fn snapshot_team(
    conn: &mut PgConnection,
    incident: Uuid,
    agency: Uuid,
    from_version: Option<i32>,
    members: &Value,
    by: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO incident_teams (incident_id, agency_id, from_version, members, activated_by) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (incident_id) DO NOTHING",
    )
    .bind(incident)
    .bind(agency)
    .bind(from_version)
    .bind(Json(members))
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn adjust_incident_team(
    conn: &mut PgConnection,
    incident: Uuid,
    members: &Value,
    by: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE incident_teams SET members = $2, updated_by = $3, updated_at = now() WHERE incident_id = $1",
    )
    .bind(incident)
    .bind(Json(members))
    .bind(by)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, FromRow)]
pub struct LogDuty {
    pub protection_level: String,
    pub done: Json<Vec<String>>,
    pub note: String,
    pub updated_by_name: String,
    pub updated_at: DateTime<Utc>,
}

#[tracing::instrument(skip_all)]
pub async fn log_duty(
    conn: &mut PgConnection,
    agency: Uuid,
) -> Result<Option<LogDuty>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.protection_level, l.done, l.note, u.display_name AS updated_by_name, l.updated_at \
         FROM log_duty l JOIN users u ON u.id = l.updated_by WHERE l.agency_id = $1",
    )
    .bind(agency)
    .fetch_optional(conn)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn save_log_duty(
    conn: &mut PgConnection,
    agency: Uuid,
    protection_level: &str,
    done: &[String],
    note: &str,
    by: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO log_duty (agency_id, protection_level, done, note, updated_by) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (agency_id) DO UPDATE SET protection_level = $2, done = $3, note = $4, \
         updated_by = $5, updated_at = now()",
    )
    .bind(agency)
    .bind(protection_level)
    .bind(Json(done))
    .bind(note)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}
