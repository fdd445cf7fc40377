//! Indicators of compromise (惡意程式 IoC): recorded on an incident after the domain validated
//! and normalised them, shared with everyone who may see the incident, correlated across the
//! incidents a supervising agency sees, exported and imported as STIX 2.1 (and CSV).

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::{self, agencies::Agency, indicators as store, timeline};
use crate::domain::indicators::{self as ioc, ImportReport, IndicatorType};
use crate::domain::stix;
use crate::domain::tlp::{Reader, Tlp};
use crate::domain::Action;
use crate::domain::Incident;
use crate::error::{rejected_field as one, AppError};
use crate::i18n::{Lang, Text};
use crate::services::access::load_permitted;
use crate::services::Acting;

pub struct IndicatorsView {
    pub incident: Incident,
    pub indicators: Vec<store::Indicator>,
    pub may_record: bool,
}

pub async fn view(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
) -> Result<IndicatorsView, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let i = load_permitted(&mut tx, me, incident, Action::ViewIncident, false).await?;
    let actor = me.actor();
    let reader = Reader::of(me.user.agency_id, i.agency);
    let indicators = store::for_incident(&mut tx, incident, &Tlp::readable_set(reader)).await?;
    tx.commit().await?;
    Ok(IndicatorsView {
        may_record: i.may(&actor, Action::RecordIndicators).is_ok(),
        incident: i,
        indicators,
    })
}

/// What someone typed or sent for one indicator.
#[derive(Debug, Clone, Default)]
pub struct IndicatorInput {
    pub kind: String,
    pub value: String,
    pub note: String,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    /// The TLP label as typed (`amber`, `TLP:RED`, …); empty: [`Tlp::DEFAULT`].
    pub tlp: String,
}

/// Validates one indicator: its type, its value for that type, the note and the seen-window.
pub fn check(input: &IndicatorInput) -> Result<ioc::Candidate, AppError> {
    let kind = IndicatorType::parse(input.kind.trim())
        .ok_or_else(|| one("type", Text::key("ioc.error.type_unsupported")))?;
    let value = ioc::normalise(kind, &input.value).map_err(|e| one("value", e.message()))?;
    let note = crate::domain::input::clean_text(&input.note, 2000)
        .ok_or_else(|| one("note", Text::key("ioc.error.note_too_long")))?;
    if let (Some(f), Some(l)) = (input.first_seen, input.last_seen) {
        if l < f {
            return Err(one("last_seen", Text::key("ioc.error.last_before_first")));
        }
    }
    let tlp = match input.tlp.trim() {
        "" => Tlp::DEFAULT,
        typed => Tlp::parse(typed).ok_or_else(|| one("tlp", Text::key("tlp.error.unknown")))?,
    };
    Ok(ioc::Candidate {
        kind,
        value,
        note: (!note.is_empty()).then_some(note),
        first_seen: input.first_seen,
        last_seen: input.last_seen,
        tlp,
    })
}

