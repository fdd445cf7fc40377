use serde_json::{json, Value};

use crate::helpers::spawn_app;

async fn classify(app: &crate::helpers::TestApp, body: Value) -> (u16, Value) {
    let r = app
        .client
        .post(app.url("/api/v1/classify"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

#[tokio::test]
async fn the_level_table_answers_over_http_without_sign_in() {
    let app = spawn_app().await;
    // (kind, asset, severe) → level, per SPEC 2.
    let cells = [
        ("leak", "non_core", false, 1),
        ("leak", "non_core", true, 2),
        ("tamper", "core", false, 2),
        ("tamper", "core", true, 3),
        ("disruption", "sensitive", false, 3),
        ("disruption", "sensitive", true, 4),
        ("leak", "national_secret", false, 4),
        ("tamper", "national_secret", true, 4),
    ];
    for (kind, asset, severe, level) in cells {
        let (status, body) = classify(
            &app,
            json!({"impacts": [{"kind": kind, "asset": asset, "severe": severe}]}),
        )
        .await;
        assert_eq!(status, 200, "{kind} {asset} {severe}: {body}");
        assert_eq!(body["level"], level, "{kind} {asset} {severe}");
        assert_eq!(body["major"], level >= 3);
        assert_eq!(body["deciding_impact"], 0);
        assert!(
            body["rule"]["zh"].as_str().unwrap().contains("級"),
            "{body}"
        );
        assert!(!body["rule"]["en"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn the_highest_impact_decides_and_its_index_is_reported() {
    let app = spawn_app().await;
    let (status, body) = classify(
        &app,
        json!({"impacts": [
            {"kind": "leak", "asset": "non_core", "severe": false},
            {"kind": "disruption", "asset": "core", "severe": true},
            {"kind": "tamper", "asset": "non_core", "severe": true}
        ]}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["level"], 3);
    assert_eq!(body["deciding_impact"], 1);
}

#[tokio::test]
async fn impossible_or_malformed_input_is_a_422_that_says_what_is_wrong() {
    let app = spawn_app().await;
    let cases = [
        (json!({"impacts": []}), "impact"),
        (
            json!({"impacts": [{"kind": "disruption", "asset": "national_secret", "severe": false}]}),
            "national",
        ),
        (
            json!({"impacts": [{"kind": "explode", "asset": "core", "severe": true}]}),
            "unknown variant",
        ),
        (
            json!({"impacts": [{"kind": "leak", "asset": "core"}]}),
            "severe",
        ),
        (
            json!({"impacts": [{"kind": "leak", "asset": "core", "severe": "yes"}]}),
            "invalid type",
        ),
        (json!({"impacts": "all of them"}), "invalid type"),
        (json!({"impacts": [], "extra": 1}), "unknown field"),
        (json!([1]), "invalid type"),
    ];
    for (body, needle) in cases {
        let (status, answer) = classify(&app, body.clone()).await;
        assert_eq!(status, 422, "{body}");
        let error = answer["error"].as_str().unwrap_or_default().to_lowercase();
        assert!(error.contains(&needle.to_lowercase()), "{body} → {error}");
    }
    for raw in [
        &b"{not json"[..],
        &b"\xff\xfe"[..],
        &b""[..],
        &br#"{"impacts": [{"kind": "leak", "asset": "core", "severe": 1e400}]}"#[..],
        &br#"{"impacts": [{"kind": "leak", "asset": "core", "severe": true}], "x": 99999999999999999999999999}"#[..],
        "[".repeat(10_000).as_bytes(),
    ] {
        let r = app
            .client
            .post(app.url("/api/v1/classify"))
            .header("content-type", "application/json")
            .body(raw.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert!(body["error"].is_string());
    }
}
