//! Figures for Tab 3's workload, quality and reports (seed 001 §3.6, §5, §7, §9), from counts the store
//! gathers. Targets are the seed's success metrics (§9).

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

use crate::capacity::caseload_words;
use crate::practice_time::start_of_day;

/// §9.1: handoff to assignment in under 4 hours.
pub const ASSIGNMENT_SPEED_TARGET_HOURS: f64 = 4.0;
/// §9.1: under 15 percentage points of spread in coordinator utilization.
pub const UTILIZATION_SPREAD_TARGET: f64 = 15.0;
/// §9.2: team utilization between 75% and 85%.
pub const UTILIZATION_BAND: (f64, f64) = (75.0, 85.0);
/// §5.2 and §9.2: documentation accuracy above 95%.
pub const ACCURACY_TARGET: f64 = 95.0;
/// §5.2 and §9.1: patient satisfaction above 4.5 of 5.
pub const SATISFACTION_TARGET: f64 = 4.5;
/// §5.2: care plan completion above 95%.
pub const CARE_PLAN_TARGET: f64 = 95.0;
/// A caseload at or above this share of its maximum is "approaching capacity".
pub const NEAR_CAPACITY: f64 = 0.9;

pub fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

pub fn utilization_percent(caseload: i64, max_caseload: i64) -> Option<f64> {
    percent(caseload, max_caseload)
}

/// How full one coordinator's caseload is, for its bar: full from 90%, busy from 75%.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseloadFill {
    Room,
    Busy,
    Full,
}

impl CaseloadFill {
    pub fn of(fill_percent: i64) -> Self {
        if fill_percent >= 90 {
            CaseloadFill::Full
        } else if fill_percent >= 75 {
            CaseloadFill::Busy
        } else {
            CaseloadFill::Room
        }
    }
}

/// Where a team utilization sits against the 75–85% band.
pub fn utilization_band(u: f64) -> &'static str {
    if u < UTILIZATION_BAND.0 {
        "below the 75–85% band"
    } else if u > UTILIZATION_BAND.1 {
        "above the 75–85% band"
    } else {
        "within the 75–85% band"
    }
}

/// A spread of waiting times (hours from provider handoff to assignment).
#[derive(Debug, Clone, PartialEq)]
pub struct Distribution {
    pub count: usize,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub p90: Option<f64>,
    pub max: Option<f64>,
    /// Share assigned within the 4-hour target, percent.
    pub within_target: Option<f64>,
    pub buckets: Vec<(&'static str, usize)>,
}

pub const WAIT_BUCKETS: [(&str, f64); 4] = [
    ("under 4 hours", 4.0),
    ("4 to 24 hours", 24.0),
    ("1 to 3 days", 72.0),
    ("over 3 days", f64::INFINITY),
];

/// The nearest-rank percentile of sorted values.
fn nearest_rank(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

pub fn distribution(hours: &[f64]) -> Distribution {
    let mut sorted: Vec<f64> =
        hours.iter().copied().filter(|h| h.is_finite()).map(|h| h.max(0.0)).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let mut buckets: Vec<(&'static str, usize)> =
        WAIT_BUCKETS.iter().map(|(label, _)| (*label, 0)).collect();
    for h in &sorted {
        if let Some(i) = WAIT_BUCKETS.iter().position(|(_, upper)| *h < *upper) {
            buckets[i].1 += 1;
        }
    }
    let median = match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    };
    Distribution {
        count: n,
        mean: (n > 0).then(|| sorted.iter().sum::<f64>() / n as f64),
        median,
        p90: nearest_rank(&sorted, 90.0),
        max: sorted.last().copied(),
        within_target: percent(
            sorted.iter().filter(|h| **h < ASSIGNMENT_SPEED_TARGET_HOURS).count() as i64,
            n as i64,
        ),
        buckets,
    }
}

/// One coordinator's month for the quality view.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QualityMonth {
    pub reviews: i64,
    pub accurate: i64,
    pub surveys: i64,
    pub satisfaction_sum: i64,
    pub care_tasks: i64,
    pub care_tasks_done: i64,
    pub billable_minutes: i64,
}

impl QualityMonth {
    pub fn accuracy(&self) -> Option<f64> {
        percent(self.accurate, self.reviews)
    }

    pub fn satisfaction(&self) -> Option<f64> {
        (self.surveys > 0).then(|| self.satisfaction_sum as f64 / self.surveys as f64)
    }

    pub fn care_plan_completion(&self) -> Option<f64> {
        percent(self.care_tasks_done, self.care_tasks)
    }

