//! The documents the API answers with, as types, so that the OpenAPI description is generated
//! from what the handlers really send.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::incidents::Summary;
use crate::domain::DeadlineKind;
use crate::i18n::Text;
use crate::services::incidents::IncidentView;

/// A text in both languages the portal speaks.
#[derive(Debug, Serialize, ToSchema)]
pub struct TextBody {
    pub zh: String,
    pub en: String,
}

impl From<&Text> for TextBody {
    fn from(t: &Text) -> Self {
        let (zh, en) = t.both();
        TextBody { zh, en }
    }
}

/// What is wrong with a request. `fields` names each invalid field (422); `missing` what a
/// stage still needs (409); `problems` the procedure's objections to what was sent (422).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<std::collections::BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<Vec<TextBody>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<ProblemBody>>,
}

/// One objection to one field, in both languages.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemBody {
    pub field: String,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyRef {
    pub id: Uuid,
    pub name: String,
}

/// The legal deadlines (art. 6–8), `null` while a clock has not started.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlinesBody {
    pub report_due: Option<DateTime<Utc>>,
    pub review_due: Option<DateTime<Utc>>,
    pub containment_due: Option<DateTime<Utc>>,
    pub report_submission_due: Option<DateTime<Utc>>,
}

/// One timeline entry: its place in the hash chain, who, when, what (`kind`, `body`).
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryBody {
    pub seq: i32,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub actor: Option<String>,
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
    /// SHA-256 of the entry and the one before it, hex.
    pub hash: String,
}

/// An incident with everything its page shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentBody {
    pub id: Uuid,
    pub number: String,
    pub title: String,
    pub agency: AgencyRef,
    /// The level in force, 1–4.
    pub level: u8,
    /// Levels 3–4 (重大資通安全事件).
    pub major: bool,
    /// The level as reported.
    pub proposed_level: u8,
    /// `report`, `response_team`, `containment`, `root_cause`, `improvement` or `closed`.
    pub stage: String,
    pub category: String,
    pub personal_data: bool,
    pub aware_at: DateTime<Utc>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub reported_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The notified agency (受通報機關).
    pub escalation_target: Option<AgencyRef>,
    pub deadlines: DeadlinesBody,
    /// What the current stage still needs.
    pub missing: Vec<TextBody>,
    pub timeline: Vec<EntryBody>,
}

impl From<&IncidentView> for IncidentBody {
    fn from(v: &IncidentView) -> Self {
        let i = &v.incident;
        let r = &i.report;
        let due = |kind: DeadlineKind| {
            v.deadlines
                .iter()
                .find(|d| d.kind == kind)
                .and_then(|d| d.due)
        };
        IncidentBody {
            id: i.id,
            number: i.number.clone(),
            title: r.title.clone(),
            agency: AgencyRef {
                id: i.agency.0,
                name: v.agency_name.0.clone(),
            },
            level: i.level.number(),
            major: i.level.is_major(),
            proposed_level: i.proposed_level.number(),
            stage: i.status.as_str().into(),
            category: r.category.as_str().into(),
            personal_data: r.personal_data,
            aware_at: r.aware_at,
            occurred_at: r.occurred_at,
            reported_at: i.reported_at,
            reviewed_at: i.reviewed_at(),
            escalation_target: i
                .escalation_target
                .zip(v.escalation_target_name.as_ref())
                .map(|(id, (zh, _))| AgencyRef {
                    id: id.0,
                    name: zh.clone(),
                }),
            deadlines: DeadlinesBody {
                report_due: due(DeadlineKind::Report),
                review_due: due(DeadlineKind::Review),
                containment_due: due(DeadlineKind::Containment),
                report_submission_due: due(DeadlineKind::InvestigationReport),
            },
            missing: v
                .missing
                .iter()
                .map(|m| TextBody::from(&m.label()))
                .collect(),
            timeline: v
                .timeline
                .iter()
                .map(|(e, who)| EntryBody {
                    seq: e.seq,
                    at: e.at,
                    kind: e.kind.clone(),
                    actor: who.clone(),
                    body: serde_json::from_str(&e.body).unwrap_or(serde_json::Value::Null),
                    hash: hex::encode(&e.hash),
                })
                .collect(),
        }
    }
}

/// A list entry: what a list shows, deadlines as stored at the incident's last change.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryBody {
    pub id: Uuid,
    pub number: String,
    pub title: String,
    pub agency: AgencyRef,
    pub level: u8,
    pub major: bool,
    pub proposed_level: u8,
    pub stage: String,
    pub category: String,
    pub personal_data: bool,
    pub aware_at: DateTime<Utc>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub reported_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The notified agency's id.
    pub escalation_target: Option<Uuid>,
    pub deadlines: DeadlinesBody,
}

impl From<&Summary> for SummaryBody {
    fn from(i: &Summary) -> Self {
        SummaryBody {
            id: i.id,
            number: i.number.clone(),
            title: i.title.clone(),
            agency: AgencyRef {
                id: i.agency_id,
                name: i.agency_name_zh.clone(),
            },
            level: i.level().number(),
            major: i.level().is_major(),
            proposed_level: u8::try_from(i.proposed_level).unwrap_or(1),
            stage: i.status.clone(),
            category: i.category.clone(),
            personal_data: i.personal_data,
            aware_at: i.aware_at,
            occurred_at: i.occurred_at,
            reported_at: i.reported_at,
            reviewed_at: i.reviewed_at,
            escalation_target: i.escalation_target_id,
            deadlines: DeadlinesBody {
                report_due: i.report_due,
                review_due: i.review_due,
                containment_due: i.containment_due,
                report_submission_due: i.report_submission_due,
            },
        }
    }
}

/// A page of a list; `next` is the next page's number while there is one.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListBody {
    pub items: Vec<SummaryBody>,
    pub next: Option<u32>,
}

impl ListBody {
    pub fn of(items: &[Summary], next: Option<u32>) -> Self {
        ListBody {
            items: items.iter().map(SummaryBody::from).collect(),
            next,
        }
    }
}
