use std::collections::BTreeMap;

use carelog_domain::metrics::CoordinatorMonth;
use carelog_domain::practice_time::{UtcRange, YearMonth};

use crate::connection::at;
use crate::row::get;
use crate::{Result, Store};

impl Store {
    /// Each caseload holder's month: (coordinator id, name, figures, entries with minutes).
    /// Generated tasks count for the month they fall due in.
    pub async fn coordinator_months(
        &self,
        month: YearMonth,
        range: UtcRange,
    ) -> Result<Vec<(i64, String, CoordinatorMonth, i64)>> {
        let mut out: BTreeMap<i64, (String, CoordinatorMonth, i64)> = BTreeMap::new();
        for r in &self.caseload_holders().await? {
            out.insert(r.0, (r.1.clone(), CoordinatorMonth::default(), 0));
        }
        let range = vec![at(range.start), at(range.end)];
        for r in &self
            .all(
                "SELECT coordinator_id, COUNT(*) AS tasks, COALESCE(SUM(minutes), 0) AS minutes, COUNT(minutes) AS timed,
                        COUNT(DISTINCT patient_id) AS served
                 FROM coordinator_task_log WHERE task_at >= $1 AND task_at < $2 GROUP BY coordinator_id",
                range.clone(),
            )
            .await?
        {
            if let Some((_, m, timed)) = out.get_mut(&get::<i64>(r, "coordinator_id")?) {
                m.tasks = get(r, "tasks")?;
                m.minutes = get(r, "minutes")?;
                m.patients_served = get(r, "served")?;
                *timed = get(r, "timed")?;
            }
        }
        for r in &self.all("SELECT coordinator_id, COUNT(*) AS n FROM patients WHERE status = 'Active' AND coordinator_id IS NOT NULL GROUP BY coordinator_id", vec![]).await? {
            if let Some((_, m, _)) = out.get_mut(&get::<i64>(r, "coordinator_id")?) {
                m.patients_assigned = get(r, "n")?;
            }
        }
        for r in &self
            .all(
                "SELECT coordinator_id, COUNT(*) AS total, SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS done
                 FROM generated_tasks WHERE due_date >= $1 AND due_date <= $2 AND status <> 'cancelled' GROUP BY coordinator_id",
                vec![month.first_day().into(), month.last_day().into()],
            )
            .await?
        {
            if let Some((_, m, _)) = out.get_mut(&get::<i64>(r, "coordinator_id")?) {
                m.generated_total = get(r, "total")?;
                m.generated_completed = get::<Option<i64>>(r, "done")?.unwrap_or(0);
            }
        }
        Ok(out.into_iter().map(|(id, (name, m, timed))| (id, name, m, timed)).collect())
    }
}
