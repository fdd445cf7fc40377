//! The timeline's chain against someone who can write the database (issue #14): links are
//! HMACs under a key the database does not hold, and signed checkpoints outside the database
//! catch a rewrite made even with the key.

use portal::db::timeline::{entry_hash, entry_link, verify_all, Entry};
use portal::domain::chain::ChainKey;
use uuid::Uuid;

use crate::helpers::{as_user, spawn_app, test_key, TestApp};
use crate::incidents::{file, ok};

/// An incident with three timeline entries: filed, stage completed, team activated.
async fn incident_with_three_entries() -> (TestApp, Uuid) {
    let app = spawn_app().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let id = file(&app, &officer, &[("impact_leak_non_core", "severe")], false).await;
    ok(&app, &officer, id, "complete_stage", &[("confirm", "yes")]).await;
    let commander = as_user(&app, "commander@agency-a.demo").await;
    ok(&app, &commander, id, "activate_team", &[]).await;
    (app, id)
}

async fn entries(app: &TestApp, id: Uuid) -> Vec<Entry> {
    sqlx::query_as(
        "SELECT incident_id, agency_id, seq, at, actor_id, actor_agency_id, kind, body, prev_hash, \
         hash, link_version, rewritten_by FROM timeline_entries WHERE incident_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// What someone with write access to the database can do without the key: recompute, in SQL,
/// the plain SHA-256 chain (the first version's: length-prefixed fields after the hash before)
/// from entry `from` on, marking the rows with `version`.
async fn forge_plain_chain_in_sql(app: &TestApp, id: Uuid, from: i32, version: i16) {
    sqlx::query(
        r#"CREATE OR REPLACE FUNCTION forge_plain_chain(target uuid, from_seq int, version smallint)
        RETURNS void LANGUAGE plpgsql AS $$
        DECLARE
            r record;
            prev bytea;
            msg bytea;
            part text;
        BEGIN
            SELECT hash INTO prev FROM timeline_entries WHERE incident_id = target AND seq = from_seq - 1;
            prev := coalesce(prev, decode(repeat('00', 32), 'hex'));
            FOR r IN SELECT * FROM timeline_entries
                     WHERE incident_id = target AND seq >= from_seq ORDER BY seq LOOP
                msg := prev;
                FOREACH part IN ARRAY ARRAY[
                    r.incident_id::text, r.agency_id::text, r.seq::text,
                    to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                    coalesce(r.actor_id::text, ''), coalesce(r.actor_agency_id::text, ''),
                    r.kind, r.body] LOOP
                    msg := msg || int8send(octet_length(convert_to(part, 'UTF8'))::bigint)
                               || convert_to(part, 'UTF8');
                END LOOP;
                UPDATE timeline_entries SET prev_hash = prev, hash = sha256(msg), link_version = version
                    WHERE id = r.id;
                prev := sha256(msg);
            END LOOP;
        END $$"#,
    )
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query("SELECT forge_plain_chain($1, $2, $3)")
        .bind(id)
        .bind(from)
        .bind(version)
        .execute(&app.pool)
        .await
        .unwrap();
}

/// The forgery is a faithful plain SHA-256 chain: each row's hash is what the first version of
/// the portal computed, and each row follows the one before.
fn assert_plain_chain_holds(rows: &[Entry], from: i32) {
    for pair in rows.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash, "linked");
    }
    for e in rows.iter().filter(|e| e.seq >= from) {
        assert_eq!(
            entry_hash(e),
            e.hash,
            "entry {} is a valid SHA-256 link",
            e.seq
        );
    }
}

