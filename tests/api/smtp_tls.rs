//! E-mail over TLS with AUTH (#14): STARTTLS and implicit TLS against a real SMTP server
//! (aiosmtpd, `tests/smtp/sink.py`) whose certificate only the configured CA file vouches for.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use portal::config::SmtpTls;
use portal::jobs::{self, Smtp};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::helpers::{spawn_app, TestApp};
use crate::jobs::file_level_3;

struct Sink {
    _child: tokio::process::Child,
    port: u16,
    out: PathBuf,
}

/// A CA of the test's own (in no system's roots) and a certificate for `localhost` it signed,
/// in `dir`: (CA certificate, server certificate, server key).
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let openssl = |args: &[&str]| {
        let done = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stderr(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .expect("openssl");
        assert!(done.success(), "openssl {args:?}");
    };
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=Test agency CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "key.pem",
        "-out",
        "leaf.csr",
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "leaf.ext",
        "-out",
        "cert.pem",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    )
}

async fn sink(dir: &Path, mode: &str, cert: &Path, key: &Path) -> Sink {
    let out = dir.join(format!("{mode}.txt"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/sink.py");
    let mut child = tokio::process::Command::new("python3")
        .arg(script)
        .arg(mode)
        .arg(cert)
        .arg(key)
        .args(["portal", "mail-secret"])
        .arg(&out)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python3 with aiosmtpd (pip install aiosmtpd)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = lines.next_line().await.unwrap().expect("the sink starts");
    let port = ready.trim_start_matches("ready ").parse().unwrap();
    Sink {
        _child: child,
        port,
        out,
    }
}

async fn retry_now(app: &TestApp) {
    sqlx::query("UPDATE outbox SET next_attempt_at = now() WHERE sent_at IS NULL")
        .execute(&app.pool)
        .await
        .unwrap();
}

fn smtp(port: u16, tls: SmtpTls, password: &str, ca: Option<&Path>) -> Smtp {
    Smtp {
        host: "localhost".into(),
        port,
        from: "portal@test.demo".into(),
        tls,
        credentials: Some(("portal".into(), password.into())),
        ca_file: ca.map(Path::to_path_buf),
        max_attempts: 10,
    }
}

#[tokio::test]
async fn mail_goes_over_starttls_or_implicit_tls_with_auth_and_only_to_a_trusted_server() {
    let dir = std::env::temp_dir().join(format!("portal-smtp-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let (ca, cert, key) = certificates(&dir);
    let app = spawn_app().await;
    file_level_3(&app, 5).await;
    let starttls = sink(&dir, "starttls", &cert, &key).await;
    // A server whose certificate nothing trusts gets nothing.
    let untrusted = smtp(starttls.port, SmtpTls::Starttls, "mail-secret", None);
    assert_eq!(jobs::send_outbox(&app.pool, &untrusted).await.unwrap(), 0);
    let error: Option<String> =
        sqlx::query_scalar("SELECT last_error FROM outbox WHERE last_error IS NOT NULL LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(error.is_some_and(|e| e.to_lowercase().contains("certificate")));
    // The wrong password is refused by the server.
    retry_now(&app).await;
    let wrong = smtp(starttls.port, SmtpTls::Starttls, "guess", Some(&ca));
    assert_eq!(jobs::send_outbox(&app.pool, &wrong).await.unwrap(), 0);
    assert!(!starttls.out.exists(), "nothing delivered so far");
    // STARTTLS with the agency's CA and AUTH: delivered, authenticated.
    retry_now(&app).await;
    let good = smtp(starttls.port, SmtpTls::Starttls, "mail-secret", Some(&ca));
    let sent = jobs::send_outbox(&app.pool, &good).await.unwrap();
    assert!(sent >= 1);
    let got = std::fs::read_to_string(&starttls.out).unwrap();
    assert_eq!(got.matches("AUTH True").count() as u64, sent);
    // Implicit TLS (port 465 style) for the next message.
    file_level_3(&app, 5).await;
    let tls = sink(&dir, "tls", &cert, &key).await;
    let implicit = smtp(tls.port, SmtpTls::Tls, "mail-secret", Some(&ca));
    assert!(jobs::send_outbox(&app.pool, &implicit).await.unwrap() >= 1);
    assert!(std::fs::read_to_string(&tls.out)
        .unwrap()
        .contains("AUTH True"));
    let _ = std::fs::remove_dir_all(&dir);
}
