//! How an `AppError` looks to a browser (a page) and to an API client (JSON).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::json;

use crate::error::AppError;

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::Invalid(_) | AppError::Unprocessable(_) | AppError::Rejected(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Conflict(_) | AppError::StageIncomplete(_) => StatusCode::CONFLICT,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn log_if_server_error(&self) {
        if self.status().is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
    }

    /// (zh, en) sentence for the person in front of the page.
    fn message(&self) -> (&'static str, &'static str) {
        match self {
            AppError::Unauthenticated => ("請先登入。", "Please sign in."),
            AppError::NotFound => ("找不到這個頁面或資料。", "This page or record was not found."),
            AppError::Forbidden => ("您沒有執行這項操作的權限。", "You are not allowed to do this."),
            AppError::CsrfRejected => (
                "表單已過期或來源不明，請重新整理頁面後再送出。",
                "The form expired or did not come from this portal; reload the page and submit again.",
            ),
            AppError::Invalid(_) | AppError::Unprocessable(_) | AppError::Rejected(_) => {
                ("送出的資料有誤，請檢查後再試。", "The submitted data is invalid; check it and try again.")
            }
            AppError::Conflict(_) => ("這項操作目前無法執行。", "This cannot be done right now."),
            AppError::TooLarge => ("送出的資料太大。", "The request is too large."),
            AppError::Throttled(_) => ("登入失敗次數過多，請稍後再試。", "Too many failed sign-ins; try again later."),
            AppError::StageIncomplete(_) => (
                "本階段尚缺下列項目，請先完成：",
                "This stage still needs the following first:",
            ),
            AppError::Database(_) | AppError::Internal(_) => (
                "系統發生錯誤，已記錄下來，請稍後再試。",
                "Something went wrong on our side; it has been logged. Please try again later.",
            ),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    zh: &'static str,
    en: &'static str,
    detail: Option<String>,
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
                    .join("；"),
            ),
            AppError::StageIncomplete(items) => Some(
                items
                    .iter()
                    .map(|b| format!("{} · {}", b.zh, b.en))
                    .collect::<Vec<_>>()
                    .join("；"),
            ),
            _ => None,
        };
        let page = ErrorPage {
            status: status.as_u16(),
            zh,
            en,
            detail,
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
                "missing": items.iter().map(|b| json!({"zh": b.zh, "en": b.en})).collect::<Vec<_>>(),
            }),
            other => json!({ "error": other.message().1 }),
        };
        (status, axum::Json(body)).into_response()
    }
}
