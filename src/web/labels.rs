//! Display names for domain values, in the page's language.

use crate::domain::{AgencyKind, ResponsibilityLevel, Role};
use crate::i18n::Lang;

pub fn agency_kind(t: Lang, kind: AgencyKind) -> &'static str {
    t.pick(kind.label_zh(), kind.label_en())
}

pub fn responsibility_level(level: ResponsibilityLevel) -> &'static str {
    level.as_str()
}

pub fn role(t: Lang, role: Role) -> String {
    t.pick(role.label_zh(), role.label_en()).to_string()
}
