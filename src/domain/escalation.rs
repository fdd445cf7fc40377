//! Who an agency reports to, and who may look over its shoulder (SPEC 1).
//!
//! The rule "無上級機關者，應通知/回報/送交主管機關" recurs at every stage: the
//! escalation target (受通報機關, the notified agency) follows the agency's kind:
//! a government agency (公務機關) notifies its superior agency, a specific
//! non-government agency (特定非公務機關) its sector authority
//! (中央目的事業主管機關), and either, when it has none, the competent
//! authority (point 3(一)2; the Regulations, arts. 11–14).

use std::collections::{HashMap, HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use super::agency::{AgencyId, AgencyKind, AgencyRelations};
use super::input::FieldErrors;
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

/// The escalation target of an agency, by its kind (point 3(一)2: "應另以電話
/// 或其他適當方式通知上級機關或中央目的事業主管機關，無上級機關者，應通知主管
/// 機關"; the Regulations, arts. 11–14, give specific non-government agencies'
/// reports to their central competent authority for the sector):
/// - a government agency (公務機關): its superior agency, else the competent
///   authority;
/// - a specific non-government agency (特定非公務機關): its sector authority,
///   else the competent authority.
///
/// A relation that does not fit the kind (a sector authority recorded for a
/// government agency, a superior agency for a specific non-government one)
/// is not an escalation target: the register refuses such relations
/// ([`relation_errors`]), and data that has one anyway escalates as if it were
/// absent. A supervising agency (監督機關) is never the target.
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
    let fitting = match agency.kind {
        AgencyKind::Government => agency
            .superior
            .filter(not_self)
            .map(EscalationTarget::SuperiorAgency),
        AgencyKind::SpecificNonGovernment => agency
            .sector_authority
            .filter(not_self)
            .map(EscalationTarget::SectorAuthority),
        AgencyKind::CompetentAuthority => None,
    };
    Some(fitting.unwrap_or(EscalationTarget::CompetentAuthority(competent_authority)))
}

/// The relations the register refuses because they do not fit the agency's
/// kind (SPEC 1: government agencies have a superior agency, 上級機關; specific
/// non-government agencies a central competent authority for their sector,
/// 中央目的事業主管機關; point 3(一)2 and the Regulations, arts. 11–14, send each
/// kind's notification to that one): a sector authority for a government
/// agency, a superior agency for a specific non-government agency. A
/// supervising agency (監督機關) fits either kind. Field names are the
/// register form's; the values are catalog keys.
pub fn relation_errors(agency: &AgencyRelations) -> FieldErrors {
    let mut errors = FieldErrors::default();
    match agency.kind {
        AgencyKind::Government if agency.sector_authority.is_some() => {
            errors.add("sector_authority", "error.sector_authority_for_government");
        }
        AgencyKind::SpecificNonGovernment if agency.superior.is_some() => {
            errors.add("superior", "error.superior_for_specific_non_government");
        }
        _ => {}
    }
    errors
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

/// The agencies whose data users of one agency may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgencyScope {
    /// Every agency (the competent authority), so that a query need not test each row against
    /// a list of them all (see migration 0006).
    Every,
    /// These agencies, sorted.
    Only(Vec<AgencyId>),
}

/// The agencies of `register` (each agency's relations) whose data users of `viewer` may see:
/// [`may_see`] over each one's [`supervision_chain`]. For queries that name the agencies they
/// may read, besides row-level security.
pub fn visible_agencies(
    viewer: AgencyId,
    register: &HashMap<AgencyId, AgencyRelations>,
    competent_authority: AgencyId,
) -> AgencyScope {
    // Every chain ends with the competent authority: it sees them all.
    if viewer == competent_authority {
        return AgencyScope::Every;
    }
    let lookup = |x: AgencyId| register.get(&x).copied();
    let mut out: Vec<AgencyId> = register
        .keys()
        .copied()
        .filter(|&a| {
            may_see(
                viewer,
                a,
                &supervision_chain(a, lookup, competent_authority),
            )
        })
        .collect();
    out.sort();
    AgencyScope::Only(out)
}

#[cfg(test)]
mod tests {
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

    fn sng(id: AgencyId, sector: Option<AgencyId>) -> AgencyRelations {
        AgencyRelations {
            id,
            kind: AgencyKind::SpecificNonGovernment,
            superior: None,
            sector_authority: sector,
            supervising: None,
        }
    }

    #[test]
    fn a_government_agency_escalates_to_its_superior_agency() {
        let (me, sup, ca) = (id(), id(), id());
        let t = escalation_target(&gov(me, Some(sup)), ca).unwrap();
        assert_eq!(t, EscalationTarget::SuperiorAgency(sup));
        assert_eq!(t.agency_id(), sup);
        assert_eq!(crate::i18n::Lang::ZhTw.text(&t.label()), "上級機關");
    }

