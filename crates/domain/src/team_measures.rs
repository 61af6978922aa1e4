//! Seed 001's §5.1, §7.1 and §7.2 measures, computed from recorded data and each defined in one
//! sentence on the report that shows it: overtime and after-hours work, burnout risk, staffing need,
//! assignment accuracy and the criteria's effectiveness, outcome correlations, and weekly volumes.

use chrono::{DateTime, Datelike, NaiveDateTime, NaiveTime, Utc, Weekday};

use crate::capacity::TeamLoad;
use crate::team_stats::UTILIZATION_BAND;

/// An assignment counts as accurate when the patient still has the same coordinator this long after.
pub const ACCURACY_DAYS: i64 = 30;

/// Logged at a weekend, or outside the coordinator's working hours: time worked after hours.
pub fn is_after_hours(local: NaiveDateTime, work_start: NaiveTime, work_end: NaiveTime) -> bool {
    matches!(local.weekday(), Weekday::Sat | Weekday::Sun)
        || local.time() < work_start
        || local.time() >= work_end
}

/// Burnout risk from 1 (none of the signs) to 10 (all of them at their worst): half from utilization
/// above 75% (full at 110%), three tenths from overtime (full at 20 hours in 30 days), a fifth from
/// the share of time worked after hours (full at a quarter).
pub fn burnout_risk(utilization: Option<f64>, overtime_hours: f64, after_hours_share: f64) -> i64 {
    let part = |v: f64, from: f64, full: f64| ((v - from) / (full - from)).clamp(0.0, 1.0);
    let load = utilization.map_or(0.0, |u| part(u, UTILIZATION_BAND.0, 110.0));
    let weight = 0.5 * load
        + 0.3 * part(overtime_hours, 0.0, 20.0)
        + 0.2 * part(after_hours_share, 0.0, 0.25);
    1 + (9.0 * weight).round() as i64
}

/// What the team's load says about staffing, against the 75–85% utilization band.
#[derive(Debug, Clone, PartialEq)]
pub enum Staffing {
    /// This many more coordinators (at the team's average maximum) bring utilization to 85% or under.
    Hire(i64),
    /// Within the band.
    Balanced,
    /// Below the band: the team can take this many more patients before reaching 75%.
    Room(i64),
    /// Nobody takes patients, so there is no utilization to judge.
    Unknown,
}

pub fn staffing(t: &TeamLoad) -> Staffing {
    let Some(u) = t.utilization.filter(|_| t.coordinators > 0) else {
        return Staffing::Unknown;
    };
    let mean_max = t.capacity as f64 / t.coordinators as f64;
    if u > UTILIZATION_BAND.1 {
        let needed = (t.caseload as f64 / (mean_max * UTILIZATION_BAND.1 / 100.0)).ceil() as i64;
        Staffing::Hire((needed - t.coordinators as i64).max(1))
    } else if u < UTILIZATION_BAND.0 {
        let at_band = (t.capacity as f64 * UTILIZATION_BAND.0 / 100.0).floor() as i64;
        Staffing::Room((at_band - t.caseload).max(0))
    } else {
        Staffing::Balanced
    }
}

impl Staffing {
    pub fn words(&self) -> String {
        match self {
            Staffing::Hire(n) => format!(
                "{} more coordinator{} at the team's average maximum would bring utilization to 85% or under",
                n,
                if *n == 1 { "" } else { "s" }
            ),
            Staffing::Balanced => "staffed within the 75–85% band".into(),
            Staffing::Room(n) => format!(
                "below the band: the team can take {} more patient{} before 75%",
                n,
                if *n == 1 { "" } else { "s" }
            ),
            Staffing::Unknown => "nobody takes patients, so there is nothing to judge".into(),
        }
    }
}

/// One assignment judged for accuracy: when it was made, when (if ever) the patient next changed
/// coordinator, and its match score.
#[derive(Debug, Clone, Copy)]
pub struct Judged {
    pub assigned_at: DateTime<Utc>,
    pub changed_at: Option<DateTime<Utc>>,
    pub score: Option<f64>,
}

/// Assignment accuracy over the assignments old enough to judge (made 30 days or more before
/// `now`): how many there were, how many kept their coordinator for 30 days, and the mean match score
/// of the kept and of the changed ones (the criteria's effectiveness: kept ones should score higher).
#[derive(Debug, Clone, PartialEq)]
pub struct Accuracy {
    pub judged: usize,
    pub kept: usize,
    pub kept_score: Option<f64>,
    pub changed_score: Option<f64>,
}

impl Accuracy {
    pub fn percent(&self) -> Option<f64> {
        (self.judged > 0).then(|| self.kept as f64 * 100.0 / self.judged as f64)
    }
}

pub fn assignment_accuracy(rows: &[Judged], now: DateTime<Utc>) -> Accuracy {
    let window = chrono::Duration::days(ACCURACY_DAYS);
    let (kept, changed): (Vec<&Judged>, Vec<&Judged>) = rows
        .iter()
        .filter(|r| r.assigned_at + window <= now)
        .partition(|r| r.changed_at.is_none_or(|c| c >= r.assigned_at + window));
    let mean_score = |rows: &[&Judged]| {
        let scores: Vec<f64> = rows.iter().filter_map(|r| r.score).collect();
        (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64)
    };
    Accuracy {
        judged: kept.len() + changed.len(),
        kept: kept.len(),
        kept_score: mean_score(&kept),
        changed_score: mean_score(&changed),
    }
}

