//! Multi-factor sign-in: who must give a second factor, the TOTP codes (RFC 6238) that are that
//! factor, and the single-use recovery codes for a lost authenticator.
//!
//! Policy: reviewers, commanders, CISOs and agency administrators hold the powers whose misuse
//! costs most (deciding on other agencies' reports, commanding a response, confirming role
//! grants), so they must use MFA; an agency may require it of everyone in it. Others may enrol.

use rand::Rng;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

use super::Role;

/// Six digits, thirty seconds, SHA-1: what every authenticator app reads from a QR code without
/// extra parameters (RFC 6238's defaults), so enrolment works with any of them.
pub const DIGITS: usize = 6;
pub const STEP_SECONDS: u64 = 30;
/// One step either side: a phone clock a little off, or a code typed as it changed, still works.
pub const SKEW_STEPS: u8 = 1;
/// Bytes of a new TOTP secret: 160 bits, RFC 4226's recommendation.
pub const SECRET_BYTES: usize = 20;
/// How long a password that was right waits for its second factor before it must be typed again.
pub const PENDING_SIGN_IN_MINUTES: i64 = 5;
/// The name an authenticator app shows above the account.
pub const ISSUER: &str = "Incident Portal";

/// Recovery codes given at once (each works once).
pub const RECOVERY_CODE_COUNT: usize = 10;
/// Characters of a recovery code. 16 characters of a 31-letter alphabet is about 79 bits: too
/// many to guess even offline against a fast hash, which is why one SHA-256 suffices to store it.
pub const RECOVERY_CODE_LENGTH: usize = 16;
/// Digits and capitals without those read alike (0/O, 1/I/L): codes are copied by hand.
pub const RECOVERY_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Whether holding `role` alone makes MFA required.
pub fn role_requires_mfa(role: Role) -> bool {
    matches!(
        role,
        Role::Reviewer | Role::Commander | Role::Ciso | Role::AgencyAdmin
    )
}

/// What the policy asks of one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// Required by one of the user's roles.
    RequiredByRole,
    /// Required because the user's agency asks it of everyone.
    RequiredByAgency,
    Optional,
}

impl Requirement {
    pub fn required(self) -> bool {
        self != Requirement::Optional
    }
}

/// The policy for a user with `roles` in an agency whose option "MFA for everyone" is
/// `agency_requires_all`. A role's requirement is named first: it holds whatever the agency says.
pub fn requirement(roles: &[Role], agency_requires_all: bool) -> Requirement {
    if roles.iter().any(|r| role_requires_mfa(*r)) {
        Requirement::RequiredByRole
    } else if agency_requires_all {
        Requirement::RequiredByAgency
    } else {
        Requirement::Optional
    }
}

/// What a right password leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterPassword {
    /// Signed in.
    SignedIn,
    /// Enrolled: not signed in until a code (or a recovery code) is given.
    CodeNeeded,
    /// Required but not enrolled, while enforcement is on: signed in, but only to enrol (pages),
    /// or refused (the API, which cannot enrol).
    EnrolmentNeeded,
}

/// The step after a right password. Whoever has enrolled always gives a code, enforced or not:
/// enrolling is a promise that the password alone no longer signs in as them.
pub fn after_password(requirement: Requirement, enrolled: bool, enforced: bool) -> AfterPassword {
    if enrolled {
        AfterPassword::CodeNeeded
    } else if requirement.required() && enforced {
        AfterPassword::EnrolmentNeeded
    } else {
        AfterPassword::SignedIn
    }
}

/// Whether the user may turn MFA off: only where the policy does not require it (or is not
/// enforced on this installation).
pub fn may_turn_off(requirement: Requirement, enforced: bool) -> bool {
    !requirement.required() || !enforced
}

/// The time step of a Unix time.
pub fn step_of(unix_seconds: u64) -> i64 {
    i64::try_from(unix_seconds / STEP_SECONDS).unwrap_or(i64::MAX)
}

/// A new random TOTP secret.
pub fn new_secret(rng: &mut impl Rng) -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rng.fill(&mut secret[..]);
    secret
}

/// The TOTP generator of `secret` with the portal's parameters, labelled for `account` (the
/// e-mail) in authenticator apps. `None` for a secret too short for RFC 4226.
pub fn generator(secret: &[u8], account: &str) -> Option<TOTP> {
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        SKEW_STEPS,
        STEP_SECONDS,
        secret.to_vec(),
        Some(ISSUER.into()),
        // A colon would split the label in two: the e-mail never has one, but be sure.
        account.replace(':', " "),
    )
    .ok()
}

/// The outcome of a TOTP code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right, for this time step (store it as the last used).
    Accepted {
        step: i64,
    },
    /// Right, but of a step already used (or older): a code seen once, maybe by someone else.
    Replayed,
    Wrong,
}

