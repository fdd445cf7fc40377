//! Where an agency stands: its escalation target and the agencies above it (SPEC 1).

use std::collections::HashMap;

use sqlx::PgConnection;

use crate::db::{self, agencies::Agency};
use crate::domain::{self, AgencyId, EscalationTarget};
use crate::error::AppError;

pub struct AgencyStanding {
    pub agency: Agency,
    /// None only for the competent authority itself.
    pub escalation_target: Option<(EscalationTarget, Agency)>,
    /// Everyone who may see this agency's incidents, nearest first.
    pub supervision_chain: Vec<Agency>,
    pub competent_authority: AgencyId,
}

/// On the caller's connection: a caller inside a transaction must not take a second pooled
/// connection (under load, every request holding one and waiting for another starves the pool).
#[tracing::instrument(skip_all)]
pub async fn standing(conn: &mut PgConnection, id: AgencyId) -> Result<AgencyStanding, AppError> {
    let known: HashMap<AgencyId, Agency> =
        db::agencies::above_and_competent_authority(&mut *conn, id)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
    let ca_id = known
        .values()
        .find(|a| a.kind == domain::AgencyKind::CompetentAuthority)
        .map(|a| a.id)
        .ok_or_else(|| anyhow::anyhow!("no competent authority is registered"))?;
    let agency = known.get(&id).cloned().ok_or(AppError::NotFound)?;

    let target = domain::escalation_target(&agency.relations(), ca_id)
        .and_then(|t| known.get(&t.agency_id()).cloned().map(|a| (t, a)));
    let chain = domain::supervision_chain(id, |x| known.get(&x).map(Agency::relations), ca_id)
        .into_iter()
        .filter_map(|x| known.get(&x).cloned())
        .collect();
    Ok(AgencyStanding {
        agency,
        escalation_target: target,
        supervision_chain: chain,
        competent_authority: ca_id,
    })
}
