//! The practice's calendar: "today", months and days in the practice time zone, as UTC ranges
//! the store can filter with (date functions differ between SQLite and PostgreSQL).

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// A half-open UTC range `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcRange {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl UtcRange {
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }
}

/// A calendar month, e.g. 2026-11.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn of(date: NaiveDate) -> Self {
        Self { year: date.year(), month: date.month() }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            Self { year: self.year + 1, month: 1 }
        } else {
            Self { year: self.year, month: self.month + 1 }
        }
    }

    pub fn previous(self) -> Self {
        if self.month == 1 {
            Self { year: self.year - 1, month: 12 }
        } else {
            Self { year: self.year, month: self.month - 1 }
        }
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MIN)
    }

    /// Parses `YYYY-MM`.
    pub fn parse(text: &str) -> Result<Self, crate::RuleViolation> {
        let bad = || {
            crate::RuleViolation::new(
                "month",
                format!("\"{text}\" is not a month; write it as YYYY-MM, e.g. 2026-03"),
            )
        };
        let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || !(1900..=9999).contains(&year) {
            return Err(bad());
        }
        Ok(Self { year, month })
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The practice-local calendar date at an instant.
pub fn local_date(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// The instant a local date begins. Where a DST change skips midnight, the day begins at the
/// first local time that exists.
pub fn start_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    for hour in 0..3 {
        let local = midnight + Duration::hours(hour);
        if let Some(at) = tz.from_local_datetime(&local).earliest() {
            return at.with_timezone(&Utc);
        }
    }
    Utc.from_utc_datetime(&midnight)
}

pub fn day_range(date: NaiveDate, tz: Tz) -> UtcRange {
    let next = date.succ_opt().unwrap_or(date);
    UtcRange { start: start_of_day(date, tz), end: start_of_day(next, tz) }
}

pub fn month_range(month: YearMonth, tz: Tz) -> UtcRange {
    UtcRange {
        start: start_of_day(month.first_day(), tz),
        end: start_of_day(month.next().first_day(), tz),
    }
}

/// Parses an IANA time-zone name such as `America/Los_Angeles`.
pub fn parse_time_zone(name: &str) -> Result<Tz, crate::RuleViolation> {
    name.trim().parse::<Tz>().map_err(|_| {
        crate::RuleViolation::new(
            "time zone",
            format!("\"{name}\" is not an IANA time zone name such as America/Los_Angeles"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn la() -> Tz {
        chrono_tz::America::Los_Angeles
    }

    #[test]
    fn month_range_starts_at_local_midnight() {
        let r = month_range(YearMonth { year: 2026, month: 3 }, la());
        assert_eq!(r.start.to_rfc3339(), "2026-03-01T08:00:00+00:00");
        // DST begins 2026-03-08: April starts at UTC-7.
        assert_eq!(r.end.to_rfc3339(), "2026-04-01T07:00:00+00:00");
    }

    #[test]
    fn late_evening_local_belongs_to_the_local_day() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 6, 30, 0).unwrap(); // Nov 30, 22:30 in LA
        assert_eq!(local_date(at, la()), NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        let nov = month_range(YearMonth { year: 2026, month: 11 }, la());
        assert!(nov.contains(at));
    }

    #[test]
    fn day_is_23_hours_when_clocks_spring_forward() {
        let r = day_range(NaiveDate::from_ymd_opt(2026, 3, 8).unwrap(), la());
        assert_eq!((r.end - r.start).num_hours(), 23);
    }

    #[test]
    fn a_zone_whose_midnight_is_skipped_starts_the_day_at_one() {
        // America/Santiago springs forward at 24:00 on the first Saturday of September.
        let tz: Tz = "America/Santiago".parse().unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        let start = start_of_day(date, tz).with_timezone(&tz);
        assert_eq!(start.date_naive(), date);
    }

    #[test]
    fn months_parse_and_step() {
        let m = YearMonth::parse("2026-12").unwrap();
        assert_eq!(m.next(), YearMonth { year: 2027, month: 1 });
        assert_eq!(m.previous().previous(), YearMonth { year: 2026, month: 10 });
        assert_eq!(YearMonth { year: 2028, month: 2 }.last_day().day(), 29);
        assert!(YearMonth::parse("2026-13").is_err());
        assert!(YearMonth::parse("March").is_err());
        assert_eq!(m.to_string(), "2026-12");
    }

    #[test]
    fn bad_time_zone_names_the_rule() {
        assert!(parse_time_zone("America/Los_Angeles").is_ok());
        let err = parse_time_zone("Mars/Olympus").unwrap_err();
        assert!(err.message.contains("IANA"));
    }
}
