//! Which reminders an incident owes, and when (SPEC 3 and 5): a deadline within the hour or
//! missed (review, damage control or recovery, the investigation report), a level 3/4
//! control-effect report every N hours while damage control runs, an improvement item near or
//! past its due date.
//!
//! The reminder job does not know these rules: it picks the incidents whose
//! [`super::Schedule::reminder_at`] has come, asks [`Incident::due_reminders`], records each
//! reminder once (by incident, kind and due time) and stores [`Incident::next_reminder_after`].

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};

use super::super::deadlines::{DeadlineKind, TAIPEI};
use super::super::notifications::Reminder;
use super::super::stages::{IncidentStatus, Stage};
use super::Incident;

/// The intervals the reminders follow (configurable where the procedure leaves them open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderPolicy {
    /// Level 3/4: how often the effect of the control measures is reported (SPEC 5 stage 3,
    /// 定時回報; the portal's setting, 24 h by default).
    pub control_report_every: Duration,
    /// How long before a deadline the "due soon" reminder goes out (SPEC: the next hour).
    pub deadline_warning: Duration,
    /// How long before an improvement item's due date it is reminded.
    pub improvement_warning: Duration,
    /// Misses older than this are not reminded any more.
    pub missed_lookback: Duration,
}

impl Default for ReminderPolicy {
    fn default() -> Self {
        ReminderPolicy {
            control_report_every: Duration::hours(24),
            deadline_warning: Duration::minutes(60),
            improvement_warning: Duration::days(7),
            missed_lookback: Duration::days(7),
        }
    }
}

impl ReminderPolicy {
    pub fn with_control_report_hours(hours: i64) -> Self {
        ReminderPolicy {
            control_report_every: Duration::hours(hours.clamp(1, 24 * 30)),
            ..ReminderPolicy::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReminderKind {
    ReviewSoon,
    ReviewMissed,
    ContainmentSoon,
    ContainmentMissed,
    ReportSoon,
    ReportMissed,
    ControlEffectDue,
    ImprovementSoon,
    ImprovementMissed,
}

impl ReminderKind {
    pub const ALL: [ReminderKind; 9] = [
        ReminderKind::ReviewSoon,
        ReminderKind::ReviewMissed,
        ReminderKind::ContainmentSoon,
        ReminderKind::ContainmentMissed,
        ReminderKind::ReportSoon,
        ReminderKind::ReportMissed,
        ReminderKind::ControlEffectDue,
        ReminderKind::ImprovementSoon,
        ReminderKind::ImprovementMissed,
    ];

    /// The stored name (also the catalog key `notify.<name>` of its message).
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderKind::ReviewSoon => "review_soon",
            ReminderKind::ReviewMissed => "review_missed",
            ReminderKind::ContainmentSoon => "containment_soon",
            ReminderKind::ContainmentMissed => "containment_missed",
            ReminderKind::ReportSoon => "report_soon",
            ReminderKind::ReportMissed => "report_missed",
            ReminderKind::ControlEffectDue => "control_effect_due",
            ReminderKind::ImprovementSoon => "improvement_soon",
            ReminderKind::ImprovementMissed => "improvement_missed",
        }
    }

    pub fn parse(s: &str) -> Option<ReminderKind> {
        ReminderKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What is due, for choosing who hears of it ([`super::super::notifications::reminder_recipients`]).
    pub fn reminder(self) -> Reminder {
        match self {
            ReminderKind::ReviewSoon | ReminderKind::ReviewMissed => Reminder::Review,
            ReminderKind::ContainmentSoon | ReminderKind::ContainmentMissed => {
                Reminder::Containment
            }
            ReminderKind::ReportSoon | ReminderKind::ReportMissed => Reminder::InvestigationReport,
            ReminderKind::ControlEffectDue => Reminder::ControlEffectReport,
            ReminderKind::ImprovementSoon | ReminderKind::ImprovementMissed => {
                Reminder::ImprovementItem
            }
        }
    }
}

/// One reminder: what, the due time it is about (its identity with the kind), and when it goes
/// out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueReminder {
    pub kind: ReminderKind,
    pub due_at: DateTime<Utc>,
    pub fire_at: DateTime<Utc>,
}

impl Incident {
    /// Every reminder the incident owes from `now` on: those whose time has come (within the
    /// look-back for misses) and those still ahead.
    pub fn reminders(&self, policy: &ReminderPolicy, now: DateTime<Utc>) -> Vec<DueReminder> {
        let mut out = Vec::new();
        let Some(stage) = self.status.stage() else {
            return out; // a closed incident owes nothing
        };
        let deadlines = self.deadlines();
        for (kind, soon, missed) in [
            (
                DeadlineKind::Review,
                ReminderKind::ReviewSoon,
                ReminderKind::ReviewMissed,
            ),
            (
                DeadlineKind::Containment,
                ReminderKind::ContainmentSoon,
                ReminderKind::ContainmentMissed,
            ),
            (
                DeadlineKind::InvestigationReport,
                ReminderKind::ReportSoon,
                ReminderKind::ReportMissed,
            ),
        ] {
            let Some(d) = deadlines.iter().find(|d| d.kind == kind) else {
                continue;
            };
            if let (None, Some(due)) = (d.done_at, d.due) {
                soon_then_missed(
                    &mut out,
                    policy.deadline_warning,
                    (soon, missed),
                    due,
                    policy,
                    now,
                );
            }
        }
        // Level 3/4 while damage control runs: a control-effect report every N hours, counted
        // from the last one (or from the report).
        if self.level.is_major() && self.containment_completed_at.is_none() {
            let last = self
                .record
                .control_effect_reports
                .iter()
                .max()
                .copied()
                .unwrap_or(self.reported_at);
            let due = last + policy.control_report_every;
            out.push(DueReminder {
                kind: ReminderKind::ControlEffectDue,
                due_at: due,
                fire_at: due,
            });
        }
        // Improvement items, while the strategy is being carried out.
        if matches!(stage, Stage::RootCause | Stage::Improvement) {
            for item in self
                .record
                .improvement_items
                .iter()
                .filter(|i| !i.is_done())
            {
                let due = TAIPEI
                    .from_local_datetime(&item.due_on.and_time(NaiveTime::MIN))
                    .single()
                    .map(|t| t.with_timezone(&Utc));
                if let Some(due) = due {
                    soon_then_missed(
                        &mut out,
                        policy.improvement_warning,
                        (
                            ReminderKind::ImprovementSoon,
                            ReminderKind::ImprovementMissed,
                        ),
                        due,
                        policy,
                        now,
                    );
                }
            }
        }
        debug_assert!(self.status != IncidentStatus::Closed || out.is_empty());
        out
    }

