//! Users and their role grants. Every query that an agency administrator can reach is scoped
//! by agency, so an id from another agency finds nothing.

use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use crate::domain::{AgencyId, Role};

#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    pub agency_id: AgencyId,
    pub email: String,
    pub display_name: String,
    pub preferred_language: String,
    pub disabled: bool,
    pub roles: Vec<Role>,
    /// Sessions begun before this are over (a password change ends the others).
    pub sessions_valid_from: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(FromRow)]
struct UserRow {
    id: Uuid,
    agency_id: Uuid,
    email: String,
    display_name: String,
    preferred_language: String,
    disabled: bool,
    roles: Vec<String>,
    sessions_valid_from: Option<chrono::DateTime<chrono::Utc>>,
}

impl User {
    /// A user from its columns (roles as stored; unknown ones are dropped).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_parts(
        id: Uuid,
        agency_id: Uuid,
        email: String,
        display_name: String,
        preferred_language: String,
        disabled: bool,
        roles: &[String],
        sessions_valid_from: Option<chrono::DateTime<chrono::Utc>>,
    ) -> User {
        let mut roles: Vec<Role> = roles.iter().filter_map(|s| Role::parse(s)).collect();
        roles.sort();
        User {
            id,
            agency_id: AgencyId(agency_id),
            email,
            display_name,
            preferred_language,
            disabled,
            roles,
            sessions_valid_from,
        }
    }
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User::from_parts(
            r.id,
            r.agency_id,
            r.email,
            r.display_name,
            r.preferred_language,
            r.disabled,
            &r.roles,
            r.sessions_valid_from,
        )
    }
}

const SELECT_USER: &str =
    "SELECT u.id, u.agency_id, u.email, u.display_name, u.preferred_language, \
     u.disabled, u.sessions_valid_from, COALESCE(array_agg(g.role) FILTER (WHERE g.role IS NOT NULL), '{}') AS roles \
     FROM users u LEFT JOIN role_grants g ON g.user_id = u.id";

/// What sign-in needs to check a password.
#[derive(Debug, FromRow)]
pub struct Credentials {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub password_hash: String,
    pub disabled: bool,
}

#[tracing::instrument(skip_all)]
pub async fn credentials_by_email(
    conn: &mut PgConnection,
    email: &str,
) -> Result<Option<Credentials>, sqlx::Error> {
    sqlx::query_as(
        // Before sign-in there is no acting user: the owner's function answers for one address.
        "SELECT id, agency_id, password_hash, disabled FROM portal_sign_in_credentials($1)",
    )
    .bind(email)
    .fetch_optional(conn)
    .await
}

/// What an SSO sign-in needs to know of the user a verified e-mail names.
#[derive(Debug, FromRow)]
pub struct SsoUser {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub agency_code: String,
    pub disabled: bool,
}

/// The user with this e-mail (case-insensitive), with their agency's code.
#[tracing::instrument(skip_all)]
pub async fn for_sso_by_email(
    conn: &mut PgConnection,
    email: &str,
) -> Result<Option<SsoUser>, sqlx::Error> {
    // Before sign-in there is no acting user: the owner's functions answer for one address
    // (migrations 0019, 0021).
    sqlx::query_as(
        "SELECT c.id, c.agency_id, portal_agency_code(c.agency_id) AS agency_code, c.disabled \
         FROM portal_sign_in_credentials($1) c",
    )
    .bind(email)
    .fetch_optional(conn)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Option<User>, sqlx::Error> {
    let row: Option<UserRow> =
        sqlx::query_as(&format!("{SELECT_USER} WHERE u.id = $1 GROUP BY u.id"))
            .bind(id)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(User::from))
}

#[tracing::instrument(skip_all)]
pub async fn get_in_agency(
    conn: &mut PgConnection,
    agency: AgencyId,
    id: Uuid,
) -> Result<Option<User>, sqlx::Error> {
    let row: Option<UserRow> = sqlx::query_as(&format!(
        "{SELECT_USER} WHERE u.id = $1 AND u.agency_id = $2 GROUP BY u.id"
    ))
    .bind(id)
    .bind(agency.0)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(User::from))
}

