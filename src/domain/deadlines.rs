//! Deadlines (SPEC 3; 資通安全事件通報應變及演練辦法 第6–8條).
//!
//! [`deadlines`] is a pure function of the recorded times and the level, so
//! a level change recomputes every deadline from the original times: nothing
//! is stored that could go stale. Times are kept in UTC and shown in
//! Asia/Taipei; the one calendar rule (the report's "1 month") is applied in
//! Taipei local time, because that is the calendar the agency lives by.

use chrono::{DateTime, FixedOffset, Months, TimeDelta, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::level::IncidentLevel;
use crate::i18n::Text;

/// Asia/Taipei. Taiwan has observed no daylight saving time since 1979, so
/// the zone is a fixed UTC+8 and needs no time-zone database (no chrono-tz).
/// This is the only place the offset is written down.
pub const TAIPEI: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// [`TAIPEI`], for callers that prefer a function.
pub fn taipei() -> FixedOffset {
    TAIPEI
}

/// The year of the Republic of China calendar (民國紀年) in which agencies date their documents
/// (民國115年 = 2026).
pub fn roc_year(gregorian: i32) -> i32 {
    gregorian - 1911
}

/// A UTC instant as Taipei local time, for display.
pub fn to_taipei(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&TAIPEI)
}

/// One calendar month later in Taipei local time, same wall-clock time.
/// A day the next month lacks becomes that month's last day:
/// 31 January 10:00 → 28 (or 29) February 10:00; 31 March → 30 April.
pub fn add_calendar_month(at: DateTime<Utc>) -> DateTime<Utc> {
    let local = to_taipei(at).naive_local();
    let next = local
        .checked_add_months(Months::new(1))
        .expect("a month after a recorded time is representable");
    // A fixed offset maps every local time to exactly one instant.
    TAIPEI
        .from_local_datetime(&next)
        .single()
        .expect("a fixed offset has no gaps or folds")
        .with_timezone(&Utc)
}

/// Art. 6: report within 1 hour of awareness (all levels).
const REPORT_WITHIN: TimeDelta = TimeDelta::hours(1);
/// Art. 7: the notified agency reviews within 8 h (levels 1–2) of receipt.
const REVIEW_WITHIN_MINOR: TimeDelta = TimeDelta::hours(8);
/// Art. 7: ... or within 2 h (levels 3–4).
const REVIEW_WITHIN_MAJOR: TimeDelta = TimeDelta::hours(2);
/// Art. 7: the review result and basis go to the competent authority within 1 h.
const RELAY_WITHIN: TimeDelta = TimeDelta::hours(1);
/// Art. 8: damage control or recovery within 72 h (levels 1–2) of awareness.
const CONTAINMENT_WITHIN_MINOR: TimeDelta = TimeDelta::hours(72);
/// Art. 8: ... or within 36 h (levels 3–4).
const CONTAINMENT_WITHIN_MAJOR: TimeDelta = TimeDelta::hours(36);

/// What the deadlines are computed from. All times UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DeadlineInputs {
    /// 知悉: when the agency became aware.
    pub aware_at: DateTime<Utc>,
    /// The report, by the designated channel or, when it was unavailable,
    /// by other appropriate means (art. 6): the earlier of the two counts.
    pub reported_at: Option<DateTime<Utc>>,
    /// When the notified agency received the report under review (the report, or the latest
    /// follow-up report); `None`: when it was reported.
    pub review_requested_at: Option<DateTime<Utc>>,
    /// The level of that report *as reported*: the review window follows it (art. 7 I
    /// "通報為第一級或第二級…八小時"), whatever the review then sets.
    pub review_level: IncidentLevel,
    /// The notified agency's review of the level.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The review result and basis sent on to the competent authority.
    pub review_relayed_at: Option<DateTime<Utc>>,
    /// Damage control or recovery completed.
    pub containment_completed_at: Option<DateTime<Utc>>,
    /// The investigation, handling and improvement report submitted.
    pub report_submitted_at: Option<DateTime<Utc>>,
    /// A new date for that report, consented by the notified agency (art. 8).
    pub report_extended_until: Option<DateTime<Utc>>,
    pub level: IncidentLevel,
    /// When the notified agency is the competent authority itself (the
    /// agency has no superior or sector authority), there is nobody to relay
    /// the review to, so no relay deadline runs.
    pub notified_agency_is_competent_authority: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// 1 h after awareness.
    Report,
    /// 8 h (L1–2) / 2 h (L3–4) after the report.
    Review,
    /// 1 h after the review, to the competent authority.
    ReviewRelay,
    /// 72 h (L1–2) / 36 h (L3–4) after awareness.
    Containment,
    /// 1 calendar month after containment completed, or the consented extension.
    InvestigationReport,
}

