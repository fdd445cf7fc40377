//! Texts of notifications.

pub(super) const ENTRIES: &[(&str, &str, &str)] = &[];
