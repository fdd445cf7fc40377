//! How an `AppError` looks to a browser (a page) and to an API client (JSON).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::json;

use crate::error::AppError;
use crate::i18n::Lang;

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::Invalid(_) | AppError::Unprocessable(_) | AppError::Rejected(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Conflict(_) | AppError::StageIncomplete(_) | AppError::OutOfOrder(_) => {
                StatusCode::CONFLICT
            }
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UploadStalled => StatusCode::REQUEST_TIMEOUT,
            AppError::TooManyUploads => StatusCode::TOO_MANY_REQUESTS,
            AppError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            AppError::Database(e) if storage_full(e) => StatusCode::INSUFFICIENT_STORAGE,
            // No connection free in time, or none to be had: the database is busy or down, not
            // the request wrong (#15) — 503, and the client may retry.
            AppError::Database(e) if database_unavailable(e) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub(crate) fn log_if_server_error(&self) {
        if self.status().is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
    }

    /// The catalog key of the sentence for the person in front of the page.
    fn message_key(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "error.page.unauthenticated",
            AppError::NotFound => "error.not_found",
            AppError::Forbidden => "error.page.forbidden",
            AppError::CsrfRejected => "error.page.csrf",
            AppError::Invalid(_) | AppError::Unprocessable(_) | AppError::Rejected(_) => {
                "error.page.invalid"
            }
            AppError::Conflict(_) => "error.page.conflict",
            AppError::TooLarge => "error.page.too_large",
            AppError::UploadStalled => "error.page.upload_stalled",
            AppError::TooManyUploads => "error.page.too_many_uploads",
            AppError::Throttled(_) => "error.page.throttled",
            AppError::StageIncomplete(_) => "error.page.stage_incomplete",
            AppError::OutOfOrder(_) => "error.page.out_of_order",
            AppError::Unavailable(key) => key,
            AppError::StorageFull => "error.page.storage_full",
            AppError::Database(e) if storage_full(e) => "error.page.storage_full",
            AppError::Database(e) if database_unavailable(e) => "error.page.database_unavailable",
            AppError::Database(_) | AppError::Internal(_) => "error.page.internal",
        }
    }

    /// The sentence in both languages (an error page may be shown before the language is known).
    pub(crate) fn message(&self) -> (&'static str, &'static str) {
        let key = self.message_key();
        (Lang::ZhTw.get(key), Lang::En.get(key))
    }
}

/// The pool had no connection for the request in time, or could not open one, or the
/// statement ran past the pool's statement timeout (SQLSTATE 57014), or the server is shutting
/// down, starting up or ended the connection (57P01..57P05: a restart, #15).
fn database_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c == "57014" || c.starts_with("57P") || c.starts_with("08")),
        _ => false,
    }
}

/// The database's disk is full (SQLSTATE 53100, disk_full): the statement was refused and its
/// transaction rolled back, so the user is told plainly that nothing was kept (#15).
fn storage_full(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.code().is_some_and(|c| c == "53100"))
}

/// Seconds a client should wait before trying a 503 again.
const RETRY_AFTER_SECONDS: &str = "5";

fn with_retry_after(status: StatusCode, mut response: Response) -> Response {
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from_static(RETRY_AFTER_SECONDS),
        );
    }
    response
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    zh: &'static str,
    en: &'static str,
    detail: Option<String>,
    brand: &'static str,
    home: (&'static str, &'static str),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log_if_server_error();
        if matches!(self, AppError::Unauthenticated) {
            return Redirect::to("/login").into_response();
        }
        let status = self.status();
        let (zh, en) = self.message();
        let detail = match &self {
            AppError::Conflict(key) => Some(crate::i18n::Lang::ZhTw.tr(key).to_string()),
            AppError::Rejected(items) => Some(
                items
                    .iter()
                    .map(|(_, text)| {
                        let (zh, en) = text.both();
                        format!("{zh} · {en}")
                    })
                    .collect::<Vec<_>>()
                    .join(Lang::ZhTw.get("report.field_separator")),
            ),
            AppError::StageIncomplete(items) | AppError::OutOfOrder(items) => Some(
                items
                    .iter()
                    .map(|b| {
                        let (zh, en) = b.both();
                        format!("{zh} · {en}")
                    })
                    .collect::<Vec<_>>()
                    .join(Lang::ZhTw.get("report.list_separator")),
            ),
            _ => None,
        };
        let page = ErrorPage {
            status: status.as_u16(),
            zh,
            en,
            detail,
            brand: Lang::ZhTw.get("app.name"),
            home: (
                Lang::ZhTw.get("error.page.back_home"),
                Lang::En.get("error.page.back_home"),
            ),
        };
        let response = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, en).into_response(),
        };
        with_retry_after(status, response)
    }
}

/// The JSON rendering of an `AppError`, for `/api/v1`: `{"error": "..."}` (and `fields`).
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let err = self.0;
        err.log_if_server_error();
        let status = err.status();
        let body = match &err {
            AppError::Unprocessable(msg) => json!({ "error": msg }),
            AppError::Invalid(fields) => json!({
                "error": "invalid input",
                "fields": fields
                    .0
                    .iter()
                    .map(|(field, key)| (field.clone(), json!(crate::web::api::field_message(key))))
                    .collect::<serde_json::Map<_, _>>(),
            }),
            AppError::Throttled(minutes) => json!({
                "error": format!("too many failed sign-ins; try again in {minutes} minutes"),
            }),
            AppError::Conflict(msg) => json!({ "error": msg }),
            AppError::Rejected(items) => json!({
                "error": items.iter().map(|(_, text)| crate::i18n::Lang::En.text(text)).collect::<Vec<_>>().join("; "),
                "problems": items.iter().map(|(f, text)| {
                    let (zh, en) = text.both();
                    json!({"field": f, "zh": zh, "en": en})
                }).collect::<Vec<_>>(),
            }),
            AppError::StageIncomplete(items) => json!({
                "error": "the current stage is not complete",
                "missing": items,
            }),
            AppError::OutOfOrder(items) => json!({
                "error": items.iter().map(|m| crate::i18n::Lang::En.text(m)).collect::<Vec<_>>().join("; "),
                "first": items,
            }),
            other => json!({ "error": other.message().1 }),
        };
        with_retry_after(status, (status, axum::Json(body)).into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_or_absent_database_is_a_503_with_retry_after_not_a_500() {
        for e in [sqlx::Error::PoolTimedOut, sqlx::Error::PoolClosed] {
            let r = AppError::Database(e).into_response();
            assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(r.headers()["retry-after"], RETRY_AFTER_SECONDS);
            let r = ApiError(AppError::Database(sqlx::Error::PoolTimedOut)).into_response();
            assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(r.headers()["retry-after"], RETRY_AFTER_SECONDS);
        }
        let r = AppError::Database(sqlx::Error::RowNotFound).into_response();
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(r.headers().get("retry-after").is_none());
        let r = AppError::Unavailable("error.page.pdf_font_missing").into_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
