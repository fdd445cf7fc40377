//! The one text catalog: every user-visible string in Traditional Chinese and English, as
//! `(key, 中文, English)`. It is kept in one file per area so that a feature's texts sit
//! together; [`lookup`] sees them as one table, indexed once, never scanned.
//!
//! Placeholders are written `{name}` and filled by [`super::Text::with`].

use std::collections::HashMap;
use std::sync::LazyLock;

mod account;
mod admin;
mod audit;
mod evidence;
mod indicators;
mod mfa;
mod notifications;
mod pages;
mod procedure;
mod reports;
mod retention;
mod role_changes;
mod search;
mod team;
mod timeline;
mod tokens;
mod webhooks;

/// Every area's entries, in one list (for the index and the catalog's own tests).
pub fn all() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    [
        pages::ENTRIES,
        procedure::ENTRIES,
        team::ENTRIES,
        evidence::ENTRIES,
        indicators::ENTRIES,
        notifications::ENTRIES,
        reports::ENTRIES,
        admin::ENTRIES,
        timeline::ENTRIES,
        search::ENTRIES,
        account::ENTRIES,
        mfa::ENTRIES,
        tokens::ENTRIES,
        role_changes::ENTRIES,
        audit::ENTRIES,
        retention::ENTRIES,
        webhooks::ENTRIES,
    ]
    .into_iter()
    .flatten()
}

static INDEX: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| all().map(|(k, zh, en)| (*k, (*zh, *en))).collect());

/// The (中文, English) texts of `key`, if the catalog has it.
pub fn lookup(key: &str) -> Option<(&'static str, &'static str)> {
    INDEX.get(key).copied()
}

/// The catalog's own `'static` copy of `key`, for keys built at run time (`timeline.<kind>`).
pub fn static_key(key: &str) -> Option<&'static str> {
    INDEX.get_key_value(key).map(|(k, _)| *k)
}
