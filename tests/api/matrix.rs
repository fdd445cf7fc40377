//! The authorization matrix, generated from the router: every route in `src/web/` × every demo
//! account (and a stranger) × own / supervised / unrelated targets. 404 for what may not be
//! seen, 403 for what may be seen but not done. A route without a rule here fails the test.

use std::collections::{BTreeSet, HashMap};

use chrono::{Duration, Utc};
use portal::domain::{self, Action, AgencyId, IncidentLevel, IncidentStatus};
use reqwest::{Client, Method};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{client, csrf_in, spawn_app, TestApp, DEMO_PASSWORD};

/// The web modules' source files, folders included.
fn web_sources() -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/web"
    ))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// (method, path) of every route: the API's from its OpenAPI description (its routes are
/// registered from it), the pages' from every `.route(...)` in the web modules' source.
pub fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut found = api_routes();
    found.extend(page_routes());
    found
}

/// (method, path) of every operation the API's description lists.
pub fn api_routes() -> BTreeSet<(String, String)> {
    let api = serde_json::to_value(portal::web::api::description()).unwrap();
    let mut found = BTreeSet::new();
    for (path, item) in api["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                found.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    found
}

/// (method, path) of every `.route(...)` in the web modules' source.
pub fn page_routes() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for path in web_sources() {
        let text = std::fs::read_to_string(path).unwrap();
        for part in text.split(".route(").skip(1) {
            let path = part.split('"').nth(1).unwrap().to_string();
            let call = part.split(".route(").next().unwrap();
            let call = &call[..call.find("\n}").unwrap_or(call.len())];
            for m in ["get", "post", "put", "patch", "delete"] {
                let needle = format!("{m}(");
                if call.match_indices(&needle).any(|(i, _)| {
                    i == 0
                        || !call.as_bytes()[i - 1].is_ascii_alphanumeric()
                            && call.as_bytes()[i - 1] != b'_'
                }) {
                    found.insert((m.to_uppercase(), path.clone()));
                }
            }
        }
    }
    found
}

const DEMO: &[&str] = &[
    "acs-reviewer@acs.demo",
    "admin@acs.demo",
    "reviewer@ministry.demo",
    "officer@agency-a.demo",
    "commander@agency-a.demo",
    "secretary@agency-a.demo",
    "ciso@agency-a.demo",
    "admin@agency-a.demo",
    "responder@agency-a.demo",
    "logistics@agency-a.demo",
    "officer@agency-b.demo",
    "officer@hospital.demo",
    "reviewer@health.demo",
    "officer@independent.demo",
];

struct Person {
    email: &'static str,
    web: Client,
    csrf: String,
    token: Option<String>,
    agency_code: String,
    roles: Vec<domain::Role>,
}

impl Person {
    fn signed_in(&self) -> bool {
        self.token.is_some()
    }
    fn has(&self, r: domain::Role) -> bool {
        self.roles.contains(&r)
    }
    fn files(&self) -> bool {
        use domain::Role::*;
        [SecurityOfficer, IntelPlanning, Ciso]
            .iter()
            .any(|r| self.has(*r))
    }
}

/// Who is above whom in the demo tree (independent of the portal's own code).
fn chain_of(code: &str) -> Vec<&'static str> {
    match code {
        "AGA" | "AGB" => vec!["MIN", "ACS"],
        "HOSP" => vec!["MOHW", "ACS"],
        "ACS" => vec![],
        _ => vec!["ACS"],
    }
}

/// The demo agencies that supervise others (someone's chain names them).
fn supervises(code: &str) -> bool {
    ["MIN", "MOHW", "ACS"].contains(&code)
}

fn visible(viewer: &str, owner: &str) -> bool {
    viewer == owner || viewer == "ACS" || chain_of(owner).contains(&viewer)
}

struct Target {
    id: Uuid,
    agency_code: &'static str,
}

