//! `portal demo`: the demo loads Agency A's team, drills and incidents at every stage, made
//! through the services (so the timeline is whole), seen by whom it concerns only, and a second
//! load adds nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use portal::domain::ReminderPolicy;
use portal::services::demo;
use serde_json::Value;

use crate::helpers::{as_user, spawn_app, token, TestApp};

async fn load(app: &TestApp) -> demo::Loaded {
    demo::load(&app.pool, &ReminderPolicy::default())
        .await
        .expect("the demo loads")
}

async fn api(app: &TestApp, email: &str, path: &str) -> Value {
    let bearer = token(app, email).await;
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path} as {email}");
    r.json().await.unwrap()
}

/// Agency A's incidents as its officer's list shows them: title → (level, stage, id, number).
async fn own_incidents(app: &TestApp) -> BTreeMap<String, (u64, String, String, String)> {
    let list = api(app, "officer@agency-a.demo", "/api/v1/incidents").await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["title"].as_str().unwrap().to_string(),
                (
                    i["level"].as_u64().unwrap(),
                    i["stage"].as_str().unwrap().to_string(),
                    i["id"].as_str().unwrap().to_string(),
                    i["number"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

async fn page(app: &TestApp, email: &str, path: &str) -> String {
    let c = as_user(app, email).await;
    let r = app.get_as(&c, path).await;
    assert_eq!(r.status(), 200, "{path} as {email}");
    r.text().await.unwrap()
}

#[tokio::test]
async fn the_demo_loads_agency_a_at_every_stage_once() {
    let app = spawn_app().await;
    let first = load(&app).await;
    assert!(first.preparedness && first.incidents == 5, "{first:?}");

    let mine = own_incidents(&app).await;
    let seen: Vec<(u64, &str)> = mine.values().map(|(l, s, ..)| (*l, s.as_str())).collect();
    let mut by_level = seen.clone();
    by_level.sort();
    assert_eq!(
        by_level,
        [
            (1, "closed"),
            (2, "containment"),
            (2, "response_team"),
            (3, "root_cause"),
            (4, "improvement"),
        ],
        "{mine:?}"
    );
    let find = |level: u64, stage: &str| {
        mine.values()
            .find(|(l, s, ..)| *l == level && s == stage)
            .map(|(_, _, id, number)| (id.clone(), number.clone()))
            .unwrap()
    };

    // Level 3: the commander returned the root-cause report with a comment.
    let (returned, _) = find(3, "root_cause");
    let html = page(
        &app,
        "secretary@agency-a.demo",
        &format!("/incidents/{returned}"),
    )
    .await;
    assert!(html.contains("id=\"returned\""), "the return is shown");
    assert!(html.contains("請補充郵件閘道未攔截之原因"));

    // Level 4: indicators and evidence.
    let (major, _) = find(4, "improvement");
    let iocs = page(
        &app,
        "officer@agency-a.demo",
        &format!("/incidents/{major}/indicators"),
    )
    .await;
    for value in ["203.0.113.77", "update-sync.example.net"] {
        assert!(iocs.contains(value), "{value} shared");
    }
    let evidence = page(
        &app,
        "responder@agency-a.demo",
        &format!("/incidents/{major}/evidence"),
    )
    .await;
    assert!(evidence.contains("firewall-excerpt.log") || evidence.contains("防火牆日誌節錄"));
    assert!(evidence.contains("檔案伺服器系統磁碟映像"));

    // The late one: not reviewed, its review window passed, first in the ministry's queue.
    let (late, late_number) = find(2, "response_team");
    let queue = api(&app, "reviewer@ministry.demo", "/api/v1/review-queue").await;
    let queued = queue["items"].as_array().unwrap();
    assert_eq!(queued.len(), 1, "the others were reviewed: {queue}");
    assert_eq!(queued[0]["id"], late.as_str());
    assert!(queued[0]["reviewed_at"].is_null());
    let due: DateTime<Utc> = queued[0]["deadlines"]["review_due"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(due < Utc::now(), "the review is late");
    let html = page(&app, "reviewer@ministry.demo", "/review-queue").await;
    let before = html.split(&late_number).next().unwrap();
    let row = before.rsplit("<tr").next().unwrap();
    assert!(
        row.contains("class=\"overdue\""),
        "the queue marks it overdue"
    );
    // The competent authority sees it too, for it may review directly.
    let ca = api(&app, "acs-reviewer@acs.demo", "/api/v1/review-queue").await;
    assert!(ca["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["id"] == late.as_str()));

    // Nobody outside the supervision chain sees any of it.
    let other = api(&app, "officer@agency-b.demo", "/api/v1/incidents").await;
    assert_eq!(other["items"].as_array().unwrap().len(), 0);
    let outsider = as_user(&app, "officer@agency-b.demo").await;
    let r = app.get_as(&outsider, &format!("/incidents/{major}")).await;
    assert_eq!(r.status(), 404);

    // The team in force and the drills.
    let team = page(&app, "officer@agency-a.demo", "/team").await;
    assert!(team.contains("陳志明"), "the approved roster is in force");
    let drills = page(&app, "officer@agency-a.demo", "/drills").await;
    assert!(
        drills.contains("年度薪資調整通知"),
        "the social-engineering drill"
    );
    assert!(
        drills.contains("演練通報、召集應變小組"),
        "the notification drill"
    );

    // Every step went through the timeline, and the chain holds.
    let mut conn = app.pool.acquire().await.unwrap();
    let key = crate::helpers::test_key();
    let (checked, broken) = portal::db::timeline::verify_all(&mut conn, &key, &[])
        .await
        .unwrap();
    assert!(broken.is_none(), "{broken:?}");
    assert!(checked > 60, "{checked} entries");
    drop(conn);

    // Loading again adds nothing.
    let again = load(&app).await;
    assert!(!again.anything(), "{again:?}");
    assert_eq!(own_incidents(&app).await.len(), 5);
    let all: i64 = sqlx::query_scalar("SELECT count(*) FROM incidents")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(all, 5);
}

/// The text of the home page's section `id`, without markup.
fn section(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = start
        + html[start..]
            .find("</section>")
            .unwrap_or(html.len() - start);
    crate::helpers::visible_text(&html[start..end])
}

#[tokio::test]
async fn home_is_my_work_on_the_demo_each_user_sees_their_own_steps() {
    let app = spawn_app().await;
    load(&app).await;
    // The executive secretary resubmits the returned root cause (level 3, stage 4).
    let home = page(&app, "secretary@agency-a.demo", "/").await;
    let to_do = section(&home, "to-do");
    assert!(to_do.contains("電子郵件社交工程"), "{to_do}");
    assert!(to_do.contains("陳報事件指揮官"), "{to_do}");
    // Every open incident of the agency is listed with its next step and nearest deadline.
    assert!(
        !home.contains("id=\"file-incident\""),
        "the secretary does not file"
    );
    let officer_home = page(&app, "officer@agency-a.demo", "/").await;
    assert!(
        officer_home.contains("id=\"file-incident\""),
        "the officer files from home"
    );
    let open = section(&home, "open-incidents");
    for title in ["公文系統帳號遭暴力破解", "勒索軟體加密檔案伺服器", "DDoS"]
    {
        assert!(open.contains(title), "{title} not in {open}");
    }
    assert!(
        !open.contains("官網活動專區遭置換首頁"),
        "the closed one is not open work"
    );
    assert!(open.contains("下一步："), "{open}");
    // The commander has no decision waiting (the report was returned, not resubmitted).
    let home = page(&app, "commander@agency-a.demo", "/").await;
    // (A decision waiting would be in the to-do, listed once: no separate queue then.)
    assert!(!home.contains("#form-decide"), "no decision to make");
    assert!(!home.contains("id=\"decisions\""), "no empty queue");
    // The ministry's reviewer sees the late review, named and marked late.
    let home = page(&app, "reviewer@ministry.demo", "/").await;
    assert!(
        home.contains("<tr class=\"overdue\">"),
        "the late review is marked"
    );
    let reviews = section(&home, "reviews");
    assert!(
        reviews.contains("DDoS") && reviews.contains("逾期"),
        "{reviews}"
    );
    // Another agency's officer sees none of it.
    let home = page(&app, "officer@agency-b.demo", "/").await;
    assert!(!home.contains("甲機關") || !home.contains("DDoS"));
    assert!(section(&home, "open-incidents").contains("沒有未結案"));
}
