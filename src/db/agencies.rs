//! Agencies (機關) and the relations that make up the supervision tree.

use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use crate::domain::{AgencyId, AgencyKind, AgencyRelations, ResponsibilityLevel};

#[derive(Debug, Clone)]
pub struct Agency {
    pub id: AgencyId,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: AgencyKind,
    pub superior: Option<AgencyId>,
    pub sector_authority: Option<AgencyId>,
    pub supervising: Option<AgencyId>,
    pub responsibility_level: ResponsibilityLevel,
    pub critical_infrastructure: bool,
}

impl Agency {
    pub fn relations(&self) -> AgencyRelations {
        AgencyRelations {
            id: self.id,
            kind: self.kind,
            superior: self.superior,
            sector_authority: self.sector_authority,
            supervising: self.supervising,
        }
    }
}

#[derive(FromRow)]
pub(crate) struct AgencyRow {
    pub(crate) id: Uuid,
    pub(crate) code: String,
    pub(crate) name_zh: String,
    pub(crate) name_en: String,
    pub(crate) kind: String,
    pub(crate) superior_id: Option<Uuid>,
    pub(crate) sector_authority_id: Option<Uuid>,
    pub(crate) supervising_id: Option<Uuid>,
    pub(crate) responsibility_level: String,
    pub(crate) critical_infrastructure: bool,
}

impl TryFrom<AgencyRow> for Agency {
    type Error = sqlx::Error;
    fn try_from(r: AgencyRow) -> Result<Self, Self::Error> {
        let corrupt =
            |what: &str, v: &str| sqlx::Error::Decode(format!("agency {what} {v:?}").into());
        Ok(Agency {
            id: AgencyId(r.id),
            kind: kind_from_db(&r.kind).ok_or_else(|| corrupt("kind", &r.kind))?,
            responsibility_level: ResponsibilityLevel::parse(&r.responsibility_level)
                .ok_or_else(|| corrupt("responsibility level", &r.responsibility_level))?,
            code: r.code,
            name_zh: r.name_zh,
            name_en: r.name_en,
            superior: r.superior_id.map(AgencyId),
            sector_authority: r.sector_authority_id.map(AgencyId),
            supervising: r.supervising_id.map(AgencyId),
            critical_infrastructure: r.critical_infrastructure,
        })
    }
}

pub fn kind_to_db(kind: AgencyKind) -> &'static str {
    match kind {
        AgencyKind::Government => "government",
        AgencyKind::SpecificNonGovernment => "specific_non_government",
        AgencyKind::CompetentAuthority => "competent_authority",
    }
}

pub fn kind_from_db(s: &str) -> Option<AgencyKind> {
    Some(match s {
        "government" => AgencyKind::Government,
        "specific_non_government" => AgencyKind::SpecificNonGovernment,
        "competent_authority" => AgencyKind::CompetentAuthority,
        _ => return None,
    })
}

const COLUMNS: &str = "id, code, name_zh, name_en, kind, superior_id, sector_authority_id, \
     supervising_id, responsibility_level, critical_infrastructure";

#[tracing::instrument(skip_all)]
pub async fn insert(conn: &mut PgConnection, a: &Agency) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO agencies (id, code, name_zh, name_en, kind, superior_id, sector_authority_id, \
         supervising_id, responsibility_level, critical_infrastructure) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(a.id.0)
    .bind(&a.code)
    .bind(&a.name_zh)
    .bind(&a.name_en)
    .bind(kind_to_db(a.kind))
    .bind(a.superior.map(|x| x.0))
    .bind(a.sector_authority.map(|x| x.0))
    .bind(a.supervising.map(|x| x.0))
    .bind(a.responsibility_level.as_str())
    .bind(a.critical_infrastructure)
    .execute(conn)
    .await?;
    Ok(())
}

/// Changes the relations and attributes an administrator may edit; names and code stay.
#[tracing::instrument(skip_all)]
pub async fn update(conn: &mut PgConnection, a: &Agency) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE agencies SET name_zh = $2, name_en = $3, superior_id = $4, sector_authority_id = $5, \
         supervising_id = $6, responsibility_level = $7, critical_infrastructure = $8 WHERE id = $1",
    )
    .bind(a.id.0)
    .bind(&a.name_zh)
    .bind(&a.name_en)
    .bind(a.superior.map(|x| x.0))
    .bind(a.sector_authority.map(|x| x.0))
    .bind(a.supervising.map(|x| x.0))
    .bind(a.responsibility_level.as_str())
    .bind(a.critical_infrastructure)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Points the agency's open incidents (`status <> 'closed'`) at `target`, its escalation target
