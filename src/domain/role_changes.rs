//! Who may change whose roles (issue #14): a grant an agency administrator asks for takes
//! effect only when a second person confirms it — another administrator of the agency or its
//! CISO (資安長, who answers for the agency's security) — and nobody confirms a grant they asked
//! for or receive. Removing roles takes privilege away, so it applies at once (and is recorded).

use super::roles::{Actor, Denied, Role};
use super::AgencyId;

/// What a change from `current` to `wanted` grants and removes.
pub fn split(current: &[Role], wanted: &[Role]) -> (Vec<Role>, Vec<Role>) {
    let granted = wanted
        .iter()
        .filter(|r| !current.contains(r))
        .copied()
        .collect();
    let removed = current
        .iter()
        .filter(|r| !wanted.contains(r))
        .copied()
        .collect();
    (granted, removed)
}

/// Whether `actor` may confirm (or turn down) a grant in `agency`; `asked_it` and
/// `receives_it` say whether the actor is the one who asked for it or the one who gets it.
pub fn may_decide_grant(
    actor: &Actor,
    agency: AgencyId,
    asked_it: bool,
    receives_it: bool,
) -> Result<(), Denied> {
    if actor.agency != agency {
        return Err(Denied::NotVisible);
    }
    let second_person =
        actor.roles.contains(&Role::AgencyAdmin) || actor.roles.contains(&Role::Ciso);
    if !second_person || asked_it || receives_it {
        return Err(Denied::NotPermitted);
    }
    Ok(())
}

/// Whether `actor` sees the agency's grants waiting for confirmation.
pub fn may_see_pending(actor: &Actor, agency: AgencyId) -> Result<(), Denied> {
    may_decide_grant(actor, agency, false, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn person(roles: &[Role]) -> Actor {
        Actor {
            agency: AgencyId(Uuid::from_u128(1)),
            roles: roles.to_vec(),
            ..Actor::default()
        }
    }

    #[test]
    fn a_grant_needs_a_second_admin_or_the_ciso_and_never_the_asker_or_the_receiver() {
        let agency = AgencyId(Uuid::from_u128(1));
        let admin = person(&[Role::AgencyAdmin]);
        let ciso = person(&[Role::Ciso]);
        let officer = person(&[Role::SecurityOfficer]);
        assert_eq!(may_decide_grant(&admin, agency, false, false), Ok(()));
        assert_eq!(may_decide_grant(&ciso, agency, false, false), Ok(()));
        assert_eq!(
            may_decide_grant(&admin, agency, true, false),
            Err(Denied::NotPermitted),
            "not one's own request"
        );
        assert_eq!(
            may_decide_grant(&ciso, agency, false, true),
            Err(Denied::NotPermitted),
            "not a grant to oneself"
        );
        assert_eq!(
            may_decide_grant(&officer, agency, false, false),
            Err(Denied::NotPermitted)
        );
        let elsewhere = AgencyId(Uuid::from_u128(2));
        assert_eq!(
            may_decide_grant(&admin, elsewhere, false, false),
            Err(Denied::NotVisible)
        );
    }

    #[test]
    fn a_change_splits_into_what_it_grants_and_what_it_removes() {
        use Role::*;
        let (granted, removed) =
            split(&[SecurityOfficer, Logistics], &[SecurityOfficer, Commander]);
        assert_eq!(granted, [Commander]);
        assert_eq!(removed, [Logistics]);
        assert_eq!(split(&[Ciso], &[Ciso]), (vec![], vec![]));
    }
}
