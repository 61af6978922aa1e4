use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::practice_time::YearMonth;
use chrono::{DateTime, Utc};

use crate::patient_month::{COUNTS_TOWARD_BILLING, in_month, month_values};
use crate::{Result, Store, TimerBadge};

/// A month's care time so far (billable task types, naming a patient): the header's
/// "Care time this month: N min · N patients".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, sea_orm::FromQueryResult)]
pub struct MonthSummary {
    pub minutes: i64,
    pub patients: i64,
}

/// What the header shows on every page, read in one round trip (three before): the user's care
/// time this month (unless the page shows the practice's), their unread notifications and their
/// running timer.
#[derive(Debug, Clone)]
pub struct HeaderFacts {
    pub month: Option<MonthSummary>,
    pub unread: i64,
    pub timer: Option<TimerBadge>,
}

#[derive(sea_orm::FromQueryResult)]
struct HeaderRow {
    minutes: i64,
    patients: i64,
    unread: i64,
    patient_id: Option<PatientId>,
    patient_first: Option<String>,
    patient_last: Option<String>,
    task_type: Option<String>,
    started_at: Option<DateTime<Utc>>,
}

impl Store {
    /// The header's facts for `user_id`; their own care time in `month` when one is given.
    pub async fn header_facts(
        &self,
        user_id: UserId,
        month: Option<YearMonth>,
    ) -> Result<HeaderFacts> {
        // One row always: the month's aggregate (or zeros) joined to the timer if one runs.
        let mut values = vec![user_id.into()];
        let source = match month {
            Some(month) => {
                values.extend(month_values(month));
                format!("({})", logged_month_sql(2, 3, "AND l.coordinator_id = $1"))
            }
            None => "(SELECT CAST(0 AS BIGINT) AS minutes, CAST(0 AS BIGINT) AS patients)".into(),
        };
        let row: Option<HeaderRow> = self
            .row(
                &format!(
                    "SELECT s.minutes, s.patients,
                            (SELECT COUNT(*) FROM notifications n WHERE n.user_id = $1 AND n.read_at IS NULL) AS unread,
                            m.patient_id, p.first_name AS patient_first, p.last_name AS patient_last,
                            tt.name AS task_type, m.started_at
                     FROM {source} s
                     LEFT JOIN task_timers m ON m.user_id = $1
                     LEFT JOIN patients p ON p.id = m.patient_id
                     LEFT JOIN task_types tt ON tt.id = m.task_type_id"
                ),
                values,
            )
            .await?;
        let Some(row) = row else {
            return Ok(HeaderFacts {
                month: month.map(|_| MonthSummary::default()),
                unread: 0,
                timer: None,
            });
        };
        let timer = row.started_at.map(|started_at| TimerBadge {
            patient_id: row.patient_id,
            patient_first: row.patient_first,
            patient_last: row.patient_last,
            task_type: row.task_type,
            started_at,
        });
        let logged = MonthSummary { minutes: row.minutes, patients: row.patients };
        Ok(HeaderFacts { month: month.map(|_| logged), unread: row.unread, timer })
    }

    /// The whole practice's billing month so far (the admin's header).
    pub async fn practice_month(&self, month: YearMonth) -> Result<MonthSummary> {
        let sql = logged_month_sql(1, 2, "");
        Ok(self.row(&sql, month_values(month).to_vec()).await?.unwrap_or_default())
    }
}

/// Minutes and distinct patients logged in the billing month bound at placeholders `$year`,
/// `$month`, narrowed by `by`.
fn logged_month_sql(year: usize, month: usize, by: &str) -> String {
    format!(
        "SELECT COALESCE(SUM(l.minutes), 0) AS minutes, COUNT(DISTINCT l.patient_id) AS patients
         FROM coordinator_task_log l JOIN task_types t ON t.id = l.task_type_id
         WHERE {} AND {COUNTS_TOWARD_BILLING} {by}",
        in_month(year, month)
    )
}
