//! Texts of indicators.

pub(super) const ENTRIES: &[(&str, &str, &str)] = &[];
