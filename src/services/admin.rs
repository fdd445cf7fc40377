//! Administration: an agency administrator manages the users of their own agency; the
//! competent authority's administrator registers agencies and sets where they sit in the tree.

use std::collections::HashMap;

use sqlx::PgPool;
use uuid::Uuid;

use crate::db::{self, agencies::Agency, users::User};
use crate::domain::audit::AuditKind;
use crate::domain::{self, Action, AgencyId, AgencyKind, ResponsibilityLevel, Role};
use crate::error::{AppError, FieldErrors};
use crate::services::audit;
use crate::services::auth::hash_password;
use crate::services::denied;

pub const MIN_PASSWORD_CHARS: usize = 12;

/// The user as the domain's permission rules see them.
async fn actor(pool: &PgPool, user: &User) -> Result<domain::Actor, AppError> {
    let mut conn = db::begin_as(pool, user.id).await?;
    let agency = db::agencies::get(&mut conn, user.agency_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(domain::Actor {
        agency: user.agency_id,
        roles: user.roles.clone(),
        agency_is_competent_authority: agency.kind == AgencyKind::CompetentAuthority,
        name: user.display_name.clone(),
        agency_name: agency.name_zh,
    })
}

/// The pages manage the users of the administrator's own agency only.
pub(crate) fn require_user_admin(actor: &User) -> Result<(), AppError> {
    let as_domain = domain::Actor {
        agency: actor.agency_id,
        roles: actor.roles.clone(),
        agency_is_competent_authority: false,
        ..domain::Actor::default()
    };
    domain::may_manage(&as_domain, Action::ManageUsers, actor.agency_id).map_err(denied)
}

/// Registering agencies belongs to the competent authority's administrator.
#[tracing::instrument(skip_all)]
pub async fn require_agency_registrar(pool: &PgPool, user: &User) -> Result<(), AppError> {
    let me = actor(pool, user).await?;
    domain::may_manage(&me, Action::ManageAgencies, user.agency_id).map_err(denied)
}

#[tracing::instrument(skip_all)]
pub async fn list_users(
    pool: &PgPool,
    actor: &User,
    page: db::PageRequest,
) -> Result<(Vec<User>, i64), AppError> {
    require_user_admin(actor)?;
    let mut conn = db::begin_as(pool, actor.id).await?;
    let total = db::users::count_in_agency(&mut conn, actor.agency_id).await?;
    let users =
        db::users::list_in_agency(&mut conn, actor.agency_id, page.offset(), page.limit()).await?;
    Ok((users, total))
}

#[tracing::instrument(skip_all)]
pub async fn user_of_own_agency(pool: &PgPool, actor: &User, id: Uuid) -> Result<User, AppError> {
    require_user_admin(actor)?;
    let mut conn = db::begin_as(pool, actor.id).await?;
    db::users::get_in_agency(&mut conn, actor.agency_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub struct NewUserInput {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub roles: Vec<Role>,
}

/// Checks what the database cannot: the e-mail's shape and the password's length.
pub fn check_new_user(input: &NewUserInput) -> FieldErrors {
    let mut errors = FieldErrors::default();
    let email = input.email.trim();
    let looks_like_email = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if !looks_like_email {
        errors.add("email", "error.email_invalid");
    }
    let name = input.display_name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        errors.add("display_name", "error.display_name_invalid");
    }
    let len = input.password.chars().count();
    if !(MIN_PASSWORD_CHARS..=200).contains(&len) {
        errors.add("password", "error.password_length");
    }
    errors
}

async fn insert_user(
    conn: &mut sqlx::PgConnection,
    agency: AgencyId,
    input: &NewUserInput,
    granted_by: Option<Uuid>,
) -> Result<Uuid, AppError> {
    let hash = hash_password(input.password.clone()).await?;
    let id = Uuid::new_v4();
    let inserted = db::users::insert(
        conn,
        &db::users::NewUser {
            id,
            agency_id: agency,
            email: input.email.trim(),
            display_name: input.display_name.trim(),
            password_hash: &hash,
            preferred_language: "zh-TW",
        },
    )
    .await;
    if let Err(e) = inserted {
        if db::violated_unique_constraint(&e).as_deref() == Some("users_email_lower_key") {
            let mut errors = FieldErrors::default();
            errors.add("email", "error.email_taken");
            return Err(AppError::Invalid(errors));
        }
        return Err(e.into());
    }
    db::users::set_roles(conn, agency, id, &input.roles, granted_by).await?;
    Ok(id)
}

#[tracing::instrument(skip_all)]
pub async fn create_user(
    pool: &PgPool,
    actor: &User,
    input: NewUserInput,
) -> Result<Uuid, AppError> {
    require_user_admin(actor)?;
    check_new_user(&input).check()?;
    // The new account's roles are a grant like any other: they wait for a second person.
    let without_roles = NewUserInput {
        roles: Vec::new(),
        ..input
    };
    let mut tx = db::begin_as(pool, actor.id).await?;
    let id = insert_user(&mut tx, actor.agency_id, &without_roles, Some(actor.id)).await?;
    let agency = actor.agency_id.0;
    audit::note(
        &mut tx,
        agency,
        Some(actor.id),
        Some(id),
        AuditKind::UserCreated,
        "",
    )
    .await?;
    if !input.roles.is_empty() {
        let roles = role_names(&input.roles);
        audit::note(
            &mut tx,
            agency,
            Some(actor.id),
            Some(id),
            AuditKind::RoleGrantRequested,
            &roles,
        )
        .await?;
        db::role_changes::record(
            &mut tx,
            actor.agency_id,
            id,
            &input.roles,
            &[],
            actor.id,
            true,
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(user = %id, agency = %actor.agency_id.0, "user created");
    Ok(id)
}

/// Roles as the audit log names them.
fn role_names(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What became of a change of roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleChangeOutcome {
    /// Nothing granted: any removals took effect.
    Applied,
    /// Removals took effect; the grants wait for a second person (`domain::role_changes`).
    AwaitingConfirmation,
}

/// Sets the user's roles to `roles`: removals at once, grants once a second person confirms
/// them; both recorded.
#[tracing::instrument(skip_all)]
pub async fn set_roles(
    pool: &PgPool,
    actor: &User,
    user: Uuid,
    roles: &[Role],
) -> Result<RoleChangeOutcome, AppError> {
    let target = user_of_own_agency(pool, actor, user).await?;
    // An administrator cannot lock their own agency out of administration by accident.
    if target.id == actor.id && !roles.contains(&Role::AgencyAdmin) {
        return Err(AppError::Conflict("error.cannot_remove_own_admin".into()));
    }
    let (granted, removed) = domain::role_changes::split(&target.roles, roles);
    let mut tx = db::begin_as(pool, actor.id).await?;
    let agency = actor.agency_id.0;
    if !removed.is_empty() {
        db::users::remove_roles(&mut tx, actor.agency_id, user, &removed).await?;
        let roles = role_names(&removed);
        audit::note(
            &mut tx,
            agency,
            Some(actor.id),
            Some(user),
            AuditKind::RoleRemoved,
            &roles,
        )
        .await?;
        db::role_changes::record(
            &mut tx,
            actor.agency_id,
            user,
            &[],
            &removed,
            actor.id,
            false,
        )
        .await?;
    }
    if !granted.is_empty() {
        let roles = role_names(&granted);
        audit::note(
            &mut tx,
            agency,
            Some(actor.id),
            Some(user),
            AuditKind::RoleGrantRequested,
            &roles,
        )
        .await?;
        db::role_changes::record(
            &mut tx,
            actor.agency_id,
            user,
            &granted,
            &[],
            actor.id,
            true,
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(user = %user, granted = granted.len(), removed = removed.len(), "roles changed");
    Ok(if granted.is_empty() {
        RoleChangeOutcome::Applied
    } else {
        RoleChangeOutcome::AwaitingConfirmation
    })
}

/// The actor as the domain's rules see an administrator or CISO.
fn as_actor(user: &User) -> domain::Actor {
    domain::Actor {
        agency: user.agency_id,
        roles: user.roles.clone(),
        name: user.display_name.clone(),
        ..domain::Actor::default()
    }
}

/// The agency's grants waiting for a second person, for its administrators and CISO.
pub async fn pending_role_changes(
    pool: &PgPool,
    actor: &User,
) -> Result<Vec<db::role_changes::Pending>, AppError> {
    domain::role_changes::may_see_pending(&as_actor(actor), actor.agency_id)
        .map_err(crate::services::denied)?;
    let mut tx = db::begin_as(pool, actor.id).await?;
    let out = db::role_changes::pending_of_agency(&mut tx, actor.agency_id).await?;
    tx.commit().await?;
    Ok(out)
}

/// Confirms (the roles take effect) or turns down (`confirm`; `None` when the form said
/// neither) a waiting grant.
#[tracing::instrument(skip_all, fields(change = id))]
pub async fn decide_role_change(
    pool: &PgPool,
    actor: &User,
    id: i64,
    confirm: Option<bool>,
) -> Result<(), AppError> {
    domain::role_changes::may_see_pending(&as_actor(actor), actor.agency_id)
        .map_err(crate::services::denied)?;
    let confirm = confirm.ok_or_else(|| FieldErrors::one("decision", "error.required"))?;
    let mut tx = db::begin_as(pool, actor.id).await?;
    let change = db::role_changes::pending_for_update(&mut tx, actor.agency_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    domain::role_changes::may_decide_grant(
        &as_actor(actor),
        actor.agency_id,
        change.requested_by == actor.id,
        change.user_id == actor.id,
    )
    .map_err(crate::services::denied)?;
    db::role_changes::decide(&mut tx, id, actor.id, confirm).await?;
    let kind = if confirm {
        AuditKind::RoleGranted
    } else {
        AuditKind::RoleGrantRefused
    };
    let roles = change.granted.join(", ");
    audit::note(
        &mut tx,
        actor.agency_id.0,
        Some(actor.id),
        Some(change.user_id),
        kind,
        &roles,
    )
    .await?;
    if confirm {
        db::users::grant_roles(
            &mut tx,
            actor.agency_id,
            change.user_id,
            &change.granted,
            Some(actor.id),
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(change = id, confirm, "role grant decided");
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn set_disabled(
    pool: &PgPool,
    actor: &User,
    user: Uuid,
    disabled: bool,
) -> Result<(), AppError> {
    let target = user_of_own_agency(pool, actor, user).await?;
    if target.id == actor.id && disabled {
        return Err(AppError::Conflict("error.cannot_disable_self".into()));
    }
    let mut tx = db::begin_as(pool, actor.id).await?;
    if !db::users::set_disabled(&mut tx, actor.agency_id, user, disabled).await? {
        return Err(AppError::NotFound);
    }
    let kind = if disabled {
        AuditKind::UserDisabled
    } else {
        AuditKind::UserEnabled
    };
    audit::note(
        &mut tx,
        actor.agency_id.0,
        Some(actor.id),
        Some(user),
        kind,
        "",
    )
    .await?;
    // A disabled user's tokens end with them, for good: enabling them again brings none back.
    if disabled {
        db::tokens::revoke_all_of(&mut tx, user, actor.id).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub struct AgencyInput {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: AgencyKind,
    pub superior: Option<AgencyId>,
    pub sector_authority: Option<AgencyId>,
    pub supervising: Option<AgencyId>,
    pub responsibility_level: ResponsibilityLevel,
    pub critical_infrastructure: bool,
    /// The new agency's first administrator, so that it can manage its own users.
    pub first_admin: Option<NewUserInput>,
}

/// Field errors for an agency about to be created (`id` None) or updated; `all` is every
/// agency as stored now.
fn check_agency(id: AgencyId, input: &AgencyInput, all: &[Agency]) -> FieldErrors {
    let mut errors = FieldErrors::default();
    let code_ok = (2..=20).contains(&input.code.len())
        && input
            .code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
    if !code_ok {
        errors.add("code", "error.code_invalid");
    }
    for (field, value) in [("name_zh", &input.name_zh), ("name_en", &input.name_en)] {
        let v = value.trim();
        if v.is_empty() || v.chars().count() > 200 || v.chars().any(char::is_control) {
            errors.add(field, "error.name_invalid");
        }
    }
    if input.kind == AgencyKind::CompetentAuthority {
        errors.add("kind", "error.one_competent_authority");
    }
    let ca = all
        .iter()
        .find(|a| a.kind == AgencyKind::CompetentAuthority)
        .map(|a| a.id);
    let mut relations: HashMap<AgencyId, domain::AgencyRelations> =
        all.iter().map(|a| (a.id, a.relations())).collect();
    let proposed = domain::AgencyRelations {
        id,
        kind: input.kind,
        superior: input.superior,
        sector_authority: input.sector_authority,
        supervising: input.supervising,
    };
    for (field, key) in domain::escalation::relation_errors(&proposed).0 {
        errors.add(&field, &key);
    }
    relations.insert(id, proposed);
    for (field, parent) in [
        ("superior", input.superior),
        ("sector_authority", input.sector_authority),
        ("supervising", input.supervising),
    ] {
        let Some(parent) = parent else { continue };
        if !all.iter().any(|a| a.id == parent) {
            errors.add(field, "error.agency_unknown");
        } else if let Some(ca) = ca {
            let above = domain::supervision_chain(parent, |x| relations.get(&x).cloned(), ca);
            if parent == id || above.contains(&id) {
                errors.add(field, "error.agency_cycle");
            }
        }
    }
    errors
}

#[tracing::instrument(skip_all)]
pub async fn list_agencies(
    pool: &PgPool,
    actor: &User,
    page: db::PageRequest,
) -> Result<(Vec<Agency>, i64), AppError> {
    require_agency_registrar(pool, actor).await?;
    let mut conn = db::begin_as(pool, actor.id).await?;
    let total = db::agencies::count(&mut conn).await?;
    let list = db::agencies::list(&mut conn, page.offset(), page.limit()).await?;
    Ok((list, total))
}

#[tracing::instrument(skip_all)]
pub async fn create_agency(
    pool: &PgPool,
    actor: &User,
    input: AgencyInput,
) -> Result<AgencyId, AppError> {
    require_agency_registrar(pool, actor).await?;
    let mut tx = db::begin_as(pool, actor.id).await?;
    let all = db::agencies::all_names(&mut tx).await?;
    let id = AgencyId(Uuid::new_v4());
    let mut errors = check_agency(id, &input, &all);
    if all.iter().any(|a| a.code == input.code) {
        errors.add("code", "error.code_taken");
    }
    if let Some(admin) = &input.first_admin {
        for (field, key) in check_new_user(admin).0 {
            errors.add(&format!("admin_{field}"), &key);
        }
    }
    errors.check()?;
    let agency = Agency {
        id,
        code: input.code.clone(),
        name_zh: input.name_zh.trim().to_string(),
        name_en: input.name_en.trim().to_string(),
        kind: input.kind,
        superior: input.superior,
        sector_authority: input.sector_authority,
        supervising: input.supervising,
        responsibility_level: input.responsibility_level,
        critical_infrastructure: input.critical_infrastructure,
    };
    if let Err(e) = db::agencies::insert(&mut tx, &agency).await {
        if db::violated_unique_constraint(&e).as_deref() == Some("agencies_code_key") {
            let mut errors = FieldErrors::default();
            errors.add("code", "error.code_taken");
            return Err(AppError::Invalid(errors));
        }
        return Err(e.into());
    }
    if let Some(admin) = &input.first_admin {
        let user = insert_user(&mut tx, id, admin, Some(actor.id))
            .await
            .map_err(|e| match e {
                AppError::Invalid(f) => {
                    let mut errors = FieldErrors::default();
                    for (field, key) in f.0 {
                        errors.add(&format!("admin_{field}"), &key);
                    }
                    AppError::Invalid(errors)
                }
                other => other,
            })?;
        tracing::info!(user = %user, "first administrator created");
    }
    tx.commit().await?;
    tracing::info!(agency = %id.0, code = %agency.code, "agency registered");
    Ok(id)
}

/// Changes an agency's attributes and relations. When its relations change, its open
/// incidents' notified agency follows the new tree from the move on, in the same transaction
/// (see [`retarget_open_incidents`]).
#[tracing::instrument(skip_all)]
pub async fn update_agency(
    pool: &PgPool,
    actor: &User,
    id: AgencyId,
    input: AgencyInput,
) -> Result<(), AppError> {
    require_agency_registrar(pool, actor).await?;
    // Acting for the registrar (the competent authority's): row-level security lets it reach
    // every agency's incidents.
    let mut tx = db::begin_as(pool, actor.id).await?;
    let all = db::agencies::all_names(&mut tx).await?;
    let current = all
        .iter()
        .find(|a| a.id == id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    // Code and kind are fixed once registered; the competent authority stays what it is.
    let input = AgencyInput {
        code: current.code.clone(),
        kind: current.kind,
        ..input
    };
    let mut errors = check_agency(id, &input, &all);
    if current.kind == AgencyKind::CompetentAuthority {
        errors.0.remove("kind");
    }
    errors.check()?;
    let updated = Agency {
        name_zh: input.name_zh.trim().to_string(),
        name_en: input.name_en.trim().to_string(),
        superior: input.superior,
        sector_authority: input.sector_authority,
        supervising: input.supervising,
        responsibility_level: input.responsibility_level,
        critical_infrastructure: input.critical_infrastructure,
        ..current.clone()
    };
    db::agencies::update(&mut tx, &updated).await?;
    if updated.relations() != current.relations() {
        retarget_open_incidents(&mut tx, &updated, &all).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The agency moved in the tree: its open incidents are notified to its escalation target as
/// the register now stands (the domain's [`domain::escalation_target`]; none for the competent
/// authority itself), and the reminder job looks at them again, so that reminders go to the
/// new notified agency from the move on. Closed incidents keep the agency they were notified to.
async fn retarget_open_incidents(
    conn: &mut sqlx::PgConnection,
    moved: &Agency,
    all: &[Agency],
) -> Result<(), AppError> {
    let ca = all
        .iter()
        .find(|a| a.kind == AgencyKind::CompetentAuthority)
        .ok_or_else(|| anyhow::anyhow!("no competent authority is registered"))?;
    let target = domain::escalation_target(&moved.relations(), ca.id).map(|t| t.agency_id());
    let n = db::agencies::retarget_open_incidents(conn, moved.id, target).await?;
    tracing::info!(agency = %moved.id.0, incidents = n, "open incidents follow the agency's move");
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn agency(pool: &PgPool, actor: &User, id: AgencyId) -> Result<Agency, AppError> {
    require_agency_registrar(pool, actor).await?;
    let mut conn = db::begin_as(pool, actor.id).await?;
    db::agencies::get(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)
}

#[tracing::instrument(skip_all)]
pub async fn all_agencies(pool: &PgPool, actor: &User) -> Result<Vec<Agency>, AppError> {
    let mut conn = db::begin_as(pool, actor.id).await?;
    Ok(db::agencies::all_names(&mut conn).await?)
}
