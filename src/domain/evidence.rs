//! Evidence preservation (跡證保存, SPEC 6; point 4 of the procedure) and the
//! portal's chain of custody for evidence items (SPEC 8).
//!
//! During an incident the victim system is isolated first, then recovered by
//! one of three paths, each of which keeps the victim's state for the root
//! cause analysis: rebuilding over the only copy of the evidence is the
//! mistake this module is here to prevent. Evidence files get a SHA-256 and
//! a custody trail; items too large to upload are registered by hash and
//! where they are kept.
//!
//! Serving evidence is dangerous in its own way: a malware sample opened by
//! double-click, or an HTML file served inline from the portal's origin,
//! would turn evidence into an attack. So the portal always serves evidence
//! as an attachment, with a content type from a short safe list
//! ([`download_content_type`]) and a sanitised file name
//! ([`safe_download_name`]).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::filing::CLOCK_TOLERANCE_MINUTES;
use crate::i18n::Text;

/// The longest description of an evidence item.
pub const DESCRIPTION_MAX: usize = 2000;
/// The longest name of the system the evidence came from.
pub const SOURCE_SYSTEM_MAX: usize = 200;
/// The longest name of a person (collector, custodian).
pub const PERSON_MAX: usize = 100;
/// The longest "where the item is kept" text of a registered item.
pub const KEPT_AT_MAX: usize = 500;
/// The longest note on a custody transfer.
pub const NOTE_MAX: usize = 2000;
/// The longest reference number of a malware submission.
pub const REFERENCE_MAX: usize = 200;
/// The longest file name the portal serves.
pub const DOWNLOAD_NAME_MAX: usize = 150;
/// The name served when nothing of the original name survives sanitising.
pub const FALLBACK_DOWNLOAD_NAME: &str = "evidence.bin";
/// Appended to malware samples' names so no desktop runs them on a double-click.
pub const MALWARE_SUFFIX: &str = ".malware";
/// The content type of anything the portal will not vouch for.
pub const OCTET_STREAM: &str = "application/octet-stream";
/// Content types evidence may be served as (besides octet-stream): none of
/// them is rendered as active content by a browser. HTML, SVG, XML and
/// JavaScript are deliberately absent.
pub const SAFE_CONTENT_TYPES: [&str; 8] = [
    "application/pdf",
    "text/plain",
    "application/json",
    "image/png",
    "image/jpeg",
    "application/zip",
    "application/gzip",
    "application/vnd.tcpdump.pcap",
];

fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// The first response: isolate the victim (SPEC 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IsolationMeasure {
    PowerOff,
    Disconnect,
    StopService,
    RestrictConnections,
    RestrictPrivileges,
    LimitedPatching,
}

impl IsolationMeasure {
    pub const ALL: [IsolationMeasure; 6] = [
        IsolationMeasure::PowerOff,
        IsolationMeasure::Disconnect,
        IsolationMeasure::StopService,
        IsolationMeasure::RestrictConnections,
        IsolationMeasure::RestrictPrivileges,
        IsolationMeasure::LimitedPatching,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IsolationMeasure::PowerOff => "power_off",
            IsolationMeasure::Disconnect => "disconnect",
            IsolationMeasure::StopService => "stop_service",
            IsolationMeasure::RestrictConnections => "restrict_connections",
            IsolationMeasure::RestrictPrivileges => "restrict_privileges",
            IsolationMeasure::LimitedPatching => "limited_patching",
        }
    }

    pub fn parse(s: &str) -> Option<IsolationMeasure> {
        IsolationMeasure::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn label(self) -> Text {
        match self {
            IsolationMeasure::PowerOff => Text::key("isolation.measure.power_off"),
            IsolationMeasure::Disconnect => Text::key("isolation.measure.disconnect"),
            IsolationMeasure::StopService => Text::key("isolation.measure.stop_service"),
            IsolationMeasure::RestrictConnections => {
                Text::key("isolation.measure.restrict_connections")
            }
            IsolationMeasure::RestrictPrivileges => {
                Text::key("isolation.measure.restrict_privileges")
            }
            IsolationMeasure::LimitedPatching => Text::key("isolation.measure.limited_patching"),
        }
    }
}

/// How the service comes back after isolation, which decides how the
/// evidence is kept (SPEC 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryPath {
    NoRedundancy,
    FailOver,
    RedundantAlsoHit,
}

impl RecoveryPath {
    pub const ALL: [RecoveryPath; 3] = [
        RecoveryPath::NoRedundancy,
        RecoveryPath::FailOver,
        RecoveryPath::RedundantAlsoHit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecoveryPath::NoRedundancy => "no_redundancy",
            RecoveryPath::FailOver => "fail_over",
            RecoveryPath::RedundantAlsoHit => "redundant_also_hit",
        }
    }

    pub fn parse(s: &str) -> Option<RecoveryPath> {
        RecoveryPath::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> Text {
        match self {
            RecoveryPath::NoRedundancy => Text::key("recovery.path.no_redundancy"),
            RecoveryPath::FailOver => Text::key("recovery.path.fail_over"),
            RecoveryPath::RedundantAlsoHit => Text::key("recovery.path.redundant_also_hit"),
        }
    }

    /// The steps of this path, in order (SPEC 6). Every path keeps the
    /// victim's state before anything overwrites it.
    pub fn steps(self) -> &'static [RecoveryStep] {
        use RecoveryStep::*;
        match self {
            RecoveryPath::NoRedundancy => {
                &[ImageVictimStorage, RebuildOnCleanMedia, Test, ResumeService]
            }
            RecoveryPath::FailOver => &[
                SwitchToRedundant,
                KeepVictimAsIs,
                RebuildAfterRootCause,
                Test,
                SwitchBack,
            ],
            RecoveryPath::RedundantAlsoHit => {
                &[RebuildMinimumOperation, KeepEvidence, Test, ResumeService]
            }
        }
    }
}

/// One step of a recovery path. `Test` and `ResumeService` belong to more
/// than one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryStep {
    /// 製作受害主機儲存媒體映像檔 (disk or VM image).
    ImageVictimStorage,
    /// 以乾淨媒體重建.
    RebuildOnCleanMedia,
    /// 切換至備援系統.
    SwitchToRedundant,
    /// 保留受害系統現況.
    KeepVictimAsIs,
    /// 完成根因分析或完整備份後重建.
    RebuildAfterRootCause,
    /// 重建並維持最低限度對外運作.
    RebuildMinimumOperation,
    /// 保留跡證.
    KeepEvidence,
    /// 測試.
    Test,
    /// 恢復服務.
    ResumeService,
    /// 切換回原系統.
    SwitchBack,
}

