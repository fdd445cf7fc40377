//! Agencies (機關), the tenants of the portal (SPEC 1).

use std::fmt;

use crate::i18n::Text;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An agency's id. Serialized as the bare UUID.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct AgencyId(pub Uuid);

impl AgencyId {
    pub fn new_v4() -> Self {
        AgencyId(Uuid::new_v4())
    }
}

impl fmt::Display for AgencyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// 公務機關.
    Government,
    /// 特定非公務機關: critical infrastructure providers, state-owned
    /// enterprises, government-endowed foundations.
    SpecificNonGovernment,
    /// 主管機關: 數位發展部資通安全署 (ACS).
    CompetentAuthority,
}

impl AgencyKind {
    pub fn label(self) -> Text {
        Text::key(match self {
            AgencyKind::Government => "agency_kind.government",
            AgencyKind::SpecificNonGovernment => "agency_kind.specific_non_government",
            AgencyKind::CompetentAuthority => "agency_kind.competent_authority",
        })
    }
}

/// 資通安全責任等級 A–E (A the highest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ResponsibilityLevel {
    A,
    B,
    C,
    D,
    E,
}

impl ResponsibilityLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            ResponsibilityLevel::A => "A",
            ResponsibilityLevel::B => "B",
            ResponsibilityLevel::C => "C",
            ResponsibilityLevel::D => "D",
            ResponsibilityLevel::E => "E",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "A" | "a" => Some(ResponsibilityLevel::A),
            "B" | "b" => Some(ResponsibilityLevel::B),
            "C" | "c" => Some(ResponsibilityLevel::C),
            "D" | "d" => Some(ResponsibilityLevel::D),
            "E" | "e" => Some(ResponsibilityLevel::E),
            _ => None,
        }
    }

    /// 資通安全責任等級, e.g. C級.
    pub fn label(self) -> Text {
        Text::key("responsibility.level").with("level", self.as_str())
    }
}

/// Who stands above an agency. Government agencies have a superior agency
/// (上級機關); specific non-government agencies have a central competent
/// authority for their sector (中央目的事業主管機關); either may have none.
/// A supervising agency (監督機關) may apply to either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AgencyRelations {
    pub id: AgencyId,
    pub kind: AgencyKind,
    pub superior: Option<AgencyId>,
    pub sector_authority: Option<AgencyId>,
    pub supervising: Option<AgencyId>,
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{to_value, Value};
    use super::*;

    #[test]
    fn responsibility_levels_parse_and_order() {
        for l in [
            ResponsibilityLevel::A,
            ResponsibilityLevel::B,
            ResponsibilityLevel::C,
            ResponsibilityLevel::D,
            ResponsibilityLevel::E,
        ] {
            assert_eq!(ResponsibilityLevel::parse(l.as_str()), Some(l));
        }
        assert_eq!(ResponsibilityLevel::parse("F"), None);
        assert!(ResponsibilityLevel::A < ResponsibilityLevel::E);
        assert_eq!(
            crate::i18n::Lang::ZhTw.text(&ResponsibilityLevel::C.label()),
            "C級"
        );
    }

    #[test]
    fn agency_ids_serialize_as_bare_uuids() {
        let id = AgencyId::new_v4();
        assert_eq!(to_value(&id), Value::Str(id.0.to_string()));
        assert_eq!(id.to_string(), id.0.to_string());
        assert_eq!(
            to_value(&AgencyKind::SpecificNonGovernment),
            Value::Str("specific_non_government".into())
        );
    }
}
