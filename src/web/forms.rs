//! What every form page needs: ids from the path, times as typed, what was typed kept for the
//! form that comes back with errors, and the options of a choice.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::{self, FieldErrors, StageAction, StageActionKind};
use crate::error::AppError;

/// An id in a path: anything that is not one names nothing (404, as for an unknown id).
pub fn parse_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound)
}

/// RFC 3339 (the API), or a `datetime-local` value, which is Taipei wall-clock time (the forms).
pub fn parse_local_time(raw: &str) -> Option<DateTime<Utc>> {
    domain::input::parse_time(raw)
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

/// A form's fields as the JSON object the typed requests read: one value per field, an array
/// for a field sent more than once (checkbox groups, one select per row). The CSRF token is
/// the extractor's, not the request's.
pub fn form_fields(pairs: &[(String, String)]) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (k, v) in pairs.iter().filter(|(k, _)| k != "csrf") {
        let value = serde_json::Value::String(v.clone());
        match map.get_mut(k) {
            None => {
                map.insert(k.clone(), value);
            }
            Some(serde_json::Value::Array(items)) => items.push(value),
            Some(first) => {
                let first = first.take();
                map.insert(k.clone(), serde_json::Value::Array(vec![first, value]));
            }
        }
    }
    serde_json::Value::Object(map)
}

/// The stage action `kind` from the fields of a form or a JSON body, or what is wrong with
/// them, field by field (in the catalog's words where the field type says which).
pub fn stage_action(
    kind: StageActionKind,
    fields: serde_json::Value,
) -> Result<StageAction, FieldErrors> {
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(fields, &mut track);
    StageAction::from_payload(kind, de).map_err(|e| {
        let path = track.path().to_string();
        field_error(&path, &e.to_string())
    })
}

/// One field error from a deserialisation failure at `path` with `message`: our field types
/// fail with a catalog key; serde's own messages name a missing field or a wrong type.
fn field_error(path: &str, message: &str) -> FieldErrors {
    if message.starts_with("error.") && !message.contains(' ') {
        return FieldErrors::one(field_of(path), message);
    }
    if let Some(missing) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next())
    {
        return FieldErrors::one(missing, "error.required");
    }
    let key = if message.starts_with("unknown variant") {
        "error.choice_invalid"
    } else {
        "error.value_invalid"
    };
    FieldErrors::one(field_of(path), key)
}

/// `downtime[1]` → `downtime`; the whole body (`.`) → `body`.
fn field_of(path: &str) -> &str {
    let name = path.split(['[', '.']).next().unwrap_or("");
    if name.is_empty() {
        "body"
    } else {
        name
    }
}
