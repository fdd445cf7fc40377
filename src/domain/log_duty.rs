//! The log-keeping duty (日誌留存義務): what an agency must do with its logs
//! day to day, so that evidence exists when an incident comes (SPEC 6), by
//! the protection level of its systems (資通系統防護基準, 資通安全責任等級
//! 分級辦法 附表十, SPEC 7), plus the procedure's own rule that outsourcing
//! contracts state log retention and backup (SPEC 6, all levels). Backing logs
//! up to a physical system other than the audited one is required at 高 and
//! advised at 普 and 中 ([`obligation`]); where an agency's resources are
//! centralised upward its superior agency may run these controls
//! ([`centralised_note`]).
//!
//! The duty follows the *system* protection level (普/中/高), not the
//! agency's responsibility level (資通安全責任等級 A–E): an A-level agency
//! may run only "normal" systems and a C-level one a "high" system. The
//! portal cannot derive one from the other, so the agency declares the
//! highest protection level among its systems; the page shows the agency's
//! responsibility level for context and asks for that system level.

use serde::{Deserialize, Serialize};

use crate::i18n::Text;

/// A system's protection level (防護需求等級). `Ord` follows the level:
/// normal < medium < high.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProtectionLevel {
    Normal,
    Medium,
    High,
}

impl ProtectionLevel {
    pub const ALL: [ProtectionLevel; 3] = [
        ProtectionLevel::Normal,
        ProtectionLevel::Medium,
        ProtectionLevel::High,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProtectionLevel::Normal => "normal",
            ProtectionLevel::Medium => "medium",
            ProtectionLevel::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<ProtectionLevel> {
        ProtectionLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn label(self) -> Text {
        match self {
            ProtectionLevel::Normal => Text::key("logduty.level.normal"),
            ProtectionLevel::Medium => Text::key("logduty.level.medium"),
            ProtectionLevel::High => Text::key("logduty.level.high"),
        }
    }
}

/// One item of the duty. Each applies from the level [`LogDuty::from_level`]
/// upwards: the levels are cumulative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogDuty {
    /// 普: a retention policy for the logs.
    RetentionPolicy,
    /// 普: logs kept at least 6 months.
    RetainSixMonths,
    /// 普: event type, time, place and user identity recorded.
    RecordContent,
    /// 普: time stamps traceable to UTC.
    UtcTimeSource,
    /// 普: access to logs restricted.
    RestrictAccess,
    /// 中: logs reviewed regularly.
    RegularReview,
    /// 中: integrity protected (hash or similar).
    IntegrityProtection,
    /// 高: logs backed up regularly to another physical system.
    BackupToOtherSystem,
    /// 高: an alert when logging fails.
    AlertOnFailure,
    /// All levels (the procedure, point 4): outsourcing contracts state log
    /// retention and backup.
    OutsourcingContract,
}

impl LogDuty {
    pub const ALL: [LogDuty; 10] = [
        LogDuty::RetentionPolicy,
        LogDuty::RetainSixMonths,
        LogDuty::RecordContent,
        LogDuty::UtcTimeSource,
        LogDuty::RestrictAccess,
        LogDuty::RegularReview,
        LogDuty::IntegrityProtection,
        LogDuty::BackupToOtherSystem,
        LogDuty::AlertOnFailure,
        LogDuty::OutsourcingContract,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LogDuty::RetentionPolicy => "retention_policy",
            LogDuty::RetainSixMonths => "retain_six_months",
            LogDuty::RecordContent => "record_content",
            LogDuty::UtcTimeSource => "utc_time_source",
            LogDuty::RestrictAccess => "restrict_access",
            LogDuty::RegularReview => "regular_review",
            LogDuty::IntegrityProtection => "integrity_protection",
            LogDuty::BackupToOtherSystem => "backup_to_other_system",
            LogDuty::AlertOnFailure => "alert_on_failure",
            LogDuty::OutsourcingContract => "outsourcing_contract",
        }
    }

    pub fn parse(s: &str) -> Option<LogDuty> {
        LogDuty::ALL.into_iter().find(|d| d.as_str() == s)
    }

    pub fn label(self) -> Text {
        match self {
            LogDuty::RetentionPolicy => Text::key("logduty.duty.retention_policy"),
            LogDuty::RetainSixMonths => Text::key("logduty.duty.retain_six_months"),
            LogDuty::RecordContent => Text::key("logduty.duty.record_content"),
            LogDuty::UtcTimeSource => Text::key("logduty.duty.utc_time_source"),
            LogDuty::RestrictAccess => Text::key("logduty.duty.restrict_access"),
            LogDuty::RegularReview => Text::key("logduty.duty.regular_review"),
            LogDuty::IntegrityProtection => Text::key("logduty.duty.integrity_protection"),
            LogDuty::BackupToOtherSystem => Text::key("logduty.duty.backup_to_other_system"),
            LogDuty::AlertOnFailure => Text::key("logduty.duty.alert_on_failure"),
            LogDuty::OutsourcingContract => Text::key("logduty.duty.outsourcing_contract"),
        }
    }

