//! Incidents. Queries run inside a transaction acting for a user (`db::begin_as`), so
//! row-level security limits them to what that user may see even where a WHERE is missing.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use crate::domain::{
    AgencyId, Category, Deadline, DeadlineKind, Impact, IncidentLevel, IncidentRecord,
    IncidentStatus,
};

#[derive(Debug, Clone)]
pub struct Incident {
    pub id: Uuid,
    pub agency_id: AgencyId,
    pub number: String,
    pub title: String,
    pub category: Category,
    pub subcategory: String,
    pub summary: String,
    pub contact: String,
    pub impacts: Vec<Impact>,
    pub proposed_level: IncidentLevel,
    pub level: IncidentLevel,
    pub personal_data: bool,
    pub aware_at: DateTime<Utc>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub reported_at: DateTime<Utc>,
    pub other_means_reported_at: Option<DateTime<Utc>>,
    pub other_means_reason: String,
    pub escalation_target_id: Option<AgencyId>,
    pub status: IncidentStatus,
    pub record: IncidentRecord,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_relayed_at: Option<DateTime<Utc>>,
    pub containment_completed_at: Option<DateTime<Utc>>,
    pub report_submitted_at: Option<DateTime<Utc>>,
    pub report_extended_until: Option<DateTime<Utc>>,
    pub homeland_relayed_at: Option<DateTime<Utc>>,
    pub next_due: Option<DateTime<Utc>>,
    pub agency_name_zh: String,
    pub agency_name_en: String,
}

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
    record: sqlx::types::Json<IncidentRecord>,
    reviewed_at: Option<DateTime<Utc>>,
    review_relayed_at: Option<DateTime<Utc>>,
    containment_completed_at: Option<DateTime<Utc>>,
    report_submitted_at: Option<DateTime<Utc>>,
    report_extended_until: Option<DateTime<Utc>>,
    homeland_relayed_at: Option<DateTime<Utc>>,
    next_due: Option<DateTime<Utc>>,
    agency_name_zh: String,
    agency_name_en: String,
}

fn level(n: i16) -> Result<IncidentLevel, sqlx::Error> {
    u8::try_from(n)
        .ok()
        .and_then(IncidentLevel::from_number)
        .ok_or_else(|| sqlx::Error::Decode(format!("incident level {n}").into()))
}

impl TryFrom<Row> for Incident {
    type Error = sqlx::Error;
    fn try_from(r: Row) -> Result<Self, sqlx::Error> {
        let corrupt = |what: &str| sqlx::Error::Decode(format!("incident {what}").into());
        Ok(Incident {
            id: r.id,
            agency_id: AgencyId(r.agency_id),
            number: r.number,
            title: r.title,
            category: Category::parse(&r.category).ok_or_else(|| corrupt("category"))?,
            subcategory: r.subcategory,
            summary: r.summary,
            contact: r.contact,
            impacts: r.impacts.0,
            proposed_level: level(r.proposed_level)?,
            level: level(r.level)?,
            personal_data: r.personal_data,
            aware_at: r.aware_at,
            occurred_at: r.occurred_at,
            reported_at: r.reported_at,
            other_means_reported_at: r.other_means_reported_at,
            other_means_reason: r.other_means_reason,
            escalation_target_id: r.escalation_target_id.map(AgencyId),
            status: IncidentStatus::parse(&r.status).ok_or_else(|| corrupt("status"))?,
            record: r.record.0,
            reviewed_at: r.reviewed_at,
            review_relayed_at: r.review_relayed_at,
            containment_completed_at: r.containment_completed_at,
            report_submitted_at: r.report_submitted_at,
            report_extended_until: r.report_extended_until,
            homeland_relayed_at: r.homeland_relayed_at,
            next_due: r.next_due,
            agency_name_zh: r.agency_name_zh,
            agency_name_en: r.agency_name_en,
        })
    }
}

const SELECT: &str = "SELECT i.id, i.agency_id, i.number, i.title, i.category, i.subcategory, i.summary, \
     i.contact, i.impacts, i.proposed_level, i.level, i.personal_data, i.aware_at, i.occurred_at, \
     i.reported_at, i.other_means_reported_at, i.other_means_reason, i.escalation_target_id, i.status, \
     i.record, i.reviewed_at, i.review_relayed_at, i.containment_completed_at, i.report_submitted_at, \
     i.report_extended_until, i.homeland_relayed_at, i.next_due, \
     a.name_zh AS agency_name_zh, a.name_en AS agency_name_en \
     FROM incidents i JOIN agencies a ON a.id = i.agency_id";

fn convert(rows: Vec<Row>) -> Result<Vec<Incident>, sqlx::Error> {
    rows.into_iter().map(Incident::try_from).collect()
}

/// The next sequence number of an agency's incidents in a year.
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

