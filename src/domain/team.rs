//! The notification and response team (通報應變小組, SPEC 4 and 表一 of the
//! procedure) and its peacetime drills (演練, 資通安全事件通報應變及演練辦法
//! 第10條).
//!
//! The team is standing: each agency keeps a roster before anything happens,
//! so that when an incident comes the people and their after-hours numbers
//! are already known. The composition in 表一 is a recommendation; the agency
//! may adjust it with its CISO's (資通安全長) agreement (point 2: "各機關得以
//! 現有分組為基礎，依各機關編制及業務分工，經機關資通安全長同意後調整通報應變
//! 小組組成及各分組代表"), so a roster change is a *proposal* the CISO agrees
//! to or returns ([`decide`]) — 同意, never 核定 — and a position left empty is
//! information for the CISO ([`unfilled_positions`]), not an error.
//!
//! Where the brief and SPEC are silent we chose:
//! - An `after_hours` contact that is not a well-formed phone number is not
//!   its own problem (agencies write things like "同上" there), but it does
//!   not count as a way to reach the member either.
//! - The same (position, name) twice in one roster is a problem: a version's
//!   diff matches members by that pair, and a duplicate is a typing slip.
//! - Blank participant or follow-up lines of a drill are problems, not
//!   silently dropped: callers split their text areas and drop empty lines.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

use super::level::{AssetClass, Impact, ImpactKind};
use super::roles::Role;
use crate::i18n::Text;

/// The longest member name we keep.
pub const NAME_MAX: usize = 100;
/// The longest phone, e-mail, after-hours or organisation text we keep.
pub const FIELD_MAX: usize = 200;
/// A phone number has at least this many digits (a short extension-only
/// number cannot be dialled from outside)...
pub const PHONE_DIGITS_MIN: usize = 6;
/// ...and at most this many (international number plus extension).
pub const PHONE_DIGITS_MAX: usize = 20;
/// The longest reason for returning a proposal, or remark on agreeing to it.
pub const DECISION_TEXT_MAX: usize = 2000;
/// The longest drill scenario.
pub const SCENARIO_MAX: usize = 2000;
/// The longest participant entry of a drill.
pub const PARTICIPANT_MAX: usize = 200;
/// The longest findings text of a drill.
pub const FINDINGS_MAX: usize = 10_000;
/// The longest follow-up item of a drill.
pub const FOLLOW_UP_MAX: usize = 500;
/// The most follow-up items one drill record carries.
pub const FOLLOW_UPS_MAX: usize = 50;

/// Lengths are counted in characters, not bytes: a Chinese name of three
/// characters is three long, as the user counts it.
fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// A seat of the team (表一), in the order the procedure lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    Commander,
    PressOfficer,
    ExecutiveSecretary,
    IntelPlanning,
    ResponseExecution,
    Logistics,
    FinanceAdmin,
}

impl Position {
    pub const ALL: [Position; 7] = [
        Position::Commander,
        Position::PressOfficer,
        Position::ExecutiveSecretary,
        Position::IntelPlanning,
        Position::ResponseExecution,
        Position::Logistics,
        Position::FinanceAdmin,
    ];

    /// The name stored in the database; the same as the matching [`Role`].
    pub fn as_str(self) -> &'static str {
        match self {
            Position::Commander => "commander",
            Position::PressOfficer => "press_officer",
            Position::ExecutiveSecretary => "executive_secretary",
            Position::IntelPlanning => "intel_planning",
            Position::ResponseExecution => "response_execution",
            Position::Logistics => "logistics",
            Position::FinanceAdmin => "finance_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Position> {
        Position::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> Text {
        match self {
            Position::Commander => Text::key("team.position.commander"),
            Position::PressOfficer => Text::key("team.position.press_officer"),
            Position::ExecutiveSecretary => Text::key("team.position.executive_secretary"),
            Position::IntelPlanning => Text::key("team.position.intel_planning"),
            Position::ResponseExecution => Text::key("team.position.response_execution"),
            Position::Logistics => Text::key("team.position.logistics"),
            Position::FinanceAdmin => Text::key("team.position.finance_admin"),
        }
    }

    /// What the seat does, in one sentence (SPEC 4, from 表一).
    pub fn duty(self) -> Text {
        match self {
            Position::Commander => Text::key("team.duty.commander"),
            Position::PressOfficer => Text::key("team.duty.press_officer"),
            Position::ExecutiveSecretary => Text::key("team.duty.executive_secretary"),
            Position::IntelPlanning => Text::key("team.duty.intel_planning"),
            Position::ResponseExecution => Text::key("team.duty.response_execution"),
            Position::Logistics => Text::key("team.duty.logistics"),
            Position::FinanceAdmin => Text::key("team.duty.finance_admin"),
        }
    }

    /// Seats the procedure fills only when the incident calls for them
    /// (新聞官 "視需要", 財務行政組 "as needed"): an empty one is normal.
    pub fn as_needed(self) -> bool {
        matches!(self, Position::PressOfficer | Position::FinanceAdmin)
    }

    /// The portal role a user holding this seat acts in.
    pub fn role(self) -> Role {
        match self {
            Position::Commander => Role::Commander,
            Position::PressOfficer => Role::PressOfficer,
            Position::ExecutiveSecretary => Role::ExecutiveSecretary,
            Position::IntelPlanning => Role::IntelPlanning,
            Position::ResponseExecution => Role::ResponseExecution,
            Position::Logistics => Role::Logistics,
            Position::FinanceAdmin => Role::FinanceAdmin,
        }
    }
}

/// One person on the roster. `user_id` links the agency's own users;
/// `organisation` names where an outside person comes from (a vendor, an
/// outside expert, the superior agency), because at 3 a.m. "who is this and
/// whom do they answer to" matters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RosterMember {
    pub position: Position,
    pub name: String,
    pub user_id: Option<Uuid>,
    pub organisation: Option<String>,
    pub phone: String,
    pub email: String,
    /// 非上班時間聯絡方式: a phone number reachable out of office hours.
    pub after_hours: String,
    /// 代理人: stands in for the holder of the seat.
    pub deputy: bool,
}

/// A field of a roster member, for messages and diffs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberField {
    Name,
    UserAccount,
    Organisation,
    Phone,
    Email,
    AfterHours,
    Deputy,
}

impl MemberField {
    pub const ALL: [MemberField; 7] = [
        MemberField::Name,
        MemberField::UserAccount,
        MemberField::Organisation,
        MemberField::Phone,
        MemberField::Email,
        MemberField::AfterHours,
        MemberField::Deputy,
    ];

    /// The form field name.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberField::Name => "name",
            MemberField::UserAccount => "user_id",
            MemberField::Organisation => "organisation",
            MemberField::Phone => "phone",
            MemberField::Email => "email",
            MemberField::AfterHours => "after_hours",
            MemberField::Deputy => "deputy",
        }
    }

    pub fn parse(s: &str) -> Option<MemberField> {
        MemberField::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The field's name as a sentence names it ("The phone is required.").
    pub fn label(self) -> Text {
        match self {
            MemberField::Name => Text::key("team.member_field.name"),
            MemberField::UserAccount => Text::key("team.member_field.user_id"),
            MemberField::Organisation => Text::key("team.member_field.organisation"),
            MemberField::Phone => Text::key("team.member_field.phone"),
            MemberField::Email => Text::key("team.member_field.email"),
            MemberField::AfterHours => Text::key("team.member_field.after_hours"),
            MemberField::Deputy => Text::key("team.member_field.deputy"),
        }
    }

    /// What a well-formed value of a contact field is, for [`MemberProblem`]'s `Display`.
    fn format_name(self) -> &'static str {
        if self == MemberField::Email {
            "e-mail address"
        } else {
            "phone number"
        }
    }
}

impl std::fmt::Display for MemberField {
    /// The form field name, as [`MemberField::as_str`].
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is wrong with one roster member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum MemberProblem {
    #[error("the {field} is required")]
    Required { field: MemberField },
    #[error("the {field} is longer than {max} characters")]
    TooLong { field: MemberField, max: usize },
    #[error("the {field} is not a well-formed {}", .field.format_name())]
    Malformed { field: MemberField },
    /// None of phone, e-mail and after-hours is usable: the member could not
    /// be reached during an incident.
    #[error(
        "no usable contact (phone, e-mail or after-hours phone): the member cannot be reached"
    )]
    NoReachableContact,
    /// Not one of the agency's users, so we must know where they come from.
    #[error("an outside member (no portal account) must name their organisation")]
    OutsideWithoutOrganisation,
    /// Same position and name as the member at `first` (from 0): versions
    /// are compared by that pair, so it must be unique. Only
    /// [`check_roster`] reports it.
    #[error("same position and name as member {}", .first + 1)]
    Duplicate { first: usize },
}

impl MemberProblem {
    /// The form field the problem belongs to.
    pub fn field(self) -> MemberField {
        match self {
            MemberProblem::Required { field }
            | MemberProblem::TooLong { field, .. }
            | MemberProblem::Malformed { field } => field,
            MemberProblem::NoReachableContact => MemberField::Phone,
            MemberProblem::OutsideWithoutOrganisation => MemberField::Organisation,
            MemberProblem::Duplicate { .. } => MemberField::Name,
        }
    }

    pub fn message(&self) -> Text {
        match *self {
            MemberProblem::Required { field } => {
                Text::key("team.member.required").with("field", field.label())
            }
            MemberProblem::TooLong { field, max } => Text::key("team.member.too_long")
                .with("field", field.label())
                .with("max", max),
            MemberProblem::Malformed { field } => {
                if field == MemberField::Email {
                    Text::key("team.member.malformed_email").with("field", field.label())
                } else {
                    Text::key("team.member.malformed_phone")
                        .with("field", field.label())
                        .with("min", PHONE_DIGITS_MIN)
                        .with("max", PHONE_DIGITS_MAX)
                }
            }
            MemberProblem::NoReachableContact => Text::key("team.member.no_reachable_contact"),
            MemberProblem::OutsideWithoutOrganisation => {
                Text::key("team.member.outside_without_organisation")
            }
            MemberProblem::Duplicate { first } => {
                Text::key("team.member.duplicate").with("first", first + 1)
            }
        }
    }
}

