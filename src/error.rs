//! The one error type of the portal. Services return it; the web layer turns it into a
//! response (`web::error`). A 5xx says little to the user and everything to the log.

use std::collections::BTreeMap;

use crate::i18n::Text;

/// Field name → message key (translated by the page that shows it).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message_key: &str) {
        self.0
            .entry(field.to_string())
            .or_insert_with(|| message_key.to_string());
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }
    /// `Ok(())` when nothing was added, else the errors as an `AppError`.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self))
        }
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
    /// A stage action out of order: what is still missing, in both languages.
    #[error("stage incomplete")]
    StageIncomplete(Vec<crate::domain::Bilingual>),
    /// Too many failed sign-ins: minutes until the next try.
    #[error("throttled")]
    Throttled(i64),
    /// Input the domain refused: (field, what is wrong), for forms that name each problem in
    /// the procedure's words.
    #[error("rejected: {}", .0.iter().map(|(f, m)| format!("{f}: {}", crate::i18n::Lang::En.text(m))).collect::<Vec<_>>().join("; "))]
    Rejected(Vec<(String, Text)>),
    #[error("request body too large")]
    TooLarge,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}