/// Pearson's correlation between two measures taken over the same coordinators; None with fewer
/// than three pairs or when either measure does not vary.
pub fn correlation(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.len() < 3 {
        return None;
    }
    let n = pairs.len() as f64;
    let (mx, my) =
        (pairs.iter().map(|p| p.0).sum::<f64>() / n, pairs.iter().map(|p| p.1).sum::<f64>() / n);
    let cov: f64 = pairs.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let (vx, vy): (f64, f64) = (
        pairs.iter().map(|(x, _)| (x - mx).powi(2)).sum(),
        pairs.iter().map(|(_, y)| (y - my).powi(2)).sum(),
    );
    (vx > 0.0 && vy > 0.0).then(|| cov / (vx * vy).sqrt())
}

/// A correlation in words: its strength and direction, with how many coordinators it rests on.
pub fn correlation_words(r: Option<f64>, n: usize) -> String {
    match r {
        None => {
            format!("not enough to tell ({n} coordinators with both figures; 3 needed, varying)")
        }
        Some(r) => {
            let strength = match r.abs() {
                a if a >= 0.7 => "strong",
                a if a >= 0.4 => "moderate",
                a if a >= 0.2 => "weak",
                _ => "none to speak of",
            };
            let direction = if r.abs() < 0.2 {
                ""
            } else if r > 0.0 {
                " positive"
            } else {
                " negative"
            };
            format!("r = {r:.2}: {strength}{direction}, over {n} coordinators")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, NaiveDate, TimeZone};

    fn local(d: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, d)
            .and_then(|x| x.and_hms_opt(h, m, 0))
            .unwrap_or_default()
    }

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
    }

    #[test]
    fn after_hours_is_outside_the_working_day_or_at_a_weekend() {
        let (start, end) = (time(8, 0), time(16, 30));
        assert!(!is_after_hours(local(10, 8, 0), start, end), "Tuesday 08:00: in hours");
        assert!(!is_after_hours(local(10, 16, 29), start, end));
        assert!(is_after_hours(local(10, 16, 30), start, end), "the end is after hours");
        assert!(is_after_hours(local(10, 7, 59), start, end));
        assert!(is_after_hours(local(14, 10, 0), start, end), "Saturday");
    }

    #[test]
    fn burnout_risk_runs_from_one_to_ten() {
        assert_eq!(burnout_risk(Some(70.0), 0.0, 0.0), 1);
        assert_eq!(burnout_risk(None, 0.0, 0.0), 1);
        assert_eq!(burnout_risk(Some(110.0), 20.0, 0.25), 10);
        assert_eq!(burnout_risk(Some(150.0), 80.0, 1.0), 10, "capped");
        assert_eq!(burnout_risk(Some(92.5), 10.0, 0.125), 6, "half of each: 1 + 4.5 rounds to 6");
    }

    fn load(caseload: i64, capacity: i64, coordinators: usize) -> TeamLoad {
        TeamLoad {
            coordinators,
            caseload,
            capacity,
            utilization: (capacity > 0).then(|| caseload as f64 * 100.0 / capacity as f64),
            capacity_left: (capacity - caseload).max(0),
            mean_caseload: None,
            caseload_deviation: 0.0,
            spread: 0.0,
        }
    }

    #[test]
    fn staffing_against_the_band() {
        // 300 patients, 8 coordinators of 35: 107% → 300 / (35 × 0.85) = 10.08 → 11 needed, 3 more.
        assert_eq!(staffing(&load(300, 280, 8)), Staffing::Hire(3));
        assert_eq!(staffing(&load(224, 280, 8)), Staffing::Balanced, "80%");
        assert_eq!(staffing(&load(140, 280, 8)), Staffing::Room(70), "50%: 210 at 75%");
        assert_eq!(staffing(&load(0, 0, 0)), Staffing::Unknown);
        assert!(Staffing::Hire(1).words().starts_with("1 more coordinator at"));
    }

    #[test]
    fn accuracy_judges_only_assignments_a_month_old() {
        let now = Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).single().unwrap_or_default();
        let ago = |d: i64| now - Duration::days(d);
        let rows = [
            Judged { assigned_at: ago(60), changed_at: None, score: Some(80.0) },
            Judged { assigned_at: ago(60), changed_at: Some(ago(50)), score: Some(50.0) },
            Judged { assigned_at: ago(45), changed_at: Some(ago(5)), score: Some(70.0) },
            Judged { assigned_at: ago(10), changed_at: Some(ago(5)), score: Some(10.0) },
        ];
        let a = assignment_accuracy(&rows, now);
        assert_eq!((a.judged, a.kept), (3, 2), "the 10-day-old one is not judged yet");
        assert_eq!(a.percent().map(|p| p.round()), Some(67.0));
        assert_eq!((a.kept_score, a.changed_score), (Some(75.0), Some(50.0)));
    }

    #[test]
    fn correlation_needs_three_varying_pairs() {
        assert_eq!(correlation(&[(1.0, 2.0), (2.0, 4.0)]), None);
        assert_eq!(correlation(&[(1.0, 2.0), (2.0, 2.0), (3.0, 2.0)]), None);
        let r = correlation(&[(1.0, 2.0), (2.0, 4.0), (3.0, 6.5)]).unwrap_or_default();
        assert!(r > 0.99);
        assert!(correlation_words(Some(-0.5), 8).contains("moderate negative, over 8"));
        assert!(correlation_words(None, 2).starts_with("not enough"));
    }
}
