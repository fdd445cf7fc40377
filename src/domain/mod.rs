//! TEMPORARY stand-in; replaced by the real domain module.
#![allow(dead_code)]
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AgencyId(pub Uuid);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    Government,
    SpecificNonGovernment,
    CompetentAuthority,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponsibilityLevel {
    A,
    B,
    C,
    D,
    E,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyRelations {
    pub id: AgencyId,
    pub kind: AgencyKind,
    pub superior: Option<AgencyId>,
    pub sector_authority: Option<AgencyId>,
    pub supervising: Option<AgencyId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationTarget {
    SuperiorAgency(AgencyId),
    SectorAuthority(AgencyId),
    CompetentAuthority(AgencyId),
}
impl EscalationTarget {
    pub fn agency_id(&self) -> AgencyId {
        match self {
            Self::SuperiorAgency(a) | Self::SectorAuthority(a) | Self::CompetentAuthority(a) => *a,
        }
    }
}
pub fn escalation_target(a: &AgencyRelations, ca: AgencyId) -> Option<EscalationTarget> {
    if a.kind == AgencyKind::CompetentAuthority {
        return None;
    }
    Some(if let Some(s) = a.superior {
        EscalationTarget::SuperiorAgency(s)
    } else if let Some(s) = a.sector_authority {
        EscalationTarget::SectorAuthority(s)
    } else {
        EscalationTarget::CompetentAuthority(ca)
    })
}
pub fn supervision_chain(
    start: AgencyId,
    lookup: impl Fn(AgencyId) -> Option<AgencyRelations>,
    ca: AgencyId,
) -> Vec<AgencyId> {
    let mut out = Vec::new();
    let mut todo = vec![start];
    while let Some(id) = todo.pop() {
        if let Some(r) = lookup(id) {
            for n in [r.superior, r.sector_authority, r.supervising]
                .into_iter()
                .flatten()
            {
                if n != start && !out.contains(&n) {
                    out.push(n);
                    todo.push(n);
                }
            }
        }
    }
    if start != ca && !out.contains(&ca) {
        out.push(ca);
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    SecurityOfficer,
    Ciso,
    Commander,
    ExecutiveSecretary,
    PressOfficer,
    IntelPlanning,
    ResponseExecution,
    Logistics,
    FinanceAdmin,
    Reviewer,
    AgencyAdmin,
}
impl Role {
    pub const ALL: [Role; 11] = [
        Role::SecurityOfficer,
        Role::Ciso,
        Role::Commander,
        Role::ExecutiveSecretary,
        Role::PressOfficer,
        Role::IntelPlanning,
        Role::ResponseExecution,
        Role::Logistics,
        Role::FinanceAdmin,
        Role::Reviewer,
        Role::AgencyAdmin,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SecurityOfficer => "security_officer",
            Role::Ciso => "ciso",
            Role::Commander => "commander",
            Role::ExecutiveSecretary => "executive_secretary",
            Role::PressOfficer => "press_officer",
            Role::IntelPlanning => "intel_planning",
            Role::ResponseExecution => "response_execution",
            Role::Logistics => "logistics",
            Role::FinanceAdmin => "finance_admin",
            Role::Reviewer => "reviewer",
            Role::AgencyAdmin => "agency_admin",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        self.as_str()
    }
    pub fn label_en(self) -> &'static str {
        self.as_str()
    }
}
pub struct Bilingual {
    pub zh: &'static str,
    pub en: &'static str,
}
impl EscalationTarget {
    pub fn basis(&self) -> Bilingual {
        Bilingual {
            zh: "上級機關",
            en: "superior",
        }
    }
}
