//! Administration pages: an agency's users (its administrator), and the agency register
//! (the competent authority's administrator).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use uuid::Uuid;

use crate::db::{self, agencies::Agency, users::User};
use crate::domain::{self, AgencyId, AgencyKind, ResponsibilityLevel, Role};
use crate::error::{AppError, FieldErrors};
use crate::i18n::{Lang, Text};
use crate::services::admin::{self, AgencyInput, NewUserInput};
use crate::web::extract::{CsrfForm, Nav, PageQuery, SignedIn};
use crate::web::{labels, render, AppState, Pager};

const PER_PAGE: u32 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users).post(create_user))
        .route("/admin/users/{id}", get(user))
        .route("/admin/users/{id}/roles", post(set_roles))
        .route("/admin/users/{id}/disable", post(disable_user))
        .route("/admin/users/{id}/enable", post(enable_user))
        .route("/admin/outbox", get(outbox))
        .route("/admin/agencies", get(agencies).post(create_agency))
        .route("/admin/agencies/{id}", get(agency).post(update_agency))
}

/// A path id that is not a UUID names nothing: 404, like an id of another agency.
fn parse_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound)
}

pub struct Choice {
    value: String,
    label: String,
    checked: bool,
}

fn role_choices(t: Lang, chosen: &[Role]) -> Vec<Choice> {
    Role::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str().into(),
            label: labels::role(t, *r),
            checked: chosen.contains(r),
        })
        .collect()
}

/// Roles ticked in a form; an unknown value is an error, not silently dropped.
fn roles_from_form<T>(form: &CsrfForm<T>) -> Result<Vec<Role>, AppError> {
    form.all("role")
        .map(|v| {
            Role::parse(v).ok_or_else(|| {
                let mut e = FieldErrors::default();
                e.add("role", "error.role_unknown");
                AppError::Invalid(e)
            })
        })
        .collect()
}

// ---- users -------------------------------------------------------------------------------

struct UserRow {
    id: Uuid,
    display_name: String,
    email: String,
    roles: String,
    disabled: bool,
}

#[derive(Deserialize, Default, Clone)]
struct NewUserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    agency_name: String,
    users: Vec<UserRow>,
    pager: Pager,
    form: NewUserForm,
    role_choices: Vec<Choice>,
    errors: FieldErrors,
    /// The agency's option "MFA for everyone in this agency".
    mfa_for_everyone: bool,
    mfa_saved: bool,
}

async fn users_page(
    state: &AppState,
    me: &SignedIn,
    page_no: db::PageRequest,
    form: NewUserForm,
    chosen: &[Role],
    errors: FieldErrors,
) -> Result<UsersPage, AppError> {
    let t = me.ctx.t;
    let (list, total) = admin::list_users(&state.pool, &me.user, page_no).await?;
    let mfa_for_everyone = crate::services::mfa::agency_policy(&state.pool, &me.user).await?;
    Ok(UsersPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/admin/users".into(),
        agency_name: t.pick(&me.agency.name_zh, &me.agency.name_en).into(),
        users: list
            .into_iter()
            .map(|u| UserRow {
                roles: u
                    .roles
                    .iter()
                    .map(|r| labels::role(t, *r))
                    .collect::<Vec<_>>()
                    .join(t.get("report.list_separator")),
                id: u.id,
                display_name: u.display_name,
                email: u.email,
                disabled: u.disabled,
            })
            .collect(),
        pager: Pager::new(page_no, total),
        form: NewUserForm {
            password: String::new(),
            ..form
        },
        role_choices: role_choices(t, chosen),
        errors,
        mfa_for_everyone,
        mfa_saved: false,
    })
}

#[derive(Deserialize, Default)]
struct UsersQuery {
    page: Option<String>,
    mfa_saved: Option<String>,
}

