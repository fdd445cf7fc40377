//! Bulk loading for `portal bench-seed` (`src/bench.rs`, the `bench` feature): every statement
//! and `COPY` of the generator, and the rows it copies in PostgreSQL's CSV format.
//!
//! The row writers map the same values to the same columns as the portal's own writes do
//! ([`super::agencies::insert`], [`super::users::insert`], [`super::incidents::insert`] and
//! [`super::incidents::save`], [`super::preparedness::snapshot_team`], [`super::timeline::append`]),
//! so that a generated row is the row the portal would have stored. Everything runs on the
//! owner's connection (no row-level security), in the caller's transaction.

use std::io::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::postgres::PgCopyIn;
use sqlx::PgConnection;
use uuid::Uuid;

use super::agencies::{kind_to_db, Agency};
use super::timeline::Entry;
use super::users::NewUser;
use crate::domain::{Incident, Role, Schedule};

/// Bytes per chunk sent to the server.
pub const CHUNK_BYTES: usize = 4 << 20;

/// The tables the generator fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Agencies,
    Users,
    RoleGrants,
    Incidents,
    IncidentCounters,
    IncidentTeams,
    TimelineEntries,
}

impl Table {
    /// The `COPY` of the table, with the columns in the order the row writers of [`Csv`] write
    /// them. The incident tables are truncated in the loading transaction
    /// ([`truncate_and_drop_indexes`]), so that their rows may be written frozen.
    fn copy_statement(self) -> &'static str {
        match self {
            Table::Agencies => {
                "COPY agencies (id, code, name_zh, name_en, kind, superior_id, sector_authority_id, \
                 supervising_id, responsibility_level, critical_infrastructure) FROM STDIN (FORMAT csv)"
            }
            Table::Users => {
                "COPY users (id, agency_id, email, display_name, password_hash, preferred_language) \
                 FROM STDIN (FORMAT csv)"
            }
            Table::RoleGrants => "COPY role_grants (agency_id, user_id, role) FROM STDIN (FORMAT csv)",
            Table::Incidents => {
                "COPY incidents (id, agency_id, number, title, category, subcategory, summary, contact, \
                 impacts, proposed_level, level, personal_data, aware_at, occurred_at, reported_at, \
                 other_means_reported_at, other_means_reason, escalation_target_id, status, record, \
                 created_by, reviewed_at, review_relayed_at, containment_completed_at, \
                 report_submitted_at, report_extended_until, homeland_relayed_at, report_due, \
                 review_due, relay_due, containment_due, report_submission_due, next_due, reminder_at, \
                 awaiting_commander, last_control_report_at, created_at, updated_at) \
                 FROM STDIN (FORMAT csv, FREEZE)"
            }
            Table::IncidentCounters => {
                "COPY incident_counters (agency_id, year, last) FROM STDIN (FORMAT csv, FREEZE)"
            }
            Table::IncidentTeams => {
                "COPY incident_teams (incident_id, agency_id, from_version, members, activated_by, \
                 activated_at) FROM STDIN (FORMAT csv, FREEZE)"
            }
            Table::TimelineEntries => {
                "COPY timeline_entries (incident_id, agency_id, seq, at, actor_id, actor_agency_id, \
                 kind, body, prev_hash, hash, link_version) FROM STDIN (FORMAT csv, FREEZE)"
            }
        }
    }
}

/// Rows in PostgreSQL's CSV format: text always quoted, NULL as an empty unquoted field.
pub struct Csv {
    buf: Vec<u8>,
    first: bool,
    rows: u64,
}

/// A chunk of rows for [`copy_in`].
pub struct Chunk {
    pub data: Vec<u8>,
    pub rows: u64,
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl Default for Csv {
    fn default() -> Self {
        Csv::new()
    }
}

impl Csv {
    pub fn new() -> Self {
        Csv {
            buf: Vec::with_capacity(CHUNK_BYTES + (64 << 10)),
            first: true,
            rows: 0,
        }
    }

    /// Rows written since the last [`Csv::take`].
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Whether the rows make a chunk worth sending.
    pub fn full(&self) -> bool {
        self.buf.len() >= CHUNK_BYTES
    }

