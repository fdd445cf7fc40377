//! Incident pages: the agency's list and the queues of commanders and supervising agencies
//! (`list`), filing (`filing`), the incident page with its stage forms (`page`), and the
//! reports drawn from the record (`report`).

mod filing;
mod list;
mod page;
mod report;

use axum::routing::{get, post};
use axum::Router;

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(list::list).post(filing::file))
        .route("/incidents/new", get(filing::new_form))
        .route("/incidents/below", get(list::below))
        .route("/incidents/below.csv", get(list::below_csv))
        .route("/incidents/{id}", get(page::show))
        .route("/incidents/{id}/act/{action}", post(page::act))
        .route("/incidents/{id}/report", get(report::report_page))
        .route("/incidents/{id}/report.pdf", get(report::report_pdf))
        .route("/incidents/{id}/report.odt", get(report::report_odt))
        .route("/incidents.csv", get(list::list_csv))
        .route("/review-queue", get(list::review_queue))
        .route("/review-queue.csv", get(list::review_queue_csv))
        .route("/board", get(list::board))
        .route("/board.csv", get(list::board_csv))
        .route("/commander-queue", get(list::commander_queue))
}