async fn users(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<UsersQuery>,
) -> Result<Response, AppError> {
    let saved = q.mfa_saved.is_some();
    let q = PageQuery { page: q.page };
    let mut page = users_page(
        &state,
        &me,
        q.page(PER_PAGE),
        NewUserForm::default(),
        &[],
        FieldErrors::default(),
    )
    .await?;
    page.mfa_saved = saved;
    Ok(render(&page)?.into_response())
}

async fn create_user(
    State(state): State<AppState>,
    me: SignedIn,
    form: CsrfForm<NewUserForm>,
) -> Result<Response, AppError> {
    let roles = roles_from_form(&form);
    let input_form = form.data.clone();
    let result = match roles {
        Ok(roles) => admin::create_user(
            &state.pool,
            &me.user,
            NewUserInput {
                email: input_form.email.clone(),
                display_name: input_form.display_name.clone(),
                password: input_form.password.clone(),
                roles,
            },
        )
        .await
        .map(|id| (id,)),
        Err(e) => Err(e),
    };
    match result {
        Ok((id,)) => Ok(Redirect::to(&format!("/admin/users/{id}?created=1")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let chosen: Vec<Role> = form.all("role").filter_map(Role::parse).collect();
            let page = users_page(
                &state,
                &me,
                db::PageRequest::new(None, PER_PAGE),
                input_form,
                &chosen,
                errors,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    user_id: Uuid,
    user_name: String,
    user_email: String,
    disabled: bool,
    role_choices: Vec<Choice>,
    notice: Option<String>,
    /// The catalog key of the user's MFA state (on, being set up, off).
    mfa_state: &'static str,
}

fn user_page(me: &SignedIn, u: &User, notice: Option<&str>) -> UserPage {
    let t = me.ctx.t;
    UserPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: format!("/admin/users/{}", u.id),
        user_id: u.id,
        user_name: u.display_name.clone(),
        user_email: u.email.clone(),
        disabled: u.disabled,
        role_choices: role_choices(t, &u.roles),
        notice: notice.map(|k| t.tr(k).to_string()),
        mfa_state: "mfa.off",
    }
}

#[derive(Deserialize, Default)]
struct Notice {
    created: Option<String>,
    saved: Option<String>,
    pending: Option<String>,
    mfa_reset: Option<String>,
}

async fn user(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
) -> Result<Response, AppError> {
    let u = admin::user_of_own_agency(&state.pool, &me.user, parse_id(&id)?).await?;
    let key = if notice.pending.is_some() {
        Some("roles.pending_notice")
    } else if notice.created.is_some() {
        Some("users.created")
    } else if notice.saved.is_some() {
        Some("notice.saved")
    } else if notice.mfa_reset.is_some() {
        Some("mfa.reset_done")
    } else {
        None
    };
    let mut page = user_page(&me, &u, key);
    page.mfa_state =
        match crate::services::mfa::standing_for_admin(&state.pool, &me.user, &u).await? {
            (true, _) => "mfa.on",
            (false, true) => "mfa.pending",
            (false, false) => "mfa.off",
        };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct RolesForm {}

async fn set_roles(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<RolesForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let roles = roles_from_form(&form)?;
    let outcome = admin::set_roles(&state.pool, &me.user, id, &roles).await?;
    let notice = match outcome {
        admin::RoleChangeOutcome::Applied => "saved",
        admin::RoleChangeOutcome::AwaitingConfirmation => "pending",
    };
    Ok(Redirect::to(&format!("/admin/users/{id}?{notice}=1")).into_response())
}

#[derive(Deserialize, Default)]
struct DisableForm {
    #[serde(default)]
    confirm: String,
}

async fn disable_user(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<DisableForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    if form.data.confirm != "yes" {
        // Visible only to this agency's administrator: check that before saying anything.
        admin::user_of_own_agency(&state.pool, &me.user, id).await?;
        let mut e = FieldErrors::default();
        e.add("confirm", "error.confirm_required");
        return Err(AppError::Invalid(e));
    }
    admin::set_disabled(&state.pool, &me.user, id, true).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}?saved=1")).into_response())
}

async fn enable_user(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    _form: CsrfForm<RolesForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    admin::set_disabled(&state.pool, &me.user, id, false).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}?saved=1")).into_response())
}

// ---- agencies ----------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
struct AgencyForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    superior: String,
    #[serde(default)]
    sector_authority: String,
    #[serde(default)]
    supervising: String,
    #[serde(default)]
    responsibility_level: String,
    critical_infrastructure: Option<String>,
    #[serde(default)]
    admin_email: String,
    #[serde(default)]
    admin_display_name: String,
    #[serde(default)]
    admin_password: String,
}

impl AgencyForm {
    fn from_agency(a: &Agency) -> Self {
        let id = |x: Option<AgencyId>| x.map(|x| x.0.to_string()).unwrap_or_default();
        AgencyForm {
            code: a.code.clone(),
            name_zh: a.name_zh.clone(),
            name_en: a.name_en.clone(),
            kind: db::agencies::kind_to_db(a.kind).into(),
            superior: id(a.superior),
            sector_authority: id(a.sector_authority),
            supervising: id(a.supervising),
            responsibility_level: a.responsibility_level.as_str().into(),
            critical_infrastructure: a.critical_infrastructure.then(|| "on".into()),
            ..Default::default()
        }
    }

    /// The typed input, or the fields that could not be read.
    fn parse(&self) -> Result<AgencyInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let kind = db::agencies::kind_from_db(&self.kind);
        if kind.is_none() {
            errors.add("kind", "error.kind_invalid");
        }
        let level = ResponsibilityLevel::parse(&self.responsibility_level);
        if level.is_none() {
            errors.add("responsibility_level", "error.level_invalid");
        }
        let mut agency_ref = |field: &'static str, raw: &str| -> Option<AgencyId> {
            if raw.is_empty() {
                return None;
            }
            match Uuid::parse_str(raw) {
                Ok(id) => Some(AgencyId(id)),
                Err(_) => {
                    errors.add(field, "error.agency_unknown");
                    None
                }
            }
        };
        let superior = agency_ref("superior", &self.superior);
        let sector_authority = agency_ref("sector_authority", &self.sector_authority);
        let supervising = agency_ref("supervising", &self.supervising);
        let first_admin = (!self.admin_email.trim().is_empty()).then(|| NewUserInput {
            email: self.admin_email.clone(),
            display_name: self.admin_display_name.clone(),
            password: self.admin_password.clone(),
            roles: vec![Role::AgencyAdmin],
        });
        match (kind, level) {
            (Some(kind), Some(responsibility_level)) if errors.is_empty() => Ok(AgencyInput {
                code: self.code.trim().to_string(),
                name_zh: self.name_zh.clone(),
                name_en: self.name_en.clone(),
                kind,
                superior,
                sector_authority,
                supervising,
                responsibility_level,
                critical_infrastructure: self.critical_infrastructure.is_some(),
                first_admin,
            }),
            _ => Err(errors),
        }
    }
}