#[tracing::instrument(skip_all)]
pub async fn count_in_agency(
    conn: &mut PgConnection,
    agency: AgencyId,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM users WHERE agency_id = $1")
        .bind(agency.0)
        .fetch_one(conn)
        .await
}

#[tracing::instrument(skip_all)]
pub async fn list_in_agency(
    conn: &mut PgConnection,
    agency: AgencyId,
    offset: i64,
    limit: i64,
) -> Result<Vec<User>, sqlx::Error> {
    let rows: Vec<UserRow> = sqlx::query_as(&format!(
        "{SELECT_USER} WHERE u.agency_id = $1 GROUP BY u.id \
         ORDER BY u.disabled, u.display_name, u.id LIMIT $2 OFFSET $3"
    ))
    .bind(agency.0)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(User::from).collect())
}

pub struct NewUser<'a> {
    pub id: Uuid,
    pub agency_id: AgencyId,
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub preferred_language: &'a str,
}

/// Fails with the unique constraint `users_email_lower_key` when the e-mail is taken.
#[tracing::instrument(skip_all)]
pub async fn insert(conn: &mut PgConnection, u: &NewUser<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO users (id, agency_id, email, display_name, password_hash, preferred_language) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(u.id)
    .bind(u.agency_id.0)
    .bind(u.email)
    .bind(u.display_name)
    .bind(u.password_hash)
    .bind(u.preferred_language)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the user's roles with `roles`; the user must belong to `agency`.
#[tracing::instrument(skip_all)]
pub async fn set_roles(
    conn: &mut PgConnection,
    agency: AgencyId,
    user: Uuid,
    roles: &[Role],
    granted_by: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    sqlx::query(
        "DELETE FROM role_grants WHERE user_id = $1 AND agency_id = $2 AND NOT (role = ANY($3))",
    )
    .bind(user)
    .bind(agency.0)
    .bind(&names)
    .execute(&mut *conn)
    .await?;
    let names: Vec<String> = names.into_iter().map(String::from).collect();
    grant_roles(conn, agency, user, &names, granted_by).await
}

/// Adds `roles` to the user's (a confirmed grant).
#[tracing::instrument(skip_all)]
pub async fn grant_roles(
    conn: &mut PgConnection,
    agency: AgencyId,
    user: Uuid,
    roles: &[String],
    granted_by: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO role_grants (agency_id, user_id, role, granted_by) \
         SELECT $1, u.id, r, $4 FROM users u, unnest($3::text[]) AS r \
         WHERE u.id = $2 AND u.agency_id = $1 ON CONFLICT (user_id, role) DO NOTHING",
    )
    .bind(agency.0)
    .bind(user)
    .bind(roles)
    .bind(granted_by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes `roles` away from the user.
#[tracing::instrument(skip_all)]
pub async fn remove_roles(
    conn: &mut PgConnection,
    agency: AgencyId,
    user: Uuid,
    roles: &[Role],
) -> Result<(), sqlx::Error> {
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    sqlx::query("DELETE FROM role_grants WHERE user_id = $1 AND agency_id = $2 AND role = ANY($3)")
        .bind(user)
        .bind(agency.0)
        .bind(&names)
        .execute(conn)
        .await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn set_disabled(
    conn: &mut PgConnection,
    agency: AgencyId,
    user: Uuid,
    disabled: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET disabled = $3 WHERE id = $1 AND agency_id = $2")
        .bind(user)
        .bind(agency.0)
        .bind(disabled)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[tracing::instrument(skip_all)]
pub async fn set_language(
    conn: &mut PgConnection,
    user: Uuid,
    lang: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET preferred_language = $2 WHERE id = $1")
        .bind(user)
        .bind(lang)
        .execute(conn)
        .await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn count(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(conn)
        .await
}

/// Ends every session of the user begun before now (`User::sessions_valid_from`).
#[tracing::instrument(skip_all)]
pub async fn end_sessions(conn: &mut PgConnection, user: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET sessions_valid_from = now() WHERE id = $1")
        .bind(user)
        .execute(conn)
        .await?;
    Ok(())
}
