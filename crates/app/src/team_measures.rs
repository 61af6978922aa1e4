//! The reports' §5.1, §7.1 and §7.2 measures: what the store counts, turned into the domain's
//! measures for the coordinators the manager sees.

use std::collections::BTreeMap;

use carelog_domain::capacity::{Load, team_load};
use carelog_domain::ids::UserId;
use carelog_domain::practice_time::local_date;
use carelog_domain::schedule::monday_of;
use carelog_domain::team_measures::is_after_hours;
use carelog_store::TeamMember;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

use crate::team_facts::{ACTIVITY_DAYS, load};
use crate::{Actor, App, ServiceResult};

/// One coordinator's logged time over the activity window: all of it, and the part after hours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HoursWorked {
    pub minutes: i64,
    pub after_hours_minutes: i64,
}

impl HoursWorked {
    pub fn overtime_hours(&self) -> f64 {
        self.after_hours_minutes as f64 / 60.0
    }

    pub fn after_hours_share(&self) -> f64 {
        if self.minutes > 0 { self.after_hours_minutes as f64 / self.minutes as f64 } else { 0.0 }
    }
}

/// A week of assignments and where team utilization stood at its end.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekTrend {
    pub week_start: NaiveDate,
    pub assignments: usize,
    pub utilization: Option<f64>,
}

impl WeekTrend {
    /// "utilization 81%" or "no capacity recorded".
    pub fn utilization_words(&self) -> String {
        self.utilization
            .map(|u| format!("utilization {u:.0}%"))
            .unwrap_or_else(|| "no capacity recorded".into())
    }
}

fn clock(text: &str, default: NaiveTime) -> NaiveTime {
    NaiveTime::parse_from_str(text, "%H:%M").unwrap_or(default)
}

impl App {
    /// Each coordinator's minutes over the last 30 days, and those logged outside their working
    /// hours or at a weekend.
    pub async fn hours_worked(
        &self,
        actor: &Actor,
        team: &[TeamMember],
        now: DateTime<Utc>,
    ) -> ServiceResult<BTreeMap<UserId, HoursWorked>> {
        self.require_oversight(actor)?;
        let tz = self.settings.time_zone;
        let hours: BTreeMap<UserId, (NaiveTime, NaiveTime)> = team
            .iter()
            .map(|m| {
                let start =
                    clock(&m.work_start, NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default());
                let end = clock(&m.work_end, NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default());
                (m.id, (start, end))
            })
            .collect();
        let mut worked: BTreeMap<UserId, HoursWorked> = BTreeMap::new();
        for e in self.store.minutes_logged_since(now - Duration::days(ACTIVITY_DAYS)).await? {
            let Some((start, end)) = hours.get(&e.coordinator_id) else { continue };
            let w = worked.entry(e.coordinator_id).or_default();
            w.minutes += i64::from(e.minutes);
            if is_after_hours(e.task_at.with_timezone(&tz).naive_local(), *start, *end) {
                w.after_hours_minutes += i64::from(e.minutes);
            }
        }
        Ok(worked)
    }

    /// The last `weeks` weeks (Monday to Sunday, this one so far): assignments made in each, and team
    /// utilization at each week's end from recorded assignment times, against today's maximums.
    pub async fn weekly_trends(
        &self,
        actor: &Actor,
        team: &[TeamMember],
        weeks: i64,
        now: DateTime<Utc>,
    ) -> ServiceResult<Vec<WeekTrend>> {
        self.require_oversight(actor)?;
        let tz = self.settings.time_zone;
        let today = local_date(now, tz);
        let this_monday = monday_of(today);
        let first = this_monday - Duration::weeks(weeks - 1);
        let since = carelog_domain::practice_time::start_of_day(first, tz);
        let times = self.store.assignment_times_since(since).await?;
        let of = self.default_team(actor).await?;
        let mut trends = Vec::new();
        for k in 0..weeks {
            let week_start = first + Duration::weeks(k);
            let end =
                carelog_domain::practice_time::start_of_day(week_start + Duration::weeks(1), tz)
                    .min(now);
            let assignments = times
                .iter()
                .filter(|t| {
                    let day = local_date(**t, tz);
                    day >= week_start && day < week_start + Duration::weeks(1)
                })
                .count();
            let caseloads = self.store.caseloads_at(end, of).await?;
            let loads: Vec<Load> = team
                .iter()
                .map(|m| Load { caseload: caseloads.get(&m.id).copied().unwrap_or(0), ..load(m) })
                .collect();
            trends.push(WeekTrend {
                week_start,
                assignments,
                utilization: team_load(&loads).utilization,
            });
        }
        Ok(trends)
    }

    /// Care gaps closed on days `from..=to`, by the patient's coordinator.
    pub async fn gaps_resolved(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
    ) -> ServiceResult<BTreeMap<UserId, i64>> {
        self.require_oversight(actor)?;
        Ok(self
            .store
            .gaps_resolved(from, to)
            .await?
            .into_iter()
            .map(|g| (g.coordinator_id, g.n))
            .collect())
    }
}