/// The digits of a typed code without spaces, if it is six digits.
pub fn totp_digits(typed: &str) -> Option<String> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// Checks `typed` against `secret` at `now_unix` (± one step). Only a step later than
/// `last_used_step` is accepted (RFC 6238 §5.2): a code once used cannot be used again, nor can
/// an earlier one after it.
pub fn check_code(
    secret: &[u8],
    typed: &str,
    now_unix: u64,
    last_used_step: Option<i64>,
) -> CodeCheck {
    let (Some(totp), Some(digits)) = (generator(secret, ""), totp_digits(typed)) else {
        return CodeCheck::Wrong;
    };
    let now = step_of(now_unix);
    let skew = i64::from(SKEW_STEPS);
    let mut replayed = false;
    // Latest step first: were two steps to give the same code, the newer is the one recorded.
    for step in (now - skew..=now + skew).rev() {
        let Ok(at) = u64::try_from(step) else {
            continue;
        };
        let code = totp.generate(at * STEP_SECONDS);
        if bool::from(code.as_bytes().ct_eq(digits.as_bytes())) {
            if last_used_step.is_some_and(|last| step <= last) {
                replayed = true;
            } else {
                return CodeCheck::Accepted { step };
            }
        }
    }
    if replayed {
        CodeCheck::Replayed
    } else {
        CodeCheck::Wrong
    }
}

/// A new set of recovery codes (without separators; `display_recovery_code` groups them).
pub fn new_recovery_codes(rng: &mut impl Rng) -> Vec<String> {
    (0..RECOVERY_CODE_COUNT)
        .map(|_| {
            (0..RECOVERY_CODE_LENGTH)
                .map(|_| char::from(RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())]))
                .collect()
        })
        .collect()
}

/// A recovery code in groups of four, as shown once to its owner.
pub fn display_recovery_code(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// A typed recovery code as stored (capitals, no dashes or spaces), if it can be one.
pub fn normalise_recovery_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == RECOVERY_CODE_LENGTH && code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)))
        .then_some(code)
}

/// What a second-factor field holds: a TOTP code, a recovery code, or neither.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactor {
    Totp(String),
    Recovery(String),
    Unreadable,
}

