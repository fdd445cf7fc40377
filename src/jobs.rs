//! Background work inside each portal process: reminders of what is due and the e-mail
//! outbox. Several processes may run side by side: each reminder and e-mail is claimed in
//! PostgreSQL with `FOR UPDATE SKIP LOCKED`, so nothing is sent twice. Jobs act for the system,
//! as the database owner (past row-level security), because they span every agency.

use std::time::Duration;

use chrono::Utc;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::{PgPool, Row};
use uuid::Uuid;

use crate::config::Settings;
use crate::db;
use crate::domain::notifications::{
    reminder_recipients, Reminder, DEADLINE_WARNING_MINUTES, IMPROVEMENT_WARNING_DAYS,
};
use crate::domain::AgencyId;

/// Misses older than this are not reminded any more (nobody needs a reminder of a miss from
/// last year every minute).
const MISSED_LOOKBACK_DAYS: i64 = 7;

/// Starts the scheduler and the outbox sender on the owner's pool.
pub fn spawn(owner: PgPool, settings: &Settings) {
    let every = Duration::from_secs(settings.jobs_interval_seconds.max(1));
    let control_hours = settings.control_report_hours;
    let drill_months = settings.drill_period_months;
    let smtp = settings.smtp_host.clone().map(|host| Smtp {
        host,
        port: settings.smtp_port,
        from: settings.smtp_from.clone(),
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = remind(&owner, control_hours).await {
                tracing::warn!(error = %e, "reminder run failed");
            }
            if let Err(e) = remind_drills(&owner, drill_months).await {
                tracing::warn!(error = %e, "drill reminder run failed");
            }
            if let Some(smtp) = &smtp {
                if let Err(e) = send_outbox(&owner, smtp).await {
                    tracing::warn!(error = %e, "outbox run failed");
                }
            }
        }
    });
}

/// Finds what is due, records one reminder per (incident, kind, due time), then claims and
/// sends the unsent ones. Returns how many reminders this run sent.
pub async fn remind(pool: &PgPool, control_report_hours: i64) -> Result<u64, sqlx::Error> {
    let warn = format!("{DEADLINE_WARNING_MINUTES} minutes");
    let lookback = format!("{MISSED_LOOKBACK_DAYS} days");
    // (kind, due column, "done" column) of each deadline that can be reminded.
    for (name, due, done) in [
        ("review", "review_due", "reviewed_at"),
        ("containment", "containment_due", "containment_completed_at"),
        ("report", "report_submission_due", "report_submitted_at"),
    ] {
        sqlx::query(&format!(
            "INSERT INTO reminders (agency_id, incident_id, kind, due_at, fire_at) \
             SELECT agency_id, id, CASE WHEN {due} <= now() THEN '{name}_missed' ELSE '{name}_soon' END, {due}, \
                    CASE WHEN {due} <= now() THEN {due} ELSE {due} - $1::interval END \
             FROM incidents WHERE {done} IS NULL AND status <> 'closed' \
               AND {due} BETWEEN now() - $2::interval AND now() + $1::interval \
             ON CONFLICT DO NOTHING"
        ))
        .bind(&warn)
        .bind(&lookback)
        .execute(pool)
        .await?;
    }
    // Level 3/4 while damage control is open: a control-effect report every N hours.
    sqlx::query(
        "INSERT INTO reminders (agency_id, incident_id, kind, due_at, fire_at) \
         SELECT agency_id, id, 'control_effect_due', due, due FROM ( \
             SELECT agency_id, id, COALESCE((SELECT max(x::timestamptz) \
                 FROM jsonb_array_elements_text(record->'control_effect_reports') x), reported_at) \
                 + make_interval(hours => $1) AS due \
             FROM incidents WHERE level >= 3 AND containment_completed_at IS NULL AND status <> 'closed') d \
         WHERE due <= now() ON CONFLICT DO NOTHING",
    )
    .bind(i32::try_from(control_report_hours.clamp(1, 24 * 30)).unwrap_or(24))
    .execute(pool)
    .await?;
    // Improvement items near or past their due date.
    sqlx::query(
        "INSERT INTO reminders (agency_id, incident_id, kind, due_at, fire_at) \
         SELECT agency_id, id, CASE WHEN due <= now() THEN 'improvement_missed' ELSE 'improvement_soon' END, due, \
                CASE WHEN due <= now() THEN due ELSE due - make_interval(days => $1) END \
         FROM ( \
             SELECT i.agency_id, i.id, ((item->>'due_on')::date::timestamp AT TIME ZONE 'Asia/Taipei') AS due \
             FROM incidents i, jsonb_array_elements(i.record->'improvement_items') item \
             WHERE i.status IN ('root_cause', 'improvement') AND item->>'done_on' IS NULL) d \
         WHERE due BETWEEN now() - $2::interval AND now() + make_interval(days => $1) \
         ON CONFLICT DO NOTHING",
    )
    .bind(i32::try_from(IMPROVEMENT_WARNING_DAYS).unwrap_or(7))
    .bind(&lookback)
    .execute(pool)
    .await?;

    let mut tx = pool.begin().await?;
    let ca: Uuid = sqlx::query_scalar("SELECT id FROM agencies WHERE kind = 'competent_authority'")
        .fetch_one(&mut *tx)
        .await?;
    let claimed = sqlx::query(
        "SELECT r.id, r.kind, i.id AS incident_id, i.agency_id, i.escalation_target_id, i.number \
         FROM reminders r JOIN incidents i ON i.id = r.incident_id \
         WHERE r.sent_at IS NULL AND r.fire_at <= now() ORDER BY r.fire_at LIMIT 200 \
         FOR UPDATE OF r SKIP LOCKED",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut sent = Vec::new();
    for row in &claimed {
        let kind: String = row.get("kind");
        let Some(reminder) = Reminder::of_kind(&kind) else {
            continue;
        };
        let target: Option<Uuid> = row.get("escalation_target_id");
        let recipients = reminder_recipients(
            reminder,
            AgencyId(row.get("agency_id")),
            target.map(AgencyId),
            AgencyId(ca),
        );
        let number: String = row.get("number");
        db::notifications::notify(
            &mut tx,
            &recipients,
            row.get("incident_id"),
            &number,
            &kind,
            Uuid::nil(),
        )
        .await?;
        sent.push(row.get::<i64, _>("id"));
    }
    sqlx::query("UPDATE reminders SET sent_at = now() WHERE id = ANY($1)")
        .bind(&sent)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(sent.len() as u64)
}

/// Reminds each agency whose drill (演練) is overdue or was never held, once per due date:
/// an e-mail to its CISO and security officers. Returns how many agencies were reminded.
pub async fn remind_drills(pool: &PgPool, period_months: u32) -> Result<u64, sqlx::Error> {
    use crate::domain::team::{drill_status, DrillKind, DrillStatus};
    let today = crate::domain::to_taipei(chrono::Utc::now()).date_naive();
    let mut reminded = 0;
    for kind in [
        DrillKind::NotificationResponse,
        DrillKind::SocialEngineering,
    ] {
        let period = crate::services::preparedness::period_for(kind, period_months);
        let mut tx = pool.begin().await?;
        for (agency, last) in
            db::preparedness::last_drill_per_agency(&mut tx, kind.as_str()).await?
        {
            let due = match drill_status(kind, last, period, today) {
                DrillStatus::Overdue { due, .. } => due,
                // Never held: remind once, keyed on the first day it was noticed.
                DrillStatus::NeverHeld => crate::domain::team::earliest_drill_date(),
                DrillStatus::DueOn(_) => continue,
            };
            if !db::preparedness::claim_agency_reminder(&mut tx, agency, kind.as_str(), due).await?
            {
                continue;
            }
            let status = drill_status(kind, last, period, today).message(kind);
            let subject = format!("{} / {}", status.zh, status.en);
            let body = format!(
                "{}\n{}\n\n（本郵件由資通安全事件通報應變入口網發出 · sent by the incident portal）\n",
                status.zh, status.en
            );
            db::notifications::queue_mail_to_roles(
                &mut tx,
                agency,
                &["ciso", "security_officer"],
                &subject,
                &body,
            )
            .await?;
            reminded += 1;
        }
        tx.commit().await?;
    }
    Ok(reminded)
}

/// Where e-mail goes out.
#[derive(Clone, Debug)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub from: String,
}

