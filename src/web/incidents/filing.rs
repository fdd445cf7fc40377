//! Filing an incident: the form with its impact matrix (live level where JavaScript runs,
//! computed on submit where it does not), and what it sends turned into a filing.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::domain::incident::next::FILED_WITH;
use crate::domain::{self, AssetClass, Category, FilingInput};
use crate::error::{AppError, FieldErrors};
use crate::i18n::Lang;
use crate::services::incidents as svc;
use crate::web::extract::{CsrfForm, Nav, SignedIn};
use crate::web::format::{input_time, level_label};
use crate::web::forms::{
    carried_posted, form_fields, impact_rows, impacts_from, parse_local_time, stage_action, Choice,
    ImpactRow, Typed,
};
use crate::web::{render, AppState};

#[derive(Template)]
#[template(path = "incidents/new.html")]
struct NewPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    typed: Typed,
    errors: FieldErrors,
    category_choices: Vec<Choice>,
    subcategory_choices: Vec<(String, Vec<Choice>)>,
    asset_labels: Vec<String>,
    impact_rows: Vec<ImpactRow>,
    computed: Option<String>,
    now_local: String,
}

fn subcategory_choices(t: Lang, selected: &str) -> Vec<(String, Vec<Choice>)> {
    Category::ALL
        .iter()
        .filter(|c| !c.subcategories().is_empty())
        .map(|c| {
            let options = c
                .subcategories()
                .iter()
                .map(|(code, key)| Choice {
                    value: (*code).into(),
                    label: t.get(key).into(),
                    checked: *code == selected,
                })
                .collect();
            (t.text(&c.label()), options)
        })
        .collect()
}

fn new_page(me: &SignedIn, typed: Typed, errors: FieldErrors) -> NewPage {
    let t = me.ctx.t;
    let category = typed.v("category").to_string();
    let computed = impacts_from(&typed)
        .and_then(|i| domain::classify(&i).ok())
        .map(|c| format!("{} — {}", level_label(t, c.level), t.text(&c.rule)));
    NewPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/incidents/new".into(),
        category_choices: Category::ALL
            .iter()
            .map(|c| Choice {
                value: c.as_str().into(),
                label: t.text(&c.label()),
                checked: c.as_str() == category,
            })
            .collect(),
        subcategory_choices: subcategory_choices(t, typed.v("subcategory")),
        asset_labels: AssetClass::ALL.iter().map(|a| t.text(&a.label())).collect(),
        impact_rows: impact_rows(t, &typed),
        computed,
        now_local: input_time(Utc::now()),
        typed,
        errors,
    }
}

pub(super) async fn new_form(me: SignedIn) -> Result<Response, AppError> {
    svc::may_file(me.acting())?;
    let mut typed = Typed::default();
    typed.set("aware_at", input_time(Utc::now()));
    Ok(render(&new_page(&me, typed, FieldErrors::default()))?.into_response())
}

fn filing_from(typed: &Typed) -> Result<FilingInput, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut time = |field: &str, required: bool| -> Option<DateTime<Utc>> {
        let raw = typed.v(field);
        if raw.trim().is_empty() {
            if required {
                errors.add(field, "error.required");
            }
            return None;
        }
        let parsed = parse_local_time(raw);
        if parsed.is_none() {
            errors.add(field, "error.time_invalid");
        }
        parsed
    };
    let aware_at = time("aware_at", true);
    let occurred_at = time("occurred_at", false);
    let other_at = time("other_means_reported_at", false);
    let category = Category::parse(typed.v("category"));
    if category.is_none() {
        errors.add("category", "error.category_unknown");
    }
    let impacts = impacts_from(typed).unwrap_or_else(|| {
        errors.add("impacts", "error.impacts_impossible");
        Vec::new()
    });
    match (aware_at, category) {
        (Some(aware_at), Some(category)) if errors.is_empty() => Ok(FilingInput {
            title: typed.v("title").into(),
            aware_at,
            occurred_at,
            category,
            subcategory: typed.v("subcategory").into(),
            impacts,
            personal_data: typed.on("personal_data"),
            summary: typed.v("summary").into(),
            contact: typed.v("contact").into(),
            affected_systems: typed
                .v("affected_systems")
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect(),
            other_means: other_at.map(|at| (at, typed.v("other_means_reason").to_string())),
        }),
        _ => Err(errors),
    }
}

#[derive(Deserialize)]
pub(super) struct AnyForm {}

pub(super) async fn file(
    State(state): State<AppState>,
    me: SignedIn,
    form: CsrfForm<AnyForm>,
) -> Result<Response, AppError> {
    svc::may_file(me.acting())?;
    let typed = Typed::from_pairs(&form.pairs);
    // The notice already given and completing the report stage ride along (`FILED_WITH`).
    let fields = form_fields(&form.pairs);
    let carried: Vec<_> = FILED_WITH
        .into_iter()
        .filter(|k| carried_posted(*k, &typed))
        .map(|k| (k, stage_action(k, fields.clone())))
        .collect();
    let policy = state.reminder_policy();
    let result = match filing_from(&typed) {
        Ok(input) => svc::file_with(&state.pool, me.acting(), input, carried, &policy).await,
        Err(mut errors) => {
            for (_, part) in carried {
                if let Err(e) = part {
                    errors.0.extend(e.0);
                }
            }
            Err(AppError::Invalid(errors))
        }
    };
    match result {
        Ok(incident) => Ok(Redirect::to(&format!("/incidents/{}", incident.id)).into_response()),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&new_page(&me, typed, errors))?,
        )
            .into_response()),
        // Completing the report stage without the notice: nothing was filed; say so there.
        Err(AppError::StageIncomplete(_)) => {
            let mut errors = FieldErrors::default();
            errors.add("complete_stage", "filing.complete_needs_notice");
            Ok((StatusCode::CONFLICT, render(&new_page(&me, typed, errors))?).into_response())
        }
        Err(e) => Err(e),
    }
}