impl RecoveryStep {
    pub const ALL: [RecoveryStep; 10] = [
        RecoveryStep::ImageVictimStorage,
        RecoveryStep::RebuildOnCleanMedia,
        RecoveryStep::SwitchToRedundant,
        RecoveryStep::KeepVictimAsIs,
        RecoveryStep::RebuildAfterRootCause,
        RecoveryStep::RebuildMinimumOperation,
        RecoveryStep::KeepEvidence,
        RecoveryStep::Test,
        RecoveryStep::ResumeService,
        RecoveryStep::SwitchBack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecoveryStep::ImageVictimStorage => "image_victim_storage",
            RecoveryStep::RebuildOnCleanMedia => "rebuild_on_clean_media",
            RecoveryStep::SwitchToRedundant => "switch_to_redundant",
            RecoveryStep::KeepVictimAsIs => "keep_victim_as_is",
            RecoveryStep::RebuildAfterRootCause => "rebuild_after_root_cause",
            RecoveryStep::RebuildMinimumOperation => "rebuild_minimum_operation",
            RecoveryStep::KeepEvidence => "keep_evidence",
            RecoveryStep::Test => "test",
            RecoveryStep::ResumeService => "resume_service",
            RecoveryStep::SwitchBack => "switch_back",
        }
    }

    pub fn parse(s: &str) -> Option<RecoveryStep> {
        RecoveryStep::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label(self) -> Text {
        match self {
            RecoveryStep::ImageVictimStorage => Text::key("recovery.step.image_victim_storage"),
            RecoveryStep::RebuildOnCleanMedia => Text::key("recovery.step.rebuild_on_clean_media"),
            RecoveryStep::SwitchToRedundant => Text::key("recovery.step.switch_to_redundant"),
            RecoveryStep::KeepVictimAsIs => Text::key("recovery.step.keep_victim_as_is"),
            RecoveryStep::RebuildAfterRootCause => {
                Text::key("recovery.step.rebuild_after_root_cause")
            }
            RecoveryStep::RebuildMinimumOperation => {
                Text::key("recovery.step.rebuild_minimum_operation")
            }
            RecoveryStep::KeepEvidence => Text::key("recovery.step.keep_evidence"),
            RecoveryStep::Test => Text::key("recovery.step.test"),
            RecoveryStep::ResumeService => Text::key("recovery.step.resume_service"),
            RecoveryStep::SwitchBack => Text::key("recovery.step.switch_back"),
        }
    }
}

/// The steps of `path` not in `done`, in the path's order. Steps of other
/// paths in `done` are ignored.
pub fn remaining_steps(path: RecoveryPath, done: &[RecoveryStep]) -> Vec<RecoveryStep> {
    path.steps()
        .iter()
        .copied()
        .filter(|s| !done.contains(s))
        .collect()
}

/// Whether `step` may be recorded for an incident on `path`.
pub fn check_step(path: RecoveryPath, step: RecoveryStep) -> Result<(), EvidenceError> {
    if path.steps().contains(&step) {
        Ok(())
    } else {
        Err(EvidenceError::StepNotInPath { path, step })
    }
}

/// Why recovery steps cannot be marked done yet: the procedure gives an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error, Serialize, Deserialize)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum RecoveryOrderError {
    /// No isolation measure is on record (point 4(二)1).
    #[error("no isolation measure is recorded: isolate first")]
    IsolationFirst,
    /// `step` is marked done while `earlier`, which the path puts before it, is not.
    #[error("\"{}\" cannot be done before \"{}\"", .step.as_str(), .earlier.as_str())]
    EarlierStepFirst {
        step: RecoveryStep,
        earlier: RecoveryStep,
    },
}

impl RecoveryOrderError {
    /// What must come first, in the procedure's words.
    pub fn message(&self) -> Text {
        match *self {
            RecoveryOrderError::IsolationFirst => Text::key("recovery.error.isolation_first"),
            RecoveryOrderError::EarlierStepFirst { step, earlier } => {
                Text::key("recovery.error.earlier_step_first")
                    .with("step", step.label())
                    .with("earlier", earlier.label())
            }
        }
    }
}

/// Whether the steps in `done` may stand as done on `path` (steps of other paths are
/// [`check_step`]'s business and ignored here):
/// - point 4(二)1, "機關進行跡證保存時，應優先採取隔離機制，包含設備關機、網路連線中斷或隔離、
///   關閉服務、限制連線、限制權限、有限度修補漏洞等方式": no step is done before at least one
///   isolation measure is on record (`isolation_recorded`);
/// - points 4(二)2–4 give each path's steps in order ("應備份受害系統儲存媒介…後，以乾淨儲存媒介
///   重建系統，於完成系統測試後提供服務"; "應將服務切換至備援系統…並保留受害系統及設備，於完成事件
///   根因分析或完整備份後重建系統，經系統測試後切換至原系統"): a step is done only when every
///   step before it on the path is. The first step done out of order is named with the first
///   earlier step still open.
///
/// No step done at all is always fine: choosing the path comes before isolation is complete.
pub fn check_recovery_order(
    path: RecoveryPath,
    done: &[RecoveryStep],
    isolation_recorded: bool,
) -> Result<(), RecoveryOrderError> {
    let steps = path.steps();
    if !steps.iter().any(|s| done.contains(s)) {
        return Ok(());
    }
    if !isolation_recorded {
        return Err(RecoveryOrderError::IsolationFirst);
    }
    let mut first_open = None;
    for &step in steps {
        match (done.contains(&step), first_open) {
            (true, Some(earlier)) => {
                return Err(RecoveryOrderError::EarlierStepFirst { step, earlier })
            }
            (false, None) => first_open = Some(step),
            _ => {}
        }
    }
    Ok(())
}

/// What an evidence item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    DiskImage,
    VmImage,
    LogExport,
    MemoryDump,
    NetworkCapture,
    MalwareSample,
    Document,
}

impl EvidenceKind {
    pub const ALL: [EvidenceKind; 7] = [
        EvidenceKind::DiskImage,
        EvidenceKind::VmImage,
        EvidenceKind::LogExport,
        EvidenceKind::MemoryDump,
        EvidenceKind::NetworkCapture,
        EvidenceKind::MalwareSample,
        EvidenceKind::Document,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::DiskImage => "disk_image",
            EvidenceKind::VmImage => "vm_image",
            EvidenceKind::LogExport => "log_export",
            EvidenceKind::MemoryDump => "memory_dump",
            EvidenceKind::NetworkCapture => "network_capture",
            EvidenceKind::MalwareSample => "malware_sample",
            EvidenceKind::Document => "document",
        }
    }

    pub fn parse(s: &str) -> Option<EvidenceKind> {
        EvidenceKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> Text {
        match self {
            EvidenceKind::DiskImage => Text::key("evidence.kind.disk_image"),
            EvidenceKind::VmImage => Text::key("evidence.kind.vm_image"),
            EvidenceKind::LogExport => Text::key("evidence.kind.log_export"),
            EvidenceKind::MemoryDump => Text::key("evidence.kind.memory_dump"),
            EvidenceKind::NetworkCapture => Text::key("evidence.kind.network_capture"),
            EvidenceKind::MalwareSample => Text::key("evidence.kind.malware_sample"),
            EvidenceKind::Document => Text::key("evidence.kind.document"),
        }
    }

    /// Live malware: handled, named and served so it cannot run by accident.
    /// (Images and dumps may contain malware too, but nobody double-clicks a
    /// disk image expecting a document.)
    pub fn is_dangerous(self) -> bool {
        matches!(self, EvidenceKind::MalwareSample)
    }
}

