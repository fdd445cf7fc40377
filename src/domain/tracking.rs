//! Regular tracking (追蹤管考) of improvement items an incident closed with (point 3(五)6:
//! "機關送交調查、處理及改善報告後，相關改善事項應納入機關現行定期追蹤管考機制"; point 2(六)1(5):
//! 後勤調度組 "針對機關單位已結案或未結案事項，如有未盡改善事宜，將另案追蹤管考").

use chrono::{Duration, NaiveDate};

use super::improvement::ImprovementItem;

/// How far ahead of its due date a tracked item is reminded.
pub const TRACKING_WARNING_DAYS: i64 = 7;

/// A reminder a tracked item owes: due soon, or past due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackingReminder {
    Soon,
    Missed,
}

impl TrackingReminder {
    /// The stored kind, with the item it is about (each is sent once per item).
    pub fn kind(self, item: uuid::Uuid) -> String {
        match self {
            TrackingReminder::Soon => format!("tracking_soon:{item}"),
            TrackingReminder::Missed => format!("tracking_missed:{item}"),
        }
    }

    /// The catalog key of its message.
    pub fn message_key(self) -> &'static str {
        match self {
            TrackingReminder::Soon => "tracking.reminder.soon",
            TrackingReminder::Missed => "tracking.reminder.missed",
        }
    }
}

/// What a tracked item owes `today`: nothing once done; "missed" from its due date on, "soon"
/// within the week before it. Reminded until done.
pub fn tracking_reminder(item: &ImprovementItem, today: NaiveDate) -> Option<TrackingReminder> {
    if !item.is_open() {
        return None;
    }
    if today >= item.due_on {
        Some(TrackingReminder::Missed)
    } else if today + Duration::days(TRACKING_WARNING_DAYS) >= item.due_on {
        Some(TrackingReminder::Soon)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ImprovementHorizon;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn a_tracked_item_is_reminded_a_week_ahead_and_after_its_date_until_done() {
        let mut item = ImprovementItem {
            description: "汰換老舊設備".into(),
            horizon: ImprovementHorizon::MidTerm,
            planned_on: day(1, 10),
            due_on: day(5, 10),
            done_on: None,
            owner: "資訊室".into(),
            dropped: None,
        };
        assert_eq!(tracking_reminder(&item, day(4, 30)), None);
        assert_eq!(
            tracking_reminder(&item, day(5, 3)),
            Some(TrackingReminder::Soon)
        );
        assert_eq!(
            tracking_reminder(&item, day(5, 10)),
            Some(TrackingReminder::Missed)
        );
        assert_eq!(
            tracking_reminder(&item, day(9, 1)),
            Some(TrackingReminder::Missed)
        );
        item.done_on = Some(day(5, 20));
        assert_eq!(tracking_reminder(&item, day(9, 1)), None);
    }
}
