//! Incidents: filing, what an incident page shows, and every stage action. Each use case runs
//! in one transaction acting for the user (row-level security): it loads the aggregate, asks it
//! to apply the action, saves what it returns, appends the timeline events and tells whoever the
//! domain names. The rules themselves are all in `domain::incident`.

use chrono::{Datelike, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::db::{self, incidents::Summary, timeline};
use crate::domain::incident::story;
use crate::domain::notifications::Event;
use crate::domain::{
    self, Action, Applied, Deadline, FieldErrors, FilingInput, FollowUp, Incident, MissingItem,
    Placement, ReminderPolicy, StageAction, StageActionKind,
};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::access::{load_permitted, load_with_standing, oversight_of};
use crate::services::{denied, refused, Acting};

/// Whether this user may file for their agency (asked before looking at what they sent).
pub fn may_file(me: Acting<'_>) -> Result<(), AppError> {
    domain::may_file(&me.actor()).map_err(denied)
}

/// Whether this user may see the incident (else NotFound) and take `action` on it now (else
/// Forbidden), before anything they sent is read.
#[tracing::instrument(skip_all)]
pub async fn may_act(
    pool: &PgPool,
    me: Acting<'_>,
    id: Uuid,
    action: Action,
) -> Result<(), AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    load_permitted(&mut tx, me, id, action, false).await?;
    tx.commit().await?;
    Ok(())
}

/// Saves what the domain applied, appends its events and tells whoever must hear of it, on the
/// caller's transaction.
async fn record(
    conn: &mut PgConnection,
    me: Acting<'_>,
    applied: &Applied,
    policy: &ReminderPolicy,
    new: bool,
) -> Result<(), AppError> {
    let i = &applied.incident;
    let schedule = i.schedule(policy, Utc::now());
    if new {
        db::incidents::insert(conn, i, &schedule, me.user.id).await?;
    } else {
        db::incidents::save(conn, i, &schedule).await?;
    }
    for event in &applied.events {
        timeline::append_event(conn, i.id, i.agency, Some(&me.timeline_actor()), event).await?;
    }
    if !applied.notices.is_empty() {
        let detail = story::notice_detail(i, &applied.events, Utc::now());
        let detail = (join(Lang::ZhTw, &detail), join(Lang::En, &detail));
        for event in &applied.notices {
            notify(conn, i, *event, me, &detail).await?;
        }
    }
    crate::services::webhooks::queue_for_incident(
        conn,
        i,
        &applied.notices,
        &applied.events,
        schedule.next_due,
    )
    .await?;
    match &applied.follow_up {
        // The roster in force becomes the incident's team; later roster changes leave it be.
        Some(FollowUp::SnapshotTeam) => {
            crate::services::preparedness::snapshot_team(conn, i, me).await?
        }
        Some(FollowUp::HandToTracking(items)) => {
            for (index, item) in items {
                db::tracking::hand_over(conn, i.agency, i.id, *index, item).await?;
            }
        }
        None => {}
    }
    Ok(())
}

pub async fn file(
    pool: &PgPool,
    me: Acting<'_>,
    input: FilingInput,
    policy: &ReminderPolicy,
) -> Result<Incident, AppError> {
    file_with(pool, me, input, Vec::new(), policy).await
}

/// Files an incident and applies what the filing form carried (`next::FILED_WITH`: the notice
/// already given, completing the report stage) in the same transaction.
#[tracing::instrument(skip_all, fields(user = %me.user.id, carried = carried.len()))]
pub async fn file_with(
    pool: &PgPool,
    me: Acting<'_>,
    input: FilingInput,
    carried: Vec<(StageActionKind, Result<StageAction, FieldErrors>)>,
    policy: &ReminderPolicy,
) -> Result<Incident, AppError> {
    let now = Utc::now();
    may_file(me)?;
    let checked = domain::check_filing(&input, now, me.agency.critical_infrastructure).check();
    let carried = match (checked, all_or_errors(carried)) {
        (Ok(()), Ok(actions)) => actions,
        (Err(mut a), Err(b)) => {
            a.0.extend(b.0);
            return Err(AppError::Invalid(a));
        }
        (Err(e), _) | (_, Err(e)) => return Err(AppError::Invalid(e)),
    };
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let (oversight, standing) = oversight_of(&mut tx, me.user.agency_id).await?;
    let year = domain::to_taipei(now).year();
    let seq = db::incidents::next_sequence(&mut tx, me.user.agency_id, year).await?;
    let placement = Placement {
        id: Uuid::new_v4(),
        number: format!("{}-{}-{:04}", me.agency.code, year, seq),
        escalation_target: standing
            .escalation_target
            .as_ref()
            .map(|(t, _)| t.agency_id()),
        oversight,
    };
    let applied = Incident::file(&me.actor(), input, placement, now).map_err(refused)?;
    record(&mut tx, me, &applied, policy, true).await?;
    let i = apply_in_turn(&mut tx, me, applied.incident, carried, policy).await?;
    tx.commit().await?;
    tracing::info!(incident = %i.id, number = %i.number, level = i.level.number(), "incident filed");
    Ok(i)
}

