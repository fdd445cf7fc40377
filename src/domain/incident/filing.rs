//! Filing (SPEC 2 and 5 stage 1; art. 6): a new incident from what the agency reports.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::super::agency::AgencyId;
use super::super::filing::{check_filing, reported_at, FilingInput};
use super::super::input::{clean_text, FieldErrors};
use super::super::level::classify;
use super::super::notifications::Event;
use super::super::roles::{may_file, Actor};
use super::super::stages::{AffectedSystem, IncidentStatus, Stage, StageRecord};
use super::{
    Applied, Incident, IncidentEvent, InitialReport, OtherMeansReport, Oversight, Refusal,
};

/// Where the new incident sits: its id and number, and the agencies above its agency now.
#[derive(Debug, Clone)]
pub struct Placement {
    pub id: Uuid,
    /// `<agency code>-<year>-<sequence>`.
    pub number: String,
    /// The notified agency (受通報機關), `None` for the competent authority's own incidents.
    pub escalation_target: Option<AgencyId>,
    pub oversight: Oversight,
}

impl Incident {
    /// Files an incident for `actor`'s agency: the level is what its impacts amount to, and it
    /// counts as reported now, or earlier when it was reported by other means (art. 6).
    pub fn file(
        actor: &Actor,
        input: FilingInput,
        placement: Placement,
        now: DateTime<Utc>,
    ) -> Result<Applied, Refusal> {
        may_file(actor).map_err(Refusal::NotPermitted)?;
        check_filing(&input, now, placement.oversight.critical_infrastructure).check()?;
        let classification = classify(&input.impacts)
            .map_err(|_| FieldErrors::one("impacts", "error.impacts_none"))?;
        let level = classification.level;
        let deciding_impact = input.impacts.get(classification.deciding_impact).cloned();
        let text = |raw: &str, max| clean_text(raw, max).unwrap_or_default();
        let reported_at = reported_at(now, input.other_means.as_ref().map(|(at, _)| *at));
        let record = StageRecord {
            affected_systems: input
                .affected_systems
                .iter()
                .map(|name| AffectedSystem {
                    name: name.trim().to_string(),
                    within_tolerable_downtime: None,
                })
                .collect(),
            ..StageRecord::default()
        };
        let incident = Incident {
            id: placement.id,
            agency: actor.agency,
            number: placement.number,
            report: InitialReport {
                title: text(&input.title, 200),
                category: input.category,
                subcategory: input.subcategory,
                summary: text(&input.summary, 10_000),
                contact: text(&input.contact, 200),
                impacts: input.impacts,
                personal_data: input.personal_data,
                aware_at: input.aware_at,
                occurred_at: input.occurred_at,
                other_means: input.other_means.map(|(at, reason)| OtherMeansReport {
                    at,
                    reason: reason.trim().to_string(),
                }),
            },
            reported_at,
            proposed_level: level,
            level,
            escalation_target: placement.escalation_target,
            status: IncidentStatus::Open(Stage::Report),
            record,
            containment_completed_at: None,
            report_submitted_at: None,
            homeland_relayed_at: None,
            oversight: placement.oversight,
        };
        let event = IncidentEvent::Filed {
            number: incident.number.clone(),
            level: level.number(),
            deciding_impact,
            reported_at,
            other_means_reason: incident
                .report
                .other_means
                .as_ref()
                .map(|o| o.reason.clone())
                .unwrap_or_default(),
        };
        Ok(Applied {
            incident,
            events: vec![event],
            notices: if level.is_major() {
                vec![Event::Filed { level }, Event::MajorFiled]
            } else {
                vec![Event::Filed { level }]
            },
            follow_up: None,
        })
    }
}
