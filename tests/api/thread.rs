//! The thread between the agency and its supervising agencies: a supervisor comments, the
//! agency's officer replies, both show on the incident page in order, and the reply reaches the
//! supervising agency's reviewers.

use chrono::{Duration, Utc};

use crate::helpers::{as_user, spawn_app, token, TestApp};

async fn unread(app: &TestApp, email: &str, kind: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE u.email = $1 AND n.kind = $2 AND n.read_at IS NULL",
    )
    .bind(email)
    .bind(kind)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// The part of the page between `<section id="{id}">` and its end.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<section id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no {id} section"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap()]
}

/// A level-2 incident of Agency A filed 20 minutes after it became known: its page's path.
async fn file_level_2(app: &TestApp, officer: &reqwest::Client, title: &str) -> String {
    let aware = portal::domain::to_taipei(Utc::now() - Duration::minutes(20))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let r = app
        .post_as(
            officer,
            "/incidents",
            &[
                ("title", title),
                ("aware_at", &aware),
                ("category", "other"),
                ("impact_leak_core", "minor"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    r.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn the_agency_replies_to_its_supervisors_comment_and_the_thread_shows_both_in_order() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let path = file_level_2(&app, &officer, "thread-test").await;
    let reply_path = format!("{path}/act/reply_to_supervisor");

    // No comment yet: no thread, no reply form.
    let page = app.get_as(&officer, &path).await.text().await.unwrap();
    assert!(!page.contains("<section id=\"thread\">"));
    assert!(!page.contains("id=\"form-reply_to_supervisor\""));

    let reviewer = as_user(&app, "reviewer@ministry.demo").await;
    let r = app
        .post_as(
            &reviewer,
            &format!("{path}/act/comment"),
            &[("comment", "請說明影響範圍")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = app.get_as(&officer, &path).await.text().await.unwrap();
    assert!(
        page.contains("id=\"form-reply_to_supervisor\""),
        "the reply form"
    );
    let reviewer_page = app.get_as(&reviewer, &path).await.text().await.unwrap();
    assert!(!reviewer_page.contains("id=\"form-reply_to_supervisor\""));

    // A reviewer may not use the reply; another agency may not even see the incident.
    let r = app
        .post_as(&reviewer, &reply_path, &[("comment", "x")])
        .await;
    assert_eq!(r.status(), 403);
    let b = as_user(&app, "officer@agency-b.demo").await;
    let r = app.post_as(&b, &reply_path, &[("comment", "x")]).await;
    assert_eq!(r.status(), 404);

    // An empty reply is refused on the page; one too long comes back as typed.
    let r = app
        .post_as(&officer, &reply_path, &[("comment", "  ")])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"reply-comment\""), "the form again");
    assert!(html.contains("class=\"error\""));
    let long = "長".repeat(5_001);
    let r = app
        .post_as(&officer, &reply_path, &[("comment", &long)])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains(&long), "the input is kept");
    assert_eq!(
        unread(&app, "reviewer@ministry.demo", "agency_replied").await,
        0
    );

    let r = app
        .post_as(&officer, &reply_path, &[("comment", "影響範圍為官網主機")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        unread(&app, "reviewer@ministry.demo", "agency_replied").await,
        1
    );
    for nobody in [
        "reviewer@health.demo",
        "officer@agency-b.demo",
        "acs-reviewer@acs.demo",
    ] {
        assert_eq!(unread(&app, nobody, "agency_replied").await, 0, "{nobody}");
    }

    // The thread, oldest first: the ministry's comment, then Agency A's reply, with who wrote.
    let page = app.get_as(&reviewer, &path).await.text().await.unwrap();
    let thread = section(&page, "thread");
    let comment = thread.find("請說明影響範圍").expect("the comment");
    let reply = thread.find("影響範圍為官網主機").expect("the reply");
    assert!(comment < reply, "in order");
    let ministry = thread.find("示範部</td>").expect("the ministry");
    let agency_a = thread.find("甲機關</td>").expect("agency A");
    assert!(ministry < agency_a);
    assert!(thread.contains("示範部審核員") && thread.contains("甲機關資安人員"));
    let notices = app
        .get_as(&reviewer, "/notifications")
        .await
        .text()
        .await
        .unwrap();
    assert!(notices.contains("機關已回覆上級機關意見"));

    // The API twin: the officer replies again; a reviewer is refused.
    let id = path.trim_start_matches("/incidents/");
    let api = |email: &'static str, text: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(app.url(&format!(
                    "/api/v1/incidents/{id}/actions/reply_to_supervisor"
                )))
                .bearer_auth(token(app, email).await)
                .json(&serde_json::json!({ "comment": text }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(api("officer@agency-a.demo", "補充：已隔離").await, 200);
    assert_eq!(api("reviewer@ministry.demo", "x").await, 403);
    assert_eq!(
        unread(&app, "reviewer@ministry.demo", "agency_replied").await,
        2
    );
}

/// #16: the incident page reads the newest 50 timeline entries, not the whole timeline, and links
/// to the earlier ones; the thread above it still shows every message.
#[tokio::test]
async fn a_long_timeline_is_shown_fifty_entries_a_page_and_the_thread_stays_whole() {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let path = file_level_2(&app, &officer, "long-timeline").await;
    let reviewer = as_user(&app, "reviewer@ministry.demo").await;
    let r = app
        .post_as(
            &reviewer,
            &format!("{path}/act/comment"),
            &[("comment", "第一則意見")],
        )
        .await;
    assert_eq!(r.status(), 303);
    for n in 1..=55 {
        let r = app
            .post_as(
                &officer,
                &format!("{path}/act/reply_to_supervisor"),
                &[("comment", &format!("回覆第{n:02}則"))],
            )
            .await;
        assert_eq!(r.status(), 303, "reply {n}");
    }
    let id: uuid::Uuid = path.trim_start_matches("/incidents/").parse().unwrap();
    let entries: i64 =
        sqlx::query_scalar("SELECT count(*) FROM timeline_entries WHERE incident_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(
        entries >= 57,
        "{entries} entries: filed, the comment, 55 replies"
    );

    let page = app.get_as(&officer, &path).await.text().await.unwrap();
    let newest = section(&page, "timeline");
    assert_eq!(newest.matches("<li><time>").count(), 50);
    assert!(newest.contains("回覆第55則"), "the newest entry");
    assert!(
        !newest.contains("以編號"),
        "the filing entry is on an earlier page"
    );
    assert!(!newest.contains("最新的紀錄"), "already the newest page");
    let thread = section(&page, "thread");
    assert!(thread.contains("第一則意見") && thread.contains("回覆第01則"));
    assert!(thread.contains("回覆第55則"), "the whole thread");

    let at = newest
        .find("?before=")
        .expect("a link to the earlier entries")
        + 8;
    let before: String = newest[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let earlier = app
        .get_as(&officer, &format!("{path}?before={before}"))
        .await
        .text()
        .await
        .unwrap();
    let older = section(&earlier, "timeline");
    assert!(older.contains("以編號"), "the filing entry");
    assert!(!older.contains("回覆第55則"));
    assert_eq!(
        older.matches("<li><time>").count() as i64 + 50,
        entries,
        "every entry on one of the two pages, none on both"
    );
    assert!(older.contains("最新的紀錄") && !older.contains("?before="));

    // A bad entry number is read as none: the newest page, not an error.
    let r = app.get_as(&officer, &format!("{path}?before=x%00")).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<section id=\"timeline\">")
            && section(&html, "timeline").contains("回覆第55則"),
        "the newest page: {}",
        html.get(html.len().saturating_sub(3000)..).unwrap_or(&html)
    );
}
