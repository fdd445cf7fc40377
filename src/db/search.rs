//! Search: the incidents whose number, title, summary or affected systems, or one of whose
//! indicators' values, hold the text searched for, anywhere and regardless of case
//! (`ILIKE '%…%'`, which the pg_trgm GIN indexes of migration 0011 serve for three characters or
//! more; shorter searches are answered without them).
//!
//! Each query names the agencies whose incidents it may return, and runs in a transaction acting
//! for the user, so that row-level security limits it as well.

use sqlx::{FromRow, PgConnection};

use crate::db::incidents::{scope_ids as agencies, Summary, SUMMARY};
use crate::domain::search::MatchedField;
use crate::domain::AgencyScope;

/// An incident found, and where.
#[derive(Debug, Clone, FromRow)]
pub struct Hit {
    #[sqlx(flatten)]
    pub incident: Summary,
    in_number: bool,
    in_title: bool,
    in_summary: bool,
    in_affected_systems: bool,
    in_indicator: bool,
}

impl Hit {
    /// The fields that hold the text, in [`MatchedField::ALL`]'s order.
    pub fn matched(&self) -> Vec<MatchedField> {
        MatchedField::ALL
            .into_iter()
            .filter(|f| match f {
                MatchedField::Number => self.in_number,
                MatchedField::Title => self.in_title,
                MatchedField::Summary => self.in_summary,
                MatchedField::AffectedSystems => self.in_affected_systems,
                MatchedField::Indicator => self.in_indicator,
            })
            .collect()
    }
}

/// An ILIKE pattern matching `text` anywhere, its `\`, `%` and `_` standing for themselves
/// (the backslash is ILIKE's escape character).
pub fn contains_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The hits as `hits (id, in_…)`: $1 the pattern, $2 the agencies (NULL: every agency).
const HITS: &str = "WITH fields AS ( \
         SELECT i.id, i.number ILIKE $1 AS in_number, i.title ILIKE $1 AS in_title, \
                i.summary ILIKE $1 AS in_summary, i.affected_systems ILIKE $1 AS in_affected_systems \
         FROM incidents i \
         WHERE ($2::uuid[] IS NULL OR i.agency_id = ANY ($2::uuid[])) \
           AND (i.number ILIKE $1 OR i.title ILIKE $1 OR i.summary ILIKE $1 \
                OR i.affected_systems ILIKE $1)), \
     indicated AS ( \
         SELECT DISTINCT x.incident_id AS id FROM indicators x \
         WHERE ($2::uuid[] IS NULL OR x.agency_id = ANY ($2::uuid[])) AND x.value ILIKE $1), \
     hits AS ( \
         SELECT coalesce(f.id, n.id) AS id, coalesce(f.in_number, false) AS in_number, \
                coalesce(f.in_title, false) AS in_title, coalesce(f.in_summary, false) AS in_summary, \
                coalesce(f.in_affected_systems, false) AS in_affected_systems, \
                n.id IS NOT NULL AS in_indicator \
         FROM fields f FULL JOIN indicated n ON n.id = f.id) ";

/// One page of the incidents of the agencies in `scope` that hold `text`, latest report first,
/// and how many there are in all.
#[tracing::instrument(skip_all)]
pub async fn incidents(
    conn: &mut PgConnection,
    scope: &AgencyScope,
    text: &str,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Hit>, i64), sqlx::Error> {
    let pattern = contains_pattern(text);
    let agencies = agencies(scope);
    let total: i64 = sqlx::query_scalar(&format!(
        "{HITS} SELECT count(*) FROM hits h JOIN incidents i ON i.id = h.id \
         WHERE ($2::uuid[] IS NULL OR i.agency_id = ANY ($2::uuid[]))"
    ))
    .bind(&pattern)
    .bind(&agencies)
    .fetch_one(&mut *conn)
    .await?;
    let hits = sqlx::query_as(&format!(
        "{HITS} SELECT s.*, h.in_number, h.in_title, h.in_summary, h.in_affected_systems, \
                h.in_indicator \
         FROM hits h JOIN ({SUMMARY}) s ON s.id = h.id \
         WHERE ($2::uuid[] IS NULL OR s.agency_id = ANY ($2::uuid[])) \
         ORDER BY s.reported_at DESC, s.id LIMIT $3 OFFSET $4"
    ))
    .bind(&pattern)
    .bind(&agencies)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok((hits, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_and_the_escape_character_stand_for_themselves() {
        assert_eq!(contains_pattern("abc"), "%abc%");
        assert_eq!(contains_pattern("100%"), "%100\\%%");
        assert_eq!(contains_pattern("a_b"), "%a\\_b%");
        assert_eq!(contains_pattern("c:\\x"), "%c:\\\\x%");
        assert_eq!(contains_pattern("\u{690d}\u{5165}"), "%\u{690d}\u{5165}%");
    }
}
