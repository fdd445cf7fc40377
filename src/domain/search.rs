//! What a search asks for and what it can find. A search looks for the words as they are typed,
//! anywhere in a field (Chinese has no spaces to split words at), without regard to case.

use crate::domain::FieldErrors;
use crate::i18n::Text;

/// The longest search, in characters.
pub const MAX_CHARS: usize = 200;

/// A search term: trimmed, not empty, at most [`MAX_CHARS`] characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm(String);

impl SearchTerm {
    /// `Ok(None)` for an empty or blank search (nothing is looked for); the field's error for
    /// one that is too long or holds control characters.
    pub fn parse(raw: &str, field: &str) -> Result<Option<SearchTerm>, FieldErrors> {
        if raw.chars().any(char::is_control) {
            return Err(FieldErrors::one(field, "search.error.control"));
        }
        let t = raw.trim();
        if t.chars().count() > MAX_CHARS {
            return Err(FieldErrors::one(field, "search.error.too_long"));
        }
        Ok((!t.is_empty()).then(|| SearchTerm(t.to_string())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a search found an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedField {
    Number,
    Title,
    Summary,
    AffectedSystems,
    Indicator,
}

impl MatchedField {
    pub const ALL: [MatchedField; 5] = [
        MatchedField::Number,
        MatchedField::Title,
        MatchedField::Summary,
        MatchedField::AffectedSystems,
        MatchedField::Indicator,
    ];

    /// The name the API answers with.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedField::Number => "number",
            MatchedField::Title => "title",
            MatchedField::Summary => "summary",
            MatchedField::AffectedSystems => "affected_systems",
            MatchedField::Indicator => "indicator",
        }
    }

    pub fn label(self) -> Text {
        Text::key(match self {
            MatchedField::Number => "search.in.number",
            MatchedField::Title => "search.in.title",
            MatchedField::Summary => "search.in.summary",
            MatchedField::AffectedSystems => "search.in.affected_systems",
            MatchedField::Indicator => "search.in.indicator",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_search_looks_for_nothing() {
        assert_eq!(SearchTerm::parse("", "q"), Ok(None));
        assert_eq!(SearchTerm::parse("   ", "q"), Ok(None));
    }

    #[test]
    fn a_search_is_trimmed_and_kept_as_typed() {
        let t = SearchTerm::parse("  100% a_b\\c ", "q").unwrap().unwrap();
        assert_eq!(t.as_str(), "100% a_b\\c");
    }

    #[test]
    fn too_long_or_control_characters_are_refused() {
        let long = "x".repeat(MAX_CHARS + 1);
        assert_eq!(
            SearchTerm::parse(&long, "q").unwrap_err().get("q"),
            Some("search.error.too_long")
        );
        let at_most = "\u{5b57}".repeat(MAX_CHARS);
        assert!(SearchTerm::parse(&at_most, "q").unwrap().is_some());
        for bad in ["a\u{0}b", "a\nb", "\u{7}", "tab\there", "\u{9f}"] {
            assert_eq!(
                SearchTerm::parse(bad, "q").unwrap_err().get("q"),
                Some("search.error.control"),
                "{bad:?}"
            );
        }
    }
}