    /// The lowest protection level the item applies to.
    pub fn from_level(self) -> ProtectionLevel {
        match self {
            LogDuty::RetentionPolicy
            | LogDuty::RetainSixMonths
            | LogDuty::RecordContent
            | LogDuty::UtcTimeSource
            | LogDuty::RestrictAccess
            | LogDuty::OutsourcingContract => ProtectionLevel::Normal,
            LogDuty::RegularReview | LogDuty::IntegrityProtection => ProtectionLevel::Medium,
            LogDuty::BackupToOtherSystem | LogDuty::AlertOnFailure => ProtectionLevel::High,
        }
    }

    /// Where the item comes from, for the page's footnote.
    pub fn basis(self) -> Text {
        match self {
            LogDuty::OutsourcingContract => Text::key("logduty.basis.procedure_point_4"),
            _ => Text::key("logduty.basis.annex_10"),
        }
    }
}

/// How an item of the duty applies at a protection level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Obligation {
    /// The agency must do it (附表十 at this level, or the procedure for every level).
    Required,
    /// The procedure advises it (建議) without requiring it.
    Advised,
}

impl Obligation {
    pub fn label(self) -> Text {
        match self {
            Obligation::Required => Text::key("logduty.obligation.required"),
            Obligation::Advised => Text::key("logduty.obligation.advised"),
        }
    }
}

/// Whether `duty` is required at `level`, only advised, or not asked (`None`).
///
/// Each item is required from [`LogDuty::from_level`] up. Backing logs up to
/// another physical system is required at 高 (附表十) and *advised* below it:
/// the amended point 4(一) reads "應依自身資通安全責任等級保存日誌(log)，並建議
/// 定期備份至與原稽核系統不同之實體系統", and its 說明 1: "系統防護需求分級「高」者
/// 應定期備份日誌至原系統外之其他實體系統，惟分級「普」及「中」者，仍建議定期備份
/// 至與原稽核系統不同之實體系統".
pub fn obligation(duty: LogDuty, level: ProtectionLevel) -> Option<Obligation> {
    if duty.from_level() <= level {
        Some(Obligation::Required)
    } else if duty == LogDuty::BackupToOtherSystem {
        Some(Obligation::Advised)
    } else {
        None
    }
}

/// Every item required at `level`, in [`LogDuty::ALL`] order: a higher
/// level has all the items of the lower ones.
pub fn duties_for(level: ProtectionLevel) -> Vec<LogDuty> {
    LogDuty::ALL
        .into_iter()
        .filter(|d| obligation(*d, level) == Some(Obligation::Required))
        .collect()
}

/// Every item asked of `level`, required or advised (what the checklist may
/// record as done).
pub fn applicable(level: ProtectionLevel) -> Vec<LogDuty> {
    LogDuty::ALL
        .into_iter()
        .filter(|d| obligation(*d, level).is_some())
        .collect()
}

/// The note the log-duty page carries, from the 說明 2 of point 4: "各機關資訊
/// 資源如已向上集中，相關資通訊及資通安全防護機制可由上級機關維運".
pub fn centralised_note() -> Text {
    Text::key("logduty.centralised")
}

