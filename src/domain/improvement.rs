//! The improvement strategy (改善策略) of the root-cause stage (SPEC 5, stage 4):
//! short term (短期, immediate fixes), mid term (中期, done within 3–6 months),
//! long term (長期, within 2 years).

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::i18n::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImprovementHorizon {
    ShortTerm,
    MidTerm,
    LongTerm,
}

/// "Immediate" has no number in the procedure; we read it as due within
/// 3 months of planning, where the mid term begins.
const SHORT_TERM_MAX_MONTHS: u32 = 3;
const MID_TERM_MIN_MONTHS: u32 = 3;
const MID_TERM_MAX_MONTHS: u32 = 6;
const LONG_TERM_MAX_MONTHS: u32 = 24;

impl ImprovementHorizon {
    pub const ALL: [ImprovementHorizon; 3] = [
        ImprovementHorizon::ShortTerm,
        ImprovementHorizon::MidTerm,
        ImprovementHorizon::LongTerm,
    ];

    /// The name as stored (`short_term`, `mid_term`, `long_term`), as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ImprovementHorizon::ShortTerm => "short_term",
            ImprovementHorizon::MidTerm => "mid_term",
            ImprovementHorizon::LongTerm => "long_term",
        }
    }

    pub fn parse(s: &str) -> Option<ImprovementHorizon> {
        Self::ALL.into_iter().find(|h| h.as_str() == s)
    }

    pub fn label(self) -> Text {
        Text::key(match self {
            ImprovementHorizon::ShortTerm => "horizon.short_term",
            ImprovementHorizon::MidTerm => "horizon.mid_term",
            ImprovementHorizon::LongTerm => "horizon.long_term",
        })
    }

    /// What the procedure means by the horizon, with its own examples.
    pub fn description(self) -> Text {
        Text::key(match self {
            ImprovementHorizon::ShortTerm => "horizon.short_term.description",
            ImprovementHorizon::MidTerm => "horizon.mid_term.description",
            ImprovementHorizon::LongTerm => "horizon.long_term.description",
        })
    }
}

/// Why a due date does not fit its horizon. Dates are the bounds, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum HorizonError {
    #[error("the due date is before the date the item was planned")]
    DueBeforePlanning,
    #[error("a short-term item is an immediate fix: due by {latest} at the latest")]
    ShortTermTooLate { latest: NaiveDate },
    #[error("a mid-term item is done within 3 to 6 months: due on {earliest} at the earliest")]
    MidTermTooEarly { earliest: NaiveDate },
    #[error("a mid-term item is done within 3 to 6 months: due by {latest} at the latest")]
    MidTermTooLate { latest: NaiveDate },
    #[error("a long-term item is done within 2 years: due by {latest} at the latest")]
    LongTermTooLate { latest: NaiveDate },
}

impl HorizonError {
    /// What is wrong, in the procedure's words.
    pub fn message(&self) -> Text {
        match self {
            HorizonError::DueBeforePlanning => Text::key("horizon.error.due_before_planning"),
            HorizonError::ShortTermTooLate { latest } => {
                Text::key("horizon.error.short_term_too_late").with("latest", latest.to_string())
            }
            HorizonError::MidTermTooEarly { earliest } => {
                Text::key("horizon.error.mid_term_too_early").with("earliest", earliest.to_string())
            }
            HorizonError::MidTermTooLate { latest } => {
                Text::key("horizon.error.mid_term_too_late").with("latest", latest.to_string())
            }
            HorizonError::LongTermTooLate { latest } => {
                Text::key("horizon.error.long_term_too_late").with("latest", latest.to_string())
            }
        }
    }
}

/// `date` plus whole calendar months, clamped to the month's last day
/// (31 January + 1 month = 28/29 February).
fn plus_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// Whether `due` fits `horizon` for an item planned on `planned_on`.
/// All bounds are inclusive; no item may be due before it was planned.
/// - short term: due within 3 months of planning;
/// - mid term: due between 3 and 6 months after planning;
/// - long term: due within 2 years of planning (earlier is fine).
pub fn check_due(
    horizon: ImprovementHorizon,
    planned_on: NaiveDate,
    due: NaiveDate,
) -> Result<(), HorizonError> {
    if due < planned_on {
        return Err(HorizonError::DueBeforePlanning);
    }
    match horizon {
        ImprovementHorizon::ShortTerm => {
            let latest = plus_months(planned_on, SHORT_TERM_MAX_MONTHS);
            if due > latest {
                return Err(HorizonError::ShortTermTooLate { latest });
            }
        }
        ImprovementHorizon::MidTerm => {
            let earliest = plus_months(planned_on, MID_TERM_MIN_MONTHS);
            let latest = plus_months(planned_on, MID_TERM_MAX_MONTHS);
            if due < earliest {
                return Err(HorizonError::MidTermTooEarly { earliest });
            }
            if due > latest {
                return Err(HorizonError::MidTermTooLate { latest });
            }
        }
        ImprovementHorizon::LongTerm => {
            let latest = plus_months(planned_on, LONG_TERM_MAX_MONTHS);
            if due > latest {
                return Err(HorizonError::LongTermTooLate { latest });
            }
        }
    }
    Ok(())
}

