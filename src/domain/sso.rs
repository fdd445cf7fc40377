//! Sign-in through an agency's identity provider (OpenID Connect): who may use it, and which
//! claims make a provider's word enough to sign someone in as a portal user.
//!
//! The provider proves who someone is; the portal still decides who they are here. An e-mail is
//! only an identity when the provider says it verified it, since many providers let a person
//! type any address into their profile.

/// Why an SSO sign-in ends without a session: each is told to the person in their own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsoRefusal {
    /// No sign-in was started in this session, it is too old, or the `state` does not match
    /// (a forged or replayed callback).
    NotStarted,
    /// The provider answered with an error (the person cancelled, or it refused them).
    ProviderRefused,
    /// The ID token or the code exchange failed the checks (signature, issuer, audience, nonce,
    /// expiry, PKCE).
    InvalidToken,
    /// The provider gave no e-mail address.
    NoEmail,
    /// The provider has not verified the address.
    EmailUnverified,
    /// No portal user has this address.
    UnknownUser,
    /// The portal user is disabled.
    Disabled,
    /// The user's agency is not among those configured to use SSO.
    AgencyNotAllowed,
}

impl SsoRefusal {
    /// The catalog key of the message shown.
    pub fn message_key(self) -> &'static str {
        match self {
            SsoRefusal::NotStarted => "sso.refused.not_started",
            SsoRefusal::ProviderRefused => "sso.refused.provider",
            SsoRefusal::InvalidToken => "sso.refused.invalid_token",
            SsoRefusal::NoEmail => "sso.refused.no_email",
            SsoRefusal::EmailUnverified => "sso.refused.unverified",
            SsoRefusal::UnknownUser => "sso.refused.unknown",
            SsoRefusal::Disabled => "sso.refused.disabled",
            SsoRefusal::AgencyNotAllowed => "sso.refused.agency",
        }
    }

    /// The HTTP status: 400 for a callback that fits no sign-in of this session, 401 when the
    /// provider's answer does not prove anyone, 403 when it proves someone the portal refuses.
    pub fn status(self) -> u16 {
        match self {
            SsoRefusal::NotStarted => 400,
            SsoRefusal::ProviderRefused | SsoRefusal::InvalidToken => 401,
            SsoRefusal::NoEmail
            | SsoRefusal::EmailUnverified
            | SsoRefusal::UnknownUser
            | SsoRefusal::Disabled
            | SsoRefusal::AgencyNotAllowed => 403,
        }
    }
}

/// The e-mail a provider's claims identify someone by, lowercased (addresses are matched
/// case-insensitively): only one the provider says it verified. A missing `email_verified` is
/// not a yes.
pub fn verified_email(
    email: Option<&str>,
    email_verified: Option<bool>,
) -> Result<String, SsoRefusal> {
    let email = email.map(str::trim).filter(|e| !e.is_empty());
    let Some(email) = email else {
        return Err(SsoRefusal::NoEmail);
    };
    if email_verified != Some(true) {
        return Err(SsoRefusal::EmailUnverified);
    }
    Ok(email.to_lowercase())
}

/// The agencies allowed to sign in by SSO: empty means every agency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SsoAgencies(Vec<String>);

impl SsoAgencies {
    /// From `PORTAL_OIDC_AGENCIES`' entries: agency codes (as stored: upper case, digits and
    /// `-`, 2 to 20 long); blanks are skipped, a malformed code is refused with its text.
    pub fn parse<S: AsRef<str>>(codes: &[S]) -> Result<Self, String> {
        let mut out = Vec::new();
        for raw in codes {
            let code = raw.as_ref().trim().to_uppercase();
            if code.is_empty() {
                continue;
            }
            let well_formed = (2..=20).contains(&code.len())
                && code
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
            if !well_formed {
                return Err(format!("{:?} is not an agency code", raw.as_ref()));
            }
            if !out.contains(&code) {
                out.push(code);
            }
        }
        Ok(SsoAgencies(out))
    }

