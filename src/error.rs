//! The one error type of the portal. Services return it; the web layer turns it into a
//! response (`web::error`). A 5xx says little to the user and everything to the log.

pub use crate::domain::FieldErrors;
use crate::i18n::Text;

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Invalid(e)
    }
}

/// The domain's objections to some input, as one error naming each (or `Ok` when none).
pub fn reject_if_any(problems: Vec<(String, Text)>) -> Result<(), AppError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::Rejected(problems))
    }
}

/// One objection to one field.
pub fn rejected_field(field: &str, m: Text) -> AppError {
    AppError::Rejected(vec![(field.to_string(), m)])
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in (pages redirect to the sign-in page).
    #[error("not signed in")]
    Unauthenticated,
    /// Absent, or not visible to this user: the two are never told apart.
    #[error("not found")]
    NotFound,
    /// Visible, but this user may not do it.
    #[error("forbidden")]
    Forbidden,
    #[error("the form's CSRF token is missing or wrong")]
    CsrfRejected,
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// A JSON API body that cannot be used; the message says why.
    #[error("unprocessable: {0}")]
    Unprocessable(String),
    /// A stage action out of order: what is still missing.
    #[error("stage incomplete")]
    StageIncomplete(Vec<crate::i18n::Text>),
    /// Something asked for before what the procedure puts first: what must come first, each
    /// named (409).
    #[error("out of order: {}", .0.iter().map(|m| crate::i18n::Lang::En.text(m)).collect::<Vec<_>>().join("; "))]
    OutOfOrder(Vec<crate::i18n::Text>),
    /// Too many failed sign-ins: minutes until the next try.
    #[error("throttled")]
    Throttled(i64),
    /// Input the domain refused: (field, what is wrong), for forms that name each problem in
    /// the procedure's words.
    #[error("rejected: {}", .0.iter().map(|(f, m)| format!("{f}: {}", crate::i18n::Lang::En.text(m))).collect::<Vec<_>>().join("; "))]
    Rejected(Vec<(String, Text)>),
    #[error("request body too large")]
    TooLarge,
    /// An upload that stopped sending for longer than the idle limit (408).
    #[error("the upload stalled")]
    UploadStalled,
    /// Something the answer needs is not available now: the catalog key says what (503).
    #[error("unavailable: {0}")]
    Unavailable(&'static str),
    /// The server's storage is full (the upload spool's disk here, or the database's, SQLSTATE
    /// 53100): nothing of the request was kept (507).
    #[error("storage full")]
    StorageFull,
    /// More uploads at once than one user may run (429).
    #[error("too many uploads at once")]
    TooManyUploads,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}