/// One measure of the improvement strategy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ImprovementItem {
    pub description: String,
    pub horizon: ImprovementHorizon,
    pub planned_on: NaiveDate,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
    /// Who carries it out (a unit or a person), for the tracking list (追蹤管考).
    #[serde(default)]
    pub owner: String,
    /// Dropped when the strategy was adjusted (point 3(五)2 "據以調整改善策略"), with why.
    #[serde(default)]
    pub dropped: Option<DroppedItem>,
}

/// Why and when an improvement item was dropped from the strategy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DroppedItem {
    pub on: NaiveDate,
    pub reason: String,
}

impl ImprovementItem {
    pub fn check_due(&self) -> Result<(), HorizonError> {
        check_due(self.horizon, self.planned_on, self.due_on)
    }

    pub fn is_done(&self) -> bool {
        self.done_on.is_some()
    }

    pub fn is_dropped(&self) -> bool {
        self.dropped.is_some()
    }

    /// Still to be carried out: neither done nor dropped.
    pub fn is_open(&self) -> bool {
        !self.is_done() && !self.is_dropped()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn horizon_names_are_serdes_and_parse_back() {
        for h in ImprovementHorizon::ALL {
            assert_eq!(serde_json::to_value(h).unwrap(), h.as_str());
            assert_eq!(ImprovementHorizon::parse(h.as_str()), Some(h));
        }
        assert_eq!(ImprovementHorizon::parse("soon"), None);
    }

    use super::*;
    use ImprovementHorizon::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn short_term_is_due_within_three_months() {
        let p = d(2026, 3, 10);
        assert_eq!(check_due(ShortTerm, p, p), Ok(()));
        assert_eq!(check_due(ShortTerm, p, d(2026, 6, 10)), Ok(()));
        assert_eq!(
            check_due(ShortTerm, p, d(2026, 6, 11)),
            Err(HorizonError::ShortTermTooLate {
                latest: d(2026, 6, 10)
            })
        );
        assert_eq!(
            check_due(ShortTerm, p, d(2026, 3, 9)),
            Err(HorizonError::DueBeforePlanning)
        );
    }

    #[test]
    fn mid_term_is_due_between_three_and_six_months_inclusive() {
        let p = d(2026, 1, 15);
        assert_eq!(
            check_due(MidTerm, p, d(2026, 4, 14)),
            Err(HorizonError::MidTermTooEarly {
                earliest: d(2026, 4, 15)
            })
        );
        assert_eq!(check_due(MidTerm, p, d(2026, 4, 15)), Ok(()));
        assert_eq!(check_due(MidTerm, p, d(2026, 7, 15)), Ok(()));
        assert_eq!(
            check_due(MidTerm, p, d(2026, 7, 16)),
            Err(HorizonError::MidTermTooLate {
                latest: d(2026, 7, 15)
            })
        );
        assert_eq!(
            check_due(MidTerm, p, p),
            Err(HorizonError::MidTermTooEarly {
                earliest: d(2026, 4, 15)
            })
        );
    }

    #[test]
    fn month_ends_clamp() {
        // 30 November + 3 months = 28 February (no 30 February).
        let p = d(2025, 11, 30);
        assert_eq!(check_due(MidTerm, p, d(2026, 2, 28)), Ok(()));
        assert!(check_due(MidTerm, p, d(2026, 2, 27)).is_err());
        // 31 August + 6 months = 29 February in a leap year.
        let p = d(2027, 8, 31);
        assert_eq!(check_due(MidTerm, p, d(2028, 2, 29)), Ok(()));
        assert!(check_due(MidTerm, p, d(2028, 3, 1)).is_err());
    }

    #[test]
    fn long_term_is_due_within_two_years() {
        let p = d(2026, 2, 1);
        assert_eq!(check_due(LongTerm, p, d(2026, 2, 2)), Ok(()));
        assert_eq!(check_due(LongTerm, p, d(2028, 2, 1)), Ok(()));
        assert_eq!(
            check_due(LongTerm, p, d(2028, 2, 2)),
            Err(HorizonError::LongTermTooLate {
                latest: d(2028, 2, 1)
            })
        );
        assert_eq!(
            check_due(LongTerm, p, d(2026, 1, 31)),
            Err(HorizonError::DueBeforePlanning)
        );
    }

    #[test]
    fn labels_and_messages() {
        use crate::i18n::Lang;
        assert_eq!(
            ALL_LABELS.map(|h| Lang::ZhTw.text(&h.label())),
            ["短期", "中期", "長期"]
        );
        let e = HorizonError::LongTermTooLate {
            latest: d(2028, 2, 1),
        };
        assert!(e.to_string().contains("2028-02-01"));
        assert!(Lang::ZhTw.text(&e.message()).contains("2028-02-01"));
        assert!(Lang::En.text(&e.message()).contains("2 years"));
    }

    const ALL_LABELS: [ImprovementHorizon; 3] = ImprovementHorizon::ALL;
}
