//! Multi-factor sign-in pages: the code form after a right password (`/login/otp`), one's own
//! MFA (`/account/mfa`: enrol by QR code, recovery codes, turn off), the agency administrator's
//! policy and reset, and the one place that sends a user who must enrol to `/account/mfa`.

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use crate::domain::mfa::{self as rules, Requirement};
use crate::error::{AppError, FieldErrors};
use crate::i18n::Lang;
use crate::services::mfa::{self as svc, Factor};
use crate::web::client_addr::ClientAddr;
use crate::web::extract::{CsrfForm, Ctx, Nav, SignedIn};
use crate::web::sign_in::{drop_hold, establish_session, pending_user, SignInMethod};
use crate::web::{render, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login/otp", get(code_form).post(give_code))
        .route("/account/mfa", get(mfa_page))
        .route("/account/mfa/enrol", post(enrol))
        .route("/account/mfa/confirm", post(confirm))
        .route("/account/mfa/recovery-codes", post(regenerate))
        .route("/account/mfa/off", post(turn_off))
        .route("/admin/mfa-policy", post(set_policy))
        .route("/admin/users/{id}/mfa-reset", post(reset_user))
}

#[derive(Template)]
#[template(path = "login_otp.html")]
struct CodePage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    error: Option<String>,
}

fn code_page(ctx: &Ctx, error: Option<String>) -> CodePage {
    CodePage {
        t: ctx.t,
        nav: None,
        csrf: ctx.csrf.clone(),
        back: "/login/otp".into(),
        error,
    }
}

async fn code_form(ctx: Ctx) -> Result<Response, AppError> {
    if ctx.user.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    if pending_user(&ctx.session).await?.is_none() {
        return Ok(Redirect::to("/login").into_response());
    }
    Ok(render(&code_page(&ctx, None))?.into_response())
}

#[derive(Deserialize, Default)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn give_code(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ctx: Ctx,
    form: CsrfForm<CodeForm>,
) -> Result<Response, AppError> {
    let Some(user) = pending_user(&ctx.session).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let typed = form.data.code.chars().take(64).collect::<String>();
    let factor =
        svc::second_factor_of(&state.pool, user, &typed, &client.to_string(), true).await?;
    let (status, message) = match factor {
        Factor::Accepted => {
            drop_hold(&ctx.session).await?;
            return establish_session(&ctx.session, user, SignInMethod::SecondFactor, "/").await;
        }
        Factor::Refused => (
            StatusCode::UNAUTHORIZED,
            ctx.t.tr("mfa.code_wrong").to_string(),
        ),
        Factor::Throttled {
            retry_after_minutes,
        } => (
            StatusCode::TOO_MANY_REQUESTS,
            ctx.t
                .tr("login.throttled")
                .replace("{minutes}", &retry_after_minutes.to_string()),
        ),
    };
    Ok((status, render(&code_page(&ctx, Some(message)))?).into_response())
}

// ---- one's own MFA -----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "account/mfa.html")]
struct MfaPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    requirement: String,
    required: bool,
    enforced: bool,
    enrolled: bool,
    due: bool,
    pending: Option<(String, String)>,
    recovery_left: i64,
    may_turn_off: bool,
    /// Recovery codes just made: shown this once.
    new_codes: Vec<String>,
    notice: Option<String>,
    errors: FieldErrors,
}

/// The QR code of an `otpauth://` URL as an SVG element (made here, from our own URL).
fn qr_svg(url: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(220, 220)
            .build()
            // An XML declaration has no place inside an HTML page.
            .replace(r#"<?xml version="1.0" standalone="yes"?>"#, "")
            .replacen(
                "<svg ",
                r#"<svg id="mfa-qr" role="img" aria-label="QR" "#,
                1,
            ),
        Err(_) => String::new(),
    }
}

fn requirement_key(r: Requirement) -> &'static str {
    match r {
        Requirement::RequiredByRole => "mfa.required_by_role",
        Requirement::RequiredByAgency => "mfa.required_by_agency",
        Requirement::Optional => "mfa.optional",
    }
}

async fn page(
    state: &AppState,
    me: &SignedIn,
    new_codes: Vec<String>,
    notice: Option<&str>,
    errors: FieldErrors,
) -> Result<MfaPage, AppError> {
    let t = me.ctx.t;
    let s = svc::status(&state.pool, &me.user, state.settings.mfa_enforced).await?;
    Ok(MfaPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/account/mfa".into(),
        requirement: t.get(requirement_key(s.requirement)).to_string(),
        required: s.requirement.required(),
        enforced: s.enforced,
        enrolled: s.enrolled,
        due: s.requirement.required() && s.enforced && !s.enrolled,
        pending: s.pending.map(|p| (qr_svg(&p.otpauth_url), p.secret_base32)),
        recovery_left: s.recovery_left,
        may_turn_off: s.may_turn_off,
        new_codes: new_codes
            .iter()
            .map(|c| rules::display_recovery_code(c))
            .collect(),
        notice: notice.map(|k| t.tr(k).to_string()),
        errors,
    })
}

#[derive(Deserialize, Default)]
struct MfaNotice {
    off: Option<String>,
}

async fn mfa_page(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<MfaNotice>,
) -> Result<Response, AppError> {
    let notice = q.off.is_some().then_some("mfa.turned_off");
    let p = page(&state, &me, Vec::new(), notice, FieldErrors::default()).await?;
    Ok(render(&p)?.into_response())
}