/// A superuser rewrites a body behind the portal's back, past the rewrite trigger (which it
/// may switch off: `session_replication_role`).
async fn rewrite_body(app: &TestApp, id: Uuid, seq: i32) {
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE timeline_entries SET body = '{\"at\":\"nothing happened\"}' WHERE incident_id = $1 AND seq = $2")
        .bind(id)
        .bind(seq)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn verify(
    app: &TestApp,
    key: &ChainKey,
    with_checkpoints: bool,
) -> (u64, Option<(Uuid, i32, &'static str)>) {
    let checkpoints = if with_checkpoints {
        app.checkpoint_log().read(key).unwrap().checkpoints
    } else {
        Vec::new()
    };
    let mut conn = app.pool.acquire().await.unwrap();
    let (checked, broken) = verify_all(&mut conn, key, &checkpoints).await.unwrap();
    (checked, broken.map(|b| (b.incident_id, b.seq, b.reason)))
}

fn said(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[tokio::test]
async fn a_body_rewritten_and_the_plain_sha256_chain_recomputed_in_sql_fails_verification() {
    let (app, id) = incident_with_three_entries().await;
    let out = app.portal(&["verify-timeline"]).output().unwrap();
    assert!(out.status.success(), "untouched: {}", said(&out));
    assert!(said(&out).contains("3 entries"), "{}", said(&out));

    // From the rewritten entry on, still claiming the keyed link.
    rewrite_body(&app, id, 2).await;
    forge_plain_chain_in_sql(&app, id, 2, 2).await;
    assert_plain_chain_holds(&entries(&app, id).await, 2);
    let out = app.portal(&["verify-timeline"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(
        said(&out).contains(&id.to_string())
            && said(&out).contains("entry 2")
            && said(&out).contains("under the timeline key"),
        "{}",
        said(&out)
    );

    // The whole chain recomputed as a first-version chain: plain links are refused as such.
    forge_plain_chain_in_sql(&app, id, 1, 1).await;
    let rows = entries(&app, id).await;
    assert_plain_chain_holds(&rows, 1);
    assert_eq!(rows[0].prev_hash, vec![0u8; 32]);
    let out = app.portal(&["verify-timeline"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(
        said(&out).contains("entry 1") && said(&out).contains("plain SHA-256"),
        "{}",
        said(&out)
    );
}

#[tokio::test]
async fn an_untouched_timeline_verifies_under_its_key_and_not_under_another_or_without_one() {
    let (app, id) = incident_with_three_entries().await;
    let out = app.portal(&["checkpoint-timeline"]).output().unwrap();
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("1 chain heads"), "{}", said(&out));
    // Entries appended after a checkpoint are fine: the checkpoint covers the ones before.
    let officer = as_user(&app, "officer@agency-a.demo").await;
    file(&app, &officer, &[("impact_leak_non_core", "minor")], false).await;
    assert_eq!(verify(&app, &test_key(), true).await, (4, None));
    let out = app.portal(&["verify-timeline"]).output().unwrap();
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("4 entries"), "{}", said(&out));

    let other = ChainKey::from_bytes([9; 32]);
    let (_, broken) = verify(&app, &other, false).await;
    let (_, seq, reason) = broken.expect("another key does not verify");
    assert_eq!(seq, 1);
    assert!(reason.contains("under the timeline key"), "{reason}");
    // The CLI with another key refuses the checkpoint file, whose lines were signed under ours.
    let out = app
        .portal(&["verify-timeline"])
        .env("PORTAL_TIMELINE_KEY", other.to_hex())
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", said(&out));
    // Without any key configured, verification does not start (and creates none).
    let empty = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("no-key-{id}"));
    let out = app
        .portal(&["verify-timeline"])
        .env_remove("PORTAL_TIMELINE_KEY")
        .env("PORTAL_DATA_DIR", &empty)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", said(&out));
    assert!(said(&out).contains("PORTAL_TIMELINE_KEY"), "{}", said(&out));
    assert!(!empty.join("timeline.key").exists());
}

#[tokio::test]
async fn a_rewrite_with_the_key_of_a_checkpointed_entry_fails_verification_by_the_checkpoint() {
    let (app, id) = incident_with_three_entries().await;
    let out = app.portal(&["checkpoint-timeline"]).output().unwrap();
    assert!(said(&out).contains("1 chain heads"), "{}", said(&out));
    let out = app.portal(&["checkpoint-timeline"]).output().unwrap();
    assert!(
        said(&out).contains("0 chain heads"),
        "nothing moved: {}",
        said(&out)
    );

    // Someone holding the key rewrites entry 2 and recomputes the keyed chain after it.
    let key = test_key();
    let mut rows = entries(&app, id).await;
    rows[1].body = "{\"at\":\"nothing happened\"}".into();
    // A superuser, past the rewrite trigger (`session_replication_role`).
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    for n in 1..rows.len() {
        rows[n].prev_hash = rows[n - 1].hash.clone();
        rows[n].hash = entry_link(&key, &rows[n]);
        sqlx::query("UPDATE timeline_entries SET body = $3, prev_hash = $4, hash = $5 WHERE incident_id = $1 AND seq = $2")
            .bind(id)
            .bind(rows[n].seq)
            .bind(&rows[n].body)
            .bind(&rows[n].prev_hash)
            .bind(&rows[n].hash)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    // The chain alone holds: the rewrite is as good as the portal's own.
    assert_eq!(verify(&app, &key, false).await, (3, None));
    // The checkpoint of the head (entry 3) does not.
    let (_, broken) = verify(&app, &key, true).await;
    let (incident, seq, reason) = broken.expect("the checkpoint catches the rewrite");
    assert_eq!((incident, seq), (id, 3));
    assert!(reason.contains("checkpoint"), "{reason}");
    let out = app.portal(&["verify-timeline"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(
        said(&out).contains(&id.to_string()) && said(&out).contains("entry 3"),
        "{}",
        said(&out)
    );

    // Cutting the checkpointed entry off instead leaves a valid, shorter chain: also caught.
    sqlx::query("DELETE FROM timeline_entries WHERE incident_id = $1 AND seq = 3")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let (_, broken) = verify(&app, &key, true).await;
    let (incident, seq, reason) = broken.expect("the checkpoint catches the deletion");
    assert_eq!((incident, seq), (id, 3));
    assert!(reason.contains("gone"), "{reason}");
}

#[tokio::test]
async fn timeline_rows_linked_before_the_key_are_relinked_once_and_verify() {
    let (app, id) = incident_with_three_entries().await;
    let officer = as_user(&app, "officer@agency-a.demo").await;
    let tampered = file(&app, &officer, &[("impact_leak_non_core", "minor")], false).await;
    // The rows as the portal wrote them before the key: plain SHA-256 links. One chain was
    // altered afterwards without recomputing it.
    forge_plain_chain_in_sql(&app, id, 1, 1).await;
    forge_plain_chain_in_sql(&app, tampered, 1, 1).await;
    rewrite_body(&app, tampered, 1).await;
    assert_plain_chain_holds(&entries(&app, id).await, 1);
    // An installation upgraded from before the key has no checkpoint file yet.
    let upgraded = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("timeline-checkpoints")
        .join(format!("{}-upgraded", app.db_name));
    let portal = |args: &[&str]| {
        let mut command = app.portal(args);
        command.env("PORTAL_TIMELINE_CHECKPOINT_DIR", &upgraded);
        command.output().unwrap()
    };
    let out = portal(&["verify-timeline"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "plain links do not verify: {}",
        said(&out)
    );

    // Start-up (here `portal migrate`) re-links the intact chain under the key, once.
    let out = portal(&["migrate"]);
    assert!(out.status.success(), "{}", said(&out));
    let rows = entries(&app, id).await;
    assert!(rows.iter().all(|e| e.link_version == 2), "re-linked");
    let key = test_key();
    assert_eq!(rows[0].hash, entry_link(&key, &rows[0]));
    // The altered chain is left as it was: re-linking it would vouch for the alteration.
    let left = entries(&app, tampered).await;
    assert!(left.iter().all(|e| e.link_version == 1));
    let out = portal(&["verify-timeline"]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(
        said(&out).contains(&tampered.to_string()) && !said(&out).contains(&id.to_string()),
        "{}",
        said(&out)
    );
    // Without the altered chain, everything verifies.
    sqlx::query("DELETE FROM timeline_entries WHERE incident_id = $1")
        .bind(tampered)
        .execute(&app.pool)
        .await
        .unwrap();
    let out = portal(&["verify-timeline"]);
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("3 entries"), "{}", said(&out));

    // Once: plain-linked rows planted later are not re-linked by another start.
    forge_plain_chain_in_sql(&app, id, 1, 1).await;
    let out = portal(&["migrate"]);
    assert!(out.status.success(), "{}", said(&out));
    assert!(entries(&app, id).await.iter().all(|e| e.link_version == 1));
    let out = portal(&["verify-timeline"]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
}
