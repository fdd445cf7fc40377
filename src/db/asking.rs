//! Who is asking: the one statement every signed-in page begins with (#16).

use sqlx::{FromRow, PgPool};
use uuid::Uuid;

use super::agencies::{Agency, AgencyRow};
use super::users::User;

/// The signed-in user as a page needs them: their account and roles, their agency, their
/// standing for the second factor and their unread notifications.
#[derive(Debug, Clone)]
pub struct Asking {
    pub user: User,
    pub agency: Agency,
    /// A second factor is enrolled (confirmed).
    pub mfa_enrolled: bool,
    /// The agency asks a second factor of every account (not only of the roles that need one).
    pub agency_requires_mfa: bool,
    pub unread: i64,
}

#[derive(FromRow)]
struct AskingRow {
    id: Uuid,
    agency_id: Uuid,
    email: String,
    display_name: String,
    preferred_language: String,
    disabled: bool,
    sessions_valid_from: Option<chrono::DateTime<chrono::Utc>>,
    roles: Vec<String>,
    agency_code: String,
    agency_name_zh: String,
    agency_name_en: String,
    agency_kind: String,
    agency_superior_id: Option<Uuid>,
    agency_sector_authority_id: Option<Uuid>,
    agency_supervising_id: Option<Uuid>,
    agency_responsibility_level: String,
    agency_critical_infrastructure: bool,
    agency_mfa_for_everyone: bool,
    mfa_enrolled: bool,
    unread: i64,
}

/// One round trip, outside any transaction: the owner's function answers for the one user the
/// session names (migration 0026), so no `portal.user_id` has to be set first.
#[tracing::instrument(skip_all)]
pub async fn who_is_asking(pool: &PgPool, user: Uuid) -> Result<Option<Asking>, sqlx::Error> {
    let row: Option<AskingRow> = sqlx::query_as("SELECT * FROM portal_who_is_asking($1)")
        .bind(user)
        .fetch_optional(pool)
        .await?;
    let Some(r) = row else { return Ok(None) };
    let agency = Agency::try_from(AgencyRow {
        id: r.agency_id,
        code: r.agency_code,
        name_zh: r.agency_name_zh,
        name_en: r.agency_name_en,
        kind: r.agency_kind,
        superior_id: r.agency_superior_id,
        sector_authority_id: r.agency_sector_authority_id,
        supervising_id: r.agency_supervising_id,
        responsibility_level: r.agency_responsibility_level,
        critical_infrastructure: r.agency_critical_infrastructure,
    })?;
    let user = User::from_parts(
        r.id,
        r.agency_id,
        r.email,
        r.display_name,
        r.preferred_language,
        r.disabled,
        &r.roles,
        r.sessions_valid_from,
    );
    Ok(Some(Asking {
        user,
        agency,
        mfa_enrolled: r.mfa_enrolled,
        agency_requires_mfa: r.agency_mfa_for_everyone,
        unread: r.unread,
    }))
}
