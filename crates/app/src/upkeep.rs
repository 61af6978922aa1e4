//! The periodic upkeep every server runs at start and each hour: generating the period's tasks and
//! clearing expired sessions and login failures. Both are idempotent, so several servers may run them.

use carelog_domain::login_throttle::WINDOW_MINUTES;
use carelog_domain::practice_time::YearMonth;
use carelog_domain::schedule::{plan_month, plan_week};
use carelog_domain::session_policy::ABSOLUTE_TIMEOUT_HOURS;
use carelog_store::{Store, StoreError};
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Generates the current month's and week's tasks that do not exist yet (idempotent: a unique key per
/// schedule, subject and period), so a server that was down over the 1st or a Monday catches up.
pub async fn generate_tasks(store: &Store, today: NaiveDate) -> Result<u64, StoreError> {
    let schedules = store.active_schedules().await?;
    let mut planned =
        plan_month(YearMonth::of(today), &schedules, &store.caseload_patients().await?);
    planned.extend(plan_week(today, &schedules, &store.active_coordinator_ids().await?));
    store.insert_planned_tasks(&planned, Utc::now()).await
}

/// The open month's tasks for patients just assigned, at once rather than at the next hourly run
/// (which finds them made: the same unique key keeps each task once).
pub async fn generate_tasks_for(
    store: &Store,
    patients: &[carelog_domain::ids::PatientId],
    today: NaiveDate,
) -> Result<u64, StoreError> {
    let schedules = store.active_schedules().await?;
    let subjects = store.caseload_patients_among(Some(patients)).await?;
    let planned = plan_month(YearMonth::of(today), &schedules, &subjects);
    store.insert_planned_tasks(&planned, Utc::now()).await
}

/// Removes sessions past their timeouts and login failures past the throttle window. Idempotent,
/// so every server may run it.
pub async fn housekeeping(
    store: &Store,
    now: DateTime<Utc>,
    session_idle: Duration,
) -> Result<(u64, u64), StoreError> {
    let sessions = store
        .delete_expired_sessions(now - session_idle, now - Duration::hours(ABSOLUTE_TIMEOUT_HOURS))
        .await?;
    let failures =
        store.delete_login_failures_before(now - Duration::minutes(WINDOW_MINUTES)).await?;
    Ok((sessions, failures))
}
