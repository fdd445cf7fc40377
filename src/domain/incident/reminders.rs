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
    /// Level 3/4: how often the improvement measures' progress is reported (point 3(五)4
    /// 定期回報; the portal's setting).
    pub progress_report_every: Duration,
    /// Level 3/4: how often the CISO is reminded of the meeting art. 9 asks for, from the
    /// completion of damage control on, until it is recorded.
    pub ciso_meeting_every: Duration,
}

impl Default for ReminderPolicy {
    fn default() -> Self {
        ReminderPolicy {
            control_report_every: Duration::hours(24),
            deadline_warning: Duration::minutes(60),
            improvement_warning: Duration::days(7),
            missed_lookback: Duration::days(7),
            progress_report_every: Duration::days(30),
            ciso_meeting_every: Duration::days(7),
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
    ProgressDue,
    CisoMeetingDue,
}

impl ReminderKind {
    pub const ALL: [ReminderKind; 11] = [
        ReminderKind::ReviewSoon,
        ReminderKind::ReviewMissed,
        ReminderKind::ContainmentSoon,
        ReminderKind::ContainmentMissed,
        ReminderKind::ReportSoon,
        ReminderKind::ReportMissed,
        ReminderKind::ControlEffectDue,
        ReminderKind::ImprovementSoon,
        ReminderKind::ImprovementMissed,
        ReminderKind::ProgressDue,
        ReminderKind::CisoMeetingDue,
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
            ReminderKind::ProgressDue => "progress_due",
            ReminderKind::CisoMeetingDue => "ciso_meeting_due",
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
            ReminderKind::ProgressDue => Reminder::ProgressReport,
            ReminderKind::CisoMeetingDue => Reminder::CisoMeeting,
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
        self.ciso_meeting_reminders(policy, now, &mut out);
        let Some(stage) = self.status.stage() else {
            return out; // a closed incident owes nothing else
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
        for (kind, due) in self.periodic_reports_due(policy) {
            out.push(DueReminder {
                kind,
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
        out
    }

    /// Level 3/4's periodic reports and when the next of each is due: the control measures'
    /// effect every N hours while damage control runs (point 3(三)2(1)), counted from the last
    /// report (or from the report of the incident); the improvement measures' progress every
    /// M days while improvement is tracked with measures still open (point 3(五)4).
    pub fn periodic_reports_due(
        &self,
        policy: &ReminderPolicy,
    ) -> Vec<(ReminderKind, DateTime<Utc>)> {
        let mut out = Vec::new();
        if !self.level.is_major() {
            return out;
        }
        let r = &self.record;
        if self.status.stage().is_some() && self.containment_completed_at.is_none() {
            let last = r.control_effect_reports.iter().map(|x| x.at).max();
            out.push((
                ReminderKind::ControlEffectDue,
                last.unwrap_or(self.reported_at) + policy.control_report_every,
            ));
        }
        if self.status == IncidentStatus::Open(Stage::Improvement)
            && r.improvement_items.iter().any(|i| i.is_open())
        {
            let since = r
                .improvement_progress_reports
                .iter()
                .map(|x| x.at)
                .max()
                .or(self.containment_completed_at)
                .unwrap_or(self.reported_at);
            out.push((
                ReminderKind::ProgressDue,
                since + policy.progress_report_every,
            ));
        }
        out
    }

    /// Art. 9: after a major incident the CISO convenes a meeting. From the completion of damage
    /// control the CISO is reminded every `ciso_meeting_every` until the meeting is on record
    /// (also after the incident closed).
    fn ciso_meeting_reminders(
        &self,
        policy: &ReminderPolicy,
        now: DateTime<Utc>,
        out: &mut Vec<DueReminder>,
    ) {
        let (true, None, Some(completed)) = (
            self.level.is_major(),
            &self.record.ciso_meeting,
            self.containment_completed_at,
        ) else {
            return;
        };
        let every = policy.ciso_meeting_every;
        let periods = ((now - completed).num_seconds() / every.num_seconds().max(1)).max(0);
        for k in [periods, periods + 1] {
            if k >= 1 {
                let due = completed + every * i32::try_from(k).unwrap_or(i32::MAX);
                out.push(DueReminder {
                    kind: ReminderKind::CisoMeetingDue,
                    due_at: due,
                    fire_at: due,
                });
            }
        }
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

    /// The notified agency reviewed the report when it came in.
    fn mark_reviewed(i: &mut Incident) {
        i.record
            .reviews
            .push(crate::domain::incident::review::LevelReview {
                kind: crate::domain::incident::review::ReviewKind::NotifiedAgency,
                round: 0,
                at: i.reported_at,
                agency: i.notified_agency(),
                agency_name: String::new(),
                by: String::new(),
                from: i.level,
                to: i.level,
                reason: String::new(),
            });
    }

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
        mark_reviewed(&mut reviewed);
        assert!(!kinds(&reviewed, due).contains(&"review_missed"));
    }

    #[test]
    fn level_3_control_effect_reports_are_due_every_n_hours_from_the_last() {
        let mut i = incident(IncidentLevel::L3);
        mark_reviewed(&mut i);
        let policy = ReminderPolicy::with_control_report_hours(4);
        let first = i.reported_at + Duration::hours(4);
        assert_eq!(
            i.next_reminder_after(&policy, i.reported_at + Duration::hours(1)),
            Some(first)
        );
        i.record
            .control_effect_reports
            .push(crate::domain::stages::PeriodicReport {
                at: first,
                done: "隔離".into(),
                effect: "已控制".into(),
                by: String::new(),
                forwarded: None,
            });
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
        mark_reviewed(&mut i);
        i.containment_completed_at = Some(i.reported_at);
        i.report_submitted_at = Some(i.reported_at);
        let due_on = NaiveDate::from_ymd_opt(2026, 4, 10).unwrap();
        i.record.improvement_items.push(ImprovementItem {
            description: "更新韌體".into(),
            horizon: ImprovementHorizon::ShortTerm,
            planned_on: NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
            due_on,
            done_on: None,
            owner: String::new(),
            dropped: None,
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
