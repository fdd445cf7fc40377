//! Texts of team.

pub(super) const ENTRIES: &[(&str, &str, &str)] = &[];
