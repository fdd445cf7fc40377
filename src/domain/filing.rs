//! What a report must contain (SPEC 7, art. 3 and art. 6): the national platform's categories,
//! and the order the report's times must be in.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::input::{clean_text, FieldErrors};
use super::level::{classify, AssetClass, ClassifyError, Impact, ImpactKind};
use crate::i18n::Text;

/// Categories of the national platform (國家資通安全通報應變網站).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    WebAttack,
    Intrusion,
    Dos,
    Equipment,
    Other,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::WebAttack,
        Category::Intrusion,
        Category::Dos,
        Category::Equipment,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::WebAttack => "web_attack",
            Category::Intrusion => "intrusion",
            Category::Dos => "dos",
            Category::Equipment => "equipment",
            Category::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> Text {
        Text::key(match self {
            Category::WebAttack => "category.web_attack",
            Category::Intrusion => "category.intrusion",
            Category::Dos => "category.dos",
            Category::Equipment => "category.equipment",
            Category::Other => "category.other",
        })
    }

    /// Sub-categories as the platform lists them: (identifier, catalog key).
    pub fn subcategories(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Category::WebAttack => &[
                ("defacement", "subcategory.defacement"),
                ("malicious_comment", "subcategory.malicious_comment"),
                ("malicious_page", "subcategory.malicious_page"),
                ("phishing_page", "subcategory.phishing_page"),
                ("web_trojan", "subcategory.web_trojan"),
                (
                    "site_personal_data_leak",
                    "subcategory.site_personal_data_leak",
                ),
            ],
            Category::Intrusion => &[
                ("system_compromised", "subcategory.system_compromised"),
                ("malware_implanted", "subcategory.malware_implanted"),
                ("abnormal_connections", "subcategory.abnormal_connections"),
                ("spam_sending", "subcategory.spam_sending"),
                ("data_leak", "subcategory.data_leak"),
            ],
            Category::Dos => &[
                ("outage", "subcategory.outage"),
                ("degraded_performance", "subcategory.degraded_performance"),
            ],
            Category::Equipment => &[
                ("damage", "subcategory.damage"),
                ("power", "subcategory.power"),
                ("network_outage", "subcategory.network_outage"),
                ("lost_device", "subcategory.lost_device"),
            ],
            Category::Other => &[],
        }
    }
}

pub use super::input::CLOCK_TOLERANCE_MINUTES;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportTimeError {
    AwareInFuture,
    OccurredAfterAware,
    OtherMeansInFuture,
    OtherMeansBeforeAware,
    /// Art. 6: reporting by other means must record why the platform could not be used.
    OtherMeansWithoutReason,
}

impl ReportTimeError {
    /// The form field the error belongs to.
    pub fn field(self) -> &'static str {
        match self {
            ReportTimeError::AwareInFuture => "aware_at",
            ReportTimeError::OccurredAfterAware => "occurred_at",
            ReportTimeError::OtherMeansInFuture | ReportTimeError::OtherMeansBeforeAware => {
                "other_means_reported_at"
            }
            ReportTimeError::OtherMeansWithoutReason => "other_means_reason",
        }
    }

    /// The catalog key of the message.
    pub fn message_key(self) -> &'static str {
        match self {
            ReportTimeError::AwareInFuture => "error.aware_in_future",
            ReportTimeError::OccurredAfterAware => "error.occurred_after_aware",
            ReportTimeError::OtherMeansInFuture => "error.other_means_in_future",
            ReportTimeError::OtherMeansBeforeAware => "error.other_means_before_aware",
            ReportTimeError::OtherMeansWithoutReason => "error.other_means_without_reason",
        }
    }

    /// A stable code for the message catalog of the pages and the API.
    pub fn code(self) -> &'static str {
        match self {
            ReportTimeError::AwareInFuture => "aware_in_future",
            ReportTimeError::OccurredAfterAware => "occurred_after_aware",
            ReportTimeError::OtherMeansInFuture => "other_means_in_future",
            ReportTimeError::OtherMeansBeforeAware => "other_means_before_aware",
            ReportTimeError::OtherMeansWithoutReason => "other_means_without_reason",
        }
    }
}

/// The times a report states, checked against each other and the present.
pub fn check_report_times(
    aware_at: DateTime<Utc>,
    occurred_at: Option<DateTime<Utc>>,
    other_means: Option<(DateTime<Utc>, &str)>,
    now: DateTime<Utc>,
) -> Vec<ReportTimeError> {
    let latest = now + Duration::minutes(CLOCK_TOLERANCE_MINUTES);
    let mut errors = Vec::new();
    if aware_at > latest {
        errors.push(ReportTimeError::AwareInFuture);
    }
    if occurred_at.is_some_and(|o| o > aware_at) {
        errors.push(ReportTimeError::OccurredAfterAware);
    }
    if let Some((at, reason)) = other_means {
        if at > latest {
            errors.push(ReportTimeError::OtherMeansInFuture);
        } else if at < aware_at {
            errors.push(ReportTimeError::OtherMeansBeforeAware);
        }
        if reason.trim().is_empty() {
            errors.push(ReportTimeError::OtherMeansWithoutReason);
        }
    }
    errors
}

/// When the incident counts as reported: on the platform now, or earlier by other means (art. 6).
pub fn reported_at(
    filed_at: DateTime<Utc>,
    other_means_at: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    other_means_at.map_or(filed_at, |o| o.min(filed_at))
}