    /// The reminders whose time has come at `now`.
    pub fn due_reminders(&self, policy: &ReminderPolicy, now: DateTime<Utc>) -> Vec<DueReminder> {
        let mut due: Vec<DueReminder> = self
            .reminders(policy, now)
            .into_iter()
            .filter(|r| r.fire_at <= now)
            .collect();
        due.dedup();
        due
    }

    /// When the reminder job must first look at the incident: the earliest reminder owed, which
    /// may already have come.
    pub fn next_reminder_at(
        &self,
        policy: &ReminderPolicy,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        self.reminders(policy, now).iter().map(|r| r.fire_at).min()
    }

    /// After the job has recorded what was due at `now`: the next time anything comes due.
    pub fn next_reminder_after(
        &self,
        policy: &ReminderPolicy,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        self.reminders(policy, now)
            .iter()
            .map(|r| r.fire_at)
            .filter(|t| *t > now)
            .min()
    }
}

/// A deadline's two reminders: "soon" from `warning` before it, "missed" from the moment it
/// passes until the look-back ends. Once it has passed only the miss is owed.
fn soon_then_missed(
    out: &mut Vec<DueReminder>,
    warning: Duration,
    (soon, missed): (ReminderKind, ReminderKind),
    due: DateTime<Utc>,
    policy: &ReminderPolicy,
    now: DateTime<Utc>,
) {
    if now > due + policy.missed_lookback {
        return;
    }
    if now < due {
        out.push(DueReminder {
            kind: soon,
            due_at: due,
            fire_at: due - warning,
        });
    }
    out.push(DueReminder {
        kind: missed,
        due_at: due,
        fire_at: due,
    });
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::incident;
    use super::*;
    use crate::domain::{ImprovementHorizon, ImprovementItem, IncidentLevel};
    use chrono::NaiveDate;

    fn kinds(i: &Incident, now: DateTime<Utc>) -> Vec<&'static str> {
        i.due_reminders(&ReminderPolicy::default(), now)
            .iter()
            .map(|r| r.kind.as_str())
            .collect()
    }