/// The page again with what went wrong (422, 409 or 429), or the error as it is.
async fn refused(state: &AppState, me: &SignedIn, e: AppError) -> Result<Response, AppError> {
    let (status, errors) = match e {
        AppError::Invalid(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
        AppError::Throttled(_) => (
            StatusCode::TOO_MANY_REQUESTS,
            FieldErrors::one("code", "mfa.throttled"),
        ),
        AppError::Conflict(key) => (StatusCode::CONFLICT, FieldErrors::one("code", &key)),
        other => return Err(other),
    };
    let p = page(state, me, Vec::new(), None, errors).await?;
    Ok((status, render(&p)?).into_response())
}

#[derive(Deserialize)]
struct NoFields {}

async fn enrol(
    State(state): State<AppState>,
    me: SignedIn,
    _form: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    match svc::start_enrolment(&state.pool, &me.user).await {
        Ok(()) => Ok(Redirect::to("/account/mfa").into_response()),
        Err(e) => refused(&state, &me, e).await,
    }
}

async fn confirm(
    State(state): State<AppState>,
    me: SignedIn,
    form: CsrfForm<CodeForm>,
) -> Result<Response, AppError> {
    match svc::confirm_enrolment(&state.pool, &me.user, &form.data.code).await {
        Ok(codes) => {
            let p = page(
                &state,
                &me,
                codes,
                Some("mfa.enrolled"),
                FieldErrors::default(),
            )
            .await?;
            Ok(render(&p)?.into_response())
        }
        Err(e) => refused(&state, &me, e).await,
    }
}

async fn regenerate(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    me: SignedIn,
    form: CsrfForm<CodeForm>,
) -> Result<Response, AppError> {
    let client = client.to_string();
    match svc::regenerate_recovery_codes(&state.pool, &me.user, &form.data.code, &client).await {
        Ok(codes) => {
            let notice = Some("mfa.codes_regenerated");
            let p = page(&state, &me, codes, notice, FieldErrors::default()).await?;
            Ok(render(&p)?.into_response())
        }
        Err(e) => refused(&state, &me, e).await,
    }
}

#[derive(Deserialize, Default)]
struct OffForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
}

async fn turn_off(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    me: SignedIn,
    form: CsrfForm<OffForm>,
) -> Result<Response, AppError> {
    let f = &form.data;
    let enforced = state.settings.mfa_enforced;
    let client = client.to_string();
    match svc::turn_off(
        &state.pool,
        &me.user,
        &f.code,
        &f.password,
        enforced,
        &client,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/account/mfa?off=1").into_response()),
        Err(e) => refused(&state, &me, e).await,
    }
}

// ---- the agency administrator ------------------------------------------------------------

#[derive(Deserialize, Default)]
struct PolicyForm {
    /// A ticked box sends "yes"; an unticked one sends nothing.
    #[serde(default)]
    mfa_for_everyone: String,
}

async fn set_policy(
    State(state): State<AppState>,
    me: SignedIn,
    form: CsrfForm<PolicyForm>,
) -> Result<Response, AppError> {
    let required = form.data.mfa_for_everyone == "yes";
    svc::set_agency_policy(&state.pool, &me.user, required).await?;
    Ok(Redirect::to("/admin/users?mfa_saved=1").into_response())
}

async fn reset_user(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    svc::admin_reset(&state.pool, &me.user, id).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}?mfa_reset=1")).into_response())
}

// ---- enforcement -------------------------------------------------------------------------

/// Paths a user who must enrol may still use: enrolment itself, signing out, the language.
fn open_while_enrolment_due(path: &str) -> bool {
    path == "/account/mfa"
        || path.starts_with("/account/mfa/")
        || path.starts_with("/login")
        || path == "/logout"
        || path == "/language"
        || path.starts_with("/static/")
        || path.starts_with("/api/")
        || path.starts_with("/taxii2/")
        || path == "/healthz"
        || path == "/readyz"
}

/// The one place that holds a signed-in user whom the policy requires to enrol (while it is
/// enforced) to `/account/mfa`, whatever page they ask for. It also looks up who is asking,
/// once, for the page's `Ctx` (`extract::identify`): the MFA standing comes in the same
/// statement, so enforcement costs no query of its own (#16).
pub async fn require_enrolment(
    State(state): State<AppState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    // Static files, probes and the API (bearer tokens) need nobody looked up.
    let path = req.uri().path();
    if path.starts_with("/static/")
        || path.starts_with("/api/")
        || path == "/healthz"
        || path == "/readyz"
    {
        return next.run(req).await;
    }
    let asking = match crate::web::extract::identify(&state, &session).await {
        Ok(asking) => asking,
        Err(e) => return e.into_response(),
    };
    let due = asking.as_ref().is_some_and(|a| {
        svc::enrolment_due_for(a, state.settings.mfa_enforced)
            && !open_while_enrolment_due(req.uri().path())
    });
    if due {
        return Redirect::to("/account/mfa").into_response();
    }
    req.extensions_mut()
        .insert(crate::web::extract::Identified(asking));
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_enrolment_sign_out_and_the_language_stay_open() {
        for open in [
            "/account/mfa",
            "/account/mfa/confirm",
            "/logout",
            "/language",
            "/login/otp",
        ] {
            assert!(open_while_enrolment_due(open), "{open}");
        }
        for closed in [
            "/",
            "/incidents",
            "/account/password",
            "/admin/users",
            "/account/mfax",
        ] {
            assert!(!open_while_enrolment_due(closed), "{closed}");
        }
    }

    #[test]
    fn the_qr_code_is_an_inline_svg() {
        let svg =
            qr_svg("otpauth://totp/Incident%20Portal:a%40b?secret=ABC&issuer=Incident%20Portal");
        assert!(svg.starts_with("<svg id=\"mfa-qr\""), "{}", &svg[..40]);
        assert!(!svg.contains("<?xml"));
        assert!(svg.ends_with("</svg>"));
    }
}
