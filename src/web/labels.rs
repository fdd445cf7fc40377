//! Display names for domain values, in the page's language.

use crate::domain::{AgencyKind, ResponsibilityLevel, Role};
use crate::i18n::Lang;

pub fn agency_kind(t: Lang, kind: AgencyKind) -> String {
    t.text(&kind.label())
}

pub fn responsibility_level(level: ResponsibilityLevel) -> &'static str {
    level.as_str()
}

pub fn role(t: Lang, role: Role) -> String {
    t.text(&role.label())
}
