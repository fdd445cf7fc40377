//! The level's review (審核), the competent authority's re-check (覆核), the relay of the result,
//! follow-up reports (續行通報) and the report extension (Regulations arts. 6–8).
//!
//! An incident is reviewed in *rounds*: the report opens round 0; each follow-up report that
//! changes its impacts or level opens the next round, which goes to the notified agency for
//! review again. In each round:
//! - the notified agency (受通報機關) reviews once, within 8 h (levels 1–2) or 2 h (levels 3–4)
//!   of receiving the report, the window following the level *as reported* (art. 7 I);
//! - it sends the result and its basis to the competent authority within 1 h (art. 7 II), a
//!   fact recorded when it happens;
//! - the competent authority may re-check (覆核) once and confirm or change the level, or review
//!   directly when the notified agency's result is late (art. 7 III); the re-check stands.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::super::agency::AgencyId;
use super::super::level::{Impact, IncidentLevel};
use super::Incident;

/// Who reviewed, in which capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    /// The notified agency's review (審核, art. 7 I).
    NotifiedAgency,
    /// The competent authority's re-check of that review (覆核, art. 7 III).
    Recheck,
    /// The competent authority reviewing directly because the notified agency's result is late
    /// (art. 7 III: 未於期限內審核者，主管機關得逕行審核).
    Direct,
}

impl ReviewKind {
    /// Who reviewed, in the procedure's words (審核, 覆核, 逕行審核).
    pub fn label(self) -> crate::i18n::Text {
        crate::i18n::Text::key(match self {
            ReviewKind::NotifiedAgency => "review.kind.notified_agency",
            ReviewKind::Recheck => "review.kind.recheck",
            ReviewKind::Direct => "review.kind.direct",
        })
    }
}

/// One review result, kept with every other (both the review and the re-check stand on record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelReview {
    pub kind: ReviewKind,
    /// The round it reviewed (0: the report; k: the k-th follow-up report).
    pub round: usize,
    pub at: DateTime<Utc>,
    pub agency: AgencyId,
    pub agency_name: String,
    pub by: String,
    pub from: IncidentLevel,
    pub to: IncidentLevel,
    pub reason: String,
}

/// The notified agency's result and its basis sent on to the competent authority (art. 7 II).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRelay {
    pub round: usize,
    pub at: DateTime<Utc>,
    pub basis: String,
    pub by: String,
}

/// A follow-up report (續行通報, art. 6 II): the reporting agency's change of impacts or level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpReport {
    pub at: DateTime<Utc>,
    pub impacts: Vec<Impact>,
    /// The level the new impacts amount to: what goes to review.
    pub level: IncidentLevel,
    pub reason: String,
    pub by: String,
}

/// A request to extend the investigation report's deadline and the notified agency's answer
/// (art. 8 III: 經受通報機關同意，得延長).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRequest {
    pub requested_at: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub reason: String,
    pub by: String,
    pub decision: Option<ExtensionDecision>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionDecision {
    pub at: DateTime<Utc>,
    pub consent: bool,
    pub comment: String,
    pub by: String,
    pub agency_name: String,
}

/// The report a round reviews: when the notified agency received it and the level it stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub index: usize,
    pub received_at: DateTime<Utc>,
    pub level_as_reported: IncidentLevel,
}

impl Incident {
    /// The round under review now: the latest follow-up report, or the report itself.
    pub fn review_round(&self) -> Round {
        match self.record.follow_ups.last() {
            Some(f) => Round {
                index: self.record.follow_ups.len(),
                received_at: f.at,
                level_as_reported: f.level,
            },
            None => Round {
                index: 0,
                received_at: self.reported_at,
                level_as_reported: self.proposed_level,
            },
        }
    }

    /// The review that settles the current round: the notified agency's, or the competent
    /// authority's direct one.
    pub fn round_review(&self) -> Option<&LevelReview> {
        let round = self.review_round().index;
        self.record
            .reviews
            .iter()
            .find(|r| r.round == round && r.kind != ReviewKind::Recheck)
    }

    /// The competent authority's re-check of the current round, if made.
    pub fn round_recheck(&self) -> Option<&LevelReview> {
        let round = self.review_round().index;
        self.record
            .reviews
            .iter()
            .find(|r| r.round == round && r.kind == ReviewKind::Recheck)
    }

    /// The relay of the current round's review to the competent authority, if made.
    pub fn round_relay(&self) -> Option<&ReviewRelay> {
        let round = self.review_round().index;
        self.record.review_relays.iter().find(|r| r.round == round)
    }