async fn agency_ids(app: &TestApp) -> HashMap<String, Uuid> {
    sqlx::query_as::<_, (String, Uuid)>("SELECT code, id FROM agencies")
        .fetch_all(&app.pool)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

/// The domain's answer for this person, the incident as it is now in the database.
async fn may(
    app: &TestApp,
    p: &Person,
    ids: &HashMap<String, Uuid>,
    t: &Target,
    action: Action,
) -> Result<(), domain::Denied> {
    let (status, level): (String, i16) =
        sqlx::query_as("SELECT status, level FROM incidents WHERE id = $1")
            .bind(t.id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let actor = domain::Actor {
        agency: AgencyId(ids[&p.agency_code]),
        roles: p.roles.clone(),
        agency_is_competent_authority: p.agency_code == "ACS",
        ..domain::Actor::default()
    };
    let ctx = domain::IncidentContext {
        agency: AgencyId(ids[t.agency_code]),
        status: IncidentStatus::parse(&status).unwrap(),
        level: IncidentLevel::from_number(level as u8).unwrap(),
        supervision_chain: chain_of(t.agency_code)
            .iter()
            .map(|c| AgencyId(ids[*c]))
            .collect(),
        // The notified agency: the nearest above (the competent authority when none is).
        notified_agency: chain_of(t.agency_code)
            .first()
            .map(|c| AgencyId(ids[*c]))
            .or(Some(AgencyId(ids["ACS"]))),
    };
    domain::may(&actor, action, &ctx)
}

async fn send(app: &TestApp, p: &Person, method: &str, path: &str, api: bool) -> u16 {
    let m: Method = method.parse().unwrap();
    let req = if api {
        let mut r = app.client.request(m.clone(), app.url(path));
        if let Some(t) = &p.token {
            r = r.bearer_auth(t);
        }
        if m == Method::POST {
            r = r.json(&json!({}));
        }
        r
    } else {
        let mut r = p.web.request(m.clone(), app.url(path));
        if m == Method::POST {
            let lang = if path == "/language" { "zh-TW" } else { "" };
            r = r.form(&[("csrf", p.csrf.as_str()), ("lang", lang), ("back", "/")]);
        }
        r
    };
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_rules_say() {
    let app = spawn_app().await;
    let ids = agency_ids(&app).await;

    // Incidents of four agencies: own, supervised and unrelated for somebody.
    let mut targets = Vec::new();
    for (email, code, impact) in [
        ("officer@agency-a.demo", "AGA", "impact_tamper_core"),
        ("officer@agency-b.demo", "AGB", "impact_leak_non_core"),
        ("officer@hospital.demo", "HOSP", "impact_leak_core"),
        ("officer@independent.demo", "IND", "impact_leak_non_core"),
    ] {
        let c = client();
        app.sign_in_as(&c, email, DEMO_PASSWORD).await;
        let aware = domain::to_taipei(Utc::now() - Duration::minutes(30))
            .format("%Y-%m-%dT%H:%M")
            .to_string();
        let r = app
            .post_as(
                &c,
                "/incidents",
                &[
                    ("title", "matrix"),
                    ("aware_at", &aware),
                    ("category", "other"),
                    ("affected_systems", "S"),
                    (impact, "severe"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let id = Uuid::parse_str(
            r.headers()["location"]
                .to_str()
                .unwrap()
                .trim_start_matches("/incidents/"),
        )
        .unwrap();
        targets.push(Target {
            id,
            agency_code: code,
        });
    }

    let mut people = Vec::new();
    for email in DEMO {
        let web = client();
        assert_eq!(
            app.sign_in_as(&web, email, DEMO_PASSWORD).await.status(),
            303
        );
        let csrf = csrf_in(&app.get_as(&web, "/").await.text().await.unwrap());
        let token: serde_json::Value = app
            .client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"email": email, "password": DEMO_PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let (agency_code, roles): (String, Vec<String>) = sqlx::query_as(
            "SELECT a.code, COALESCE(array_agg(g.role) FILTER (WHERE g.role IS NOT NULL), '{}') \
             FROM users u JOIN agencies a ON a.id = u.agency_id LEFT JOIN role_grants g ON g.user_id = u.id \
             WHERE u.email = $1 GROUP BY a.code",
        )
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        people.push(Person {
            email,
            web,
            csrf,
            token: Some(token["token"].as_str().unwrap().to_string()),
            agency_code,
            roles: roles
                .iter()
                .filter_map(|r| domain::Role::parse(r))
                .collect(),
        });
    }
    let stranger_web = client();
    let stranger_csrf = csrf_in(
        &app.get_as(&stranger_web, "/login")
            .await
            .text()
            .await
            .unwrap(),
    );
    people.push(Person {
        email: "(stranger)",
        web: stranger_web,
        csrf: stranger_csrf,
        token: None,
        agency_code: String::new(),
        roles: vec![],
    });

    let routes = routes_in_source();
    // Every stage action the domain has, by the name its routes use.
    let actions: Vec<&str> = domain::StageActionKind::ALL
        .iter()
        .map(|k| k.name())
        .collect();
    let responder = app.user_id("responder@agency-a.demo").await;
    let foreign_user = app.user_id("officer@agency-b.demo").await;
    let agency_b = ids["AGB"];

    let mut mismatches = Vec::new();
    let mut cells = 0;
    let mut covered = BTreeSet::new();
    // Administration changes roles, so it runs after everything else; sign-out ends sessions, last.
    let order = |r: &(String, String)| {
        (
            (r.1 == "/logout" && r.0 == "POST") || (r.1 == "/api/v1/auth/token" && r.0 == "DELETE"),
            r.1.starts_with("/admin/users/"),
        )
    };
    let mut ordered: Vec<_> = routes.iter().cloned().collect();
    ordered.sort_by_key(|r| order(r));
    for (method, path) in ordered {
        covered.insert((method.clone(), path.clone()));
        let api = path.starts_with("/api/") || path.starts_with("/taxii2/");
        for p in &people {
            let signed = p.signed_in();
            let anon = if api { vec![401] } else { vec![303] };
            let cases: Vec<(String, Vec<u16>)> = match (method.as_str(), path.as_str()) {
                ("GET", "/healthz" | "/readyz" | "/api/v1/openapi.json") => {
                    vec![(path.clone(), vec![200])]
                }
                ("GET", "/static/{file}") => vec![("/static/portal.css".into(), vec![200])],
                // TAXII (tests/api/taxii.rs): discovery is open; the rest needs a `share` token
                // (the API sign-in token carries every scope) of a supervising agency, and a
                // collection is the caller's own tree's or one below it (the ministry's: MIN
                // and ACS), 404 otherwise.
                ("GET", "/taxii2/") => vec![(path.clone(), vec![200])],
                ("GET", "/taxii2/api/" | "/taxii2/api/collections/") => {
                    let expected = if !signed {
                        vec![401]
                    } else if supervises(&p.agency_code) {
                        vec![200]
                    } else {
                        vec![403]
                    };
                    vec![(path.clone(), expected)]
                }
                (
                    "GET",
                    "/taxii2/api/collections/{id}/"
                    | "/taxii2/api/collections/{id}/objects/"
                    | "/taxii2/api/collections/{id}/manifest/",
                ) => {
                    let ministry = portal::domain::taxii::collection_id("MIN").to_string();
                    [(ministry, true), (Uuid::new_v4().to_string(), false)]
                        .into_iter()
                        .map(|(id, real)| {
                            let expected = if !signed {
                                vec![401]
                            } else if !supervises(&p.agency_code) {
                                vec![403]
                            } else if real && visible(&p.agency_code, "MIN") {
                                vec![200]
                            } else {
                                vec![404]
                            };
                            (path.replace("{id}", &id), expected)
                        })
                        .collect()
                }
                ("POST", "/api/v1/classify" | "/api/v1/auth/token") => {
                    vec![(path.clone(), vec![422])]
                }
                ("GET", "/login") => {
                    vec![(path.clone(), if signed { vec![303] } else { vec![200] })]
                }
                ("POST", "/login") => vec![(path.clone(), vec![422])],
                // SSO (tests/api/sso.rs): not configured in this app, so absent for everyone.
                ("GET", "/login/sso" | "/login/sso/callback") => {
                    vec![(path.clone(), vec![404])]
                }
                ("POST", "/language") => vec![(path.clone(), vec![303])],
                ("GET", "/logout") => vec![(path.clone(), vec![if signed { 200 } else { 303 }])],
                ("POST", "/logout") => vec![(path.clone(), vec![303])],
                // One's own password (tests/api/account.rs): signed in; empty fields are 422.
                ("GET", "/account/password") => {
                    vec![(path.clone(), if signed { vec![200] } else { anon })]
                }
                ("POST", "/account/password") => {
                    vec![(path.clone(), if signed { vec![422] } else { anon })]
                }
                // Tokens (tests/api/tokens.rs): one's own for everyone signed in, the
                // agency's for its admin; a token that does not exist is 404 to all.
                ("GET", "/account/tokens") => {
                    vec![(path.clone(), if signed { vec![200] } else { anon })]
                }
                ("POST", "/account/tokens") => {
                    vec![(path.clone(), if signed { vec![422] } else { anon })]
                }
                // MFA (tests/api/mfa.rs): the code form needs a password waiting for its code,
                // which nobody here has; one's own MFA for everyone signed in (an empty code is
                // 422; starting enrolment and turning off what is not on redirect); the agency
                // option for its administrator.
                ("GET" | "POST", "/login/otp") => vec![(path.clone(), vec![303])],
                ("GET", "/account/mfa") => {
                    vec![(path.clone(), if signed { vec![200] } else { anon })]
                }
                ("POST", "/account/mfa/confirm" | "/account/mfa/recovery-codes") => {
                    vec![(path.clone(), if signed { vec![422] } else { anon })]
                }
                ("POST", "/account/mfa/enrol" | "/account/mfa/off") => {
                    vec![(path.clone(), vec![303])]
                }
                ("POST", "/admin/mfa-policy") => vec![(
                    path.clone(),
                    if !signed {
                        anon
                    } else if p.has(domain::Role::AgencyAdmin) {
                        vec![303]
                    } else {
                        vec![403]
                    },
                )],
                ("GET", "/admin/tokens") => vec![(
                    path.clone(),
                    if !signed {
                        anon
                    } else if p.has(domain::Role::AgencyAdmin) {
                        vec![200]
                    } else {
                        vec![403]
                    },
                )],
                ("POST", "/tokens/{id}/revoke") => vec![(
                    path.replace("{id}", "987654321"),
                    if signed { vec![404] } else { anon },
                )],
                // The API's sign-out ends the caller's own token (run last).
                ("DELETE", "/api/v1/auth/token") => {
                    vec![(
                        path.clone(),
                        if p.token.is_some() {
                            vec![204]
                        } else {
                            vec![401]
                        },
                    )]
                }
                // Role grants waiting for a second person (tests/api/admin.rs): the agency's
                // administrators and CISO; a decision that names neither choice is 422.
                ("GET" | "POST", "/role-changes" | "/role-changes/{id}/decision") => {
                    let second = p.has(domain::Role::AgencyAdmin) || p.has(domain::Role::Ciso);
                    let ok = if method == "GET" { 200 } else { 422 };
                    vec![(
                        path.replace("{id}", "987654321"),
                        if !signed {
                            anon
                        } else if second {
                            vec![ok]
                        } else {
                            vec![403]
                        },
                    )]
                }
                // A forgotten password: anyone; no address is 422, no usable link 410.
                ("GET", "/password/forgot") => vec![(path.clone(), vec![200])],
                ("POST", "/password/forgot") => vec![(path.clone(), vec![422])],
                ("GET" | "POST", "/password/reset") => vec![(path.clone(), vec![410])],
                ("GET", "/notifications") => {
                    vec![(path.clone(), if signed { vec![200] } else { anon })]
                }
                ("POST", "/notifications/read") => vec![(path.clone(), vec![303])],
                ("GET", "/incidents.csv" | "/board.csv") => {
                    vec![(path.clone(), if signed { vec![200] } else { anon })]
                }
                // The incidents of the agencies below: reviewers (tests/api/below.rs).
                ("GET", "/review-queue.csv" | "/incidents/below" | "/incidents/below.csv") => {
                    vec![(
                        path.clone(),
                        if !signed {
                            anon
                        } else if p.has(domain::Role::Reviewer) {
                            vec![200]
                        } else {
                            vec![403]
                        },
                    )]
                }
                // Search: every signed-in user, over what they may see (tests/api/search.rs).
                ("GET", "/" | "/incidents" | "/board" | "/search") => {
                    vec![(path.clone(), if signed { vec![200] } else { anon })]
                }
                ("GET", "/incidents/new") => vec![(
                    path.clone(),
                    if !signed {
                        anon
                    } else if p.files() {
                        vec![200]
                    } else {
                        vec![403]
                    },
                )],
                ("POST", "/incidents") => vec![(
                    path.clone(),
                    if !signed {
                        anon
                    } else if p.files() {
                        vec![422]
                    } else {
                        vec![403]
                    },
                )],
                ("GET", "/audit") => {
                    let auditor = p.agency_code == "ACS"
                        && (p.has(domain::Role::Reviewer) || p.has(domain::Role::AgencyAdmin));
                    vec![(
                        path.clone(),
                        if !signed {
                            anon
                        } else if auditor {
                            vec![200]
                        } else {
                            vec![403]
                        },
                    )]
                }
                // The account log: the competent authority's auditors, each agency's admins
                // and CISO (domain::audit::scope_of).
                ("GET", "/audit/log" | "/audit/log.csv") => {
                    let reader = (p.agency_code == "ACS" && p.has(domain::Role::Reviewer))
                        || p.has(domain::Role::AgencyAdmin)
                        || p.has(domain::Role::Ciso);
                    vec![(
                        path.clone(),
                        if !signed {
                            anon
                        } else if reader {
                            vec![200]
                        } else {
                            vec![403]
                        },
                    )]
                }
                ("GET", "/dashboard") => vec![(
                    path.clone(),
                    if !signed {
                        anon
                    } else if p.has(domain::Role::Reviewer) {
                        vec![200]
                    } else {
                        vec![403]
                    },
                )],
                ("GET", "/review-queue") => vec![(
                    path.clone(),
                    if !signed {
                        anon
                    } else if p.has(domain::Role::Reviewer) {
                        vec![200]
                    } else {
                        vec![403]
                    },
                )],
                ("GET", "/commander-queue") => vec![(
                    path.clone(),
                    if !signed {
                        anon
                    } else if p.has(domain::Role::Commander) {
                        vec![200]
                    } else {
                        vec![403]
                    },
                )],
                ("GET", "/api/v1/incidents" | "/api/v1/search") => {
                    vec![(path.clone(), if signed { vec![200] } else { anon })]
                }
                ("POST", "/api/v1/incidents") => vec![(
                    path.clone(),
                    if !signed {
                        anon
                    } else if p.files() {
                        vec![422]
                    } else {
                        vec![403]
                    },
                )],
                ("GET", "/api/v1/review-queue") => vec![(
                    path.clone(),
                    if !signed {
                        anon
                    } else if p.has(domain::Role::Reviewer) {
                        vec![200]
                    } else {
                        vec![403]
                    },
                )],
                ("GET", "/admin/outbox") => vec![(
                    path.clone(),
                    if !signed {
                        anon
                    } else if p.has(domain::Role::AgencyAdmin) {
                        vec![200]
                    } else {
                        vec![403]
                    },
                )],
                // Webhooks (tests/api/webhooks.rs): the agency's administrators, their own
                // agency's endpoints only; an empty form is refused (422), an endpoint that is
                // not theirs (here: none at all) is not found.
                ("GET" | "POST", "/admin/webhooks" | "/admin/webhook-log") => {
                    let ok = if method == "GET" { 200 } else { 422 };
                    vec![(
                        path.clone(),
                        if !signed {
                            anon
                        } else if p.has(domain::Role::AgencyAdmin) {
                            vec![ok]
                        } else {
                            vec![403]
                        },
                    )]
                }
                (_, hook) if hook.starts_with("/admin/webhooks/{id}") => vec![(
                    hook.replace("{id}", &Uuid::new_v4().to_string()),
                    if !signed {
                        anon
                    } else if p.has(domain::Role::AgencyAdmin) {
                        vec![404]
                    } else {
                        vec![403]
                    },
                )],
                ("GET", "/admin/users") => vec![(
                    path.clone(),
                    if !signed {
                        anon
                    } else if p.has(domain::Role::AgencyAdmin) {
                        vec![200]
                    } else {
                        vec![403]
                    },
                )],
                ("POST", "/admin/users") => vec![(
                    path.clone(),
                    if !signed {
                        anon
                    } else if p.has(domain::Role::AgencyAdmin) {
                        vec![422]
                    } else {
                        vec![403]
                    },
                )],
                // Retention periods: the competent authority's administrator (an empty form
                // is refused, 422).
                ("GET" | "POST", "/admin/retention") => {
                    let registrar = p.has(domain::Role::AgencyAdmin) && p.agency_code == "ACS";
                    let ok = if method == "GET" { 200 } else { 422 };
                    let expected = if !signed {
                        anon
                    } else if registrar {
                        vec![ok]
                    } else {
                        vec![403]
                    };
                    vec![(path.clone(), expected)]
                }
                // Record keeping (domain::retention::may_hold, may_redact): holds by the
                // agency's security officer or a supervising agency's reviewer, redaction by
                // the agency only; an empty form is refused (422) to those allowed.
                (_, records) if records.starts_with("/incidents/{id}/records") => {
                    use domain::Role::*;
                    let mut out = Vec::new();
                    for t in &targets {
                        let own = p.agency_code == t.agency_code;
                        let holds = if own {
                            p.has(SecurityOfficer) || p.has(Ciso)
                        } else {
                            p.has(Reviewer)
                        };
                        let allowed = holds && (own || !records.ends_with("/redact"));
                        let expected = if !signed {
                            anon.clone()
                        } else if !visible(&p.agency_code, t.agency_code) {
                            vec![404]
                        } else if method == "GET" {
                            vec![200]
                        } else if allowed {
                            vec![422]
                        } else {
                            vec![403]
                        };
                        out.push((records.replace("{id}", &t.id.to_string()), expected));
                    }
                    out
                }
                ("GET" | "POST", "/admin/agencies" | "/admin/agencies/{id}") => {
                    let registrar = p.has(domain::Role::AgencyAdmin) && p.agency_code == "ACS";
                    let ok = if method == "GET" { 200 } else { 422 };
                    vec![(
                        path.replace("{id}", &agency_b.to_string()),
                        if !signed {
                            anon
                        } else if registrar {
                            vec![ok]
                        } else {
                            vec![403]
                        },
                    )]
                }
                (_, user_path) if user_path.starts_with("/admin/users/{id}") => {
                    [(responder, "AGA"), (foreign_user, "AGB")]
                        .iter()
                        .map(|(uid, owner)| {
                            let expected = if !signed {
                                anon.clone()
                            } else if !p.has(domain::Role::AgencyAdmin) {
                                vec![403]
                            } else if p.agency_code != *owner {
                                vec![404]
                            } else if method == "GET" {
                                vec![200]
                            } else {
                                vec![303, 422]
                            };
                            (user_path.replace("{id}", &uid.to_string()), expected)
                        })
                        .collect()
                }
                // Tracking: every signed-in user sees their agency's list; an item that does
                // not exist is 404 to whoever may mark items done and to whoever may not.
                ("POST", "/tracking/{id}/done") => vec![(
                    path.replace("{id}", &Uuid::new_v4().to_string()),
                    if signed { vec![404] } else { anon },
                )],
                ("GET", "/tracking")
                | ("GET", "/team" | "/team/contacts" | "/drills" | "/log-duty")
                | ("GET", "/indicators/correlation" | "/indicators/correlation.stix") => {
                    vec![(path.clone(), if signed { vec![200] } else { anon })]
                }
                (
                    "POST",
                    "/team/proposals"
                    | "/team/proposals/{version}/decision"
                    | "/drills"
                    | "/drills/{id}/results"
                    | "/log-duty",
                ) => {
                    use domain::Role::*;
                    let allowed = match path.as_str() {
                        "/team/proposals" => {
                            p.has(SecurityOfficer) || p.has(Ciso) || p.has(Commander)
                        }
                        "/team/proposals/{version}/decision" => p.has(Ciso),
                        _ => p.has(SecurityOfficer) || p.has(Ciso),
                    };
                    vec![(
                        // A drill that does not exist: the empty form is refused first (422).
                        path.replace("{version}", "1")
                            .replace("{id}", &Uuid::new_v4().to_string()),
                        if !signed {
                            anon
                        } else if allowed {
                            vec![422]
                        } else {
                            vec![403]
                        },
                    )]
                }
                ("POST", "/incidents/{id}/evidence") => {
                    // Not multipart, so no CSRF token can be read from it: refused first.
                    let concrete = path.replace("{id}", &targets[0].id.to_string());
                    vec![(concrete, if signed { vec![403] } else { anon })]
                }
                (_, evidence_path)
                    if evidence_path.contains("{id}")
                        && (evidence_path.contains("/evidence")
                            || evidence_path.contains("/isolation")
                            || evidence_path.contains("/recovery")
                            || evidence_path.contains("/malware-submissions")
                            || evidence_path.contains("/indicators")
                            || evidence_path.contains("/stix")
                            || evidence_path.ends_with("/team")) =>
                {
                    let mut out = Vec::new();
                    for t in &targets {
                        let concrete = evidence_path
                            .replace("{id}", &t.id.to_string())
                            .replace("{eid}", &Uuid::new_v4().to_string());
                        let unknown_item = evidence_path.contains("{eid}");
                        let action = if evidence_path.ends_with("/verify")
                            || evidence_path.ends_with("/download")
                            || method == "GET"
                        {
                            Action::ViewIncident
                        } else if evidence_path.contains("indicators") {
                            Action::RecordIndicators
                        } else if evidence_path.contains("malware-submissions") {
                            Action::RecordVirusCheckSubmission
                        } else if evidence_path.ends_with("/team") {
                            Action::ActivateTeam
                        } else {
                            Action::RecordEvidence
                        };
                        let expected = if !signed {
                            anon.clone()
                        } else if !visible(&p.agency_code, t.agency_code) {
                            vec![404]
                        } else {
                            match may(&app, p, &ids, t, action).await {
                                Err(domain::Denied::NotVisible) => vec![404],
                                Err(domain::Denied::NotPermitted) => vec![403],
                                // An evidence item that does not exist.
                                Ok(()) if unknown_item => vec![404],
                                Ok(()) if method == "GET" => vec![200],
                                Ok(()) => vec![422],
                            }
                        };
                        out.push((concrete, expected));
                    }
                    out
                }
                (_, incident_path)
                    if incident_path.contains("{id}") && incident_path.contains("incidents") =>
                {
                    let mut out = Vec::new();
                    for t in &targets {
                        let names: Vec<&str> = if incident_path.contains("{action}") {
                            actions.clone()
                        } else {
                            vec![""]
                        };
                        for name in names {
                            if api && name == "review" {
                                continue; // the API's review has its own route
                            }
                            let concrete = incident_path
                                .replace("{id}", &t.id.to_string())
                                .replace("{action}", name);
                            let expected = if !signed {
                                anon.clone()
                            } else if !visible(&p.agency_code, t.agency_code) {
                                vec![404]
                            } else if method == "GET" {
                                vec![200]
                            } else {
                                // The page's `{action}` name, or the API route's last segment.
                                let named = if name.is_empty() {
                                    incident_path.rsplit('/').next().unwrap()
                                } else {
                                    name
                                };
                                let action = domain::StageActionKind::parse(named)
                                    .unwrap_or_else(|| panic!("no stage action {named}"))
                                    .permission();
                                match may(&app, p, &ids, t, action).await {
                                    Err(domain::Denied::NotVisible) => vec![404],
                                    Err(domain::Denied::NotPermitted) => vec![403],
                                    Ok(()) if api => vec![200, 409, 422],
                                    Ok(()) => vec![303, 409, 422],
                                }
                            };
                            out.push((concrete, expected));
                        }
                    }
                    out
                }
                _ => {
                    mismatches.push(format!("no rule for {method} {path}: add one to this test"));
                    break;
                }
            };
            for (concrete, expected) in cases {
                let got = send(&app, p, &method, &concrete, api).await;
                cells += 1;
                if !expected.contains(&got) {
                    mismatches.push(format!(
                        "{method} {concrete} as {}: got {got}, expected {expected:?}",
                        p.email
                    ));
                }
            }
        }
    }
    assert!(
        routes.len() >= 30,
        "the route scan found {} routes",
        routes.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    eprintln!(
        "authorization matrix: {} routes, {cells} cells",
        covered.len()
    );
}

#[tokio::test]
async fn every_state_changing_form_route_refuses_a_missing_or_forged_csrf_token() {
    let app = spawn_app().await;
    let admin = client();
    app.sign_in_as(&admin, "admin@acs.demo", DEMO_PASSWORD)
        .await;
    let officer = client();
    app.sign_in_as(&officer, "officer@agency-a.demo", DEMO_PASSWORD)
        .await;
    let incident = Uuid::new_v4().to_string();
    let user = app.user_id("admin@acs.demo").await.to_string();
    let agency = agency_ids(&app).await["ACS"].to_string();
    let before: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM role_grants), (SELECT count(*) FROM agencies)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mut checked = 0;
    for (method, path) in routes_in_source() {
        if method != "POST" || path.starts_with("/api/") {
            continue; // the API uses bearer tokens, not cookies
        }
        let names: Vec<&str> = if path.contains("{action}") {
            domain::StageActionKind::ALL
                .iter()
                .map(|k| k.name())
                .collect()
        } else {
            vec![""]
        };
        for name in names {
            let concrete = path
                .replace(
                    "{id}",
                    if path.contains("incidents") {
                        &incident
                    } else if path.contains("agencies") {
                        &agency
                    } else {
                        &user
                    },
                )
                .replace("{action}", name)
                .replace("{eid}", &Uuid::new_v4().to_string())
                .replace("{version}", "1");
            for who in [&admin, &officer] {
                for token in [None, Some("forged-token")] {
                    let mut form = vec![("email", "x@y.demo"), ("lang", "en"), ("confirm", "yes")];
                    if let Some(t) = token {
                        form.push(("csrf", t));
                    }
                    let r = who
                        .post(app.url(&concrete))
                        .form(&form)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 403, "{concrete} without a valid token");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 40, "checked {checked}");
    let after: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM role_grants), (SELECT count(*) FROM agencies)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(before, after, "nothing changed");
    // Both still signed in and English not switched on.
    assert!(app
        .get_as(&officer, "/")
        .await
        .text()
        .await
        .unwrap()
        .contains("lang=\"zh-TW\""));
}