    /// The rows written so far, leaving the buffer empty.
    pub fn take(&mut self) -> Chunk {
        let rows = std::mem::take(&mut self.rows);
        let data = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK_BYTES + (64 << 10)));
        Chunk { data, rows }
    }

    /// [`Table::Agencies`]: the columns of [`super::agencies::insert`].
    pub fn agency(&mut self, a: &Agency) {
        self.uuid(a.id.0);
        self.text(&a.code);
        self.text(&a.name_zh);
        self.text(&a.name_en);
        self.text(kind_to_db(a.kind));
        self.opt_uuid(a.superior.map(|x| x.0));
        self.opt_uuid(a.sector_authority.map(|x| x.0));
        self.opt_uuid(a.supervising.map(|x| x.0));
        self.text(a.responsibility_level.as_str());
        self.boolean(a.critical_infrastructure);
        self.end();
    }

    /// [`Table::Users`]: the columns of [`super::users::insert`].
    pub fn user(&mut self, u: &NewUser<'_>) {
        self.uuid(u.id);
        self.uuid(u.agency_id.0);
        self.text(u.email);
        self.text(u.display_name);
        self.text(u.password_hash);
        self.text(u.preferred_language);
        self.end();
    }

    /// [`Table::RoleGrants`]: a role held in the user's agency.
    pub fn role_grant(&mut self, agency: Uuid, user: Uuid, role: Role) {
        self.uuid(agency);
        self.uuid(user);
        self.text(role.as_str());
        self.end();
    }

    /// [`Table::Incidents`]: what [`super::incidents::insert`] writes when it is filed, what the
    /// last [`super::incidents::save`] wrote (its facts and `schedule`), and the times the
    /// database sets itself (`created_at` at the insert, `updated_at` at the last save).
    pub fn incident(
        &mut self,
        i: &Incident,
        schedule: &Schedule,
        created_by: Uuid,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
    ) -> Result<(), serde_json::Error> {
        let r = &i.report;
        self.uuid(i.id);
        self.uuid(i.agency.0);
        self.text(&i.number);
        self.text(&r.title);
        self.text(r.category.as_str());
        self.text(&r.subcategory);
        self.text(&r.summary);
        self.text(&r.contact);
        self.text(&serde_json::to_string(&r.impacts)?);
        self.int(i64::from(i.proposed_level.number()));
        self.int(i64::from(i.level.number()));
        self.boolean(r.personal_data);
        self.time(r.aware_at);
        self.opt_time(r.occurred_at);
        self.time(i.reported_at);
        self.opt_time(r.other_means.as_ref().map(|o| o.at));
        self.text(r.other_means.as_ref().map_or("", |o| o.reason.as_str()));
        self.opt_uuid(i.escalation_target.map(|x| x.0));
        self.text(i.status.as_str());
        self.text(&serde_json::to_string(&i.record)?);
        self.uuid(created_by);
        self.opt_time(i.reviewed_at());
        self.opt_time(i.round_relay().map(|r| r.at));
        self.opt_time(i.containment_completed_at);
        self.opt_time(i.report_submitted_at);
        self.opt_time(i.report_extended_until());
        self.opt_time(i.homeland_relayed_at);
        self.opt_time(schedule.report_due);
        self.opt_time(schedule.review_due);
        self.opt_time(schedule.relay_due);
        self.opt_time(schedule.containment_due);
        self.opt_time(schedule.report_submission_due);
        self.opt_time(schedule.next_due);
        self.opt_time(schedule.reminder_at);
        self.boolean(schedule.awaiting_commander);
        self.opt_time(schedule.last_control_report_at);
        self.time(created_at);
        self.time(updated_at);
        self.end();
        Ok(())
    }

    /// [`Table::IncidentCounters`]: the last sequence number of an agency's incidents in a year.
    pub fn incident_counter(&mut self, agency: Uuid, year: i32, last: i32) {
        self.uuid(agency);
        self.int(i64::from(year));
        self.int(i64::from(last));
        self.end();
    }

    /// [`Table::IncidentTeams`]: the team activated on the incident, as
    /// [`super::preparedness::snapshot_team`] stores it for an agency that has no roster in force
    /// (no version, no members), which is every agency the generator makes.
    pub fn incident_team(
        &mut self,
        incident: Uuid,
        agency: Uuid,
        activated_by: Uuid,
        activated_at: DateTime<Utc>,
    ) {
        self.uuid(incident);
        self.uuid(agency);
        self.null();
        self.text("[]");
        self.uuid(activated_by);
        self.time(activated_at);
        self.end();
    }

    /// [`Table::TimelineEntries`]: an entry as [`super::timeline::append`] stores it.
    pub fn timeline_entry(&mut self, e: &Entry) {
        self.uuid(e.incident_id);
        self.uuid(e.agency_id);
        self.int(i64::from(e.seq));
        self.time(e.at);
        self.opt_uuid(e.actor_id);
        self.opt_uuid(e.actor_agency_id);
        self.text(&e.kind);
        self.text(&e.body);
        self.bytea(&e.prev_hash);
        self.bytea(&e.hash);
        self.int(i64::from(e.link_version));
        self.end();
    }

    fn sep(&mut self) {
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
    }

    fn text(&mut self, s: &str) {
        self.sep();
        self.buf.push(b'"');
        for b in s.bytes() {
            if b == b'"' {
                self.buf.push(b'"');
            }
            self.buf.push(b);
        }
        self.buf.push(b'"');
    }

    /// A value that needs no quoting (numbers, UUIDs, timestamps).
    fn plain(&mut self, s: &str) {
        self.sep();
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn null(&mut self) {
        self.sep();
    }

    fn uuid(&mut self, u: Uuid) {
        let mut b = Uuid::encode_buffer();
        self.plain(u.hyphenated().encode_lower(&mut b));
    }

    fn opt_uuid(&mut self, u: Option<Uuid>) {
        match u {
            Some(u) => self.uuid(u),
            None => self.null(),
        }
    }

    fn time(&mut self, t: DateTime<Utc>) {
        self.plain(&stamp(t));
    }

    fn opt_time(&mut self, t: Option<DateTime<Utc>>) {
        match t {
            Some(t) => self.time(t),
            None => self.null(),
        }
    }

    fn int(&mut self, n: i64) {
        self.sep();
        let _ = write!(self.buf, "{n}");
    }

    fn boolean(&mut self, b: bool) {
        self.plain(if b { "t" } else { "f" });
    }

    fn bytea(&mut self, bytes: &[u8]) {
        self.sep();
        self.buf.extend_from_slice(b"\\x");
        self.buf.extend_from_slice(hex::encode(bytes).as_bytes());
    }

    fn end(&mut self) {
        self.buf.push(b'\n');
        self.first = true;
        self.rows += 1;
    }
}

