use carelog_domain::practice_time::UtcRange;

use crate::connection::at;
use crate::row::count;
use crate::{Result, Store};

/// A coordinator's own month so far: what the header shows as "This Month: N min | N patients".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MonthSummary {
    pub minutes: i64,
    pub patients: i64,
}

impl Store {
    /// One coordinator's month so far (the practice's is `practice_month`).
    pub async fn month_summary(
        &self,
        coordinator_id: i64,
        month: UtcRange,
    ) -> Result<MonthSummary> {
        let row = self
            .one(
                "SELECT COALESCE(SUM(minutes), 0) AS minutes, COUNT(DISTINCT patient_id) AS patients
                 FROM coordinator_task_log WHERE coordinator_id = $1 AND task_at >= $2 AND task_at < $3",
                vec![coordinator_id.into(), at(month.start), at(month.end)],
            )
            .await?;
        Ok(MonthSummary { minutes: count(&row, "minutes")?, patients: count(&row, "patients")? })
    }

    /// Minutes logged for one patient in a range, by anyone.
    pub async fn patient_minutes(&self, patient_id: i64, range: UtcRange) -> Result<i64> {
        let row = self
            .one(
                "SELECT COALESCE(SUM(minutes), 0) AS n FROM coordinator_task_log WHERE patient_id = $1 AND task_at >= $2 AND task_at < $3",
                vec![patient_id.into(), at(range.start), at(range.end)],
            )
            .await?;
        count(&row, "n")
    }
}
