//! Retention (檔案法), legal holds and the redaction of personal data on request (個資法
//! art. 11): the use cases of `domain::retention`, and the scheduler's purge.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::db::{self, retention as store, timeline};
use crate::domain::incident::story::still_told;
use crate::domain::retention::{
    self as rules, disposal, purge_rewrites, Attestation, Disposal, RecordType, Redaction,
    RetentionPeriods, Rewritten, PURGED_BODY, PURGE_KIND, REDACTION_KIND,
};
use crate::domain::{Incident, StageRecord};
use crate::error::{rejected_field, AppError};
use crate::i18n::Text;
use crate::services::access::load;
use crate::services::{audit, denied, Acting};

/// The record-keeping page of an incident: where it stands in its retention, its holds.
pub struct RecordsView {
    pub incident: Incident,
    pub facts: store::Facts,
    pub periods: RetentionPeriods,
    pub holds: Vec<store::Hold>,
    pub may_hold: bool,
    pub may_redact: bool,
}

impl RecordsView {
    /// What the scheduler will do with records of type `t`, as of `now`.
    pub fn disposal(&self, t: RecordType, now: DateTime<Utc>) -> Disposal {
        disposal(t, &self.periods, &self.facts.of(t), now)
    }
}

#[tracing::instrument(skip_all, fields(incident = %incident))]
pub async fn view(pool: &PgPool, me: Acting<'_>, incident: Uuid) -> Result<RecordsView, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let i = load(&mut tx, incident, false).await?;
    let actor = me.actor();
    i.may(&actor, crate::domain::Action::ViewIncident)
        .map_err(denied)?;
    let facts = store::facts(&mut tx, incident)
        .await?
        .ok_or(AppError::NotFound)?;
    let periods = store::periods(&mut tx).await?;
    let holds = store::holds(&mut tx, incident).await?;
    tx.commit().await?;
    Ok(RecordsView {
        may_hold: rules::may_hold(&actor, &i.context()).is_ok() && facts.purged_at.is_none(),
        may_redact: rules::may_redact(&actor, &i.context()).is_ok() && facts.purged_at.is_none(),
        incident: i,
        facts,
        periods,
        holds,
    })
}

/// Places a legal hold (or releases the one in force, `place == false`), with its reason, on
/// the timeline.
#[tracing::instrument(skip_all, fields(incident = %incident))]
pub async fn hold(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
    place: bool,
    reason: &str,
) -> Result<(), AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let i = load(&mut tx, incident, true).await?;
    rules::may_hold(&me.actor(), &i.context()).map_err(denied)?;
    let reason = rules::hold_reason(reason)?;
    let done = if place {
        let by = (me.user.id, me.user.agency_id.0);
        store::place_hold(&mut tx, i.id, i.agency.0, &reason, by.0, by.1).await?
    } else {
        store::release_hold(&mut tx, i.id, &reason, me.user.id).await?
    };
    if !done {
        let why = if place {
            "hold.error.in_force"
        } else {
            "hold.error.none"
        };
        return Err(rejected_field("reason", Text::key(why)));
    }
    let kind = if place {
        "legal_hold_placed"
    } else {
        "legal_hold_released"
    };
    let body = json!({ "reason": reason, "by_agency": me.agency.name_zh });
    timeline::append(
        &mut tx,
        i.id,
        i.agency,
        Some(&me.timeline_actor()),
        kind,
        &body,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Redacts the request's words wherever the incident holds them: its own fields and stage
/// record, the rows beside it, the timeline (rewritten under an attestation). Answers how many
/// places were replaced; nothing found is the form's error, not an empty attestation.
#[tracing::instrument(skip_all, fields(incident = %incident))]
pub async fn redact(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
    reason: &str,
    terms: &str,
) -> Result<usize, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let i = load(&mut tx, incident, true).await?;
    rules::may_redact(&me.actor(), &i.context()).map_err(denied)?;
    let request = Redaction::parse(reason, terms)?;
    let facts = store::facts(&mut tx, incident).await?;
    if facts.is_some_and(|f| f.purged_at.is_some()) {
        return Err(rejected_field("terms", Text::key("redaction.error.purged")));
    }
    let mut replaced = redact_words(&mut tx, incident, &request).await?;
    replaced += redact_beside(&mut tx, incident, &request).await?;
    let (bodies, rewritten, in_timeline) = redact_timeline(&mut tx, incident, &request).await?;
    replaced += in_timeline;
    if replaced == 0 {
        return Err(rejected_field(
            "terms",
            Text::key("redaction.error.not_found"),
        ));
    }
    let attestation = Attestation {
        reason: request.reason.clone(),
        years: None,
        closed_at: None,
        terms: Some(request.term_count()),
        replaced: Some(replaced),
        rewritten,
    };
    let actor = me.timeline_actor();
    let seq = timeline::append(
        &mut tx,
        i.id,
        i.agency,
        Some(&actor),
        REDACTION_KIND,
        &attestation,
    )
    .await?;
    timeline::rewrite(&mut tx, i.id, seq, &bodies).await?;
    tx.commit().await?;
    Ok(replaced)
}