    /// When the current round was reviewed (`None` while it awaits review).
    pub fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.round_review().map(|r| r.at)
    }

    /// Whether a relay to the competent authority is owed for the current round: only for a
    /// review the notified agency made, when the notified agency is not the competent
    /// authority itself (nobody to relay to).
    pub fn relay_owed(&self) -> bool {
        !self.notified_agency_is_competent_authority()
            && self
                .round_review()
                .is_some_and(|r| r.kind == ReviewKind::NotifiedAgency)
    }

    /// The notified agency: the escalation target, or the competent authority for its own
    /// incidents.
    pub fn notified_agency(&self) -> AgencyId {
        self.escalation_target
            .unwrap_or(self.oversight.competent_authority)
    }

    /// The extension request awaiting the notified agency's answer, if any.
    pub fn pending_extension(&self) -> Option<&ExtensionRequest> {
        self.record
            .extension_requests
            .iter()
            .rev()
            .find(|r| r.decision.is_none())
    }

    /// The investigation report's date as extended with the notified agency's consent.
    pub fn report_extended_until(&self) -> Option<DateTime<Utc>> {
        self.record
            .extension_requests
            .iter()
            .filter(|r| r.decision.as_ref().is_some_and(|d| d.consent))
            .map(|r| r.until)
            .max()
    }
}

// ---- the actions ------------------------------------------------------------------------

use super::super::filing::check_impacts_fit_agency;
use super::super::input::{optional_text, required_text, FieldErrors};
use super::super::level::classify;
use super::super::notifications::Event;
use super::actions::{
    FollowUpReportInput, RelayReviewInput, ReportExtensionDecisionInput, ReportExtensionInput,
    ReviewInput,
};
use super::apply::{conflict, Change, Refusal};
use super::events::IncidentEvent;

