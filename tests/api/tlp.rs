//! TLP 2.0 markings on indicators (#17 item 2): what each marking lets travel, seen through the
//! pages, the API, the exports, the correlation, the search and the timeline of a real server,
//! and the database's own reading rule.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::evidence::file;
use crate::helpers::{as_user, spawn_app, token, TestApp};

async fn add(app: &TestApp, bearer: &str, incident: Uuid, body: Value) -> Value {
    let r = app
        .client
        .post(app.url(&format!("/api/v1/incidents/{incident}/indicators")))
        .bearer_auth(bearer)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{body}: {}", r.status());
    r.json().await.unwrap()
}

async fn text(app: &TestApp, c: &reqwest::Client, path: &str) -> String {
    let r = app.get_as(c, path).await;
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

/// Markings in a STIX bundle: each indicator's pattern with the label of its marking.
fn marked(bundle: &str) -> Vec<(String, String)> {
    let v: Value = serde_json::from_str(bundle).unwrap();
    let objects = v["objects"].as_array().unwrap();
    let name_of = |id: &Value| {
        objects
            .iter()
            .find(|o| o["type"] == "marking-definition" && &o["id"] == id)
            .map(|m| m["name"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("marking {id} is not defined in the bundle"))
    };
    let mut out: Vec<(String, String)> = objects
        .iter()
        .filter(|o| o["type"] == "indicator")
        .map(|o| {
            let refs = o["object_marking_refs"].as_array().unwrap();
            assert_eq!(refs.len(), 1, "{o}");
            (
                o["pattern"].as_str().unwrap().to_string(),
                name_of(&refs[0]),
            )
        })
        .collect();
    out.sort();
    out
}

const RED: &str = "red-only.example.com";
const STRICT: &str = "strict-only.example.com";
const GREEN: &str = "green.example.com";
const AMBER: &str = "amber.example.com";

#[tokio::test]
async fn red_never_leaves_the_agency_and_amber_strict_stays_within_it() {
    let app = spawn_app().await;
    let a = as_user(&app, "officer@agency-a.demo").await;
    let ta = token(&app, "officer@agency-a.demo").await;
    let ia = file(&app, &a).await;
    let red = add(
        &app,
        &ta,
        ia,
        json!({"type": "domain", "value": RED, "tlp": "TLP:RED"}),
    )
    .await;
    assert_eq!(red["tlp"], "red");
    add(
        &app,
        &ta,
        ia,
        json!({"type": "domain", "value": STRICT, "tlp": "amber+strict"}),
    )
    .await;
    add(
        &app,
        &ta,
        ia,
        json!({"type": "domain", "value": GREEN, "tlp": "green"}),
    )
    .await;
    let unmarked = add(&app, &ta, ia, json!({"type": "domain", "value": AMBER})).await;
    assert_eq!(unmarked["tlp"], "amber", "unmarked is TLP:AMBER");
    // A re-recording never loosens a marking: GREEN stays stricter than CLEAR, RED stays RED.
    let again = add(
        &app,
        &ta,
        ia,
        json!({"type": "domain", "value": RED, "tlp": "clear"}),
    )
    .await;
    assert_eq!(again["tlp"], "red");

    // The agency's own people read all four, with their labels.
    let own_page = text(&app, &a, &format!("/incidents/{ia}/indicators")).await;
    for v in [RED, STRICT, GREEN, AMBER] {
        assert!(own_page.contains(v), "{v} on the agency's own page");
    }
    assert!(own_page.contains("TLP:RED") && own_page.contains("TLP:AMBER+STRICT"));
    // Its own export carries AMBER+STRICT (marked so) but never RED.
    let own_stix = text(&app, &a, &format!("/incidents/{ia}/indicators.stix")).await;
    assert_eq!(
        marked(&own_stix),
        vec![
            (
                format!("[domain-name:value = '{AMBER}']"),
                "TLP:AMBER".into()
            ),
            (
                format!("[domain-name:value = '{GREEN}']"),
                "TLP:GREEN".into()
            ),
            (
                format!("[domain-name:value = '{STRICT}']"),
                "TLP:AMBER+STRICT".into()
            ),
        ]
    );
    let own_csv = text(&app, &a, &format!("/incidents/{ia}/indicators.csv")).await;
    assert!(
        own_csv.contains("TLP:AMBER+STRICT") && !own_csv.contains(RED),
        "{own_csv}"
    );

    // The ministry above reads only what may leave the agency, everywhere it looks.
    let ministry = as_user(&app, "reviewer@ministry.demo").await;
    let page = text(&app, &ministry, &format!("/incidents/{ia}/indicators")).await;
    assert!(page.contains(GREEN) && page.contains(AMBER), "{page}");
    assert!(!page.contains(RED) && !page.contains(STRICT), "{page}");
    let stix = text(&app, &ministry, &format!("/incidents/{ia}/indicators.stix")).await;
    assert_eq!(marked(&stix).len(), 2, "{stix}");
    assert!(!stix.contains(RED) && !stix.contains(STRICT));
    let csv = text(&app, &ministry, &format!("/incidents/{ia}/indicators.csv")).await;
    assert!(!csv.contains(RED) && !csv.contains(STRICT), "{csv}");
    // The timeline tells the ministry that such indicators were recorded, not what they are.
    let incident = text(&app, &ministry, &format!("/incidents/{ia}")).await;
    assert!(
        incident.contains(GREEN),
        "the timeline names shared indicators"
    );
    assert!(
        !incident.contains(RED) && !incident.contains(STRICT),
        "{incident}"
    );
    assert!(
        incident.contains("TLP:RED"),
        "the timeline says one was withheld"
    );
    // Searching for the value finds nothing above the agency; the agency finds its incident.
    let found = text(&app, &ministry, &format!("/search?q={RED}")).await;
    assert!(
        !found.contains(&ia.to_string()),
        "RED value found by the ministry"
    );
    let own_found = text(&app, &a, &format!("/search?q={RED}")).await;
    assert!(own_found.contains(&ia.to_string()), "{own_found}");

    // Correlation: the same RED and AMBER+STRICT values on agency B's incident do not meet;
    // the GREEN one does, and the correlated row carries the stricter of its two markings.
    let b = as_user(&app, "officer@agency-b.demo").await;
    let tb = token(&app, "officer@agency-b.demo").await;
    let ib = file(&app, &b).await;
    add(
        &app,
        &tb,
        ib,
        json!({"type": "domain", "value": RED, "tlp": "red"}),
    )
    .await;
    add(
        &app,
        &tb,
        ib,
        json!({"type": "domain", "value": STRICT, "tlp": "amber+strict"}),
    )
    .await;
    add(
        &app,
        &tb,
        ib,
        json!({"type": "domain", "value": GREEN, "tlp": "amber"}),
    )
    .await;
    let correlation = text(&app, &ministry, "/indicators/correlation").await;
    assert!(correlation.contains(GREEN), "{correlation}");
    assert!(!correlation.contains(RED) && !correlation.contains(STRICT));
    let correlated = text(&app, &ministry, "/indicators/correlation.stix").await;
    assert_eq!(
        marked(&correlated),
        vec![(
            format!("[domain-name:value = '{GREEN}']"),
            "TLP:AMBER".into()
        )]
    );
}

#[tokio::test]
async fn the_database_itself_keeps_red_and_amber_strict_rows_from_supervising_agencies() {
    let app = spawn_app().await;
    let a = as_user(&app, "officer@agency-a.demo").await;
    let ta = token(&app, "officer@agency-a.demo").await;
    let ia = file(&app, &a).await;
    for (value, tlp) in [(RED, "red"), (STRICT, "amber+strict"), (GREEN, "green")] {
        add(
            &app,
            &ta,
            ia,
            json!({"type": "domain", "value": value, "tlp": tlp}),
        )
        .await;
    }
    // As the serving role, acting for a person of the ministry, with no filter in the query:
    // row-level security alone answers.
    let seen_as = |email: &'static str| {
        let pool = app.pool.clone();
        async move {
            let mut tx = pool.begin().await.unwrap();
            let user: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                .bind(email)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            sqlx::query("SET LOCAL ROLE portal_app")
                .execute(&mut *tx)
                .await
                .unwrap();
            sqlx::query("SELECT set_config('portal.user_id', $1, true)")
                .bind(user.to_string())
                .execute(&mut *tx)
                .await
                .unwrap();
            let mut values: Vec<String> =
                sqlx::query_scalar("SELECT value FROM indicators WHERE incident_id = $1")
                    .bind(ia)
                    .fetch_all(&mut *tx)
                    .await
                    .unwrap();
            values.sort();
            values
        }
    };
    assert_eq!(
        seen_as("reviewer@ministry.demo").await,
        vec![GREEN.to_string()]
    );
    assert_eq!(seen_as("officer@agency-a.demo").await.len(), 3);
    // An unknown marking cannot be stored, even by the owner.
    let r = sqlx::query("UPDATE indicators SET tlp = 'orange' WHERE incident_id = $1")
        .bind(ia)
        .execute(&app.pool)
        .await;
    assert!(
        r.is_err(),
        "the CHECK constraint refuses an unknown marking"
    );
    // A form with an unknown marking is refused, keeping what was typed.
    let r = app
        .post_as(
            &a,
            &format!("/incidents/{ia}/indicators"),
            &[
                ("type", "domain"),
                ("value", "kept.example.com"),
                ("tlp", "orange"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("kept.example.com") && body.contains("AMBER+STRICT"),
        "{body}"
    );
}

#[tokio::test]
async fn the_agency_that_recorded_an_indicator_changes_its_marking_and_no_one_else() {
    let app = spawn_app().await;
    let a = as_user(&app, "officer@agency-a.demo").await;
    let ta = token(&app, "officer@agency-a.demo").await;
    let ia = file(&app, &a).await;
    let red = add(
        &app,
        &ta,
        ia,
        json!({"type": "domain", "value": RED, "tlp": "red"}),
    )
    .await;
    let rid = red["id"].as_str().unwrap().to_string();
    let ministry = as_user(&app, "reviewer@ministry.demo").await;
    let path = format!("/incidents/{ia}/indicators/{rid}/tlp");
    let list = format!("/incidents/{ia}/indicators");
    let ministry_page = || text(&app, &ministry, &list);
    assert!(!ministry_page().await.contains(RED));

    // The ministry may not mark it (it cannot even see it); nor may a made-up indicator be.
    let r = app.post_as(&ministry, &path, &[("tlp", "clear")]).await;
    assert!([403, 404].contains(&r.status().as_u16()), "{}", r.status());
    let r = app
        .post_as(
            &a,
            &format!("/incidents/{ia}/indicators/{}/tlp", Uuid::new_v4()),
            &[("tlp", "clear")],
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = app.post_as(&a, &path, &[("tlp", "purple")]).await;
    assert_eq!(r.status(), 422);
    assert!(
        !ministry_page().await.contains(RED),
        "a refused change changes nothing"
    );

    // Lowered to AMBER by the agency: the ministry now reads it, and the timeline says so.
    let r = app.post_as(&a, &path, &[("tlp", "amber")]).await;
    assert_eq!(r.status(), 303);
    assert!(ministry_page().await.contains(RED));
    let incident = text(&app, &ministry, &format!("/incidents/{ia}")).await;
    assert!(
        incident.contains(&format!("{RED}：TLP:RED → TLP:AMBER")),
        "{incident}"
    );

    // Raised to RED again: gone from the ministry's page, and the entry withholds the value.
    let r = app.post_as(&a, &path, &[("tlp", "red")]).await;
    assert_eq!(r.status(), 303);
    let again = app.post_as(&a, &path, &[("tlp", "RED")]).await;
    assert_eq!(again.status(), 303);
    assert!(!ministry_page()
        .await
        .contains(&format!("<code>{RED}</code>")));
    let incident = text(&app, &ministry, &format!("/incidents/{ia}")).await;
    assert!(incident.contains("TLP:AMBER → TLP:RED"), "{incident}");
    let entries: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM timeline_entries WHERE incident_id = $1 AND kind = 'indicator_marking_changed'",
    )
    .bind(ia)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        entries, 2,
        "the same marking again writes nothing; two changes, two entries"
    );
}