/// Whether `s` is a phone number we can dial: digits with an optional
/// leading `+`, spaces, hyphens, balanced parentheses and one `#` followed
/// by the extension's digits; 6–20 digits in all.
pub fn phone_is_well_formed(s: &str) -> bool {
    let s = s.trim();
    let body = s.strip_prefix('+').unwrap_or(s);
    let (main, extension) = match body.split_once('#') {
        Some((main, ext)) => (main, Some(ext.trim())),
        None => (body, None),
    };
    if let Some(ext) = extension {
        if ext.is_empty() || !ext.chars().all(|c| c.is_ascii_digit()) {
            return false;
        }
    }
    let mut depth = 0u32;
    let mut main_digits = 0usize;
    for c in main.chars() {
        match c {
            '0'..='9' => main_digits += 1,
            ' ' | '-' => {}
            '(' if depth == 0 => depth = 1,
            ')' if depth == 1 => depth = 0,
            _ => return false,
        }
    }
    if depth != 0 || main_digits == 0 {
        return false;
    }
    let digits = main_digits + extension.map_or(0, str::len);
    (PHONE_DIGITS_MIN..=PHONE_DIGITS_MAX).contains(&digits)
}

/// Whether `s` looks like an e-mail address: one `@`, a non-empty local
/// part, a domain of at least two non-empty dot-separated labels, and no
/// whitespace or control characters. Deliverability is the mail server's
/// business; this catches typing slips.
pub fn email_is_well_formed(s: &str) -> bool {
    let s = s.trim();
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    if local.is_empty() || domain.contains('@') {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2 && labels.iter().all(|l| !l.is_empty())
}

/// Every problem of one member, in form order.
pub fn check_member(m: &RosterMember) -> Vec<MemberProblem> {
    let mut problems = Vec::new();

    let name = m.name.trim();
    if name.is_empty() {
        problems.push(MemberProblem::Required {
            field: MemberField::Name,
        });
    } else if char_len(name) > NAME_MAX {
        problems.push(MemberProblem::TooLong {
            field: MemberField::Name,
            max: NAME_MAX,
        });
    }

    let organisation = m.organisation.as_deref().map(str::trim).unwrap_or("");
    if char_len(organisation) > FIELD_MAX {
        problems.push(MemberProblem::TooLong {
            field: MemberField::Organisation,
            max: FIELD_MAX,
        });
    } else if m.user_id.is_none() && organisation.is_empty() {
        problems.push(MemberProblem::OutsideWithoutOrganisation);
    }

    // (field, value, whether it is well formed, whether malformed is its own problem)
    let contacts = [
        (MemberField::Phone, m.phone.trim(), true),
        (MemberField::Email, m.email.trim(), true),
        (MemberField::AfterHours, m.after_hours.trim(), false),
    ];
    let mut reachable = false;
    for (field, value, report_malformed) in contacts {
        if value.is_empty() {
            continue;
        }
        if char_len(value) > FIELD_MAX {
            problems.push(MemberProblem::TooLong {
                field,
                max: FIELD_MAX,
            });
            continue;
        }
        let ok = if field == MemberField::Email {
            email_is_well_formed(value)
        } else {
            phone_is_well_formed(value)
        };
        if ok {
            reachable = true;
        } else if report_malformed {
            problems.push(MemberProblem::Malformed { field });
        }
    }
    if !reachable {
        problems.push(MemberProblem::NoReachableContact);
    }
    problems
}

/// The key a member is known by across versions: position and trimmed name.
fn member_key(m: &RosterMember) -> (Position, &str) {
    (m.position, m.name.trim())
}

/// Every member's problems, with the member's index (from 0): its own
/// ([`check_member`]) and [`MemberProblem::Duplicate`] when an earlier member
/// has the same position and name. An empty roster gives no member problems;
/// [`roster_problems`] reports it.
pub fn check_roster(members: &[RosterMember]) -> Vec<(usize, MemberProblem)> {
    let mut problems = Vec::new();
    for (index, m) in members.iter().enumerate() {
        problems.extend(check_member(m).into_iter().map(|p| (index, p)));
        if m.name.trim().is_empty() {
            continue;
        }
        if let Some(first) = members[..index]
            .iter()
            .position(|o| member_key(o) == member_key(m))
        {
            problems.push((index, MemberProblem::Duplicate { first }));
        }
    }
    problems
}

/// What blocks saving a roster, the roster as a whole included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RosterProblem {
    /// A team of nobody cannot respond to anything.
    #[error("the roster has no members")]
    Empty,
    /// `index` is the member's position in the list, from 0.
    #[error("member {}: {problem}", .index + 1)]
    Member {
        index: usize,
        problem: MemberProblem,
    },
}

impl RosterProblem {
    /// Members are numbered from 1 in messages, as on the page.
    pub fn message(&self) -> Text {
        match self {
            RosterProblem::Empty => Text::key("team.roster.empty"),
            RosterProblem::Member { index, problem } => Text::key("team.roster.member_problem")
                .with("index", index + 1)
                .with("problem", problem.message()),
        }
    }
}

/// Everything that blocks saving the roster: [`RosterProblem::Empty`], or
/// [`check_roster`]'s member problems.
pub fn roster_problems(members: &[RosterMember]) -> Vec<RosterProblem> {
    if members.is_empty() {
        return vec![RosterProblem::Empty];
    }
    check_roster(members)
        .into_iter()
        .map(|(index, problem)| RosterProblem::Member { index, problem })
        .collect()
}

/// Recommended seats (not [`Position::as_needed`]) that no non-deputy
/// member holds. Shown to the CISO, who may agree to a composition without
/// them; it never blocks saving.
pub fn unfilled_positions(members: &[RosterMember]) -> Vec<Position> {
    Position::ALL
        .into_iter()
        .filter(|p| !p.as_needed())
        .filter(|p| !members.iter().any(|m| m.position == *p && !m.deputy))
        .collect()
}

/// A proposed roster version, awaiting the CISO (資通安全長). The stored
/// names are `proposed`, `approved`, `rejected`; the CISO's word is 同意
/// (agrees to, point 2) and the labels say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// 待資通安全長同意.
    Proposed,
    /// 資通安全長已同意: the version is in force.
    Approved,
    /// Returned (退回) with a reason.
    Rejected,
}

impl ProposalStatus {
    pub const ALL: [ProposalStatus; 3] = [
        ProposalStatus::Proposed,
        ProposalStatus::Approved,
        ProposalStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Proposed => "proposed",
            ProposalStatus::Approved => "approved",
            ProposalStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<ProposalStatus> {
        ProposalStatus::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> Text {
        match self {
            ProposalStatus::Proposed => Text::key("team.proposal.proposed"),
            ProposalStatus::Approved => Text::key("team.proposal.approved"),
            ProposalStatus::Rejected => Text::key("team.proposal.rejected"),
        }
    }
}

/// Why a decision on a proposal cannot be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum DecisionError {
    /// Decisions are final; a new proposal is the way to change course.
    #[error("the proposal was already decided ({})", .status.as_str())]
    AlreadyDecided { status: ProposalStatus },
    /// The proposer must learn why, to propose something better.
    #[error("a rejection needs a reason")]
    ReasonRequired,
    #[error("the reason is longer than {max} characters")]
    ReasonTooLong { max: usize },
    #[error("the remark is longer than {max} characters")]
    RemarkTooLong { max: usize },
}

impl DecisionError {
    pub fn message(&self) -> Text {
        match *self {
            DecisionError::AlreadyDecided { status } => {
                Text::key("team.decision.already_decided").with("status", status.label())
            }
            DecisionError::ReasonRequired => Text::key("team.decision.reason_required"),
            DecisionError::ReasonTooLong { max } => {
                Text::key("team.decision.reason_too_long").with("max", max)
            }
            DecisionError::RemarkTooLong { max } => {
                Text::key("team.decision.remark_too_long").with("max", max)
            }
        }
    }
}

/// The CISO's decision on a proposed composition: agree (同意, point 2:
/// "經機關資通安全長同意後調整", `approve` true) or return it. Only a proposal
/// still [`ProposalStatus::Proposed`] can be decided; returning it needs a
/// reason (up to 2000 characters), agreeing may carry an optional remark of
/// the same length.
pub fn decide(
    status: ProposalStatus,
    approve: bool,
    reason: &str,
) -> Result<ProposalStatus, DecisionError> {
    if status != ProposalStatus::Proposed {
        return Err(DecisionError::AlreadyDecided { status });
    }
    let reason = reason.trim();
    let too_long = char_len(reason) > DECISION_TEXT_MAX;
    if approve {
        if too_long {
            return Err(DecisionError::RemarkTooLong {
                max: DECISION_TEXT_MAX,
            });
        }
        Ok(ProposalStatus::Approved)
    } else {
        if reason.is_empty() {
            return Err(DecisionError::ReasonRequired);
        }
        if too_long {
            return Err(DecisionError::ReasonTooLong {
                max: DECISION_TEXT_MAX,
            });
        }
        Ok(ProposalStatus::Rejected)
    }
}

/// One difference between two roster versions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum RosterChange {
    Added {
        member: RosterMember,
    },
    Removed {
        member: RosterMember,
    },
    /// Same position and name; `fields` lists what differs, in form order.
    Changed {
        before: RosterMember,
        after: RosterMember,
        fields: Vec<MemberField>,
    },
}

impl RosterChange {
    /// The member as it is after the change (or was, if removed).
    pub fn member(&self) -> &RosterMember {
        match self {
            RosterChange::Added { member } | RosterChange::Removed { member } => member,
            RosterChange::Changed { after, .. } => after,
        }
    }

