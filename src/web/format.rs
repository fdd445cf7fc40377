//! How values are shown on every page: times in Taipei, levels and stages by name, CSV fields.

use chrono::{DateTime, Utc};

use crate::domain::{self, Deadline, DeadlineStatus, IncidentLevel, IncidentStatus};
use crate::i18n::{Lang, Text};

pub fn show_time(t: DateTime<Utc>) -> String {
    domain::to_taipei(t).format("%Y-%m-%d %H:%M").to_string()
}

/// The value a `datetime-local` input shows for `t` (Taipei wall-clock time).
pub fn input_time(t: DateTime<Utc>) -> String {
    domain::to_taipei(t).format("%Y-%m-%dT%H:%M").to_string()
}

pub fn level_label(t: Lang, l: IncidentLevel) -> String {
    t.text(&l.label())
}

pub fn status_label(t: Lang, s: IncidentStatus) -> String {
    t.text(&s.label())
}

/// A span of time as the deadline table shows it: days and hours from two days on, else hours
/// and minutes.
pub fn duration(t: Lang, minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    let text = if h >= 48 {
        Text::key("duration.days_hours")
            .with("days", h / 24)
            .with("hours", h % 24)
    } else {
        Text::key("duration.hours_minutes")
            .with("hours", h)
            .with("minutes", m)
    };
    t.text(&text)
}

/// A deadline's state with the time left or how late, and its CSS class.
pub fn deadline_state(t: Lang, d: &Deadline, now: DateTime<Utc>) -> (String, &'static str) {
    let status = d.status(now);
    let label = t.text(&status.label());
    let with = |what: &'static str, minutes: i64| {
        t.text(
            &Text::key("deadline.state_with_time")
                .with("state", label.as_str())
                .with("what", Text::key(what))
                .with("time", duration(t, minutes)),
        )
    };
    match status {
        DeadlineStatus::Pending => {
            let left = d.time_left(now).map(|x| x.num_minutes()).unwrap_or(0);
            (with("deadline.left", left), "pending")
        }
        DeadlineStatus::Overdue => {
            let late = d.overdue_by(now).map(|x| x.num_minutes()).unwrap_or(0);
            (with("deadline.late", late), "overdue")
        }
        DeadlineStatus::MetLate => (label, "late"),
        DeadlineStatus::Met => (label, "met"),
        DeadlineStatus::NotYetDetermined => (label, "undetermined"),
    }
}

/// One CSV field: quoted when needed, and a leading `=`, `+`, `-` or `@` neutralised so that a
/// spreadsheet does not run a text field as a formula.
pub fn csv_field(raw: &str) -> String {
    let guarded = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{raw}")
    } else {
        raw.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

// ---- preparedness, evidence, incident team and indicators: how their pages show values ----

/// One member of a roster as the roster table shows it; `position` names a deputy as one.
#[derive(Clone)]
pub struct MemberLine {
    pub position: String,
    pub name: String,
    pub organisation: String,
    pub phone: String,
    pub email: String,
    pub after_hours: String,
}

/// A roster in the order of 表一, each seat's holder before their deputy.
pub fn member_lines(t: Lang, members: &[crate::domain::team::RosterMember]) -> Vec<MemberLine> {
    use crate::domain::team::Position;
    let mut sorted: Vec<_> = members.iter().collect();
    sorted.sort_by_key(|m| {
        (
            Position::ALL.iter().position(|p| *p == m.position),
            m.deputy,
        )
    });
    sorted
        .into_iter()
        .map(|m| MemberLine {
            position: if m.deputy {
                t.text(&Text::key("team.seat_deputy").with("position", m.position.label()))
            } else {
                t.text(&m.position.label())
            },
            name: m.name.clone(),
            organisation: m.organisation.clone().unwrap_or_default(),
            phone: m.phone.clone(),
            email: m.email.clone(),
            after_hours: m.after_hours.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1+1"), "'-1+1");
        assert_eq!(csv_field("line\nbreak"), "\"line\nbreak\"");
    }
}