impl DeadlineKind {
    pub const ALL: [DeadlineKind; 5] = [
        DeadlineKind::Report,
        DeadlineKind::Review,
        DeadlineKind::ReviewRelay,
        DeadlineKind::Containment,
        DeadlineKind::InvestigationReport,
    ];

    pub fn label(self) -> Text {
        Text::key(match self {
            DeadlineKind::Report => "deadline.kind.report",
            DeadlineKind::Review => "deadline.kind.review",
            DeadlineKind::ReviewRelay => "deadline.kind.review_relay",
            DeadlineKind::Containment => "deadline.kind.containment",
            DeadlineKind::InvestigationReport => "deadline.kind.investigation_report",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    /// Done on or before the due time.
    Met,
    /// Done, after the due time.
    MetLate,
    /// Not done, due time still ahead (or exactly now).
    Pending,
    /// Not done, due time passed.
    Overdue,
    /// The clock has not started (e.g. the review before any report).
    NotYetDetermined,
}

impl DeadlineStatus {
    pub fn label(self) -> Text {
        Text::key(match self {
            DeadlineStatus::Met => "deadline.status.met",
            DeadlineStatus::MetLate => "deadline.status.met_late",
            DeadlineStatus::Pending => "deadline.status.pending",
            DeadlineStatus::Overdue => "deadline.status.overdue",
            DeadlineStatus::NotYetDetermined => "deadline.status.not_yet_determined",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Deadline {
    pub kind: DeadlineKind,
    /// `None` while the clock has not started.
    pub due: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
}

impl Deadline {
    pub fn status(&self, now: DateTime<Utc>) -> DeadlineStatus {
        match (self.done_at, self.due) {
            // Done although the clock never started (inconsistent data):
            // nothing was late.
            (Some(_), None) => DeadlineStatus::Met,
            (Some(done), Some(due)) if done <= due => DeadlineStatus::Met,
            (Some(_), Some(_)) => DeadlineStatus::MetLate,
            (None, None) => DeadlineStatus::NotYetDetermined,
            (None, Some(due)) if now <= due => DeadlineStatus::Pending,
            (None, Some(_)) => DeadlineStatus::Overdue,
        }
    }

    /// Time left while pending.
    pub fn time_left(&self, now: DateTime<Utc>) -> Option<TimeDelta> {
        match (self.status(now), self.due) {
            (DeadlineStatus::Pending, Some(due)) => Some(due - now),
            _ => None,
        }
    }

    /// How late: until now while overdue, until completion when met late.
    pub fn overdue_by(&self, now: DateTime<Utc>) -> Option<TimeDelta> {
        match (self.status(now), self.due, self.done_at) {
            (DeadlineStatus::Overdue, Some(due), _) => Some(now - due),
            (DeadlineStatus::MetLate, Some(due), Some(done)) => Some(done - due),
            _ => None,
        }
    }

    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.status(now) == DeadlineStatus::Overdue
    }

    /// The due time in Taipei, for display.
    pub fn due_taipei(&self) -> Option<DateTime<FixedOffset>> {
        self.due.map(to_taipei)
    }
}

/// Every deadline of an incident, in procedure order: report, review,
/// review relay (left out when the notified agency is the competent
/// authority), containment, investigation report.
pub fn deadlines(inputs: &DeadlineInputs) -> Vec<Deadline> {
    let major = inputs.level.is_major();
    let review_within = if inputs.review_level.is_major() {
        REVIEW_WITHIN_MAJOR
    } else {
        REVIEW_WITHIN_MINOR
    };
    let containment_within = if major {
        CONTAINMENT_WITHIN_MAJOR
    } else {
        CONTAINMENT_WITHIN_MINOR
    };
    // The report's clock starts when damage control or recovery is complete.
    // A consented extension moves it later; it never shortens it, and it
    // cannot start a clock that has not started.
    let report_due = inputs.containment_completed_at.map(|completed| {
        let month = add_calendar_month(completed);
        match inputs.report_extended_until {
            Some(until) if until > month => until,
            _ => month,
        }
    });

    let mut out = vec![
        Deadline {
            kind: DeadlineKind::Report,
            due: Some(inputs.aware_at + REPORT_WITHIN),
            done_at: inputs.reported_at,
        },
        Deadline {
            kind: DeadlineKind::Review,
            due: inputs
                .review_requested_at
                .or(inputs.reported_at)
                .map(|t| t + review_within),
            done_at: inputs.reviewed_at,
        },
    ];
    if !inputs.notified_agency_is_competent_authority {
        out.push(Deadline {
            kind: DeadlineKind::ReviewRelay,
            due: inputs.reviewed_at.map(|t| t + RELAY_WITHIN),
            done_at: inputs.review_relayed_at,
        });
    }
    out.push(Deadline {
        kind: DeadlineKind::Containment,
        due: Some(inputs.aware_at + containment_within),
        done_at: inputs.containment_completed_at,
    });
    out.push(Deadline {
        kind: DeadlineKind::InvestigationReport,
        due: report_due,
        done_at: inputs.report_submitted_at,
    });
    out
}

/// The kinds that are overdue now: what "shown as overdue everywhere that
/// incident appears" is computed from.
pub fn overdue_kinds(deadlines: &[Deadline], now: DateTime<Utc>) -> Vec<DeadlineKind> {
    deadlines
        .iter()
        .filter(|d| d.is_overdue(now))
        .map(|d| d.kind)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;
    use IncidentLevel::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn tpe(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        TAIPEI
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn inputs(level: IncidentLevel) -> DeadlineInputs {
        DeadlineInputs {
            aware_at: utc(2026, 3, 2, 1, 0),
            reported_at: None,
            review_requested_at: None,
            review_level: level,
            reviewed_at: None,
            review_relayed_at: None,
            containment_completed_at: None,
            report_submitted_at: None,
            report_extended_until: None,
            level,
            notified_agency_is_competent_authority: false,
        }
    }

    fn due(ds: &[Deadline], kind: DeadlineKind) -> Option<DateTime<Utc>> {
        ds.iter().find(|d| d.kind == kind).and_then(|d| d.due)
    }

    #[test]
    fn taipei_is_utc_plus_eight() {
        assert_eq!(TAIPEI.local_minus_utc(), 8 * 3600);
        assert_eq!(taipei(), TAIPEI);
        assert_eq!(
            to_taipei(utc(2026, 1, 1, 16, 0)).date_naive(),
            NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()
        );
    }

    /// Every deadline kind for every level, hours after its starting event.
    #[test]
    fn every_deadline_kind_for_every_level() {
        let aware = utc(2026, 3, 2, 1, 0);
        let reported = aware + TimeDelta::minutes(40);
        let reviewed = reported + TimeDelta::minutes(90);
        let contained = aware + TimeDelta::hours(30);
        // level, review hours, containment hours
        let table = [(L1, 8, 72), (L2, 8, 72), (L3, 2, 36), (L4, 2, 36)];
        for (level, review_h, containment_h) in table {
            let ds = deadlines(&DeadlineInputs {
                reported_at: Some(reported),
                reviewed_at: Some(reviewed),
                containment_completed_at: Some(contained),
                ..inputs(level)
            });
            let kinds: Vec<_> = ds.iter().map(|d| d.kind).collect();
            assert_eq!(kinds, DeadlineKind::ALL.to_vec());
            assert_eq!(
                due(&ds, DeadlineKind::Report),
                Some(aware + TimeDelta::hours(1))
            );
            assert_eq!(
                due(&ds, DeadlineKind::Review),
                Some(reported + TimeDelta::hours(review_h)),
                "{level:?}"
            );
            assert_eq!(
                due(&ds, DeadlineKind::ReviewRelay),
                Some(reviewed + TimeDelta::hours(1))
            );
            assert_eq!(
                due(&ds, DeadlineKind::Containment),
                Some(aware + TimeDelta::hours(containment_h)),
                "{level:?}"
            );
            assert_eq!(
                due(&ds, DeadlineKind::InvestigationReport),
                Some(add_calendar_month(contained))
            );
        }
    }

    #[test]
    fn clocks_that_have_not_started_are_not_yet_determined() {
        let now = utc(2026, 3, 9, 0, 0);
        let ds = deadlines(&inputs(L3));
        for kind in [
            DeadlineKind::Review,
            DeadlineKind::ReviewRelay,
            DeadlineKind::InvestigationReport,
        ] {
            let d = ds.iter().find(|d| d.kind == kind).unwrap();
            assert_eq!(d.due, None);
            assert_eq!(d.status(now), DeadlineStatus::NotYetDetermined);
        }
        // An extension alone does not start the report's clock.
        let ds = deadlines(&DeadlineInputs {
            report_extended_until: Some(utc(2026, 6, 1, 0, 0)),
            ..inputs(L3)
        });
        assert_eq!(due(&ds, DeadlineKind::InvestigationReport), None);
    }

    #[test]
    fn no_relay_deadline_when_the_competent_authority_reviews() {
        let ds = deadlines(&DeadlineInputs {
            notified_agency_is_competent_authority: true,
            ..inputs(L2)
        });
        assert!(ds.iter().all(|d| d.kind != DeadlineKind::ReviewRelay));
        assert_eq!(ds.len(), 4);
    }

    #[test]
    fn calendar_months_in_taipei() {
        let cases = [
            // Year end: 2026-12-31 20:00 Taipei (12:00 UTC) → 2027-01-31 20:00 Taipei.
            (tpe(2026, 12, 31, 20, 0), tpe(2027, 1, 31, 20, 0)),
            // 31 January → last day of February, common and leap years.
            (tpe(2026, 1, 31, 10, 0), tpe(2026, 2, 28, 10, 0)),
            (tpe(2028, 1, 31, 10, 0), tpe(2028, 2, 29, 10, 0)),
            // 31 March → 30 April.
            (tpe(2026, 3, 31, 10, 0), tpe(2026, 4, 30, 10, 0)),
            // 2026-01-31 20:00 UTC is already 1 February 04:00 in Taipei.
            (utc(2026, 1, 31, 20, 0), tpe(2026, 3, 1, 4, 0)),
            // 2026-02-28 20:00 UTC is 1 March 04:00 in Taipei: 1 April, not
            // 28 March as a month in UTC would give.
            (utc(2026, 2, 28, 20, 0), tpe(2026, 4, 1, 4, 0)),
            // 2026-03-30 20:00 UTC is 31 March 04:00 in Taipei: 30 April,
            // where a month in UTC would give 30 April 20:00 UTC (1 May Taipei).
            (utc(2026, 3, 30, 20, 0), tpe(2026, 4, 30, 4, 0)),
        ];
        for (from, expected) in cases {
            assert_eq!(add_calendar_month(from), expected, "from {from}");
        }
        assert_eq!(tpe(2026, 12, 31, 20, 0), utc(2026, 12, 31, 12, 0));
        assert_eq!(tpe(2027, 1, 31, 20, 0), utc(2027, 1, 31, 12, 0));
    }

    #[test]
    fn the_investigation_report_runs_a_month_from_containment_in_taipei() {
        let ds = deadlines(&DeadlineInputs {
            containment_completed_at: Some(utc(2026, 12, 31, 12, 0)),
            ..inputs(L4)
        });
        let d = ds
            .iter()
            .find(|d| d.kind == DeadlineKind::InvestigationReport)
            .unwrap();
        assert_eq!(d.due, Some(utc(2027, 1, 31, 12, 0)));
        assert_eq!(
            d.due_taipei().unwrap().naive_local().to_string(),
            "2027-01-31 20:00:00"
        );
    }

    #[test]
    fn a_consented_extension_moves_the_report_later_never_earlier() {
        let contained = tpe(2026, 1, 31, 10, 0);
        let later = tpe(2026, 3, 31, 17, 0);
        let earlier = tpe(2026, 2, 10, 17, 0);
        let with = |ext| {
            due(
                &deadlines(&DeadlineInputs {
                    containment_completed_at: Some(contained),
                    report_extended_until: ext,
                    ..inputs(L2)
                }),
                DeadlineKind::InvestigationReport,
            )
        };
        assert_eq!(with(None), Some(tpe(2026, 2, 28, 10, 0)));
        assert_eq!(with(Some(later)), Some(later));
        assert_eq!(with(Some(earlier)), Some(tpe(2026, 2, 28, 10, 0)));
    }

    #[test]
    fn statuses() {
        let due_at = utc(2026, 3, 2, 2, 0);
        let d = |done_at| Deadline {
            kind: DeadlineKind::Report,
            due: Some(due_at),
            done_at,
        };
        let before = due_at - TimeDelta::minutes(10);
        let after = due_at + TimeDelta::minutes(25);
        assert_eq!(d(None).status(before), DeadlineStatus::Pending);
        assert_eq!(d(None).status(due_at), DeadlineStatus::Pending);
        assert_eq!(d(None).time_left(before), Some(TimeDelta::minutes(10)));
        assert_eq!(d(None).overdue_by(before), None);
        assert_eq!(d(None).status(after), DeadlineStatus::Overdue);
        assert_eq!(d(None).overdue_by(after), Some(TimeDelta::minutes(25)));
        assert_eq!(d(None).time_left(after), None);
        assert_eq!(d(Some(due_at)).status(after), DeadlineStatus::Met);
        assert_eq!(d(Some(after)).status(after), DeadlineStatus::MetLate);
        assert_eq!(
            d(Some(after)).overdue_by(after),
            Some(TimeDelta::minutes(25))
        );
        // A met deadline stays met however late "now" is.
        assert_eq!(d(Some(before)).status(after), DeadlineStatus::Met);
        let undetermined = Deadline {
            kind: DeadlineKind::Review,
            due: None,
            done_at: None,
        };
        assert_eq!(undetermined.status(after), DeadlineStatus::NotYetDetermined);
    }

    #[test]
    fn overdue_kinds_lists_what_is_missed() {
        let ds = deadlines(&DeadlineInputs {
            reported_at: Some(utc(2026, 3, 2, 1, 30)),
            ..inputs(L3)
        });
        // 3 hours after awareness: the report is met, the 2 h review is overdue.
        let now = utc(2026, 3, 2, 4, 0);
        assert_eq!(overdue_kinds(&ds, now), vec![DeadlineKind::Review]);
        // Two days later the 36 h containment is overdue too.
        let now = utc(2026, 3, 4, 4, 0);
        assert_eq!(
            overdue_kinds(&ds, now),
            vec![DeadlineKind::Review, DeadlineKind::Containment]
        );
    }

    /// Art. 7 I "通報為第一級或第二級…八小時": the review window follows the level as reported;
    /// a reviewer who raises an L2 report to L3 within 8 h reviewed on time. Containment, by
    /// contrast, follows the level in force (art. 8).
    #[test]
    fn a_level_change_recomputes_containment_but_the_review_follows_the_level_as_reported() {
        let base = DeadlineInputs {
            reported_at: Some(utc(2026, 3, 2, 1, 45)),
            reviewed_at: Some(utc(2026, 3, 2, 7, 0)),
            ..inputs(L2)
        };
        let l2 = deadlines(&base);
        let l3 = deadlines(&DeadlineInputs { level: L3, ..base });
        assert_eq!(due(&l2, DeadlineKind::Review), Some(utc(2026, 3, 2, 9, 45)));
        assert_eq!(due(&l3, DeadlineKind::Review), Some(utc(2026, 3, 2, 9, 45)));
        let review = l3.iter().find(|d| d.kind == DeadlineKind::Review).unwrap();
        assert_eq!(review.status(utc(2026, 3, 2, 12, 0)), DeadlineStatus::Met);
        // Reported as level 3: the 2-hour window.
        let reported_l3 = deadlines(&DeadlineInputs {
            review_level: L3,
            level: L3,
            ..base
        });
        assert_eq!(
            due(&reported_l3, DeadlineKind::Review),
            Some(utc(2026, 3, 2, 3, 45))
        );
        assert_eq!(
            due(&l2, DeadlineKind::Containment),
            Some(utc(2026, 3, 5, 1, 0))
        );
        assert_eq!(
            due(&l3, DeadlineKind::Containment),
            Some(utc(2026, 3, 3, 13, 0))
        );
        assert_eq!(
            due(&l2, DeadlineKind::Report),
            due(&l3, DeadlineKind::Report)
        );
        // And back again: nothing was carried over.
        assert_eq!(deadlines(&DeadlineInputs { level: L2, ..base }), l2);
    }

    fn any_level() -> impl Strategy<Value = IncidentLevel> {
        prop::sample::select(IncidentLevel::ALL.to_vec())
    }

    prop_compose! {
        /// Times in causal order: aware ≤ reported ≤ reviewed ≤ relayed, and
        /// aware ≤ contained ≤ submitted; any step may not have happened yet.
        fn causal_inputs()(
            aware in 1_600_000_000i64..2_000_000_000,
            report_after in prop::option::of(0i64..200_000),
            review_after in prop::option::of(0i64..200_000),
            relay_after in prop::option::of(0i64..200_000),
            contain_after in prop::option::of(0i64..10_000_000),
            submit_after in prop::option::of(0i64..10_000_000),
            extend_after in prop::option::of(0i64..10_000_000),
            level in any_level(),
            ca in any::<bool>(),
        ) -> DeadlineInputs {
            let t = |s: i64| DateTime::<Utc>::from_timestamp(s, 0).unwrap();
            let aware_at = t(aware);
            let reported_at = report_after.map(|s| t(aware + s));
            let reviewed_at = reported_at.and(review_after).map(|s| reported_at.unwrap() + TimeDelta::seconds(s));
            let review_relayed_at = reviewed_at.and(relay_after).map(|s| reviewed_at.unwrap() + TimeDelta::seconds(s));
            let containment_completed_at = contain_after.map(|s| t(aware + s));
            let report_submitted_at = containment_completed_at.and(submit_after).map(|s| containment_completed_at.unwrap() + TimeDelta::seconds(s));
            let report_extended_until = extend_after.map(|s| t(aware + s));
            DeadlineInputs {
                aware_at, reported_at, review_requested_at: None, review_level: level, reviewed_at, review_relayed_at,
                containment_completed_at, report_submitted_at, report_extended_until,
                level, notified_agency_is_competent_authority: ca,
            }
        }
    }

    proptest! {
        #[test]
        fn deadlines_are_ordered(i in causal_inputs()) {
            let ds = deadlines(&i);
            let report = due(&ds, DeadlineKind::Report).unwrap();
            let containment = due(&ds, DeadlineKind::Containment).unwrap();
            prop_assert!(report <= containment);
            // The review's clock starts at the report, which comes after
            // awareness, so report ≤ review.
            if let Some(review) = due(&ds, DeadlineKind::Review) {
                prop_assert!(report <= review);
                prop_assert!(review > i.reported_at.unwrap());
                // A review made at its latest permissible time puts the relay
                // after it: review ≤ relay.
                let on_time = deadlines(&DeadlineInputs { reviewed_at: Some(review), ..i });
                if let Some(relay) = due(&on_time, DeadlineKind::ReviewRelay) {
                    prop_assert!(review <= relay);
                }
            } else {
                prop_assert!(i.reported_at.is_none());
            }
            if let Some(relay) = due(&ds, DeadlineKind::ReviewRelay) {
                prop_assert!(relay > i.reviewed_at.unwrap());
            }
            match (i.containment_completed_at, due(&ds, DeadlineKind::InvestigationReport)) {
                (Some(done), Some(report_due)) => {
                    prop_assert!(report_due >= done + TimeDelta::days(28));
                    prop_assert!(report_due <= done + TimeDelta::days(31)
                        || Some(report_due) == i.report_extended_until);
                }
                (None, None) => {}
                other => prop_assert!(false, "unexpected {:?}", other),
            }
        }

        #[test]
        fn deadlines_recompute_on_a_level_change(i in causal_inputs(), other in any_level()) {
            let changed = DeadlineInputs { level: other, ..i };
            let a = deadlines(&i);
            let b = deadlines(&changed);
            prop_assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(&b) {
                prop_assert_eq!(x.kind, y.kind);
                prop_assert_eq!(x.done_at, y.done_at);
                let level_bound = matches!(x.kind, DeadlineKind::Review | DeadlineKind::Containment);
                if !level_bound || i.level.is_major() == other.is_major() {
                    prop_assert_eq!(x.due, y.due);
                }
            }
            // Only the level decides the durations; recomputing is idempotent.
            let major_containment = i.aware_at + TimeDelta::hours(36);
            let minor_containment = i.aware_at + TimeDelta::hours(72);
            let expected = if other.is_major() { major_containment } else { minor_containment };
            prop_assert_eq!(due(&b, DeadlineKind::Containment), Some(expected));
            prop_assert_eq!(deadlines(&DeadlineInputs { level: i.level, ..changed }), a);
        }
    }
}
