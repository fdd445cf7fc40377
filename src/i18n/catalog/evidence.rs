//! Texts of evidence.

pub(super) const ENTRIES: &[(&str, &str, &str)] = &[];
