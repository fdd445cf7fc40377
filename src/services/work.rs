//! The home page's work: what the signed-in user must do now, every open incident of their
//! agency with who acts next and its nearest deadline, and for reviewers and commanders the
//! queues that wait on them. What is owed and by whom is the domain's to say
//! (`domain::incident::next`).

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::db::{self, incidents::Summary, PageRequest};
use crate::domain::incident::next::NextStep;
use crate::domain::{self, Deadline, Incident, PortalAction};
use crate::error::AppError;
use crate::services::{access, incidents, Acting};

/// How many open incidents the home page lists (the incident list pages through the rest).
const OPEN_ON_HOME: i64 = 50;

/// One open incident of the user's agency.
pub struct OpenIncident {
    pub incident: Incident,
    /// What the procedure waits for next, and from whom.
    pub next: Option<NextStep>,
    /// The steps this user may take on it now.
    pub mine: Vec<NextStep>,
    pub nearest_deadline: Option<Deadline>,
}

pub struct MyWork {
    pub now: DateTime<Utc>,
    pub open: Vec<OpenIncident>,
    /// Reviews waiting on the user's agency (reviewers only).
    pub reviews: Option<Vec<Summary>>,
    /// Level-3/4 incidents below (reviewers only).
    pub board: Option<Vec<Summary>>,
    /// Root-cause reports waiting for the commander's decision (commanders only).
    pub decisions: Option<Vec<Summary>>,
    /// Level-3/4 incidents below on which this reviewer has a step besides the review, which
    /// has its own queue (the relay, the Office of Homeland Security, an extension).
    pub supervised: Vec<OpenIncident>,
}

impl MyWork {
    /// The incidents on which this user has a step to take now.
    pub fn to_do(&self) -> impl Iterator<Item = (&OpenIncident, &NextStep)> {
        self.open
            .iter()
            .chain(&self.supervised)
            .flat_map(|o| o.mine.iter().map(move |s| (o, s)))
    }
}

#[tracing::instrument(skip_all)]
pub async fn my_work(pool: &PgPool, me: Acting<'_>) -> Result<MyWork, AppError> {
    let actor = me.actor();
    let now = Utc::now();
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let incidents = access::load_open_of_agency(&mut tx, actor.agency, OPEN_ON_HOME).await?;
    tx.commit().await?;
    let open: Vec<OpenIncident> = incidents
        .into_iter()
        .map(|incident| OpenIncident {
            next: incident.next_step(),
            mine: incident.my_steps(&actor, now),
            nearest_deadline: incident.nearest_deadline(now),
            incident,
        })
        .collect();
    let first_page = PageRequest::new(None, 10);
    let reviewer = domain::may_portal(&actor, PortalAction::SeeReviewQueue).is_ok();
    let (reviews, board) = if reviewer {
        (
            Some(incidents::review_queue(pool, me, first_page).await?),
            Some(incidents::major_board(pool, me, first_page).await?),
        )
    } else {
        (None, None)
    };
    let supervised = supervised_steps(pool, me, board.as_deref().unwrap_or_default(), now).await?;
    // A decision already among the user's own steps is listed once, there.
    let decisions = if domain::may_portal(&actor, PortalAction::SeeCommanderQueue).is_ok() {
        let mut waiting = incidents::awaiting_commander(pool, me).await?;
        waiting.retain(|s| {
            !open.iter().any(|o: &OpenIncident| {
                o.incident.id == s.id
                    && o.mine
                        .iter()
                        .any(|m| m.action == domain::StageActionKind::Decide)
            })
        });
        (!waiting.is_empty()).then_some(waiting)
    } else {
        None
    };
    Ok(MyWork {
        now,
        open,
        reviews,
        board,
        decisions,
        supervised,
    })
}

/// The board's incidents on which this reviewer has a step of their own now, other than the
/// review (listed in the review queue already).
async fn supervised_steps(
    pool: &PgPool,
    me: Acting<'_>,
    board: &[Summary],
    now: DateTime<Utc>,
) -> Result<Vec<OpenIncident>, AppError> {
    if board.is_empty() {
        return Ok(Vec::new());
    }
    let actor = me.actor();
    let mut tx = db::begin_as(pool, me.user.id).await?;
    let mut out = Vec::new();
    for s in board {
        let incident = access::load(&mut tx, s.id, false).await?;
        let mine: Vec<NextStep> = incident
            .my_steps(&actor, now)
            .into_iter()
            .filter(|m| m.action != domain::StageActionKind::Review)
            .collect();
        if !mine.is_empty() {
            out.push(OpenIncident {
                next: incident.next_step(),
                nearest_deadline: incident.nearest_deadline(now),
                mine,
                incident,
            });
        }
    }
    tx.commit().await?;
    Ok(out)
}