/// The wait before retry `attempt` (1, 2, …): doubling from 30 seconds, at most an hour.
pub fn backoff(attempt: i32) -> chrono::Duration {
    let secs = 30i64.saturating_mul(1i64 << attempt.clamp(0, 7));
    chrono::Duration::seconds(secs.min(3600))
}

/// Sends what is due in the outbox. A failure stays in the outbox with its error and is retried
/// later; it never undoes the action that queued it. Returns how many were sent.
pub async fn send_outbox(pool: &PgPool, smtp: &Smtp) -> Result<u64, sqlx::Error> {
    let mailer = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
        .port(smtp.port)
        .timeout(Some(Duration::from_secs(10)))
        .build();
    let mut tx = pool.begin().await?;
    let due = sqlx::query(
        "SELECT id, to_address, subject, body, attempts FROM outbox \
         WHERE sent_at IS NULL AND next_attempt_at <= now() ORDER BY id LIMIT 50 FOR UPDATE SKIP LOCKED",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut sent = 0;
    for row in due {
        let id: i64 = row.get("id");
        let attempts: i32 = row.get::<i32, _>("attempts") + 1;
        let result = async {
            let message = Message::builder()
                .from(
                    smtp.from
                        .parse::<Mailbox>()
                        .map_err(|e| format!("sender: {e}"))?,
                )
                .to(row
                    .get::<String, _>("to_address")
                    .parse::<Mailbox>()
                    .map_err(|e| format!("recipient: {e}"))?)
                .subject(row.get::<String, _>("subject"))
                .header(ContentType::TEXT_PLAIN)
                .body(row.get::<String, _>("body"))
                .map_err(|e| e.to_string())?;
            mailer.send(message).await.map_err(|e| e.to_string())
        }
        .await;
        match result {
            Ok(_) => {
                sqlx::query("UPDATE outbox SET sent_at = now(), attempts = $2, last_error = NULL WHERE id = $1")
                    .bind(id)
                    .bind(attempts)
                    .execute(&mut *tx)
                    .await?;
                sent += 1;
            }
            Err(error) => {
                sqlx::query("UPDATE outbox SET attempts = $2, next_attempt_at = $3, last_error = $4 WHERE id = $1")
                    .bind(id)
                    .bind(attempts)
                    .bind(Utc::now() + backoff(attempts))
                    .bind(&error)
                    .execute(&mut *tx)
                    .await?;
                tracing::warn!(outbox = id, attempts, error = %error, "e-mail not sent; will retry");
            }
        }
    }
    tx.commit().await?;
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn retries_back_off_by_doubling_up_to_an_hour() {
        assert_eq!(backoff(1).num_seconds(), 60);
        assert_eq!(backoff(2).num_seconds(), 120);
        assert!(backoff(3) > backoff(2));
        assert_eq!(backoff(20).num_seconds(), 3600);
    }
}
