//! The TAXII 2.1 server (#17 item 3), read by a real TAXII client (`taxii2-client` from PyPI,
//! tests/taxii/client.py) and probed over raw HTTP for what a client should never get.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::evidence::file;
use crate::helpers::{as_user, spawn_app, token, TestApp};
use crate::tokens::issue;

const TAXII: &str = "application/taxii+json;version=2.1";

async fn add(app: &TestApp, bearer: &str, incident: Uuid, value: &str, tlp: &str) {
    let r = app
        .client
        .post(app.url(&format!("/api/v1/incidents/{incident}/indicators")))
        .bearer_auth(bearer)
        .json(&json!({"type": "domain", "value": value, "tlp": tlp}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{value}");
}

/// Runs the TAXII client against the app; its findings as JSON.
async fn client(app: &TestApp, token: &str, per_page: usize, added_after: Option<&str>) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/taxii/client.py");
    let mut cmd = tokio::process::Command::new("python3");
    cmd.arg(script)
        .arg(&app.base)
        .arg(token)
        .arg(per_page.to_string());
    if let Some(a) = added_after {
        cmd.arg(a);
    }
    let out = cmd.output().await.expect("python3 runs");
    assert!(
        out.status.success(),
        "taxii2-client failed (pip install taxii2-client):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn collection<'a>(found: &'a Value, title_part: &str) -> &'a Value {
    found["api_roots"][0]["collections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"].as_str().unwrap().contains(title_part))
        .unwrap_or_else(|| panic!("no collection titled …{title_part}… in {found}"))
}

/// (type, pattern or name) of each object, in the order received.
fn listed(c: &Value) -> Vec<(String, String)> {
    c["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let what = o["pattern"].as_str().or(o["name"].as_str()).unwrap();
            (o["type"].as_str().unwrap().to_string(), what.to_string())
        })
        .collect()
}

fn pattern(v: &str) -> (String, String) {
    ("indicator".into(), format!("[domain-name:value = '{v}']"))
}

fn marking(name: &str) -> (String, String) {
    ("marking-definition".into(), name.into())
}

