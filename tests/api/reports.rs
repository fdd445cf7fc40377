use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::helpers::{client, spawn_app, token, TestApp, DEMO_PASSWORD};

async fn file(app: &TestApp, impacts: Value) -> (String, String) {
    let t = token(app, "officer@agency-a.demo").await;
    let body: Value = app
        .client
        .post(app.url("/api/v1/incidents"))
        .bearer_auth(&t)
        .json(&json!({
            "title": "公文系統遭入侵", "aware_at": (Utc::now() - Duration::hours(2)).to_rfc3339(),
            "category": "intrusion", "impacts": impacts, "personal_data": false, "affected_systems": ["公文系統"],
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        body["id"].as_str().unwrap().to_string(),
        body["number"].as_str().unwrap().to_string(),
    )
}

/// The text of a PDF, by poppler's pdftotext (pages separated by form feeds).
fn pdf_text(bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("portal-report-{}", uuid::Uuid::new_v4()));
    std::fs::write(&dir, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", dir.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext runs: install poppler-utils");
    let _ = std::fs::remove_file(&dir);
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_level_3_report_pdf_holds_the_number_level_root_cause_and_is_classified_on_every_page()
{
    let app = spawn_app().await;
    let (id, number) = file(
        &app,
        json!([{"kind":"tamper","asset":"core","severe":true}]),
    )
    .await;
    let logistics = token(&app, "logistics@agency-a.demo").await;
    let r = app
        .client
        .post(app.url(&format!("/api/v1/incidents/{id}/actions/root_cause")))
        .bearer_auth(&logistics)
        .json(&json!({"root_cause": "管理帳號使用弱密碼遭暴力破解"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let officer = client();
    app.sign_in_as(&officer, "officer@agency-a.demo", DEMO_PASSWORD)
        .await;
    let r = app
        .get_as(&officer, &format!("/incidents/{id}/report.pdf"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    // The file is named after the incident and the report (ASCII, and in the reader's language).
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains(&format!("filename=\"{number}-investigation.pdf\"")),
        "{disposition}"
    );
    // "調查" percent-encoded as UTF-8.
    assert!(
        disposition.contains(&format!("filename*=UTF-8''{number}-%E8%AA%BF%E6%9F%A5")),
        "{disposition}"
    );
    let text = pdf_text(&r.bytes().await.unwrap());
    assert!(text.contains(&number), "the number");
    // Dates as agencies write them: 民國 years (2026 is 民國115年).
    let roc = chrono::Datelike::year(&chrono::Utc::now()) - 1911;
    assert!(text.contains(&format!("民國{roc}年")), "a 民國 date");
    assert!(text.contains("第三級"), "the level");
    assert!(
        text.contains("管理帳號使用弱密碼遭暴力破解"),
        "the root cause"
    );
    for (n, page) in text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .enumerate()
    {
        assert!(page.contains("密件"), "page {} is marked classified", n + 1);
    }
    // The root-cause report for the commander and the periodic control-effect report.
    let r = app
        .get_as(
            &officer,
            &format!("/incidents/{id}/report.pdf?kind=root_cause"),
        )
        .await;
    assert_eq!(r.status(), 200);
    let text = pdf_text(&r.bytes().await.unwrap());
    assert!(text.contains("陳報事件指揮官裁處") && text.contains("管理帳號使用弱密碼遭暴力破解"));
    // An extract counts its own sections: root cause is its third, not the full report's fifth.
    assert!(
        text.contains("三、事件根因分析") && !text.contains("五、"),
        "{text}"
    );
    let html = app
        .get_as(
            &officer,
            &format!("/incidents/{id}/report?kind=control_effect"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("損害控制成效定期報告") && !html.contains("事件根因分析</h2>"));
    assert_eq!(
        app.get_as(&officer, &format!("/incidents/{id}/report?kind=nonsense"))
            .await
            .status(),
        404
    );
    // The printable page says the same and marks it classified.
    let html = app
        .get_as(&officer, &format!("/incidents/{id}/report"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&number)
            && html.contains("管理帳號使用弱密碼遭暴力破解")
            && html.contains("class=\"classified top\"")
    );
    // In English mode the printable report and its links are English (the record stays as
    // typed).
    app.post_as(&officer, "/language", &[("lang", "en"), ("back", "/")])
        .await;
    let html = app
        .get_as(&officer, &format!("/incidents/{id}/report"))
        .await
        .text()
        .await
        .unwrap();
    let text = crate::helpers::visible_text(&html);
    assert!(
        text.contains("Investigation, handling and improvement report"),
        "{text}"
    );
}

#[tokio::test]
async fn a_report_with_parts_missing_renders_what_exists_and_lists_what_is_missing() {
    let app = spawn_app().await;
    let (id, number) = file(
        &app,
        json!([{"kind":"leak","asset":"non_core","severe":false}]),
    )
    .await;
    let officer = client();
    app.sign_in_as(&officer, "officer@agency-a.demo", DEMO_PASSWORD)
        .await;
    let html = app
        .get_as(&officer, &format!("/incidents/{id}/report"))
        .await;
    assert_eq!(html.status(), 200);
    let html = html.text().await.unwrap();
    assert!(html.contains("id=\"missing-parts\"") && html.contains("事件根因"));
    let r = app
        .get_as(&officer, &format!("/incidents/{id}/report.pdf"))
        .await;
    assert_eq!(r.status(), 200);
    let text = pdf_text(&r.bytes().await.unwrap());
    assert!(text.contains(&number) && text.contains("尚缺項目"));
    assert!(!text.contains("密件"), "level 1 is not classified");
}

#[tokio::test]
async fn another_agency_gets_404_for_the_report() {
    let app = spawn_app().await;
    let (id, _) = file(&app, json!([{"kind":"leak","asset":"core","severe":true}])).await;
    let stranger = client();
    app.sign_in_as(&stranger, "officer@agency-b.demo", DEMO_PASSWORD)
        .await;
    for path in [
        format!("/incidents/{id}/report"),
        format!("/incidents/{id}/report.pdf"),
    ] {
        assert_eq!(app.get_as(&stranger, &path).await.status(), 404, "{path}");
    }
    let ministry = client();
    app.sign_in_as(&ministry, "reviewer@ministry.demo", DEMO_PASSWORD)
        .await;
    assert_eq!(
        app.get_as(&ministry, &format!("/incidents/{id}/report.pdf"))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn incident_lists_export_as_csv_as_filtered_with_formulas_neutralised() {
    let app = spawn_app().await;
    let t = token(&app, "officer@agency-a.demo").await;
    for (title, impacts) in [
        (
            "=HYPERLINK(\"http://evil\")",
            json!([{"kind":"leak","asset":"non_core","severe":false}]),
        ),
        (
            "核心系統中斷",
            json!([{"kind":"disruption","asset":"core","severe":true}]),
        ),
    ] {
        let r = app
            .client
            .post(app.url("/api/v1/incidents"))
            .bearer_auth(&t)
            .json(&json!({"title": title, "aware_at": (Utc::now() - Duration::hours(1)).to_rfc3339(), "category": "other", "impacts": impacts, "personal_data": false}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let officer = client();
    app.sign_in_as(&officer, "officer@agency-a.demo", DEMO_PASSWORD)
        .await;
    let r = app.get_as(&officer, "/incidents.csv").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    assert_eq!(csv.lines().count(), 3, "header and two incidents");
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "the formula is neutralised: {csv}"
    );
    let level_3 = app
        .get_as(&officer, "/incidents.csv?level=3")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(level_3.lines().count(), 2);
    assert!(level_3.contains("核心系統中斷"));
    let stranger = client();
    app.sign_in_as(&stranger, "officer@agency-b.demo", DEMO_PASSWORD)
        .await;
    let theirs = app
        .get_as(&stranger, "/incidents.csv")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(theirs.lines().count(), 1, "only the header");
    let reviewer = client();
    app.sign_in_as(&reviewer, "reviewer@ministry.demo", DEMO_PASSWORD)
        .await;
    let board = app
        .get_as(&reviewer, "/board.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        board.contains("核心系統中斷") && !board.contains("HYPERLINK"),
        "level 3/4 only"
    );
}

/// The report as ODF text (#17 item 4), opened by a real office suite: LibreOffice headless
/// converts the downloaded `.odt` to PDF and poppler reads it back. Level 3: every page says 密件.
#[tokio::test]
async fn the_report_as_odt_opens_in_libreoffice_with_the_number_a_roc_date_and_密件_on_every_page()
{
    let app = spawn_app().await;
    let (id, number) = file(
        &app,
        json!([{"kind":"tamper","asset":"core","severe":true}]),
    )
    .await;
    let officer = client();
    app.sign_in_as(&officer, "officer@agency-a.demo", DEMO_PASSWORD)
        .await;
    let r = app
        .get_as(&officer, &format!("/incidents/{id}/report.odt"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.oasis.opendocument.text"
    );
    let disposition = r.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.contains(&format!("filename=\"{number}-investigation.odt\"")),
        "{disposition}"
    );
    let odt = r.bytes().await.unwrap();
    let text = odt_text(&odt);
    assert!(text.contains(&number), "the number: {text}");
    let roc = chrono::Datelike::year(&chrono::Utc::now()) - 1911;
    // LibreOffice sets a little space between Chinese and digits (its Asian autospacing), which
    // pdftotext reads as a space: 民國 115 年.
    assert!(
        text.replace(' ', "").contains(&format!("民國{roc}年")),
        "a 民國 date: {text}"
    );
    assert!(text.contains("第三級"), "the level");
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert!(!pages.is_empty());
    for (n, page) in pages.iter().enumerate() {
        assert!(page.contains("密件"), "page {} is marked classified", n + 1);
        assert!(
            page.contains(&format!("共 {} 頁", pages.len())),
            "page {} numbered",
            n + 1
        );
    }
    // Another agency cannot download it; the classified download is on the audit log.
    let b = client();
    app.sign_in_as(&b, "officer@agency-b.demo", DEMO_PASSWORD)
        .await;
    let r = app.get_as(&b, &format!("/incidents/{id}/report.odt")).await;
    assert_eq!(r.status(), 404);
    let logged: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log \
         WHERE kind = 'classified_report_downloaded' AND incident_id = $1",
    )
    .bind(id.parse::<uuid::Uuid>().unwrap())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(logged, 1);
}

/// An `.odt` file's text as LibreOffice lays it out: converted to PDF by `soffice --headless`,
/// read by pdftotext (pages separated by form feeds).
fn odt_text(odt: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("portal-odt-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.odt");
    std::fs::write(&file, odt).unwrap();
    // A profile of its own, so parallel tests' LibreOffice processes do not share one.
    let profile = format!("-env:UserInstallation=file://{}/profile", dir.display());
    let out = std::process::Command::new("soffice")
        .args([&profile, "--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&dir)
        .arg(&file)
        .output()
        .expect("soffice runs: install libreoffice-writer-nogui");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = std::fs::read(dir.join("report.pdf")).unwrap_or_else(|e| {
        panic!(
            "LibreOffice wrote no PDF ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let _ = std::fs::remove_dir_all(&dir);
    pdf_text(&pdf)
}