/// The content type the portal serves an item as (always as an attachment,
/// see [`content_disposition`]). A malware sample is always
/// `application/octet-stream`; anything else keeps the type the uploader
/// declared only when it is on [`SAFE_CONTENT_TYPES`] (parameters such as
/// `; charset=` are dropped, case ignored), else octet-stream.
pub fn download_content_type(kind: EvidenceKind, declared: Option<&str>) -> &'static str {
    if kind.is_dangerous() {
        return OCTET_STREAM;
    }
    let Some(declared) = declared else {
        return OCTET_STREAM;
    };
    let essence = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    SAFE_CONTENT_TYPES
        .into_iter()
        .find(|t| *t == essence)
        .unwrap_or(OCTET_STREAM)
}

/// Characters that never appear in a served name: path separators, quotes
/// (they would end the header's quoted string), and what Windows forbids.
fn is_stripped(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '/' | '\\' | '"' | '\'' | '`' | '<' | '>' | ':' | '|' | '?' | '*' | ';' | '%'
        )
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Cuts `name` to at most `max` characters, keeping a short extension.
fn truncate_keeping_extension(name: &str, max: usize) -> String {
    if char_len(name) <= max {
        return name.to_owned();
    }
    if let Some(dot) = name.rfind('.') {
        let ext = &name[dot..];
        let ext_len = char_len(ext);
        if dot > 0 && ext_len <= 16 && ext_len < max {
            let stem: String = name[..dot].chars().take(max - ext_len).collect();
            return format!("{stem}{ext}");
        }
    }
    name.chars().take(max).collect()
}

/// The file name the portal serves an item under. Only the last path
/// component of `original` is kept; control characters, quotes, path
/// separators and characters Windows forbids are removed; leading dots
/// (hidden files, `..`) and trailing dots and spaces (which Windows strips,
/// turning `evil.exe.` back into `evil.exe`) go; at most
/// [`DOWNLOAD_NAME_MAX`] characters, keeping a short extension. Nothing left
/// means [`FALLBACK_DOWNLOAD_NAME`]. Malware samples get [`MALWARE_SUFFIX`]
/// appended (within the length limit).
pub fn safe_download_name(original: &str, kind: EvidenceKind) -> String {
    let last = original
        .rsplit(['/', '\\'])
        .find(|part| !part.trim().is_empty())
        .unwrap_or("");
    let cleaned: String = last.chars().filter(|c| !is_stripped(*c)).collect();
    let cleaned = cleaned
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    let base = if cleaned.is_empty() {
        FALLBACK_DOWNLOAD_NAME
    } else {
        cleaned
    };
    if kind.is_dangerous() {
        let stem = base.strip_suffix(MALWARE_SUFFIX).unwrap_or(base);
        let stem = if stem.is_empty() {
            FALLBACK_DOWNLOAD_NAME
        } else {
            stem
        };
        let room = DOWNLOAD_NAME_MAX - MALWARE_SUFFIX.len();
        let stem: String = stem.chars().take(room).collect();
        format!("{stem}{MALWARE_SUFFIX}")
    } else {
        truncate_keeping_extension(base, DOWNLOAD_NAME_MAX)
    }
}

/// The `Content-Disposition` header value for serving an item: always an
/// attachment, never inline. The name is [`safe_download_name`]; an ASCII
/// fallback goes in `filename` and the UTF-8 name in `filename*` (RFC 6266),
/// so Chinese names survive.
pub fn content_disposition(original: &str, kind: EvidenceKind) -> String {
    let name = safe_download_name(original, kind);
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii() { c } else { '_' })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A SHA-256 as 64 lower-case hex digits, from what a user pasted
/// (surrounding whitespace ignored, either case).
pub fn parse_sha256(s: &str) -> Result<String, EvidenceError> {
    let s = s.trim();
    let given = char_len(s);
    if given != 64 {
        return Err(EvidenceError::Sha256WrongLength { given });
    }
    if !s.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(EvidenceError::Sha256NotHex);
    }
    Ok(s.to_ascii_lowercase())
}

/// An evidence item as described by whoever collected it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EvidenceInput {
    pub kind: EvidenceKind,
    pub description: String,
    /// The victim or related system it was taken from.
    pub source_system: String,
    pub collected_by: String,
    pub collected_at: DateTime<Utc>,
}

/// A form field of evidence, custody or submission forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceField {
    Description,
    SourceSystem,
    CollectedBy,
    CollectedAt,
    Sha256,
    Size,
    KeptAt,
    TransferFrom,
    TransferTo,
    Note,
    SubmittedOn,
    Reference,
    Step,
}

impl EvidenceField {
    pub const ALL: [EvidenceField; 13] = [
        EvidenceField::Description,
        EvidenceField::SourceSystem,
        EvidenceField::CollectedBy,
        EvidenceField::CollectedAt,
        EvidenceField::Sha256,
        EvidenceField::Size,
        EvidenceField::KeptAt,
        EvidenceField::TransferFrom,
        EvidenceField::TransferTo,
        EvidenceField::Note,
        EvidenceField::SubmittedOn,
        EvidenceField::Reference,
        EvidenceField::Step,
    ];

    /// The form field name.
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceField::Description => "description",
            EvidenceField::SourceSystem => "source_system",
            EvidenceField::CollectedBy => "collected_by",
            EvidenceField::CollectedAt => "collected_at",
            EvidenceField::Sha256 => "sha256",
            EvidenceField::Size => "size",
            EvidenceField::KeptAt => "kept_at",
            EvidenceField::TransferFrom => "from",
            EvidenceField::TransferTo => "to",
            EvidenceField::Note => "note",
            EvidenceField::SubmittedOn => "submitted_on",
            EvidenceField::Reference => "reference",
            EvidenceField::Step => "step",
        }
    }

    pub fn parse(s: &str) -> Option<EvidenceField> {
        EvidenceField::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn label(self) -> Text {
        match self {
            EvidenceField::Description => Text::key("evidence.field.description"),
            EvidenceField::SourceSystem => Text::key("evidence.field.source_system"),
            EvidenceField::CollectedBy => Text::key("evidence.field.collected_by"),
            EvidenceField::CollectedAt => Text::key("evidence.field.collected_at"),
            EvidenceField::Sha256 => Text::key("evidence.field.sha256"),
            EvidenceField::Size => Text::key("evidence.field.size"),
            EvidenceField::KeptAt => Text::key("evidence.field.kept_at"),
            EvidenceField::TransferFrom => Text::key("evidence.field.transfer_from"),
            EvidenceField::TransferTo => Text::key("evidence.field.transfer_to"),
            EvidenceField::Note => Text::key("evidence.field.note"),
            EvidenceField::SubmittedOn => Text::key("evidence.field.submitted_on"),
            EvidenceField::Reference => Text::key("evidence.field.reference"),
            EvidenceField::Step => Text::key("evidence.field.step"),
        }
    }
}