struct AgencyRowView {
    id: Uuid,
    code: String,
    name: String,
    kind: String,
    level: String,
    escalation_target: String,
}

#[derive(Template)]
#[template(path = "admin/agencies.html")]
struct AgenciesPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    agencies: Vec<AgencyRowView>,
    pager: Pager,
    form: AgencyForm,
    errors: FieldErrors,
    kind_choices: Vec<Choice>,
    superior_choices: Vec<Choice>,
    sector_choices: Vec<Choice>,
    supervising_choices: Vec<Choice>,
    level_choices: Vec<Choice>,
}

fn agency_choices(
    t: Lang,
    all: &[Agency],
    selected: &str,
    except: Option<AgencyId>,
) -> Vec<Choice> {
    all.iter()
        .filter(|a| Some(a.id) != except)
        .map(|a| Choice {
            value: a.id.0.to_string(),
            label: format!("{} {}", a.code, t.pick(&a.name_zh, &a.name_en)),
            checked: a.id.0.to_string() == selected,
        })
        .collect()
}

fn level_choices(selected: &str) -> Vec<Choice> {
    use ResponsibilityLevel::*;
    [A, B, C, D, E]
        .into_iter()
        .map(|l| {
            let v = l.as_str();
            Choice {
                value: v.into(),
                label: v.into(),
                checked: v == selected,
            }
        })
        .collect()
}

