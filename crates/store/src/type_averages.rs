//! The practice's average minutes per task type, behind the above-average confirmation. Over 90 days
//! it reads tens of thousands of entries for a common type (84 ms at 10,000 patients without the
//! covering index, 5 ms with it, ten times that at 100,000), on every entry with minutes. The window
//! ends at the start of the current hour, so each server computes a type's average once an hour:
//! an entry made or backdated within the hour counts from the next one. The figure only decides
//! whether to ask "are you sure?", and it is computed from recorded data all the same.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use carelog_domain::time_rules::AVERAGE_WINDOW_DAYS;
use chrono::{DateTime, Duration, DurationRound, Utc};

use crate::connection::at;
use crate::{Result, Store};

/// A task type's average (None without history) and the hour its window ends at.
type HourAverage = (DateTime<Utc>, Option<f64>);

#[derive(Default)]
pub(crate) struct TypeAverages(Mutex<HashMap<i64, HourAverage>>);

impl TypeAverages {
    fn get(&self, task_type_id: i64, hour: DateTime<Utc>) -> Option<Option<f64>> {
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        kept.get(&task_type_id).filter(|(h, _)| *h == hour).map(|(_, average)| *average)
    }

    fn put(&self, task_type_id: i64, hour: DateTime<Utc>, average: Option<f64>) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(task_type_id, (hour, average));
    }
}

impl Store {
    /// The practice's average minutes for a task type over the 90 days before the start of `now`'s
    /// hour (None without history).
    pub async fn task_type_average(
        &self,
        task_type_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<f64>> {
        let hour = now.duration_trunc(Duration::hours(1)).unwrap_or(now);
        if let Some(kept) = self.type_averages().get(task_type_id, hour) {
            return Ok(kept);
        }
        let average: Option<Option<f64>> = self
            .scalar(
                "SELECT CAST(AVG(minutes) AS DOUBLE PRECISION) AS a FROM coordinator_task_log
                 WHERE task_type_id = $1 AND task_at >= $2 AND task_at < $3 AND minutes IS NOT NULL",
                vec![task_type_id.into(), at(hour - Duration::days(AVERAGE_WINDOW_DAYS)), at(hour)],
            )
            .await?;
        let average = average.flatten();
        self.type_averages().put(task_type_id, hour, average);
        Ok(average)
    }
}
