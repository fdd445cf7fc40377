//! The incident page: its facts, stages and deadlines, the stage forms this user may submit, and
//! the timeline. A stage form posts to `/incidents/{id}/act/{name}`, whose fields deserialise
//! into the domain's typed `StageAction`, the same one the JSON API uses.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::filing::AnyForm;
use super::list::level_choices;
use crate::domain::incident::{next::carried_with, review::ReviewKind, story};
use crate::domain::{Stage, StageActionKind};
use crate::error::{AppError, FieldErrors};
use crate::i18n::{Arg, Lang, Text};
use crate::services::incidents::{self as svc, IncidentView, TimelineWindow};
use crate::web::extract::{CsrfForm, Nav, SignedIn};
use crate::web::format::{deadline_state, input_time, level_label, show_time, status_label};
use crate::web::forms::{
    form_fields, impact_rows, impacts_from, parse_id, posted_parts, Choice, ImpactRow, Typed,
};
use crate::web::{render, AppState};

struct DeadlineRow {
    label: String,
    due: String,
    state: String,
    css: &'static str,
}

struct StageRow {
    label: String,
    current: bool,
    done: bool,
}

struct EntryRow {
    at: String,
    who: String,
    kind: String,
    lines: Vec<String>,
}

/// One message of the thread with the supervising agencies: when, what, which agency, who.
struct ThreadRow {
    at: String,
    what: String,
    agency: String,
    who: String,
    comment: String,
    from_supervisor: bool,
}

/// One thing on record: what it is, and its sentences.
type RecordEntry = (String, Vec<String>);

/// An affected system and how it was judged.
struct SystemRow {
    index: usize,
    name: String,
    judged: String,
    /// "name (judged)", for the judgement's select.
    label: String,
}

struct ItemRow {
    index: usize,
    description: String,
    horizon: String,
    due_on: String,
    done: bool,
}

/// A stage form on the page: which action, whether it is the current stage's work, and what
/// else it records at the same sitting (its own action first).
struct FormView {
    kind: StageActionKind,
    current: bool,
    parts: Vec<StageActionKind>,
}

/// One line of the review record: what kind, when, by which agency, the level set and why.
struct ReviewRow {
    what: String,
    at: String,
    agency: String,
    change: String,
    reason: String,
}

/// A choice of agency (the classified document's recipients).
struct AgencyChoice {
    id: Uuid,
    name: String,
}

impl FormView {
    fn name(&self) -> &'static str {
        self.kind.name()
    }
    /// Whether `part` is the box that completes the stage (no fieldset of its own).
    fn completes(&self, part: &StageActionKind) -> bool {
        *part == StageActionKind::CompleteStage
    }
    /// The heading of a carried part: "同時：{action}（可留空，日後再辦）".
    fn legend(&self, t: &Lang, part: &StageActionKind) -> String {
        t.text(&Text::key("form.carried").with("action", Text::key(part.title_key())))
    }
    fn title(&self) -> &'static str {
        self.kind.title_key()
    }
}

/// The incident's facts as the page shows them.
struct Facts {
    number: String,
    title: String,
    agency: String,
    level: String,
    major: bool,
    proposed_level: String,
    status: String,
    closed: bool,
    category: String,
    summary: String,
    contact: String,
    aware_at: String,
    occurred_at: String,
    reported_at: String,
    other_means: String,
    escalation_target: String,
    personal_data: bool,
}