/// What an agency files (SPEC 2; art. 6), as the filing form or the API sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilingInput {
    pub title: String,
    pub aware_at: DateTime<Utc>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub category: Category,
    pub subcategory: String,
    pub impacts: Vec<Impact>,
    pub personal_data: bool,
    pub summary: String,
    pub contact: String,
    pub affected_systems: Vec<String>,
    /// When the platform could not be used: when it was reported otherwise, and why.
    pub other_means: Option<(DateTime<Utc>, String)>,
}

/// Art. 2: an impact on "涉及關鍵基礎設施維運之核心資通系統" (the sensitive class of a
/// disruption) can only be reported by an agency that operates critical infrastructure. A leak
/// or tampering of general official secrets (the same class) concerns every agency.
pub fn check_impacts_fit_agency(
    impacts: &[Impact],
    critical_infrastructure: bool,
) -> Result<(), FieldErrors> {
    let ci_core = impacts
        .iter()
        .any(|i| i.kind == ImpactKind::Disruption && i.asset == AssetClass::Sensitive);
    if ci_core && !critical_infrastructure {
        return Err(FieldErrors::one("impacts", "error.disruption_needs_ci"));
    }
    Ok(())
}

/// Every field problem of a filing at once, so that the form can show them all.
/// `critical_infrastructure`: whether the filing agency operates critical infrastructure.
pub fn check_filing(
    input: &FilingInput,
    now: DateTime<Utc>,
    critical_infrastructure: bool,
) -> FieldErrors {
    let mut errors = FieldErrors::default();
    if let Err(e) = check_impacts_fit_agency(&input.impacts, critical_infrastructure) {
        errors.0.extend(e.0);
    }
    match clean_text(&input.title, 200) {
        Some(t) if !t.is_empty() && !t.contains('\n') => {}
        _ => errors.add("title", "error.title_invalid"),
    }
    if clean_text(&input.summary, 10_000).is_none() {
        errors.add("summary", "error.text_too_long");
    }
    if clean_text(&input.contact, 200).is_none() {
        errors.add("contact", "error.text_too_long");
    }
    if !input.subcategory.is_empty()
        && !input
            .category
            .subcategories()
            .iter()
            .any(|(code, _)| *code == input.subcategory)
    {
        errors.add("subcategory", "error.subcategory_unknown");
    }
    if input.affected_systems.len() > 50
        || input
            .affected_systems
            .iter()
            .any(|s| clean_text(s, 200).is_none_or(|s| s.contains('\n')))
    {
        errors.add("affected_systems", "error.systems_invalid");
    }
    if let Err(e) = classify(&input.impacts) {
        errors.add(
            "impacts",
            match e {
                ClassifyError::NoImpacts => "error.impacts_none",
                ClassifyError::DisruptionOfNationalSecrets { .. } => "error.impacts_impossible",
            },
        );
    }
    if let Some((_, why)) = &input.other_means {
        if clean_text(why, 500).is_none_or(|w| w.contains('\n')) {
            errors.add("other_means_reason", "error.text_too_long");
        }
    }
    let other = input
        .other_means
        .as_ref()
        .map(|(at, why)| (*at, why.as_str()));
    for e in check_report_times(input.aware_at, input.occurred_at, other, now) {
        errors.add(e.field(), e.message_key());
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, h, m, 0).unwrap()
    }

    #[test]
    fn every_category_round_trips_and_only_other_has_no_subcategories() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
            assert_eq!(c.subcategories().is_empty(), c == Category::Other);
        }
        assert_eq!(Category::parse("phishing"), None);
    }

    #[test]
    fn times_in_order_pass() {
        assert!(check_report_times(
            t(9, 0),
            Some(t(8, 0)),
            Some((t(9, 30), "平臺中斷")),
            t(10, 0)
        )
        .is_empty());
    }

    #[test]
    fn awareness_in_the_future_is_refused_beyond_the_tolerance() {
        assert!(check_report_times(t(10, 4), None, None, t(10, 0)).is_empty());
        assert_eq!(
            check_report_times(t(10, 6), None, None, t(10, 0)),
            [ReportTimeError::AwareInFuture]
        );
    }

    #[test]
    fn occurrence_after_awareness_is_refused() {
        assert_eq!(
            check_report_times(t(9, 0), Some(t(9, 1)), None, t(10, 0)),
            [ReportTimeError::OccurredAfterAware]
        );
    }

    #[test]
    fn a_report_by_other_means_needs_a_reason_and_a_time_after_awareness() {
        let errors = check_report_times(t(9, 0), None, Some((t(8, 0), " ")), t(10, 0));
        assert_eq!(
            errors,
            [
                ReportTimeError::OtherMeansBeforeAware,
                ReportTimeError::OtherMeansWithoutReason
            ]
        );
        let errors = check_report_times(t(9, 0), None, Some((t(11, 0), "x")), t(10, 0));
        assert_eq!(errors, [ReportTimeError::OtherMeansInFuture]);
        assert_eq!(
            ReportTimeError::OtherMeansWithoutReason.field(),
            "other_means_reason"
        );
    }

    #[test]
    fn the_earlier_report_counts() {
        assert_eq!(reported_at(t(10, 0), Some(t(9, 20))), t(9, 20));
        assert_eq!(reported_at(t(10, 0), None), t(10, 0));
    }
}