    /// One line for the version's diff, e.g. "新增 事件指揮官 王小明（代理人）".
    pub fn description(&self) -> Text {
        fn who(m: &RosterMember) -> Text {
            let key = if m.deputy {
                "team.change.who_deputy"
            } else {
                "team.change.who"
            };
            Text::key(key)
                .with("position", m.position.label())
                .with("name", m.name.trim())
        }
        match self {
            RosterChange::Added { member } => {
                Text::key("team.change.added").with("who", who(member))
            }
            RosterChange::Removed { member } => {
                Text::key("team.change.removed").with("who", who(member))
            }
            RosterChange::Changed { before, fields, .. } => Text::key("team.change.changed")
                .with("who", who(before))
                .with("fields", list(fields.iter().map(|f| f.label()).collect())),
        }
    }
}

/// Texts as one list, "電話、代理人" / "phone, deputy" (an empty list is empty).
fn list(mut items: Vec<Text>) -> Text {
    let Some(last) = items.pop() else {
        return Text::key("agency.none");
    };
    items.into_iter().rev().fold(last, |rest, first| {
        Text::key("team.list.pair")
            .with("first", first)
            .with("rest", rest)
    })
}

/// Which fields differ between two versions of the same member.
fn changed_fields(a: &RosterMember, b: &RosterMember) -> Vec<MemberField> {
    let norm = |o: &Option<String>| o.as_deref().map(str::trim).unwrap_or("").to_owned();
    let mut fields = Vec::new();
    if a.user_id != b.user_id {
        fields.push(MemberField::UserAccount);
    }
    if norm(&a.organisation) != norm(&b.organisation) {
        fields.push(MemberField::Organisation);
    }
    if a.phone.trim() != b.phone.trim() {
        fields.push(MemberField::Phone);
    }
    if a.email.trim() != b.email.trim() {
        fields.push(MemberField::Email);
    }
    if a.after_hours.trim() != b.after_hours.trim() {
        fields.push(MemberField::AfterHours);
    }
    if a.deputy != b.deputy {
        fields.push(MemberField::Deputy);
    }
    fields
}

/// The differences from `before` to `after`, members matched by (position,
/// trimmed name); a renamed or moved member is a removal plus an addition.
/// Repeated keys are paired in order. Sorted by position (表一 order), then
/// as they appear.
pub fn roster_changes(before: &[RosterMember], after: &[RosterMember]) -> Vec<RosterChange> {
    let mut used = vec![false; before.len()];
    let mut changes = Vec::new();
    for a in after {
        let matched = before
            .iter()
            .enumerate()
            .find(|(i, b)| !used[*i] && member_key(b) == member_key(a))
            .map(|(i, _)| i);
        match matched {
            Some(i) => {
                used[i] = true;
                let fields = changed_fields(&before[i], a);
                if !fields.is_empty() {
                    changes.push(RosterChange::Changed {
                        before: before[i].clone(),
                        after: a.clone(),
                        fields,
                    });
                }
            }
            None => changes.push(RosterChange::Added { member: a.clone() }),
        }
    }
    for (i, b) in before.iter().enumerate() {
        if !used[i] {
            changes.push(RosterChange::Removed { member: b.clone() });
        }
    }
    // Stable: within a position, additions and changes keep `after` order,
    // removals come last.
    changes.sort_by_key(|c| c.member().position);
    changes
}

/// The drills of art. 10 of 資通安全事件通報應變及演練辦法.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrillKind {
    /// 通報應變演練: once a year.
    NotificationResponse,
    /// 社交工程演練: every six months.
    SocialEngineering,
}

impl DrillKind {
    pub const ALL: [DrillKind; 2] = [
        DrillKind::NotificationResponse,
        DrillKind::SocialEngineering,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DrillKind::NotificationResponse => "notification_response",
            DrillKind::SocialEngineering => "social_engineering",
        }
    }

    pub fn parse(s: &str) -> Option<DrillKind> {
        DrillKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> Text {
        match self {
            DrillKind::NotificationResponse => Text::key("drill.kind.notification_response"),
            DrillKind::SocialEngineering => Text::key("drill.kind.social_engineering"),
        }
    }

    /// The name inside a sentence ("The next social-engineering drill is due by …").
    fn in_sentence(self) -> Text {
        match self {
            DrillKind::NotificationResponse => {
                Text::key("drill.kind_in_sentence.notification_response")
            }
            DrillKind::SocialEngineering => Text::key("drill.kind_in_sentence.social_engineering"),
        }
    }

    /// Art. 10: every year, and every six months.
    pub fn default_period_months(self) -> u32 {
        match self {
            DrillKind::NotificationResponse => 12,
            DrillKind::SocialEngineering => 6,
        }
    }
}

/// Art. 10: drill results go to the competent authority within 1 month of
/// the drill (calendar month, clamped to the month's end).
pub fn drill_results_due_on(held_on: NaiveDate) -> NaiveDate {
    plus_months(held_on, 1)
}

/// The longest period the portal may be configured to between notification
/// and response drills: art. 10 asks for one every year, so an agency may
/// drill more often, never less.
pub const MAX_NOTIFICATION_DRILL_PERIOD_MONTHS: u32 = 12;

/// Why a configured drill period cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum DrillPeriodError {
    #[error(
        "a drill period of {given} months exceeds the Regulations' maximum of {max} months \
         (art. 10 of the Regulations on incident notification, response and drills: a \
         notification and response drill every year)"
    )]
    AboveMaximum { given: u32, max: u32 },
    #[error("a drill period of 0 months is not a period; use 1 to {max}")]
    Zero { max: u32 },
}

/// The configured period between notification and response drills, if the
/// Regulations allow it: 1 to [`MAX_NOTIFICATION_DRILL_PERIOD_MONTHS`] months
/// (art. 10, "每年辦理一次通報應變演練"). The social-engineering drill's six
/// months is not configurable ([`DrillKind::default_period_months`]).
pub fn check_drill_period(months: u32) -> Result<u32, DrillPeriodError> {
    let max = MAX_NOTIFICATION_DRILL_PERIOD_MONTHS;
    match months {
        0 => Err(DrillPeriodError::Zero { max }),
        m if m > max => Err(DrillPeriodError::AboveMaximum { given: m, max }),
        m => Ok(m),
    }
}

/// Where a drill's results stand (art. 10: "演練結果…於一個月內送交主管機關").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DrillResultsStatus {
    /// Sent on `on`, `days_late` days after the due date (0: on time).
    Reported { on: NaiveDate, days_late: i64 },
    /// Not sent yet; due by `due`, `days_left` days from today (0: today).
    DueOn { due: NaiveDate, days_left: i64 },
    /// Not sent and the due date passed `days` days ago.
    Overdue { due: NaiveDate, days: i64 },
}

impl DrillResultsStatus {
    pub fn is_overdue(self) -> bool {
        matches!(self, DrillResultsStatus::Overdue { .. })
    }

    /// The drills page's words for it.
    pub fn text(&self) -> Text {
        match *self {
            DrillResultsStatus::Reported { on, days_late: 0 } => {
                Text::key("drill.results.reported").with("on", on.to_string())
            }
            DrillResultsStatus::Reported { on, days_late } => {
                Text::key("drill.results.reported_late")
                    .with("on", on.to_string())
                    .with("days", days_late)
            }
            DrillResultsStatus::DueOn { due, days_left } => Text::key("drill.results.due_on")
                .with("due", due.to_string())
                .with("days", days_left),
            DrillResultsStatus::Overdue { due, days } => Text::key("drill.results.overdue")
                .with("due", due.to_string())
                .with("days", days),
        }
    }
}

/// Where the results of a drill held on `held_on` stand on `today` (a Taipei
/// date): reported, due (with the days left) or overdue (with the days late),
/// against [`drill_results_due_on`]. Due on the due date itself is still on
/// time.
pub fn drill_results_status(
    held_on: NaiveDate,
    reported_on: Option<NaiveDate>,
    today: NaiveDate,
) -> DrillResultsStatus {
    let due = drill_results_due_on(held_on);
    match reported_on {
        Some(on) => DrillResultsStatus::Reported {
            on,
            days_late: (on - due).num_days().max(0),
        },
        None if today <= due => DrillResultsStatus::DueOn {
            due,
            days_left: (due - today).num_days(),
        },
        None => DrillResultsStatus::Overdue {
            due,
            days: (today - due).num_days(),
        },
    }
}

/// What is wrong with the date a drill's results were sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum DrillResultsProblem {
    /// Results cannot be sent before the drill was held.
    #[error("the results were sent on {reported_on}, before the drill on {held_on}")]
    BeforeDrill {
        reported_on: NaiveDate,
        held_on: NaiveDate,
    },
    /// The date is recorded once the results were sent, not planned here.
    #[error("the date {reported_on} is after today ({today})")]
    InFuture {
        reported_on: NaiveDate,
        today: NaiveDate,
    },
}

impl DrillResultsProblem {
    pub fn message(&self) -> Text {
        match *self {
            DrillResultsProblem::BeforeDrill {
                reported_on,
                held_on,
            } => Text::key("drill.results.problem.before_drill")
                .with("reported_on", reported_on.to_string())
                .with("held_on", held_on.to_string()),
            DrillResultsProblem::InFuture { reported_on, today } => {
                Text::key("drill.results.problem.in_future")
                    .with("reported_on", reported_on.to_string())
                    .with("today", today.to_string())
            }
        }
    }
}

/// The date a drill's results were sent to the competent authority: not
/// before the drill (`held_on`), not after `today` (a Taipei date).
pub fn check_results_reported_on(
    held_on: NaiveDate,
    reported_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), DrillResultsProblem> {
    if reported_on < held_on {
        Err(DrillResultsProblem::BeforeDrill {
            reported_on,
            held_on,
        })
    } else if reported_on > today {
        Err(DrillResultsProblem::InFuture { reported_on, today })
    } else {
        Ok(())
    }
}

/// How long after the due date a drill whose results were never sent is
/// still reminded: a drill recorded in the portal long after it was held, or
/// the drills on record when the portal began tracking results, are shown as
/// late on the drills page but mailed about no more.
pub const DRILL_RESULTS_REMINDER_LOOKBACK_DAYS: i64 = 30;