    pub fn add(&mut self, other: &QualityMonth) {
        self.reviews += other.reviews;
        self.accurate += other.accurate;
        self.surveys += other.surveys;
        self.satisfaction_sum += other.satisfaction_sum;
        self.care_tasks += other.care_tasks;
        self.care_tasks_done += other.care_tasks_done;
        self.billable_minutes += other.billable_minutes;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertLevel {
    Warning,
    Info,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub level: AlertLevel,
    pub message: String,
}

/// The minutes a caseload should have reached by now: caseload × monthly target, prorated by the share of
/// the month that has passed (a whole month once it is over).
pub fn minutes_target(
    caseload: i64,
    monthly_target: i64,
    elapsed_days: u32,
    days_in_month: u32,
) -> i64 {
    if days_in_month == 0 {
        return 0;
    }
    caseload * monthly_target * i64::from(elapsed_days.min(days_in_month))
        / i64::from(days_in_month)
}

/// "1 survey", "3 surveys"; "1 reviewed entry", "2 reviewed entries".
pub fn plural(n: i64, noun: &str) -> String {
    match (n, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) if !stem.ends_with(['a', 'e', 'o', 'u']) => format!("{n} {stem}ies"),
        _ => format!("{n} {noun}s"),
    }
}

/// §5.2's alerts for one coordinator: below a quality target, below the minutes target, or close to capacity.
pub fn alerts(
    name: &str,
    q: &QualityMonth,
    minutes_target: i64,
    caseload: i64,
    max_caseload: i64,
) -> Vec<Alert> {
    let mut out = Vec::new();
    let warn = |message: String| Alert { level: AlertLevel::Warning, message };
    if let Some(a) = q.accuracy().filter(|a| *a < ACCURACY_TARGET) {
        out.push(warn(format!(
            "{name}: documentation accuracy below target ({a:.1}% of {} reviewed entries; target above 95%)",
            q.reviews
        )));
    }
    if let Some(s) = q.satisfaction().filter(|s| *s < SATISFACTION_TARGET) {
        out.push(warn(format!(
            "{name}: patient satisfaction below target ({s:.1}/5 from {}; target above 4.5)",
            plural(q.surveys, "survey")
        )));
    }
    if let Some(c) = q.care_plan_completion().filter(|c| *c < CARE_PLAN_TARGET) {
        out.push(warn(format!(
            "{name}: care plan completion below target ({c:.1}%: {} of {} care tasks done; target above 95%)",
            q.care_tasks_done, q.care_tasks
        )));
    }
    if minutes_target > 0 && q.billable_minutes < minutes_target {
        out.push(warn(format!(
            "{name}: billable minutes below target ({} of {} expected by now)",
            q.billable_minutes, minutes_target
        )));
    }
    if caseload >= max_caseload {
        out.push(Alert {
            level: AlertLevel::Info,
            message: format!("{name}: {}", caseload_words(caseload, max_caseload)),
        });
    } else if max_caseload > 0 && caseload as f64 >= max_caseload as f64 * NEAR_CAPACITY {
        out.push(Alert {
            level: AlertLevel::Info,
            message: format!("{name}: approaching capacity ({caseload}/{max_caseload} patients)"),
        });
    }
    out
}

/// Monday-to-Friday days from `start` up to, not including, `end`: the working days a daily average divides by.
pub fn weekdays_between(start: NaiveDate, end: NaiveDate) -> i64 {
    start
        .iter_days()
        .take_while(|d| *d < end)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .count() as i64
}

/// Entries per working day, to one decimal place of meaning; 0 when the window has no working day.
pub fn per_working_day(entries: i64, working_days: i64) -> f64 {
    if working_days > 0 { entries as f64 / working_days as f64 } else { 0.0 }
}

/// Hours from a generated task becoming due (the start of the coordinator's working day on its due date,
/// practice time) to its completion; 0 when it was done before then.
pub fn response_hours(
    due: NaiveDate,
    work_start: &str,
    completed_at: DateTime<Utc>,
    tz: Tz,
) -> f64 {
    let start = NaiveTime::parse_from_str(work_start, "%H:%M").unwrap_or(NaiveTime::MIN);
    let due_at = start_of_day(due, tz) + (start - NaiveTime::MIN);
    ((completed_at - due_at).num_seconds() as f64 / 3600.0).max(0.0)
}

pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn working_days_skip_weekends() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap_or_default();
        assert_eq!(weekdays_between(d(2), d(9)), 5, "Mon 2nd to Mon 9th");
        assert_eq!(weekdays_between(d(7), d(9)), 0, "a weekend");
        assert_eq!(weekdays_between(d(9), d(2)), 0);
        assert_eq!(per_working_day(30, 20), 1.5);
        assert_eq!(per_working_day(30, 0), 0.0);
    }

    #[test]
    fn response_counts_from_the_start_of_the_working_day_it_falls_due() {
        let tz: Tz = chrono_tz::America::New_York;
        let due = NaiveDate::from_ymd_opt(2026, 11, 9).unwrap_or_default();
        let local = |h, m| {
            tz.with_ymd_and_hms(2026, 11, 9, h, m, 0)
                .single()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default()
        };
        assert_eq!(response_hours(due, "08:00", local(10, 30), tz), 2.5);
        assert_eq!(
            response_hours(due, "09:00", local(8, 0), tz),
            0.0,
            "done before the day started"
        );
        assert_eq!(
            response_hours(due, "bad", local(3, 0), tz),
            3.0,
            "an unreadable start counts from midnight"
        );
        assert_eq!(mean(&[]), None);
        assert_eq!(mean(&[1.0, 2.0]), Some(1.5));
    }

