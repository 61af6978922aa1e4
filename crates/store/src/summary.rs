use carelog_domain::practice_time::YearMonth;

use crate::patient_month::{in_month, month_values};
use crate::{Result, Store};

/// A coordinator's own month so far: what the header shows as "This Month: N min | N patients".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, sea_orm::FromQueryResult)]
pub struct MonthSummary {
    pub minutes: i64,
    pub patients: i64,
}

impl Store {
    /// One coordinator's billing month so far (the practice's is `practice_month`).
    pub async fn month_summary(
        &self,
        coordinator_id: i64,
        month: YearMonth,
    ) -> Result<MonthSummary> {
        let [year, month] = month_values(month);
        let summary = self
            .row(
                &format!(
                    "SELECT COALESCE(SUM(l.minutes), 0) AS minutes, COUNT(DISTINCT l.patient_id) AS patients
                     FROM coordinator_task_log l WHERE l.coordinator_id = $3 AND {}",
                    in_month(1, 2)
                ),
                vec![year, month, coordinator_id.into()],
            )
            .await?;
        Ok(summary.unwrap_or_default())
    }
}
