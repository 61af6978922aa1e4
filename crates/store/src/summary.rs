use carelog_domain::ids::UserId;
use carelog_domain::practice_time::YearMonth;

use crate::patient_month::{COUNTS_TOWARD_BILLING, in_month, month_values};
use crate::{Result, Store};

/// A month's care time so far (billable task types, naming a patient): the header's
/// "Care time this month: N min · N patients".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, sea_orm::FromQueryResult)]
pub struct MonthSummary {
    pub minutes: i64,
    pub patients: i64,
}

impl Store {
    /// One coordinator's billing month so far.
    pub async fn month_summary(
        &self,
        coordinator_id: UserId,
        month: YearMonth,
    ) -> Result<MonthSummary> {
        self.logged_month(Some(coordinator_id), month).await
    }

    /// The whole practice's billing month so far (the admin's header).
    pub async fn practice_month(&self, month: YearMonth) -> Result<MonthSummary> {
        self.logged_month(None, month).await
    }

    /// Minutes and distinct patients logged in a billing month, by one coordinator or by all.
    async fn logged_month(
        &self,
        coordinator_id: Option<UserId>,
        month: YearMonth,
    ) -> Result<MonthSummary> {
        let mut values = month_values(month).to_vec();
        let by = match coordinator_id {
            Some(id) => {
                values.push(id.into());
                "AND l.coordinator_id = $3"
            }
            None => "",
        };
        let summary = self
            .row(
                &format!(
                    "SELECT COALESCE(SUM(l.minutes), 0) AS minutes, COUNT(DISTINCT l.patient_id) AS patients
                     FROM coordinator_task_log l JOIN task_types t ON t.id = l.task_type_id
                     WHERE {} AND {COUNTS_TOWARD_BILLING} {by}",
                    in_month(1, 2)
                ),
                values,
            )
            .await?;
        Ok(summary.unwrap_or_default())
    }
}
