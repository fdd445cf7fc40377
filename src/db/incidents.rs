//! Incidents: the aggregate mapped to its row, and the lists. Queries run inside a transaction
//! acting for a user (`db::begin_as`), so row-level security limits them to what that user may
//! see even where a WHERE is missing.
//!
//! The facts a list, a job or an index needs are columns; the rest of the stage record is one
//! JSON document that no query looks inside. The derived columns (deadlines, `next_due`,
//! `reminder_at`, `awaiting_commander`, `last_control_report_at`) are written only by [`save`]
//! from the domain's [`Schedule`].

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use crate::domain::{
    AgencyId, AgencyScope, Category, Impact, Incident, IncidentLevel, IncidentStatus,
    InitialReport, OtherMeansReport, Oversight, Schedule, StageRecord,
};

#[derive(FromRow)]
struct Row {
    id: Uuid,
    agency_id: Uuid,
    number: String,
    title: String,
    category: String,
    subcategory: String,
    summary: String,
    contact: String,
    impacts: sqlx::types::Json<Vec<Impact>>,
    proposed_level: i16,
    level: i16,
    personal_data: bool,
    aware_at: DateTime<Utc>,
    occurred_at: Option<DateTime<Utc>>,
    reported_at: DateTime<Utc>,
    other_means_reported_at: Option<DateTime<Utc>>,
    other_means_reason: String,
    escalation_target_id: Option<Uuid>,
    status: String,
    record: sqlx::types::Json<StageRecord>,
    containment_completed_at: Option<DateTime<Utc>>,
    report_submitted_at: Option<DateTime<Utc>>,
    homeland_relayed_at: Option<DateTime<Utc>>,
}

fn level(n: i16) -> Result<IncidentLevel, sqlx::Error> {
    u8::try_from(n)
        .ok()
        .and_then(IncidentLevel::from_number)
        .ok_or_else(|| sqlx::Error::Decode(format!("incident level {n}").into()))
}

fn corrupt(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("incident {what}").into())
}

impl TryFrom<Row> for Incident {
    type Error = sqlx::Error;
    fn try_from(r: Row) -> Result<Self, sqlx::Error> {
        Ok(Incident {
            id: r.id,
            agency: AgencyId(r.agency_id),
            number: r.number,
            report: InitialReport {
                title: r.title,
                category: Category::parse(&r.category).ok_or_else(|| corrupt("category"))?,
                subcategory: r.subcategory,
                summary: r.summary,
                contact: r.contact,
                impacts: r.impacts.0,
                personal_data: r.personal_data,
                aware_at: r.aware_at,
                occurred_at: r.occurred_at,
                other_means: r.other_means_reported_at.map(|at| OtherMeansReport {
                    at,
                    reason: r.other_means_reason,
                }),
            },
            reported_at: r.reported_at,
            proposed_level: level(r.proposed_level)?,
            level: level(r.level)?,
            escalation_target: r.escalation_target_id.map(AgencyId),
            status: IncidentStatus::parse(&r.status).ok_or_else(|| corrupt("status"))?,
            record: r.record.0,
            containment_completed_at: r.containment_completed_at,
            report_submitted_at: r.report_submitted_at,
            homeland_relayed_at: r.homeland_relayed_at,
            oversight: Oversight::default(),
        })
    }
}

const COLUMNS: &str = "i.id, i.agency_id, i.number, i.title, i.category, i.subcategory, i.summary, \
     i.contact, i.impacts, i.proposed_level, i.level, i.personal_data, i.aware_at, i.occurred_at, \
     i.reported_at, i.other_means_reported_at, i.other_means_reason, i.escalation_target_id, i.status, \
     i.record, i.containment_completed_at, i.report_submitted_at, i.homeland_relayed_at";

/// The next sequence number of an agency's incidents in a year.
#[tracing::instrument(skip_all, fields(agency = %agency.0, year))]
pub async fn next_sequence(
    conn: &mut PgConnection,
    agency: AgencyId,
    year: i32,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO incident_counters (agency_id, year, last) VALUES ($1, $2, 1) \
         ON CONFLICT (agency_id, year) DO UPDATE SET last = incident_counters.last + 1 RETURNING last",
    )
    .bind(agency.0)
    .bind(year)
    .fetch_one(conn)
    .await
}

