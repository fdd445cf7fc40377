//! The standing response team (CISO approval, versions), the incident's snapshot of it, drills
//! and the log-keeping checklist.

use chrono::{Duration, Utc};
use reqwest::Client;
use uuid::Uuid;

use crate::helpers::visible_text;
use crate::helpers::{as_user, local, spawn_app, TestApp};

async fn file(app: &TestApp, c: &Client, impact: &str) -> Uuid {
    let aware = local(Utc::now() - Duration::minutes(30));
    let r = app
        .post_as(
            c,
            "/incidents",
            &[
                ("title", "公文系統異常"),
                ("aware_at", &aware),
                ("category", "intrusion"),
                ("affected_systems", "公文系統"),
                (impact, "severe"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let at = r.headers()["location"].to_str().unwrap().to_string();
    Uuid::parse_str(at.trim_start_matches("/incidents/")).unwrap()
}

/// Roster form fields for (position, name, phone, e-mail, organisation) rows.
fn roster(rows: &[(&str, &str, &str, &str, &str)]) -> Vec<(String, String)> {
    let mut f = Vec::new();
    for (pos, name, phone, email, org) in rows {
        for (k, v) in [
            ("position", *pos),
            ("name", *name),
            ("user_id", ""),
            ("organisation", *org),
            ("phone", *phone),
            ("email", *email),
            ("after_hours", ""),
            ("deputy", "no"),
        ] {
            f.push((k.to_string(), v.to_string()));
        }
    }
    f
}

async fn propose(
    app: &TestApp,
    c: &Client,
    rows: &[(&str, &str, &str, &str, &str)],
) -> reqwest::Response {
    let mut fields = roster(rows);
    fields.push(("note".into(), "年度調整".into()));
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post_as(c, "/team/proposals", &refs).await
}

async fn versions(app: &TestApp) -> Vec<(i32, String)> {
    sqlx::query_as("SELECT version, status FROM team_versions ORDER BY version")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_roster_change_takes_effect_only_when_the_ciso_approves_it() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let ciso = as_user(&app, "ciso@agency-a.demo").await;

    // A member without any reachable contact is refused, and nothing is stored.
    let r = propose(&app, &officer, &[("commander", "陳指揮", "", "", "")]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("陳指揮"), "the form keeps what was typed");
    assert!(versions(&app).await.is_empty());

    // An outside member must name an organisation; a malformed e-mail is named too.
    let r = propose(
        &app,
        &officer,
        &[("logistics", "外部專家", "02-2345-6789", "not-an-email", "")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text().await.unwrap().contains("第 1 列："),
        "the problem names its row"
    );
    assert!(versions(&app).await.is_empty());

    let r = propose(
        &app,
        &officer,
        &[
            (
                "commander",
                "陳指揮",
                "02-2345-6789",
                "chen@agency-a.demo",
                "甲機關",
            ),
            (
                "response_execution",
                "林應變",
                "0912-345-678",
                "",
                "資安廠商股份有限公司",
            ),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(versions(&app).await, vec![(1, "proposed".to_string())]);
    let team = app.get_as(&officer, "/team").await.text().await.unwrap();
    assert!(
        team.contains("id=\"no-roster\""),
        "not in force before approval"
    );
    assert!(team.contains("id=\"proposal\""));

    // A second proposal waits until the first is decided.
    let r = propose(
        &app,
        &officer,
        &[("commander", "別人", "02-2345-6789", "", "甲機關")],
    )
    .await;
    assert_eq!(r.status(), 422);

    // Only the CISO decides.
    let r = app
        .post_as(
            &officer,
            "/team/proposals/1/decision",
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(r.status(), 403);
    let commander = as_user(&app, "commander@agency-a.demo").await;
    let r = app
        .post_as(
            &commander,
            "/team/proposals/1/decision",
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(r.status(), 403);
    let other_ciso = as_user(&app, "officer@agency-b.demo").await;
    let r = app
        .post_as(
            &other_ciso,
            "/team/proposals/1/decision",
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(r.status(), 403);

    let r = app
        .post_as(
            &ciso,
            "/team/proposals/1/decision",
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(versions(&app).await, vec![(1, "approved".to_string())]);
    let team = app.get_as(&officer, "/team").await.text().await.unwrap();
    assert!(team.contains("林應變") && !team.contains("id=\"no-roster\""));

    // A rejection needs a reason and keeps it; the roster in force stays version 1.
    let r = propose(
        &app,
        &officer,
        &[("commander", "王新任", "02-2345-0000", "", "甲機關")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_as(
            &ciso,
            "/team/proposals/2/decision",
            &[("decision", "reject"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_as(
            &ciso,
            "/team/proposals/2/decision",
            &[("decision", "reject"), ("reason", "指揮官應由副首長擔任")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let reason: Option<String> = sqlx::query_scalar(
        "SELECT decision_reason FROM team_versions WHERE version = 2 AND status = 'rejected'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(reason.as_deref(), Some("指揮官應由副首長擔任"));
    let team = app.get_as(&officer, "/team").await.text().await.unwrap();
    assert!(team.contains("陳指揮") && team.contains("指揮官應由副首長擔任"));

    // The supervising ministry sees the team; an unrelated agency does not.
    let ministry = as_user(&app, "reviewer@ministry.demo").await;
    let agency_a: Uuid = sqlx::query_scalar("SELECT id FROM agencies WHERE code = 'AGA'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let r = app
        .get_as(&ministry, &format!("/team?agency={agency_a}"))
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("陳指揮"));
    let hospital = as_user(&app, "officer@hospital.demo").await;
    let r = app
        .get_as(&hospital, &format!("/team?agency={agency_a}"))
        .await;
    assert_eq!(r.status(), 404);
    let sheet = app
        .get_as(&officer, "/team/contacts")
        .await
        .text()
        .await
        .unwrap();
    assert!(sheet.contains("0912-345-678") && sheet.contains("report.css"));
}

#[tokio::test]
async fn activating_the_team_snapshots_the_roster_and_later_edits_leave_the_snapshot_alone() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let ciso = as_user(&app, "ciso@agency-a.demo").await;
    let commander = as_user(&app, "commander@agency-a.demo").await;
    let r = propose(
        &app,
        &officer,
        &[("commander", "陳指揮", "02-2345-6789", "", "甲機關")],
    )
    .await;
    assert_eq!(r.status(), 303);
    app.post_as(
        &ciso,
        "/team/proposals/1/decision",
        &[("decision", "approve")],
    )
    .await;

    // Official secrets are hit: the ethics-unit reminder shows.
    let id = file(&app, &officer, "impact_leak_national_secret").await;
    let r = app
        .post_as(
            &commander,
            &format!("/incidents/{id}/act/activate_team"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = app
        .get_as(&officer, &format!("/incidents/{id}/team"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("陳指揮"));
    assert!(page.contains("id=\"ethics-reminder\""), "{page}");

    // The roster changes afterwards (version 2) …
    let r = propose(
        &app,
        &officer,
        &[("commander", "王新任", "02-2345-0000", "", "甲機關")],
    )
    .await;
    assert_eq!(r.status(), 303);
    app.post_as(
        &ciso,
        "/team/proposals/2/decision",
        &[("decision", "approve")],
    )
    .await;
    let team = app.get_as(&officer, "/team").await.text().await.unwrap();
    assert!(team.contains("王新任"));
    // … the incident keeps its team.
    let page = app
        .get_as(&officer, &format!("/incidents/{id}/team"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("陳指揮") && !page.contains("王新任"));

    // The commander adjusts the incident's team; the standing roster is untouched.
    let mut fields = roster(&[
        ("commander", "陳指揮", "02-2345-6789", "", "甲機關"),
        (
            "intel_planning",
            "上級資安人員",
            "02-2000-0000",
            "",
            "部本部",
        ),
    ]);
    let token_fields: Vec<(&str, &str)> = fields
        .iter_mut()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = app
        .post_as(&commander, &format!("/incidents/{id}/team"), &token_fields)
        .await;
    assert_eq!(r.status(), 303);
    let page = app
        .get_as(&officer, &format!("/incidents/{id}/team"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("上級資安人員"));
    let team = app.get_as(&officer, "/team").await.text().await.unwrap();
    assert!(!team.contains("上級資安人員"));
    let r = app
        .post_as(&officer, &format!("/incidents/{id}/team"), &token_fields)
        .await;
    assert_eq!(r.status(), 403, "only the commander adjusts");
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM timeline_entries WHERE incident_id = $1 ORDER BY seq")
            .bind(id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert!(kinds.contains(&"team_adjusted".to_string()), "{kinds:?}");
}

#[tokio::test]
async fn drills_are_recorded_future_ones_refused_and_an_overdue_agency_reminded_once() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let tomorrow = (portal::domain::to_taipei(Utc::now()) + Duration::days(1))
        .date_naive()
        .to_string();
    let r = app
        .post_as(
            &officer,
            "/drills",
            &[
                ("kind", "notification_response"),
                ("held_on", &tomorrow),
                ("scenario", "勒索軟體"),
                ("participants", "王小明"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("勒索軟體"), "the form keeps what was typed");
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM drills")
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    assert_eq!(count().await, 0);

    // Agency A last drilled 13 months ago: overdue for the yearly drill.
    let long_ago = (portal::domain::to_taipei(Utc::now()) - Duration::days(400))
        .date_naive()
        .to_string();
    let r = app
        .post_as(
            &officer,
            "/drills",
            &[
                ("kind", "notification_response"),
                ("held_on", &long_ago),
                ("scenario", "官網置換演練"),
                ("participants", "王小明\n陳指揮"),
                ("findings", "通報時間過長"),
                ("follow_up", "修訂通報流程"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(count().await, 1);
    let team = app.get_as(&officer, "/team").await.text().await.unwrap();
    assert!(team.contains("class=\"overdue\""));
    let responder = as_user(&app, "responder@agency-a.demo").await;
    let r = app
        .post_as(
            &responder,
            "/drills",
            &[("kind", "notification_response"), ("held_on", &long_ago)],
        )
        .await;
    assert_eq!(r.status(), 403);

    let mails = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM outbox o JOIN agencies a ON a.id = o.agency_id \
             WHERE a.code = 'AGA' AND o.subject LIKE '%通報應變演練%'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    portal::jobs::remind_drills(&app.pool, 12).await.unwrap();
    let first = mails().await;
    assert!(first >= 1, "the CISO and the security officer are told");
    portal::jobs::remind_drills(&app.pool, 12).await.unwrap();
    assert_eq!(mails().await, first, "reminded once per due date");
    let forget = || async {
        for table in ["agency_reminders", "outbox"] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&app.pool)
                .await
                .unwrap();
        }
    };
    // A period beyond the Regulations' year is not honoured: the drill is still overdue.
    forget().await;
    portal::jobs::remind_drills(&app.pool, 24).await.unwrap();
    assert!(mails().await >= 1, "24 months is treated as 12");
    // The period counts: a drill 200 days ago is overdue every six months, not every year.
    sqlx::query("UPDATE drills SET held_on = current_date - 200")
        .execute(&app.pool)
        .await
        .unwrap();
    forget().await;
    portal::jobs::remind_drills(&app.pool, 12).await.unwrap();
    assert_eq!(mails().await, 0);
    portal::jobs::remind_drills(&app.pool, 6).await.unwrap();
    assert!(mails().await >= 1);
}

#[tokio::test]
async fn the_log_duty_checklist_follows_the_declared_protection_level() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let page = app
        .get_as(&officer, "/log-duty")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"responsibility\""));
    let r = app
        .post_as(&officer, "/log-duty", &[("level", "extreme")])
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_as(
            &officer,
            "/log-duty",
            &[
                ("level", "high"),
                ("done", "retention_policy"),
                ("note", "已納入委外契約"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (level, done): (String, serde_json::Value) =
        sqlx::query_as("SELECT protection_level, done FROM log_duty")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(level, "high");
    assert_eq!(done, serde_json::json!(["retention_policy"]));
    let responder = as_user(&app, "responder@agency-a.demo").await;
    let r = app
        .post_as(&responder, "/log-duty", &[("level", "normal")])
        .await;
    assert_eq!(r.status(), 403);
}

async fn log_duty_page(app: &TestApp, c: &Client) -> String {
    app.get_as(c, "/log-duty").await.text().await.unwrap()
}

#[tokio::test]
async fn backing_logs_up_elsewhere_is_advised_at_normal_and_medium_and_required_at_high() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    for (level, obligation) in [
        ("normal", "建議辦理"),
        ("medium", "建議辦理"),
        ("high", "應辦理"),
    ] {
        let r = app
            .post_as(
                &officer,
                "/log-duty",
                &[("level", level), ("done", "backup_to_other_system")],
            )
            .await;
        assert_eq!(r.status(), 303, "{level}");
        let html = log_duty_page(&app, &officer).await;
        assert!(
            html.contains(&format!(
                "id=\"obligation-backup_to_other_system\">{obligation}<"
            )),
            "{level}: {html}"
        );
        // Ticked at every level: an advised item done is kept too.
        let done: serde_json::Value = sqlx::query_scalar("SELECT done FROM log_duty")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(
            done,
            serde_json::json!(["backup_to_other_system"]),
            "{level}"
        );
    }
    // Undone, the advised item is not counted as missing; the required one is.
    let outstanding = |n: usize| format!("尚未完成的必要項目：{n}");
    app.post_as(&officer, "/log-duty", &[("level", "medium")])
        .await;
    assert!(log_duty_page(&app, &officer)
        .await
        .contains(&outstanding(8)));
    app.post_as(&officer, "/log-duty", &[("level", "high")])
        .await;
    assert!(log_duty_page(&app, &officer)
        .await
        .contains(&outstanding(10)));
    // Where resources are centralised upward, the superior agency may run these controls.
    let html = log_duty_page(&app, &officer).await;
    let note = &html[html.find("id=\"centralised\"").unwrap()..];
    assert!(note.contains("已向上集中") && note.contains("可由上級機關維運"));
}

async fn record_drill(app: &TestApp, c: &Client, days_ago: i64) -> Uuid {
    let held_on = (portal::domain::to_taipei(Utc::now()) - Duration::days(days_ago))
        .date_naive()
        .to_string();
    let r = app
        .post_as(
            c,
            "/drills",
            &[
                ("kind", "notification_response"),
                ("held_on", &held_on),
                ("scenario", "勒索軟體演練"),
                ("participants", "王小明"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    sqlx::query_scalar("SELECT id FROM drills WHERE held_on = $1::date ORDER BY recorded_at DESC")
        .bind(held_on)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn results_on(app: &TestApp, drill: Uuid) -> Option<chrono::NaiveDate> {
    sqlx::query_scalar("SELECT results_reported_on FROM drills WHERE id = $1")
        .bind(drill)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn drill_results_are_recorded_within_their_dates_shown_against_the_month_and_reminded_once_when_late(
) {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let today = portal::domain::to_taipei(Utc::now()).date_naive();
    let recent = record_drill(&app, &officer, 3).await;
    let late = record_drill(&app, &officer, 40).await;

    // The page shows each drill's due date with the days left, or how late it is.
    let page = app.get_as(&officer, "/drills").await.text().await.unwrap();
    let cell = |page: &str, id: Uuid| {
        let start = page.find(&format!("id=\"results-{id}\"")).unwrap();
        page[start..start + page[start..].find("</td>").unwrap()].to_string()
    };
    let due = portal::domain::team::drill_results_due_on(today - Duration::days(3));
    let recent_cell = cell(&page, recent);
    assert!(
        recent_cell.contains(&format!(
            "應於 {due} 前送交主管機關（剩餘 {} 日）",
            (due - today).num_days()
        )),
        "{recent_cell}"
    );
    let late_cell = cell(&page, late);
    assert!(
        late_cell.contains("class=\"overdue\"") && late_cell.contains("已逾期"),
        "{late_cell}"
    );

    // A date before the drill, in the future, or not a date: 422, the typed date kept, nothing written.
    let results = format!("/drills/{recent}/results");
    for bad in [
        (today - Duration::days(4)).to_string(),
        (today + Duration::days(1)).to_string(),
        "next week".to_string(),
    ] {
        let r = app
            .post_as(&officer, &results, &[("results_reported_on", &bad)])
            .await;
        assert_eq!(r.status(), 422, "{bad}");
        let html = r.text().await.unwrap();
        assert!(html.contains(&format!("value=\"{bad}\"")), "{bad} kept");
        assert_eq!(results_on(&app, recent).await, None);
    }
    // Not the security officer: 403; another agency's drill: 404.
    let responder = as_user(&app, "responder@agency-a.demo").await;
    let r = app
        .post_as(
            &responder,
            &results,
            &[("results_reported_on", &today.to_string())],
        )
        .await;
    assert_eq!(r.status(), 403);
    let other = as_user(&app, "officer@agency-b.demo").await;
    let r = app
        .post_as(
            &other,
            &results,
            &[("results_reported_on", &today.to_string())],
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(results_on(&app, recent).await, None);

    // Recorded: shown as sent.
    let r = app
        .post_as(
            &officer,
            &results,
            &[("results_reported_on", &today.to_string())],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(results_on(&app, recent).await, Some(today));
    let page = app.get_as(&officer, "/drills").await.text().await.unwrap();
    assert!(cell(&page, recent).contains(&format!("已於 {today} 送交主管機關")));

    // The late drill's results are reminded to the CISO and the security officers, once.
    let mails = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT o.to_address FROM outbox o JOIN agencies a ON a.id = o.agency_id \
             WHERE a.code = 'AGA' AND o.subject LIKE '%演練結果%' ORDER BY o.to_address",
        )
        .fetch_all(&app.pool)
        .await
        .unwrap()
    };
    assert_eq!(
        portal::jobs::remind_drill_results(&app.pool).await.unwrap(),
        1
    );
    assert_eq!(
        mails().await,
        ["ciso@agency-a.demo", "officer@agency-a.demo"]
    );
    assert_eq!(
        portal::jobs::remind_drill_results(&app.pool).await.unwrap(),
        0
    );
    assert_eq!(mails().await.len(), 2, "reminded once");
    // Once sent, nothing more to remind (the claim forgotten, still nothing).
    sqlx::query("DELETE FROM agency_reminders")
        .execute(&app.pool)
        .await
        .unwrap();
    let r = app
        .post_as(
            &officer,
            &format!("/drills/{late}/results"),
            &[("results_reported_on", &today.to_string())],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        portal::jobs::remind_drill_results(&app.pool).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn a_drill_period_above_the_regulations_year_stops_the_portal_at_start_up() {
    let (pool, _) = crate::helpers::fresh_database().await;
    let mut settings = portal::config::Settings::for_tests();
    settings.drill_period_months = 13;
    let err = portal::startup::Application::build(&settings, pool.clone())
        .await
        .err()
        .expect("refused");
    assert!(
        format!("{err:#}").contains("PORTAL_DRILL_PERIOD_MONTHS"),
        "{err:#}"
    );
    settings.drill_period_months = 12;
    assert!(portal::startup::Application::build(&settings, pool)
        .await
        .is_ok());
}

#[tokio::test]
async fn the_team_pages_say_the_ciso_agrees_to_changes_and_the_press_officer_is_taken_on_as_needed()
{
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let ciso = as_user(&app, "ciso@agency-a.demo").await;
    let r = propose(
        &app,
        &officer,
        &[("commander", "陳指揮", "02-2345-6789", "", "甲機關")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let page = app.get_as(&ciso, "/team").await.text().await.unwrap();
    assert!(page.contains("待資通安全長同意的異動"), "{page}");
    assert!(page.contains("value=\"approve\">同意</button>"));
    assert!(page.contains("視事件需要由事件指揮官或其授權人員擔任新聞官或分組代表"));
    let r = app
        .post_as(
            &ciso,
            "/team/proposals/1/decision",
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(r.status(), 303);
    for (who, path) in [
        (&officer, "/team"),
        (&ciso, "/team"),
        (&officer, "/team/contacts"),
        (&officer, "/drills"),
        (&officer, "/log-duty"),
    ] {
        let text = visible_text(&app.get_as(who, path).await.text().await.unwrap());
        assert!(
            !text.contains("核定"),
            "{path}: the CISO agrees (同意), never 核定"
        );
        assert!(!text.contains("平台"), "{path}: 平臺, never 平台");
    }
    let page = app.get_as(&officer, "/team").await.text().await.unwrap();
    assert!(page.contains("資通安全長已同意"));
    let english = as_user(&app, "ciso@agency-a.demo").await;
    app.post_as(&english, "/language", &[("lang", "en"), ("back", "/team")])
        .await;
    let page = app.get_as(&english, "/team").await.text().await.unwrap();
    assert!(
        page.contains("Agreed by the CISO") && !page.contains("pproved"),
        "{page}"
    );
}

#[tokio::test]
async fn the_ethics_unit_may_join_only_where_national_secrets_or_sensitive_data_are_involved() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let reminder = |page: &str| {
        page.find("id=\"ethics-reminder\"").map(|at| {
            let rest = &page[at..];
            rest[..rest.find("</p>").unwrap()].to_string()
        })
    };
    for impact in ["impact_leak_sensitive", "impact_tamper_national_secret"] {
        let id = file(&app, &officer, impact).await;
        let page = app
            .get_as(&officer, &format!("/incidents/{id}/team"))
            .await
            .text()
            .await
            .unwrap();
        let text = reminder(&page).unwrap_or_else(|| panic!("{impact}: {page}"));
        assert!(
            text.contains("國家機密或機關敏感性資料") && text.contains("得納入"),
            "{text}"
        );
        assert!(text.contains("政風單位"));
    }
    // A disruption of critical-infrastructure core systems (only a critical-infrastructure
    // agency such as the hospital reports one, art. 2), or core data: no secrets involved.
    let hospital = as_user(&app, "officer@hospital.demo").await;
    for (who, impact) in [
        (&hospital, "impact_disruption_sensitive"),
        (&officer, "impact_leak_core"),
    ] {
        let id = file(&app, who, impact).await;
        let page = app
            .get_as(who, &format!("/incidents/{id}/team"))
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(reminder(&page), None, "{impact}");
    }
}

#[tokio::test]
async fn without_an_agreed_roster_activation_warns_and_the_commander_staffs_the_team_from_own_users(
) {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let commander = as_user(&app, "commander@agency-a.demo").await;
    let id = file(&app, &officer, "impact_leak_national_secret").await;
    let page = app
        .get_as(&commander, &format!("/incidents/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"no-roster\""), "activation warns");
    let r = app
        .post_as(
            &commander,
            &format!("/incidents/{id}/act/activate_team"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    // The agency's own users are offered; picking one needs no organisation.
    let logistics = app.user_id("logistics@agency-a.demo").await;
    let team = app
        .get_as(&commander, &format!("/incidents/{id}/team"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        team.contains(&format!("value=\"{logistics}\"")),
        "own users listed"
    );
    let stranger = app.user_id("officer@agency-b.demo").await;
    assert!(!team.contains(&stranger.to_string()));
    let row = |user: String| {
        vec![
            ("position".to_string(), "logistics".to_string()),
            ("name".to_string(), "Logistics Lee".to_string()),
            ("user_id".to_string(), user),
            ("organisation".to_string(), String::new()),
            ("phone".to_string(), "02-2345-6789".to_string()),
            ("email".to_string(), String::new()),
            ("after_hours".to_string(), String::new()),
            ("deputy".to_string(), "no".to_string()),
        ]
    };
    let post = |fields: Vec<(String, String)>| {
        let app = &app;
        let commander = &commander;
        async move {
            let f: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            app.post_as(commander, &format!("/incidents/{id}/team"), &f)
                .await
        }
    };
    // Another agency's user is refused, the form keeps what was typed.
    let r = post(row(stranger.to_string())).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Logistics Lee"));
    let r = post(row(logistics.to_string())).await;
    assert_eq!(r.status(), 303);
    let team = app
        .get_as(&officer, &format!("/incidents/{id}/team"))
        .await
        .text()
        .await
        .unwrap();
    assert!(team.contains("Logistics Lee"));
}