/// as the register now stands (`None`: the competent authority's own incidents), and sets their
/// `reminder_at` to now so that the reminder job re-reads them. Returns how many were changed.
#[tracing::instrument(skip_all, fields(agency = %agency.0))]
pub async fn retarget_open_incidents(
    conn: &mut PgConnection,
    agency: AgencyId,
    target: Option<AgencyId>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE incidents SET escalation_target_id = $2, reminder_at = now(), updated_at = now() \
         WHERE agency_id = $1 AND status <> 'closed'",
    )
    .bind(agency.0)
    .bind(target.map(|x| x.0))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

#[tracing::instrument(skip_all)]
pub async fn get(conn: &mut PgConnection, id: AgencyId) -> Result<Option<Agency>, sqlx::Error> {
    sqlx::query_as::<_, AgencyRow>(&format!("SELECT {COLUMNS} FROM agencies WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .map(Agency::try_from)
        .transpose()
}

/// Locks the agency register until the transaction ends (serialises concurrent first starts
/// that would each load the demo register).
#[tracing::instrument(skip_all)]
pub async fn lock_register(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("LOCK TABLE agencies IN EXCLUSIVE MODE")
        .execute(conn)
        .await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn competent_authority(conn: &mut PgConnection) -> Result<Option<Agency>, sqlx::Error> {
    sqlx::query_as::<_, AgencyRow>(&format!(
        "SELECT {COLUMNS} FROM agencies WHERE kind = 'competent_authority'"
    ))
    .fetch_optional(conn)
    .await?
    .map(Agency::try_from)
    .transpose()
}

#[tracing::instrument(skip_all)]
pub async fn count(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM agencies")
        .fetch_one(conn)
        .await
}

#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut PgConnection,
    offset: i64,
    limit: i64,
) -> Result<Vec<Agency>, sqlx::Error> {
    sqlx::query_as::<_, AgencyRow>(&format!(
        "SELECT {COLUMNS} FROM agencies ORDER BY code LIMIT $1 OFFSET $2"
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(Agency::try_from)
    .collect()
}

/// Every agency for pick lists (the tree is thousands of rows at most).
#[tracing::instrument(skip_all)]
pub async fn all_names(conn: &mut PgConnection) -> Result<Vec<Agency>, sqlx::Error> {
    list(conn, 0, i64::MAX).await
}

/// The agency, everything above it (superior, sector authority, supervising agency,
/// transitively) and the competent authority: all its standing needs, in one statement from the
/// register's closure (`agency_reach`, migration 0026).
#[tracing::instrument(skip_all)]
pub async fn above_and_competent_authority(
    conn: &mut PgConnection,
    id: AgencyId,
) -> Result<Vec<Agency>, sqlx::Error> {
    // One list of ids read by the primary key: `id IN (…) OR kind = …` can only be answered
    // by a scan of the whole register (#16, measured: 3,000 rows filtered per page).
    sqlx::query_as::<_, AgencyRow>(&format!(
        "SELECT {COLUMNS} FROM agencies \
         WHERE id = ANY (ARRAY(SELECT above FROM agency_reach WHERE below = $1) \
                         || ARRAY(SELECT id FROM agencies WHERE kind = 'competent_authority'))"
    ))
    .bind(id.0)
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(Agency::try_from)
    .collect()
}

/// The agency, everything below it (transitively) and the competent authority: the part of the
/// register from which the agencies a reviewer's agency may see follow.
#[tracing::instrument(skip_all)]
pub async fn below_and_competent_authority(
    conn: &mut PgConnection,
    id: AgencyId,
) -> Result<Vec<Agency>, sqlx::Error> {
    // As in `above_and_competent_authority`: an array of ids, not an OR the index cannot use.
    sqlx::query_as::<_, AgencyRow>(&format!(
        "SELECT {COLUMNS} FROM agencies \
         WHERE id = ANY (ARRAY(SELECT below FROM agency_reach WHERE above = $1) \
                         || ARRAY(SELECT id FROM agencies WHERE kind = 'competent_authority'))"
    ))
    .bind(id.0)
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(Agency::try_from)
    .collect()
}