fn kind_choices(t: Lang, selected: &str) -> Vec<Choice> {
    [AgencyKind::Government, AgencyKind::SpecificNonGovernment]
        .into_iter()
        .map(|k| {
            let v = db::agencies::kind_to_db(k);
            Choice {
                value: v.into(),
                label: labels::agency_kind(t, k),
                checked: v == selected,
            }
        })
        .collect()
}

async fn agencies_page(
    state: &AppState,
    me: &SignedIn,
    page_no: db::PageRequest,
    form: AgencyForm,
    errors: FieldErrors,
) -> Result<AgenciesPage, AppError> {
    let t = me.ctx.t;
    let (list, total) = admin::list_agencies(&state.pool, &me.user, page_no).await?;
    let all = admin::all_agencies(&state.pool, &me.user).await?;
    let ca = all
        .iter()
        .find(|a| a.kind == AgencyKind::CompetentAuthority)
        .map(|a| a.id);
    let name_of = |id: AgencyId| {
        all.iter()
            .find(|a| a.id == id)
            .map(|a| t.pick(&a.name_zh, &a.name_en).to_string())
            .unwrap_or_default()
    };
    let rows = list
        .iter()
        .map(|a| AgencyRowView {
            id: a.id.0,
            code: a.code.clone(),
            name: t.pick(&a.name_zh, &a.name_en).into(),
            kind: labels::agency_kind(t, a.kind),
            level: labels::responsibility_level(a.responsibility_level).into(),
            escalation_target: ca
                .and_then(|ca| domain::escalation_target(&a.relations(), ca))
                .map(|target| name_of(target.agency_id()))
                .unwrap_or_else(|| "—".into()),
        })
        .collect();
    let form = AgencyForm {
        admin_password: String::new(),
        kind: if form.kind.is_empty() {
            "government".into()
        } else {
            form.kind
        },
        responsibility_level: if form.responsibility_level.is_empty() {
            "C".into()
        } else {
            form.responsibility_level
        },
        ..form
    };
    Ok(AgenciesPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/admin/agencies".into(),
        agencies: rows,
        pager: Pager::new(page_no, total),
        kind_choices: kind_choices(t, &form.kind),
        superior_choices: agency_choices(t, &all, &form.superior, None),
        sector_choices: agency_choices(t, &all, &form.sector_authority, None),
        supervising_choices: agency_choices(t, &all, &form.supervising, None),
        level_choices: level_choices(&form.responsibility_level),
        form,
        errors,
    })
}

async fn agencies(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let page = agencies_page(
        &state,
        &me,
        q.page(PER_PAGE),
        AgencyForm::default(),
        FieldErrors::default(),
    )
    .await?;
    Ok(render(&page)?.into_response())
}

async fn create_agency(
    State(state): State<AppState>,
    me: SignedIn,
    form: CsrfForm<AgencyForm>,
) -> Result<Response, AppError> {
    admin::require_agency_registrar(&state.pool, &me.user).await?;
    let result = match form.data.parse() {
        Ok(input) => admin::create_agency(&state.pool, &me.user, input).await,
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/admin/agencies/{}?created=1", id.0)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let page = agencies_page(
                &state,
                &me,
                db::PageRequest::new(None, PER_PAGE),
                form.data,
                errors,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "admin/agency.html")]
struct AgencyPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    agency_id: Uuid,
    heading: String,
    kind_label: String,
    notice: Option<String>,
    form: AgencyForm,
    errors: FieldErrors,
    superior_choices: Vec<Choice>,
    sector_choices: Vec<Choice>,
    supervising_choices: Vec<Choice>,
    level_choices: Vec<Choice>,
}