impl std::fmt::Display for EvidenceField {
    /// The form field name, as [`EvidenceField::as_str`].
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can be wrong with evidence, custody or submission input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum EvidenceError {
    #[error("the {field} is required")]
    Required { field: EvidenceField },
    #[error("the {field} is longer than {max} characters")]
    TooLong { field: EvidenceField, max: usize },
    /// Beyond the clock tolerance of `filing`.
    #[error("the collection time {collected_at} is in the future")]
    CollectedInFuture { collected_at: DateTime<Utc> },
    #[error("a SHA-256 is 64 hexadecimal digits; {given} characters given")]
    Sha256WrongLength { given: usize },
    #[error("a SHA-256 has only hexadecimal digits (0-9, a-f)")]
    Sha256NotHex,
    #[error("the size {size} is negative")]
    NegativeSize { size: i64 },
    /// Custody passes between two people; to oneself is not a transfer.
    #[error("the person receiving is the person handing over")]
    TransferToSelf,
    #[error("the submission date {submitted_on} is after today ({today})")]
    SubmittedInFuture {
        submitted_on: NaiveDate,
        today: NaiveDate,
    },
    #[error("the step \"{}\" is not part of the path \"{}\"", .step.as_str(), .path.as_str())]
    StepNotInPath {
        path: RecoveryPath,
        step: RecoveryStep,
    },
}

impl EvidenceError {
    /// The form field the error belongs to.
    pub fn field(self) -> EvidenceField {
        match self {
            EvidenceError::Required { field } | EvidenceError::TooLong { field, .. } => field,
            EvidenceError::CollectedInFuture { .. } => EvidenceField::CollectedAt,
            EvidenceError::Sha256WrongLength { .. } | EvidenceError::Sha256NotHex => {
                EvidenceField::Sha256
            }
            EvidenceError::NegativeSize { .. } => EvidenceField::Size,
            EvidenceError::TransferToSelf => EvidenceField::TransferTo,
            EvidenceError::SubmittedInFuture { .. } => EvidenceField::SubmittedOn,
            EvidenceError::StepNotInPath { .. } => EvidenceField::Step,
        }
    }

    pub fn message(&self) -> Text {
        match *self {
            EvidenceError::Required { field } => {
                Text::key("evidence.error.required").with("field", field.label())
            }
            EvidenceError::TooLong { field, max } => Text::key("evidence.error.too_long")
                .with("field", field.label())
                .with("max", max),
            EvidenceError::CollectedInFuture { collected_at } => {
                let local = super::deadlines::to_taipei(collected_at).format("%Y-%m-%d %H:%M");
                Text::key("evidence.error.collected_in_future").with("time", local.to_string())
            }
            EvidenceError::Sha256WrongLength { given } => {
                Text::key("evidence.error.sha256_wrong_length").with("given", given)
            }
            EvidenceError::Sha256NotHex => Text::key("evidence.error.sha256_not_hex"),
            EvidenceError::NegativeSize { size } => {
                Text::key("evidence.error.negative_size").with("size", size)
            }
            EvidenceError::TransferToSelf => Text::key("custody.error.transfer_to_self"),
            EvidenceError::SubmittedInFuture {
                submitted_on,
                today,
            } => Text::key("evidence.submission.error.in_future")
                .with("submitted_on", submitted_on.to_string())
                .with("today", today.to_string()),
            EvidenceError::StepNotInPath { path, step } => {
                Text::key("recovery.error.step_not_in_path")
                    .with("step", step.label())
                    .with("path", path.label())
            }
        }
    }
}

/// Required and bounded text: pushes `Required` or `TooLong`.
fn check_text(
    errors: &mut Vec<EvidenceError>,
    field: EvidenceField,
    value: &str,
    required: bool,
    max: usize,
) {
    let value = value.trim();
    if value.is_empty() {
        if required {
            errors.push(EvidenceError::Required { field });
        }
    } else if char_len(value) > max {
        errors.push(EvidenceError::TooLong { field, max });
    }
}

/// Every problem of an evidence item's description, in form order.
/// `collected_at` may be up to the filing clock tolerance (5 minutes) ahead
/// of `now`: the collector's clock is not the server's.
pub fn check_evidence(e: &EvidenceInput, now: DateTime<Utc>) -> Vec<EvidenceError> {
    let mut errors = Vec::new();
    check_text(
        &mut errors,
        EvidenceField::Description,
        &e.description,
        true,
        DESCRIPTION_MAX,
    );
    check_text(
        &mut errors,
        EvidenceField::SourceSystem,
        &e.source_system,
        true,
        SOURCE_SYSTEM_MAX,
    );
    check_text(
        &mut errors,
        EvidenceField::CollectedBy,
        &e.collected_by,
        true,
        PERSON_MAX,
    );
    if e.collected_at > now + Duration::minutes(CLOCK_TOLERANCE_MINUTES) {
        errors.push(EvidenceError::CollectedInFuture {
            collected_at: e.collected_at,
        });
    }
    errors
}

/// An item too large to upload, registered by its hash, optional size in
/// bytes and where it is kept (e.g. "資訊室保險櫃 A-3, 外接硬碟 SN123").
pub fn check_registration(sha256: &str, size: Option<i64>, kept_at: &str) -> Vec<EvidenceError> {
    let mut errors = Vec::new();
    if let Err(e) = parse_sha256(sha256) {
        errors.push(e);
    }
    if let Some(size) = size.filter(|s| *s < 0) {
        errors.push(EvidenceError::NegativeSize { size });
    }
    check_text(
        &mut errors,
        EvidenceField::KeptAt,
        kept_at,
        true,
        KEPT_AT_MAX,
    );
    errors
}

/// An entry of an item's chain of custody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustodyEvent {
    Uploaded,
    Registered,
    Transferred,
    Downloaded,
    Verified,
    VerificationFailed,
}

impl CustodyEvent {
    pub const ALL: [CustodyEvent; 6] = [
        CustodyEvent::Uploaded,
        CustodyEvent::Registered,
        CustodyEvent::Transferred,
        CustodyEvent::Downloaded,
        CustodyEvent::Verified,
        CustodyEvent::VerificationFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CustodyEvent::Uploaded => "uploaded",
            CustodyEvent::Registered => "registered",
            CustodyEvent::Transferred => "transferred",
            CustodyEvent::Downloaded => "downloaded",
            CustodyEvent::Verified => "verified",
            CustodyEvent::VerificationFailed => "verification_failed",
        }
    }

    pub fn parse(s: &str) -> Option<CustodyEvent> {
        CustodyEvent::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// The incident timeline's kind for this event, e.g. "custody.downloaded".
    pub fn timeline_kind(self) -> String {
        format!("custody.{}", self.as_str())
    }

    /// The event from a timeline kind, if it is a custody one.
    pub fn from_timeline_kind(kind: &str) -> Option<CustodyEvent> {
        kind.strip_prefix("custody.").and_then(CustodyEvent::parse)
    }

    pub fn label(self) -> Text {
        match self {
            CustodyEvent::Uploaded => Text::key("custody.event.uploaded"),
            CustodyEvent::Registered => Text::key("custody.event.registered"),
            CustodyEvent::Transferred => Text::key("custody.event.transferred"),
            CustodyEvent::Downloaded => Text::key("custody.event.downloaded"),
            CustodyEvent::Verified => Text::key("custody.event.verified"),
            CustodyEvent::VerificationFailed => Text::key("custody.event.verification_failed"),
        }
    }
}