#[derive(Template)]
#[template(path = "incidents/show.html")]
struct ShowPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    id: Uuid,
    f: Facts,
    deadlines: Vec<DeadlineRow>,
    stages: Vec<StageRow>,
    missing: Vec<String>,
    /// "Next step: <action> (by <role>)", and whether this user is the one to take it.
    next_step: Option<(String, Option<&'static str>)>,
    /// What others are to do meanwhile (another actor than the next step's).
    also_waiting: Option<String>,
    /// What is on record, stage by stage: (stage, [(what, lines)]).
    on_record: Vec<(String, Vec<RecordEntry>)>,
    forms: Vec<FormView>,
    may_mark_done: bool,
    /// Activation would copy no roster (none agreed to): the form warns.
    no_roster: bool,
    recommended: Vec<String>,
    reviews: Vec<ReviewRow>,
    /// The title of the review this user may make now (審核, 覆核 or 逕行審核).
    review_title: &'static str,
    /// The pending extension request, as a sentence.
    pending_extension: Option<String>,
    open_items: Vec<Choice>,
    recipients: Vec<AgencyChoice>,
    impact_rows: Vec<ImpactRow>,
    systems: Vec<SystemRow>,
    items: Vec<ItemRow>,
    returned_comment: Option<String>,
    /// The supervising agencies' comments and the agency's replies, oldest first.
    thread: Vec<ThreadRow>,
    /// One page of the timeline, newest first (`TIMELINE_PAGE` entries).
    timeline: Vec<EntryRow>,
    /// Where the page of earlier entries begins, if there is one.
    timeline_earlier: Option<i32>,
    /// Whether this is a page of earlier entries (a link back to the newest is shown).
    timeline_older_page: bool,
    typed: Typed,
    errors: FieldErrors,
    problem: Option<String>,
    now_local: String,
    level_choices: Vec<Choice>,
}

fn facts(t: Lang, v: &IncidentView) -> Facts {
    let i = &v.incident;
    let r = &i.report;
    Facts {
        number: i.number.clone(),
        title: r.title.clone(),
        agency: t.pick(&v.agency_name.0, &v.agency_name.1).into(),
        level: level_label(t, i.level),
        major: i.level.is_major(),
        proposed_level: level_label(t, i.proposed_level),
        status: status_label(t, i.status),
        closed: i.status.is_closed(),
        category: t.text(&r.category.label()),
        summary: r.summary.clone(),
        contact: r.contact.clone(),
        aware_at: show_time(r.aware_at),
        occurred_at: r.occurred_at.map(show_time).unwrap_or_else(|| "—".into()),
        reported_at: show_time(i.reported_at),
        other_means: r
            .other_means
            .as_ref()
            .map(|o| format!("{} · {}", show_time(o.at), o.reason))
            .unwrap_or_default(),
        escalation_target: v
            .escalation_target_name
            .as_ref()
            .map(|(zh, en)| t.pick(zh, en).to_string())
            .unwrap_or_else(|| "—".into()),
        personal_data: r.personal_data,
    }
}

/// What else the procedure waits for from others than the next step's (the review, the
/// relay to the Office of Homeland Security, the CISO's meeting): "另待：…".
fn also_waiting(t: Lang, v: &IncidentView) -> Option<String> {
    let steps = v.incident.next_steps();
    let first = steps.first()?;
    let others: Vec<Arg> = steps
        .iter()
        .skip(1)
        .filter(|s| s.by != first.by)
        .map(|s| {
            Arg::from(
                Text::key("next.also_step")
                    .with("action", Text::key(s.action.title_key()))
                    .with("who", s.by.label()),
            )
        })
        .collect();
    (!others.is_empty()).then(|| t.text(&Text::key("next.also").with("steps", Arg::List(others))))
}

/// The page's one "next step" line, with the form to go to when it is this user's step.
fn next_line(t: Lang, v: &IncidentView) -> Option<(String, Option<&'static str>)> {
    let step = v.incident.next_step()?;
    let mine =
        v.allowed.contains(&step.action) && v.incident.offers(step.action, v.review_open.is_some());
    Some((t.text(&step.sentence()), mine.then(|| step.action.name())))
}

/// The forms this user may submit: the current stage's first, then the rest in stage order.
/// An action another form carries has no form of its own (one form per sitting).
fn forms(v: &IncidentView) -> Vec<FormView> {
    let current = v.incident.status.stage();
    let offered: Vec<StageActionKind> = v
        .allowed
        .iter()
        .copied()
        .filter(|k| v.incident.offers(*k, v.review_open.is_some()))
        .collect();
    let carried_by = |k: StageActionKind| -> Vec<StageActionKind> {
        v.carries
            .iter()
            .find(|(c, _)| *c == k)
            .map(|(_, carried)| carried.clone())
            .unwrap_or_default()
    };
    let carried: Vec<StageActionKind> = offered.iter().flat_map(|k| carried_by(*k)).collect();
    let mut forms: Vec<FormView> = offered
        .iter()
        .filter(|k| !carried.contains(k))
        .map(|k| FormView {
            kind: *k,
            current: k.stage().is_none_or(|s| Some(s) == current),
            parts: std::iter::once(*k).chain(carried_by(*k)).collect(),
        })
        .collect();
    forms.sort_by_key(|f| !f.current);
    forms
}

