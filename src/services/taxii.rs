//! The TAXII 2.1 collections (domain::taxii): which a caller sees, and a page of one.

use std::collections::HashMap;

use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::db::{self, agencies::Agency, indicators as store};
use crate::domain::indicators::IndicatorType;
use crate::domain::stix;
use crate::domain::taxii::{self, Entry, ObjectsQuery, Page};
use crate::domain::tlp::{Reader, Tlp};
use crate::domain::{AgencyId, AgencyKind, AgencyRelations, AgencyScope};
use crate::error::AppError;
use crate::services::Acting;

/// The part of the register below the caller's agency (and the competent authority): all that
/// the collections the caller may see are drawn from.
struct Register {
    agencies: Vec<Agency>,
    relations: HashMap<AgencyId, AgencyRelations>,
    competent_authority: AgencyId,
}

async fn register_below(conn: &mut PgConnection, me: Acting<'_>) -> Result<Register, AppError> {
    // The competent authority sees every agency, including the top-level ones no chain of
    // superiors links below it; anyone else sees only what lies below their agency.
    let agencies = if me.agency.kind == AgencyKind::CompetentAuthority {
        db::agencies::all_names(conn).await?
    } else {
        db::agencies::below_and_competent_authority(conn, me.user.agency_id).await?
    };
    let competent_authority = agencies
        .iter()
        .find(|a| a.kind == AgencyKind::CompetentAuthority)
        .map(|a| a.id)
        .ok_or_else(|| anyhow::anyhow!("no competent authority is registered"))?;
    let relations = agencies.iter().map(|a| (a.id, a.relations())).collect();
    Ok(Register {
        agencies,
        relations,
        competent_authority,
    })
}

impl Register {
    /// The supervising agencies whose collections the caller may read; 403 when none.
    fn collections(&self, me: Acting<'_>) -> Result<Vec<&Agency>, AppError> {
        let ids = taxii::collections(me.user.agency_id, &self.relations, self.competent_authority);
        if ids.is_empty() {
            return Err(AppError::Forbidden);
        }
        let mut out: Vec<&Agency> = self
            .agencies
            .iter()
            .filter(|a| ids.contains(&a.id))
            .collect();
        out.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(out)
    }

    /// The collection of that id the caller may read; 404 for any other.
    fn collection(&self, me: Acting<'_>, id: Uuid) -> Result<&Agency, AppError> {
        self.collections(me)?
            .into_iter()
            .find(|a| taxii::collection_id(&a.code) == id)
            .ok_or(AppError::NotFound)
    }
}

fn describe(a: &Agency) -> Value {
    taxii::collection(&a.code, &a.name_zh, &a.name_en)
}

/// Get Collections: one per supervising agency the caller may see.
pub async fn collections(pool: &PgPool, me: Acting<'_>) -> Result<Vec<Value>, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let register = register_below(&mut tx, me).await?;
    tx.commit().await?;
    Ok(register
        .collections(me)?
        .into_iter()
        .map(describe)
        .collect())
}

/// Get A Collection.
pub async fn collection(pool: &PgPool, me: Acting<'_>, id: Uuid) -> Result<Value, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let register = register_below(&mut tx, me).await?;
    tx.commit().await?;
    Ok(describe(register.collection(me, id)?))
}

/// A page of the collection's objects (Get Objects and Get Manifest read the same page).
pub async fn objects(
    pool: &PgPool,
    me: Acting<'_>,
    id: Uuid,
    q: &ObjectsQuery,
) -> Result<Page, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let register = register_below(&mut tx, me).await?;
    let holder = register.collection(me, id)?;
    let members = taxii::members(holder.id, &register.relations, register.competent_authority);
    let markings = taxii::markings_for(me.user.agency_id, &members);
    let member_ids: Option<Vec<Uuid>> = match &members {
        AgencyScope::Every => None,
        AgencyScope::Only(list) => Some(list.iter().map(|a| a.0).collect()),
    };
    let rows = if q.wants("indicator") {
        let page = store::SharedPage {
            members: member_ids.as_deref(),
            caller_agency: me.user.agency_id.0,
            own_markings: &Tlp::exportable_set(Reader::OwnAgency),
            markings: &Tlp::exportable_set(Reader::Outside),
            added_after: q.added_after,
            after: q.after.map(|c| (c.added, c.tiebreak)),
            // One more than a page: whether there are more.
            limit: q.limit as i64 + 1,
        };
        store::shared_page(&mut tx, &page).await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    let fetched = rows.iter().filter_map(entry_of).collect();
    Ok(taxii::page(taxii::marking_entries(&markings), fetched, q))
}

/// The indicator as the incident's own STIX export writes it (same id, same content).
fn entry_of(r: &store::Shared) -> Option<Entry> {
    let item = stix::ExportItem {
        kind: IndicatorType::parse(&r.kind)?,
        value: &r.value,
        note: (!r.note.is_empty()).then_some(r.note.as_str()),
        created: r.created_at,
        modified: r.created_at,
        valid_from: r.first_seen.unwrap_or(r.created_at),
        tlp: Tlp::parse(&r.tlp)?,
    };
    let scope = format!("incident:{}", r.incident_id);
    Some(Entry {
        added: r.created_at,
        tiebreak: r.id,
        object: stix::indicator_object(&r.agency_code, &scope, &item),
    })
}