/// The items required at `level` that are not in `done` (an advised item
/// left undone is not outstanding). Items in `done` that are not required at
/// `level` are ignored.
pub fn outstanding(level: ProtectionLevel, done: &[LogDuty]) -> Vec<LogDuty> {
    duties_for(level)
        .into_iter()
        .filter(|d| !done.contains(d))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use LogDuty::*;
    use ProtectionLevel::*;

    #[test]
    fn protection_levels_round_trip_and_order() {
        for l in ProtectionLevel::ALL {
            assert_eq!(ProtectionLevel::parse(l.as_str()), Some(l));
        }
        assert_eq!(
            ProtectionLevel::ALL.map(ProtectionLevel::as_str),
            ["normal", "medium", "high"]
        );
        assert_eq!(
            ProtectionLevel::ALL.map(|l| Lang::ZhTw.text(&l.label())),
            ["普", "中", "高"]
        );
        assert_eq!(
            ProtectionLevel::ALL.map(|l| Lang::En.text(&l.label())),
            ["Normal", "Medium", "High"]
        );
        assert!(Normal < Medium && Medium < High);
        assert_eq!(ProtectionLevel::parse("High"), None);
        assert_eq!(ProtectionLevel::parse("普"), None);
        assert_eq!(serde_json::to_string(&High).unwrap(), "\"high\"");
        assert_eq!(
            serde_json::from_str::<ProtectionLevel>("\"medium\"").unwrap(),
            Medium
        );
    }

    #[test]
    fn duties_round_trip_and_are_labelled() {
        for d in LogDuty::ALL {
            assert_eq!(LogDuty::parse(d.as_str()), Some(d));
            for t in Lang::ALL {
                assert!(!t.text(&d.label()).is_empty() && !t.text(&d.basis()).is_empty());
                assert_ne!(
                    t.text(&d.label()),
                    d.label().catalog_key(),
                    "{d:?} is in the catalog"
                );
            }
        }
        assert_eq!(LogDuty::parse("retention"), None);
        assert!(Lang::ZhTw.text(&RetainSixMonths.label()).contains("六個月"));
        assert!(Lang::En.text(&RetainSixMonths.label()).contains("6 months"));
        assert!(Lang::En.text(&UtcTimeSource.label()).contains("UTC"));
        assert!(Lang::ZhTw
            .text(&OutsourcingContract.basis())
            .contains("第四點"));
        assert!(Lang::ZhTw.text(&AlertOnFailure.basis()).contains("附表十"));
    }

    #[test]
    fn each_duty_starts_at_its_level() {
        let by_level = |level| -> Vec<LogDuty> {
            LogDuty::ALL
                .into_iter()
                .filter(|d| d.from_level() == level)
                .collect()
        };
        assert_eq!(
            by_level(Normal),
            [
                RetentionPolicy,
                RetainSixMonths,
                RecordContent,
                UtcTimeSource,
                RestrictAccess,
                OutsourcingContract
            ]
        );
        assert_eq!(by_level(Medium), [RegularReview, IntegrityProtection]);
        assert_eq!(by_level(High), [BackupToOtherSystem, AlertOnFailure]);
    }

    #[test]
    fn duties_are_cumulative() {
        let normal = duties_for(Normal);
        let medium = duties_for(Medium);
        let high = duties_for(High);
        assert_eq!(normal.len(), 6);
        assert_eq!(medium.len(), 8);
        assert_eq!(high.len(), 10);
        assert_eq!(high, LogDuty::ALL);
        assert!(normal.iter().all(|d| medium.contains(d)));
        assert!(medium.iter().all(|d| high.contains(d)));
        assert!(!normal.contains(&RegularReview));
        assert!(medium.contains(&IntegrityProtection));
        assert!(!medium.contains(&BackupToOtherSystem));
        assert!(high.contains(&AlertOnFailure));
        // Outsourcing contracts apply at every level.
        for l in ProtectionLevel::ALL {
            assert!(duties_for(l).contains(&OutsourcingContract));
        }
    }

    #[test]
    fn backup_to_another_physical_system_is_advised_at_normal_and_medium_and_required_at_high() {
        assert_eq!(
            obligation(BackupToOtherSystem, Normal),
            Some(Obligation::Advised)
        );
        assert_eq!(
            obligation(BackupToOtherSystem, Medium),
            Some(Obligation::Advised)
        );
        assert_eq!(
            obligation(BackupToOtherSystem, High),
            Some(Obligation::Required)
        );
        // Advised is not outstanding; required is.
        assert!(!outstanding(Medium, &[]).contains(&BackupToOtherSystem));
        assert!(outstanding(High, &[]).contains(&BackupToOtherSystem));
        assert!(applicable(Normal).contains(&BackupToOtherSystem));
        assert!(!duties_for(Normal).contains(&BackupToOtherSystem));
        // Nothing else is advised: the other items are required from their level or not asked.
        for l in ProtectionLevel::ALL {
            for d in LogDuty::ALL {
                let want = if d.from_level() <= l {
                    Some(Obligation::Required)
                } else if d == BackupToOtherSystem {
                    Some(Obligation::Advised)
                } else {
                    None
                };
                assert_eq!(obligation(d, l), want, "{d:?} at {l:?}");
            }
        }
        assert_eq!(obligation(AlertOnFailure, Medium), None);
        assert_eq!(Lang::ZhTw.text(&Obligation::Advised.label()), "建議辦理");
        assert_eq!(Lang::ZhTw.text(&Obligation::Required.label()), "應辦理");
        assert!(Lang::ZhTw
            .text(&BackupToOtherSystem.label())
            .contains("與原稽核系統不同之實體系統"));
    }

    #[test]
    fn the_page_notes_that_the_superior_agency_may_run_centralised_controls() {
        let zh = Lang::ZhTw.text(&centralised_note());
        assert!(
            zh.contains("向上集中") && zh.contains("上級機關維運"),
            "{zh}"
        );
        assert!(Lang::En
            .text(&centralised_note())
            .contains("superior agency"));
    }

    #[test]
    fn outstanding_items() {
        assert_eq!(outstanding(Normal, &[]), duties_for(Normal));
        assert_eq!(outstanding(High, &LogDuty::ALL), []);
        assert_eq!(
            outstanding(
                Medium,
                &[
                    RetentionPolicy,
                    RetainSixMonths,
                    RecordContent,
                    UtcTimeSource,
                    RestrictAccess,
                    OutsourcingContract,
                    // Not required at medium: ignored.
                    BackupToOtherSystem,
                ]
            ),
            [RegularReview, IntegrityProtection]
        );
        // Everything of the medium level done still leaves the high items.
        assert_eq!(
            outstanding(High, &duties_for(Medium)),
            [BackupToOtherSystem, AlertOnFailure]
        );
        assert_eq!(outstanding(Normal, &duties_for(Normal)), []);
    }
}