#[tokio::test]
async fn a_ministry_s_platform_reads_its_collection_page_by_page_with_taxii2_client() {
    let app = spawn_app().await;
    let a = as_user(&app, "officer@agency-a.demo").await;
    let ta = token(&app, "officer@agency-a.demo").await;
    let ia = file(&app, &a).await;
    for (v, tlp) in [
        ("one.example.com", "green"),
        ("two.example.com", "amber"),
        ("red.example.com", "red"),
        ("strict.example.com", "amber+strict"),
        ("three.example.com", "clear"),
    ] {
        add(&app, &ta, ia, v, tlp).await;
    }
    let h = as_user(&app, "officer@hospital.demo").await;
    let th = token(&app, "officer@hospital.demo").await;
    let ih = file(&app, &h).await;
    add(&app, &th, ih, "hospital.example.com", "green").await;

    let ministry_web = as_user(&app, "reviewer@ministry.demo").await;
    let share = issue(&app, &ministry_web, "TI platform", &["share"]).await;
    let found = client(&app, &share, 2, None).await;
    assert!(found["title"].as_str().unwrap().contains("TAXII"));
    assert_eq!(
        found["basic_title"], found["title"],
        "Basic authentication works too"
    );
    let root = &found["api_roots"][0];
    assert_eq!(root["versions"], json!([TAXII]));
    let collections = root["collections"].as_array().unwrap();
    assert_eq!(
        collections.len(),
        1,
        "the ministry supervises one tree: {collections:?}"
    );
    let c = &collections[0];
    assert_eq!(
        (c["can_read"].clone(), c["can_write"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(found["basic_collections"], json!([c["id"]]));
    // Markings first (added when OASIS published them: the labels this caller may receive,
    // AMBER+STRICT among them as the ministry's own incidents are in its collection), then the
    // indicators in the order they were recorded; never RED or AMBER+STRICT ones of the
    // agencies below, nothing from the hospital's tree.
    let got = listed(c);
    let markings: BTreeSet<(String, String)> = got[..4].iter().cloned().collect();
    assert_eq!(
        markings,
        ["TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT"]
            .map(marking)
            .into_iter()
            .collect()
    );
    assert_eq!(
        got[4..],
        [
            pattern("one.example.com"),
            pattern("two.example.com"),
            pattern("three.example.com"),
        ]
    );
    assert_eq!(c["pages"], 4, "seven objects two per page");
    let manifest: Vec<&Value> = c["manifest"].as_array().unwrap().iter().collect();
    let ids: Vec<&Value> = c["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["id"])
        .collect();
    assert_eq!(manifest.iter().map(|m| &m["id"]).collect::<Vec<_>>(), ids);
    // The same indicator objects as the incident's own STIX export, byte for byte in content.
    let export: Value = app
        .get_as(&ministry_web, &format!("/incidents/{ia}/indicators.stix"))
        .await
        .json()
        .await
        .unwrap();
    for o in c["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["type"] == "indicator")
    {
        let same = export["objects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == o["id"])
            .unwrap_or_else(|| panic!("{} is not in the file export", o["id"]));
        assert_eq!(same, o);
    }

    // A platform polls with the last date_added it saw: only what was recorded since.
    let last = manifest.last().unwrap()["date_added"]
        .as_str()
        .unwrap()
        .to_string();
    let nothing = client(&app, &share, 2, Some(&last)).await;
    assert!(listed(&nothing["api_roots"][0]["collections"][0]).is_empty());
    add(&app, &ta, ia, "four.example.com", "amber").await;
    let polled = client(&app, &share, 2, Some(&last)).await;
    assert_eq!(
        listed(&polled["api_roots"][0]["collections"][0]),
        vec![pattern("four.example.com")]
    );

    // The competent authority sees one collection per supervising agency, its own holding all.
    let acs_web = as_user(&app, "acs-reviewer@acs.demo").await;
    let acs = issue(&app, &acs_web, "national ISAC", &["share"]).await;
    let everything = client(&app, &acs, 100, None).await;
    let titles: BTreeSet<String> = everything["api_roots"][0]["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap().to_string())
        .collect();
    assert!(
        titles.len() >= 3,
        "ACS, the ministry and the health ministry: {titles:?}"
    );
    let all = collection(&everything, "Administration for Cyber Security");
    let seen: BTreeSet<(String, String)> = listed(all).into_iter().collect();
    assert!(seen.contains(&pattern("hospital.example.com")));
    assert!(seen.contains(&pattern("four.example.com")));
    assert!(!seen.contains(&pattern("red.example.com")));
    assert!(!seen.contains(&pattern("strict.example.com")));
}

async fn raw(
    app: &TestApp,
    path: &str,
    auth: Option<&str>,
    accept: Option<&str>,
) -> reqwest::Response {
    let mut r = app.client.get(app.url(path));
    if let Some(t) = auth {
        r = r.bearer_auth(t);
    }
    if let Some(a) = accept {
        r = r.header("accept", a);
    }
    r.send().await.unwrap()
}

#[tokio::test]
async fn tokens_agencies_and_parameters_a_taxii_server_must_refuse() {
    let app = spawn_app().await;
    let ministry_web = as_user(&app, "reviewer@ministry.demo").await;
    let share = issue(&app, &ministry_web, "feed", &["share"]).await;
    let read_only = issue(&app, &ministry_web, "reader", &["read"]).await;
    let officer_web = as_user(&app, "officer@agency-a.demo").await;
    let not_supervising = issue(&app, &officer_web, "feed", &["share"]).await;
    let collections = "/taxii2/api/collections/";

    // Discovery is open; everything else needs a share token of a supervising agency.
    let r = raw(&app, "/taxii2/", None, Some(TAXII)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], TAXII);
    let r = raw(&app, collections, None, None).await;
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    assert_eq!(r.headers()["content-type"], TAXII);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["http_status"], "401");
    assert_eq!(
        raw(&app, collections, Some("0".repeat(64).as_str()), None)
            .await
            .status(),
        401
    );
    assert_eq!(
        raw(&app, collections, Some(&read_only), None)
            .await
            .status(),
        403
    );
    assert_eq!(
        raw(&app, collections, Some(&not_supervising), None)
            .await
            .status(),
        403
    );
    // A share token reads TAXII and nothing else of the API.
    assert_eq!(
        raw(&app, collections, Some(&share), None).await.status(),
        200
    );
    assert_eq!(
        raw(&app, "/api/v1/incidents", Some(&share), None)
            .await
            .status(),
        403
    );

    let list: Value = raw(&app, collections, Some(&share), None)
        .await
        .json()
        .await
        .unwrap();
    let mine = list["collections"][0]["id"].as_str().unwrap().to_string();
    let objects = format!("{collections}{mine}/objects/");
    // Another supervising agency's collection, or none at all: 404.
    let health: Uuid = portal::domain::taxii::collection_id("MOHW");
    for other in [
        health.to_string(),
        Uuid::new_v4().to_string(),
        "not-a-uuid".into(),
    ] {
        let r = raw(
            &app,
            &format!("{collections}{other}/objects/"),
            Some(&share),
            None,
        )
        .await;
        assert_eq!(r.status(), 404, "{other}");
    }
    // Parameters: refused with 400 naming the problem, never a page of something else.
    for (query, says) in [
        ("limit=0", "limit"),
        ("limit=lots", "limit"),
        ("added_after=yesterday", "added_after"),
        ("next=forged", "next"),
        ("match%5Bid%5D=indicator--1", "match[id]"),
    ] {
        let r = raw(&app, &format!("{objects}?{query}"), Some(&share), None).await;
        assert_eq!(r.status(), 400, "{query}");
        let body: Value = r.json().await.unwrap();
        assert!(
            body["description"].as_str().unwrap().contains(says),
            "{body}"
        );
    }
    // An Accept the server cannot answer.
    let r = raw(
        &app,
        &objects,
        Some(&share),
        Some("application/taxii+json;version=2.0"),
    )
    .await;
    assert_eq!(r.status(), 406);
    // A page carries the date-added headers.
    let r = raw(
        &app,
        &format!("{objects}?limit=1"),
        Some(&share),
        Some(TAXII),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-taxii-date-added-first"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["more"], true);
    assert_eq!(body["objects"].as_array().unwrap().len(), 1);
}
