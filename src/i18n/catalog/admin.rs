//! Texts of admin.

pub(super) const ENTRIES: &[(&str, &str, &str)] = &[];
