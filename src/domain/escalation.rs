//! Who an agency reports to, and who may look over its shoulder (SPEC 1).
//!
//! The rule "無上級機關者，應通知/回報/送交主管機關" recurs at every stage: the
//! escalation target (受通報機關, the notified agency) is the superior agency,
//! else the sector authority, else the competent authority.

use std::collections::{HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use super::agency::{AgencyId, AgencyKind, AgencyRelations};
use crate::i18n::Text;

/// The agency that is notified, reviews the level and receives the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "agency", rename_all = "snake_case")]
pub enum EscalationTarget {
    /// 上級機關.
    SuperiorAgency(AgencyId),
    /// 中央目的事業主管機關.
    SectorAuthority(AgencyId),
    /// 主管機關, when there is neither of the above.
    CompetentAuthority(AgencyId),
}

impl EscalationTarget {
    pub fn agency_id(self) -> AgencyId {
        match self {
            EscalationTarget::SuperiorAgency(id)
            | EscalationTarget::SectorAuthority(id)
            | EscalationTarget::CompetentAuthority(id) => id,
        }
    }

    /// What the target is, e.g. 上級機關.
    pub fn label(self) -> Text {
        Text::key(match self {
            EscalationTarget::SuperiorAgency(_) => "escalation.superior_agency",
            EscalationTarget::SectorAuthority(_) => "escalation.sector_authority",
            EscalationTarget::CompetentAuthority(_) => "escalation.competent_authority",
        })
    }

    /// Why this agency is the target, in the procedure's words.
    pub fn basis(self) -> Text {
        Text::key(match self {
            EscalationTarget::SuperiorAgency(_) => "escalation.basis.superior_agency",
            EscalationTarget::SectorAuthority(_) => "escalation.basis.sector_authority",
            EscalationTarget::CompetentAuthority(_) => "escalation.basis.competent_authority",
        })
    }
}

/// The escalation target of an agency: its superior agency, else its sector
/// authority, else the competent authority.
///
/// Returns `None` for the competent authority itself (by kind or by id): it
/// is the top of every chain and has nobody to escalate to. A relation that
/// points at the agency itself is ignored (bad data must not make an agency
/// its own reviewer).
pub fn escalation_target(
    agency: &AgencyRelations,
    competent_authority: AgencyId,
) -> Option<EscalationTarget> {
    if agency.kind == AgencyKind::CompetentAuthority || agency.id == competent_authority {
        return None;
    }
    let not_self = |id: &AgencyId| *id != agency.id;
    if let Some(superior) = agency.superior.filter(not_self) {
        return Some(EscalationTarget::SuperiorAgency(superior));
    }
    if let Some(sector) = agency.sector_authority.filter(not_self) {
        return Some(EscalationTarget::SectorAuthority(sector));
    }
    Some(EscalationTarget::CompetentAuthority(competent_authority))
}

/// Every agency above `start`: superior, sector authority and supervising
/// agency, transitively (nearest first, so the escalation target leads), then
/// the competent authority last. Each agency appears once and `start` never
/// does. A cycle in the data ends the walk instead of looping: every agency
/// is expanded at most once. An agency `lookup` does not know is still listed
/// (its id came from a relation) but not expanded.
pub fn supervision_chain(
    start: AgencyId,
    lookup: impl Fn(AgencyId) -> Option<AgencyRelations>,
    competent_authority: AgencyId,
) -> Vec<AgencyId> {
    let mut chain = Vec::new();
    // The competent authority is appended at the end, never in the middle.
    let mut seen: HashSet<AgencyId> = HashSet::from([start, competent_authority]);
    let mut queue = VecDeque::from([start]);
    while let Some(id) = queue.pop_front() {
        let Some(relations) = lookup(id) else {
            continue;
        };
        let above = [
            relations.superior,
            relations.sector_authority,
            relations.supervising,
        ];
        for up in above.into_iter().flatten() {
            if seen.insert(up) {
                chain.push(up);
                queue.push_back(up);
            }
        }
    }
    if start != competent_authority {
        chain.push(competent_authority);
    }
    chain
}

/// Whether users of `viewer` may see data of `incident_agency`: its own
/// users, the agencies above it (`chain`, as built by [`supervision_chain`],
/// which ends with the competent authority), and nobody else, ever.
pub fn may_see(viewer: AgencyId, incident_agency: AgencyId, chain: &[AgencyId]) -> bool {
    viewer == incident_agency || chain.contains(&viewer)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn id() -> AgencyId {
        AgencyId::new_v4()
    }

    fn gov(id: AgencyId, superior: Option<AgencyId>) -> AgencyRelations {
        AgencyRelations {
            id,
            kind: AgencyKind::Government,
            superior,
            sector_authority: None,
            supervising: None,
        }
    }

    #[test]
    fn superior_agency_first() {
        let (me, sup, sector, ca) = (id(), id(), id(), id());
        let rel = AgencyRelations {
            sector_authority: Some(sector),
            ..gov(me, Some(sup))
        };
        let t = escalation_target(&rel, ca).unwrap();
        assert_eq!(t, EscalationTarget::SuperiorAgency(sup));
        assert_eq!(t.agency_id(), sup);
        assert_eq!(crate::i18n::Lang::ZhTw.text(&t.label()), "上級機關");
    }

    #[test]
    fn sector_authority_when_there_is_no_superior() {
        let (me, sector, ca) = (id(), id(), id());
        let rel = AgencyRelations {
            id: me,
            kind: AgencyKind::SpecificNonGovernment,
            superior: None,
            sector_authority: Some(sector),
            supervising: Some(id()),
        };
        assert_eq!(
            escalation_target(&rel, ca),
            Some(EscalationTarget::SectorAuthority(sector))
        );
    }

    #[test]
    fn competent_authority_when_there_is_neither() {
        let (me, ca) = (id(), id());
        // A supervising agency alone does not receive the notification.
        let rel = AgencyRelations {
            supervising: Some(id()),
            ..gov(me, None)
        };
        let t = escalation_target(&rel, ca).unwrap();
        assert_eq!(t, EscalationTarget::CompetentAuthority(ca));
        let (zh, en) = t.basis().both();
        assert_eq!(zh, "無上級機關者，應通知主管機關");
        assert!(en.contains("competent authority"));
    }

    #[test]
    fn the_competent_authority_has_no_escalation_target() {
        let ca = id();
        let by_kind = AgencyRelations {
            kind: AgencyKind::CompetentAuthority,
            ..gov(id(), Some(id()))
        };
        assert_eq!(escalation_target(&by_kind, ca), None);
        assert_eq!(escalation_target(&gov(ca, None), ca), None);
    }

    #[test]
    fn a_relation_to_itself_is_ignored() {
        let (me, ca) = (id(), id());
        assert_eq!(
            escalation_target(&gov(me, Some(me)), ca),
            Some(EscalationTarget::CompetentAuthority(ca))
        );
    }

    fn lookup(
        map: &HashMap<AgencyId, AgencyRelations>,
    ) -> impl Fn(AgencyId) -> Option<AgencyRelations> + '_ {
        move |id| map.get(&id).copied()
    }

    #[test]
    fn the_chain_is_transitive_deduplicated_and_ends_with_the_competent_authority() {
        let (school, city, ministry, supervisor, ca) = (id(), id(), id(), id(), id());
        let mut map = HashMap::new();
        map.insert(
            school,
            AgencyRelations {
                supervising: Some(supervisor),
                ..gov(school, Some(city))
            },
        );
        // The city reports to the ministry, which also supervises the school:
        // listed once. The ministry reports to the competent authority: listed
        // once, at the end.
        map.insert(
            city,
            AgencyRelations {
                supervising: Some(ministry),
                ..gov(city, Some(ministry))
            },
        );
        map.insert(ministry, gov(ministry, Some(ca)));
        map.insert(supervisor, gov(supervisor, Some(ministry)));
        let chain = supervision_chain(school, lookup(&map), ca);
        assert_eq!(chain, vec![city, supervisor, ministry, ca]);
        assert!(!chain.contains(&school));
    }

    #[test]
    fn a_cycle_does_not_loop_forever() {
        let (a, b, c, ca) = (id(), id(), id(), id());
        let mut map = HashMap::new();
        map.insert(a, gov(a, Some(b)));
        map.insert(b, gov(b, Some(c)));
        map.insert(c, gov(c, Some(a)));
        assert_eq!(supervision_chain(a, lookup(&map), ca), vec![b, c, ca]);
        // A self-loop too.
        let mut map = HashMap::new();
        map.insert(a, gov(a, Some(a)));
        assert_eq!(supervision_chain(a, lookup(&map), ca), vec![ca]);
    }

    #[test]
    fn unknown_agencies_are_listed_but_not_expanded() {
        let (a, b, ca) = (id(), id(), id());
        let mut map = HashMap::new();
        map.insert(a, gov(a, Some(b)));
        assert_eq!(supervision_chain(a, lookup(&map), ca), vec![b, ca]);
        assert_eq!(supervision_chain(id(), |_| None, ca), vec![ca]);
    }

    #[test]
    fn the_competent_authoritys_own_chain_is_empty() {
        let ca = id();
        assert!(supervision_chain(ca, |_| None, ca).is_empty());
    }

    #[test]
    fn visibility_is_own_agency_chain_and_competent_authority_only() {
        let (school, city, ministry, ca, sibling) = (id(), id(), id(), id(), id());
        let mut map = HashMap::new();
        map.insert(school, gov(school, Some(city)));
        map.insert(city, gov(city, Some(ministry)));
        map.insert(sibling, gov(sibling, Some(city)));
        let chain = supervision_chain(school, lookup(&map), ca);
        assert!(may_see(school, school, &chain));
        assert!(may_see(city, school, &chain));
        assert!(may_see(ministry, school, &chain));
        assert!(may_see(ca, school, &chain));
        // A sibling under the same city sees nothing of the school.
        assert!(!may_see(sibling, school, &chain));
        // Nor does the school see its superior's incidents.
        let city_chain = supervision_chain(city, lookup(&map), ca);
        assert!(!may_see(school, city, &city_chain));
    }
}
