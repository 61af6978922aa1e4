//! The assignment queue's clock (seed 001 §3.3–3.4, domain.md "Assignment"): how long a patient has waited
//! since the provider handoff, and whether that is past the practice's SLA.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::RuleViolation;
use crate::assignment::Weights;

pub const DEFAULT_SLA_HOURS: i64 = 24;

/// Hours waited, never negative (a handoff stamped a little in the future reads as just now).
pub fn hours_waiting(handoff: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (now - handoff).num_hours().max(0)
}

pub fn is_overdue(handoff: DateTime<Utc>, now: DateTime<Utc>, sla_hours: i64) -> bool {
    now - handoff > Duration::hours(sla_hours)
}

/// The moment before which a waiting patient is overdue, for SQL filters.
pub fn overdue_before(now: DateTime<Utc>, sla_hours: i64) -> DateTime<Utc> {
    now - Duration::hours(sla_hours)
}

/// "Days Pending" as the seed's table writes it: "0 days", "1 day", "2 days".
pub fn days_pending_label(handoff: DateTime<Utc>, now: DateTime<Utc>) -> String {
    match hours_waiting(handoff, now) / 24 {
        1 => "1 day".into(),
        d => format!("{d} days"),
    }
}

/// The SLA setting: whole hours, 1 to 720 (30 days).
pub fn parse_sla_hours(raw: &str) -> Result<i64, RuleViolation> {
    match raw.trim().parse::<i64>() {
        Ok(h) if (1..=720).contains(&h) => Ok(h),
        _ => Err(RuleViolation::new(
            "Assignment SLA",
            format!(
                "must be a whole number of hours from 1 to 720 (you entered \"{}\")",
                raw.trim()
            ),
        )),
    }
}

/// The four weights: each from 0 to 1, summing to 1 (so a score stays on 0–100).
pub fn validate_weights(w: Weights) -> Result<Weights, RuleViolation> {
    for (name, v) in [
        ("workload", w.workload),
        ("specialization", w.specialization),
        ("experience", w.experience),
        ("language", w.language),
    ] {
        if !(0.0..=1.0).contains(&v) {
            return Err(RuleViolation::new(
                "Weights",
                format!("the {name} weight must be between 0 and 1 (you entered {v})"),
            ));
        }
    }
    let sum = w.workload + w.specialization + w.experience + w.language;
    if (sum - 1.0).abs() > 0.001 {
        return Err(RuleViolation::new(
            "Weights",
            format!("the four weights must add up to 1 (they add up to {sum:.3})"),
        ));
    }
    Ok(w)
}

/// How far ahead a handoff meeting may be scheduled.
pub const HANDOFF_HORIZON_DAYS: i64 = 90;

/// A handoff time typed in practice time: in the future, within 90 days.
pub fn parse_handoff(raw: &str, tz: Tz, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let raw = raw.trim();
    let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M").map_err(|_| {
        format!("Handoff meeting: \"{raw}\" is not a date and time (YYYY-MM-DD HH:MM).")
    })?;
    let at = tz
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("Handoff meeting: {raw} does not exist in the practice's time zone (a daylight-saving gap)."))?;
    if at <= now {
        return Err(format!("Handoff meeting: {raw} is in the past; choose a time from now on."));
    }
    if at > now + Duration::days(HANDOFF_HORIZON_DAYS) {
        return Err(format!("Handoff meeting: {raw} is more than 90 days away."));
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).single().unwrap_or_default() + Duration::hours(h)
    }

    #[test]
    fn overdue_starts_after_the_sla_not_at_it() {
        assert!(!is_overdue(t(0), t(24), 24));
        assert!(is_overdue(t(0), t(24) + Duration::seconds(1), 24));
        assert!(!is_overdue(t(0), t(4), 4) && is_overdue(t(0), t(5), 4));
        assert_eq!(overdue_before(t(24), 24), t(0));
    }

    #[test]
    fn days_pending_reads_like_the_seed() {
        assert_eq!(days_pending_label(t(0), t(23)), "0 days");
        assert_eq!(days_pending_label(t(0), t(24)), "1 day");
        assert_eq!(days_pending_label(t(0), t(71)), "2 days");
        assert_eq!(days_pending_label(t(5), t(0)), "0 days", "a future handoff is just now");
        assert_eq!(hours_waiting(t(5), t(0)), 0);
    }

    #[test]
    fn sla_hours_bounds() {
        assert_eq!(parse_sla_hours(" 24 "), Ok(24));
        assert_eq!(parse_sla_hours("1"), Ok(1));
        assert_eq!(parse_sla_hours("720"), Ok(720));
        for bad in ["0", "721", "-3", "2.5", "", "day"] {
            let e = parse_sla_hours(bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains("1 to 720"), "{bad}: {e}");
        }
    }

    #[test]
    fn weights_must_be_fractions_adding_to_one() {
        assert!(validate_weights(Weights::default()).is_ok());
        let w = Weights { workload: 0.25, specialization: 0.25, experience: 0.25, language: 0.25 };
        assert!(validate_weights(w).is_ok());
        let over = Weights { workload: 0.5, ..Weights::default() };
        assert!(
            validate_weights(over)
                .err()
                .map(|e| e.message)
                .unwrap_or_default()
                .contains("add up to 1.200")
        );
        let negative = Weights { workload: -0.1, specialization: 0.6, ..Weights::default() };
        assert!(
            validate_weights(negative)
                .err()
                .map(|e| e.message)
                .unwrap_or_default()
                .contains("workload weight")
        );
        let one = Weights { workload: 1.0, specialization: 0.0, experience: 0.0, language: 0.0 };
        assert!(validate_weights(one).is_ok());
    }

    #[test]
    fn handoff_times_must_be_future_real_and_near() {
        let tz: Tz = chrono_tz::America::New_York;
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 15, 0, 0).single().unwrap_or_default();
        assert!(parse_handoff("2026-11-23T09:30", tz, now).is_ok());
        assert!(
            parse_handoff("2026-11-22T09:00", tz, now)
                .err()
                .unwrap_or_default()
                .contains("in the past")
        );
        assert!(
            parse_handoff("2027-03-01T09:00", tz, now)
                .err()
                .unwrap_or_default()
                .contains("90 days")
        );
        assert!(
            parse_handoff("tomorrow", tz, now)
                .err()
                .unwrap_or_default()
                .contains("not a date and time")
        );
        let spring = Utc.with_ymd_and_hms(2027, 3, 1, 15, 0, 0).single().unwrap_or_default();
        assert!(
            parse_handoff("2027-03-14T02:30", tz, spring)
                .err()
                .unwrap_or_default()
                .contains("daylight-saving")
        );
    }
}
