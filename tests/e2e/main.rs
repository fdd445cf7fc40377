//! End to end in a real browser: headless Chromium (driven over WebDriver by `chromedriver`)
//! against the real server on a random port over a real PostgreSQL. Each step saves a
//! screenshot under `target/e2e/` so a person can look at what users see.
//!
//! Needs the Debian packages `chromium` and `chromium-driver`; without them the test fails.
//! Every screenshot's page is also checked with axe-core (WCAG 2 A and AA rules): the pinned
//! release is fetched from the npm registry into `target/e2e/` once and checked against its
//! SHA-256, or read from `AXE_CORE_JS`.

// The shared harness has helpers only the API tests use.
#![allow(dead_code)]

#[path = "../api/helpers.rs"]
mod helpers;
mod walk;

use std::future::Future;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::Client as Http;
use serde_json::json;
use uuid::Uuid;

use helpers::{client, spawn_app, TestApp, DEMO_PASSWORD};

const CHROMIUM: &str = "/usr/bin/chromium";
/// How long to wait for anything to appear in the browser.
const PATIENCE: Duration = Duration::from_secs(10);

// ---- axe-core -----------------------------------------------------------------------------

const AXE_VERSION: &str = "4.10.2";
const AXE_SHA256: &str = "b511cd9dec01c76f4b2ad1723b66b6db37d4c2eb4ed199076e1829d9ee7b75e3";

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The axe-core script: `AXE_CORE_JS`, or the pinned release under `target/e2e/`, fetched with
/// `curl` and `tar` the first time. Refused unless its SHA-256 is the pinned one. Fetched once
/// per test process (the browser tests run in parallel), into a folder of this process's own
/// and renamed into place whole, so that no test reads a half-written file.
fn axe_script() -> String {
    static SCRIPT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SCRIPT.get_or_init(fetch_axe_script).clone()
}

