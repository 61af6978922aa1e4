//! Each caseload holder's month for the metrics page and exports, in a fixed number of grouped queries.

use std::collections::BTreeMap;

use carelog_domain::ids::UserId;
use carelog_domain::metrics::CoordinatorMonth;
use carelog_domain::patient::PatientStatus;
use carelog_domain::practice_time::{UtcRange, YearMonth};
use carelog_domain::schedule::TaskStatus;
use sea_orm::FromQueryResult;

use crate::connection::at;
use crate::{Result, Store};

/// A caseload holder's figures for a month.
#[derive(Debug, Clone)]
pub struct CoordinatorMonthRow {
    pub coordinator_id: UserId,
    pub name: String,
    pub month: CoordinatorMonth,
    /// Entries that recorded minutes.
    pub timed_entries: i64,
}

#[derive(FromQueryResult)]
struct LogFigures {
    coordinator_id: UserId,
    tasks: i64,
    minutes: i64,
    timed: i64,
    served: i64,
}

#[derive(FromQueryResult)]
struct Caseload {
    coordinator_id: UserId,
    n: i64,
}

#[derive(FromQueryResult)]
struct TaskFigures {
    coordinator_id: UserId,
    total: i64,
    done: Option<i64>,
}

impl Store {
    /// Each caseload holder's month. Generated tasks count for the month they fall due in.
    pub async fn coordinator_months(
        &self,
        month: YearMonth,
        range: UtcRange,
    ) -> Result<Vec<CoordinatorMonthRow>> {
        let mut out: BTreeMap<UserId, CoordinatorMonthRow> = BTreeMap::new();
        for holder in self.caseload_holders().await? {
            let row = CoordinatorMonthRow {
                coordinator_id: holder.id,
                name: holder.name,
                month: CoordinatorMonth::default(),
                timed_entries: 0,
            };
            out.insert(holder.id, row);
        }
        for f in self
            .rows::<LogFigures>(
                "SELECT coordinator_id, COUNT(*) AS tasks, COALESCE(SUM(minutes), 0) AS minutes, COUNT(minutes) AS timed,
                        COUNT(DISTINCT patient_id) AS served
                 FROM coordinator_task_log WHERE task_at >= $1 AND task_at < $2 GROUP BY coordinator_id",
                vec![at(range.start), at(range.end)],
            )
            .await?
        {
            if let Some(row) = out.get_mut(&f.coordinator_id) {
                row.month.tasks = f.tasks;
                row.month.minutes = f.minutes;
                row.month.patients_served = f.served;
                row.timed_entries = f.timed;
            }
        }
        for c in self
            .rows::<Caseload>(
                "SELECT coordinator_id, COUNT(*) AS n FROM patients WHERE status = $1 AND coordinator_id IS NOT NULL
                 GROUP BY coordinator_id",
                vec![PatientStatus::Active.into()],
            )
            .await?
        {
            if let Some(row) = out.get_mut(&c.coordinator_id) {
                row.month.patients_assigned = c.n;
            }
        }
        for t in self
            .rows::<TaskFigures>(
                "SELECT coordinator_id, COUNT(*) AS total, SUM(CASE WHEN status = $3 THEN 1 ELSE 0 END) AS done
                 FROM generated_tasks WHERE due_date >= $1 AND due_date <= $2 AND status <> $4 GROUP BY coordinator_id",
                vec![
                    month.first_day().into(),
                    month.last_day().into(),
                    TaskStatus::Completed.into(),
                    TaskStatus::Cancelled.into(),
                ],
            )
            .await?
        {
            if let Some(row) = out.get_mut(&t.coordinator_id) {
                row.month.generated_total = t.total;
                row.month.generated_completed = t.done.unwrap_or(0);
            }
        }
        Ok(out.into_values().collect())
    }
}