fn stage_rows(t: Lang, current: Option<Stage>) -> Vec<StageRow> {
    Stage::ALL
        .iter()
        .map(|s| StageRow {
            label: t.text(
                &Text::key("stage.numbered")
                    .with("number", s.number())
                    .with("stage", s.label()),
            ),
            current: Some(*s) == current,
            done: current.is_none_or(|c| *s < c),
        })
        .collect()
}

fn record_rows(t: Lang, v: &IncidentView) -> (Vec<SystemRow>, Vec<ItemRow>) {
    let r = &v.incident.record;
    let systems = r
        .affected_systems
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let judged = match s.within_tolerable_downtime {
                Some(true) => "containment.within",
                Some(false) => "containment.beyond",
                None => "containment.unjudged",
            };
            SystemRow {
                index: n,
                name: s.name.clone(),
                judged: t.get(judged).to_string(),
                label: t.text(
                    &Text::key("containment.system_label")
                        .with("system", &s.name)
                        .with("judged", Text::key(judged)),
                ),
            }
        })
        .collect();
    let items = r
        .improvement_items
        .iter()
        .enumerate()
        .map(|(n, item)| ItemRow {
            index: n,
            description: item.description.clone(),
            horizon: t.text(&item.horizon.label()),
            due_on: item.due_on.to_string(),
            done: item.done_on.is_some(),
        })
        .collect();
    (systems, items)
}

/// Every review, re-check and relay on record, oldest first.
fn review_rows(t: Lang, v: &IncidentView) -> Vec<ReviewRow> {
    let r = &v.incident.record;
    let reviews = r.reviews.iter().map(|x| ReviewRow {
        what: t.text(&x.kind.label()),
        at: show_time(x.at),
        agency: x.agency_name.clone(),
        change: t.text(
            &Text::key("review.change")
                .with("from", x.from.label())
                .with("to", x.to.label()),
        ),
        reason: x.reason.clone(),
    });
    let relays = r.review_relays.iter().map(|x| ReviewRow {
        what: t.get("review.kind.relay").to_string(),
        at: show_time(x.at),
        agency: x.by.clone(),
        change: String::new(),
        reason: x.basis.clone(),
    });
    let follow_ups = r.follow_ups.iter().map(|x| ReviewRow {
        what: t.get("review.kind.follow_up").to_string(),
        at: show_time(x.at),
        agency: x.by.clone(),
        change: level_label(t, x.level),
        reason: x.reason.clone(),
    });
    let mut rows: Vec<(chrono::DateTime<Utc>, ReviewRow)> = Vec::new();
    for (row, at) in reviews
        .zip(r.reviews.iter().map(|x| x.at))
        .chain(relays.zip(r.review_relays.iter().map(|x| x.at)))
        .chain(follow_ups.zip(r.follow_ups.iter().map(|x| x.at)))
    {
        rows.push((at, row));
    }
    rows.sort_by_key(|(at, _)| *at);
    rows.into_iter().map(|(_, row)| row).collect()
}

/// The thread, oldest first, from the timeline's entries as the domain reads them.
fn thread_rows(t: Lang, v: &IncidentView) -> Vec<ThreadRow> {
    v.thread
        .iter()
        .filter_map(|(e, who)| {
            let m = story::thread_message(&e.kind, &e.body)?;
            Some(ThreadRow {
                at: show_time(e.at),
                what: t.text(&m.heading),
                agency: m.agency,
                who: who.clone().unwrap_or_default(),
                comment: m.comment,
                from_supervisor: m.from_supervisor,
            })
        })
        .collect()
}