/// Everything an incident page or API answer shows.
pub struct IncidentView {
    pub incident: Incident,
    /// The incident's agency's name (中文, English).
    pub agency_name: (String, String),
    pub deadlines: Vec<Deadline>,
    /// What the current stage still needs (empty when closed or complete).
    pub missing: Vec<MissingItem>,
    /// What the procedure recommends before the stage completes, without requiring it.
    pub recommended: Vec<MissingItem>,
    /// The stage actions this user may take now.
    pub allowed: Vec<StageActionKind>,
    /// What each allowed action's form carries for this user (`Incident::carried`).
    pub carries: Vec<(StageActionKind, Vec<StageActionKind>)>,
    /// The review this user may make of the current round now, if any.
    pub review_open: Option<domain::incident::review::ReviewKind>,
    /// L3/4's periodic reports and when the next of each is due.
    pub periodic: Vec<(domain::incident::ReminderKind, chrono::DateTime<Utc>)>,
    /// The agencies above the incident's, nearest first: (id, 中文, English).
    pub supervisors: Vec<(domain::AgencyId, String, String)>,
    /// The part of the timeline the window asked for, oldest first.
    pub timeline: Vec<(timeline::Entry, Option<String>)>,
    /// The window `timeline` was read through.
    pub window: TimelineWindow,
    /// Where the entries before `timeline` begin (`TimelineWindow::Before` it), if there are any.
    pub earlier: Option<i32>,
    /// The thread's messages (`story::THREAD_KINDS`), all of them whatever the window.
    pub thread: Vec<(timeline::Entry, Option<String>)>,
    pub escalation_target_name: Option<(String, String)>,
    /// Whether the agency has a roster its CISO agreed to (activation copies it; SPEC 4).
    pub roster_in_force: bool,
}

/// How much of the timeline a view carries: the incident page shows the newest entries a page at
/// a time (#16: a long timeline is not read whole for every view); the report and the API carry
/// all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineWindow {
    Whole,
    /// The newest `TIMELINE_PAGE` entries before this sequence number (the newest when `None`).
    Before(Option<i32>),
}

/// Timeline entries on one incident page.
pub const TIMELINE_PAGE: usize = 50;

#[tracing::instrument(skip_all, fields(incident = %id))]
pub async fn view(
    pool: &PgPool,
    me: Acting<'_>,
    id: Uuid,
    policy: &ReminderPolicy,
    window: TimelineWindow,
) -> Result<IncidentView, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let (incident, standing) = load_with_standing(&mut tx, id, false).await?;
    let actor = me.actor();
    incident.may(&actor, Action::ViewIncident).map_err(denied)?;
    let (timeline, earlier, thread) = read_timeline(&mut tx, id, window).await?;
    // The notified agency is the register's current one (in the standing already) unless the
    // incident is closed and kept the one it had.
    let target = match (incident.escalation_target, &standing.escalation_target) {
        (Some(t), Some((_, current))) if current.id == t => Some(current.clone()),
        (Some(t), _) => db::agencies::get(&mut tx, t).await?,
        (None, _) => None,
    };
    // Asked only where activation is still to come: it warns when there is nobody to copy.
    let roster_in_force = incident.record.team_activated
        || db::preparedness::current_team(&mut tx, incident.agency.0)
            .await?
            .is_some();
    tx.commit().await?;
    let now = Utc::now();
    let allowed = incident.permitted_actions(&actor);
    let review_open = incident
        .may(&actor, Action::ReviewLevel)
        .ok()
        .and_then(|_| incident.review_open_to(actor.agency, now).ok());
    let carries = allowed
        .iter()
        .map(|k| (*k, incident.carried(*k, &actor, review_open)))
        .filter(|(_, c)| !c.is_empty())
        .collect();
    Ok(IncidentView {
        roster_in_force,
        carries,
        deadlines: incident.deadlines(),
        missing: incident.missing_items(),
        recommended: incident
            .status
            .stage()
            .map(|s| domain::stages::recommendations(s, &incident))
            .unwrap_or_default(),
        review_open,
        periodic: incident.periodic_reports_due(policy),
        supervisors: standing
            .supervision_chain
            .iter()
            .map(|a| (a.id, a.name_zh.clone(), a.name_en.clone()))
            .collect(),
        allowed,
        agency_name: (
            standing.agency.name_zh.clone(),
            standing.agency.name_en.clone(),
        ),
        escalation_target_name: target.map(|a| (a.name_zh, a.name_en)),
        incident,
        timeline,
        window,
        earlier,
        thread,
    })
}

