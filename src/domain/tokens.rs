//! Tokens for systems (issue #14): a personal access token has a name, what it may be used
//! for, and an end. Reading is harmless to the record; filing starts the legal clocks; acting
//! changes an incident's record: a system gets only what it needs.

use super::input::FieldErrors;

/// What a token may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TokenScope {
    /// Every GET: incidents, reports, search, indicators.
    Read,
    /// Filing a new incident.
    File,
    /// Every other write: stage actions, reviews, evidence, indicators.
    Act,
    /// The TAXII 2.1 collections (`/taxii2/`, domain::taxii) and nothing else: a threat
    /// intelligence platform polling the shared indicators needs no incident's record, so a
    /// feed token is its own scope and `Read` does not include it (#17).
    Share,
}

impl TokenScope {
    pub const ALL: [TokenScope; 4] = [
        TokenScope::Read,
        TokenScope::File,
        TokenScope::Act,
        TokenScope::Share,
    ];

    /// As stored and as forms and JSON name it.
    pub fn name(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::File => "file",
            TokenScope::Act => "act",
            TokenScope::Share => "share",
        }
    }

    pub fn parse(name: &str) -> Option<TokenScope> {
        TokenScope::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            TokenScope::Read => "tokens.scope.read",
            TokenScope::File => "tokens.scope.file",
            TokenScope::Act => "tokens.scope.act",
            TokenScope::Share => "tokens.scope.share",
        }
    }
}

impl TokenScope {
    /// The scope a call needs: reading for what only reads, filing for a new incident, acting
    /// for every other write.
    pub fn needed(reads: bool, files_an_incident: bool) -> TokenScope {
        if reads {
            TokenScope::Read
        } else if files_an_incident {
            TokenScope::File
        } else {
            TokenScope::Act
        }
    }
}

/// The longest a personal access token may run: a year, so that forgotten tokens end.
pub const MAX_TOKEN_DAYS: i64 = 365;

/// A new personal access token's name, scopes and days to run, checked.
pub fn check_new_token(
    name: &str,
    scopes: &[TokenScope],
    days: Option<i64>,
) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        errors.add("name", "tokens.error.name");
    }
    if scopes.is_empty() {
        errors.add("scopes", "tokens.error.scopes");
    }
    if !days.is_some_and(|d| (1..=MAX_TOKEN_DAYS).contains(&d)) {
        errors.add("days", "tokens.error.days");
    }
    errors.check()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_needs_a_name_a_scope_and_at_most_a_year() {
        assert!(check_new_token("SOC 匯入", &[TokenScope::Read], Some(90)).is_ok());
        let e = check_new_token(" ", &[], Some(0)).unwrap_err();
        assert_eq!(e.0.len(), 3, "{e:?}");
        assert!(check_new_token("x", &[TokenScope::Act], Some(MAX_TOKEN_DAYS + 1)).is_err());
        assert!(check_new_token("x\u{7}", &[TokenScope::Act], Some(1)).is_err());
        assert!(check_new_token("x", &[TokenScope::Act], None).is_err());
        for s in TokenScope::ALL {
            assert_eq!(TokenScope::parse(s.name()), Some(s));
        }
        assert_eq!(TokenScope::parse("admin"), None);
        assert_eq!(TokenScope::needed(true, true), TokenScope::Read);
        assert_eq!(TokenScope::needed(false, true), TokenScope::File);
        assert_eq!(TokenScope::needed(false, false), TokenScope::Act);
    }
}
