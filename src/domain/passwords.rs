//! What a password must be (issue #14; the Regulations' 資通系統防護基準 ask for password
//! complexity and against reuse): long enough, not guessable, not the one it replaces. The
//! guessability estimate is zxcvbn's (dictionaries of common passwords, names, keyboard
//! patterns), told the user's own e-mail so that it counts as guessable too.

use zxcvbn::{zxcvbn, Score};

use super::input::FieldErrors;

/// The shortest password accepted: a passphrase, not a word.
pub const MIN_LENGTH: usize = 12;
/// The longest (argon2 would take anything; a bound keeps hashing cheap to ask for).
pub const MAX_LENGTH: usize = 1024;

/// Whether `new` may become the password of the user with e-mail `email`, replacing `current`
/// (empty when it is set by a reset link); the problem under the field `new_password`.
pub fn check_new_password(new: &str, current: &str, email: &str) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    let length = new.chars().count();
    if length < MIN_LENGTH {
        errors.add("new_password", "password.too_short");
    } else if length > MAX_LENGTH {
        errors.add("new_password", "password.too_long");
    } else if new.chars().any(char::is_control) {
        errors.add("new_password", "password.control");
    } else if !current.is_empty() && new == current {
        errors.add("new_password", "password.same");
    } else {
        let local = email.split('@').next().unwrap_or_default();
        let holds_own_name =
            local.chars().count() >= 3 && new.to_lowercase().contains(&local.to_lowercase());
        let estimate = zxcvbn(new, &[email, local]);
        if holds_own_name || estimate.score() < Score::Three {
            errors.add("new_password", "password.guessable");
        }
    }
    errors.check()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(new: &str, current: &str) -> Option<String> {
        check_new_password(new, current, "lin.wang@agency-a.gov.tw")
            .err()
            .map(|e| e.0["new_password"].clone())
    }

    #[test]
    fn short_common_reused_and_personal_passwords_are_refused_and_a_passphrase_is_not() {
        assert_eq!(
            problem("Abc123!", "").as_deref(),
            Some("password.too_short")
        );
        assert_eq!(
            problem("password1234", "").as_deref(),
            Some("password.guessable")
        );
        assert_eq!(
            problem("qwertyuiop123", "").as_deref(),
            Some("password.guessable")
        );
        assert_eq!(
            problem("lin.wang@agency-a", "").as_deref(),
            Some("password.guessable"),
            "the user's own address"
        );
        let good = "綠色山丘上的七隻藍鵲 fly south";
        assert_eq!(problem(good, good).as_deref(), Some("password.same"));
        assert_eq!(problem(good, "old one"), None);
        assert_eq!(problem("tangerine-viaduct-ox-cobalt", ""), None);
        assert_eq!(
            problem("line\none-two-three-four", "").as_deref(),
            Some("password.control")
        );
        assert_eq!(
            problem(&"x".repeat(MAX_LENGTH + 1), "").as_deref(),
            Some("password.too_long")
        );
    }
}