fn system_word() -> AppError {
    rejected_field("terms", Text::key("redaction.error.system_word"))
}

/// The incident row: its words and its stage record, which must still read as one.
async fn redact_words(
    conn: &mut PgConnection,
    incident: Uuid,
    r: &Redaction,
) -> Result<usize, AppError> {
    let mut w = store::words(conn, incident).await?;
    let mut n = 0;
    for text in [
        &mut w.title,
        &mut w.summary,
        &mut w.contact,
        &mut w.other_means_reason,
    ] {
        let (out, k) = r.apply_text(text);
        *text = out;
        n += k;
    }
    // The title column holds 200 characters; the mark is longer than most words.
    w.title = w.title.chars().take(200).collect();
    n += r.apply_json(&mut w.record);
    if serde_json::from_value::<StageRecord>(w.record.clone()).is_err() {
        return Err(system_word());
    }
    if n > 0 {
        store::save_words(conn, incident, &w).await?;
    }
    Ok(n)
}

/// The evidence register, the indicators' notes, the tracked improvement items.
async fn redact_beside(
    conn: &mut PgConnection,
    incident: Uuid,
    r: &Redaction,
) -> Result<usize, AppError> {
    let mut n = 0;
    for &table in store::BESIDE {
        for mut row in store::beside(conn, table, incident).await? {
            let mut here = 0;
            for text in &mut row.texts {
                let (out, k) = r.apply_text(text);
                *text = out;
                here += k;
            }
            if here > 0 {
                store::save_beside(conn, table, incident, &row).await?;
                n += here;
            }
        }
    }
    Ok(n)
}

type Rewrites = (Vec<(i32, String)>, Vec<Rewritten>, usize);

/// The timeline bodies with the words replaced, each still told as before, and what the
/// attestation lists of them.
async fn redact_timeline(
    conn: &mut PgConnection,
    incident: Uuid,
    r: &Redaction,
) -> Result<Rewrites, AppError> {
    let (mut bodies, mut rewritten, mut n) = (Vec::new(), Vec::new(), 0);
    for e in timeline::chain(conn, incident).await? {
        if !purge_rewrites(&e.kind) {
            continue;
        }
        let Ok(mut value) = serde_json::from_str::<serde_json::Value>(&e.body) else {
            continue;
        };
        let k = r.apply_json(&mut value);
        if k == 0 {
            continue;
        }
        let body = serde_json::to_string(&value).map_err(anyhow::Error::from)?;
        if !still_told(&e.kind, &e.body, &body) {
            return Err(system_word());
        }
        rewritten.push(Rewritten::new(e.seq, &e.hash, &body));
        bodies.push((e.seq, body));
        n += k;
    }
    Ok((bodies, rewritten, n))
}

/// The competent authority's retention schedule page.
pub struct PeriodsView {
    pub periods: RetentionPeriods,
    pub last_set: Option<store::PeriodsSet>,
}

pub async fn periods(pool: &PgPool, me: Acting<'_>) -> Result<PeriodsView, AppError> {
    rules::may_set_periods(&me.actor()).map_err(denied)?;
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let periods = store::periods(&mut tx).await?;
    let last_set = store::last_set(&mut tx).await?;
    tx.commit().await?;
    Ok(PeriodsView { periods, last_set })
}