impl Change<'_> {
    /// A review of the current round (art. 7): the notified agency's, once; then the competent
    /// authority's re-check, once, which stands; or the competent authority's direct review
    /// when the notified agency's is late. A change of level needs a reason.
    pub(super) fn review(&mut self, input: ReviewInput) -> Result<IncidentEvent, Refusal> {
        let i = &self.next;
        let kind = i
            .review_open_to(self.actor.agency, self.now)
            .map_err(conflict)?;
        let from = i.level;
        let to = input.level.0.unwrap_or(from);
        let reason = optional_text(&input.reason, 5_000, "reason")?;
        if to != from && reason.is_empty() {
            return Err(FieldErrors::one("reason", "error.reason_required").into());
        }
        let round = i.review_round().index;
        self.next.level = to;
        self.next.record.reviews.push(LevelReview {
            kind,
            round,
            at: self.now,
            agency: self.actor.agency,
            agency_name: self.actor.agency_name.clone(),
            by: self.actor.name.clone(),
            from,
            to,
            reason: reason.clone(),
        });
        if to != from {
            self.notices.push(Event::LevelChanged { from, to });
        }
        if kind == ReviewKind::Recheck {
            self.notices.push(Event::ReviewRechecked);
        }
        Ok(IncidentEvent::LevelReviewed {
            from: from.number(),
            to: to.number(),
            reason,
            reviewer_agency: self.actor.agency_name.clone(),
            kind: Some(kind),
            round,
        })
    }

    /// Art. 7 II: the notified agency sends its result and the basis to the competent authority
    /// within an hour. Recorded when it is done; owed only for the notified agency's own review
    /// and when it is not the competent authority itself.
    pub(super) fn relay_review(
        &mut self,
        input: RelayReviewInput,
    ) -> Result<IncidentEvent, Refusal> {
        let i = &self.next;
        if i.notified_agency_is_competent_authority() {
            return Err(conflict("error.no_relay_needed"));
        }
        if i.round_review()
            .is_none_or(|r| r.kind != ReviewKind::NotifiedAgency)
        {
            return Err(Refusal::OutOfStage(vec![
                super::super::stages::MissingItem::Review,
            ]));
        }
        if i.round_relay().is_some() {
            return Err(conflict("error.already_relayed"));
        }
        let relay = ReviewRelay {
            round: i.review_round().index,
            at: self.now,
            basis: required_text(&input.basis, 5_000, "basis")?,
            by: self.actor.name.clone(),
        };
        self.next.record.review_relays.push(relay.clone());
        self.notices.push(Event::ReviewRelayed);
        Ok(IncidentEvent::ReviewRelayed(relay))
    }

    /// Art. 6 II (續行通報): the reporting agency reports a change of impacts or level at any
    /// stage; the level the new impacts amount to goes to the notified agency for review again.
    /// The containment deadline follows the new level; the new review's window, the level as
    /// now reported.
    pub(super) fn report_follow_up(
        &mut self,
        input: FollowUpReportInput,
    ) -> Result<IncidentEvent, Refusal> {
        let mut errors = FieldErrors::default();
        let classification = classify(&input.impacts);
        if classification.is_err() {
            errors.add("impacts", "error.impacts_none");
        }
        if let Err(e) =
            check_impacts_fit_agency(&input.impacts, self.next.oversight.critical_infrastructure)
        {
            errors.0.extend(e.0);
        }
        let reason =
            required_text(&input.reason, 5_000, "reason").map_err(|e| errors.0.extend(e.0));
        let (Ok(c), Ok(reason), true) = (classification, reason, errors.is_empty()) else {
            return Err(errors.into());
        };
        let report = FollowUpReport {
            at: self.now,
            impacts: input.impacts,
            level: c.level,
            reason,
            by: self.actor.name.clone(),
        };
        self.next.level = c.level;
        self.next.record.follow_ups.push(report.clone());
        self.notices
            .push(Event::FollowUpReported { level: c.level });
        Ok(IncidentEvent::FollowUpReport(report))
    }

    /// Art. 8 III: the agency asks the notified agency to extend the investigation report's
    /// deadline, once its clock runs (damage control or recovery completed), to a date later
    /// than the one in force. One request at a time.
    pub(super) fn request_extension(
        &mut self,
        input: ReportExtensionInput,
    ) -> Result<IncidentEvent, Refusal> {
        let i = &self.next;
        if i.report_submitted_at.is_some() {
            return Err(conflict("error.report_already_submitted"));
        }
        let Some(due) = i
            .deadlines()
            .into_iter()
            .find(|d| d.kind == super::super::deadlines::DeadlineKind::InvestigationReport)
            .and_then(|d| d.due)
        else {
            return Err(conflict("error.report_clock_not_started"));
        };
        if i.pending_extension().is_some() {
            return Err(conflict("error.extension_pending"));
        }
        let until = input
            .until
            .ok_or_else(|| FieldErrors::one("until", "error.time_invalid"))?
            .0;
        if until <= due {
            return Err(FieldErrors::one("until", "error.extension_not_later").into());
        }
        let reason = required_text(&input.reason, 5_000, "reason")?;
        self.next.record.extension_requests.push(ExtensionRequest {
            requested_at: self.now,
            until,
            reason: reason.clone(),
            by: self.actor.name.clone(),
            decision: None,
        });
        self.notices.push(Event::ExtensionRequested);
        Ok(IncidentEvent::ReportExtensionRequested { until, reason })
    }

    /// Art. 8 III: the notified agency consents to the extension (the deadline moves) or refuses
    /// it (it does not); either way with who and when.
    pub(super) fn decide_extension(
        &mut self,
        input: ReportExtensionDecisionInput,
    ) -> Result<IncidentEvent, Refusal> {
        let consent = input
            .consent
            .ok_or_else(|| FieldErrors::one("consent", "error.choice_invalid"))?
            .0;
        let comment = optional_text(&input.comment, 5_000, "comment")?;
        if !consent && comment.is_empty() {
            return Err(FieldErrors::one("comment", "error.required").into());
        }
        let decision = ExtensionDecision {
            at: self.now,
            consent,
            comment: comment.clone(),
            by: self.actor.name.clone(),
            agency_name: self.actor.agency_name.clone(),
        };
        let request = self
            .next
            .record
            .extension_requests
            .iter_mut()
            .rev()
            .find(|r| r.decision.is_none())
            .ok_or_else(|| conflict("error.no_extension_pending"))?;
        request.decision = Some(decision);
        let until = request.until;
        self.notices.push(Event::ExtensionDecided { consent });
        Ok(IncidentEvent::ReportExtensionDecided {
            until,
            consent,
            comment,
            agency: self.actor.agency_name.clone(),
        })
    }
}

impl Incident {
    /// Which review `agency` (a reviewing agency the permission rules let review) may make of
    /// the current round now, or why none (a catalog key): the notified agency's, once; the
    /// competent authority's re-check once that is made; or its direct review once the notified
    /// agency is late (art. 7).
    pub fn review_open_to(
        &self,
        agency: AgencyId,
        now: DateTime<Utc>,
    ) -> Result<ReviewKind, &'static str> {
        if agency == self.notified_agency() {
            return match self.round_review() {
                None => Ok(ReviewKind::NotifiedAgency),
                Some(_) => Err("error.already_reviewed"),
            };
        }
        match (self.round_review(), self.round_recheck()) {
            (Some(_), Some(_)) => Err("error.already_rechecked"),
            (Some(_), None) => Ok(ReviewKind::Recheck),
            (None, _) if self.review_deadline_passed(now) => Ok(ReviewKind::Direct),
            (None, _) => Err("error.review_not_late"),
        }
    }

    /// Whether the current round's review window has passed without a review.
    pub fn review_deadline_passed(&self, now: DateTime<Utc>) -> bool {
        self.round_review().is_none()
            && self
                .deadlines()
                .iter()
                .find(|d| d.kind == super::super::deadlines::DeadlineKind::Review)
                .and_then(|d| d.due)
                .is_some_and(|due| now > due)
    }
}
