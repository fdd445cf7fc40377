//! Indicators of compromise on incidents, and where the same indicator recurs (correlation).
//! Row-level security limits both to incidents the acting user may see.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

#[derive(Debug, Clone, FromRow)]
pub struct Indicator {
    pub id: Uuid,
    pub incident_id: Uuid,
    pub kind: String,
    pub value: String,
    pub note: String,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The TLP 2.0 marking as stored (domain::tlp::Tlp::as_str).
    pub tlp: String,
}

pub struct NewIndicator<'a> {
    pub kind: &'a str,
    pub value: &'a str,
    pub note: &'a str,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub tlp: &'a str,
}

/// Adds an indicator; one already on the incident keeps its id and widens its seen-window
/// (the note is replaced when a new one is given), and keeps the stricter of its marking and
/// the new one, `strictness` listing the markings from least to most strict (the domain's
/// order). True when it was new.
#[tracing::instrument(skip_all)]
pub async fn upsert(
    conn: &mut PgConnection,
    incident: Uuid,
    agency: Uuid,
    i: &NewIndicator<'_>,
    by: Uuid,
    strictness: &[&str],
) -> Result<(Indicator, bool), sqlx::Error> {
    let row: (Uuid, bool) = sqlx::query_as(
        "INSERT INTO indicators (id, incident_id, agency_id, kind, value, note, first_seen, last_seen, created_by, tlp) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (incident_id, kind, value) DO UPDATE SET \
           note = CASE WHEN EXCLUDED.note = '' THEN indicators.note ELSE EXCLUDED.note END, \
           first_seen = LEAST(indicators.first_seen, EXCLUDED.first_seen), \
           last_seen = GREATEST(indicators.last_seen, EXCLUDED.last_seen), \
           tlp = CASE WHEN array_position($11::text[], EXCLUDED.tlp) > array_position($11::text[], indicators.tlp) \
                      THEN EXCLUDED.tlp ELSE indicators.tlp END \
         RETURNING id, (xmax = 0)",
    )
    .bind(Uuid::new_v4())
    .bind(incident)
    .bind(agency)
    .bind(i.kind)
    .bind(i.value)
    .bind(i.note)
    .bind(i.first_seen)
    .bind(i.last_seen)
    .bind(by)
    .bind(i.tlp)
    .bind(strictness)
    .fetch_one(&mut *conn)
    .await?;
    let stored = sqlx::query_as(&format!("SELECT {COLUMNS} FROM indicators WHERE id = $1"))
        .bind(row.0)
        .fetch_one(conn)
        .await?;
    Ok((stored, row.1))
}

const COLUMNS: &str = "id, incident_id, kind, value, note, first_seen, last_seen, created_at, tlp";

/// The incident's indicators marked with one of `markings` (what the reader may read, as the
/// domain says; row-level security says it again).
#[tracing::instrument(skip_all)]
pub async fn for_incident(
    conn: &mut PgConnection,
    incident: Uuid,
    markings: &[&str],
) -> Result<Vec<Indicator>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM indicators WHERE incident_id = $1 AND tlp = ANY ($2) \
         ORDER BY kind, value"
    ))
    .bind(incident)
    .bind(markings)
    .fetch_all(conn)
    .await
}

/// The indicator `id` on the incident, if the acting user may read it.
#[tracing::instrument(skip_all)]
pub async fn on_incident(
    conn: &mut PgConnection,
    incident: Uuid,
    id: Uuid,
) -> Result<Option<Indicator>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM indicators WHERE incident_id = $1 AND id = $2 FOR UPDATE"
    ))
    .bind(incident)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Marks the indicator with `tlp` (row-level security: only the recording agency's rows).
#[tracing::instrument(skip_all)]
pub async fn set_tlp(conn: &mut PgConnection, id: Uuid, tlp: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE indicators SET tlp = $2 WHERE id = $1")
        .bind(id)
        .bind(tlp)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// An indicator seen in several incidents the user may see.
#[derive(Debug, Clone, FromRow)]
pub struct Correlated {
    pub kind: String,
    pub value: String,
    pub incidents: i64,
    pub agencies: i64,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The strictest marking the indicator carries on any of those incidents.
    pub tlp: String,
    /// (incident id, number, agency name) of each incident, oldest first.
    pub where_seen: sqlx::types::Json<Vec<(Uuid, String, String)>>,
}

/// Which markings take part in correlation, and their order from least to most strict (both
/// from the domain, domain::tlp).
pub struct CorrelationMarkings<'a> {
    pub correlating: &'a [&'a str],
    pub strictness: &'a [&'a str],
}

