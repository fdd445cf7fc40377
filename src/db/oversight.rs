//! Figures for a supervising agency's dashboard: everything below it (row-level security limits
//! the rows to what the acting user may see; the agency's own incidents are left out).

use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::AgencyId;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Oversight {
    /// (level, status, open incidents)
    pub open_by_level_stage: Vec<(i16, String, i64)>,
    pub overdue_review: i64,
    pub overdue_containment: i64,
    pub overdue_report: i64,
    /// (YYYY-MM in Taipei, incidents aware that month), the last 12 months, oldest first.
    pub per_month: Vec<(String, i64)>,
    /// (category, incidents in the last 12 months)
    pub per_category: Vec<(String, i64)>,
    /// Hours from awareness to report: (mean, 90th percentile).
    pub to_report_hours: Option<(f64, f64)>,
    /// Hours from awareness to completed damage control: (mean, 90th percentile).
    pub to_containment_hours: Option<(f64, f64)>,
    /// (agency id, name, incidents with an overdue deadline), most first.
    pub most_overdue: Vec<(Uuid, String, i64)>,
}

#[tracing::instrument(skip_all)]
pub async fn figures(conn: &mut PgConnection, viewer: AgencyId) -> Result<Oversight, sqlx::Error> {
    let me = viewer.0;
    let open_by_level_stage = sqlx::query_as(
        "SELECT level, status, count(*) FROM incidents WHERE agency_id <> $1 AND status <> 'closed' \
         GROUP BY level, status ORDER BY level, status",
    )
    .bind(me)
    .fetch_all(&mut *conn)
    .await?;
    let (overdue_review, overdue_containment, overdue_report): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE reviewed_at IS NULL AND review_due < now()), \
                count(*) FILTER (WHERE containment_completed_at IS NULL AND containment_due < now()), \
                count(*) FILTER (WHERE report_submitted_at IS NULL AND report_submission_due < now()) \
         FROM incidents WHERE agency_id <> $1 AND status <> 'closed'",
    )
    .bind(me)
    .fetch_one(&mut *conn)
    .await?;
    let per_month = sqlx::query_as(
        "WITH months AS ( \
             SELECT generate_series(date_trunc('month', now() AT TIME ZONE 'Asia/Taipei') - interval '11 months', \
                                    date_trunc('month', now() AT TIME ZONE 'Asia/Taipei'), interval '1 month') AS m) \
         SELECT to_char(m, 'YYYY-MM'), (SELECT count(*) FROM incidents i WHERE i.agency_id <> $1 \
             AND i.aware_at >= (m AT TIME ZONE 'Asia/Taipei') \
             AND i.aware_at < ((m + interval '1 month') AT TIME ZONE 'Asia/Taipei')) \
         FROM months ORDER BY m",
    )
    .bind(me)
    .fetch_all(&mut *conn)
    .await?;
    let per_category = sqlx::query_as(
        "SELECT category, count(*) FROM incidents WHERE agency_id <> $1 \
         AND aware_at >= (date_trunc('month', now() AT TIME ZONE 'Asia/Taipei') - interval '11 months') AT TIME ZONE 'Asia/Taipei' \
         GROUP BY category ORDER BY count(*) DESC, category",
    )
    .bind(me)
    .fetch_all(&mut *conn)
    .await?;
    let hours = |col: &str| {
        format!(
            "SELECT avg(h)::float8, percentile_cont(0.9) WITHIN GROUP (ORDER BY h) FROM ( \
                 SELECT (extract(epoch FROM {col} - aware_at) / 3600.0)::float8 AS h FROM incidents \
                 WHERE agency_id <> $1 AND {col} IS NOT NULL) x"
        )
    };
    let pair = |r: (Option<f64>, Option<f64>)| r.0.zip(r.1);
    let to_report_hours = pair(
        sqlx::query_as(&hours("reported_at"))
            .bind(me)
            .fetch_one(&mut *conn)
            .await?,
    );
    let to_containment_hours = pair(
        sqlx::query_as(&hours("containment_completed_at"))
            .bind(me)
            .fetch_one(&mut *conn)
            .await?,
    );
    let most_overdue = sqlx::query_as(
        "SELECT a.id, a.name_zh, count(*) FROM incidents i JOIN agencies a ON a.id = i.agency_id \
         WHERE i.agency_id <> $1 AND i.status <> 'closed' AND i.next_due < now() \
         GROUP BY a.id, a.name_zh ORDER BY count(*) DESC, a.name_zh LIMIT 10",
    )
    .bind(me)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Oversight {
        open_by_level_stage,
        overdue_review,
        overdue_containment,
        overdue_report,
        per_month,
        per_category,
        to_report_hours,
        to_containment_hours,
        most_overdue,
    })
}
