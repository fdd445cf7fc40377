//! What a report must contain (SPEC 7, art. 3 and art. 6): the national platform's categories,
//! and the order the report's times must be in.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

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

    pub fn label_zh(self) -> &'static str {
        match self {
            Category::WebAttack => "網頁攻擊",
            Category::Intrusion => "非法入侵",
            Category::Dos => "阻斷服務",
            Category::Equipment => "設備異常",
            Category::Other => "其他",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Category::WebAttack => "Web attack",
            Category::Intrusion => "Intrusion",
            Category::Dos => "Denial of service",
            Category::Equipment => "Equipment",
            Category::Other => "Other",
        }
    }

    /// Sub-categories as the platform lists them: (identifier, 中文, English).
    pub fn subcategories(self) -> &'static [(&'static str, &'static str, &'static str)] {
        match self {
            Category::WebAttack => &[
                ("defacement", "網頁置換", "Defacement"),
                ("malicious_comment", "惡意留言", "Malicious comments"),
                ("malicious_page", "惡意網頁", "Malicious page"),
                ("phishing_page", "釣魚網頁", "Phishing page"),
                ("web_trojan", "網頁木馬", "Web trojan"),
                (
                    "site_personal_data_leak",
                    "網站個資外洩",
                    "Personal-data leak from a site",
                ),
            ],
            Category::Intrusion => &[
                ("system_compromised", "系統遭入侵", "System compromised"),
                ("malware_implanted", "植入惡意程式", "Malware implanted"),
                ("abnormal_connections", "異常連線", "Abnormal connections"),
                ("spam_sending", "發送垃圾郵件", "Spam sending"),
                ("data_leak", "資料外洩", "Data leak"),
            ],
            Category::Dos => &[
                ("outage", "服務中斷", "Outage"),
                ("degraded_performance", "效能降低", "Degraded performance"),
            ],
            Category::Equipment => &[
                ("damage", "設備毀損", "Damage"),
                ("power", "電力異常", "Power"),
                ("network_outage", "網路服務中斷", "Network outage"),
                ("lost_device", "設備遺失", "Lost device"),
            ],
            Category::Other => &[],
        }
    }
}

/// Clocks of agencies' machines drift a little; more than this ahead is an error, not drift.
pub const CLOCK_TOLERANCE_MINUTES: i64 = 5;

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