/// Adds (or widens) indicators on the incident in one transaction. Returns each stored
/// indicator and whether it was new.
async fn store_all(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
    candidates: &[ioc::Candidate],
    source: &str,
) -> Result<Vec<(store::Indicator, bool)>, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let i = load_permitted(&mut tx, me, incident, Action::RecordIndicators, true).await?;
    let mut out = Vec::new();
    let strictness = Tlp::strictness();
    for c in candidates {
        let stored = store::upsert(
            &mut tx,
            i.id,
            i.agency.0,
            &store::NewIndicator {
                kind: c.kind.as_str(),
                value: &c.value,
                note: c.note.as_deref().unwrap_or(""),
                first_seen: c.first_seen,
                last_seen: c.last_seen,
                tlp: c.tlp.as_str(),
            },
            me.user.id,
            &strictness,
        )
        .await?;
        out.push(stored);
    }
    let added: Vec<_> = out
        .iter()
        .filter(|(_, new)| *new)
        .map(|(x, _)| timeline_entry(x))
        .collect();
    if !added.is_empty() {
        timeline::append(
            &mut tx,
            i.id,
            i.agency,
            Some(&me.timeline_actor()),
            "indicators_added",
            &json!({ "source": source, "indicators": added }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(out)
}

/// How the timeline names a recorded indicator. Everyone who sees the incident reads its
/// timeline, so the value of one that must stay within the agency (AMBER+STRICT, RED) is left
/// out: the entry says only that such an indicator was recorded, and its marking.
fn timeline_entry(x: &store::Indicator) -> serde_json::Value {
    let tlp = Tlp::parse(&x.tlp).unwrap_or(Tlp::DEFAULT);
    if tlp.readable_by(Reader::Outside) {
        json!({ "type": x.kind, "value": x.value, "tlp": tlp })
    } else {
        json!({ "type": x.kind, "tlp": tlp })
    }
}

pub async fn add(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
    input: &IndicatorInput,
) -> Result<(store::Indicator, bool), AppError> {
    // Permission first: an outsider learns nothing from the validation of what they sent.
    crate::services::incidents::may_act(pool, me, incident, Action::RecordIndicators).await?;
    let c = check(input)?;
    let mut stored = store_all(pool, me, incident, &[c], "form").await?;
    Ok(stored.remove(0))
}

/// Changes an indicator's TLP marking, more or less strictly: only the agency that recorded it
/// (domain::tlp::Tlp::may_mark). The timeline says from what to what, and names the value only
/// when the new marking lets it leave the agency.
pub async fn remark(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
    indicator: Uuid,
    typed: &str,
) -> Result<(), AppError> {
    // Permission, then the indicator, then what was sent: an outsider learns nothing more.
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let i = load_permitted(&mut tx, me, incident, Action::RecordIndicators, true).await?;
    if !Tlp::may_mark(Reader::of(me.user.agency_id, i.agency)) {
        return Err(AppError::Forbidden);
    }
    let x = store::on_incident(&mut tx, incident, indicator)
        .await?
        .ok_or(AppError::NotFound)?;
    let to = Tlp::parse(typed).ok_or_else(|| one("tlp", Text::key("tlp.error.unknown")))?;
    let from = Tlp::parse(&x.tlp).unwrap_or(Tlp::DEFAULT);
    if from == to {
        return Ok(());
    }
    store::set_tlp(&mut tx, x.id, to.as_str()).await?;
    let mut body = json!({ "type": x.kind, "from": from, "to": to });
    if to.readable_by(Reader::Outside) {
        body["value"] = json!(x.value);
    }
    timeline::append(
        &mut tx,
        i.id,
        i.agency,
        Some(&me.timeline_actor()),
        "indicator_marking_changed",
        &body,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What an import did.
pub struct Imported {
    pub added: usize,
    pub already_known: usize,
    pub skipped: Vec<ioc::Skipped>,
}

/// Imports a STIX 2.1 bundle or a CSV text. A text that is neither is refused whole.
pub async fn import(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
    format: &str,
    text: &str,
) -> Result<Imported, AppError> {
    crate::services::incidents::may_act(pool, me, incident, Action::RecordIndicators).await?;
    let report: ImportReport = match format {
        "stix" => stix::parse_bundle(text).map_err(|e| one("text", e.message()))?,
        "csv" => ioc::parse_csv(text),
        _ => return Err(one("format", Text::key("ioc.import.format_missing"))),
    };
    let stored = if report.accepted.is_empty() {
        Vec::new()
    } else {
        store_all(pool, me, incident, &report.accepted, format).await?
    };
    let added = stored.iter().filter(|(_, new)| *new).count();
    Ok(Imported {
        added,
        already_known: stored.len() - added,
        skipped: report.skipped,
    })
}

fn producer_of(a: &Agency) -> (String, String) {
    (a.code.clone(), a.name_zh.clone())
}

/// The incident's indicators that an export made by the acting user may carry (domain::tlp:
/// never RED; AMBER+STRICT only in the agency's own), with the incident and its agency.
pub async fn exportable(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
) -> Result<(Incident, Agency, Vec<store::Indicator>), AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let i = load_permitted(&mut tx, me, incident, Action::ViewIncident, false).await?;
    let agency = db::agencies::get(&mut tx, i.agency)
        .await?
        .ok_or(AppError::NotFound)?;
    let reader = Reader::of(me.user.agency_id, i.agency);
    let rows = store::for_incident(&mut tx, incident, &Tlp::exportable_set(reader)).await?;
    tx.commit().await?;
    Ok((i, agency, rows))
}

/// The incident's indicators as a STIX 2.1 bundle, produced by the incident's agency.
pub async fn incident_stix(
    pool: &PgPool,
    me: Acting<'_>,
    incident: Uuid,
) -> Result<String, AppError> {
    let (i, agency, rows) = exportable(pool, me, incident).await?;
    let (code, name) = producer_of(&agency);
    Ok(bundle_of(
        &code,
        &name,
        i.reported_at,
        &format!("incident:{}", i.id),
        &rows,
    ))
}

fn bundle_of(
    code: &str,
    name: &str,
    created: DateTime<Utc>,
    scope: &str,
    rows: &[store::Indicator],
) -> String {
    let items: Vec<stix::ExportItem> = rows
        .iter()
        .filter_map(|r| {
            IndicatorType::parse(&r.kind).map(|kind| stix::ExportItem {
                kind,
                value: &r.value,
                note: (!r.note.is_empty()).then_some(r.note.as_str()),
                created: r.created_at,
                modified: r.created_at,
                valid_from: r.first_seen.unwrap_or(r.created_at),
                tlp: Tlp::parse(&r.tlp).unwrap_or(Tlp::DEFAULT),
            })
        })
        .collect();
    stix::bundle(
        &stix::Producer {
            agency_code: code,
            name,
            created,
        },
        scope,
        &items,
    )
}

/// Indicators seen in several incidents the user may see (a supervising agency: those below it).
pub async fn correlated(
    pool: &PgPool,
    me: Acting<'_>,
    page: db::PageRequest,
) -> Result<(Vec<store::Correlated>, i64), AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let markings = store::CorrelationMarkings {
        correlating: &Tlp::correlating_set(),
        strictness: &Tlp::strictness(),
    };
    let out = store::correlated(&mut tx, &markings, page.offset(), page.limit()).await?;
    tx.commit().await?;
    Ok(out)
}

/// The correlated set as a STIX bundle produced by the viewer's agency.
pub async fn correlated_stix(pool: &PgPool, me: Acting<'_>) -> Result<String, AppError> {
    let (rows, _) = correlated(pool, me, db::PageRequest::new(Some(1), 10_000)).await?;
    let as_rows: Vec<store::Indicator> = rows
        .iter()
        .map(|c| store::Indicator {
            id: Uuid::nil(),
            incident_id: Uuid::nil(),
            kind: c.kind.clone(),
            value: c.value.clone(),
            // Bundles are exchanged in English.
            note: Lang::En.text(
                &Text::key("stix.correlated_note")
                    .with("incidents", c.incidents)
                    .with("agencies", c.agencies),
            ),
            first_seen: c.first_seen,
            last_seen: c.last_seen,
            created_at: c.created_at,
            tlp: c.tlp.clone(),
        })
        .collect();
    let (code, name) = producer_of(me.agency);
    let created = as_rows
        .iter()
        .map(|r| r.created_at)
        .min()
        .unwrap_or(DateTime::UNIX_EPOCH);
    Ok(bundle_of(
        &code,
        &name,
        created,
        &format!("correlation:{code}"),
        &as_rows,
    ))
}
