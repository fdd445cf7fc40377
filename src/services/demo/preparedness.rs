//! Agency A's preparedness in the demo: a response team the CISO agreed to, and the drills of
//! the past months with their results sent on. Made through `services::preparedness` as the
//! security officer (who proposes and records drills) and the CISO (who agrees).

use chrono::{Duration, Utc};
use sqlx::PgPool;

use super::Cast;
use crate::db::PageRequest;
use crate::domain::{self, DrillInput, DrillKind, Position, RosterMember};
use crate::error::AppError;
use crate::services::preparedness as svc;

const OFFICER: &str = "officer@agency-a.demo";
const CISO: &str = "ciso@agency-a.demo";

/// A seat of the roster as the demo fills it.
struct Seat {
    position: Position,
    name: &'static str,
    holder: Holder,
    phone: &'static str,
    email: &'static str,
    after_hours: &'static str,
    deputy: bool,
}

/// Who holds a seat: one of the agency's demo accounts, or someone from an organisation
/// outside the agency's accounts.
#[derive(Clone, Copy)]
enum Holder {
    Account(&'static str),
    From(&'static str),
}

const ROSTER: &[Seat] = &[
    Seat {
        position: Position::Commander,
        name: "甲機關事件指揮官",
        holder: Holder::Account("commander@agency-a.demo"),
        phone: "02-2345-6701",
        email: "commander@agency-a.demo",
        after_hours: "0912-345-701",
        deputy: false,
    },
    Seat {
        position: Position::PressOfficer,
        name: "林美華",
        holder: Holder::From("甲機關秘書室"),
        phone: "02-2345-6702",
        email: "press@agency-a.demo",
        after_hours: "0912-345-702",
        deputy: false,
    },
    Seat {
        position: Position::ExecutiveSecretary,
        name: "甲機關執行秘書",
        holder: Holder::Account("secretary@agency-a.demo"),
        phone: "02-2345-6703",
        email: "secretary@agency-a.demo",
        after_hours: "0912-345-703",
        deputy: false,
    },
    Seat {
        position: Position::IntelPlanning,
        name: "甲機關資安人員",
        holder: Holder::Account("officer@agency-a.demo"),
        phone: "02-2345-6704",
        email: "officer@agency-a.demo",
        after_hours: "0912-345-704",
        deputy: false,
    },
    Seat {
        position: Position::ResponseExecution,
        name: "甲機關應變執行組",
        holder: Holder::Account("responder@agency-a.demo"),
        phone: "02-2345-6705",
        email: "responder@agency-a.demo",
        after_hours: "0912-345-705",
        deputy: false,
    },
    Seat {
        position: Position::ResponseExecution,
        name: "陳志明",
        holder: Holder::From("示範資訊股份有限公司（委外維運廠商）"),
        phone: "02-8765-4321",
        email: "support@vendor.example.com",
        after_hours: "0933-222-111",
        deputy: true,
    },
    Seat {
        position: Position::Logistics,
        name: "甲機關後勤調度組",
        holder: Holder::Account("logistics@agency-a.demo"),
        phone: "02-2345-6706",
        email: "logistics@agency-a.demo",
        after_hours: "0912-345-706",
        deputy: false,
    },
];

const ROSTER_NOTE: &str =
    "依通報應變演練結果更新非上班時間聯絡電話，並增列委外維運廠商為應變執行組代理人。";

/// A drill of the past months.
struct Drill {
    kind: DrillKind,
    /// Held this many days before the demo loads.
    days_ago: i64,
    /// Its results went to the competent authority this many days after it.
    results_after_days: i64,
    scenario: &'static str,
    participants: &'static [&'static str],
    findings: &'static str,
    follow_up: &'static [&'static str],
}

const DRILLS: &[Drill] = &[
    Drill {
        kind: DrillKind::NotificationResponse,
        days_ago: 100,
        results_after_days: 12,
        scenario: "模擬非上班時間官網遭置換首頁並擴及檔案伺服器遭勒索軟體加密，演練通報、召集應變小組、聯繫上級機關及損害控制流程。",
        participants: &["事件指揮官", "執行秘書", "情資及計畫組", "應變執行組", "後勤調度組", "委外維運廠商"],
        findings: "1 小時內完成通報；非上班時間聯絡名冊有 2 人電話未更新，通報平臺帳號之保管人及代理人未明確指定。",
        follow_up: &["更新非上班時間聯絡電話", "指定通報平臺帳號保管人及代理人"],
    },
    Drill {
        kind: DrillKind::SocialEngineering,
        days_ago: 60,
        results_after_days: 14,
        scenario: "以偽冒「年度薪資調整通知」之電子郵件對全機關同仁進行社交工程演練。",
        participants: &["全體同仁（120 人）"],
        findings: "郵件開啟率 8%、附件點擊率 3%，點擊者多為到職未滿一年之同仁。",
        follow_up: &["新進同仁加強資安教育訓練", "郵件閘道加強過濾偽冒寄件者"],
    },
];

/// Loads whatever of the roster and the drills Agency A does not have yet. Returns whether it
/// added anything.
pub(super) async fn load(pool: &PgPool, cast: &Cast) -> Result<bool, AppError> {
    let officer = cast.acting(OFFICER);
    let mut added = false;
    let team = svc::team(pool, officer, None, svc::DEFAULT_DRILL_PERIOD_MONTHS).await?;
    if team.current.is_none() && team.proposal.is_none() {
        let version = svc::propose(pool, officer, roster(cast), ROSTER_NOTE).await?;
        svc::decide(pool, cast.acting(CISO), version, true, "").await?;
        added = true;
    }
    let held = svc::drills(pool, officer, None, PageRequest::new(None, 1)).await?;
    if held.total == 0 {
        record_drills(pool, cast).await?;
        added = true;
    }
    Ok(added)
}

fn roster(cast: &Cast) -> Vec<RosterMember> {
    ROSTER
        .iter()
        .map(|seat| {
            let (user_id, organisation) = match seat.holder {
                Holder::Account(e) => (Some(cast.acting(e).user.id), None),
                Holder::From(o) => (None, Some(o.to_string())),
            };
            RosterMember {
                position: seat.position,
                name: seat.name.into(),
                user_id,
                organisation,
                phone: seat.phone.into(),
                email: seat.email.into(),
                after_hours: seat.after_hours.into(),
                deputy: seat.deputy,
            }
        })
        .collect()
}

async fn record_drills(pool: &PgPool, cast: &Cast) -> Result<(), AppError> {
    let officer = cast.acting(OFFICER);
    let today = domain::to_taipei(Utc::now()).date_naive();
    for d in DRILLS {
        let held_on = today - Duration::days(d.days_ago);
        let drill = DrillInput {
            kind: d.kind,
            held_on,
            scenario: d.scenario.into(),
            participants: d.participants.iter().map(|p| p.to_string()).collect(),
            findings: d.findings.into(),
            follow_up: d.follow_up.iter().map(|f| f.to_string()).collect(),
        };
        let id = svc::record_drill(pool, officer, drill).await?;
        let reported_on = held_on + Duration::days(d.results_after_days);
        svc::record_drill_results(pool, officer, id, reported_on).await?;
    }
    Ok(())
}
