//! Texts of procedure.

pub(super) const ENTRIES: &[(&str, &str, &str)] = &[];