async fn agency_page(
    state: &AppState,
    me: &SignedIn,
    current: &Agency,
    form: AgencyForm,
    errors: FieldErrors,
    notice: Option<&str>,
) -> Result<AgencyPage, AppError> {
    let t = me.ctx.t;
    let all = admin::all_agencies(&state.pool, &me.user).await?;
    Ok(AgencyPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: format!("/admin/agencies/{}", current.id.0),
        agency_id: current.id.0,
        heading: t.pick(&current.name_zh, &current.name_en).into(),
        kind_label: labels::agency_kind(t, current.kind),
        notice: notice.map(|k| t.tr(k).to_string()),
        superior_choices: agency_choices(t, &all, &form.superior, Some(current.id)),
        sector_choices: agency_choices(t, &all, &form.sector_authority, Some(current.id)),
        supervising_choices: agency_choices(t, &all, &form.supervising, Some(current.id)),
        level_choices: level_choices(&form.responsibility_level),
        form,
        errors,
    })
}

async fn agency(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
) -> Result<Response, AppError> {
    let current = admin::agency(&state.pool, &me.user, AgencyId(parse_id(&id)?)).await?;
    let key = if notice.created.is_some() || notice.saved.is_some() {
        Some("notice.saved")
    } else {
        None
    };
    let page = agency_page(
        &state,
        &me,
        &current,
        AgencyForm::from_agency(&current),
        FieldErrors::default(),
        key,
    )
    .await?;
    Ok(render(&page)?.into_response())
}

async fn update_agency(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<AgencyForm>,
) -> Result<Response, AppError> {
    let current = admin::agency(&state.pool, &me.user, AgencyId(parse_id(&id)?)).await?;
    // Code and kind are not editable: take them from the record, not from the form.
    let submitted = AgencyForm {
        code: current.code.clone(),
        kind: db::agencies::kind_to_db(current.kind).into(),
        admin_email: String::new(),
        ..form.data
    };
    let result = match submitted.parse() {
        Ok(input) => admin::update_agency(&state.pool, &me.user, current.id, input).await,
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/agencies/{}?saved=1", current.id.0)).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let page = agency_page(&state, &me, &current, submitted, errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

// ---- e-mail outbox -----------------------------------------------------------------------

struct MailRow {
    to: String,
    subject: String,
    queued: String,
    state: String,
    failed: bool,
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct OutboxPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    rows: Vec<MailRow>,
    pager: Pager,
}

/// The agency's notification e-mail: what is waiting, what failed and why.
async fn outbox(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    crate::domain::may_portal(&me.actor(), crate::domain::PortalAction::AdministerAgency)
        .map_err(crate::services::denied)?;
    let t = me.ctx.t;
    let page = q.page(PER_PAGE);
    let mut tx = db::begin_as(&state.pool, me.user.id).await?;
    let (mails, total) = db::notifications::outbox(&mut tx, page.offset(), page.limit()).await?;
    tx.commit().await?;
    let rows = mails
        .into_iter()
        .map(|m| MailRow {
            failed: m.sent_at.is_none() && m.last_error.is_some(),
            state: match (&m.sent_at, &m.last_error) {
                (None, Some(e)) if m.failed_at.is_some() => t.text(
                    &Text::key("outbox.given_up_line")
                        .with("attempts", m.attempts)
                        .with("error", e.as_str()),
                ),
                (Some(at), _) => format!(
                    "{} {}",
                    t.tr("outbox.sent"),
                    crate::web::format::show_time(*at)
                ),
                (None, Some(e)) => t.text(
                    &Text::key("outbox.failed_line")
                        .with("attempts", m.attempts)
                        .with("error", e.as_str()),
                ),
                (None, None) => t.tr("outbox.pending").to_string(),
            },
            to: m.to_address,
            subject: m.subject,
            queued: crate::web::format::show_time(m.created_at),
        })
        .collect();
    let view = OutboxPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/admin/outbox".into(),
        rows,
        pager: Pager::new(page, total),
    };
    Ok(render(&view)?.into_response())
}