/// A new incident: its facts as filed, then [`save`] for everything that changes.
#[tracing::instrument(skip_all, fields(incident = %i.id))]
pub async fn insert(
    conn: &mut PgConnection,
    i: &Incident,
    schedule: &Schedule,
    created_by: Uuid,
) -> Result<(), sqlx::Error> {
    let r = &i.report;
    sqlx::query(
        "INSERT INTO incidents (id, agency_id, number, title, category, subcategory, summary, contact, \
         impacts, proposed_level, level, personal_data, aware_at, occurred_at, reported_at, \
         other_means_reported_at, other_means_reason, escalation_target_id, status, record, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
    )
    .bind(i.id)
    .bind(i.agency.0)
    .bind(&i.number)
    .bind(&r.title)
    .bind(r.category.as_str())
    .bind(&r.subcategory)
    .bind(&r.summary)
    .bind(&r.contact)
    .bind(sqlx::types::Json(&r.impacts))
    .bind(i16::from(i.proposed_level.number()))
    .bind(i16::from(i.level.number()))
    .bind(r.personal_data)
    .bind(r.aware_at)
    .bind(r.occurred_at)
    .bind(i.reported_at)
    .bind(r.other_means.as_ref().map(|o| o.at))
    .bind(r.other_means.as_ref().map_or("", |o| o.reason.as_str()))
    .bind(i.escalation_target.map(|x| x.0))
    .bind(i.status.as_str())
    .bind(sqlx::types::Json(&i.record))
    .bind(created_by)
    .execute(&mut *conn)
    .await?;
    save(conn, i, schedule).await
}

/// Saves what changes after filing (level, stage, record, milestones) and the derived values.
#[tracing::instrument(skip_all, fields(incident = %i.id))]
pub async fn save(conn: &mut PgConnection, i: &Incident, s: &Schedule) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE incidents SET level = $2, status = $3, record = $4, reviewed_at = $5, review_relayed_at = $6, \
         containment_completed_at = $7, report_submitted_at = $8, report_extended_until = $9, \
         homeland_relayed_at = $10, report_due = $11, review_due = $12, relay_due = $13, \
         containment_due = $14, report_submission_due = $15, next_due = $16, reminder_at = $17, \
         awaiting_commander = $18, last_control_report_at = $19, escalation_target_id = $20, \
         closed_at = CASE WHEN $3 = 'closed' THEN coalesce(closed_at, now()) END, \
         updated_at = now() WHERE id = $1",
    )
    .bind(i.id)
    .bind(i16::from(i.level.number()))
    .bind(i.status.as_str())
    .bind(sqlx::types::Json(&i.record))
    .bind(s.reviewed_at)
    .bind(s.review_relayed_at)
    .bind(i.containment_completed_at)
    .bind(i.report_submitted_at)
    .bind(s.report_extended_until)
    .bind(i.homeland_relayed_at)
    .bind(s.report_due)
    .bind(s.review_due)
    .bind(s.relay_due)
    .bind(s.containment_due)
    .bind(s.report_submission_due)
    .bind(s.next_due)
    .bind(s.reminder_at)
    .bind(s.awaiting_commander)
    .bind(s.last_control_report_at)
    .bind(i.escalation_target.map(|x| x.0))
    .execute(conn)
    .await?;
    Ok(())
}