    pub fn allows(&self, agency_code: &str) -> bool {
        self.0.is_empty() || self.0.iter().any(|c| c.eq_ignore_ascii_case(agency_code))
    }
}

/// The portal user a verified e-mail names, as far as SSO needs to know them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoCandidate<'a> {
    pub agency_code: &'a str,
    pub disabled: bool,
}

/// Whether the user a verified e-mail found may sign in by SSO.
pub fn may_sign_in(
    candidate: Option<&SsoCandidate<'_>>,
    agencies: &SsoAgencies,
) -> Result<(), SsoRefusal> {
    let Some(user) = candidate else {
        return Err(SsoRefusal::UnknownUser);
    };
    if user.disabled {
        return Err(SsoRefusal::Disabled);
    }
    if !agencies.allows(user.agency_code) {
        return Err(SsoRefusal::AgencyNotAllowed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_address_the_provider_verified_identifies_someone() {
        assert_eq!(
            verified_email(Some(" Officer@Agency-A.demo "), Some(true)),
            Ok("officer@agency-a.demo".into())
        );
        assert_eq!(
            verified_email(Some("a@b.example"), Some(false)),
            Err(SsoRefusal::EmailUnverified)
        );
        assert_eq!(
            verified_email(Some("a@b.example"), None),
            Err(SsoRefusal::EmailUnverified),
            "a missing claim is not a yes"
        );
        assert_eq!(verified_email(None, Some(true)), Err(SsoRefusal::NoEmail));
        assert_eq!(
            verified_email(Some("  "), Some(true)),
            Err(SsoRefusal::NoEmail)
        );
    }

    #[test]
    fn an_empty_agency_list_allows_every_agency() {
        let all = SsoAgencies::parse::<&str>(&[]).unwrap();
        assert!(all.allows("AGA") && all.allows("MOHW"));
        let blanks = SsoAgencies::parse(&["", " "]).unwrap();
        assert_eq!(blanks, all);
    }

    #[test]
    fn a_listed_agency_may_and_others_may_not() {
        let some = SsoAgencies::parse(&["AGA", " mohw ", "AGA"]).unwrap();
        assert!(some.allows("AGA"));
        assert!(some.allows("MOHW"));
        assert!(some.allows("aga"));
        assert!(!some.allows("AGB"));
        for bad in ["A", "AG A", "機關", "ABCDEFGHIJKLMNOPQRSTU"] {
            let err = SsoAgencies::parse(&[bad]).unwrap_err();
            assert!(err.contains(bad), "{err}");
        }
    }

    #[test]
    fn unknown_disabled_and_unlisted_users_are_refused() {
        let agencies = SsoAgencies::parse(&["AGA"]).unwrap();
        let ok = SsoCandidate {
            agency_code: "AGA",
            disabled: false,
        };
        assert_eq!(may_sign_in(Some(&ok), &agencies), Ok(()));
        assert_eq!(may_sign_in(None, &agencies), Err(SsoRefusal::UnknownUser));
        let disabled = SsoCandidate {
            disabled: true,
            ..ok.clone()
        };
        assert_eq!(
            may_sign_in(Some(&disabled), &agencies),
            Err(SsoRefusal::Disabled)
        );
        let elsewhere = SsoCandidate {
            agency_code: "AGB",
            disabled: false,
        };
        assert_eq!(
            may_sign_in(Some(&elsewhere), &agencies),
            Err(SsoRefusal::AgencyNotAllowed)
        );
        assert_eq!(
            may_sign_in(Some(&elsewhere), &SsoAgencies::default()),
            Ok(())
        );
    }

    #[test]
    fn every_refusal_has_a_message_and_a_client_error_status() {
        use SsoRefusal::*;
        for r in [
            NotStarted,
            ProviderRefused,
            InvalidToken,
            NoEmail,
            EmailUnverified,
            UnknownUser,
            Disabled,
            AgencyNotAllowed,
        ] {
            assert!(r.message_key().starts_with("sso.refused."));
            assert!((400..500).contains(&r.status()), "{r:?}");
        }
    }
}