pub fn read_second_factor(typed: &str) -> SecondFactor {
    if let Some(d) = totp_digits(typed) {
        SecondFactor::Totp(d)
    } else if let Some(c) = normalise_recovery_code(typed) {
        SecondFactor::Recovery(c)
    } else {
        SecondFactor::Unreadable
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    const SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn the_four_powerful_roles_require_mfa_and_no_other() {
        for role in Role::ALL {
            let expected = matches!(
                role,
                Role::Reviewer | Role::Commander | Role::Ciso | Role::AgencyAdmin
            );
            assert_eq!(role_requires_mfa(role), expected, "{role:?}");
            assert_eq!(
                requirement(&[role], false).required(),
                expected,
                "{role:?} alone"
            );
            assert!(
                requirement(&[role], true).required(),
                "{role:?} in an agency requiring it of all"
            );
        }
    }

    #[test]
    fn the_requirement_names_the_role_before_the_agency() {
        use Requirement::*;
        assert_eq!(requirement(&[], false), Optional);
        assert_eq!(requirement(&[], true), RequiredByAgency);
        assert_eq!(
            requirement(&[Role::SecurityOfficer], true),
            RequiredByAgency
        );
        assert_eq!(
            requirement(&[Role::SecurityOfficer, Role::Commander], false),
            RequiredByRole
        );
        assert_eq!(requirement(&[Role::Ciso], true), RequiredByRole);
    }

    #[test]
    fn after_the_password_every_combination() {
        use AfterPassword::*;
        use Requirement::*;
        for req in [RequiredByRole, RequiredByAgency, Optional] {
            for enforced in [true, false] {
                assert_eq!(after_password(req, true, enforced), CodeNeeded, "enrolled");
                let expected = if req.required() && enforced {
                    EnrolmentNeeded
                } else {
                    SignedIn
                };
                assert_eq!(after_password(req, false, enforced), expected);
            }
        }
    }

    #[test]
    fn turning_off_only_where_not_required() {
        use Requirement::*;
        assert!(may_turn_off(Optional, true));
        assert!(!may_turn_off(RequiredByRole, true));
        assert!(!may_turn_off(RequiredByAgency, true));
        assert!(may_turn_off(RequiredByRole, false));
    }

    /// RFC 6238 appendix B's SHA-1 vectors, cut to six digits.
    #[test]
    fn codes_follow_rfc_6238() {
        let totp = generator(SECRET, "a@b").unwrap();
        assert_eq!(totp.generate(59), "287082");
        assert_eq!(totp.generate(1_111_111_109), "081804");
        assert_eq!(totp.generate(1_234_567_890), "005924");
        assert_eq!(totp.generate(2_000_000_000), "279037");
        let url = totp.get_url();
        assert!(
            url.starts_with("otpauth://totp/Incident%20Portal:a%40b?secret="),
            "{url}"
        );
        assert!(generator(b"short", "a@b").is_none(), "under 128 bits");
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_not_further() {
        let now = 1_234_567_890;
        let totp = generator(SECRET, "").unwrap();
        let step = step_of(now);
        for (offset, ok) in [
            (-60i64, false),
            (-30, true),
            (0, true),
            (30, true),
            (60, false),
        ] {
            let at = u64::try_from(i64::try_from(now).unwrap() + offset).unwrap();
            let code = totp.generate(at);
            let got = check_code(SECRET, &code, now, None);
            if ok {
                assert_eq!(
                    got,
                    CodeCheck::Accepted {
                        step: step + offset / 30
                    },
                    "{offset}"
                );
            } else {
                assert_eq!(got, CodeCheck::Wrong, "{offset}");
            }
        }
    }

    #[test]
    fn a_used_step_or_an_earlier_one_is_a_replay() {
        let now = 1_234_567_890;
        let totp = generator(SECRET, "").unwrap();
        let code = totp.generate(now);
        let step = step_of(now);
        assert_eq!(
            check_code(SECRET, &code, now, Some(step)),
            CodeCheck::Replayed
        );
        assert_eq!(
            check_code(SECRET, &code, now, Some(step + 1)),
            CodeCheck::Replayed
        );
        assert_eq!(
            check_code(SECRET, &code, now, Some(step - 1)),
            CodeCheck::Accepted { step }
        );
        // The next step's code is still good after this one was used.
        let next = totp.generate(now + 30);
        assert_eq!(
            check_code(SECRET, &next, now, Some(step)),
            CodeCheck::Accepted { step: step + 1 }
        );
    }

    #[test]
    fn malformed_codes_are_wrong_and_spaces_are_forgiven() {
        let now = 1_234_567_890;
        let code = generator(SECRET, "").unwrap().generate(now);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(matches!(
            check_code(SECRET, &spaced, now, None),
            CodeCheck::Accepted { .. }
        ));
        for bad in ["", "12345", "1234567", "abcdef", "００５９２４"] {
            assert_eq!(
                check_code(SECRET, bad, now, None),
                CodeCheck::Wrong,
                "{bad}"
            );
        }
        assert_eq!(check_code(b"short", &code, now, None), CodeCheck::Wrong);
    }

    #[test]
    fn recovery_codes_are_ten_distinct_codes_of_the_unambiguous_alphabet() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let codes = new_recovery_codes(&mut rng);
        assert_eq!(codes.len(), RECOVERY_CODE_COUNT);
        let distinct: std::collections::BTreeSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), codes.len());
        for c in &codes {
            assert_eq!(c.len(), RECOVERY_CODE_LENGTH);
            assert!(c.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)), "{c}");
            let shown = display_recovery_code(c);
            assert_eq!(shown.len(), RECOVERY_CODE_LENGTH + 3);
            assert_eq!(normalise_recovery_code(&shown).as_deref(), Some(c.as_str()));
            assert_eq!(
                normalise_recovery_code(&shown.to_lowercase()).as_deref(),
                Some(c.as_str())
            );
        }
        for ambiguous in b"01ILO" {
            assert!(!RECOVERY_ALPHABET.contains(ambiguous));
        }
        assert_eq!(normalise_recovery_code("ABCD-EFGH"), None, "too short");
        assert_eq!(normalise_recovery_code("0000-0000-0000-0000"), None);
    }

    #[test]
    fn a_second_factor_field_tells_codes_apart() {
        assert_eq!(
            read_second_factor(" 123 456 "),
            SecondFactor::Totp("123456".into())
        );
        assert_eq!(
            read_second_factor("abcd-efgh-jkmn-pqrs"),
            SecondFactor::Recovery("ABCDEFGHJKMNPQRS".into())
        );
        assert_eq!(read_second_factor("hello"), SecondFactor::Unreadable);
        assert_eq!(read_second_factor(""), SecondFactor::Unreadable);
    }

    #[test]
    fn new_secrets_are_long_enough_and_random() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let a = new_secret(&mut rng);
        let b = new_secret(&mut rng);
        assert_eq!(a.len(), SECRET_BYTES);
        assert_ne!(a, b);
        assert!(generator(&a, "x@y").is_some());
    }
}
