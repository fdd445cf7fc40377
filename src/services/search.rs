//! Search across what the user may see: one transaction acting for them (row-level security),
//! whose query also names the agencies they may see (`access::visible_agencies`).

use sqlx::PgPool;

use crate::db::{self, search::Hit};
use crate::domain::search::SearchTerm;
use crate::error::AppError;
use crate::services::access::visible_agencies;
use crate::services::Acting;

/// What a search found.
pub struct Found {
    /// The text looked for (None: the search was blank, nothing was looked for).
    pub term: Option<SearchTerm>,
    pub hits: Vec<Hit>,
    pub total: i64,
}

/// Searches for `raw` (as typed in field `field`): a blank search finds nothing, one too long
/// or holding control characters is refused with the field's error.
#[tracing::instrument(skip_all)]
pub async fn search(
    pool: &PgPool,
    me: Acting<'_>,
    raw: &str,
    field: &str,
    page: db::PageRequest,
) -> Result<Found, AppError> {
    let Some(term) = SearchTerm::parse(raw, field)? else {
        return Ok(Found {
            term: None,
            hits: Vec::new(),
            total: 0,
        });
    };
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let scope = visible_agencies(&mut tx, me).await?;
    let (hits, total) =
        db::search::incidents(&mut tx, &scope, term.as_str(), page.offset(), page.limit()).await?;
    tx.commit().await?;
    Ok(Found {
        term: Some(term),
        hits,
        total,
    })
}
