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
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn log_if_server_error(&self) {
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
            AppError::Database(_) | AppError::Internal(_) => "error.page.internal",
        }
    }

    /// The sentence in both languages (an error page may be shown before the language is known).
    fn message(&self) -> (&'static str, &'static str) {
        let key = self.message_key();
        (Lang::ZhTw.get(key), Lang::En.get(key))
    }
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
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, en).into_response(),
        }
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
        (status, axum::Json(body)).into_response()
    }
}