/// One incident if the acting user may see it (row-level security decides). Its oversight is
/// not stored: the service fills it from the agency register.
#[tracing::instrument(skip_all, fields(incident = %id))]
pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Option<Incident>, sqlx::Error> {
    sqlx::query_as::<_, Row>(&format!(
        "SELECT {COLUMNS} FROM incidents i WHERE i.id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?
    .map(Incident::try_from)
    .transpose()
}

/// The same, locked for a change.
#[tracing::instrument(skip_all, fields(incident = %id))]
pub async fn get_for_update(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<Incident>, sqlx::Error> {
    sqlx::query_as::<_, Row>(&format!(
        "SELECT {COLUMNS} FROM incidents i WHERE i.id = $1 FOR UPDATE OF i"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?
    .map(Incident::try_from)
    .transpose()
}

/// What a list shows of an incident: its columns, no stage record.
#[derive(Debug, Clone, FromRow)]
pub struct Summary {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub agency_name_zh: String,
    pub agency_name_en: String,
    pub number: String,
    pub title: String,
    pub category: String,
    pub level: i16,
    pub proposed_level: i16,
    pub status: String,
    pub personal_data: bool,
    pub aware_at: DateTime<Utc>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub reported_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub escalation_target_id: Option<Uuid>,
    pub report_due: Option<DateTime<Utc>>,
    pub review_due: Option<DateTime<Utc>>,
    pub containment_due: Option<DateTime<Utc>>,
    pub report_submission_due: Option<DateTime<Utc>>,
    pub next_due: Option<DateTime<Utc>>,
    pub last_control_report_at: Option<DateTime<Utc>>,
    pub report_submitted_at: Option<DateTime<Utc>>,
    pub homeland_relayed_at: Option<DateTime<Utc>>,
}

impl Summary {
    pub fn level(&self) -> IncidentLevel {
        level(self.level).unwrap_or(IncidentLevel::L1)
    }
    pub fn status(&self) -> IncidentStatus {
        IncidentStatus::parse(&self.status).unwrap_or(IncidentStatus::Closed)
    }
    pub fn category(&self) -> Category {
        Category::parse(&self.category).unwrap_or(Category::Other)
    }
}

/// The columns of a [`Summary`] (the lists here, the search in `db::search`).
pub(super) const SUMMARY: &str = "SELECT i.id, i.agency_id, a.name_zh AS agency_name_zh, a.name_en AS agency_name_en, \
     i.number, i.title, i.category, i.level, i.proposed_level, i.status, i.personal_data, i.aware_at, \
     i.occurred_at, i.reported_at, i.reviewed_at, i.escalation_target_id, i.report_due, i.review_due, \
     i.containment_due, i.report_submission_due, i.next_due, i.last_control_report_at, \
     i.report_submitted_at, i.homeland_relayed_at \
     FROM incidents i JOIN agencies a ON a.id = i.agency_id";

#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub status: Option<IncidentStatus>,
    pub level: Option<IncidentLevel>,
    pub overdue: bool,
    pub year: Option<i32>,
}

/// An agency's incidents, nearest deadline first.
#[tracing::instrument(skip_all, fields(agency = %agency.0))]
pub async fn list_for_agency(
    conn: &mut PgConnection,
    agency: AgencyId,
    f: &ListFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Summary>, i64), sqlx::Error> {
    let filter = "i.agency_id = $1 AND ($2::text IS NULL OR i.status = $2) \
         AND ($3::smallint IS NULL OR i.level = $3) AND (NOT $4 OR i.next_due < now()) \
         AND ($5::int IS NULL OR extract(year FROM i.aware_at AT TIME ZONE 'Asia/Taipei') = $5)";
    let status = f.status.map(|s| s.as_str());
    let level = f.level.map(|l| i16::from(l.number()));
    let total: i64 =
        sqlx::query_scalar(&format!("SELECT count(*) FROM incidents i WHERE {filter}"))
            .bind(agency.0)
            .bind(status)
            .bind(level)
            .bind(f.overdue)
            .bind(f.year)
            .fetch_one(&mut *conn)
            .await?;
    let rows = sqlx::query_as(&format!(
        "{SUMMARY} WHERE {filter} ORDER BY i.next_due NULLS LAST, i.id LIMIT $6 OFFSET $7"
    ))
    .bind(agency.0)
    .bind(status)
    .bind(level)
    .bind(f.overdue)
    .bind(f.year)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok((rows, total))
}

/// The agencies a query names besides row-level security: `None` for every agency.
pub(super) fn scope_ids(scope: &AgencyScope) -> Option<Vec<Uuid>> {
    match scope {
        AgencyScope::Every => None,
        AgencyScope::Only(list) => Some(list.iter().map(|AgencyId(id)| *id).collect()),
    }
}

/// The incidents of the agencies below the viewer's (those of `scope`, the agencies it may see,
/// but its own), with the agency list's filters, nearest deadline first.
#[tracing::instrument(skip_all, fields(agency = %viewer_agency.0))]
pub async fn list_below(
    conn: &mut PgConnection,
    viewer_agency: AgencyId,
    scope: &AgencyScope,
    f: &ListFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Summary>, i64), sqlx::Error> {
    let filter = "i.agency_id <> $1 AND ($6::uuid[] IS NULL OR i.agency_id = ANY ($6::uuid[])) \
         AND ($2::text IS NULL OR i.status = $2) \
         AND ($3::smallint IS NULL OR i.level = $3) AND (NOT $4 OR i.next_due < now()) \
         AND ($5::int IS NULL OR extract(year FROM i.aware_at AT TIME ZONE 'Asia/Taipei') = $5)";
    let status = f.status.map(|s| s.as_str());
    let level = f.level.map(|l| i16::from(l.number()));
    let agencies = scope_ids(scope);
    let total: i64 =
        sqlx::query_scalar(&format!("SELECT count(*) FROM incidents i WHERE {filter}"))
            .bind(viewer_agency.0)
            .bind(status)
            .bind(level)
            .bind(f.overdue)
            .bind(f.year)
            .bind(&agencies)
            .fetch_one(&mut *conn)
            .await?;
    let rows = sqlx::query_as(&format!(
        "{SUMMARY} WHERE {filter} ORDER BY i.next_due NULLS LAST, i.id LIMIT $7 OFFSET $8"
    ))
    .bind(viewer_agency.0)
    .bind(status)
    .bind(level)
    .bind(f.overdue)
    .bind(f.year)
    .bind(&agencies)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok((rows, total))
}

/// The incidents awaiting a review by the reviewer's agency, overdue first, then by review
/// deadline: those it is the notified agency of; for the competent authority also its own and
/// those whose notified agency is late (it reviews them directly, art. 7 III). Row-level
/// security keeps it to what the reviewer may see.
#[tracing::instrument(skip_all, fields(agency = %reviewer_agency.0))]
pub async fn review_queue(
    conn: &mut PgConnection,
    reviewer_agency: AgencyId,
    competent_authority: bool,
    offset: i64,
    limit: i64,
) -> Result<Vec<Summary>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{SUMMARY} WHERE i.reviewed_at IS NULL AND i.status <> 'closed' \
         AND (i.escalation_target_id = $1 \
              OR ($4 AND (i.escalation_target_id IS NULL OR i.review_due < now()))) \
         ORDER BY i.review_due NULLS LAST, i.id LIMIT $2 OFFSET $3"
    ))
    .bind(reviewer_agency.0)
    .bind(limit)
    .bind(offset)
    .bind(competent_authority)
    .fetch_all(conn)
    .await
}

/// Open level-3/4 incidents of agencies below, nearest deadline first.
#[tracing::instrument(skip_all, fields(agency = %viewer_agency.0))]
pub async fn major_board(
    conn: &mut PgConnection,
    viewer_agency: AgencyId,
    offset: i64,
    limit: i64,
) -> Result<Vec<Summary>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{SUMMARY} WHERE i.level >= 3 AND i.status <> 'closed' AND i.agency_id <> $1 \
         ORDER BY i.next_due NULLS LAST, i.id LIMIT $2 OFFSET $3"
    ))
    .bind(viewer_agency.0)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await
}

