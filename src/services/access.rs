//! Loading an incident as the acting user may see it, with who oversees it now (the register as
//! it stands), and checking what they may do with it: the one way every service reaches an
//! incident.

use std::collections::HashMap;

use sqlx::PgConnection;
use uuid::Uuid;

use crate::db;
use crate::domain::{self, Action, AgencyScope, Incident, Oversight};
use crate::error::AppError;
use crate::services::{denied, directory, Acting};

/// The agencies above `agency` and the competent authority, as the register stands now.
pub(crate) async fn oversight_of(
    conn: &mut PgConnection,
    agency: domain::AgencyId,
) -> Result<(Oversight, directory::AgencyStanding), AppError> {
    let standing = directory::standing(conn, agency).await?;
    let oversight = Oversight {
        chain: standing.supervision_chain.iter().map(|a| a.id).collect(),
        relations: Oversight::direct_relations(&standing.agency.relations()),
        competent_authority: standing.competent_authority,
        critical_infrastructure: standing.agency.critical_infrastructure,
    };
    Ok((oversight, standing))
}

/// Attaches who oversees the incident now; an open incident's notified agency follows the
/// register from a move on (the escalation target of its agency as the register stands).
fn place(incident: &mut Incident, oversight: Oversight, standing: &directory::AgencyStanding) {
    incident.oversight = oversight;
    if !incident.status.is_closed() {
        incident.escalation_target = standing
            .escalation_target
            .as_ref()
            .map(|(t, _)| t.agency_id());
    }
}

/// The incident, if the acting user's transaction may see it, with who oversees it now.
#[tracing::instrument(skip_all)]
pub(crate) async fn load(
    conn: &mut PgConnection,
    id: Uuid,
    for_update: bool,
) -> Result<Incident, AppError> {
    Ok(load_with_standing(conn, id, for_update).await?.0)
}

/// [`load`], also answering where the incident's agency stands in the register (its names and
/// the agencies above it), for a page that shows them.
#[tracing::instrument(skip_all)]
pub(crate) async fn load_with_standing(
    conn: &mut PgConnection,
    id: Uuid,
    for_update: bool,
) -> Result<(Incident, directory::AgencyStanding), AppError> {
    let found = if for_update {
        db::incidents::get_for_update(conn, id).await?
    } else {
        db::incidents::get(conn, id).await?
    };
    let mut incident = found.ok_or(AppError::NotFound)?;
    let (oversight, standing) = oversight_of(conn, incident.agency).await?;
    place(&mut incident, oversight, &standing);
    Ok((incident, standing))
}

/// The incident, loaded for `me` and checked: may they do `action` on it?
#[tracing::instrument(skip_all)]
pub(crate) async fn load_permitted(
    conn: &mut PgConnection,
    me: Acting<'_>,
    id: Uuid,
    action: Action,
    for_update: bool,
) -> Result<Incident, AppError> {
    let incident = load(conn, id, for_update).await?;
    incident.may(&me.actor(), action).map_err(denied)?;
    Ok(incident)
}

/// The open incidents of `agency`, each with who oversees it now (one register lookup for all).
#[tracing::instrument(skip_all)]
pub(crate) async fn load_open_of_agency(
    conn: &mut PgConnection,
    agency: domain::AgencyId,
    limit: i64,
) -> Result<Vec<Incident>, AppError> {
    let mut open = db::incidents::open_of_agency(conn, agency, limit).await?;
    if open.is_empty() {
        return Ok(open);
    }
    let (oversight, standing) = oversight_of(conn, agency).await?;
    for i in &mut open {
        place(i, oversight.clone(), &standing);
    }
    Ok(open)
}

/// The agencies whose incidents `me` may see, as the register stands now (the domain's
/// [`domain::visible_agencies`]), for a query that names them besides row-level security.
#[tracing::instrument(skip_all)]
pub(crate) async fn visible_agencies(
    conn: &mut PgConnection,
    me: Acting<'_>,
) -> Result<AgencyScope, AppError> {
    // The agencies below the user's are all the register the rule needs: an agency is seen
    // only through a chain that passes the viewer's.
    let part = db::agencies::below_and_competent_authority(conn, me.user.agency_id).await?;
    let ca = part
        .iter()
        .find(|a| a.kind == domain::AgencyKind::CompetentAuthority)
        .map(|a| a.id)
        .ok_or_else(|| anyhow::anyhow!("no competent authority is registered"))?;
    let register: HashMap<_, _> = part.iter().map(|a| (a.id, a.relations())).collect();
    Ok(domain::visible_agencies(me.user.agency_id, &register, ca))
}
