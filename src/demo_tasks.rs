//! The demo's generated tasks with a history: last month's and this month's, most of those already due
//! completed the way coordinators work — each at their own pace, some hours after the task fell due,
//! with the minutes a call actually took rather than the estimate — so the match score's response
//! time and the quality figures have something real to read.

use std::collections::HashMap;

use carelog_app::upkeep::generate_tasks;
use carelog_domain::catalogue::TaskCategory;
use carelog_domain::ids::{TaskTypeId, UserId};
use carelog_domain::practice_time::{YearMonth, local_date, start_of_day};
use carelog_domain::time_rules::{DAILY_CAP_MINUTES, MIN_MINUTES};
use carelog_store::Store;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::AppError;

/// Each coordinator's usual delay from a task falling due (09:00 on its due date) to its completion,
/// in working hours: from prompt to most of a day behind.
const PACE_HOURS: [f64; 5] = [0.5, 1.0, 2.0, 3.5, 6.0];
/// How many days on a coordinator whose day is full still gets to a task.
const LATER_DAYS: i64 = 4;
/// Working hours in a day, for carrying a long delay over to the next morning.
const WORKING_HOURS: f64 = 8.0;

/// When a coordinator completes a task due on `due`: their pace, ±50% by task, in working hours
/// from 09:00, a delay past the working day carried to the next morning.
pub fn completion_time(due: NaiveDate, coordinator: UserId, task_id: i64, tz: Tz) -> DateTime<Utc> {
    let pace = PACE_HOURS[coordinator.get().rem_euclid(PACE_HOURS.len() as i64) as usize];
    let delay = pace * (0.5 + task_id.rem_euclid(101) as f64 / 100.0);
    let days = (delay / WORKING_HOURS).floor();
    let within_day = delay - days * WORKING_HOURS;
    start_of_day(due + Duration::days(days as i64), tz)
        + Duration::minutes((9.0 * 60.0 + within_day * 60.0).round() as i64)
}

/// The minutes a completion took: the estimate is a planning figure, not time spent, so the demo
/// spreads real durations from 60% to 140% of it (never under the 5-minute minimum).
pub fn spent_minutes(estimated: i32, task_id: i64) -> i32 {
    let percent = 60 + task_id.rem_euclid(81) as i32;
    (estimated * percent / 100).max(MIN_MINUTES)
}

/// Makes last month's and this month's tasks (this week's too), then completes about nine in ten of
/// those due, each at its coordinator's pace and never past the daily cap or into the future.
/// Returns how many it completed.
pub async fn load_demo_tasks(store: &Store, tz: Tz, now: DateTime<Utc>) -> Result<u64, AppError> {
    let today = local_date(now, tz);
    let last_month = YearMonth::of(today).previous().first_day();
    generate_tasks(store, last_month).await?;
    generate_tasks(store, today).await?;
    let tasks: Vec<_> =
        store.open_tasks_due_before(today).await?.into_iter().filter(|t| t.id % 10 != 0).collect();
    let Some(earliest) = tasks.iter().map(|t| t.due_date).min() else {
        return Ok(0);
    };
    let categories: HashMap<TaskTypeId, TaskCategory> =
        store.task_types().await?.into_iter().map(|t| (t.id, t.category)).collect();
    let mut day_minutes: HashMap<(UserId, NaiveDate), i64> = HashMap::new();
    for e in store.minutes_logged_since(start_of_day(earliest, tz)).await? {
        let day = (e.coordinator_id, local_date(e.task_at, tz));
        *day_minutes.entry(day).or_default() += i64::from(e.minutes);
    }
    let mut completions = Vec::new();
    for task in tasks {
        let Some(&task_category) = categories.get(&task.task_type_id) else { continue };
        let minutes = spent_minutes(task.estimated_minutes, task.id);
        // A day already at the cap refuses it, as it would refuse a coordinator, who does it on one
        // of the next days instead; past those, or in the future, the task stays open.
        let first_try = completion_time(task.due_date, task.coordinator_id, task.id, tz);
        let Some(at) = (0..LATER_DAYS)
            .map(|d| first_try + Duration::days(d))
            .filter(|at| *at <= now)
            .find(|at| {
                let used =
                    day_minutes.entry((task.coordinator_id, local_date(*at, tz))).or_default();
                *used + i64::from(minutes) <= DAILY_CAP_MINUTES
            })
        else {
            continue;
        };
        let day = local_date(at, tz);
        *day_minutes.entry((task.coordinator_id, day)).or_default() += i64::from(minutes);
        completions.push(carelog_store::DemoCompletion {
            task_id: task.id,
            coordinator_id: task.coordinator_id,
            patient_id: task.patient_id,
            task_type_id: task.task_type_id,
            task_category,
            minutes,
            task_at: at,
            local_date: day,
        });
    }
    store.load_demo_completions(&completions).await?;
    Ok(completions.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TZ: Tz = chrono_tz::America::Chicago;

    fn hours_after_nine(due: NaiveDate, coordinator: i64, task: i64) -> f64 {
        let nine = start_of_day(due, TZ) + Duration::hours(9);
        (completion_time(due, UserId(coordinator), task, TZ) - nine).num_minutes() as f64 / 60.0
    }

    #[test]
    fn each_coordinator_keeps_their_own_pace() {
        let due = NaiveDate::from_ymd_opt(2026, 11, 10).unwrap_or_default();
        let prompt: Vec<f64> = (0..50).map(|t| hours_after_nine(due, 5, t)).collect();
        let slow: Vec<f64> = (0..50).map(|t| hours_after_nine(due, 4, t)).collect();
        assert!(prompt.iter().all(|h| (0.25..=0.75).contains(h)), "{prompt:?}");
        assert!(slow.iter().all(|h| *h >= 3.0), "{slow:?}");
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!(mean(&slow) > 5.0 * mean(&prompt));
    }

    #[test]
    fn a_long_delay_lands_next_morning_not_at_night() {
        let due = NaiveDate::from_ymd_opt(2026, 11, 10).unwrap_or_default();
        let at = completion_time(due, UserId(4), 100, TZ).with_timezone(&TZ);
        assert_eq!(at.date_naive(), due + Duration::days(1), "9 working hours: the next day");
        assert_eq!(at.format("%H:%M").to_string(), "10:00");
    }

    #[test]
    fn minutes_spread_around_the_estimate_never_under_the_minimum() {
        let spent: Vec<i32> = (0..81).map(|t| spent_minutes(20, t)).collect();
        assert_eq!((spent.iter().min(), spent.iter().max()), (Some(&12), Some(&28)));
        assert!(spent.iter().any(|m| *m != 20), "not the estimate");
        assert_eq!(spent_minutes(5, 0), MIN_MINUTES);
    }
}