    #[test]
    fn a_government_agency_without_a_superior_escalates_to_the_competent_authority_never_to_a_sector_authority(
    ) {
        let (me, sector, ca) = (id(), id(), id());
        let rel = AgencyRelations {
            sector_authority: Some(sector),
            ..gov(me, None)
        };
        assert_eq!(
            escalation_target(&rel, ca),
            Some(EscalationTarget::CompetentAuthority(ca))
        );
        // With both recorded, the superior agency, as for any government agency.
        let (sup, other) = (id(), id());
        let both = AgencyRelations {
            sector_authority: Some(other),
            ..gov(me, Some(sup))
        };
        assert_eq!(
            escalation_target(&both, ca),
            Some(EscalationTarget::SuperiorAgency(sup))
        );
    }

    #[test]
    fn a_specific_non_government_agency_escalates_to_its_sector_authority() {
        let (me, sector, ca) = (id(), id(), id());
        let rel = AgencyRelations {
            supervising: Some(id()),
            ..sng(me, Some(sector))
        };
        assert_eq!(
            escalation_target(&rel, ca),
            Some(EscalationTarget::SectorAuthority(sector))
        );
        // A superior agency recorded for it (bad data) does not take the sector authority's place.
        let with_superior = AgencyRelations {
            superior: Some(id()),
            ..rel
        };
        assert_eq!(
            escalation_target(&with_superior, ca),
            Some(EscalationTarget::SectorAuthority(sector))
        );
    }

    #[test]
    fn a_specific_non_government_agency_without_a_sector_authority_escalates_to_the_competent_authority_never_to_a_superior(
    ) {
        let (me, ca) = (id(), id());
        let rel = AgencyRelations {
            superior: Some(id()),
            ..sng(me, None)
        };
        assert_eq!(
            escalation_target(&rel, ca),
            Some(EscalationTarget::CompetentAuthority(ca))
        );
        assert_eq!(
            escalation_target(&sng(me, None), ca),
            Some(EscalationTarget::CompetentAuthority(ca))
        );
    }

    #[test]
    fn the_register_refuses_relations_that_do_not_fit_the_kind() {
        let (me, other) = (id(), id());
        // A government agency with a sector authority.
        let e = relation_errors(&AgencyRelations {
            sector_authority: Some(other),
            ..gov(me, None)
        });
        assert_eq!(
            e.get("sector_authority"),
            Some("error.sector_authority_for_government")
        );
        assert_eq!(e.0.len(), 1);
        // A specific non-government agency with a superior agency.
        let e = relation_errors(&AgencyRelations {
            superior: Some(other),
            ..sng(me, None)
        });
        assert_eq!(
            e.get("superior"),
            Some("error.superior_for_specific_non_government")
        );
        assert_eq!(e.0.len(), 1);
        for key in [
            "error.sector_authority_for_government",
            "error.superior_for_specific_non_government",
        ] {
            let (zh, en) = Text::key(key).both();
            assert_ne!(zh, key, "{key} is in the catalog");
            assert!(!en.is_empty());
        }
        // What fits: either kind's own relation, and a supervising agency for either.
        assert!(relation_errors(&gov(me, Some(other))).is_empty());
        assert!(relation_errors(&sng(me, Some(other))).is_empty());
        for kind in [AgencyKind::Government, AgencyKind::SpecificNonGovernment] {
            let supervised = AgencyRelations {
                kind,
                supervising: Some(other),
                ..gov(me, None)
            };
            assert!(relation_errors(&supervised).is_empty(), "{kind:?}");
        }
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

    #[test]
    fn the_visible_agencies_are_the_own_and_everything_below_all_for_the_competent_authority() {
        let (school, city, ministry, ca, sibling, other) = (id(), id(), id(), id(), id(), id());
        let mut map = HashMap::new();
        map.insert(school, gov(school, Some(city)));
        map.insert(city, gov(city, Some(ministry)));
        map.insert(sibling, gov(sibling, Some(city)));
        map.insert(ministry, gov(ministry, None));
        map.insert(other, sng(other, None));
        map.insert(ca, gov(ca, None));
        let only = |mut v: Vec<AgencyId>| {
            v.sort();
            AgencyScope::Only(v)
        };
        assert_eq!(visible_agencies(school, &map, ca), only(vec![school]));
        assert_eq!(
            visible_agencies(city, &map, ca),
            only(vec![school, city, sibling])
        );
        assert_eq!(
            visible_agencies(ministry, &map, ca),
            only(vec![school, city, sibling, ministry])
        );
        assert_eq!(visible_agencies(other, &map, ca), only(vec![other]));
        assert_eq!(visible_agencies(ca, &map, ca), AgencyScope::Every);
    }
}
