//! What every form page needs: ids from the path, times as typed, what was typed kept for the
//! form that comes back with errors, and the options of a choice.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use uuid::Uuid;

use crate::domain;
use crate::error::AppError;

/// An id in a path: anything that is not one names nothing (404, as for an unknown id).
pub fn parse_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound)
}

/// RFC 3339 (the API), or a `datetime-local` value, which is Taipei wall-clock time (the forms).
pub fn parse_local_time(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    domain::TAIPEI
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// What a form's user typed, to put back into the form when it comes back with errors.
#[derive(Default)]
pub struct Typed(pub(crate) HashMap<String, String>);

impl Typed {
    pub fn v(&self, key: &str) -> &str {
        self.0.get(key).map_or("", String::as_str)
    }
    pub fn on(&self, key: &str) -> bool {
        !self.v(key).is_empty()
    }
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.0.insert(key.to_string(), value.into());
    }
    pub(crate) fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut map = HashMap::new();
        for (k, v) in pairs {
            if k != "csrf" && k != "password" {
                map.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        Typed(map)
    }
}

/// One option of a select or radio group.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}