/// Indicators that appear in at least two visible incidents, most widespread first; only those
/// marked with a correlating marking count.
#[tracing::instrument(skip_all)]
pub async fn correlated(
    conn: &mut PgConnection,
    markings: &CorrelationMarkings<'_>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Correlated>, i64), sqlx::Error> {
    let total = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT 1 FROM indicators WHERE tlp = ANY ($1) GROUP BY kind, value \
         HAVING count(DISTINCT incident_id) > 1) s",
    )
    .bind(markings.correlating)
    .fetch_one(&mut *conn)
    .await?;
    let items = sqlx::query_as(
        "SELECT x.kind, x.value, count(DISTINCT x.incident_id) AS incidents, \
           count(DISTINCT x.agency_id) AS agencies, min(x.first_seen) AS first_seen, \
           max(x.last_seen) AS last_seen, min(x.created_at) AS created_at, \
           (array_agg(x.tlp ORDER BY array_position($4::text[], x.tlp) DESC))[1] AS tlp, \
           jsonb_agg(jsonb_build_array(i.id, i.number, a.name_zh) ORDER BY i.reported_at) AS where_seen \
         FROM indicators x JOIN incidents i ON i.id = x.incident_id JOIN agencies a ON a.id = x.agency_id \
         WHERE x.tlp = ANY ($3) \
         GROUP BY x.kind, x.value HAVING count(DISTINCT x.incident_id) > 1 \
         ORDER BY count(DISTINCT x.agency_id) DESC, count(DISTINCT x.incident_id) DESC, x.kind, x.value \
         LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .bind(markings.correlating)
    .bind(markings.strictness)
    .fetch_all(conn)
    .await?;
    Ok((items, total))
}

/// An indicator as a TAXII collection lists it, with the code of the agency that recorded it
/// (its STIX producer).
#[derive(Debug, Clone, FromRow)]
pub struct Shared {
    pub id: Uuid,
    pub incident_id: Uuid,
    pub agency_code: String,
    pub kind: String,
    pub value: String,
    pub note: String,
    pub first_seen: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub tlp: String,
}

/// Which indicators a TAXII page reads: those of `members` (None: every agency), marked with a
/// label the caller may receive (`own_markings` for the caller's own agency's, `markings` for
/// the others', both from the domain), recorded after `added_after` and after the cursor
/// (`after`: time and row id), in the order they were recorded.
pub struct SharedPage<'a> {
    pub members: Option<&'a [Uuid]>,
    pub caller_agency: Uuid,
    pub own_markings: &'a [&'a str],
    pub markings: &'a [&'a str],
    pub added_after: Option<DateTime<Utc>>,
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

#[tracing::instrument(skip_all)]
pub async fn shared_page(
    conn: &mut PgConnection,
    p: &SharedPage<'_>,
) -> Result<Vec<Shared>, sqlx::Error> {
    sqlx::query_as(
        "SELECT x.id, x.incident_id, a.code AS agency_code, x.kind, x.value, x.note, \
           x.first_seen, x.created_at, x.tlp \
         FROM indicators x JOIN agencies a ON a.id = x.agency_id \
         WHERE ($1::uuid[] IS NULL OR x.agency_id = ANY ($1)) \
           AND ((x.agency_id = $2 AND x.tlp = ANY ($3)) OR x.tlp = ANY ($4)) \
           AND ($5::timestamptz IS NULL OR x.created_at > $5) \
           AND ($6::timestamptz IS NULL OR (x.created_at, x.id) > ($6, $7)) \
         ORDER BY x.created_at, x.id LIMIT $8",
    )
    .bind(p.members)
    .bind(p.caller_agency)
    .bind(p.own_markings)
    .bind(p.markings)
    .bind(p.added_after)
    .bind(p.after.map(|a| a.0))
    .bind(p.after.map(|a| a.1))
    .bind(p.limit)
    .fetch_all(conn)
    .await
}