type Shown = Vec<(timeline::Entry, Option<String>)>;

/// The window's entries, where the earlier ones begin, and the whole thread.
async fn read_timeline(
    conn: &mut PgConnection,
    id: Uuid,
    window: TimelineWindow,
) -> Result<(Shown, Option<i32>, Shown), sqlx::Error> {
    let is_thread = |e: &timeline::Entry| story::THREAD_KINDS.contains(&e.kind.as_str());
    match window {
        TimelineWindow::Whole => {
            let all = timeline::for_incident(conn, id).await?;
            let thread = all.iter().filter(|(e, _)| is_thread(e)).cloned().collect();
            Ok((all, None, thread))
        }
        TimelineWindow::Before(before) => {
            // One more than a page tells whether there are earlier entries.
            let mut w =
                timeline::window_for_incident(conn, id, before, TIMELINE_PAGE as i64 + 1).await?;
            let earlier = (w.len() > TIMELINE_PAGE).then(|| {
                w.remove(0);
                w[0].0.seq
            });
            let thread = timeline::of_kinds_for_incident(conn, id, &story::THREAD_KINDS).await?;
            Ok((w, earlier, thread))
        }
    }
}

/// Applies a stage action. `action` is what the request's fields amounted to: permission is
/// judged before a malformed request is (403 before 422). Nothing is written unless all of it
/// succeeds.
pub async fn act(
    pool: &PgPool,
    me: Acting<'_>,
    id: Uuid,
    kind: StageActionKind,
    action: Result<StageAction, FieldErrors>,
    policy: &ReminderPolicy,
) -> Result<Incident, AppError> {
    act_together(pool, me, id, vec![(kind, action)], policy).await
}

/// Applies a form's action and what it carries (`next::carried_with`: the same sitting's
/// next steps, such as completing the stage) one after the other in one transaction: all of
/// them or none. Every part's field errors are reported together.
#[tracing::instrument(skip_all, fields(incident = %id, action = parts[0].0.name(), parts = parts.len()))]
pub async fn act_together(
    pool: &PgPool,
    me: Acting<'_>,
    id: Uuid,
    parts: Vec<(StageActionKind, Result<StageAction, FieldErrors>)>,
    policy: &ReminderPolicy,
) -> Result<Incident, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let first = parts.first().map(|(k, _)| *k).ok_or(AppError::NotFound)?;
    let incident = load_permitted(&mut tx, me, id, first.permission(), true).await?;
    let actions = all_or_errors(parts).map_err(AppError::Invalid)?;
    let incident = apply_in_turn(&mut tx, me, incident, actions, policy).await?;
    tx.commit().await?;
    Ok(incident)
}

/// The parts' actions, or every part's field errors together.
fn all_or_errors(
    parts: Vec<(StageActionKind, Result<StageAction, FieldErrors>)>,
) -> Result<Vec<StageAction>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut actions = Vec::new();
    for (_, action) in parts {
        match action {
            Ok(a) => actions.push(a),
            Err(e) => errors.0.extend(e.0),
        }
    }
    errors.check().map(|()| actions)
}

