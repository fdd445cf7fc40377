//! Display names for domain values, in the page's language.

use crate::domain::{AgencyKind, ResponsibilityLevel, Role};
use crate::web::i18n::Lang;

pub fn agency_kind(t: Lang, kind: AgencyKind) -> &'static str {
    t.tr(match kind {
        AgencyKind::Government => "agency.kind.government",
        AgencyKind::SpecificNonGovernment => "agency.kind.specific_non_government",
        AgencyKind::CompetentAuthority => "agency.kind.competent_authority",
    })
}

pub fn responsibility_level(level: ResponsibilityLevel) -> &'static str {
    crate::db::agencies::level_to_db(level)
}

pub fn role(t: Lang, role: Role) -> String {
    t.pick(role.label_zh(), role.label_en()).to_string()
}