#[tracing::instrument(skip_all)]
pub async fn set_periods(
    pool: &PgPool,
    me: Acting<'_>,
    incident_record: &str,
    evidence_file: &str,
) -> Result<(), AppError> {
    rules::may_set_periods(&me.actor()).map_err(denied)?;
    let p = RetentionPeriods::parse(incident_record, evidence_file)?;
    let mut tx = db::begin_as(pool, me.user.id).await?;
    store::set_periods(&mut tx, &p, me.user.id).await?;
    let detail = format!(
        "incident_record={} evidence_file={}",
        p.incident_record, p.evidence_file
    );
    let kind = crate::domain::audit::AuditKind::RetentionPeriodsSet;
    let agency = me.user.agency_id.0;
    audit::note(&mut tx, agency, Some(me.user.id), None, kind, &detail).await?;
    tx.commit().await?;
    Ok(())
}

/// What one pass of the purge did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub records: u64,
    pub evidence: u64,
}

/// Incidents a pass handles per record type; the next pass takes the rest.
const PURGE_BATCH: i64 = 100;

/// The scheduler's purge (as the owner): each incident past its period and not held, in its
/// own transaction with the incident row locked, the rule asked again under the lock.
#[tracing::instrument(skip_all)]
pub async fn purge_due(owner: &PgPool, now: DateTime<Utc>) -> Result<Purged, AppError> {
    let mut conn = owner.acquire().await?;
    let periods = store::periods(&mut conn).await?;
    let mut done = Purged::default();
    for t in RecordType::ALL {
        let years = periods.years(t);
        for id in store::candidates(&mut conn, t, years, now, PURGE_BATCH).await? {
            let mut tx = owner.begin().await?;
            let purged = purge_one(&mut tx, t, &periods, id, now).await?;
            tx.commit().await?;
            match (purged, t) {
                (false, _) => {}
                (true, RecordType::IncidentRecord) => done.records += 1,
                (true, RecordType::EvidenceFile) => done.evidence += 1,
            }
        }
    }
    Ok(done)
}

async fn purge_one(
    conn: &mut PgConnection,
    t: RecordType,
    periods: &RetentionPeriods,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let Some(agency) = db::incidents::lock_agency(conn, id).await? else {
        return Ok(false);
    };
    let facts = store::facts(conn, id).await?.ok_or(AppError::NotFound)?;
    if disposal(t, periods, &facts.of(t), now) != Disposal::Purge {
        return Ok(false);
    }
    let years = periods.years(t);
    let files = store::stored_files(conn, id).await?;
    store::drop_files(conn, id).await?;
    if t == RecordType::EvidenceFile {
        let files: Vec<_> = files
            .iter()
            .map(|f| json!({ "sha256": f.sha256, "size": f.size }))
            .collect();
        let body = json!({ "years": years, "files": files });
        timeline::append(conn, id, agency, None, "evidence_purged", &body).await?;
        return Ok(true);
    }
    let chain = timeline::chain(conn, id).await?;
    let rewrite: Vec<_> = chain
        .iter()
        .filter(|e| purge_rewrites(&e.kind) && e.body != PURGED_BODY)
        .collect();
    let attestation = Attestation {
        reason: t.as_str().to_string(),
        years: Some(years),
        closed_at: facts.closed_at,
        terms: None,
        replaced: None,
        rewritten: rewrite
            .iter()
            .map(|e| Rewritten::new(e.seq, &e.hash, PURGED_BODY))
            .collect(),
    };
    let seq = timeline::append(conn, id, agency, None, PURGE_KIND, &attestation).await?;
    let bodies: Vec<(i32, String)> = rewrite
        .iter()
        .map(|e| (e.seq, PURGED_BODY.to_string()))
        .collect();
    timeline::rewrite(conn, id, seq, &bodies).await?;
    store::purge_record(conn, id, purged_title()).await?;
    Ok(true)
}

/// The title a purged incident keeps in the register (the records law's destruction list
/// names what was destroyed by its number; the words are gone). Stored, so in Chinese.
fn purged_title() -> &'static str {
    crate::i18n::Lang::ZhTw.get("retention.purged_title")
}
