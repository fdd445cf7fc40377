//! One level-3 incident of 甲機關 from filing to closing, every step in the browser by the demo
//! user whose job it is, starting from their home page ("現在要我辦理") where it lists the step.
//! Each person works at their own browser, so they sign in once and stay signed in (the test
//! keeps one cookie jar per person). Counts the form submissions, clicks and sign-ins it takes.

use std::collections::{BTreeMap, BTreeSet};

use fantoccini::cookies::Cookie;

use portal::domain::Role;
use portal::i18n::Lang;

use super::*;

/// The browser with counters of what the users did.
struct Walk {
    b: Browser,
    app: TestApp,
    id: Option<Uuid>,
    submissions: u32,
    clicks: u32,
    sign_ins: u32,
    accounts: BTreeSet<String>,
    /// Each person's browser: their cookies while someone else works.
    desks: BTreeMap<String, Vec<Cookie<'static>>>,
    at_desk: Option<String>,
}

fn label(role: Role) -> String {
    Lang::ZhTw.text(&role.label())
}

impl Walk {
    fn incident(&self) -> Uuid {
        self.id.expect("filed")
    }

    async fn sign_in(&mut self, email: &str) {
        self.b.sign_in(email).await;
        self.submissions += 1;
        self.clicks += 1;
        self.sign_ins += 1;
        self.accounts.insert(email.to_string());
    }

    /// `email` turns to their own browser: signed in already from earlier (back to their home
    /// page, one click), or signing in now.
    async fn at_desk_of(&mut self, email: &str) {
        if let Some(current) = self.at_desk.take() {
            let cookies = self.b.c.get_all_cookies().await.unwrap();
            self.desks.insert(current, cookies);
        }
        self.b.c.delete_all_cookies().await.unwrap();
        match self.desks.get(email) {
            Some(cookies) => {
                for cookie in cookies.clone() {
                    self.b.c.add_cookie(cookie).await.unwrap();
                }
                self.b.goto("/").await;
                self.clicks += 1;
                assert!(
                    self.b
                        .c
                        .find(Locator::Css("form[action='/logout']"))
                        .await
                        .is_ok(),
                    "{email} is still signed in"
                );
            }
            None => self.sign_in(email).await,
        }
        self.at_desk = Some(email.to_string());
    }

    /// Follows a link (one click, a new page).
    async fn follow(&mut self, css: &str) {
        self.b.click_and_wait(css).await;
        self.clicks += 1;
    }

    /// On the home page, follows the "waiting on me" link to `action`'s form.
    async fn follow_to_do(&mut self, action: &str) {
        let id = self.incident();
        assert_eq!(self.b.current_path().await, "/", "starts from home");
        let link = format!("#to-do a[href='/incidents/{id}#form-{action}']");
        if self.b.c.find(Locator::Css(&link)).await.is_err() {
            let listed = self.b.text("#to-do").await;
            panic!("home lists {action} to do: {listed}");
        }
        self.follow(&link).await;
    }

    /// On the home page, opens the incident from the agency's open incidents.
    async fn open_from_home(&mut self) {
        let id = self.incident();
        self.follow(&format!("#open-incidents a[href='/incidents/{id}']"))
            .await;
    }

    async fn tick(&mut self, css: &str) {
        self.b.find(css).await.click().await.unwrap();
        self.clicks += 1;
    }

    async fn choose(&mut self, css: &str, value: &str) {
        self.b.select(css, value).await;
        self.clicks += 1;
    }

    /// Submits `#form-<action>` and expects it taken (no problem shown).
    async fn submit(&mut self, action: &str) {
        self.try_submit(action).await;
        if let Ok(p) = self.b.c.find(Locator::Css("#problem")).await {
            panic!("{action} refused: {}", p.text().await.unwrap());
        }
        let id = self.incident();
        assert_eq!(self.b.current_path().await, format!("/incidents/{id}"));
    }

    async fn try_submit(&mut self, action: &str) {
        let button = format!("#form-{action} button[type=submit]");
        self.b.scroll_to(&button).await;
        self.b.click_and_wait(&button).await;
        self.submissions += 1;
        self.clicks += 1;
    }

    /// Ticks the confirmation and completes the stage.
    async fn complete_stage(&mut self) {
        self.tick("#form-complete_stage input[name=confirm]").await;
        self.submit("complete_stage").await;
    }

    /// The incident page's next-step line names `role`.
    async fn next_is(&self, role: Role) {
        let line = self.b.text("#next-step").await;
        let who = label(role);
        assert!(line.contains(&who), "the next step is for {who}: {line}");
    }

    async fn picture(&self, name: &str) {
        let png = self.b.c.screenshot().await.unwrap();
        std::fs::write(output_folder().join(format!("walk-{name}.png")), png).unwrap();
    }
}

/// Whether `text` holds something shaped like a UUID (8-4-4-4-12 hex digits).
fn has_uuid(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(36).any(|w| {
        w.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == '-',
            _ => c.is_ascii_hexdigit(),
        })
    })
}

