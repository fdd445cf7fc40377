//! What every form page needs: ids from the path, times as typed, what was typed kept for the
//! form that comes back with errors, and the options of a choice.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::{
    self, AssetClass, FieldErrors, Impact, ImpactKind, StageAction, StageActionKind,
};
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
// ---- preparedness, evidence, incident team and indicators: helpers their pages share -------

use crate::domain::team::{Position, RosterMember};
use crate::i18n::{Lang, Text};
use crate::services::Acting;
use crate::web::extract::{CsrfForm, SignedIn};

/// The signed-in user, as the services take them.
pub fn acting(me: &SignedIn) -> Acting<'_> {
    Acting {
        user: &me.user,
        agency: &me.agency,
    }
}

/// What a form's refusal says, one line per problem, in the page's language.
pub fn messages(t: Lang, e: &AppError) -> Vec<String> {
    match e {
        AppError::Rejected(items) => items.iter().map(|(_, text)| t.text(text)).collect(),
        AppError::Conflict(key) => vec![t.tr(key).to_string()],
        AppError::OutOfOrder(items) => items.iter().map(|text| t.text(text)).collect(),
        _ => vec![],
    }
}

/// One row of a roster form (the agency's team or an incident's), as typed.
#[derive(Clone, Default)]
pub struct MemberRow {
    pub position: String,
    pub name: String,
    pub user_id: String,
    pub organisation: String,
    pub phone: String,
    pub email: String,
    pub after_hours: String,
    pub deputy: bool,
}