/// Applies `actions` one after the other, saving each, on the caller's transaction.
async fn apply_in_turn(
    conn: &mut PgConnection,
    me: Acting<'_>,
    mut incident: Incident,
    actions: Vec<StageAction>,
    policy: &ReminderPolicy,
) -> Result<Incident, AppError> {
    let kinds: Vec<StageActionKind> = actions.iter().map(StageAction::kind).collect();
    for (n, action) in actions.into_iter().enumerate() {
        let mut applied = incident
            .apply(&me.actor(), action, Utc::now())
            .map_err(refused)?;
        // "The stage is ready" is news only to someone who is not completing it right now.
        if kinds[n + 1..].contains(&StageActionKind::CompleteStage) {
            applied
                .notices
                .retain(|e| !matches!(e, Event::StageReady { .. }));
        }
        record(conn, me, &applied, policy, false).await?;
        incident = applied.incident;
    }
    Ok(incident)
}

/// The lines of a notice in one language, one per line.
fn join(t: Lang, lines: &[crate::i18n::Text]) -> String {
    lines
        .iter()
        .map(|l| t.text(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Tells whoever the domain says must hear about `event`, in the same transaction.
async fn notify(
    conn: &mut PgConnection,
    i: &Incident,
    event: Event,
    me: Acting<'_>,
    detail: &(String, String),
) -> Result<(), AppError> {
    let recipients = domain::notifications::recipients(
        event,
        i.agency,
        i.escalation_target,
        i.oversight.competent_authority,
    );
    db::notifications::notify(
        conn,
        &recipients,
        i.id,
        &i.number,
        event.kind(),
        detail,
        me.user.id,
    )
    .await?;
    Ok(())
}

/// Lists for the pages and the API.
#[tracing::instrument(skip_all)]
pub async fn list_own(
    pool: &PgPool,
    me: Acting<'_>,
    filter: &db::incidents::ListFilter,
    page: db::PageRequest,
) -> Result<(Vec<Summary>, i64), AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let out = db::incidents::list_for_agency(
        &mut tx,
        me.user.agency_id,
        filter,
        page.offset(),
        page.limit(),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// The incidents of the agencies below the user's: a reviewer's view of what their agency
/// supervises (the competent authority: every other agency's).
#[tracing::instrument(skip_all)]
pub async fn list_below(
    pool: &PgPool,
    me: Acting<'_>,
    filter: &db::incidents::ListFilter,
    page: db::PageRequest,
) -> Result<(Vec<Summary>, i64), AppError> {
    domain::may_portal(&me.actor(), domain::PortalAction::SeeSubordinatesIncidents)
        .map_err(denied)?;
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let scope = crate::services::access::visible_agencies(&mut tx, me).await?;
    let out = db::incidents::list_below(
        &mut tx,
        me.user.agency_id,
        &scope,
        filter,
        page.offset(),
        page.limit(),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

#[tracing::instrument(skip_all)]
pub async fn review_queue(
    pool: &PgPool,
    me: Acting<'_>,
    page: db::PageRequest,
) -> Result<Vec<Summary>, AppError> {
    domain::may_portal(&me.actor(), domain::PortalAction::SeeReviewQueue).map_err(denied)?;
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let ca = me.actor().agency_is_competent_authority;
    let out =
        db::incidents::review_queue(&mut tx, me.user.agency_id, ca, page.offset(), page.limit())
            .await?;
    tx.commit().await?;
    Ok(out)
}

#[tracing::instrument(skip_all)]
pub async fn major_board(
    pool: &PgPool,
    me: Acting<'_>,
    page: db::PageRequest,
) -> Result<Vec<Summary>, AppError> {
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let out =
        db::incidents::major_board(&mut tx, me.user.agency_id, page.offset(), page.limit()).await?;
    tx.commit().await?;
    Ok(out)
}

#[tracing::instrument(skip_all)]
pub async fn awaiting_commander(pool: &PgPool, me: Acting<'_>) -> Result<Vec<Summary>, AppError> {
    domain::may_portal(&me.actor(), domain::PortalAction::SeeCommanderQueue).map_err(denied)?;
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let out = db::incidents::awaiting_commander(&mut tx, me.user.agency_id).await?;
    tx.commit().await?;
    Ok(out)
}