/// The due date to remind about, when the results of a drill held on
/// `held_on` are overdue on `today` and not sent (art. 10): once per drill,
/// keyed on that date by the caller, within
/// [`DRILL_RESULTS_REMINDER_LOOKBACK_DAYS`] of it.
pub fn drill_results_reminder(
    held_on: NaiveDate,
    reported_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<NaiveDate> {
    match drill_results_status(held_on, reported_on, today) {
        DrillResultsStatus::Overdue { due, days }
            if days <= DRILL_RESULTS_REMINDER_LOOKBACK_DAYS =>
        {
            Some(due)
        }
        _ => None,
    }
}

/// The earliest drill date whose results [`drill_results_reminder`] may still
/// remind about on `today`: a month is at most 31 days, so earlier drills are
/// past the look-back (a bound for the query; the function decides).
pub fn drill_results_reminders_held_from(today: NaiveDate) -> NaiveDate {
    today - chrono::Duration::days(31 + DRILL_RESULTS_REMINDER_LOOKBACK_DAYS)
}

/// The reminder e-mail's sentence about a drill whose results are overdue.
pub fn drill_results_reminder_text(kind: DrillKind, held_on: NaiveDate, today: NaiveDate) -> Text {
    let due = drill_results_due_on(held_on);
    Text::key("drill.results.reminder")
        .with("kind", kind.in_sentence())
        .with("held_on", held_on.to_string())
        .with("due", due.to_string())
        .with("days", (today - due).num_days().max(0))
}

/// A drill as recorded after it was held.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DrillInput {
    pub kind: DrillKind,
    pub held_on: NaiveDate,
    pub scenario: String,
    /// People or units who took part, one entry each.
    pub participants: Vec<String>,
    pub findings: String,
    /// Items to follow up, one entry each.
    pub follow_up: Vec<String>,
}

/// Drills recorded before this date are typing slips (the Act dates from
/// 2018; no portal user records drills from the last century).
pub fn earliest_drill_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date")
}

/// What is wrong with a drill record. Indexes count from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum DrillProblem {
    /// A drill is recorded after it was held, not planned here.
    #[error(
        "the drill date {held_on} is after today ({today}): record a drill once it has been held"
    )]
    InFuture {
        held_on: NaiveDate,
        today: NaiveDate,
    },
    #[error("the drill date {held_on} is before {earliest}")]
    TooEarly {
        held_on: NaiveDate,
        earliest: NaiveDate,
    },
    #[error("the scenario is required")]
    ScenarioMissing,
    #[error("the scenario is longer than {max} characters")]
    ScenarioTooLong { max: usize },
    #[error("at least one participant is required")]
    NoParticipants,
    #[error("participant {} is blank", .index + 1)]
    ParticipantBlank { index: usize },
    #[error("participant {} is longer than {max} characters", .index + 1)]
    ParticipantTooLong { index: usize, max: usize },
    #[error("the findings are longer than {max} characters")]
    FindingsTooLong { max: usize },
    #[error("follow-up item {} is blank", .index + 1)]
    FollowUpBlank { index: usize },
    #[error("follow-up item {} is longer than {max} characters", .index + 1)]
    FollowUpTooLong { index: usize, max: usize },
    #[error("{given} follow-up items; at most {max}")]
    TooManyFollowUps { given: usize, max: usize },
}

impl DrillProblem {
    /// The form field the problem belongs to.
    pub fn field(self) -> &'static str {
        match self {
            DrillProblem::InFuture { .. } | DrillProblem::TooEarly { .. } => "held_on",
            DrillProblem::ScenarioMissing | DrillProblem::ScenarioTooLong { .. } => "scenario",
            DrillProblem::NoParticipants
            | DrillProblem::ParticipantBlank { .. }
            | DrillProblem::ParticipantTooLong { .. } => "participants",
            DrillProblem::FindingsTooLong { .. } => "findings",
            DrillProblem::FollowUpBlank { .. }
            | DrillProblem::FollowUpTooLong { .. }
            | DrillProblem::TooManyFollowUps { .. } => "follow_up",
        }
    }

    pub fn message(&self) -> Text {
        match *self {
            DrillProblem::InFuture { held_on, today } => Text::key("drill.problem.in_future")
                .with("held_on", held_on.to_string())
                .with("today", today.to_string()),
            DrillProblem::TooEarly { held_on, earliest } => Text::key("drill.problem.too_early")
                .with("held_on", held_on.to_string())
                .with("earliest", earliest.to_string()),
            DrillProblem::ScenarioMissing => Text::key("drill.problem.scenario_missing"),
            DrillProblem::ScenarioTooLong { max } => {
                Text::key("drill.problem.scenario_too_long").with("max", max)
            }
            DrillProblem::NoParticipants => Text::key("drill.problem.no_participants"),
            DrillProblem::ParticipantBlank { index } => {
                Text::key("drill.problem.participant_blank").with("n", index + 1)
            }
            DrillProblem::ParticipantTooLong { index, max } => {
                Text::key("drill.problem.participant_too_long")
                    .with("n", index + 1)
                    .with("max", max)
            }
            DrillProblem::FindingsTooLong { max } => {
                Text::key("drill.problem.findings_too_long").with("max", max)
            }
            DrillProblem::FollowUpBlank { index } => {
                Text::key("drill.problem.follow_up_blank").with("n", index + 1)
            }
            DrillProblem::FollowUpTooLong { index, max } => {
                Text::key("drill.problem.follow_up_too_long")
                    .with("n", index + 1)
                    .with("max", max)
            }
            DrillProblem::TooManyFollowUps { given, max } => {
                Text::key("drill.problem.too_many_follow_ups")
                    .with("given", given)
                    .with("max", max)
            }
        }
    }
}

/// Every problem of a drill record, in form order. `today` is the Taipei
/// calendar date of the request.
pub fn check_drill(d: &DrillInput, today: NaiveDate) -> Vec<DrillProblem> {
    let mut problems = Vec::new();
    let earliest = earliest_drill_date();
    if d.held_on > today {
        problems.push(DrillProblem::InFuture {
            held_on: d.held_on,
            today,
        });
    } else if d.held_on < earliest {
        problems.push(DrillProblem::TooEarly {
            held_on: d.held_on,
            earliest,
        });
    }

    let scenario = d.scenario.trim();
    if scenario.is_empty() {
        problems.push(DrillProblem::ScenarioMissing);
    } else if char_len(scenario) > SCENARIO_MAX {
        problems.push(DrillProblem::ScenarioTooLong { max: SCENARIO_MAX });
    }

    if d.participants.is_empty() {
        problems.push(DrillProblem::NoParticipants);
    }
    for (index, p) in d.participants.iter().enumerate() {
        let p = p.trim();
        if p.is_empty() {
            problems.push(DrillProblem::ParticipantBlank { index });
        } else if char_len(p) > PARTICIPANT_MAX {
            problems.push(DrillProblem::ParticipantTooLong {
                index,
                max: PARTICIPANT_MAX,
            });
        }
    }

    if char_len(d.findings.trim()) > FINDINGS_MAX {
        problems.push(DrillProblem::FindingsTooLong { max: FINDINGS_MAX });
    }

    if d.follow_up.len() > FOLLOW_UPS_MAX {
        problems.push(DrillProblem::TooManyFollowUps {
            given: d.follow_up.len(),
            max: FOLLOW_UPS_MAX,
        });
    }
    for (index, f) in d.follow_up.iter().enumerate() {
        let f = f.trim();
        if f.is_empty() {
            problems.push(DrillProblem::FollowUpBlank { index });
        } else if char_len(f) > FOLLOW_UP_MAX {
            problems.push(DrillProblem::FollowUpTooLong {
                index,
                max: FOLLOW_UP_MAX,
            });
        }
    }
    problems
}

/// Where a kind of drill stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrillStatus {
    /// No drill of this kind is on record.
    NeverHeld,
    /// The next one is due by this date, which has not passed.
    DueOn(NaiveDate),
    /// The due date passed `days` days ago.
    Overdue { due: NaiveDate, days: i64 },
}

impl DrillStatus {
    pub fn is_overdue(self) -> bool {
        matches!(self, DrillStatus::Overdue { .. })
    }

    /// Where drills of `kind` stand, in one sentence (the reminder e-mail's).
    pub fn text(&self, kind: DrillKind) -> Text {
        match *self {
            DrillStatus::NeverHeld => {
                Text::key("drill.status.never_held").with("kind", kind.in_sentence())
            }
            DrillStatus::DueOn(due) => Text::key("drill.status.due_on")
                .with("kind", kind.in_sentence())
                .with("due", due.to_string()),
            DrillStatus::Overdue { due, days } => Text::key("drill.status.overdue")
                .with("kind", kind.in_sentence())
                .with("days", days)
                .with("due", due.to_string()),
        }
    }
}

/// `date` plus whole calendar months, clamped to the month's last day
/// (31 August + 6 months = 28 February).
fn plus_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// When the next drill of `kind` is due: `period_months` calendar months
/// after the last one (clamped to the month's end), on a rolling basis
/// rather than per calendar year, so a drill held late does not leave a
/// short gap before the next. The due date itself is still on time.
/// `period_months` is the agency's own period (it may drill more often);
/// 0 means the kind's [`DrillKind::default_period_months`].
pub fn drill_status(
    kind: DrillKind,
    last_held: Option<NaiveDate>,
    period_months: u32,
    today: NaiveDate,
) -> DrillStatus {
    let Some(last) = last_held else {
        return DrillStatus::NeverHeld;
    };
    let period = if period_months == 0 {
        kind.default_period_months()
    } else {
        period_months
    };
    let due = plus_months(last, period);
    if today <= due {
        DrillStatus::DueOn(due)
    } else {
        DrillStatus::Overdue {
            due,
            days: (today - due).num_days(),
        }
    }
}

/// Whether the ethics-unit reminder applies: point 2(四)2 and its 說明 3,
/// "資通安全事件如涉國家機密或機關敏感性資料，情資及計畫組得納入上級機關、中央
/// 目的事業主管機關或相關機關之政風單位人員參與". Only an impact on *data*
/// (leak or tamper, 洩漏/竄改) of national secrets or of the class of general
/// official secrets and sensitive information ([`AssetClass::Sensitive`])
/// involves secrets or sensitive data; a disruption of critical-infrastructure
/// core systems (the same class for availability) does not. It is a
/// possibility (得), so the reminder says "may", never "must".
pub fn ethics_unit_may_join(impacts: &[Impact]) -> bool {
    impacts.iter().any(|i| {
        matches!(i.kind, ImpactKind::Leak | ImpactKind::Tamper)
            && matches!(i.asset, AssetClass::Sensitive | AssetClass::NationalSecret)
    })
}