/// The agency's open incidents as aggregates (for its staff's home page), nearest deadline
/// first, at most `limit`.
#[tracing::instrument(skip_all, fields(agency = %agency.0))]
pub async fn open_of_agency(
    conn: &mut PgConnection,
    agency: AgencyId,
    limit: i64,
) -> Result<Vec<Incident>, sqlx::Error> {
    sqlx::query_as::<_, Row>(&format!(
        "SELECT {COLUMNS} FROM incidents i WHERE i.agency_id = $1 AND i.status <> 'closed' \
         ORDER BY i.next_due NULLS LAST, i.id LIMIT $2"
    ))
    .bind(agency.0)
    .bind(limit)
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(Incident::try_from)
    .collect()
}

/// The agency's root-cause reports submitted to the commander and not yet decided.
#[tracing::instrument(skip_all, fields(agency = %agency.0))]
pub async fn awaiting_commander(
    conn: &mut PgConnection,
    agency: AgencyId,
) -> Result<Vec<Summary>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{SUMMARY} WHERE i.agency_id = $1 AND i.awaiting_commander ORDER BY i.next_due NULLS LAST, i.id"
    ))
    .bind(agency.0)
    .fetch_all(conn)
    .await
}

/// Open incidents whose next reminder has come, locked so that one portal process handles each
/// (`SKIP LOCKED`: the others take the next ones). For the reminder job, acting as the owner.
#[tracing::instrument(skip_all)]
pub async fn claim_due_for_reminders(
    conn: &mut PgConnection,
    limit: i64,
) -> Result<Vec<Incident>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM incidents i WHERE i.reminder_at <= now() \
         ORDER BY i.reminder_at LIMIT $1 FOR UPDATE OF i SKIP LOCKED"
    ))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Incident::try_from).collect()
}

/// When the reminder job must next look at the incident.
#[tracing::instrument(skip_all, fields(incident = %id))]
pub async fn set_reminder_at(
    conn: &mut PgConnection,
    id: Uuid,
    at: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE incidents SET reminder_at = $2 WHERE id = $1")
        .bind(id)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Locks the incident row (`FOR UPDATE`, which orders appends to its timeline) and answers its
/// agency; `None` when there is no such incident.
#[tracing::instrument(skip_all, fields(incident = %id))]
pub async fn lock_agency(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<AgencyId>, sqlx::Error> {
    let agency: Option<Uuid> =
        sqlx::query_scalar("SELECT agency_id FROM incidents WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(conn)
            .await?;
    Ok(agency.map(AgencyId))
}
