use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, token, TestApp, DEMO_PASSWORD};

async fn call(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = app
        .client
        .request(method.parse().unwrap(), app.url(path))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn filing(aware_minutes_ago: i64, impacts: Value) -> Value {
    json!({
        "title": "Phishing page on the portal",
        "aware_at": (Utc::now() - Duration::minutes(aware_minutes_ago)).to_rfc3339(),
        "category": "web_attack",
        "subcategory": "phishing_page",
        "impacts": impacts,
        "personal_data": false,
        "summary": "A cloned login page was found.",
        "affected_systems": ["官方網站"],
    })
}

#[tokio::test]
async fn a_token_is_issued_only_for_the_right_password_and_required_everywhere() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": "officer@agency-a.demo", "password": "wrong" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    for path in ["/api/v1/incidents", "/api/v1/review-queue"] {
        let (status, body) = call(&app, "not-a-token", "GET", path, None).await;
        assert_eq!(status, 401, "{path}");
        assert!(body["error"].is_string());
    }
    let r = app
        .client
        .get(app.url("/api/v1/incidents"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "no header");
}

#[tokio::test]
async fn filing_over_the_api_returns_the_number_level_target_and_deadlines() {
    let app = spawn_app().await;
    let t = token(&app, "officer@agency-a.demo").await;
    let (status, body) = call(
        &app,
        &t,
        "POST",
        "/api/v1/incidents",
        Some(filing(
            20,
            json!([{"kind":"tamper","asset":"core","severe":true}]),
        )),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert!(body["number"].as_str().unwrap().starts_with("AGA-"));
    assert_eq!(body["level"], 3);
    assert_eq!(body["major"], true);
    assert_eq!(body["stage"], "report");
    assert_eq!(body["escalation_target"]["name"], "示範部");
    for d in ["report_due", "review_due", "containment_due"] {
        assert!(body["deadlines"][d].is_string(), "{d}: {body}");
    }
    assert!(
        body["deadlines"]["report_submission_due"].is_null(),
        "not determined before containment"
    );
    assert!(!body["missing"].as_array().unwrap().is_empty());
    assert_eq!(body["timeline"][0]["kind"], "filed");

    let id = body["id"].as_str().unwrap().to_string();
    let (status, got) = call(&app, &t, "GET", &format!("/api/v1/incidents/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(got["number"], body["number"]);
    let (status, list) = call(&app, &t, "GET", "/api/v1/incidents?level=3", None).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["next"].is_null());
}

#[tokio::test]
async fn bad_filings_get_422_with_field_errors_and_write_nothing() {
    let app = spawn_app().await;
    let t = token(&app, "officer@agency-a.demo").await;
    let impacts = json!([{"kind":"leak","asset":"core","severe":false}]);
    let mut future = filing(0, impacts.clone());
    future["aware_at"] = json!((Utc::now() + Duration::hours(2)).to_rfc3339());
    let mut after = filing(60, impacts.clone());
    after["occurred_at"] = json!((Utc::now() - Duration::minutes(5)).to_rfc3339());
    let mut no_title = filing(10, impacts.clone());
    no_title["title"] = json!("");
    let mut bad_category = filing(10, impacts.clone());
    bad_category["category"] = json!("volcano");
    let mut bad_time = filing(10, impacts.clone());
    bad_time["aware_at"] = json!("yesterday");
    let cases = [
        (future, "aware_at"),
        (after, "occurred_at"),
        (no_title, "title"),
        (bad_category, "category"),
        (bad_time, "aware_at"),
        (filing(10, json!([])), "impacts"),
    ];
    for (body, field) in cases {
        let (status, answer) = call(&app, &t, "POST", "/api/v1/incidents", Some(body)).await;
        assert_eq!(status, 422, "{field}: {answer}");
        assert!(answer["fields"][field].is_string(), "{field}: {answer}");
    }
    let (status, answer) = call(
        &app,
        &t,
        "POST",
        "/api/v1/incidents",
        Some(filing(
            10,
            json!([{"kind":"explode","asset":"core","severe":true}]),
        )),
    )
    .await;
    assert_eq!(status, 422);
    assert!(answer["error"]
        .as_str()
        .unwrap()
        .contains("unknown variant"));
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM incidents")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn the_reviewer_reviews_over_the_api_and_other_agencies_get_404() {
    let app = spawn_app().await;
    let officer = token(&app, "officer@agency-a.demo").await;
    let (_, body) = call(
        &app,
        &officer,
        "POST",
        "/api/v1/incidents",
        Some(filing(
            10,
            json!([{"kind":"leak","asset":"core","severe":false}]),
        )),
    )
    .await;
    let id = body["id"].as_str().unwrap().to_string();

    let stranger = token(&app, "officer@agency-b.demo").await;
    let (status, _) = call(
        &app,
        &stranger,
        "GET",
        &format!("/api/v1/incidents/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, list) = call(&app, &stranger, "GET", "/api/v1/incidents", None).await;
    assert_eq!(status, 200);
    assert!(list["items"].as_array().unwrap().is_empty());
    let (status, _) = call(
        &app,
        &stranger,
        "POST",
        &format!("/api/v1/incidents/{id}/actions/activate_team"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 404);
    let health = token(&app, "reviewer@health.demo").await;
    let (status, _) = call(
        &app,
        &health,
        "POST",
        &format!("/api/v1/incidents/{id}/review"),
        Some(json!({"level": 1, "reason": "x"})),
    )
    .await;
    assert_eq!(status, 404);
    let (_, queue) = call(&app, &health, "GET", "/api/v1/review-queue", None).await;
    assert!(queue["items"].as_array().unwrap().is_empty());

    let reviewer = token(&app, "reviewer@ministry.demo").await;
    let (status, queue) = call(&app, &reviewer, "GET", "/api/v1/review-queue", None).await;
    assert_eq!(status, 200);
    assert_eq!(queue["items"][0]["id"], json!(id));
    let (status, _) = call(
        &app,
        &reviewer,
        "POST",
        &format!("/api/v1/incidents/{id}/review"),
        Some(json!({"level": 3})),
    )
    .await;
    assert_eq!(status, 422, "a change of level needs a reason");
    let (status, _) = call(
        &app,
        &officer,
        "POST",
        &format!("/api/v1/incidents/{id}/review"),
        Some(json!({"level": 3, "reason": "self"})),
    )
    .await;
    assert_eq!(status, 403, "the agency does not review its own level");
    let (status, body) = call(
        &app,
        &reviewer,
        "POST",
        &format!("/api/v1/incidents/{id}/review"),
        Some(json!({"level": 3, "reason": "核心系統受影響"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["level"], 3);
    assert!(body["reviewed_at"].is_string());
    let kinds: Vec<&str> = body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["filed", "level_reviewed"]);
}

#[tokio::test]
async fn stage_actions_have_api_twins_with_409_out_of_order_and_403_for_the_wrong_role() {
    let app = spawn_app().await;
    let officer = token(&app, "officer@agency-a.demo").await;
    let (_, body) = call(
        &app,
        &officer,
        "POST",
        "/api/v1/incidents",
        Some(filing(
            10,
            json!([{"kind":"leak","asset":"national_secret","severe":false}]),
        )),
    )
    .await;
    let id = body["id"].as_str().unwrap().to_string();
    let act = |who: String, action: &'static str, fields: Value| {
        let app = &app;
        let id = id.clone();
        async move {
            call(
                app,
                &who,
                "POST",
                &format!("/api/v1/incidents/{id}/actions/{action}"),
                Some(fields),
            )
            .await
        }
    };
    let (status, body) = act(officer.clone(), "complete_stage", json!({})).await;
    assert_eq!(status, 409);
    assert!(!body["missing"].as_array().unwrap().is_empty(), "{body}");
    let (status, _) = act(officer.clone(), "activate_team", json!({})).await;
    assert_eq!(status, 403);
    let (status, body) = act(
        officer.clone(),
        "escalation_notice",
        json!({"told": "示範部", "means": "phone", "at": Utc::now().to_rfc3339()}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = act(officer.clone(), "complete_stage", json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stage"], "response_team");
    let (status, _) = act(officer.clone(), "no_such_action", json!({})).await;
    assert_eq!(status, 404);
    let (status, _) = act(
        officer.clone(),
        "escalation_notice",
        json!({"told": {"nested": true}}),
    )
    .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn nul_characters_anywhere_get_422_not_a_server_error() {
    // Found by schemathesis: PostgreSQL cannot store NUL, so it must never reach it.
    let app = spawn_app().await;
    let r = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": "a\u{0}b@agency-a.demo", "password": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let t = token(&app, "officer@agency-a.demo").await;
    let mut body = filing(10, json!([{"kind":"leak","asset":"core","severe":false}]));
    body["other_means"] = json!({"reported_at": (Utc::now() - Duration::minutes(5)).to_rfc3339(), "reason": "W\u{0}"});
    let (status, _) = call(&app, &t, "POST", "/api/v1/incidents", Some(body)).await;
    assert_eq!(status, 422);
    let mut body = filing(10, json!([{"kind":"leak","asset":"core","severe":false}]));
    body["other_means"] = json!({"reported_at": (Utc::now() - Duration::minutes(5)).to_rfc3339(), "reason": "line\u{7}bell"});
    let (status, answer) = call(&app, &t, "POST", "/api/v1/incidents", Some(body)).await;
    assert_eq!(status, 422);
    assert!(
        answer["fields"]["other_means_reason"].is_string(),
        "{answer}"
    );
    // The same through a form.
    let r = app
        .sign_in_as(
            &crate::helpers::client(),
            "officer@agency-a.demo\u{0}",
            DEMO_PASSWORD,
        )
        .await;
    assert_eq!(r.status(), 422);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM incidents")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn the_served_description_lists_every_api_route_and_each_stage_actions_own_request() {
    use portal::domain::StageActionKind;
    let app = spawn_app().await;
    let served: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        served,
        serde_json::to_value(portal::web::api::description()).unwrap()
    );
    // The API's routes are registered from the description; a route added beside it (a plain
    // `.route("/api/v1/…")`) would be served but not described.
    for (method, path) in crate::matrix::page_routes() {
        assert!(
            !path.starts_with("/api/"),
            "{method} {path} is served but missing from the OpenAPI description"
        );
    }
    let mut requests = std::collections::HashSet::new();
    for k in StageActionKind::ALL {
        let path = if k == StageActionKind::Review {
            "/api/v1/incidents/{id}/review".to_string()
        } else {
            format!("/api/v1/incidents/{{id}}/actions/{}", k.name())
        };
        let op = &served["paths"][&path]["post"];
        let schema = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: no request schema"))
            .trim_start_matches("#/components/schemas/")
            .to_string();
        assert!(
            served["components"]["schemas"][&schema].is_object(),
            "{path}: {schema} is not described"
        );
        // Actions that record nothing but themselves share the empty request; the two periodic
        // reports (control effect, improvement progress) share the report's content.
        if !["NoFields", "PeriodicReportInput"].contains(&schema.as_str()) {
            assert!(
                requests.insert(schema.clone()),
                "{schema} serves two actions"
            );
        }
    }
    assert!(requests.len() >= 12, "{requests:?}");
    // Fields carry their types: formats, enums, required.
    let schemas = &served["components"]["schemas"];
    let notice = &schemas["EscalationNoticeInput"]["properties"];
    assert!(
        serde_json::to_string(&notice["at"])
            .unwrap()
            .contains("date-time"),
        "{notice}"
    );
    let means = serde_json::to_string(&schemas["NoticeMeansChoice"]).unwrap();
    assert!(
        means.contains("phone") && means.contains("other"),
        "{means}"
    );
    let upload = serde_json::to_string(&schemas["EvidenceUpload"]["required"]).unwrap();
    assert!(
        upload.contains("source_system"),
        "the upload requires source_system: {upload}"
    );
}