/// The deadline rows: the legal deadlines, then when the next periodic report is due.
fn deadline_rows(t: Lang, v: &IncidentView, now: DateTime<Utc>) -> Vec<DeadlineRow> {
    let mut rows: Vec<DeadlineRow> = v
        .deadlines
        .iter()
        .map(|d| {
            let (state, css) = deadline_state(t, d, now);
            DeadlineRow {
                label: t.text(&d.kind.label()),
                due: d.due.map(show_time).unwrap_or_else(|| "—".into()),
                state,
                css,
            }
        })
        .collect();
    for (kind, due) in &v.periodic {
        let d = crate::domain::Deadline {
            kind: crate::domain::DeadlineKind::Containment,
            due: Some(*due),
            done_at: None,
        };
        let (state, css) = deadline_state(t, &d, now);
        rows.push(DeadlineRow {
            label: t
                .get(&format!("deadline.next.{}", kind.as_str()))
                .to_string(),
            due: show_time(*due),
            state,
            css,
        });
    }
    rows
}

/// What the review form is titled for this user: the notified agency's review, the competent
/// authority's re-check, or its direct review.
fn review_title(v: &IncidentView) -> &'static str {
    match v.review_open {
        Some(ReviewKind::Recheck) => "review.kind.recheck",
        Some(ReviewKind::Direct) => "review.kind.direct",
        _ => "action.review",
    }
}

fn show_page(
    me: &SignedIn,
    v: IncidentView,
    typed: Typed,
    errors: FieldErrors,
    problem: Option<String>,
) -> ShowPage {
    let t = me.ctx.t;
    let now = Utc::now();
    let i = &v.incident;
    let timeline = v
        .timeline
        .iter()
        .rev()
        .map(|(e, who)| {
            let told = story::tell(&e.kind, &e.body);
            EntryRow {
                at: show_time(e.at),
                who: who.clone().unwrap_or_default(),
                kind: t.text(&told.heading),
                lines: told.lines.iter().map(|l| t.text(l)).collect(),
            }
        })
        .collect();
    let thread = thread_rows(t, &v);
    let deadlines = deadline_rows(t, &v, now);
    let (systems, items) = record_rows(t, &v);
    let open_items = i
        .record
        .improvement_items
        .iter()
        .enumerate()
        .filter(|(_, x)| x.is_open())
        .map(|(n, x)| Choice {
            value: n.to_string(),
            label: x.description.clone(),
            checked: false,
        })
        .collect();
    let pending_extension = i.pending_extension().map(|x| {
        t.text(
            &Text::key("extension.pending")
                .with("until", show_time(x.until))
                .with("reason", &x.reason),
        )
    });
    let recipients = v
        .supervisors
        .iter()
        .map(|(id, zh, en)| AgencyChoice {
            id: id.0,
            name: t.pick(zh, en).to_string(),
        })
        .collect();
    ShowPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: format!("/incidents/{}", i.id),
        id: i.id,
        f: facts(t, &v),
        deadlines,
        stages: stage_rows(t, i.status.stage()),
        missing: v.missing.iter().map(|m| t.text(&m.label())).collect(),
        next_step: next_line(t, &v),
        also_waiting: also_waiting(t, &v),
        no_roster: !v.roster_in_force,
        on_record: story::on_record(&v.incident)
            .into_iter()
            .map(|(stage, told)| {
                let entries = told
                    .iter()
                    .map(|x| {
                        (
                            t.text(&x.heading),
                            x.lines.iter().map(|l| t.text(l)).collect(),
                        )
                    })
                    .collect();
                (t.text(&stage.label()), entries)
            })
            .collect(),
        forms: forms(&v),
        may_mark_done: v.allowed.contains(&StageActionKind::ImprovementItemDone),
        recommended: v.recommended.iter().map(|m| t.text(&m.label())).collect(),
        reviews: review_rows(t, &v),
        review_title: review_title(&v),
        pending_extension,
        open_items,
        recipients,
        impact_rows: impact_rows(t, &typed),
        systems,
        items,
        returned_comment: i.returned_with().map(str::to_string),
        thread,
        timeline,
        timeline_earlier: v.earlier,
        timeline_older_page: matches!(v.window, TimelineWindow::Before(Some(_))),
        typed,
        errors,
        problem,
        now_local: input_time(now),
        level_choices: level_choices(t, &i.level.number().to_string()),
    }
}

/// `?before=<seq>`: the timeline's page that ends before that entry (the newest when absent; a
/// value that is not an entry number is read as absent, as the lists read a bad page number).
#[derive(serde::Deserialize, Default)]
pub(super) struct ShowQuery {
    before: Option<String>,
}