    #[test]
    fn distribution_of_waits() {
        let d = distribution(&[1.0, 3.9, 4.0, 30.0, 80.0]);
        assert_eq!(d.count, 5);
        assert_eq!(d.median, Some(4.0));
        assert_eq!(d.p90, Some(80.0));
        assert_eq!(d.max, Some(80.0));
        assert_eq!(d.within_target, Some(40.0), "4.0 is not under 4 hours");
        assert_eq!(
            d.buckets,
            vec![
                ("under 4 hours", 2),
                ("4 to 24 hours", 1),
                ("1 to 3 days", 1),
                ("over 3 days", 1)
            ]
        );
        assert!((d.mean.unwrap_or_default() - 23.78).abs() < 1e-9);
        let even = distribution(&[2.0, 6.0]);
        assert_eq!(even.median, Some(4.0));
        let none = distribution(&[]);
        assert_eq!(
            (none.mean, none.median, none.p90, none.within_target),
            (None, None, None, None)
        );
        assert_eq!(
            distribution(&[f64::NAN, -1.0]).buckets[0].1,
            1,
            "NaN dropped, negative reads as 0"
        );
    }

    #[test]
    fn utilization_band_edges() {
        assert_eq!(utilization_band(74.9), "below the 75–85% band");
        assert_eq!(utilization_band(75.0), "within the 75–85% band");
        assert_eq!(utilization_band(85.0), "within the 75–85% band");
        assert_eq!(utilization_band(85.1), "above the 75–85% band");
        assert_eq!(utilization_percent(28, 35), Some(80.0));
        assert_eq!(utilization_percent(3, 0), None);
    }

    #[test]
    fn minutes_target_prorates_and_caps() {
        assert_eq!(minutes_target(30, 20, 15, 30), 300);
        assert_eq!(minutes_target(30, 20, 31, 30), 600);
        assert_eq!(minutes_target(30, 20, 0, 30), 0);
        assert_eq!(minutes_target(30, 20, 5, 0), 0);
    }

    #[test]
    fn alerts_fire_below_each_target_and_near_capacity() {
        let fine = QualityMonth {
            reviews: 20,
            accurate: 20,
            surveys: 2,
            satisfaction_sum: 10,
            care_tasks: 10,
            care_tasks_done: 10,
            billable_minutes: 600,
        };
        assert!(alerts("A", &fine, 600, 10, 35).is_empty());
        let poor = QualityMonth {
            reviews: 25,
            accurate: 23,
            surveys: 2,
            satisfaction_sum: 8,
            care_tasks: 20,
            care_tasks_done: 18,
            billable_minutes: 599,
        };
        let messages: Vec<String> =
            alerts("B", &poor, 600, 32, 35).into_iter().map(|a| a.message).collect();
        assert_eq!(messages.len(), 5, "{messages:?}");
        assert!(messages[0].contains("92.0% of 25 reviewed entries"));
        assert!(messages[1].contains("from 2 surveys"));
        assert_eq!(plural(1, "survey"), "1 survey");
        assert_eq!(plural(1, "reviewed entry"), "1 reviewed entry");
        assert!(messages[1].contains("4.0/5"));
        assert!(messages[2].contains("18 of 20"));
        assert!(messages[3].contains("599 of 600"));
        assert!(messages[4].contains("approaching capacity (32/35"));
        assert!(
            alerts("C", &fine, 0, 35, 35)[0].message.contains("35/35 patients (100%, at capacity)")
        );
        assert!(
            alerts("C", &fine, 0, 36, 20)[0]
                .message
                .contains("36/20 patients (180%, over capacity)")
        );
        assert!(
            alerts("D", &QualityMonth::default(), 0, 31, 35).is_empty(),
            "31/35 is under 90%; no reviews is no alert"
        );
    }

    #[test]
    fn quality_month_adds_up() {
        let mut team = QualityMonth::default();
        team.add(&QualityMonth {
            reviews: 2,
            accurate: 1,
            surveys: 1,
            satisfaction_sum: 5,
            care_tasks: 4,
            care_tasks_done: 4,
            billable_minutes: 30,
        });
        team.add(&QualityMonth {
            reviews: 2,
            accurate: 2,
            surveys: 1,
            satisfaction_sum: 4,
            care_tasks: 0,
            care_tasks_done: 0,
            billable_minutes: 20,
        });
        assert_eq!(team.accuracy(), Some(75.0));
        assert_eq!(team.satisfaction(), Some(4.5));
        assert_eq!(team.care_plan_completion(), Some(100.0));
        assert_eq!(team.billable_minutes, 50);
    }

    #[test]
    fn a_caseload_is_busy_from_75_and_full_from_90_percent() {
        assert_eq!(CaseloadFill::of(74), CaseloadFill::Room);
        assert_eq!(CaseloadFill::of(75), CaseloadFill::Busy);
        assert_eq!(CaseloadFill::of(89), CaseloadFill::Busy);
        assert_eq!(CaseloadFill::of(90), CaseloadFill::Full);
        assert_eq!(CaseloadFill::of(130), CaseloadFill::Full);
    }
}