fn in_words(what: &str, text: &str) {
    assert!(!has_uuid(text), "{what} shows an id: {text}");
    for code in ["stage_completed", "custody.", "level_reviewed"] {
        assert!(!text.contains(code), "{what} shows {code}: {text}");
    }
}

#[tokio::test]
async fn a_level_3_incident_is_walked_from_filing_to_closing_by_each_user_in_the_browser() {
    let started = Instant::now();
    std::fs::create_dir_all(output_folder()).unwrap();
    let driver = start_driver().await;
    let app = spawn_app().await;
    let b = Browser::open(&driver, &app.base).await;
    let session = b.c.clone();
    let walk = Walk {
        b,
        app,
        id: None,
        submissions: 0,
        clicks: 0,
        sign_ins: 0,
        accounts: BTreeSet::new(),
        desks: BTreeMap::new(),
        at_desk: None,
    };
    match tokio::spawn(walk_through(walk)).await {
        Ok(w) => {
            println!(
                "walkthrough: {} form submissions ({} of them signing in), {} clicks, \
                 {} sign-ins across {} accounts ({:.1} s)",
                w.submissions,
                w.sign_ins,
                w.clicks,
                w.sign_ins,
                w.accounts.len(),
                started.elapsed().as_secs_f64()
            );
            assert_eq!(w.accounts.len(), 8, "{:?}", w.accounts);
            // The tester counted 45 submissions, ~105 clicks and 17 sign-ins before #13.
            assert!(w.submissions <= 23, "{} submissions", w.submissions);
            assert!(w.clicks <= 80, "{} clicks", w.clicks);
            assert_eq!(w.sign_ins, 8, "one sign-in per person");
        }
        Err(failed) => {
            if let Ok(png) = session.screenshot().await {
                let _ = std::fs::write(output_folder().join("walk-failure.png"), png);
            }
            let _ = session.close().await;
            drop(driver);
            std::panic::resume_unwind(failed.into_panic());
        }
    }
    let _ = session.close().await;
    drop(driver);
}