pub(super) async fn show(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let before = q.before.as_deref().and_then(|b| b.parse::<i32>().ok());
    let v = svc::view(
        &state.pool,
        me.acting(),
        parse_id(&id)?,
        &state.reminder_policy(),
        TimelineWindow::Before(before.filter(|b| *b > 0)),
    )
    .await?;
    let typed = recorded_values(&v);
    let page = show_page(&me, v, typed, FieldErrors::default(), None);
    Ok(render(&page)?.into_response())
}

/// The forms that correct what is on record start from it (the notice, the root cause, the
/// analyses), so staff see and amend what was saved instead of retyping it.
fn recorded_values(v: &IncidentView) -> Typed {
    use crate::domain::NoticeMeans;
    let r = &v.incident.record;
    let mut typed = Typed::default();
    if let Some(n) = &r.escalation_notice {
        typed.set("told", &n.told);
        typed.set("at", input_time(n.at));
        if let NoticeMeans::Other { description } = &n.means {
            typed.set("means", "other");
            typed.set("other_means", description);
        }
    }
    if let Some(c) = &r.root_cause {
        typed.set("root_cause", c);
    }
    if let Some(a) = &r.malware_analysis {
        typed.set("analysis", a);
    }
    if let Some(a) = &r.personal_data_notification_assessment {
        typed.set("assessment", a);
    }
    typed
}

/// The form's fields as the typed request reads them; a follow-up report's impact matrix
/// becomes its list of impacts (a cell holding anything but a severity counts as none, which
/// the action then refuses).
fn page_fields(kind: StageActionKind, pairs: &[(String, String)]) -> serde_json::Value {
    let mut fields = form_fields(pairs);
    if kind == StageActionKind::FollowUpReport {
        let impacts = impacts_from(&Typed::from_pairs(pairs)).unwrap_or_default();
        fields["impacts"] = serde_json::to_value(impacts).unwrap_or_default();
    }
    fields
}

/// A stage form: applied and back to the page, or the page again with what was typed and why
/// it was refused (422 for field errors, 409 when out of order).
pub(super) async fn act(
    State(state): State<AppState>,
    me: SignedIn,
    Path((id, name)): Path<(String, String)>,
    form: CsrfForm<AnyForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let kind = StageActionKind::parse(&name).ok_or(AppError::NotFound)?;
    let fields = page_fields(kind, &form.pairs);
    let parts = posted_parts(
        kind,
        carried_with(kind),
        &fields,
        &Typed::from_pairs(&form.pairs),
    );
    let policy = state.reminder_policy();
    let result = svc::act_together(&state.pool, me.acting(), id, parts, &policy).await;
    let t = me.ctx.t;
    let (status, errors, problem) = match result {
        Ok(_) => return Ok(Redirect::to(&format!("/incidents/{id}#timeline")).into_response()),
        Err(AppError::Invalid(errors)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            t.get("error.fix_fields").to_string(),
        ),
        Err(AppError::StageIncomplete(items)) => {
            let items: Vec<String> = items.iter().map(|b| t.text(b)).collect();
            let sentence = Text::key("error.stage_incomplete_with")
                .with("items", items.join(t.get("report.list_separator")));
            (
                StatusCode::CONFLICT,
                FieldErrors::default(),
                t.text(&sentence),
            )
        }
        Err(AppError::Conflict(key)) => (
            StatusCode::CONFLICT,
            FieldErrors::default(),
            t.get(&key).to_string(),
        ),
        Err(e) => return Err(e),
    };
    let v = svc::view(
        &state.pool,
        me.acting(),
        id,
        &state.reminder_policy(),
        TimelineWindow::Before(None),
    )
    .await?;
    let mut typed = Typed::from_pairs(&form.pairs);
    typed.set("form", name);
    let page = show_page(&me, v, typed, errors, Some(problem));
    Ok((status, render(&page)?).into_response())
}

#[cfg(test)]
mod tests {
    use crate::domain::StageActionKind;

    #[test]
    fn every_stage_action_has_a_title_in_the_catalog() {
        for k in StageActionKind::ALL {
            assert!(
                crate::i18n::catalog::lookup(k.title_key()).is_some(),
                "{k:?}"
            );
        }
    }
}