    #[test]
    fn a_review_is_reminded_within_the_hour_and_when_missed() {
        let i = incident(IncidentLevel::L2);
        let due = i.reported_at + Duration::hours(8);
        assert!(kinds(&i, due - Duration::minutes(61)).is_empty());
        assert_eq!(kinds(&i, due - Duration::minutes(30)), ["review_soon"]);
        assert_eq!(kinds(&i, due + Duration::minutes(1)), ["review_missed"]);
        assert!(!kinds(&i, due + Duration::days(8)).contains(&"review_missed"));
        let policy = ReminderPolicy::default();
        assert_eq!(
            i.next_reminder_at(&policy, i.reported_at),
            Some(due - Duration::hours(1)),
            "the review's warning is the first thing owed"
        );
        let mut reviewed = i.clone();
        reviewed.reviewed_at = Some(i.reported_at);
        assert!(!kinds(&reviewed, due).contains(&"review_missed"));
    }

    #[test]
    fn level_3_control_effect_reports_are_due_every_n_hours_from_the_last() {
        let mut i = incident(IncidentLevel::L3);
        i.reviewed_at = Some(i.reported_at);
        let policy = ReminderPolicy::with_control_report_hours(4);
        let first = i.reported_at + Duration::hours(4);
        assert_eq!(
            i.next_reminder_after(&policy, i.reported_at + Duration::hours(1)),
            Some(first)
        );
        i.record.control_effect_reports.push(first);
        let due = i.due_reminders(&policy, first + Duration::hours(4));
        assert!(due
            .iter()
            .any(|r| r.kind == ReminderKind::ControlEffectDue
                && r.due_at == first + Duration::hours(4)));
        i.containment_completed_at = Some(first);
        assert!(!i
            .due_reminders(&policy, first + Duration::hours(9))
            .iter()
            .any(|r| r.kind == ReminderKind::ControlEffectDue));
        i.level = IncidentLevel::L2;
        i.containment_completed_at = None;
        assert!(!i
            .reminders(&policy, first)
            .iter()
            .any(|r| r.kind == ReminderKind::ControlEffectDue));
    }

    #[test]
    fn open_improvement_items_are_reminded_a_week_ahead_and_when_late() {
        let mut i = incident(IncidentLevel::L1);
        i.status = IncidentStatus::Open(Stage::Improvement);
        i.reviewed_at = Some(i.reported_at);
        i.containment_completed_at = Some(i.reported_at);
        i.report_submitted_at = Some(i.reported_at);
        let due_on = NaiveDate::from_ymd_opt(2026, 4, 10).unwrap();
        i.record.improvement_items.push(ImprovementItem {
            description: "更新韌體".into(),
            horizon: ImprovementHorizon::ShortTerm,
            planned_on: NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
            due_on,
            done_on: None,
        });
        let midnight = TAIPEI
            .from_local_datetime(&due_on.and_time(NaiveTime::MIN))
            .unwrap()
            .with_timezone(&Utc);
        assert!(kinds(&i, midnight - Duration::days(8)).is_empty());
        assert_eq!(
            kinds(&i, midnight - Duration::days(6)),
            ["improvement_soon"]
        );
        assert_eq!(
            kinds(&i, midnight + Duration::hours(1)),
            ["improvement_missed"]
        );
        i.record.improvement_items[0].done_on = Some(due_on);
        assert!(kinds(&i, midnight + Duration::hours(1)).is_empty());
        i.status = IncidentStatus::Closed;
        assert_eq!(
            i.next_reminder_at(&ReminderPolicy::default(), midnight),
            None
        );
    }

    #[test]
    fn every_kind_round_trips_and_names_who_is_reminded() {
        for k in ReminderKind::ALL {
            assert_eq!(ReminderKind::parse(k.as_str()), Some(k));
            assert_eq!(Reminder::of_kind(k.as_str()), Some(k.reminder()));
        }
    }
}