async fn walk_through(mut w: Walk) -> Walk {
    // 1. Report: the security officer files at level 3 from home, with the phone notice
    //    already given, and completes the report stage in the same submission.
    w.at_desk_of("officer@agency-a.demo").await;
    w.follow("#file-incident").await;
    w.choose("select[name='impact_tamper_core']", "severe")
        .await;
    w.b.live_level("3").await;
    w.b.fill("#title", "公文系統遭植入後門").await;
    w.b.set_value(
        "#aware_at",
        &local(Utc::now() - chrono::Duration::minutes(30)),
    )
    .await;
    w.choose("#category", "intrusion").await;
    w.choose("#subcategory", "malware_implanted").await;
    w.b.fill("#affected_systems", "公文系統\n檔案伺服器").await;
    w.b.fill("#summary", "發現異常對外連線。").await;
    w.b.fill("#contact", "王小明 02-1234-5678").await;
    w.b.fill("#told", "示範部資安窗口").await;
    w.tick("#filed-with input[name=complete_stage]").await;
    w.b.scroll_to("#filing button[type=submit]").await;
    w.b.click_and_wait("#filing button[type=submit]").await;
    w.submissions += 1;
    w.clicks += 1;
    let path = w.b.current_path().await;
    w.id = Some(
        Uuid::parse_str(path.trim_start_matches("/incidents/"))
            .unwrap_or_else(|_| panic!("filed and sent to the incident page, not {path}")),
    );
    let id = w.incident();
    assert!(w.b.text("#level").await.contains("第三級"));
    w.next_is(Role::Commander).await;
    // The review and the relay to the Office of Homeland Security are named as waiting too.
    let also = w.b.text("#also-waiting").await;
    assert!(
        also.contains("受通報機關") && also.contains("主管機關"),
        "{also}"
    );

    // 2. The ministry's reviewer reviews it from the queue on their home page and relays the
    //    result to the competent authority in the same form.
    w.at_desk_of("reviewer@ministry.demo").await;
    w.follow(&format!("#reviews a[href='/incidents/{id}']"))
        .await;
    w.b.fill("#relay-basis", "影響核心業務系統，維持第三級")
        .await;
    w.submit("review").await;
    let timeline = w.b.text("section#timeline").await;
    assert!(
        timeline.contains("影響核心業務系統"),
        "relayed too: {timeline}"
    );

    // 3. The competent authority relays the level-3 incident to the Office of Homeland
    //    Security: on its home page's to-do.
    w.at_desk_of("acs-reviewer@acs.demo").await;
    w.follow_to_do("homeland_relay").await;
    w.submit("homeland_relay").await;

    // 4. Response team: the commander activates the team; at level 3 the meeting follows
    //    initial damage control (point 3(二)), so the next step names the response group.
    w.at_desk_of("commander@agency-a.demo").await;
    w.follow_to_do("activate_team").await;
    w.submit("activate_team").await;
    w.next_is(Role::ResponseExecution).await;

    w.at_desk_of("responder@agency-a.demo").await;
    w.follow_to_do("containment").await;
    w.tick("#form-containment input[name=initial_control_done]")
        .await;
    w.submit("containment").await;
    w.next_is(Role::Commander).await;

    w.at_desk_of("commander@agency-a.demo").await;
    w.follow_to_do("response_meeting").await;
    w.b.fill("#attendees", "指揮官\n資安長").await;
    w.b.fill("#minutes", "確認影響範圍").await;
    for agenda in ["overview", "scope", "other"] {
        w.tick(&format!("#form-response_meeting input[value={agenda}]"))
            .await;
    }
    w.tick("#form-response_meeting input[name=complete_stage]")
        .await;
    w.submit("response_meeting").await;
    w.next_is(Role::ResponseExecution).await;

    // 5. Containment by the response group: the checklist, the control-effect report and the
    //    completion in one form.
    w.at_desk_of("responder@agency-a.demo").await;
    w.follow_to_do("containment").await;
    w.tick("#form-containment input[name=scope_confirmed]")
        .await;
    w.tick("#form-containment input[name=priority_restoration_done]")
        .await;
    w.choose("#downtime_0", "within").await;
    w.choose("#downtime_1", "beyond").await;
    w.choose("#public_announcement", "no").await;
    w.tick("#form-containment input[name=notify_completion]")
        .await;
    w.b.fill("#ce-done", "隔離受駭主機").await;
    w.b.fill("#ce-effect", "異常連線已中止").await;
    w.tick("#form-containment input[name=complete_stage]").await;
    w.submit("containment").await;
    w.next_is(Role::Logistics).await;

    // 6. Root cause: logistics (with the first improvement measure), the secretary, the
    //    commander, the officer, the commander.
    w.at_desk_of("logistics@agency-a.demo").await;
    w.follow_to_do("root_cause").await;
    w.picture("stage-4").await;
    w.b.fill("#root_cause", "弱密碼遭暴力破解").await;
    w.b.fill("#description", "汰換老舊設備").await;
    w.choose("#horizon", "mid").await;
    w.b.set_value("#due_on", &date_in(120)).await;
    w.submit("root_cause").await;
    w.next_is(Role::ExecutiveSecretary).await;

    w.at_desk_of("secretary@agency-a.demo").await;
    w.follow_to_do("submit_to_commander").await;
    w.submit("submit_to_commander").await;
    w.next_is(Role::Commander).await;

    w.at_desk_of("commander@agency-a.demo").await;
    w.picture("commander-home").await;
    w.follow_to_do("decide").await;
    w.submit("decide").await;
    w.next_is(Role::SecurityOfficer).await;

    w.at_desk_of("officer@agency-a.demo").await;
    w.follow_to_do("send_to_escalation_target").await;
    w.submit("send_to_escalation_target").await;
    w.next_is(Role::Commander).await;

    w.at_desk_of("commander@agency-a.demo").await;
    w.follow_to_do("complete_stage").await;
    w.complete_stage().await;
    w.next_is(Role::ExecutiveSecretary).await;

    // 7. Improvement: the secretary's progress report, the CISO's meeting (art. 9), the
    //    officer's report with its classified document and the closing, in one form.
    w.at_desk_of("secretary@agency-a.demo").await;
    w.follow_to_do("progress_report").await;
    w.b.fill("#pr-done", "已汰換部分設備").await;
    w.b.fill("#pr-effect", "告警歸零").await;
    w.submit("progress_report").await;
    w.next_is(Role::SecurityOfficer).await;

    w.at_desk_of("ciso@agency-a.demo").await;
    w.follow_to_do("ciso_meeting").await;
    w.b.fill("#ciso-attendees", "資安長\n指揮官").await;
    w.b.fill("#ciso-conclusions", "加強帳號管理").await;
    w.submit("ciso_meeting").await;

    w.at_desk_of("officer@agency-a.demo").await;
    w.follow_to_do("submit_report").await;
    w.b.fill("#doc-number", "資安字第1150000001號").await;
    w.b.set_value("#dated", &date_in(0)).await;
    w.tick("#form-submit_report input[name=complete_stage]")
        .await;
    w.submit("submit_report").await;
    assert_eq!(status_of_incident(&w, id).await, "closed");
    w.b.c
        .execute("window.scrollTo(0, 0);", vec![])
        .await
        .unwrap();
    w.picture("closed").await;

    // The record reads in words: no ids, no event codes.
    let timeline = w.b.text("section#timeline").await;
    in_words("the timeline", &timeline);
    w.b.goto(&format!("/incidents/{id}/report")).await;
    let report = w.b.body_text().await;
    in_words("the report", &report);
    w
}

async fn status_of_incident(w: &Walk, id: Uuid) -> String {
    sqlx::query_scalar("SELECT status FROM incidents WHERE id = $1")
        .bind(id)
        .fetch_one(&w.app.pool)
        .await
        .unwrap()
}
