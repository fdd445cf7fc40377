//! Search (`/search`, `/api/v1/search`): substrings of Chinese text, numbers and indicator
//! values, only over what the user may see, wildcards taken literally, bad searches refused.
//! Chinese text is written with escapes: the strings here stay ASCII.

use chrono::{Duration, Utc};
use reqwest::Client;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{as_user, spawn_app, token, TestApp};

/// 機房備援系統遭勒索軟體加密 (the backup system of the server room encrypted by ransomware).
const TITLE: &str = "\u{6a5f}\u{623f}\u{5099}\u{63f4}\u{7cfb}\u{7d71}\u{906d}\u{52d2}\u{7d22}\u{8edf}\u{9ad4}\u{52a0}\u{5bc6}";

/// `n` characters of [`TITLE`] from character `from`.
fn part(from: usize, n: usize) -> String {
    TITLE.chars().skip(from).take(n).collect()
}

/// Files an incident over the API with the bearer token; answers (id, number).
async fn file(app: &TestApp, bearer: &str, title: &str, summary: &str) -> (Uuid, String) {
    let r = app
        .client
        .post(app.url("/api/v1/incidents"))
        .bearer_auth(bearer)
        .json(&json!({
            "title": title,
            "aware_at": (Utc::now() - Duration::minutes(30)).to_rfc3339(),
            "category": "other",
            "impacts": [{"kind": "leak", "asset": "non_core", "severe": false}],
            "personal_data": false,
            "summary": summary,
            "affected_systems": ["backup-server"],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "filed");
    let body: Value = r.json().await.unwrap();
    (
        Uuid::parse_str(body["id"].as_str().unwrap()).unwrap(),
        body["number"].as_str().unwrap().to_string(),
    )
}

/// The API's answer to a search with the bearer token: (status, body).
async fn api_search(app: &TestApp, bearer: &str, q: &str) -> (u16, Value) {
    let r = app
        .client
        .get(app.url("/api/v1/search"))
        .bearer_auth(bearer)
        .query(&[("q", q)])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The ids an API search found, and where it found the first.
fn found(body: &Value) -> Vec<Uuid> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| Uuid::parse_str(h["incident"]["id"].as_str().unwrap()).unwrap())
        .collect()
}

fn matched(body: &Value, id: Uuid) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["incident"]["id"] == json!(id))
        .map(|h| {
            h["matched"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The search page for `q` as the client: (status, html).
async fn page(app: &TestApp, c: &Client, q: &str) -> (u16, String) {
    let r = c
        .get(app.url("/search"))
        .query(&[("q", q)])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

const A: &str = "officer@agency-a.demo";

#[tokio::test]
async fn a_chinese_title_is_found_by_two_and_four_characters_from_its_middle() {
    let app = spawn_app().await;
    let ta = token(&app, A).await;
    let (id, number) = file(&app, &ta, TITLE, "Found at night.").await;
    let officer = as_user(&app, A).await;
    for q in [part(7, 2), part(3, 4)] {
        let (status, html) = page(&app, &officer, &q).await;
        assert_eq!(status, 200, "{q}");
        assert!(html.contains(&format!("href=\"/incidents/{id}\"")), "{q}");
        assert!(html.contains(&number), "{q}: the number is shown");
        assert!(html.contains(TITLE), "{q}: the title is shown");
        // Where it was found, in the catalog's words (事件名稱), and the box keeps the text.
        assert!(
            html.contains("class=\"matched\">\u{4e8b}\u{4ef6}\u{540d}\u{7a31}</td>"),
            "{q}"
        );
        assert!(html.contains(&format!("value=\"{q}\"")), "{q}");
        let (status, body) = api_search(&app, &ta, &q).await;
        assert_eq!(status, 200);
        assert_eq!(found(&body), vec![id], "{q}");
        assert_eq!(matched(&body, id), vec!["title"]);
        assert_eq!(body["total"], 1);
    }
    // Characters of the title in another order find nothing, and say so.
    let (status, html) = page(&app, &officer, &format!("{}{}", part(8, 1), part(7, 1))).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"empty\""));
    assert!(!html.contains(&id.to_string()));
}

#[tokio::test]
async fn an_incident_is_found_by_its_number_and_by_an_indicator_value() {
    let app = spawn_app().await;
    let ta = token(&app, A).await;
    let (id, number) = file(&app, &ta, "Beacon traffic", "Seen.").await;
    let (other, _) = file(&app, &ta, "Unrelated", "Nothing.").await;
    let r = app
        .client
        .post(app.url(&format!("/api/v1/incidents/{id}/indicators")))
        .bearer_auth(&ta)
        .json(&json!({"type": "domain", "value": "c2.Needle-Search.example.net"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    let (status, body) = api_search(&app, &ta, &number).await;
    assert_eq!(status, 200);
    assert_eq!(found(&body), vec![id]);
    assert_eq!(matched(&body, id), vec!["number"]);
    // Any case, any part of the value.
    let (_, body) = api_search(&app, &ta, "NEEDLE-search").await;
    assert_eq!(found(&body), vec![id]);
    assert_eq!(matched(&body, id), vec!["indicator"]);
    // Both incidents hold the agency's code in their numbers.
    let code = number.split('-').next().unwrap().to_string();
    let (_, body) = api_search(&app, &ta, &code).await;
    let mut both = found(&body);
    both.sort();
    let mut expected = vec![id, other];
    expected.sort();
    assert_eq!(both, expected);
    // The affected systems are searched too.
    let (_, body) = api_search(&app, &ta, "ckup-ser").await;
    assert_eq!(body["total"], 2);
    assert_eq!(matched(&body, id), vec!["affected_systems"]);

    let officer = as_user(&app, A).await;
    let (status, html) = page(&app, &officer, "needle-search").await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("href=\"/incidents/{id}\"")));
    assert!(!html.contains(&format!("href=\"/incidents/{other}\"")));
}

#[tokio::test]
async fn another_agency_never_finds_an_incident_and_the_agencies_above_do() {
    let app = spawn_app().await;
    let (a, _) = file(&app, &token(&app, A).await, TITLE, "A's.").await;
    // Agency B, a sibling under the same ministry, files one holding four of the characters.
    let b_title = format!("{} (B)", part(3, 4));
    let tb = token(&app, "officer@agency-b.demo").await;
    let (b, _) = file(&app, &tb, &b_title, "B's.").await;
    let ids = |body: &Value| {
        let mut v = found(body);
        v.sort();
        v
    };
    let mut a_and_b = vec![a, b];
    a_and_b.sort();
    for (email, expected) in [
        (A, vec![a]),
        ("officer@agency-b.demo", vec![b]),
        // The hospital sits under another ministry, the independent agency under nobody but
        // the competent authority.
        ("officer@hospital.demo", vec![]),
        ("officer@independent.demo", vec![]),
        ("reviewer@health.demo", vec![]),
        // Above A and B: their ministry, and the competent authority.
        ("reviewer@ministry.demo", a_and_b.clone()),
        ("acs-reviewer@acs.demo", a_and_b.clone()),
    ] {
        let bearer = token(&app, email).await;
        let (status, body) = api_search(&app, &bearer, &part(3, 4)).await;
        assert_eq!(status, 200);
        assert_eq!(ids(&body), expected, "{email} searching 4 characters");
        // B's title lacks the next two: the two-character search finds A's only.
        let (_, body) = api_search(&app, &bearer, &part(7, 2)).await;
        let only_a: Vec<Uuid> = expected.iter().copied().filter(|x| *x == a).collect();
        assert_eq!(ids(&body), only_a, "{email} searching 2 characters");
        let web = as_user(&app, email).await;
        let (status, html) = page(&app, &web, &part(3, 4)).await;
        assert_eq!(status, 200);
        for x in [a, b] {
            assert_eq!(
                html.contains(&format!("/incidents/{x}")),
                expected.contains(&x),
                "{email}: the page lists {x} as the API does"
            );
        }
    }
}

#[tokio::test]
async fn wildcards_and_backslashes_in_a_search_are_literal() {
    let app = spawn_app().await;
    let ta = token(&app, A).await;
    let (plain, _) = file(&app, &ta, "Plain title", "Nothing odd.").await;
    let (odd, _) = file(&app, &ta, "Odd title", "Disk 100%_full at C:\\logs").await;
    for q in ["%", "_", "%_", "0%_f", "C:\\logs", "\\"] {
        let (status, body) = api_search(&app, &ta, q).await;
        assert_eq!(status, 200, "{q}");
        assert_eq!(found(&body), vec![odd], "{q} is literal");
        assert_eq!(matched(&body, odd), vec!["summary"], "{q}");
    }
    // As patterns these would match (a%e: "backup-server"); as text they do not.
    for q in ["0_%f", "%%", "__", "100\\%", "a%e"] {
        let (_, body) = api_search(&app, &ta, q).await;
        assert_eq!(body["total"], 0, "{q} matches nothing");
    }
    let (_, body) = api_search(&app, &ta, "title").await;
    assert_eq!(body["total"], 2);
    assert!(found(&body).contains(&plain));
    let officer = as_user(&app, A).await;
    let (status, html) = page(&app, &officer, "%").await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("/incidents/{odd}")));
    assert!(!html.contains(&format!("/incidents/{plain}")));
}

#[tokio::test]
async fn a_blank_search_shows_the_form_and_a_bad_one_is_refused_with_nothing_changed() {
    let app = spawn_app().await;
    let ta = token(&app, A).await;
    file(&app, &ta, TITLE, "Kept.").await;
    let officer = as_user(&app, A).await;
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM incidents")
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    let before = count().await;

    // Blank: the form, no results, no "nothing found".
    for q in ["", "   "] {
        let (status, html) = page(&app, &officer, q).await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"search\""));
        assert!(!html.contains("id=\"results\"") && !html.contains("id=\"empty\""));
        let (status, body) = api_search(&app, &ta, q).await;
        assert_eq!(status, 200);
        assert_eq!(body["total"], 0);
    }
    let r = officer.get(app.url("/search")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // The header's search form, labelled, is on every page.
    let home = officer.get(app.url("/")).send().await.unwrap();
    let home = home.text().await.unwrap();
    assert!(home.contains("action=\"/search\" role=\"search\""));
    assert!(home.contains("<label for=\"site-search\""));

    let long = "x".repeat(201);
    for (q, says) in [
        ("a\u{1}b", "control"),
        ("line\nbreak", "control"),
        ("nul\u{0}", "control"),
        ("tab\there", "control"),
        (long.as_str(), "200"),
    ] {
        let (status, html) = page(&app, &officer, q).await;
        assert_eq!(status, 422, "{q:?}");
        assert!(html.contains("id=\"q-error\""), "{q:?}: says why");
        assert!(!html.contains("id=\"results\""));
        let (status, body) = api_search(&app, &ta, q).await;
        assert_eq!(status, 422, "{q:?}");
        assert!(
            body["fields"]["q"].as_str().unwrap().contains(says),
            "{q:?}: {body}"
        );
    }
    let (status, _) = page(&app, &officer, &"x".repeat(200)).await;
    assert_eq!(status, 200, "200 characters are allowed");
    let r = app
        .client
        .get(app.url("/api/v1/search?q=x&page=0"))
        .bearer_auth(&ta)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(count().await, before);
    // Signed out: the sign-in page; no token: 401.
    let r = crate::helpers::client()
        .get(app.url("/search?q=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = app
        .client
        .get(app.url("/api/v1/search?q=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn results_are_paged_keeping_the_search() {
    let app = spawn_app().await;
    let ta = token(&app, A).await;
    for n in 0..27 {
        file(&app, &ta, &format!("Paged {n}"), "Same.").await;
    }
    let officer = as_user(&app, A).await;
    let (status, html) = page(&app, &officer, "paged").await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("href=\"/incidents/").count(), 25);
    assert!(
        html.contains("href=\"?q=paged&#38;page=2\""),
        "the next page keeps q"
    );
    let r = officer
        .get(app.url("/search?q=paged&page=2"))
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert_eq!(html.matches("href=\"/incidents/").count(), 2);
    let (_, body) = api_search(&app, &ta, "PAGED").await;
    assert_eq!(body["total"], 27);
}

async fn explain(conn: &mut sqlx::PgConnection, sql: &str) -> String {
    let lines: Vec<String> = sqlx::query_scalar(sql).fetch_all(conn).await.unwrap();
    lines.join("\n")
}

#[tokio::test]
async fn the_trigram_indexes_serve_the_search() {
    let app = spawn_app().await;
    let mut conn = app.pool.acquire().await.unwrap();
    let installed: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert!(installed, "migration 0011 creates pg_trgm");
    // Few rows: without this the planner rightly reads the table instead.
    sqlx::query("SET enable_seqscan = off")
        .execute(&mut *conn)
        .await
        .unwrap();
    let plan = explain(
        &mut conn,
        "EXPLAIN SELECT i.id FROM incidents i WHERE i.number ILIKE '%abc%' OR i.title ILIKE '%abc%' \
         OR i.summary ILIKE '%abc%' OR i.affected_systems ILIKE '%abc%'",
    )
    .await;
    for index in [
        "incidents_number_trgm_idx",
        "incidents_title_trgm_idx",
        "incidents_summary_trgm_idx",
        "incidents_affected_systems_trgm_idx",
    ] {
        assert!(plan.contains(index), "{index} in\n{plan}");
    }
    let plan = explain(
        &mut conn,
        "EXPLAIN SELECT x.incident_id FROM indicators x WHERE x.value ILIKE '%abc%'",
    )
    .await;
    assert!(plan.contains("indicators_value_trgm_idx"), "{plan}");
    sqlx::query("RESET enable_seqscan")
        .execute(&mut *conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn each_of_the_two_fences_alone_keeps_another_agencys_incident_out() {
    use portal::domain::{AgencyId, AgencyScope};
    let app = spawn_app().await;
    let (a, _) = file(&app, &token(&app, A).await, TITLE, "A's.").await;
    let agency_b = crate::incidents::agency_id(&app, "AGB").await;
    let user_b = app.user_id("officer@agency-b.demo").await;
    let q = part(7, 2);
    // Row-level security alone: a query naming every agency, acting for B's officer.
    let app_pool = portal::startup::app_pool(&portal::config::Settings::for_tests(), &app.pool)
        .await
        .unwrap();
    let mut tx = portal::db::begin_as(&app_pool, user_b).await.unwrap();
    let (hits, total) = portal::db::search::incidents(&mut tx, &AgencyScope::Every, &q, 0, 10)
        .await
        .unwrap();
    assert_eq!((hits.len(), total), (0, 0));
    tx.rollback().await.unwrap();
    // The query's own filter alone: as the owner (no row-level security), naming B.
    let mut conn = app.pool.acquire().await.unwrap();
    let only_b = AgencyScope::Only(vec![AgencyId(agency_b)]);
    let (hits, _) = portal::db::search::incidents(&mut conn, &only_b, &q, 0, 10)
        .await
        .unwrap();
    assert!(hits.is_empty());
    // And either one lets through what it should.
    let (hits, _) = portal::db::search::incidents(&mut conn, &AgencyScope::Every, &q, 0, 10)
        .await
        .unwrap();
    assert_eq!(
        hits.iter().map(|h| h.incident.id).collect::<Vec<_>>(),
        vec![a]
    );
}

#[tokio::test]
async fn what_was_searched_for_and_what_was_found_are_shown_escaped() {
    let app = spawn_app().await;
    let ta = token(&app, A).await;
    file(&app, &ta, "<script>alert(1)</script>", "x").await;
    let officer = as_user(&app, A).await;
    for q in ["<script>", "\"><img src=x>"] {
        let (status, html) = page(&app, &officer, q).await;
        assert_eq!(status, 200, "{q}");
        assert!(!html.contains("<script>") && !html.contains("<img"), "{q}");
    }
    let (_, html) = page(&app, &officer, "<script>").await;
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
}