/// A hand-over of a physical or registered item: both people named, not the
/// same person (compared ignoring case and surrounding spaces), note optional.
pub fn check_transfer(from: &str, to: &str, note: &str) -> Vec<EvidenceError> {
    let mut errors = Vec::new();
    check_text(
        &mut errors,
        EvidenceField::TransferFrom,
        from,
        true,
        PERSON_MAX,
    );
    check_text(&mut errors, EvidenceField::TransferTo, to, true, PERSON_MAX);
    let (f, t) = (from.trim(), to.trim());
    if !f.is_empty() && f.to_lowercase() == t.to_lowercase() {
        errors.push(EvidenceError::TransferToSelf);
    }
    check_text(&mut errors, EvidenceField::Note, note, false, NOTE_MAX);
    errors
}

/// Where a malware sample may go (SPEC 5 stage 4): an anti-virus or security
/// vendor and Virus Check, and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionTarget {
    AntivirusVendor,
    VirusCheck,
}

impl SubmissionTarget {
    pub const ALL: [SubmissionTarget; 2] = [
        SubmissionTarget::AntivirusVendor,
        SubmissionTarget::VirusCheck,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionTarget::AntivirusVendor => "antivirus_vendor",
            SubmissionTarget::VirusCheck => "virus_check",
        }
    }

    pub fn parse(s: &str) -> Option<SubmissionTarget> {
        SubmissionTarget::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label(self) -> Text {
        match self {
            SubmissionTarget::AntivirusVendor => {
                Text::key("evidence.submission.target.antivirus_vendor")
            }
            SubmissionTarget::VirusCheck => Text::key("evidence.submission.target.virus_check"),
        }
    }

    /// The platform's address, where it has one.
    pub fn url(self) -> Option<&'static str> {
        match self {
            SubmissionTarget::AntivirusVendor => None,
            SubmissionTarget::VirusCheck => Some("https://viruscheck.tw/"),
        }
    }
}

/// The rule shown next to every malware sample, point 3(四)1 as amended: "惡意
/// 程式建議得請防毒軟體或資安服務公司檢測，並上傳至Virus Check網站
/// (https://viruscheck.tw/)分析…不宜上傳至其他平臺" (its 說明 3: the evidence may
/// hold the agency's sensitive information). The portal records submissions
/// to these two only.
pub fn samples_policy() -> Text {
    Text::key("evidence.samples_policy")
}

