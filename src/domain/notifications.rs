//! Who is told what (SPEC 1, 3, 5): the events of an incident that someone must hear about,
//! and which role in which agency hears it.

use super::agency::AgencyId;
use super::level::IncidentLevel;
use super::roles::Role;

/// Something that happened to an incident that people outside the actor must know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A subordinate filed: the notified agency reviews it (and the competent authority follows
    /// level 3/4 directly).
    Filed { level: IncidentLevel },
    /// The notified agency or the competent authority changed the level.
    LevelChanged {
        from: IncidentLevel,
        to: IncidentLevel,
    },
    /// The executive secretary submitted root cause and strategy for decision.
    SubmittedToCommander,
    /// The commander approved, or returned with comments.
    CommanderDecided { approved: bool },
    /// A supervising agency commented or asked for information.
    SupervisorComment,
    /// The investigation, handling and improvement report was submitted.
    ReportSubmitted { level: IncidentLevel },
}

/// Where a notification goes: every user holding `role` in `agency`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Recipient {
    pub agency: AgencyId,
    pub role: Role,
}

/// The recipients of `event` on an incident of `agency`, whose escalation target is `target`
/// (None for the competent authority itself), `ca` being the competent authority.
pub fn recipients(
    event: Event,
    agency: AgencyId,
    target: Option<AgencyId>,
    ca: AgencyId,
) -> Vec<Recipient> {
    let to = |agency, role| Recipient { agency, role };
    let mut out = Vec::new();
    let reviewers_above = |out: &mut Vec<Recipient>, major: bool| {
        if let Some(t) = target {
            out.push(to(t, Role::Reviewer));
        }
        // Level 3/4 incidents concern the competent authority whoever the notified agency is.
        if major && target != Some(ca) && agency != ca {
            out.push(to(ca, Role::Reviewer));
        }
    };
    match event {
        Event::Filed { level } => reviewers_above(&mut out, level.is_major()),
        Event::LevelChanged { from, to: new } => {
            out.push(to(agency, Role::SecurityOfficer));
            out.push(to(agency, Role::Commander));
            // Rising into level 3/4 brings the competent authority in.
            if new.is_major() && !from.is_major() && agency != ca && target != Some(ca) {
                out.push(to(ca, Role::Reviewer));
            }
        }
        Event::SubmittedToCommander => out.push(to(agency, Role::Commander)),
        Event::CommanderDecided { .. } => {
            out.push(to(agency, Role::ExecutiveSecretary));
            out.push(to(agency, Role::Logistics));
        }
        Event::SupervisorComment => {
            out.push(to(agency, Role::SecurityOfficer));
            out.push(to(agency, Role::Commander));
        }
        Event::ReportSubmitted { level } => reviewers_above(&mut out, level.is_major()),
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use IncidentLevel::*;

    fn ids() -> (AgencyId, AgencyId, AgencyId) {
        (AgencyId::new_v4(), AgencyId::new_v4(), AgencyId::new_v4())
    }

    #[test]
    fn a_filing_goes_to_the_reviewers_of_the_notified_agency_only_below_level_3() {
        let (a, ministry, ca) = ids();
        assert_eq!(
            recipients(Event::Filed { level: L2 }, a, Some(ministry), ca),
            vec![Recipient {
                agency: ministry,
                role: Role::Reviewer
            }]
        );
    }

    #[test]
    fn a_level_3_or_4_filing_also_goes_to_the_competent_authority() {
        let (a, ministry, ca) = ids();
        let r = recipients(Event::Filed { level: L3 }, a, Some(ministry), ca);
        assert!(r.contains(&Recipient {
            agency: ministry,
            role: Role::Reviewer
        }));
        assert!(r.contains(&Recipient {
            agency: ca,
            role: Role::Reviewer
        }));
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn an_agency_without_a_superior_notifies_the_competent_authority_once() {
        let (a, _, ca) = ids();
        assert_eq!(
            recipients(Event::Filed { level: L4 }, a, Some(ca), ca),
            vec![Recipient {
                agency: ca,
                role: Role::Reviewer
            }]
        );
    }

    #[test]
    fn nobody_outside_the_incident_and_its_chain_is_ever_a_recipient() {
        let (a, ministry, ca) = ids();
        let events = [
            Event::Filed { level: L4 },
            Event::LevelChanged { from: L2, to: L3 },
            Event::SubmittedToCommander,
            Event::CommanderDecided { approved: false },
            Event::SupervisorComment,
            Event::ReportSubmitted { level: L3 },
        ];
        for e in events {
            for r in recipients(e, a, Some(ministry), ca) {
                assert!([a, ministry, ca].contains(&r.agency), "{e:?}");
            }
        }
    }

    #[test]
    fn internal_steps_stay_inside_the_agency() {
        let (a, ministry, ca) = ids();
        assert_eq!(
            recipients(Event::SubmittedToCommander, a, Some(ministry), ca),
            vec![Recipient {
                agency: a,
                role: Role::Commander
            }]
        );
        let decided = recipients(
            Event::CommanderDecided { approved: false },
            a,
            Some(ministry),
            ca,
        );
        assert!(decided.iter().all(|r| r.agency == a));
        assert!(decided.iter().any(|r| r.role == Role::ExecutiveSecretary));
    }

    #[test]
    fn a_rise_into_level_3_tells_the_agency_and_the_competent_authority() {
        let (a, ministry, ca) = ids();
        let r = recipients(
            Event::LevelChanged { from: L2, to: L3 },
            a,
            Some(ministry),
            ca,
        );
        assert!(r.contains(&Recipient {
            agency: a,
            role: Role::SecurityOfficer
        }));
        assert!(r.contains(&Recipient {
            agency: ca,
            role: Role::Reviewer
        }));
        let r = recipients(
            Event::LevelChanged { from: L3, to: L2 },
            a,
            Some(ministry),
            ca,
        );
        assert!(!r.iter().any(|x| x.agency == ca));
    }
}