/// The reminder shown when [`ethics_unit_may_join`] holds.
pub fn ethics_unit_reminder() -> Text {
    Text::key("team.ethics_reminder")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    /// A text as each language says it.
    struct Said {
        zh: String,
        en: String,
    }

    fn said(t: &Text) -> Said {
        Said {
            zh: Lang::ZhTw.text(t),
            en: Lang::En.text(t),
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn insider(position: Position, name: &str) -> RosterMember {
        RosterMember {
            position,
            name: name.to_owned(),
            user_id: Some(Uuid::from_u128(1)),
            organisation: None,
            phone: "02-2345-6789".to_owned(),
            email: String::new(),
            after_hours: String::new(),
            deputy: false,
        }
    }

    fn drill() -> DrillInput {
        DrillInput {
            kind: DrillKind::NotificationResponse,
            held_on: d(2026, 3, 10),
            scenario: "勒索軟體加密公文系統".to_owned(),
            participants: vec!["資訊室".to_owned(), "王小明".to_owned()],
            findings: "通報時間符合規定".to_owned(),
            follow_up: vec!["更新緊急聯絡清單".to_owned()],
        }
    }

    // --- Position ---

    #[test]
    fn positions_round_trip_and_follow_the_table_order() {
        for p in Position::ALL {
            assert_eq!(Position::parse(p.as_str()), Some(p));
            assert_eq!(p.as_str(), p.role().as_str());
            assert_eq!(said(&p.label()).zh, said(&p.role().label()).zh);
            assert!(!said(&p.label()).en.is_empty());
            assert!(said(&p.duty()).zh.ends_with('。'));
            assert!(said(&p.duty()).en.ends_with('.'));
        }
        assert_eq!(Position::parse("Commander"), None);
        assert_eq!(Position::parse(""), None);
        assert_eq!(
            Position::ALL.map(|p| said(&p.label()).zh),
            [
                "事件指揮官",
                "新聞官",
                "執行秘書",
                "情資及計畫組",
                "應變執行組",
                "後勤調度組",
                "財務行政組"
            ]
        );
        let mut sorted = Position::ALL;
        sorted.sort();
        assert_eq!(sorted, Position::ALL);
    }

    #[test]
    fn only_press_and_finance_are_as_needed() {
        let as_needed: Vec<Position> = Position::ALL
            .into_iter()
            .filter(|p| p.as_needed())
            .collect();
        assert_eq!(as_needed, [Position::PressOfficer, Position::FinanceAdmin]);
    }

    #[test]
    fn positions_serialize_snake_case() {
        assert_eq!(
            serde_json::to_string(&Position::ResponseExecution).unwrap(),
            "\"response_execution\""
        );
        let m = insider(Position::Logistics, "王小明");
        let json = serde_json::to_string(&m).unwrap();
        assert!(json.contains("\"position\":\"logistics\""));
        assert_eq!(serde_json::from_str::<RosterMember>(&json).unwrap(), m);
    }

    #[test]
    fn member_fields_round_trip() {
        for f in MemberField::ALL {
            assert_eq!(MemberField::parse(f.as_str()), Some(f));
            assert_eq!(f.to_string(), f.as_str());
            let l = said(&f.label());
            assert!(!l.zh.is_empty() && !l.en.is_empty());
            assert_ne!(l.en, f.label().catalog_key());
        }
        assert_eq!(MemberField::parse("nope"), None);
    }

    // --- contacts ---

    #[test]
    fn phone_numbers() {
        for ok in [
            "02-2345-6789",
            "+886 2 2345 6789",
            "(02) 2345-6789",
            "0912345678",
            "02-2345-6789#123",
            "02-2345-6789 # 123",
            "123456",
            "+12345678901234567890",
            "  02 23456789  ",
        ] {
            assert!(phone_is_well_formed(ok), "{ok}");
        }
        for bad in [
            "",
            "12345",                  // 5 digits
            "+123456789012345678901", // 21 digits
            "02-2345-6789 ext 12",
            "02+2345",
            "++886223456789",
            "02-2345-6789#",
            "02-2345-6789#12#3",
            "#123456",
            "(02 2345-6789",
            "02) 2345-6789",
            "((02)) 2345-6789",
            "０２２３４５６７８９", // full-width digits
            "同上",
            "02.2345.6789",
        ] {
            assert!(!phone_is_well_formed(bad), "{bad}");
        }
        // The extension's digits count towards the limits.
        assert!(phone_is_well_formed("1234#56"));
        assert!(!phone_is_well_formed("1234#5"));
    }

    #[test]
    fn email_addresses() {
        for ok in ["a@b.tw", "wang.xm@agency.gov.tw", " x@y.z ", "王@例子.台灣"] {
            assert!(email_is_well_formed(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "@agency.gov.tw",
            "a@",
            "a@localhost",
            "a@b@c.tw",
            "a b@c.tw",
            "a@b .tw",
            "a@.tw",
            "a@b.",
            "a@b..tw",
            "a\t@b.tw",
            "a\u{0}@b.tw",
        ] {
            assert!(!email_is_well_formed(bad), "{bad:?}");
        }
    }

    // --- check_member ---

    #[test]
    fn a_good_insider_and_a_good_outsider_pass() {
        assert_eq!(check_member(&insider(Position::Commander, "王小明")), []);
        let outsider = RosterMember {
            user_id: None,
            organisation: Some("某資安廠商".to_owned()),
            phone: String::new(),
            email: "expert@vendor.com.tw".to_owned(),
            ..insider(Position::Logistics, "陳專家")
        };
        assert_eq!(check_member(&outsider), []);
        // After-hours alone is enough.
        let night_only = RosterMember {
            phone: String::new(),
            after_hours: "0912-345-678".to_owned(),
            ..insider(Position::Commander, "王小明")
        };
        assert_eq!(check_member(&night_only), []);
    }

    #[test]
    fn name_is_required_and_bounded() {
        let blank = RosterMember {
            name: "   ".to_owned(),
            ..insider(Position::Commander, "")
        };
        assert_eq!(
            check_member(&blank),
            [MemberProblem::Required {
                field: MemberField::Name
            }]
        );
        let at_max = insider(Position::Commander, &"名".repeat(NAME_MAX));
        assert_eq!(check_member(&at_max), []);
        let over = insider(Position::Commander, &"名".repeat(NAME_MAX + 1));
        assert_eq!(
            check_member(&over),
            [MemberProblem::TooLong {
                field: MemberField::Name,
                max: NAME_MAX
            }]
        );
    }

    #[test]
    fn no_contact_at_all_is_unreachable() {
        let m = RosterMember {
            phone: String::new(),
            ..insider(Position::Commander, "王小明")
        };
        assert_eq!(check_member(&m), [MemberProblem::NoReachableContact]);
    }

    #[test]
    fn malformed_phone_or_email_is_its_own_problem_even_when_reachable() {
        let m = RosterMember {
            phone: "call me".to_owned(),
            email: "wang@agency.gov.tw".to_owned(),
            ..insider(Position::Commander, "王小明")
        };
        assert_eq!(
            check_member(&m),
            [MemberProblem::Malformed {
                field: MemberField::Phone
            }]
        );
        let m = RosterMember {
            email: "wang-at-agency".to_owned(),
            ..insider(Position::Commander, "王小明")
        };
        assert_eq!(
            check_member(&m),
            [MemberProblem::Malformed {
                field: MemberField::Email
            }]
        );
        // Both malformed and nothing else: both named, and unreachable.
        let m = RosterMember {
            phone: "x".to_owned(),
            email: "y".to_owned(),
            ..insider(Position::Commander, "王小明")
        };
        assert_eq!(
            check_member(&m),
            [
                MemberProblem::Malformed {
                    field: MemberField::Phone
                },
                MemberProblem::Malformed {
                    field: MemberField::Email
                },
                MemberProblem::NoReachableContact
            ]
        );
    }

    #[test]
    fn malformed_after_hours_only_fails_to_count() {
        let m = RosterMember {
            after_hours: "同上".to_owned(),
            ..insider(Position::Commander, "王小明")
        };
        assert_eq!(check_member(&m), []);
        let m = RosterMember {
            phone: String::new(),
            after_hours: "同上".to_owned(),
            ..insider(Position::Commander, "王小明")
        };
        assert_eq!(check_member(&m), [MemberProblem::NoReachableContact]);
    }

    #[test]
    fn outside_member_needs_an_organisation() {
        for org in [None, Some(""), Some("  ")] {
            let m = RosterMember {
                user_id: None,
                organisation: org.map(str::to_owned),
                ..insider(Position::Logistics, "陳專家")
            };
            assert_eq!(
                check_member(&m),
                [MemberProblem::OutsideWithoutOrganisation],
                "{org:?}"
            );
        }
        // An insider may name one too (e.g. a seconded person).
        let m = RosterMember {
            organisation: Some("上級機關資訊處".to_owned()),
            ..insider(Position::Logistics, "陳專家")
        };
        assert_eq!(check_member(&m), []);
    }

    #[test]
    fn fields_are_bounded_at_200() {
        let long = "a".repeat(FIELD_MAX + 1);
        let m = RosterMember {
            user_id: None,
            organisation: Some(long.clone()),
            phone: format!("1234567{}", "0".repeat(FIELD_MAX)),
            email: format!("{}@b.tw", "a".repeat(FIELD_MAX)),
            after_hours: long.clone(),
            ..insider(Position::Logistics, "陳專家")
        };
        assert_eq!(
            check_member(&m),
            [
                MemberProblem::TooLong {
                    field: MemberField::Organisation,
                    max: FIELD_MAX
                },
                MemberProblem::TooLong {
                    field: MemberField::Phone,
                    max: FIELD_MAX
                },
                MemberProblem::TooLong {
                    field: MemberField::Email,
                    max: FIELD_MAX
                },
                MemberProblem::TooLong {
                    field: MemberField::AfterHours,
                    max: FIELD_MAX
                },
                MemberProblem::NoReachableContact,
            ]
        );
        let org_at_max = RosterMember {
            user_id: None,
            organisation: Some("組".repeat(FIELD_MAX)),
            ..insider(Position::Logistics, "陳專家")
        };
        assert_eq!(check_member(&org_at_max), []);
    }

    #[test]
    fn member_problem_messages_name_the_field() {
        let cases = [
            (
                MemberProblem::Required {
                    field: MemberField::Name,
                },
                "姓名",
                "name",
            ),
            (
                MemberProblem::TooLong {
                    field: MemberField::Organisation,
                    max: 200,
                },
                "所屬單位",
                "organisation",
            ),
            (
                MemberProblem::Malformed {
                    field: MemberField::Phone,
                },
                "電話",
                "phone",
            ),
            (
                MemberProblem::Malformed {
                    field: MemberField::Email,
                },
                "電子郵件",
                "e-mail",
            ),
            (MemberProblem::NoReachableContact, "聯絡方式", "contact"),
            (
                MemberProblem::Duplicate { first: 4 },
                "第 5 位成員",
                "member 5",
            ),
            (
                MemberProblem::OutsideWithoutOrganisation,
                "所屬單位",
                "organisation",
            ),
        ];
        for (p, zh, en) in cases {
            let m = said(&p.message());
            assert!(m.zh.contains(zh), "{}", m.zh);
            assert!(m.en.contains(en), "{}", m.en);
            assert!(p.to_string().contains(en), "{p}");
        }
        assert!(said(
            &MemberProblem::TooLong {
                field: MemberField::Name,
                max: 100
            }
            .message()
        )
        .zh
        .contains("100"));
        assert_eq!(
            MemberProblem::NoReachableContact.field(),
            MemberField::Phone
        );
        assert_eq!(
            MemberProblem::OutsideWithoutOrganisation.field(),
            MemberField::Organisation
        );
        assert_eq!(
            MemberProblem::Malformed {
                field: MemberField::Email
            }
            .field(),
            MemberField::Email
        );
    }

    // --- roster ---

    #[test]
    fn empty_roster_is_blocking() {
        assert_eq!(check_roster(&[]), []);
        assert_eq!(roster_problems(&[]), [RosterProblem::Empty]);
        let m = said(&RosterProblem::Empty.message());
        assert!(m.zh.contains("至少") && m.en.contains("at least one member"));
        assert_eq!(
            roster_problems(&[insider(Position::Commander, "王小明")]),
            []
        );
    }

    #[test]
    fn roster_problems_carry_the_member_index() {
        let bad = RosterMember {
            phone: String::new(),
            ..insider(Position::Logistics, "李四")
        };
        let roster = [insider(Position::Commander, "王小明"), bad];
        assert_eq!(
            check_roster(&roster),
            [(1, MemberProblem::NoReachableContact)]
        );
        let problems = roster_problems(&roster);
        assert_eq!(
            problems,
            [RosterProblem::Member {
                index: 1,
                problem: MemberProblem::NoReachableContact
            }]
        );
        let m = said(&problems[0].message());
        assert!(m.zh.starts_with("第 2 位成員："), "{}", m.zh);
        assert!(m.en.starts_with("Member 2: "), "{}", m.en);
        assert!(problems[0].to_string().starts_with("member 2:"));
    }

    #[test]
    fn repeated_position_and_name_is_a_duplicate() {
        let roster = [
            insider(Position::Commander, "王小明"),
            insider(Position::Logistics, "王小明"),
            insider(Position::Commander, " 王小明 "),
        ];
        let problems = check_roster(&roster);
        assert_eq!(problems, [(2, MemberProblem::Duplicate { first: 0 })]);
        let m = said(&problems[0].1.message());
        assert!(m.zh.contains("第 1 位成員"), "{}", m.zh);
        assert!(m.en.contains("member 1"), "{}", m.en);
        assert_eq!(problems[0].1.field(), MemberField::Name);
        assert!(said(&roster_problems(&roster)[0].message())
            .zh
            .starts_with("第 3 位成員：與第 1 位成員"));
        // Blank names are reported as blank, not as duplicates.
        let blanks = [
            insider(Position::Commander, ""),
            insider(Position::Commander, ""),
        ];
        assert_eq!(
            check_roster(&blanks),
            [
                (
                    0,
                    MemberProblem::Required {
                        field: MemberField::Name
                    }
                ),
                (
                    1,
                    MemberProblem::Required {
                        field: MemberField::Name
                    }
                ),
            ]
        );
        // check_member alone never reports duplicates.
        assert_eq!(check_member(&roster[2]), []);
    }

    #[test]
    fn unfilled_positions_skip_as_needed_and_deputies() {
        assert_eq!(
            unfilled_positions(&[]),
            [
                Position::Commander,
                Position::ExecutiveSecretary,
                Position::IntelPlanning,
                Position::ResponseExecution,
                Position::Logistics,
            ]
        );
        let deputy_only = RosterMember {
            deputy: true,
            ..insider(Position::Commander, "副座")
        };
        let roster = [
            deputy_only,
            insider(Position::ExecutiveSecretary, "甲"),
            insider(Position::IntelPlanning, "乙"),
            insider(Position::ResponseExecution, "丙"),
            insider(Position::Logistics, "丁"),
        ];
        assert_eq!(unfilled_positions(&roster), [Position::Commander]);
        let mut full = roster.to_vec();
        full.push(insider(Position::Commander, "王小明"));
        assert_eq!(unfilled_positions(&full), []);
    }

    // --- proposals ---

    #[test]
    fn proposal_status_round_trips() {
        for s in ProposalStatus::ALL {
            assert_eq!(ProposalStatus::parse(s.as_str()), Some(s));
            let l = said(&s.label());
            assert!(!l.zh.is_empty() && !l.en.is_empty());
        }
        assert_eq!(ProposalStatus::parse("pending"), None);
    }

    #[test]
    fn decide_approves_or_rejects_a_proposal() {
        use ProposalStatus::*;
        assert_eq!(decide(Proposed, true, ""), Ok(Approved));
        assert_eq!(decide(Proposed, true, "同意，請補新聞官"), Ok(Approved));
        assert_eq!(decide(Proposed, false, "缺事件指揮官"), Ok(Rejected));
        assert_eq!(
            decide(Proposed, false, "  "),
            Err(DecisionError::ReasonRequired)
        );
        let at_max = "理".repeat(DECISION_TEXT_MAX);
        let over = "理".repeat(DECISION_TEXT_MAX + 1);
        assert_eq!(decide(Proposed, false, &at_max), Ok(Rejected));
        assert_eq!(decide(Proposed, true, &at_max), Ok(Approved));
        assert_eq!(
            decide(Proposed, false, &over),
            Err(DecisionError::ReasonTooLong {
                max: DECISION_TEXT_MAX
            })
        );
        assert_eq!(
            decide(Proposed, true, &over),
            Err(DecisionError::RemarkTooLong {
                max: DECISION_TEXT_MAX
            })
        );
    }

    #[test]
    fn decided_proposals_stay_decided() {
        for s in [ProposalStatus::Approved, ProposalStatus::Rejected] {
            for approve in [true, false] {
                assert_eq!(
                    decide(s, approve, "理由"),
                    Err(DecisionError::AlreadyDecided { status: s })
                );
            }
        }
        let m = said(
            &DecisionError::AlreadyDecided {
                status: ProposalStatus::Approved,
            }
            .message(),
        );
        assert!(m.zh.contains("已同意"));
        assert!(m.en.contains("Agreed"));
        for e in [
            DecisionError::ReasonRequired,
            DecisionError::ReasonTooLong { max: 2000 },
            DecisionError::RemarkTooLong { max: 2000 },
        ] {
            assert!(!said(&e.message()).zh.is_empty());
            assert!(!e.to_string().is_empty());
        }
        assert!(said(&DecisionError::ReasonTooLong { max: 2000 }.message())
            .en
            .contains("2000"));
    }

    // --- roster diff ---

    #[test]
    fn roster_changes_list_additions_removals_and_changes() {
        let before = [
            insider(Position::Commander, "王小明"),
            insider(Position::Logistics, "李四"),
            insider(Position::IntelPlanning, "張三"),
        ];
        let mut changed = insider(Position::Commander, " 王小明");
        changed.phone = "02-8765-4321".to_owned();
        changed.deputy = true;
        let after = [
            changed.clone(),
            insider(Position::IntelPlanning, "張三"),
            insider(Position::ResponseExecution, "趙六"),
        ];
        let changes = roster_changes(&before, &after);
        assert_eq!(
            changes,
            [
                RosterChange::Changed {
                    before: before[0].clone(),
                    after: changed,
                    fields: vec![MemberField::Phone, MemberField::Deputy],
                },
                RosterChange::Added {
                    member: after[2].clone()
                },
                RosterChange::Removed {
                    member: before[1].clone()
                },
            ]
        );
        let text: Vec<Said> = changes.iter().map(|c| said(&c.description())).collect();
        assert_eq!(text[0].zh, "修改 事件指揮官 王小明：電話、代理人");
        assert_eq!(
            text[0].en,
            "Changed Incident commander 王小明: phone, deputy"
        );
        assert_eq!(text[1].zh, "新增 應變執行組 趙六");
        assert_eq!(text[1].en, "Added Response execution 趙六");
        assert_eq!(text[2].zh, "移除 後勤調度組 李四");
        assert_eq!(text[2].en, "Removed Logistics 李四");
    }

    #[test]
    fn roster_changes_of_identical_rosters_is_empty() {
        let r = [
            insider(Position::Commander, "王小明"),
            insider(Position::Logistics, "李四"),
        ];
        assert_eq!(roster_changes(&r, &r), []);
        assert_eq!(roster_changes(&[], &[]), []);
    }

    #[test]
    fn a_moved_member_is_removed_and_added_and_every_field_is_compared() {
        let before = [insider(Position::Commander, "王小明")];
        let after = [insider(Position::Logistics, "王小明")];
        let changes = roster_changes(&before, &after);
        assert_eq!(changes.len(), 2);
        assert!(matches!(changes[0], RosterChange::Removed { .. }));
        assert!(matches!(changes[1], RosterChange::Added { .. }));

        let mut all = insider(Position::Commander, "王小明");
        all.user_id = None;
        all.organisation = Some("廠商".to_owned());
        all.phone = "0911-111-111".to_owned();
        all.email = "a@b.tw".to_owned();
        all.after_hours = "0922-222-222".to_owned();
        all.deputy = true;
        let changes = roster_changes(&before, std::slice::from_ref(&all));
        let RosterChange::Changed { fields, .. } = &changes[0] else {
            panic!("{changes:?}")
        };
        assert_eq!(
            fields,
            &[
                MemberField::UserAccount,
                MemberField::Organisation,
                MemberField::Phone,
                MemberField::Email,
                MemberField::AfterHours,
                MemberField::Deputy
            ]
        );
        // Whitespace and None-vs-empty organisation are no change.
        let mut same = before[0].clone();
        same.phone = " 02-2345-6789 ".to_owned();
        same.organisation = Some(String::new());
        assert_eq!(roster_changes(&before, &[same]), []);
    }

    #[test]
    fn repeated_keys_pair_in_order() {
        let a = insider(Position::Commander, "王小明");
        let mut b = a.clone();
        b.deputy = true;
        let changes = roster_changes(&[a.clone(), b.clone()], std::slice::from_ref(&a));
        assert_eq!(changes, [RosterChange::Removed { member: b.clone() }]);
        let changes = roster_changes(std::slice::from_ref(&a), &[a.clone(), b.clone()]);
        assert_eq!(changes, [RosterChange::Added { member: b.clone() }]);
        assert_eq!(
            said(&changes[0].description()).zh,
            "新增 事件指揮官 王小明（代理人）"
        );
        assert_eq!(
            said(&changes[0].description()).en,
            "Added Incident commander 王小明 (deputy)"
        );
    }

    // --- drills ---

    #[test]
    fn drill_kinds_round_trip() {
        for k in DrillKind::ALL {
            assert_eq!(DrillKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(DrillKind::parse("phishing"), None);
        assert_eq!(
            said(&DrillKind::NotificationResponse.label()).zh,
            "通報應變演練"
        );
        assert_eq!(
            said(&DrillKind::SocialEngineering.label()).zh,
            "社交工程演練"
        );
        assert_eq!(DrillKind::NotificationResponse.default_period_months(), 12);
        assert_eq!(DrillKind::SocialEngineering.default_period_months(), 6);
        for k in DrillKind::ALL {
            assert!(!said(&k.label()).en.is_empty());
        }
    }

    #[test]
    fn a_good_drill_passes_including_on_today_and_on_the_earliest_date() {
        let today = d(2026, 3, 10);
        assert_eq!(check_drill(&drill(), today), []);
        let first = DrillInput {
            held_on: d(2000, 1, 1),
            findings: String::new(),
            follow_up: vec![],
            ..drill()
        };
        assert_eq!(check_drill(&first, today), []);
    }

    #[test]
    fn a_future_drill_is_rejected_with_its_date() {
        let today = d(2026, 3, 9);
        let problems = check_drill(&drill(), today);
        assert_eq!(
            problems,
            [DrillProblem::InFuture {
                held_on: d(2026, 3, 10),
                today
            }]
        );
        let m = said(&problems[0].message());
        assert!(m.zh.contains("2026-03-10") && m.zh.contains("2026-03-09"));
        assert!(m.en.contains("2026-03-10"));
        assert_eq!(problems[0].field(), "held_on");
    }

    #[test]
    fn a_drill_before_2000_is_rejected() {
        let old = DrillInput {
            held_on: d(1999, 12, 31),
            ..drill()
        };
        let problems = check_drill(&old, d(2026, 1, 1));
        assert_eq!(
            problems,
            [DrillProblem::TooEarly {
                held_on: d(1999, 12, 31),
                earliest: d(2000, 1, 1)
            }]
        );
        assert!(said(&problems[0].message()).zh.contains("1999-12-31"));
    }

    #[test]
    fn drill_texts_are_required_and_bounded() {
        let today = d(2026, 3, 10);
        let bad = DrillInput {
            scenario: " ".to_owned(),
            participants: vec![],
            ..drill()
        };
        assert_eq!(
            check_drill(&bad, today),
            [DrillProblem::ScenarioMissing, DrillProblem::NoParticipants]
        );

        let at_max = DrillInput {
            scenario: "情".repeat(SCENARIO_MAX),
            participants: vec!["人".repeat(PARTICIPANT_MAX)],
            findings: "發".repeat(FINDINGS_MAX),
            follow_up: vec!["改".repeat(FOLLOW_UP_MAX); FOLLOW_UPS_MAX],
            ..drill()
        };
        assert_eq!(check_drill(&at_max, today), []);

        let over = DrillInput {
            scenario: "情".repeat(SCENARIO_MAX + 1),
            participants: vec![
                "甲".to_owned(),
                "".to_owned(),
                "人".repeat(PARTICIPANT_MAX + 1),
            ],
            findings: "發".repeat(FINDINGS_MAX + 1),
            follow_up: vec![
                "改".to_owned(),
                " ".to_owned(),
                "改".repeat(FOLLOW_UP_MAX + 1),
            ],
            ..drill()
        };
        assert_eq!(
            check_drill(&over, today),
            [
                DrillProblem::ScenarioTooLong { max: SCENARIO_MAX },
                DrillProblem::ParticipantBlank { index: 1 },
                DrillProblem::ParticipantTooLong {
                    index: 2,
                    max: PARTICIPANT_MAX
                },
                DrillProblem::FindingsTooLong { max: FINDINGS_MAX },
                DrillProblem::FollowUpBlank { index: 1 },
                DrillProblem::FollowUpTooLong {
                    index: 2,
                    max: FOLLOW_UP_MAX
                },
            ]
        );

        let many = DrillInput {
            follow_up: vec!["改".to_owned(); FOLLOW_UPS_MAX + 1],
            ..drill()
        };
        assert_eq!(
            check_drill(&many, today),
            [DrillProblem::TooManyFollowUps {
                given: FOLLOW_UPS_MAX + 1,
                max: FOLLOW_UPS_MAX
            }]
        );
    }

    #[test]
    fn drill_problem_messages_and_fields() {
        let all = [
            DrillProblem::InFuture {
                held_on: d(2026, 1, 2),
                today: d(2026, 1, 1),
            },
            DrillProblem::TooEarly {
                held_on: d(1999, 1, 1),
                earliest: d(2000, 1, 1),
            },
            DrillProblem::ScenarioMissing,
            DrillProblem::ScenarioTooLong { max: 2000 },
            DrillProblem::NoParticipants,
            DrillProblem::ParticipantBlank { index: 0 },
            DrillProblem::ParticipantTooLong { index: 0, max: 200 },
            DrillProblem::FindingsTooLong { max: 10000 },
            DrillProblem::FollowUpBlank { index: 0 },
            DrillProblem::FollowUpTooLong { index: 0, max: 500 },
            DrillProblem::TooManyFollowUps { given: 51, max: 50 },
        ];
        let fields: Vec<&str> = all.iter().map(|p| p.field()).collect();
        assert_eq!(
            fields,
            [
                "held_on",
                "held_on",
                "scenario",
                "scenario",
                "participants",
                "participants",
                "participants",
                "findings",
                "follow_up",
                "follow_up",
                "follow_up"
            ]
        );
        for p in all {
            let m = said(&p.message());
            assert!(!m.zh.is_empty() && !m.en.is_empty());
            assert!(!p.to_string().is_empty());
        }
        assert!(said(&DrillProblem::ParticipantBlank { index: 0 }.message())
            .zh
            .contains("第 1 位"));
        assert!(
            said(&DrillProblem::TooManyFollowUps { given: 51, max: 50 }.message())
                .en
                .contains("51")
        );
    }

    #[test]
    fn drill_status_never_held() {
        assert_eq!(
            drill_status(DrillKind::SocialEngineering, None, 6, d(2026, 1, 1)),
            DrillStatus::NeverHeld
        );
    }

    #[test]
    fn drill_status_due_and_overdue_at_the_boundary() {
        let k = DrillKind::NotificationResponse;
        let last = Some(d(2025, 3, 10));
        assert_eq!(
            drill_status(k, last, 12, d(2025, 3, 10)),
            DrillStatus::DueOn(d(2026, 3, 10))
        );
        assert_eq!(
            drill_status(k, last, 12, d(2026, 3, 10)),
            DrillStatus::DueOn(d(2026, 3, 10))
        );
        assert_eq!(
            drill_status(k, last, 12, d(2026, 3, 11)),
            DrillStatus::Overdue {
                due: d(2026, 3, 10),
                days: 1
            }
        );
        assert_eq!(
            drill_status(k, last, 12, d(2026, 4, 10)),
            DrillStatus::Overdue {
                due: d(2026, 3, 10),
                days: 31
            }
        );
        assert!(drill_status(k, last, 12, d(2026, 4, 10)).is_overdue());
        assert!(!drill_status(k, last, 12, d(2026, 3, 10)).is_overdue());
    }

    #[test]
    fn drill_status_clamps_to_month_end() {
        let k = DrillKind::SocialEngineering;
        assert_eq!(
            drill_status(k, Some(d(2025, 8, 31)), 6, d(2026, 1, 1)),
            DrillStatus::DueOn(d(2026, 2, 28))
        );
        assert_eq!(
            drill_status(k, Some(d(2025, 8, 31)), 6, d(2026, 3, 1)),
            DrillStatus::Overdue {
                due: d(2026, 2, 28),
                days: 1
            }
        );
        // Leap year.
        assert_eq!(
            drill_status(k, Some(d(2027, 8, 31)), 6, d(2028, 1, 1)),
            DrillStatus::DueOn(d(2028, 2, 29))
        );
        // 29 February + 12 months = 28 February.
        assert_eq!(
            drill_status(
                DrillKind::NotificationResponse,
                Some(d(2028, 2, 29)),
                12,
                d(2028, 3, 1)
            ),
            DrillStatus::DueOn(d(2029, 2, 28))
        );
    }

    #[test]
    fn drill_status_uses_the_agencys_period_or_the_default() {
        let last = Some(d(2026, 1, 15));
        assert_eq!(
            drill_status(DrillKind::NotificationResponse, last, 3, d(2026, 1, 16)),
            DrillStatus::DueOn(d(2026, 4, 15))
        );
        assert_eq!(
            drill_status(DrillKind::NotificationResponse, last, 0, d(2026, 1, 16)),
            DrillStatus::DueOn(d(2027, 1, 15))
        );
        assert_eq!(
            drill_status(DrillKind::SocialEngineering, last, 0, d(2026, 1, 16)),
            DrillStatus::DueOn(d(2026, 7, 15))
        );
    }

    #[test]
    fn drill_status_messages() {
        let k = DrillKind::SocialEngineering;
        let never = said(&DrillStatus::NeverHeld.text(k));
        assert!(never.zh.contains("尚無社交工程演練"));
        assert_eq!(never.en, "No social-engineering drill on record.");
        let due = said(&DrillStatus::DueOn(d(2026, 2, 28)).text(k));
        assert!(due.zh.contains("2026-02-28") && due.en.contains("2026-02-28"));
        let late = DrillStatus::Overdue {
            due: d(2026, 2, 28),
            days: 3,
        };
        let late = said(&late.text(k));
        assert!(late.zh.contains("逾期 3 日") && late.en.contains("3 day"));
    }

    #[test]
    fn drill_results_are_due_a_month_later() {
        assert_eq!(drill_results_due_on(d(2026, 3, 10)), d(2026, 4, 10));
        assert_eq!(drill_results_due_on(d(2026, 1, 31)), d(2026, 2, 28));
    }

    #[test]
    fn drill_results_are_due_within_a_month_and_shown_with_time_left_or_late() {
        let held = d(2026, 3, 10);
        assert_eq!(
            drill_results_status(held, None, d(2026, 3, 31)),
            DrillResultsStatus::DueOn {
                due: d(2026, 4, 10),
                days_left: 10
            }
        );
        // The due date itself is on time; the day after, late.
        assert_eq!(
            drill_results_status(held, None, d(2026, 4, 10)),
            DrillResultsStatus::DueOn {
                due: d(2026, 4, 10),
                days_left: 0
            }
        );
        let late = drill_results_status(held, None, d(2026, 4, 13));
        assert_eq!(
            late,
            DrillResultsStatus::Overdue {
                due: d(2026, 4, 10),
                days: 3
            }
        );
        assert!(late.is_overdue());
        let m = said(&late.text());
        assert!(
            m.zh.contains("2026-04-10") && m.zh.contains("3"),
            "{}",
            m.zh
        );
        assert!(m.zh.contains("主管機關") && m.en.contains("competent authority"));
        // Sent: on time, or late by the days past the due date.
        assert_eq!(
            drill_results_status(held, Some(d(2026, 4, 1)), d(2026, 6, 1)),
            DrillResultsStatus::Reported {
                on: d(2026, 4, 1),
                days_late: 0
            }
        );
        let sent_late = drill_results_status(held, Some(d(2026, 4, 15)), d(2026, 6, 1));
        assert_eq!(
            sent_late,
            DrillResultsStatus::Reported {
                on: d(2026, 4, 15),
                days_late: 5
            }
        );
        assert!(!sent_late.is_overdue());
        assert!(said(&sent_late.text()).en.contains("5 day"));
    }

    #[test]
    fn the_results_date_is_not_before_the_drill_nor_in_the_future() {
        let (held, today) = (d(2026, 3, 10), d(2026, 3, 20));
        assert_eq!(check_results_reported_on(held, held, today), Ok(()));
        assert_eq!(check_results_reported_on(held, today, today), Ok(()));
        let before = check_results_reported_on(held, d(2026, 3, 9), today).unwrap_err();
        assert_eq!(
            before,
            DrillResultsProblem::BeforeDrill {
                reported_on: d(2026, 3, 9),
                held_on: held
            }
        );
        assert!(said(&before.message()).zh.contains("2026-03-10"));
        let future = check_results_reported_on(held, d(2026, 3, 21), today).unwrap_err();
        assert_eq!(
            future,
            DrillResultsProblem::InFuture {
                reported_on: d(2026, 3, 21),
                today
            }
        );
        assert!(said(&future.message()).en.contains("2026-03-21"));
    }

    #[test]
    fn overdue_drill_results_are_reminded_within_the_look_back_only() {
        let held = d(2026, 3, 10);
        assert_eq!(drill_results_reminder(held, None, d(2026, 4, 10)), None);
        assert_eq!(
            drill_results_reminder(held, None, d(2026, 4, 11)),
            Some(d(2026, 4, 10))
        );
        assert_eq!(
            drill_results_reminder(held, Some(d(2026, 4, 9)), d(2026, 4, 11)),
            None,
            "sent: nothing to remind"
        );
        let last = d(2026, 4, 10) + chrono::Duration::days(DRILL_RESULTS_REMINDER_LOOKBACK_DAYS);
        assert!(drill_results_reminder(held, None, last).is_some());
        assert_eq!(
            drill_results_reminder(held, None, last + chrono::Duration::days(1)),
            None
        );
        // The query's bound never leaves out a drill the rule would remind about.
        for offset in 0..120 {
            let today = d(2026, 1, 1) + chrono::Duration::days(offset);
            for back in 0..120 {
                let held = today - chrono::Duration::days(back);
                if drill_results_reminder(held, None, today).is_some() {
                    assert!(held >= drill_results_reminders_held_from(today));
                }
            }
        }
        let mail = said(&drill_results_reminder_text(
            DrillKind::NotificationResponse,
            held,
            d(2026, 4, 12),
        ));
        assert!(mail.zh.contains("通報應變演練") && mail.zh.contains("2026-04-10"));
        assert!(mail.en.contains("competent authority") && mail.en.contains("2 day"));
    }

    #[test]
    fn the_notification_drill_period_cannot_exceed_the_regulations_year() {
        assert_eq!(check_drill_period(12), Ok(12));
        assert_eq!(check_drill_period(1), Ok(1));
        assert_eq!(check_drill_period(6), Ok(6));
        let e = check_drill_period(13).unwrap_err();
        assert_eq!(e, DrillPeriodError::AboveMaximum { given: 13, max: 12 });
        assert!(e.to_string().contains("13") && e.to_string().contains("12"));
        assert!(check_drill_period(24).is_err());
        assert_eq!(
            check_drill_period(0),
            Err(DrillPeriodError::Zero { max: 12 })
        );
        // The social-engineering drill keeps the Regulations' six months.
        assert_eq!(DrillKind::SocialEngineering.default_period_months(), 6);
        assert_eq!(
            DrillKind::NotificationResponse.default_period_months(),
            MAX_NOTIFICATION_DRILL_PERIOD_MONTHS
        );
    }

    #[test]
    fn drill_input_serde_round_trip() {
        let json = serde_json::to_string(&drill()).unwrap();
        assert!(json.contains("\"kind\":\"notification_response\""));
        assert_eq!(serde_json::from_str::<DrillInput>(&json).unwrap(), drill());
    }

    // --- ethics unit ---

    #[test]
    fn ethics_unit_only_where_national_secrets_or_sensitive_data_are_involved() {
        let hit = |kind, asset| Impact {
            kind,
            asset,
            severe: false,
        };
        assert!(!ethics_unit_may_join(&[]));
        for kind in ImpactKind::ALL {
            for asset in AssetClass::ALL {
                let data = kind != ImpactKind::Disruption;
                assert_eq!(
                    ethics_unit_may_join(&[hit(kind, asset)]),
                    data && asset >= AssetClass::Sensitive,
                    "{kind:?} {asset:?}"
                );
            }
        }
        // A disruption of critical-infrastructure core systems involves no secrets or data...
        assert!(!ethics_unit_may_join(&[hit(
            ImpactKind::Disruption,
            AssetClass::Sensitive
        )]));
        // ...a leak of sensitive information beside it does.
        assert!(ethics_unit_may_join(&[
            hit(ImpactKind::Disruption, AssetClass::Sensitive),
            hit(ImpactKind::Leak, AssetClass::Sensitive),
        ]));
        assert!(ethics_unit_may_join(&[hit(
            ImpactKind::Tamper,
            AssetClass::NationalSecret
        )]));
        let r = said(&ethics_unit_reminder());
        assert!(r.zh.contains("政風") && r.zh.contains("得納入"), "{}", r.zh);
        assert!(r.zh.contains("國家機密或機關敏感性資料"), "{}", r.zh);
        assert!(!r.zh.contains("應"), "a possibility, not a duty: {}", r.zh);
        assert!(r.en.contains("ethics unit") && r.en.contains("may"));
        assert!(!r.en.contains("must"));
    }

    #[test]
    fn the_ciso_agrees_to_team_changes_never_approves_them() {
        for s in ProposalStatus::ALL {
            let l = said(&s.label());
            assert!(!l.zh.contains("核定"), "{s:?}: {}", l.zh);
            assert!(!l.en.to_lowercase().contains("approv"), "{s:?}: {}", l.en);
        }
        assert!(said(&ProposalStatus::Proposed.label()).zh.contains("同意"));
        assert!(said(&ProposalStatus::Approved.label())
            .zh
            .contains("已同意"));
        assert!(said(&ProposalStatus::Approved.label())
            .en
            .contains("Agreed"));
    }

    #[test]
    fn the_press_officer_is_taken_on_by_the_commander_or_someone_authorised_as_needed() {
        let d = said(&Position::PressOfficer.duty());
        assert!(
            d.zh.starts_with("視事件需要由事件指揮官或其授權人員擔任"),
            "{}",
            d.zh
        );
        assert!(d.en.contains("authorises") && d.en.starts_with("As the incident requires"));
        assert!(Position::PressOfficer.as_needed());
    }
}
