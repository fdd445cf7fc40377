//! Incidents for the domain's tests.

use chrono::{TimeZone, Utc};
use uuid::Uuid;

use super::{Incident, InitialReport, Oversight};
use crate::domain::{AgencyId, Category, IncidentLevel, IncidentStatus, Stage, StageRecord};

/// A level-`level` incident of an agency below a ministry, aware at 2026-03-02 08:30 Taipei and
/// reported half an hour later, in its first stage with nothing else on record.
pub fn incident(level: IncidentLevel) -> Incident {
    let aware = Utc.with_ymd_and_hms(2026, 3, 2, 0, 30, 0).unwrap();
    let ministry = AgencyId(Uuid::from_u128(2));
    let ca = AgencyId(Uuid::from_u128(3));
    Incident {
        id: Uuid::from_u128(10),
        agency: AgencyId(Uuid::from_u128(1)),
        number: "AGA-2026-0001".into(),
        report: InitialReport {
            title: "官網遭置換".into(),
            category: Category::WebAttack,
            subcategory: String::new(),
            summary: String::new(),
            contact: String::new(),
            impacts: Vec::new(),
            personal_data: false,
            aware_at: aware,
            occurred_at: None,
            other_means: None,
        },
        reported_at: aware + chrono::Duration::minutes(30),
        proposed_level: level,
        level,
        escalation_target: Some(ministry),
        status: IncidentStatus::Open(Stage::Report),
        record: StageRecord::default(),
        containment_completed_at: None,
        report_submitted_at: None,
        homeland_relayed_at: None,
        oversight: Oversight {
            chain: vec![ministry, ca],
            relations: vec![(ministry, super::SupervisorRole::SuperiorAgency)],
            competent_authority: ca,
            critical_infrastructure: false,
        },
    }
}