impl MemberRow {
    pub fn of(m: &RosterMember) -> Self {
        MemberRow {
            position: m.position.as_str().into(),
            name: m.name.clone(),
            user_id: m.user_id.map(|u| u.to_string()).unwrap_or_default(),
            organisation: m.organisation.clone().unwrap_or_default(),
            phone: m.phone.clone(),
            email: m.email.clone(),
            after_hours: m.after_hours.clone(),
            deputy: m.deputy,
        }
    }
    fn is_blank(&self) -> bool {
        [
            &self.name,
            &self.organisation,
            &self.phone,
            &self.email,
            &self.after_hours,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
            && self.user_id.trim().is_empty()
    }
}

/// The repeated fields of a roster form, row by row (blank rows dropped).
pub fn member_rows<T>(form: &CsrfForm<T>) -> Vec<MemberRow> {
    let col = |name: &str| form.all(name).map(str::to_string).collect::<Vec<_>>();
    let (pos, names, users, orgs, phones, emails, after, deputy) = (
        col("position"),
        col("name"),
        col("user_id"),
        col("organisation"),
        col("phone"),
        col("email"),
        col("after_hours"),
        col("deputy"),
    );
    let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    (0..pos.len().max(names.len()))
        .map(|i| MemberRow {
            position: at(&pos, i),
            name: at(&names, i),
            user_id: at(&users, i),
            organisation: at(&orgs, i),
            phone: at(&phones, i),
            email: at(&emails, i),
            after_hours: at(&after, i),
            deputy: at(&deputy, i) == "yes",
        })
        .filter(|r| !r.is_blank())
        .collect()
}

/// Rows to roster members; a row naming no known position or a malformed user id is refused.
pub fn members_of(rows: &[MemberRow]) -> Result<Vec<RosterMember>, AppError> {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let Some(position) = Position::parse(r.position.trim()) else {
            problems.push((
                format!("member_{i}"),
                Text::key("team.error.position_missing"),
            ));
            continue;
        };
        let user_id = match r.user_id.trim() {
            "" => None,
            s => match Uuid::parse_str(s) {
                Ok(u) => Some(u),
                Err(_) => {
                    problems.push((format!("member_{i}"), Text::key("team.error.user_unknown")));
                    continue;
                }
            },
        };
        let org = r.organisation.trim();
        out.push(RosterMember {
            position,
            name: r.name.trim().to_string(),
            user_id,
            organisation: (!org.is_empty()).then(|| org.to_string()),
            phone: r.phone.trim().to_string(),
            email: r.email.trim().to_string(),
            after_hours: r.after_hours.trim().to_string(),
            deputy: r.deputy,
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(AppError::Rejected(problems))
    }
}

/// The positions (表一) a roster row may hold, in the page's language.
pub fn position_options(t: Lang) -> Vec<Choice> {
    Position::ALL
        .iter()
        .map(|p| Choice {
            value: p.as_str().to_string(),
            label: t.text(&p.label()),
            checked: false,
        })
        .collect()
}

// ---- the impact matrix (filing, follow-up reports) ---------------------------------------

/// One cell of the impact matrix.
pub struct ImpactCell {
    pub name: String,
    pub value: String,
    pub possible: bool,
}

/// One row (an impact kind) of the matrix.
pub struct ImpactRow {
    pub label: String,
    /// The two severities in the kind's own words (a disruption is restored within the
    /// tolerable downtime or not; a leak or tampering is minor or severe).
    pub minor: String,
    pub severe: String,
    pub cells: Vec<ImpactCell>,
}

/// The form field of one cell.
pub fn impact_field(kind: ImpactKind, asset: AssetClass) -> String {
    let k = match kind {
        ImpactKind::Leak => "leak",
        ImpactKind::Tamper => "tamper",
        ImpactKind::Disruption => "disruption",
    };
    let a = match asset {
        AssetClass::NonCore => "non_core",
        AssetClass::Core => "core",
        AssetClass::Sensitive => "sensitive",
        AssetClass::NationalSecret => "national_secret",
    };
    format!("impact_{k}_{a}")
}

/// The matrix's rows, with what was typed.
pub fn impact_rows(t: Lang, typed: &Typed) -> Vec<ImpactRow> {
    ImpactKind::ALL
        .iter()
        .map(|k| ImpactRow {
            label: t.text(&k.label()),
            minor: t.get(k.severity_choice_key(false)).to_string(),
            severe: t.get(k.severity_choice_key(true)).to_string(),
            cells: AssetClass::ALL
                .iter()
                .map(|a| ImpactCell {
                    name: impact_field(*k, *a),
                    value: typed.v(&impact_field(*k, *a)).to_string(),
                    possible: a.label_for(*k).is_some(),
                })
                .collect(),
        })
        .collect()
}

/// The impact matrix: each cell is "", "minor" or "severe"; `None` for any other value.
pub fn impacts_from(typed: &Typed) -> Option<Vec<Impact>> {
    let mut out = Vec::new();
    for kind in ImpactKind::ALL {
        for asset in AssetClass::ALL {
            let severe = match typed.v(&impact_field(kind, asset)) {
                "" => continue,
                "minor" => false,
                "severe" => true,
                _ => return None,
            };
            out.push(Impact {
                kind,
                asset,
                severe,
            });
        }
    }
    Some(out)
}

/// Whether the form posted the part `kind` it carries besides its own action
/// (`next::carried_with`): completing the stage by its box, the others by their main field,
/// so that a part left empty is left for later.
pub fn carried_posted(kind: StageActionKind, typed: &Typed) -> bool {
    use StageActionKind as K;
    let field = match kind {
        K::CompleteStage => "complete_stage",
        K::EscalationNotice => "told",
        K::ControlEffectReport => "done",
        K::RelayReview => "basis",
        K::ImprovementItem => "description",
        K::ClassifiedDocument => "number",
        _ => return false,
    };
    !typed.v(field).trim().is_empty()
}

/// The parts a form posted: its own action first, then what it carries and filled in, each
/// read from the same fields (the carried actions' fields do not overlap their form's).
pub fn posted_parts(
    kind: StageActionKind,
    carried: &[StageActionKind],
    fields: &serde_json::Value,
    typed: &Typed,
) -> Vec<(StageActionKind, Result<StageAction, FieldErrors>)> {
    std::iter::once(kind)
        .chain(
            carried
                .iter()
                .copied()
                .filter(|k| carried_posted(*k, typed)),
        )
        .map(|k| (k, stage_action(k, fields.clone())))
        .collect()
}
