//! Texts of reports.

pub(super) const ENTRIES: &[(&str, &str, &str)] = &[];
