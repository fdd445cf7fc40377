//! The oversight dashboard, with charts drawn as SVG on the server (readable without JavaScript).

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::domain::{Category, IncidentLevel, IncidentStatus};
use crate::error::AppError;
use crate::i18n::{Lang, Text};
use crate::services::{oversight, Acting};
use crate::web::extract::{Nav, SignedIn};
use crate::web::format::{level_label, status_label};
use crate::web::{render, AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard", get(dashboard))
}

/// A horizontal bar chart: one bar per (label, value). Labels are escaped; values are numbers.
pub fn bar_chart(title: &str, bars: &[(String, i64)]) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    // A narrow drawing (360 units, shown at most 36rem wide) so that on a phone, where it
    // is about as wide as the screen, its 13-unit text stays at least 12 px.
    let row = 24;
    let height = row * bars.len() as i64 + 10;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{0}\" viewBox=\"0 0 360 {height}\" width=\"100%\" class=\"chart\"><title>{0}</title>",
        esc(title)
    );
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = i as i64 * row + 5;
        let width = value * 170 / max;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{}\" font-size=\"13\">{}</text><rect x=\"140\" y=\"{y}\" width=\"{width}\" height=\"18\" fill=\"#0b5cad\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"13\" data-value=\"{value}\">{value}</text>",
            y + 14,
            esc(label),
            145 + width,
            y + 14
        ));
    }
    svg.push_str("</svg>");
    svg
}

struct Cell {
    level: String,
    stage: String,
    count: i64,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    t: Lang,
    nav: Option<Nav>,
    csrf: String,
    back: String,
    open: Vec<Cell>,
    open_total: i64,
    overdue_review: i64,
    overdue_containment: i64,
    overdue_report: i64,
    month_chart: String,
    category_chart: String,
    to_report: String,
    to_containment: String,
    most_overdue: Vec<(String, i64)>,
}

fn hours(t: Lang, pair: Option<(f64, f64)>) -> String {
    match pair {
        None => "—".into(),
        Some((mean, p90)) => t.text(
            &Text::key("dashboard.hours")
                .with("mean", format!("{mean:.1}"))
                .with("p90", format!("{p90:.1}")),
        ),
    }
}

async fn dashboard(State(state): State<AppState>, me: SignedIn) -> Result<Response, AppError> {
    let t = me.ctx.t;
    let f = oversight::dashboard(
        &state.pool,
        Acting {
            user: &me.user,
            agency: &me.agency,
        },
    )
    .await?;
    let categories: Vec<(String, i64)> = f
        .per_category
        .iter()
        .map(|(c, n)| {
            let label = Category::parse(c).map_or(c.to_string(), |c| t.text(&c.label()));
            (label.to_string(), *n)
        })
        .collect();
    let page = DashboardPage {
        t,
        nav: me.ctx.nav(),
        csrf: me.ctx.csrf.clone(),
        back: "/dashboard".into(),
        open_total: f.open_by_level_stage.iter().map(|(_, _, n)| n).sum(),
        open: f
            .open_by_level_stage
            .iter()
            .map(|(l, s, n)| Cell {
                level: u8::try_from(*l)
                    .ok()
                    .and_then(IncidentLevel::from_number)
                    .map(|l| level_label(t, l))
                    .unwrap_or_default(),
                stage: IncidentStatus::parse(s)
                    .map(|s| status_label(t, s))
                    .unwrap_or_default(),
                count: *n,
            })
            .collect(),
        overdue_review: f.overdue_review,
        overdue_containment: f.overdue_containment,
        overdue_report: f.overdue_report,
        month_chart: bar_chart(t.tr("dashboard.per_month"), &f.per_month),
        category_chart: bar_chart(t.tr("dashboard.per_category"), &categories),
        to_report: hours(t, f.to_report_hours),
        to_containment: hours(t, f.to_containment_hours),
        most_overdue: f
            .most_overdue
            .iter()
            .map(|(_, name, n)| (name.clone(), *n))
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

#[cfg(test)]
mod tests {
    use super::bar_chart;

    #[test]
    fn the_chart_escapes_labels_and_scales_to_the_largest_bar() {
        let svg = bar_chart("t", &[("<b>".into(), 5), ("x".into(), 10)]);
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
        assert!(
            svg.contains("width=\"170\""),
            "the largest bar is full width"
        );
        assert!(svg.contains("width=\"85\""));
        assert!(bar_chart("empty", &[]).starts_with("<svg"));
    }
}