/// Settings of the loading transaction: memory for the index builds.
#[tracing::instrument(skip_all)]
pub async fn begin_load(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SET LOCAL maintenance_work_mem = '512MB'")
        .execute(conn)
        .await?;
    Ok(())
}

/// Starts the `COPY` of `table`; the caller sends [`Chunk`]s and finishes (or aborts) it.
#[tracing::instrument(skip_all, fields(table = ?table))]
pub async fn copy_in(
    conn: &mut PgConnection,
    table: Table,
) -> Result<PgCopyIn<&mut PgConnection>, sqlx::Error> {
    conn.copy_in_raw(table.copy_statement()).await
}

/// The tables whose indexes and constraints are dropped for the load and rebuilt after it.
const LOADED: &str = "{incidents,timeline_entries,incident_teams}";

/// Empties the incident tables (in the loading transaction, so that `COPY … FREEZE` may write
/// their rows frozen) and drops their indexes and constraints, and the foreign keys pointing at
/// them. Returns the statements that recreate them, with the same names and definitions, in the
/// order to run them ([`rebuild`]).
#[tracing::instrument(skip_all)]
pub async fn truncate_and_drop_indexes(
    conn: &mut PgConnection,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query("TRUNCATE timeline_entries, incident_teams, incidents, incident_counters CASCADE")
        .execute(&mut *conn)
        .await?;
    let foreign: Vec<(String, String)> = sqlx::query_as(
        "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname), \
                format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) \
         FROM pg_constraint WHERE contype = 'f' \
         AND (conrelid = ANY($1::text::regclass[]) OR confrelid = ANY($1::text::regclass[])) \
         ORDER BY conrelid::regclass::text, conname",
    )
    .bind(LOADED)
    .fetch_all(&mut *conn)
    .await?;
    let keys: Vec<(String, String)> = sqlx::query_as(
        "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname), \
                format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) \
         FROM pg_constraint WHERE contype IN ('p', 'u') AND conrelid = ANY($1::text::regclass[]) \
         ORDER BY conrelid::regclass::text, conname",
    )
    .bind(LOADED)
    .fetch_all(&mut *conn)
    .await?;
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid) \
         FROM pg_index i WHERE i.indrelid = ANY($1::text::regclass[]) \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid \
                         AND c.contype IN ('p', 'u', 'x')) \
         ORDER BY 1",
    )
    .bind(LOADED)
    .fetch_all(&mut *conn)
    .await?;
    for group in [&foreign, &keys, &indexes] {
        for (drop, _) in group {
            sqlx::query(drop).execute(&mut *conn).await?;
        }
    }
    let mut restore = Vec::new();
    for group in [&keys, &indexes, &foreign] {
        restore.extend(group.iter().map(|(_, create)| create.clone()));
    }
    Ok(restore)
}

/// Runs one statement that [`truncate_and_drop_indexes`] returned.
#[tracing::instrument(skip_all)]
pub async fn rebuild(conn: &mut PgConnection, statement: &str) -> Result<(), sqlx::Error> {
    sqlx::query(statement).execute(conn).await?;
    Ok(())
}

/// Fresh planner statistics of every table the generator filled.
#[tracing::instrument(skip_all)]
pub async fn analyze(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query(
        "ANALYZE agencies, users, role_grants, incidents, incident_counters, incident_teams, \
         timeline_entries",
    )
    .execute(conn)
    .await?;
    Ok(())
}