/// A sample submission as recorded: date not after `today` (Taipei date),
/// reference number optional, at most [`REFERENCE_MAX`] characters.
pub fn check_submission(
    submitted_on: NaiveDate,
    reference: &str,
    today: NaiveDate,
) -> Vec<EvidenceError> {
    let mut errors = Vec::new();
    if submitted_on > today {
        errors.push(EvidenceError::SubmittedInFuture {
            submitted_on,
            today,
        });
    }
    check_text(
        &mut errors,
        EvidenceField::Reference,
        reference,
        false,
        REFERENCE_MAX,
    );
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use chrono::TimeZone;

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

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, h, m, 0).unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn input() -> EvidenceInput {
        EvidenceInput {
            kind: EvidenceKind::LogExport,
            description: "防火牆日誌 3/1–3/10".to_owned(),
            source_system: "FW-01".to_owned(),
            collected_by: "王小明".to_owned(),
            collected_at: t(9, 0),
        }
    }

    // --- enums ---

    #[test]
    fn isolation_measures_round_trip() {
        for m in IsolationMeasure::ALL {
            assert_eq!(IsolationMeasure::parse(m.as_str()), Some(m));
            assert!(!said(&m.label()).en.is_empty());
        }
        assert_eq!(
            IsolationMeasure::ALL.map(|x| said(&x.label()).zh),
            [
                "關機",
                "斷線或隔離網路",
                "停止服務",
                "限制連線",
                "限制權限",
                "有限度修補"
            ]
        );
        assert_eq!(IsolationMeasure::parse("unplug"), None);
    }

    #[test]
    fn recovery_paths_and_steps_round_trip() {
        for p in RecoveryPath::ALL {
            assert_eq!(RecoveryPath::parse(p.as_str()), Some(p));
            assert!(!said(&p.label()).en.is_empty());
        }
        assert_eq!(
            RecoveryPath::ALL.map(|x| said(&x.label()).zh),
            ["無備援機制", "有備援機制（切換備援）", "備援系統亦受害"]
        );
        for s in RecoveryStep::ALL {
            assert_eq!(RecoveryStep::parse(s.as_str()), Some(s));
            let l = said(&s.label());
            assert!(!l.zh.is_empty() && !l.en.is_empty());
            // Every step belongs to some path.
            assert!(RecoveryPath::ALL.iter().any(|p| p.steps().contains(&s)));
        }
        assert_eq!(RecoveryPath::parse(""), None);
        assert_eq!(RecoveryStep::parse("reboot"), None);
    }

    #[test]
    fn steps_follow_spec_6_in_order() {
        use RecoveryStep::*;
        assert_eq!(
            RecoveryPath::NoRedundancy.steps(),
            [ImageVictimStorage, RebuildOnCleanMedia, Test, ResumeService]
        );
        assert_eq!(
            RecoveryPath::FailOver.steps(),
            [
                SwitchToRedundant,
                KeepVictimAsIs,
                RebuildAfterRootCause,
                Test,
                SwitchBack
            ]
        );
        assert_eq!(
            RecoveryPath::RedundantAlsoHit.steps(),
            [RebuildMinimumOperation, KeepEvidence, Test, ResumeService]
        );
    }

    #[test]
    fn remaining_steps_keep_order_and_ignore_foreign_steps() {
        use RecoveryStep::*;
        let p = RecoveryPath::FailOver;
        assert_eq!(remaining_steps(p, &[]), p.steps());
        assert_eq!(
            remaining_steps(p, &[KeepVictimAsIs, SwitchToRedundant, ImageVictimStorage]),
            [RebuildAfterRootCause, Test, SwitchBack]
        );
        assert_eq!(remaining_steps(p, p.steps()), []);
        assert_eq!(
            remaining_steps(RecoveryPath::NoRedundancy, &[Test, Test]),
            [ImageVictimStorage, RebuildOnCleanMedia, ResumeService]
        );
    }

    #[test]
    fn check_step_rejects_steps_of_other_paths() {
        for p in RecoveryPath::ALL {
            for s in RecoveryStep::ALL {
                let r = check_step(p, s);
                assert_eq!(r.is_ok(), p.steps().contains(&s), "{p:?} {s:?}");
            }
        }
        let e = check_step(RecoveryPath::NoRedundancy, RecoveryStep::SwitchBack).unwrap_err();
        assert_eq!(
            e,
            EvidenceError::StepNotInPath {
                path: RecoveryPath::NoRedundancy,
                step: RecoveryStep::SwitchBack
            }
        );
        let m = said(&e.message());
        assert!(m.zh.contains("切換回原系統") && m.zh.contains("無備援機制"));
        assert!(m.en.contains("Switch back") && m.en.contains("No redundancy"));
        assert_eq!(e.field(), EvidenceField::Step);
    }

    #[test]
    fn no_recovery_step_is_done_before_an_isolation_measure_is_recorded() {
        use RecoveryStep::*;
        for p in RecoveryPath::ALL {
            // Choosing the path alone needs nothing.
            assert_eq!(check_recovery_order(p, &[], false), Ok(()));
            let first = p.steps()[0];
            assert_eq!(
                check_recovery_order(p, &[first], false),
                Err(RecoveryOrderError::IsolationFirst),
                "{p:?}"
            );
            assert_eq!(check_recovery_order(p, &[first], true), Ok(()));
        }
        // A step of another path does not count as progress on this one.
        assert_eq!(
            check_recovery_order(RecoveryPath::FailOver, &[ImageVictimStorage], false),
            Ok(())
        );
        let m = said(&RecoveryOrderError::IsolationFirst.message());
        assert!(m.zh.contains("隔離") && m.zh.contains("優先"), "{}", m.zh);
        assert!(m.en.contains("isolation"), "{}", m.en);
    }

    #[test]
    fn recovery_steps_are_done_in_the_order_of_the_procedure() {
        use RecoveryStep::*;
        let p = RecoveryPath::NoRedundancy;
        // Rebuilding before the victim's storage is imaged would overwrite the evidence.
        assert_eq!(
            check_recovery_order(p, &[RebuildOnCleanMedia], true),
            Err(RecoveryOrderError::EarlierStepFirst {
                step: RebuildOnCleanMedia,
                earlier: ImageVictimStorage
            })
        );
        assert_eq!(
            check_recovery_order(p, &[ImageVictimStorage, RebuildOnCleanMedia, Test], true),
            Ok(())
        );
        // The first step out of order, named with the first earlier one still open.
        assert_eq!(
            check_recovery_order(p, &[ImageVictimStorage, ResumeService], true),
            Err(RecoveryOrderError::EarlierStepFirst {
                step: ResumeService,
                earlier: RebuildOnCleanMedia
            })
        );
        assert_eq!(
            check_recovery_order(
                RecoveryPath::FailOver,
                &[SwitchBack, Test, KeepVictimAsIs, SwitchToRedundant],
                true
            ),
            Err(RecoveryOrderError::EarlierStepFirst {
                step: Test,
                earlier: RebuildAfterRootCause
            })
        );
        for p in RecoveryPath::ALL {
            let steps = p.steps();
            for n in 0..=steps.len() {
                assert_eq!(
                    check_recovery_order(p, &steps[..n], true),
                    Ok(()),
                    "{p:?} {n}"
                );
            }
        }
        let m = said(
            &RecoveryOrderError::EarlierStepFirst {
                step: RebuildOnCleanMedia,
                earlier: ImageVictimStorage,
            }
            .message(),
        );
        assert!(m.zh.contains("以乾淨之儲存媒體重建系統") && m.zh.contains("映像檔"));
        assert!(m.en.contains("Rebuild the system on clean media") && m.en.contains("Image"));
    }

    #[test]
    fn evidence_kinds_round_trip_and_only_malware_is_dangerous() {
        for k in EvidenceKind::ALL {
            assert_eq!(EvidenceKind::parse(k.as_str()), Some(k));
            assert!(!said(&k.label()).en.is_empty());
            assert_eq!(k.is_dangerous(), k == EvidenceKind::MalwareSample);
        }
        assert_eq!(
            EvidenceKind::ALL.map(|x| said(&x.label()).zh),
            [
                "磁碟映像檔",
                "虛擬機映像檔",
                "日誌匯出",
                "記憶體傾印",
                "網路封包",
                "惡意程式樣本",
                "文件"
            ]
        );
        assert_eq!(EvidenceKind::parse("Malware_Sample"), None);
        assert_eq!(
            serde_json::to_string(&EvidenceKind::MalwareSample).unwrap(),
            "\"malware_sample\""
        );
    }

    #[test]
    fn custody_events_round_trip_through_timeline_kinds() {
        for e in CustodyEvent::ALL {
            assert_eq!(CustodyEvent::parse(e.as_str()), Some(e));
            assert_eq!(
                CustodyEvent::from_timeline_kind(&e.timeline_kind()),
                Some(e)
            );
            let l = said(&e.label());
            assert!(!l.zh.is_empty() && !l.en.is_empty());
        }
        assert_eq!(
            CustodyEvent::Downloaded.timeline_kind(),
            "custody.downloaded"
        );
        assert_eq!(
            CustodyEvent::VerificationFailed.timeline_kind(),
            "custody.verification_failed"
        );
        assert_eq!(CustodyEvent::from_timeline_kind("downloaded"), None);
        assert_eq!(CustodyEvent::from_timeline_kind("stage.downloaded"), None);
        assert_eq!(CustodyEvent::parse("deleted"), None);
    }

    #[test]
    fn submission_targets_round_trip() {
        for t in SubmissionTarget::ALL {
            assert_eq!(SubmissionTarget::parse(t.as_str()), Some(t));
            assert!(!said(&t.label()).en.is_empty());
        }
        assert_eq!(
            said(&SubmissionTarget::AntivirusVendor.label()).zh,
            "防毒軟體廠商"
        );
        assert_eq!(
            said(&SubmissionTarget::VirusCheck.label()).zh,
            "Virus Check 網站"
        );
        assert_eq!(
            SubmissionTarget::VirusCheck.url(),
            Some("https://viruscheck.tw/")
        );
        assert_eq!(SubmissionTarget::AntivirusVendor.url(), None);
        assert_eq!(SubmissionTarget::parse("virustotal"), None);
        let p = said(&samples_policy());
        // Point 3(四)1 as amended: "…並上傳至Virus Check網站…分析…不宜上傳至其他平臺".
        assert!(p.zh.contains("Virus Check 網站") && p.zh.contains("不宜上傳至其他平臺"));
        assert!(p.en.contains("should not be uploaded to other platforms"));
    }

    #[test]
    fn evidence_fields_round_trip() {
        for f in EvidenceField::ALL {
            assert_eq!(EvidenceField::parse(f.as_str()), Some(f));
            assert_eq!(f.to_string(), f.as_str());
            let l = said(&f.label());
            assert!(!l.zh.is_empty() && !l.en.is_empty());
        }
        assert_eq!(EvidenceField::parse("x"), None);
    }

    // --- downloads ---

    #[test]
    fn malware_is_always_octet_stream() {
        for declared in [
            None,
            Some("application/pdf"),
            Some("text/plain"),
            Some("application/x-msdownload"),
        ] {
            assert_eq!(
                download_content_type(EvidenceKind::MalwareSample, declared),
                OCTET_STREAM
            );
        }
    }

    #[test]
    fn only_safe_declared_types_are_kept() {
        for k in EvidenceKind::ALL.into_iter().filter(|k| !k.is_dangerous()) {
            for safe in SAFE_CONTENT_TYPES {
                assert_eq!(download_content_type(k, Some(safe)), safe);
            }
            assert_eq!(download_content_type(k, None), OCTET_STREAM);
        }
        let k = EvidenceKind::Document;
        assert_eq!(
            download_content_type(k, Some("Text/Plain; charset=utf-8")),
            "text/plain"
        );
        assert_eq!(
            download_content_type(k, Some(" application/PDF ")),
            "application/pdf"
        );
        for unsafe_type in [
            "text/html",
            "image/svg+xml",
            "application/javascript",
            "text/xml",
            "application/xhtml+xml",
            "application/x-msdownload",
            "",
            "text/plain2",
            "xtext/plain",
        ] {
            assert_eq!(
                download_content_type(k, Some(unsafe_type)),
                OCTET_STREAM,
                "{unsafe_type}"
            );
        }
    }

    #[test]
    fn download_names_are_sanitised() {
        let doc = EvidenceKind::Document;
        assert_eq!(safe_download_name("../../evil.exe", doc), "evil.exe");
        assert_eq!(safe_download_name("..\\..\\evil.exe", doc), "evil.exe");
        assert_eq!(safe_download_name("C:\\Users\\x\\log.txt", doc), "log.txt");
        assert_eq!(safe_download_name("a\"b\r\n.txt", doc), "ab.txt");
        assert_eq!(safe_download_name("報告 v2.pdf", doc), "報告 v2.pdf");
        assert_eq!(safe_download_name("dir/", doc), "dir");
        assert_eq!(safe_download_name(".htaccess", doc), "htaccess");
        assert_eq!(safe_download_name("evil.exe. . ", doc), "evil.exe");
        assert_eq!(
            safe_download_name("a<b>c:d|e?f*g;h%i'j`k.txt", doc),
            "abcdefghijk.txt"
        );
        assert_eq!(safe_download_name("x\u{202E}txt.exe", doc), "xtxt.exe");
        for empty in ["", "..", "../..", "/", "\"\"", "\r\n", " . "] {
            assert_eq!(
                safe_download_name(empty, doc),
                FALLBACK_DOWNLOAD_NAME,
                "{empty:?}"
            );
        }
    }

    #[test]
    fn download_names_are_bounded_keeping_the_extension() {
        let doc = EvidenceKind::Document;
        let at_max = format!("{}.txt", "a".repeat(DOWNLOAD_NAME_MAX - 4));
        assert_eq!(safe_download_name(&at_max, doc), at_max);
        let long = format!("{}.pcap", "名".repeat(300));
        let name = safe_download_name(&long, doc);
        assert_eq!(name.chars().count(), DOWNLOAD_NAME_MAX);
        assert!(name.ends_with(".pcap"));
        let no_ext = "b".repeat(300);
        assert_eq!(
            safe_download_name(&no_ext, doc).chars().count(),
            DOWNLOAD_NAME_MAX
        );
        // A "extension" longer than 16 characters is not kept specially.
        let odd = format!("a.{}", "b".repeat(300));
        assert_eq!(
            safe_download_name(&odd, doc).chars().count(),
            DOWNLOAD_NAME_MAX
        );
    }

    #[test]
    fn malware_names_get_the_suffix() {
        let m = EvidenceKind::MalwareSample;
        assert_eq!(safe_download_name("../../evil.exe", m), "evil.exe.malware");
        assert_eq!(safe_download_name("", m), "evidence.bin.malware");
        assert_eq!(safe_download_name("x.malware", m), "x.malware");
        assert_eq!(safe_download_name(".malware", m), "malware.malware");
        let long = format!("{}.exe", "a".repeat(300));
        let name = safe_download_name(&long, m);
        assert_eq!(name.chars().count(), DOWNLOAD_NAME_MAX);
        assert!(name.ends_with(MALWARE_SUFFIX));
    }

    #[test]
    fn content_disposition_is_always_an_attachment() {
        assert_eq!(
            content_disposition("../報告.pdf", EvidenceKind::Document),
            "attachment; filename=\"__.pdf\"; filename*=UTF-8''%E5%A0%B1%E5%91%8A.pdf"
        );
        assert_eq!(
            content_disposition("a\"b\r\n.txt", EvidenceKind::LogExport),
            "attachment; filename=\"ab.txt\"; filename*=UTF-8''ab.txt"
        );
        assert_eq!(
            content_disposition("evil.exe", EvidenceKind::MalwareSample),
            "attachment; filename=\"evil.exe.malware\"; filename*=UTF-8''evil.exe.malware"
        );
        assert_eq!(
            content_disposition("a b.txt", EvidenceKind::Document),
            "attachment; filename=\"a b.txt\"; filename*=UTF-8''a%20b.txt"
        );
    }

    // --- hashes ---

    #[test]
    fn sha256_is_trimmed_and_lower_cased() {
        assert_eq!(parse_sha256(HASH).unwrap(), HASH);
        assert_eq!(
            parse_sha256(&format!("  {}\n", HASH.to_uppercase())).unwrap(),
            HASH
        );
    }

    #[test]
    fn sha256_wrong_length_or_not_hex() {
        assert_eq!(
            parse_sha256(""),
            Err(EvidenceError::Sha256WrongLength { given: 0 })
        );
        assert_eq!(
            parse_sha256(&HASH[..63]),
            Err(EvidenceError::Sha256WrongLength { given: 63 })
        );
        assert_eq!(
            parse_sha256(&format!("{HASH}0")),
            Err(EvidenceError::Sha256WrongLength { given: 65 })
        );
        assert_eq!(
            parse_sha256(&format!("{}g", &HASH[..63])),
            Err(EvidenceError::Sha256NotHex)
        );
        assert_eq!(
            parse_sha256(&format!("{} {}", &HASH[..31], &HASH[..32])),
            Err(EvidenceError::Sha256NotHex)
        );
        // Multi-byte characters count as one each.
        assert_eq!(
            parse_sha256(&"雜".repeat(64)),
            Err(EvidenceError::Sha256NotHex)
        );
        let m = said(&EvidenceError::Sha256WrongLength { given: 63 }.message());
        assert!(m.zh.contains("64") && m.zh.contains("63"));
        assert!(m.en.contains("64") && m.en.contains("63"));
        assert!(said(&EvidenceError::Sha256NotHex.message())
            .zh
            .contains("十六進位"));
    }

    // --- evidence input ---

    #[test]
    fn a_good_item_passes() {
        assert_eq!(check_evidence(&input(), t(10, 0)), []);
    }

    #[test]
    fn item_texts_are_required_and_bounded() {
        let blank = EvidenceInput {
            description: " ".to_owned(),
            source_system: String::new(),
            collected_by: "\n".to_owned(),
            ..input()
        };
        assert_eq!(
            check_evidence(&blank, t(10, 0)),
            [
                EvidenceError::Required {
                    field: EvidenceField::Description
                },
                EvidenceError::Required {
                    field: EvidenceField::SourceSystem
                },
                EvidenceError::Required {
                    field: EvidenceField::CollectedBy
                },
            ]
        );
        let at_max = EvidenceInput {
            description: "述".repeat(DESCRIPTION_MAX),
            source_system: "系".repeat(SOURCE_SYSTEM_MAX),
            collected_by: "人".repeat(PERSON_MAX),
            ..input()
        };
        assert_eq!(check_evidence(&at_max, t(10, 0)), []);
        let over = EvidenceInput {
            description: "述".repeat(DESCRIPTION_MAX + 1),
            source_system: "系".repeat(SOURCE_SYSTEM_MAX + 1),
            collected_by: "人".repeat(PERSON_MAX + 1),
            ..input()
        };
        assert_eq!(
            check_evidence(&over, t(10, 0)),
            [
                EvidenceError::TooLong {
                    field: EvidenceField::Description,
                    max: DESCRIPTION_MAX
                },
                EvidenceError::TooLong {
                    field: EvidenceField::SourceSystem,
                    max: SOURCE_SYSTEM_MAX
                },
                EvidenceError::TooLong {
                    field: EvidenceField::CollectedBy,
                    max: PERSON_MAX
                },
            ]
        );
    }

    #[test]
    fn collection_time_allows_five_minutes_of_skew() {
        let now = t(10, 0);
        for ok in [t(9, 0), now, t(10, 5)] {
            let e = EvidenceInput {
                collected_at: ok,
                ..input()
            };
            assert_eq!(check_evidence(&e, now), [], "{ok}");
        }
        let late = Utc.with_ymd_and_hms(2026, 3, 10, 10, 5, 1).unwrap();
        let e = EvidenceInput {
            collected_at: late,
            ..input()
        };
        let errors = check_evidence(&e, now);
        assert_eq!(
            errors,
            [EvidenceError::CollectedInFuture { collected_at: late }]
        );
        // Shown in Taipei time.
        assert!(said(&errors[0].message()).zh.contains("2026-03-10 18:05"));
        assert_eq!(errors[0].field(), EvidenceField::CollectedAt);
    }

    // --- registration ---

    #[test]
    fn registration_checks_hash_size_and_place() {
        assert_eq!(check_registration(HASH, Some(0), "保險櫃 A-3"), []);
        assert_eq!(check_registration(HASH, None, "保險櫃 A-3"), []);
        assert_eq!(
            check_registration("abc", Some(-1), " "),
            [
                EvidenceError::Sha256WrongLength { given: 3 },
                EvidenceError::NegativeSize { size: -1 },
                EvidenceError::Required {
                    field: EvidenceField::KeptAt
                },
            ]
        );
        assert_eq!(
            check_registration(HASH, Some(1), &"處".repeat(KEPT_AT_MAX)),
            []
        );
        assert_eq!(
            check_registration(HASH, Some(1), &"處".repeat(KEPT_AT_MAX + 1)),
            [EvidenceError::TooLong {
                field: EvidenceField::KeptAt,
                max: KEPT_AT_MAX
            }]
        );
        let m = said(&EvidenceError::NegativeSize { size: -1 }.message());
        assert!(m.zh.contains("-1") && m.en.contains("negative"));
    }

    // --- transfer ---

    #[test]
    fn transfer_needs_two_different_people() {
        assert_eq!(check_transfer("王小明", "李四", ""), []);
        assert_eq!(
            check_transfer("", " ", ""),
            [
                EvidenceError::Required {
                    field: EvidenceField::TransferFrom
                },
                EvidenceError::Required {
                    field: EvidenceField::TransferTo
                },
            ]
        );
        assert_eq!(
            check_transfer("王小明", " 王小明 ", ""),
            [EvidenceError::TransferToSelf]
        );
        assert_eq!(
            check_transfer("Alice", "alice", ""),
            [EvidenceError::TransferToSelf]
        );
        let long = "人".repeat(PERSON_MAX + 1);
        assert_eq!(
            check_transfer(&long, "李四", &"註".repeat(NOTE_MAX + 1)),
            [
                EvidenceError::TooLong {
                    field: EvidenceField::TransferFrom,
                    max: PERSON_MAX
                },
                EvidenceError::TooLong {
                    field: EvidenceField::Note,
                    max: NOTE_MAX
                },
            ]
        );
        assert_eq!(
            check_transfer("王小明", &long, &"註".repeat(NOTE_MAX)),
            [EvidenceError::TooLong {
                field: EvidenceField::TransferTo,
                max: PERSON_MAX
            }]
        );
        assert_eq!(
            EvidenceError::TransferToSelf.field(),
            EvidenceField::TransferTo
        );
    }

    // --- submissions ---

    #[test]
    fn submissions_are_not_in_the_future() {
        let today = d(2026, 3, 10);
        assert_eq!(check_submission(today, "", today), []);
        assert_eq!(check_submission(d(2026, 3, 1), "VC-2026-0001", today), []);
        let errors = check_submission(d(2026, 3, 11), "", today);
        assert_eq!(
            errors,
            [EvidenceError::SubmittedInFuture {
                submitted_on: d(2026, 3, 11),
                today
            }]
        );
        assert!(said(&errors[0].message()).zh.contains("2026-03-11"));
        assert_eq!(
            check_submission(today, &"R".repeat(REFERENCE_MAX), today),
            []
        );
        assert_eq!(
            check_submission(today, &"R".repeat(REFERENCE_MAX + 1), today),
            [EvidenceError::TooLong {
                field: EvidenceField::Reference,
                max: REFERENCE_MAX
            }]
        );
    }

    #[test]
    fn every_error_has_a_message_naming_its_field() {
        let all = [
            EvidenceError::Required {
                field: EvidenceField::Description,
            },
            EvidenceError::TooLong {
                field: EvidenceField::KeptAt,
                max: 500,
            },
            EvidenceError::CollectedInFuture {
                collected_at: t(10, 0),
            },
            EvidenceError::Sha256WrongLength { given: 1 },
            EvidenceError::Sha256NotHex,
            EvidenceError::NegativeSize { size: -5 },
            EvidenceError::TransferToSelf,
            EvidenceError::SubmittedInFuture {
                submitted_on: d(2026, 1, 2),
                today: d(2026, 1, 1),
            },
            EvidenceError::StepNotInPath {
                path: RecoveryPath::FailOver,
                step: RecoveryStep::KeepEvidence,
            },
        ];
        for e in all {
            let m = said(&e.message());
            let field = said(&e.field().label());
            assert!(m.zh.contains(&field.zh), "{}", m.zh);
            assert!(
                m.en.to_lowercase().contains(&field.en.to_lowercase())
                    || matches!(e, EvidenceError::StepNotInPath { .. }),
                "{}",
                m.en
            );
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn evidence_input_serde_round_trip() {
        let json = serde_json::to_string(&input()).unwrap();
        assert!(json.contains("\"kind\":\"log_export\""));
        assert_eq!(
            serde_json::from_str::<EvidenceInput>(&json).unwrap(),
            input()
        );
    }
}