pub async fn insert(
    conn: &mut PgConnection,
    i: &Incident,
    created_by: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO incidents (id, agency_id, number, title, category, subcategory, summary, contact, \
         impacts, proposed_level, level, personal_data, aware_at, occurred_at, reported_at, \
         other_means_reported_at, other_means_reason, escalation_target_id, status, record, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
    )
    .bind(i.id)
    .bind(i.agency_id.0)
    .bind(&i.number)
    .bind(&i.title)
    .bind(i.category.as_str())
    .bind(&i.subcategory)
    .bind(&i.summary)
    .bind(&i.contact)
    .bind(sqlx::types::Json(&i.impacts))
    .bind(i16::from(i.proposed_level.number()))
    .bind(i16::from(i.level.number()))
    .bind(i.personal_data)
    .bind(i.aware_at)
    .bind(i.occurred_at)
    .bind(i.reported_at)
    .bind(i.other_means_reported_at)
    .bind(&i.other_means_reason)
    .bind(i.escalation_target_id.map(|x| x.0))
    .bind(i.status.as_str())
    .bind(sqlx::types::Json(&i.record))
    .bind(created_by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Saves what changes after filing: level, status, stage record, milestones and deadlines.
pub async fn save(
    conn: &mut PgConnection,
    i: &Incident,
    deadlines: &[Deadline],
) -> Result<(), sqlx::Error> {
    let due = |kind: DeadlineKind| {
        deadlines
            .iter()
            .find(|d| d.kind == kind)
            .and_then(|d| d.due)
    };
    let next_due = if i.status.is_closed() {
        None
    } else {
        deadlines
            .iter()
            .filter(|d| d.done_at.is_none())
            .filter_map(|d| d.due)
            .min()
    };
    sqlx::query(
        "UPDATE incidents SET level = $2, status = $3, record = $4, reviewed_at = $5, review_relayed_at = $6, \
         containment_completed_at = $7, report_submitted_at = $8, report_extended_until = $9, \
         homeland_relayed_at = $10, report_due = $11, review_due = $12, relay_due = $13, \
         containment_due = $14, report_submission_due = $15, next_due = $16, updated_at = now() \
         WHERE id = $1",
    )
    .bind(i.id)
    .bind(i16::from(i.level.number()))
    .bind(i.status.as_str())
    .bind(sqlx::types::Json(&i.record))
    .bind(i.reviewed_at)
    .bind(i.review_relayed_at)
    .bind(i.containment_completed_at)
    .bind(i.report_submitted_at)
    .bind(i.report_extended_until)
    .bind(i.homeland_relayed_at)
    .bind(due(DeadlineKind::Report))
    .bind(due(DeadlineKind::Review))
    .bind(due(DeadlineKind::ReviewRelay))
    .bind(due(DeadlineKind::Containment))
    .bind(due(DeadlineKind::InvestigationReport))
    .bind(next_due)
    .execute(conn)
    .await?;
    Ok(())
}

/// One incident if the acting user may see it (row-level security decides).
pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Option<Incident>, sqlx::Error> {
    sqlx::query_as::<_, Row>(&format!("{SELECT} WHERE i.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .map(Incident::try_from)
        .transpose()
}

/// The same, locked for a change.
pub async fn get_for_update(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<Incident>, sqlx::Error> {
    sqlx::query_as::<_, Row>(&format!("{SELECT} WHERE i.id = $1 FOR UPDATE OF i"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .map(Incident::try_from)
        .transpose()
}

#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub status: Option<IncidentStatus>,
    pub level: Option<IncidentLevel>,
    pub overdue: bool,
    pub year: Option<i32>,
}

/// An agency's incidents, nearest deadline first.
pub async fn list_for_agency(
    conn: &mut PgConnection,
    agency: AgencyId,
    f: &ListFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Incident>, i64), sqlx::Error> {
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
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} WHERE {filter} ORDER BY i.next_due NULLS LAST, i.id LIMIT $6 OFFSET $7"
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
    Ok((convert(rows)?, total))
}

/// Incidents of agencies below the reviewer's awaiting the level review: overdue first, then
/// by review deadline. Row-level security keeps it to what the reviewer may see.
pub async fn review_queue(
    conn: &mut PgConnection,
    reviewer_agency: AgencyId,
    offset: i64,
    limit: i64,
) -> Result<Vec<Incident>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} WHERE i.reviewed_at IS NULL AND i.agency_id <> $1 AND i.status <> 'closed' \
         ORDER BY i.review_due NULLS LAST, i.id LIMIT $2 OFFSET $3"
    ))
    .bind(reviewer_agency.0)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    convert(rows)
}

/// Open level-3/4 incidents of agencies below, nearest deadline first.
pub async fn major_board(
    conn: &mut PgConnection,
    viewer_agency: AgencyId,
    offset: i64,
    limit: i64,
) -> Result<Vec<Incident>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} WHERE i.level >= 3 AND i.status <> 'closed' AND i.agency_id <> $1 \
         ORDER BY i.next_due NULLS LAST, i.id LIMIT $2 OFFSET $3"
    ))
    .bind(viewer_agency.0)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    convert(rows)
}

/// The agency's root-cause reports submitted to the commander and not yet decided.
pub async fn awaiting_commander(
    conn: &mut PgConnection,
    agency: AgencyId,
) -> Result<Vec<Incident>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} WHERE i.agency_id = $1 AND i.status = 'root_cause' \
         AND i.record->>'submitted_to_commander_at' IS NOT NULL AND i.record->'commander_decision' = 'null' \
         ORDER BY i.next_due NULLS LAST, i.id"
    ))
    .bind(agency.0)
    .fetch_all(conn)
    .await?;
    convert(rows)
}