fn fetch_axe_script() -> String {
    let file = std::env::var_os("AXE_CORE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| output_folder().join(format!("axe-{AXE_VERSION}.min.js")));
    if !file.is_file() {
        let folder = output_folder().join(format!("axe-download-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let url = format!("https://registry.npmjs.org/axe-core/-/axe-core-{AXE_VERSION}.tgz");
        let fetched = Command::new("sh")
            .arg("-c")
            .arg("curl -fsSL \"$1\" | tar -xzf - -C \"$2\" package/axe.min.js")
            .args(["sh", &url, folder.to_str().unwrap()])
            .status()
            .expect("curl and tar fetch axe-core");
        assert!(fetched.success(), "fetching {url}");
        std::fs::rename(folder.join("package/axe.min.js"), &file).unwrap();
        let _ = std::fs::remove_dir_all(&folder);
    }
    let script = std::fs::read(&file).unwrap();
    assert_eq!(
        sha256_hex(&script),
        AXE_SHA256,
        "{} is axe-core {AXE_VERSION}",
        file.display()
    );
    String::from_utf8(script).unwrap()
}

// ---- chromedriver ------------------------------------------------------------------------

/// A `chromedriver` child process (in its own process group, with the browsers it starts) and
/// the browser profile folder; both go away on drop, also when the test panics.
struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = self.child.id() as libc::pid_t;
        unsafe { libc::kill(-group, libc::SIGKILL) };
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `target/e2e/`, where the screenshots and the driver's log go.
fn output_folder() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target folder")
        .join("e2e")
}

async fn start_driver() -> Driver {
    let Some(program) = on_path("chromedriver") else {
        panic!(
            "chromedriver is not on PATH: the browser tests need Chromium and its driver \
             (Debian: apt-get install chromium chromium-driver)"
        );
    };
    assert!(
        Path::new(CHROMIUM).is_file(),
        "{CHROMIUM} is missing: the browser tests need Chromium and its driver \
         (Debian: apt-get install chromium chromium-driver)"
    );
    let port = free_port();
    let log = std::fs::File::create(output_folder().join("chromedriver.log")).unwrap();
    let child = Command::new(&program)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", program.display()));
    let profile = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "chromium-profile-{}-{}",
        std::process::id(),
        Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&profile).unwrap();
    let mut driver = Driver {
        child,
        port,
        profile,
    };
    let status = format!("http://127.0.0.1:{port}/status");
    let started = Instant::now();
    loop {
        if let Some(code) = driver.child.try_wait().unwrap() {
            panic!("chromedriver exited at start ({code}); see target/e2e/chromedriver.log");
        }
        if let Ok(r) = client().get(&status).send().await {
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            if body["value"]["ready"] == json!(true) {
                break;
            }
        }
        assert!(
            started.elapsed() < PATIENCE,
            "chromedriver did not answer on port {port}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    driver
}

// ---- the browser ---------------------------------------------------------------------------

struct Browser {
    c: Client,
    base: String,
    shots: PathBuf,
    step: u32,
    axe: String,
    /// What axe-core found on the pages screenshotted: "<shot>: <rule> <element>…".
    violations: Vec<String>,
}

/// Polls `probe` until it gives a value; panics naming `what` after [`PATIENCE`].
async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(started.elapsed() < PATIENCE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Browser {
    async fn open(driver: &Driver, base: &str) -> Browser {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-dev-shm-usage",
                    "--window-size=1280,1000",
                    format!("--user-data-dir={}", driver.profile.display()),
                ],
            }),
        );
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .expect("chromedriver starts a Chromium session");
        let shots = output_folder();
        Browser {
            c,
            base: base.to_string(),
            shots,
            step: 0,
            axe: axe_script(),
            violations: Vec::new(),
        }
    }

    async fn goto(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    async fn current_path(&self) -> String {
        self.c.current_url().await.unwrap().path().to_string()
    }

    async fn find(&self, css: &str) -> Element {
        self.c
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on the page: {e}"))
    }

    async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    async fn body_text(&self) -> String {
        self.text("body").await
    }

    async fn fill(&self, css: &str, value: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    /// Sets a field's value by script (for `datetime-local`, whose typing is locale-bound).
    async fn set_value(&self, css: &str, value: &str) {
        self.find(css).await;
        self.c
            .execute(
                "document.querySelector(arguments[0]).value = arguments[1];",
                vec![json!(css), json!(value)],
            )
            .await
            .unwrap();
    }

    async fn select(&self, css: &str, value: &str) {
        self.find(css).await.select_by_value(value).await.unwrap();
    }

    /// Clicks what submits a form or follows a link and waits for the next page to load.
    async fn click_and_wait(&self, css: &str) {
        let old = self.find("html").await;
        self.find(css).await.click().await.unwrap();
        eventually(&format!("a new page after clicking {css}"), || {
            let old = old.clone();
            async move { old.tag_name().await.is_err().then_some(()) }
        })
        .await;
        eventually("the page to load", || async {
            let state = self
                .c
                .execute("return document.readyState", vec![])
                .await
                .ok()?;
            (state == json!("complete")).then_some(())
        })
        .await;
    }

    async fn scroll_to(&self, css: &str) {
        self.find(css).await;
        self.c
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
                vec![json!(css)],
            )
            .await
            .unwrap();
    }

    /// Saves `target/e2e/NN-<name>.png` of what the window shows now, and checks the page
    /// with axe-core.
    async fn shot(&mut self, name: &str) {
        self.step += 1;
        let png = self.c.screenshot().await.unwrap();
        let file = self.shots.join(format!("{:02}-{name}.png", self.step));
        std::fs::write(&file, png).unwrap();
        let found = self.accessibility_violations().await;
        self.violations
            .extend(found.into_iter().map(|v| format!("{name}: {v}")));
    }

    /// axe-core's WCAG 2 A/AA violations on the page, one line each (rule, then the elements).
    async fn accessibility_violations(&self) -> Vec<String> {
        let loaded = self
            .c
            .execute(
                "if (!window.axe) { eval(arguments[0]); } return typeof axe;",
                vec![json!(self.axe)],
            )
            .await
            .unwrap();
        assert_eq!(loaded, json!("object"), "axe-core loads in the page");
        let result = self
            .c
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
                   .then(r => done(r.violations.map(v => v.id + ' ' +
                     v.nodes.map(n => n.target.join(' ')).join(', '))))
                   .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .unwrap();
        serde_json::from_value(result).unwrap()
    }

    /// All of axe-core's rules (WCAG and best practice) on the page: how many violations of
    /// each impact, and the critical and serious ones, one line each.
    async fn axe_by_impact(&self) -> (serde_json::Value, Vec<String>) {
        self.c
            .execute(
                "if (!window.axe) { eval(arguments[0]); } return typeof axe;",
                vec![json!(self.axe)],
            )
            .await
            .unwrap();
        let result = self
            .c
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document).then(r => {
                   const counts = {critical: 0, serious: 0, moderate: 0, minor: 0};
                   const bad = [];
                   for (const v of r.violations) {
                     counts[v.impact] = (counts[v.impact] || 0) + v.nodes.length;
                     (counts.rules = counts.rules || []).push(v.id);
                     if (v.impact === 'critical' || v.impact === 'serious') {
                       bad.push(v.impact + ' ' + v.id + ' ' + v.nodes.map(n => n.target.join(' ')).join(', '));
                     }
                   }
                   done([counts, bad]);
                 }).catch(e => done([{}, ['axe failed: ' + e]]));",
                vec![],
            )
            .await
            .unwrap();
        let bad = serde_json::from_value(result[1].clone()).unwrap();
        (result[0].clone(), bad)
    }

    /// Opens `path`, checks it with every axe-core rule and records its serious and critical
    /// violations under `what`.
    async fn audit(&mut self, what: &str, path: &str) {
        self.goto(path).await;
        let heading = self.text("h1").await;
        if what != "not found" {
            assert_eq!(
                self.current_path().await,
                path.split('?').next().unwrap(),
                "{what} opens"
            );
            assert!(
                !heading.chars().all(|c| c.is_ascii_digit()),
                "{what} ({path}) is the page, not an error {heading}"
            );
        }
        let (counts, bad) = self.axe_by_impact().await;
        eprintln!("axe {what} ({path}): {counts}");
        self.violations
            .extend(bad.into_iter().map(|v| format!("{what} ({path}): {v}")));
    }

    /// Saves `target/e2e/phone-<name>.png` and checks the page as [`Browser::shot`] does.
    async fn phone_shot(&mut self, name: &str) {
        let png = self.c.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("phone-{name}.png")), png).unwrap();
        let found = self.accessibility_violations().await;
        self.violations
            .extend(found.into_iter().map(|v| format!("phone-{name}: {v}")));
    }

    /// The header's height in CSS pixels.
    async fn header_height(&self) -> f64 {
        self.c
            .execute(
                "return document.querySelector('header.top').getBoundingClientRect().height;",
                vec![],
            )
            .await
            .unwrap()
            .as_f64()
            .unwrap()
    }

    /// What the first `css` cell shows before its value (its column's name when stacked).
    async fn before_content(&self, css: &str) -> String {
        self.find(css).await;
        self.c
            .execute(
                "return getComputedStyle(document.querySelector(arguments[0]), '::before').content;",
                vec![json!(css)],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits for the filing form's live level to be `want`; returns its text.
    async fn live_level(&self, want: &str) -> String {
        eventually(&format!("#live-level to show level {want}"), || async {
            let out = self.find("#live-level").await;
            (out.attr("data-level").await.ok()?.as_deref() == Some(want)).then_some(())?;
            out.text().await.ok()
        })
        .await
    }

    async fn sign_in(&self, email: &str) {
        self.goto("/login").await;
        self.fill("#email", email).await;
        self.fill("#password", DEMO_PASSWORD).await;
        self.click_and_wait("form[action='/login'] button[type=submit]")
            .await;
        assert_eq!(self.current_path().await, "/", "{email} signs in");
    }

    async fn sign_out(&self) {
        self.click_and_wait("form[action='/logout'] button[type=submit]")
            .await;
        assert!(
            self.c
                .find(Locator::Css("form[action='/logout']"))
                .await
                .is_err(),
            "signed out"
        );
    }
}

// ---- the HTTP side (as in tests/api/incidents.rs) -----------------------------------------

fn local(t: chrono::DateTime<Utc>) -> String {
    portal::domain::to_taipei(t)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

fn date_in(days: i64) -> String {
    portal::domain::to_taipei(Utc::now() + chrono::Duration::days(days))
        .date_naive()
        .to_string()
}

async fn as_user(app: &TestApp, email: &str) -> Http {
    let c = client();
    let r = app.sign_in_as(&c, email, DEMO_PASSWORD).await;
    assert_eq!(r.status(), 303, "{email} signs in");
    c
}

async fn ok(app: &TestApp, c: &Http, id: Uuid, action: &str, fields: &[(&str, &str)]) {
    let r = app
        .post_as(c, &format!("/incidents/{id}/act/{action}"), fields)
        .await;
    let status = r.status();
    let body = r.text().await.unwrap();
    let problem = body
        .split("id=\"problem\">")
        .nth(1)
        .map(|p| p.split('<').next().unwrap().to_string());
    assert_eq!(status, 303, "{action}: {problem:?}");
}

async fn status_of(app: &TestApp, id: Uuid) -> String {
    sqlx::query_scalar("SELECT status FROM incidents WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// Runs a level-4 incident from the report stage to the secretary's submission of the
/// root-cause report to the commander.
async fn advance_to_commander(app: &TestApp, id: Uuid) {
    let now = local(Utc::now());
    let officer = as_user(app, "officer@agency-a.demo").await;
    ok(
        app,
        &officer,
        id,
        "escalation_notice",
        &[("told", "示範部資安窗口"), ("means", "phone"), ("at", &now)],
    )
    .await;
    ok(app, &officer, id, "complete_stage", &[("confirm", "yes")]).await;
    assert_eq!(status_of(app, id).await, "response_team");

    let commander = as_user(app, "commander@agency-a.demo").await;
    let responder = as_user(app, "responder@agency-a.demo").await;
    ok(app, &commander, id, "activate_team", &[]).await;
    ok(
        app,
        &responder,
        id,
        "containment",
        &[("initial_control_done", "on")],
    )
    .await;
    ok(
        app,
        &commander,
        id,
        "response_meeting",
        &[
            ("held_at", &now),
            ("attendees", "指揮官\n資安長"),
            ("minutes", "確認影響範圍"),
            ("agenda", "overview"),
            ("agenda", "scope"),
            ("agenda", "other"),
        ],
    )
    .await;
    ok(app, &commander, id, "complete_stage", &[("confirm", "yes")]).await;
    assert_eq!(status_of(app, id).await, "containment");

    ok(
        app,
        &responder,
        id,
        "containment",
        &[
            ("scope_confirmed", "on"),
            ("priority_restoration_done", "on"),
            ("downtime", "within"),
            ("downtime", "beyond"),
            ("public_announcement", "no"),
        ],
    )
    .await;
    ok(
        app,
        &responder,
        id,
        "control_effect_report",
        &[("done", "隔離受駭主機"), ("effect", "異常連線已中止")],
    )
    .await;
    ok(
        app,
        &responder,
        id,
        "containment",
        &[("notify_completion", "on")],
    )
    .await;
    ok(app, &responder, id, "complete_stage", &[("confirm", "yes")]).await;
    assert_eq!(status_of(app, id).await, "root_cause");

    let logistics = as_user(app, "logistics@agency-a.demo").await;
    ok(
        app,
        &logistics,
        id,
        "root_cause",
        &[("root_cause", "弱密碼遭暴力破解")],
    )
    .await;
    for (description, horizon, days) in [
        ("全面更換密碼", "short", 7),
        ("汰換老舊設備", "mid", 120),
        ("資安人員訓練", "long", 400),
    ] {
        ok(
            app,
            &logistics,
            id,
            "improvement_item",
            &[
                ("description", description),
                ("horizon", horizon),
                ("due_on", &date_in(days)),
            ],
        )
        .await;
    }
    submit_to_commander(app, id).await;
}

/// The secretary's submission of the root-cause report to the commander.
/// From the commander's approval to closing, over plain HTTP, with improvement items open.
async fn close_with_items_open(app: &TestApp, id: Uuid) {
    let officer = as_user(app, "officer@agency-a.demo").await;
    let commander = as_user(app, "commander@agency-a.demo").await;
    let secretary = as_user(app, "secretary@agency-a.demo").await;
    ok(app, &officer, id, "send_to_escalation_target", &[]).await;
    ok(app, &commander, id, "complete_stage", &[("confirm", "yes")]).await;
    ok(
        app,
        &secretary,
        id,
        "progress_report",
        &[("done", "已更換密碼"), ("effect", "告警歸零")],
    )
    .await;
    ok(app, &officer, id, "submit_report", &[]).await;
    let mut recipients = Vec::new();
    for code in ["MIN", "ACS"] {
        let agency: Uuid = sqlx::query_scalar("SELECT id FROM agencies WHERE code = $1")
            .bind(code)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        recipients.push(agency.to_string());
    }
    let today = date_in(0);
    ok(
        app,
        &officer,
        id,
        "classified_document",
        &[
            ("number", "資安字第1150000001號"),
            ("dated", &today),
            ("recipients", &recipients[0]),
            ("recipients", &recipients[1]),
        ],
    )
    .await;
    ok(app, &officer, id, "complete_stage", &[("confirm", "yes")]).await;
    assert_eq!(status_of(app, id).await, "closed");
}

async fn submit_to_commander(app: &TestApp, id: Uuid) {
    let secretary = as_user(app, "secretary@agency-a.demo").await;
    ok(app, &secretary, id, "submit_to_commander", &[]).await;
}

// ---- the scenario --------------------------------------------------------------------------

#[tokio::test]
async fn an_incident_is_filed_reviewed_and_decided_in_a_real_browser() {
    let started = Instant::now();
    std::fs::create_dir_all(output_folder()).unwrap();
    for old in std::fs::read_dir(output_folder()).unwrap().flatten() {
        if old.path().extension().is_some_and(|e| e == "png") {
            let _ = std::fs::remove_file(old.path());
        }
    }
    let driver = start_driver().await;
    let app = spawn_app().await;
    let b = Browser::open(&driver, &app.base).await;
    let session = b.c.clone();

    // On a failed step, keep a picture of the page it failed on before the browser goes.
    match tokio::spawn(scenario(b, app)).await {
        Ok(shots) => eprintln!(
            "e2e: {shots} screenshots in {} ({:.1} s)",
            output_folder().display(),
            started.elapsed().as_secs_f64()
        ),
        Err(failed) => {
            if let Ok(png) = session.screenshot().await {
                let _ = std::fs::write(output_folder().join("failure.png"), png);
            }
            let _ = session.close().await;
            drop(driver);
            std::panic::resume_unwind(failed.into_panic());
        }
    }
    let _ = session.close().await;
    drop(driver);
}

/// The steps; returns how many screenshots it took.
async fn scenario(mut b: Browser, app: TestApp) -> u32 {
    // 1. The officer files; the level shown follows the impacts as they are chosen.
    b.sign_in("officer@agency-a.demo").await;
    // The accessibility check sees what it should: an input without a label is a violation.
    b.c.execute(
        "const i = document.createElement('input'); i.id = 'unlabelled'; document.body.append(i);",
        vec![],
    )
    .await
    .unwrap();
    let planted = b.accessibility_violations().await;
    assert!(
        planted
            .iter()
            .any(|v| v.starts_with("label ") && v.contains("#unlabelled")),
        "axe-core reports the unlabelled input: {planted:?}"
    );
    b.goto("/").await;
    b.shot("officer-signed-in").await;
    b.goto("/incidents/new").await;
    b.find("#filing").await;
    b.shot("filing-form").await;

    b.select("select[name='impact_leak_non_core']", "minor")
        .await;
    let text = b.live_level("1").await;
    assert!(text.contains("第一級"), "live level reads level 1: {text}");
    b.scroll_to("#live-level").await;
    b.shot("live-level-1").await;
    b.select("select[name='impact_tamper_core']", "severe")
        .await;
    let text = b.live_level("3").await;
    assert!(text.contains("第三級"), "live level reads level 3: {text}");
    b.scroll_to("#live-level").await;
    b.shot("live-level-3").await;

    b.fill("#title", "官網遭植入惡意程式").await;
    b.set_value(
        "#aware_at",
        &local(Utc::now() - chrono::Duration::minutes(30)),
    )
    .await;
    b.select("#category", "intrusion").await;
    b.select("#subcategory", "malware_implanted").await;
    b.fill("#affected_systems", "官方網站\n公文系統").await;
    b.fill("#summary", "發現異常連線。").await;
    b.fill("#contact", "王小明 02-1234-5678").await;
    b.click_and_wait("#filing button[type=submit]").await;
    let path = b.current_path().await;
    let id = Uuid::parse_str(path.trim_start_matches("/incidents/"))
        .unwrap_or_else(|_| panic!("filed and sent to the incident page, not {path}"));
    let level = b.text("#level").await;
    assert!(level.contains("第三級"), "filed at level 3: {level}");
    let number = b.text("#number").await;
    assert!(number.starts_with("AGA-"), "numbered: {number}");
    b.shot("incident-filed-level-3").await;
    b.sign_out().await;

    // 2. The ministry's reviewer finds it first in the queue and raises it to level 4.
    b.sign_in("reviewer@ministry.demo").await;
    b.goto("/review-queue").await;
    let first = b.find("#incidents tbody tr:first-child a").await;
    assert_eq!(
        first.text().await.unwrap(),
        number,
        "the new incident heads the review queue"
    );
    b.shot("review-queue").await;
    b.click_and_wait("#incidents tbody tr:first-child a").await;
    assert_eq!(b.current_path().await, format!("/incidents/{id}"));
    b.select("#review-level", "4").await;
    b.fill("#review-reason", "涉及核心系統遭竄改，且影響範圍擴及他機關")
        .await;
    b.scroll_to("#form-review").await;
    b.shot("review-form").await;
    b.click_and_wait("#form-review button[type=submit]").await;
    let level = b.text("#level").await;
    assert!(level.contains("第四級"), "raised to level 4: {level}");
    b.shot("reviewed-level-4").await;
    b.sign_out().await;

    // 3. The stages in between, over plain HTTP.
    advance_to_commander(&app, id).await;

    // 4. The commander returns the report with a comment, then approves the resubmission.
    b.sign_in("commander@agency-a.demo").await;
    b.goto("/commander-queue").await;
    let link = format!("#incidents a[href='/incidents/{id}']");
    b.find(&link).await;
    b.shot("commander-queue").await;
    b.click_and_wait(&link).await;
    b.find("#form-decide input[name=decision][value=return]")
        .await
        .click()
        .await
        .unwrap();
    let comment = "請補充日誌分析與受影響帳號清單";
    b.fill("#decide-comment", comment).await;
    b.scroll_to("#form-decide").await;
    b.shot("decide-return").await;
    b.click_and_wait("#form-decide button[type=submit]").await;
    let returned = b.text("#returned").await;
    assert!(returned.contains(comment), "the comment shows: {returned}");
    b.scroll_to("#returned").await;
    b.shot("returned-with-comment").await;

    submit_to_commander(&app, id).await;
    b.goto(&format!("/incidents/{id}")).await;
    b.find("#form-decide input[name=decision][value=approve]")
        .await
        .click()
        .await
        .unwrap();
    b.scroll_to("#form-decide").await;
    b.shot("decide-approve").await;
    b.click_and_wait("#form-decide button[type=submit]").await;
    assert!(
        b.c.find(Locator::Css("#form-decide")).await.is_err(),
        "nothing left to decide"
    );
    let decisions: Vec<String> = sqlx::query_scalar(
        "SELECT body FROM timeline_entries WHERE incident_id = $1 \
         AND kind = 'commander_decision' ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(decisions.len(), 2, "{decisions:?}");
    assert!(decisions[0].contains(comment), "{decisions:?}");
    assert!(
        decisions[1].contains("\"decision\":\"approved\""),
        "{decisions:?}"
    );
    b.shot("approved").await;

    // 5. The language switch in the header.
    b.click_and_wait("form.lang button[value=en]").await;
    let lang = b.find("html").await.attr("lang").await.unwrap();
    assert_eq!(lang.as_deref(), Some("en"));
    assert_eq!(b.current_path().await, format!("/incidents/{id}"));
    let heading = b.text("#timeline h2").await;
    assert_eq!(heading, "Timeline");
    assert!(b.body_text().await.contains("Sign out"));
    b.shot("english").await;

    // 6. The responder uploads evidence through the browser's multipart form; the SHA-256 the
    //    page shows is the file's.
    b.sign_out().await;
    b.sign_in("responder@agency-a.demo").await;
    b.goto(&format!("/incidents/{id}/evidence")).await;
    let sample = output_folder().join("evidence-sample.log");
    let content =
        "2026-11-24 03:00 sshd: Accepted password for root from 203.0.113.7\n".repeat(2000);
    std::fs::write(&sample, &content).unwrap();
    let expected = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(content.as_bytes()))
    };
    b.select("#upload-form select[name='kind']", "log_export")
        .await;
    b.fill("#upload-form textarea[name='description']", "SSH 登入紀錄")
        .await;
    b.fill("#upload-form input[name='source_system']", "FS-01")
        .await;
    b.find("#upload-form input[name='file']")
        .await
        .send_keys(sample.to_str().unwrap())
        .await
        .unwrap();
    b.click_and_wait("#upload-form button[type=submit]").await;
    assert_eq!(b.current_path().await, format!("/incidents/{id}/evidence"));
    let items = b.text("#evidence-items").await;
    assert!(
        items.contains(&expected),
        "the page shows {expected}: {items}"
    );
    b.scroll_to("#evidence-items").await;
    b.shot("evidence-uploaded").await;

    // 6b. The security officer records an indicator marked TLP:RED: the list shows its label,
    //     and the row's own form offers to change it.
    b.sign_out().await;
    b.sign_in("officer@agency-a.demo").await;
    b.goto(&format!("/incidents/{id}/indicators")).await;
    b.select("#indicator-form select[name='type']", "domain")
        .await;
    b.fill("#indicator-form input[name='value']", "c2.example.net")
        .await;
    b.select("#indicator-form select[name='tlp']", "red").await;
    b.click_and_wait("#indicator-form button[type=submit]")
        .await;
    let listed = b.text("#indicators").await;
    assert!(
        listed.contains("c2.example.net") && listed.contains("TLP:RED"),
        "{listed}"
    );
    b.shot("indicator-marked-red").await;

    // 7. The security officer records a drill, then the date its results went to the
    //    competent authority; the page shows the month's due date, then that they were sent.
    b.sign_out().await;
    b.sign_in("officer@agency-a.demo").await;
    b.goto("/drills").await;
    b.select("#drill-form select[name='kind']", "notification_response")
        .await;
    b.set_value("#drill-form input[name='held_on']", &date_in(-10))
        .await;
    b.fill(
        "#drill-form textarea[name='scenario']",
        "勒索軟體加密檔案伺服器",
    )
    .await;
    b.fill("#drill-form textarea[name='participants']", "王小明")
        .await;
    b.click_and_wait("#drill-form button[type=submit]").await;
    let results = b.text("#drills td[id^='results-']").await;
    assert!(
        results.contains("剩餘"),
        "due with the days left: {results}"
    );
    let date = "#drills form[action$='/results'] input[name='results_reported_on']";
    b.set_value(date, &date_in(0)).await;
    b.click_and_wait("#drills form[action$='/results'] button[type=submit]")
        .await;
    let results = b.text("#drills td[id^='results-']").await;
    assert!(results.contains("已於"), "shown as sent: {results}");
    b.scroll_to("#drills").await;
    b.shot("drill-results").await;

    // 8. The log-keeping checklist: backing up elsewhere is advised at the normal level.
    b.goto("/log-duty").await;
    b.select("#log-duty-form select[name='level']", "normal")
        .await;
    b.click_and_wait("#log-duty-form button[type=submit]").await;
    let advised = b.text("#obligation-backup_to_other_system").await;
    assert_eq!(advised, "建議辦理");
    b.shot("log-duty").await;

    // 9. The incident closes with its mid- and long-term improvement items open; they go on in
    //    the regular tracking list, where 後勤調度組 marks one done.
    close_with_items_open(&app, id).await;
    b.sign_out().await;
    b.sign_in("logistics@agency-a.demo").await;
    b.goto("/tracking").await;
    let rows = b.text("#tracking tbody").await;
    assert!(
        rows.contains(&number) && rows.contains("汰換老舊設備"),
        "{rows}"
    );
    b.shot("tracking").await;
    b.click_and_wait("#tracking tbody tr:first-child form button[type=submit]")
        .await;
    assert_eq!(b.current_path().await, "/tracking");
    // Done items go to the end of the list, with the date.
    let last = b.text("#tracking tbody tr:last-child").await;
    assert!(last.contains("已於"), "marked done: {last}");
    b.shot("tracking-done").await;

    // 10. Every kind of page, checked with all of axe-core's rules: nothing serious or
    //     critical anywhere (the screenshotted pages above are held to WCAG 2.1 A/AA).
    b.sign_out().await;
    tour(&mut b, &app, id).await;

    // 11. At phone width the header keeps to two lines and tables stack, each value under
    //     its column's name.
    phone(&mut b).await;

    assert!(
        b.violations.is_empty(),
        "axe-core found (WCAG 2.1 A/AA on the pages shown, serious or critical on the others):\n{}",
        b.violations.join("\n")
    );
    b.step
}

/// Signs in as each user in turn and checks every kind of page the portal has.
async fn tour(b: &mut Browser, app: &TestApp, id: Uuid) {
    let user: Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'officer@agency-a.demo'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let agency: Uuid = sqlx::query_scalar("SELECT id FROM agencies WHERE code = 'MIN'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let incident = format!("/incidents/{id}");
    b.audit("login", "/login").await;
    b.audit("forgot password", "/password/forgot").await;
    b.audit("not found", "/no-such-page").await;
    let visits: [(&str, Vec<(&str, String)>); 7] = [
        (
            "officer@agency-a.demo",
            vec![
                ("home", "/".into()),
                ("incident list", "/incidents".into()),
                ("new incident", "/incidents/new".into()),
                ("incident", incident.clone()),
                ("report", format!("{incident}/report?kind=investigation")),
                (
                    "root-cause report",
                    format!("{incident}/report?kind=root_cause"),
                ),
                ("evidence", format!("{incident}/evidence")),
                ("indicators", format!("{incident}/indicators")),
                ("incident team", format!("{incident}/team")),
                ("records (holds, redaction)", format!("{incident}/records")),
                ("roster", "/team".into()),
                ("contact sheet", "/team/contacts".into()),
                ("drills", "/drills".into()),
                ("log duty", "/log-duty".into()),
                ("tracking", "/tracking".into()),
                ("notifications", "/notifications".into()),
                ("search", "/search?q=%E5%AE%98%E7%B6%B2".into()),
                ("correlation", "/indicators/correlation".into()),
                ("password change", "/account/password".into()),
                ("access tokens", "/account/tokens".into()),
                ("two-factor sign-in", "/account/mfa".into()),
                ("sign-out page", "/logout".into()),
            ],
        ),
        (
            "reviewer@ministry.demo",
            vec![
                ("review queue", "/review-queue".into()),
                ("incidents below", "/incidents/below".into()),
                ("incident (supervisor, thread)", incident.clone()),
                ("board", "/board".into()),
                ("dashboard", "/dashboard".into()),
            ],
        ),
        (
            "commander@agency-a.demo",
            vec![
                ("commander queue", "/commander-queue".into()),
                ("incident team (commander)", format!("{incident}/team")),
            ],
        ),
        ("acs-reviewer@acs.demo", vec![("audit", "/audit".into())]),
        (
            "admin@agency-a.demo",
            vec![
                ("users", "/admin/users".into()),
                ("user", format!("/admin/users/{user}")),
                ("outbox", "/admin/outbox".into()),
                ("roster (admin)", "/team".into()),
                ("agency tokens", "/admin/tokens".into()),
                ("webhooks and chat alerts", "/admin/webhooks".into()),
                ("webhook delivery log", "/admin/webhook-log".into()),
                ("role changes", "/role-changes".into()),
                ("accounts log", "/audit/log".into()),
            ],
        ),
        (
            "admin@acs.demo",
            vec![
                ("agencies", "/admin/agencies".into()),
                ("agency", format!("/admin/agencies/{agency}")),
                ("retention periods", "/admin/retention".into()),
            ],
        ),
        (
            "officer@agency-b.demo",
            vec![("incident list (agency B)", "/incidents".into())],
        ),
    ];
    for (email, pages) in visits {
        b.sign_in(email).await;
        for (what, path) in pages {
            b.audit(what, &path).await;
        }
        b.goto("/").await;
        b.sign_out().await;
    }
}

/// A 390 px wide window: the header, the stacked tables and the charts.
async fn phone(b: &mut Browser) {
    b.c.set_window_size(390, 844).await.unwrap();
    b.sign_in("officer@agency-a.demo").await;
    let width =
        b.c.execute("return window.innerWidth", vec![])
            .await
            .unwrap();
    assert_eq!(width, json!(390), "the window is phone-wide");
    b.phone_shot("home").await;
    let header = b.header_height().await;
    assert!(header < 120.0, "the header keeps to two lines: {header} px");
    b.goto("/incidents").await;
    b.find("#incidents").await;
    b.phone_shot("incidents").await;
    let label = b.before_content("#incidents tbody td[data-label]").await;
    assert!(
        label.contains("事件編號"),
        "the number's cell says so: {label:?}"
    );
    let header = b.header_height().await;
    assert!(header < 120.0, "the header keeps to two lines: {header} px");
    b.goto("/team").await;
    b.find("main").await;
    if b.c.find(Locator::Css("table.roster-form")).await.is_ok() {
        b.scroll_to("table.roster-form").await;
    }
    b.phone_shot("team").await;
    b.sign_out().await;
    b.sign_in("reviewer@ministry.demo").await;
    let header = b.header_height().await;
    assert!(
        header < 120.0,
        "with a reviewer's longer menu too, the header keeps to two lines: {header} px"
    );
    b.goto("/dashboard").await;
    b.find("#per-category").await;
    b.scroll_to("#per-month").await;
    b.phone_shot("dashboard").await;
    let smallest: f64 =
        b.c.execute(
            "return Math.min(...[...document.querySelectorAll('svg.chart text')].map(t => {
               const svg = t.ownerSVGElement;
               const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
               return Number(t.getAttribute('font-size')) * scale;
             }));",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap_or(0.0);
    assert!(smallest >= 12.0, "chart text is at least 12 px: {smallest}");
    b.c.set_window_size(1280, 1000).await.unwrap();
}
