//! Time entry rules (seed 000 §2.5, domain.md "Time entry rules"). Each refusal names the rule and
//! the figures, so a coordinator knows what to change.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::RuleViolation;
use crate::catalogue::{TimeRule, ValueFormat};
use crate::ids::{PatientId, TaskTypeId};

pub const MIN_MINUTES: i32 = 5;
pub const MAX_MINUTES: i32 = 120;
pub const DAILY_CAP_MINUTES: i64 = 480;
/// An entry above this multiple of the usual time needs the user's confirmation.
pub const ABOVE_AVERAGE_FACTOR: f64 = 2.0;
/// Days of history the practice average is taken over.
pub const AVERAGE_WINDOW_DAYS: i64 = 90;
/// The same entry again within this many seconds is taken as a double submit.
pub const DUPLICATE_WINDOW_SECONDS: i64 = 120;
/// The most characters an entry's notes may hold.
pub const MAX_NOTES_CHARS: usize = 2000;
/// How far past the server's clock an entry's time may be: a person's clock may run a little ahead.
pub const FUTURE_TOLERANCE_MINUTES: i64 = 5;

/// Time spent on one CM Log entry, in whole minutes. Made only by [`parse_minutes`] (5–120, as
/// entered) or read back from the database (whose CHECK holds 1–120, for imported history), so a
/// `Minutes` is never an estimate or an unchecked figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
#[cfg_attr(feature = "sql", derive(sea_orm::DeriveValueType))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Minutes(i32);

impl Minutes {
    pub fn get(self) -> i32 {
        self.0
    }
}

/// As a term of a sum of minutes (a day's, a month's).
impl From<Minutes> for i64 {
    fn from(minutes: Minutes) -> i64 {
        i64::from(minutes.0)
    }
}

impl std::fmt::Display for Minutes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Parses the minutes field for a task type: required 5–120 for `minutes`, absent for `none`.
pub fn parse_minutes(rule: TimeRule, text: &str) -> Result<Option<Minutes>, RuleViolation> {
    let text = text.trim();
    match rule {
        TimeRule::NoMinutes if text.is_empty() || text == "0" => Ok(None),
        TimeRule::NoMinutes => Err(RuleViolation::new(
            "minutes",
            "This task type records no minutes; leave Time Spent empty.",
        )),
        TimeRule::Minutes if text.is_empty() => Err(RuleViolation::new(
            "minutes",
            format!(
                "Time spent is required for this task type: enter {MIN_MINUTES} to {MAX_MINUTES} minutes."
            ),
        )),
        TimeRule::Minutes => {
            let minutes: i64 = text.parse().map_err(|_| {
                RuleViolation::new(
                    "minutes",
                    format!("Time spent must be a whole number of minutes; \"{text}\" is not."),
                )
            })?;
            if minutes < i64::from(MIN_MINUTES) {
                Err(RuleViolation::new(
                    "minutes",
                    format!("Minimum {MIN_MINUTES} minutes per task: you entered {minutes}."),
                ))
            } else if minutes > i64::from(MAX_MINUTES) {
                Err(RuleViolation::new(
                    "minutes",
                    format!(
                        "Maximum {MAX_MINUTES} minutes per task: you entered {minutes}. Log longer work as several entries."
                    ),
                ))
            } else {
                Ok(Some(Minutes(minutes as i32)))
            }
        }
    }
}

/// The daily cap: what is already logged that day plus this entry may not pass 480.
pub fn check_daily_cap(
    logged_that_day: i64,
    minutes: i64,
    day: NaiveDate,
) -> Result<(), RuleViolation> {
    if logged_that_day + minutes <= DAILY_CAP_MINUTES {
        return Ok(());
    }
    let room = (DAILY_CAP_MINUTES - logged_that_day).max(0);
    Err(RuleViolation::new(
        "minutes",
        format!(
            "Daily limit is {DAILY_CAP_MINUTES} minutes: {logged_that_day} are already logged on {day}, so this entry can be at most {room} minutes (you entered {minutes})."
        ),
    ))
}

/// Parses a Stat entry's value: `yymm` (e.g. 2409) or `yymmdd` (e.g. 240915), a real month or date,
/// and not after `today` (a last ER visit or last hospitalisation has happened).
pub fn parse_stat_value(
    format: ValueFormat,
    text: &str,
    today: NaiveDate,
) -> Result<String, RuleViolation> {
    let text = text.trim();
    let digits = text.chars().all(|c| c.is_ascii_digit());
    let (len, example) = match format {
        ValueFormat::YearMonth => (4, "2409 for September 2024"),
        ValueFormat::YearMonthDay => (6, "240915 for 15 September 2024"),
    };
    if !digits || text.len() != len {
        return Err(RuleViolation::new(
            "value",
            format!("Enter the value as {}, e.g. {example}; \"{text}\" is not.", format.key()),
        ));
    }
    let year = 2000 + text[0..2].parse::<i32>().unwrap_or(0);
    let month = text[2..4].parse::<u32>().unwrap_or(0);
    let day = if len == 6 { text[4..6].parse::<u32>().unwrap_or(0) } else { 1 };
    let what = if len == 6 { "date" } else { "month" };
    let Some(date) = NaiveDate::from_ymd_opt(year, month, day) else {
        return Err(RuleViolation::new(
            "value",
            format!("\"{text}\" is not a real {what}; e.g. {example}."),
        ));
    };
    // A month is in the future only once its first day is; a date, once it is after today.
    if date > today {
        return Err(RuleViolation::new(
            "value",
            format!(
                "\"{text}\" is a {what} in the future ({}); enter when it happened.",
                if len == 6 { date.format("%Y-%m-%d") } else { date.format("%Y-%m") }
            ),
        ));
    }
    Ok(text.to_owned())
}

/// The threshold above which an entry needs confirmation: twice the practice's recent average for
/// the task type, or twice the schedule's estimate when there is no history. None: no basis to judge.
pub fn above_average_threshold(
    practice_average: Option<f64>,
    estimated_minutes: Option<i32>,
) -> Option<f64> {
    practice_average
        .filter(|a| *a > 0.0)
        .or(estimated_minutes.filter(|e| *e > 0).map(f64::from))
        .map(|base| base * ABOVE_AVERAGE_FACTOR)
}

/// Some(message) when the entry must be confirmed before it is saved.
pub fn needs_confirmation(
    minutes: Minutes,
    practice_average: Option<f64>,
    estimated_minutes: Option<i32>,
) -> Option<String> {
    let threshold = above_average_threshold(practice_average, estimated_minutes)?;
    if f64::from(minutes.get()) <= threshold {
        return None;
    }
    let basis = match practice_average.filter(|a| *a > 0.0) {
        Some(avg) => format!(
            "the practice's average for this task type over the last {AVERAGE_WINDOW_DAYS} days is {avg:.0} minutes"
        ),
        None => format!(
            "the schedule estimates {} minutes for this task",
            estimated_minutes.unwrap_or_default()
        ),
    };
    Some(format!(
        "{minutes} minutes is more than twice the usual time ({basis}). Check the figure, then confirm to save it."
    ))
}

/// What makes two entries the same for double-submit detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFingerprint {
    pub patient_id: Option<PatientId>,
    pub task_type_id: TaskTypeId,
    pub minutes: Option<Minutes>,
    pub notes: String,
}

/// True when an identical entry by the same coordinator was created within the last two minutes.
pub fn is_double_submit(
    new: &EntryFingerprint,
    recent: &[(EntryFingerprint, DateTime<Utc>)],
    now: DateTime<Utc>,
) -> bool {
    let window = Duration::seconds(DUPLICATE_WINDOW_SECONDS);
    recent.iter().any(|(entry, created)| {
        entry == new && now - *created <= window && *created <= now + window
    })
}

pub fn double_submit_message() -> String {
    format!(
        "This looks like a double submit: the same patient, task type, minutes and notes were saved less than {} minutes ago. Nothing new was saved.",
        DUPLICATE_WINDOW_SECONDS / 60
    )
}

/// The dates an entry may carry: not in the future, not before the earliest open month.
pub fn check_entry_date(
    date: NaiveDate,
    today: NaiveDate,
    earliest_open: NaiveDate,
) -> Result<(), RuleViolation> {
    if date > today {
        return Err(RuleViolation::new(
            "date",
            format!("Time cannot be logged in the future: {date} is after today ({today})."),
        ));
    }
    if date < earliest_open {
        return Err(RuleViolation::new(
            "date",
            format!(
                "Entries can go back to {earliest_open}, the start of the open billing period; {date} is in a closed or past period."
            ),
        ));
    }
    Ok(())
}

/// What a stopped timer offers (domain.md "Time captured by the timer"): real elapsed time to the
/// nearest minute, never raised to the 5-minute minimum nor cut at 120.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimerReading {
    /// Under 5 minutes: it cannot be logged as it stands (keep it running, discard it, or enter
    /// the time by hand).
    TooShort { minutes: i64 },
    /// One entry of these minutes.
    Entry { minutes: i64 },
    /// Over 120 minutes: as many entries as it takes, as equal as whole minutes allow.
    Split { minutes: i64, parts: Vec<i64> },
}

pub fn read_timer(seconds: i64) -> TimerReading {
    let minutes = (seconds.max(0) + 30) / 60;
    let (min, max) = (i64::from(MIN_MINUTES), i64::from(MAX_MINUTES));
    if minutes < min {
        TimerReading::TooShort { minutes }
    } else if minutes <= max {
        TimerReading::Entry { minutes }
    } else {
        let count = (minutes + max - 1) / max;
        let parts = (0..count).map(|i| minutes / count + i64::from(i < minutes % count)).collect();
        TimerReading::Split { minutes, parts }
    }
}

/// Notes of at most 2,000 characters (after trimming, as they are stored).
pub fn check_notes(notes: &str) -> Result<(), RuleViolation> {
    let count = notes.chars().count();
    if count > MAX_NOTES_CHARS {
        return Err(RuleViolation::new(
            "notes",
            format!("at most {MAX_NOTES_CHARS} characters; these have {count}."),
        ));
    }
    Ok(())
}

/// An entry's time as the `datetime-local` text a person gives, in the practice time zone; now when
/// empty. Refused when it is not a date and time, falls in a daylight-saving gap, or lies more than
/// five minutes past `now`.
pub fn parse_entry_time(
    text: &str,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, RuleViolation> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(now);
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        .map_err(|_| {
            RuleViolation::new(
                "date",
                format!(
                    "\"{text}\" is not a date and time; use the picker or write 2026-11-20T14:30."
                ),
            )
        })?;
    let at = tz.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc)).ok_or_else(
        || {
            RuleViolation::new(
                "date",
                format!("{text} does not exist in the practice time zone (a daylight-saving gap)."),
            )
        },
    )?;
    if at > now + Duration::minutes(FUTURE_TOLERANCE_MINUTES) {
        let local = at.with_timezone(&tz).format("%Y-%m-%d %H:%M");
        return Err(RuleViolation::new(
            "date",
            format!("time cannot be logged in the future ({local})."),
        ));
    }
    Ok(at)
}

/// The first day an entry may carry: the previous month's start while billing has not closed it,
/// otherwise the current month's.
pub fn earliest_open_date(today: NaiveDate, previous_month_closed: bool) -> NaiveDate {
    let this_month = crate::practice_time::YearMonth::of(today);
    if previous_month_closed { this_month.first_day() } else { this_month.previous().first_day() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
    }

    #[test]
    fn minutes_bounds_are_inclusive_five_and_one_twenty() {
        assert_eq!(
            parse_minutes(TimeRule::Minutes, "4").unwrap_err().message,
            "Minimum 5 minutes per task: you entered 4."
        );
        assert_eq!(parse_minutes(TimeRule::Minutes, "5"), Ok(Some(Minutes(5))));
        assert_eq!(parse_minutes(TimeRule::Minutes, " 120 "), Ok(Some(Minutes(120))));
        assert!(
            parse_minutes(TimeRule::Minutes, "121")
                .unwrap_err()
                .message
                .starts_with("Maximum 120 minutes per task: you entered 121.")
        );
        assert!(parse_minutes(TimeRule::Minutes, "").unwrap_err().message.contains("required"));
        assert!(
            parse_minutes(TimeRule::Minutes, "12.5").unwrap_err().message.contains("whole number")
        );
        assert!(parse_minutes(TimeRule::Minutes, "-5").unwrap_err().message.contains("Minimum"));
        assert!(
            parse_minutes(TimeRule::Minutes, "99999999999999999999")
                .unwrap_err()
                .message
                .contains("whole number")
        );
    }

    #[test]
    fn entries_without_minutes_take_none() {
        assert_eq!(parse_minutes(TimeRule::NoMinutes, ""), Ok(None));
        assert_eq!(parse_minutes(TimeRule::NoMinutes, "0"), Ok(None));
        assert!(parse_minutes(TimeRule::NoMinutes, "15").is_err());
    }

    #[test]
    fn daily_cap_allows_exactly_480() {
        assert!(check_daily_cap(400, 80, day()).is_ok());
        let err = check_daily_cap(400, 81, day()).unwrap_err();
        assert_eq!(
            err.message,
            "Daily limit is 480 minutes: 400 are already logged on 2026-11-20, so this entry can be at most 80 minutes (you entered 81)."
        );
        assert!(check_daily_cap(480, 5, day()).unwrap_err().message.contains("at most 0 minutes"));
        assert!(check_daily_cap(0, 120, day()).is_ok());
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    #[test]
    fn stat_values_are_not_in_the_future() {
        let t = today();
        assert_eq!(parse_stat_value(ValueFormat::YearMonth, "2611", t), Ok("2611".into()));
        let e = parse_stat_value(ValueFormat::YearMonth, "2612", t).unwrap_err();
        assert!(e.message.contains("in the future (2026-12)"), "{}", e.message);
        assert!(parse_stat_value(ValueFormat::YearMonth, "2701", t).is_err());
        assert_eq!(parse_stat_value(ValueFormat::YearMonthDay, "261124", t), Ok("261124".into()));
        assert!(parse_stat_value(ValueFormat::YearMonthDay, "261125", t).is_err());
    }

    #[test]
    fn stat_values_are_real_months_and_dates() {
        assert_eq!(parse_stat_value(ValueFormat::YearMonth, "2409", today()), Ok("2409".into()));
        assert!(
            parse_stat_value(ValueFormat::YearMonth, "2413", today())
                .unwrap_err()
                .message
                .contains("not a real month")
        );
        assert!(
            parse_stat_value(ValueFormat::YearMonth, "24-09", today())
                .unwrap_err()
                .message
                .contains("yymm")
        );
        assert!(parse_stat_value(ValueFormat::YearMonth, "240915", today()).is_err());
        assert_eq!(
            parse_stat_value(ValueFormat::YearMonthDay, "240229", today()),
            Ok("240229".into())
        );
        assert!(
            parse_stat_value(ValueFormat::YearMonthDay, "250229", today())
                .unwrap_err()
                .message
                .contains("not a real date")
        );
        assert!(parse_stat_value(ValueFormat::YearMonthDay, "", today()).is_err());
    }

    #[test]
    fn above_average_uses_history_then_the_estimate() {
        assert_eq!(above_average_threshold(Some(18.0), Some(30)), Some(36.0));
        assert_eq!(above_average_threshold(None, Some(30)), Some(60.0));
        assert_eq!(above_average_threshold(Some(0.0), Some(15)), Some(30.0));
        assert_eq!(above_average_threshold(None, None), None);
        assert!(
            needs_confirmation(Minutes(36), Some(18.0), None).is_none(),
            "exactly twice is allowed"
        );
        let msg = needs_confirmation(Minutes(37), Some(18.0), None).unwrap();
        assert!(msg.contains("37 minutes") && msg.contains("18 minutes"), "{msg}");
        assert!(needs_confirmation(Minutes(61), None, Some(30)).unwrap().contains("estimates 30"));
        assert!(needs_confirmation(Minutes(120), None, None).is_none());
    }

    #[test]
    fn double_submits_are_the_same_entry_within_two_minutes() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        let entry = EntryFingerprint {
            patient_id: Some(PatientId(1)),
            task_type_id: TaskTypeId(2),
            minutes: Some(Minutes(15)),
            notes: "called".into(),
        };
        let recent = vec![(entry.clone(), now - Duration::seconds(119))];
        assert!(is_double_submit(&entry, &recent, now));
        assert!(!is_double_submit(&entry, &[(entry.clone(), now - Duration::seconds(121))], now));
        let other_notes = EntryFingerprint { notes: "called again".into(), ..entry.clone() };
        assert!(!is_double_submit(&other_notes, &recent, now));
        let other_minutes = EntryFingerprint { minutes: Some(Minutes(20)), ..entry.clone() };
        assert!(!is_double_submit(&other_minutes, &recent, now));
    }

    #[test]
    fn entry_dates_stay_within_the_open_period() {
        let earliest = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        assert!(check_entry_date(day(), day(), earliest).is_ok());
        assert!(check_entry_date(earliest, day(), earliest).is_ok());
        assert!(
            check_entry_date(day().succ_opt().unwrap(), day(), earliest)
                .unwrap_err()
                .message
                .contains("future")
        );
        assert!(
            check_entry_date(earliest.pred_opt().unwrap(), day(), earliest)
                .unwrap_err()
                .message
                .contains("2026-11-01")
        );
    }

    #[test]
    fn notes_may_hold_exactly_two_thousand_characters() {
        assert!(check_notes(&"é".repeat(MAX_NOTES_CHARS)).is_ok());
        assert_eq!(
            check_notes(&"x".repeat(MAX_NOTES_CHARS + 1)).unwrap_err().message,
            "at most 2000 characters; these have 2001."
        );
    }

    #[test]
    fn an_entry_time_is_read_in_the_practice_time_zone() {
        let tz = chrono_tz::America::Los_Angeles;
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap();
        let t = parse_entry_time("2026-11-20T14:30", tz, now).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-20T22:30:00+00:00");
        assert_eq!(parse_entry_time("2026-11-20 14:30", tz, now).unwrap(), t);
        assert_eq!(parse_entry_time("  ", tz, now).unwrap(), now);
        assert!(parse_entry_time("tomorrow", tz, now).unwrap_err().message.contains("not a date"));
        let gap = parse_entry_time("2026-03-08T02:30", tz, now).unwrap_err();
        assert!(gap.message.contains("daylight-saving"));
    }

    #[test]
    fn an_entry_time_may_run_five_minutes_ahead_of_the_clock_and_no_more() {
        let tz = chrono_tz::America::Los_Angeles;
        // 16:00 in Los Angeles.
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap();
        assert!(parse_entry_time("2026-11-20T16:05", tz, now).is_ok());
        assert_eq!(
            parse_entry_time("2026-11-20T16:06", tz, now).unwrap_err().message,
            "time cannot be logged in the future (2026-11-20 16:06)."
        );
    }

    #[test]
    fn the_previous_month_stays_open_until_billing_closes_it() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        assert_eq!(earliest_open_date(today, false), NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
        assert_eq!(earliest_open_date(today, true), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        let january = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert_eq!(
            earliest_open_date(january, false),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
    }

    #[test]
    fn the_timer_reads_real_time_to_the_nearest_minute() {
        // Eight seconds are not five minutes: too short to log as it stands.
        assert_eq!(read_timer(8), TimerReading::TooShort { minutes: 0 });
        assert_eq!(read_timer(269), TimerReading::TooShort { minutes: 4 });
        assert_eq!(read_timer(270), TimerReading::Entry { minutes: 5 });
        assert_eq!(read_timer(301), TimerReading::Entry { minutes: 5 }, "nearest, not up");
        assert_eq!(read_timer(460), TimerReading::Entry { minutes: 8 });
        assert_eq!(read_timer(120 * 60 + 29), TimerReading::Entry { minutes: 120 });
        assert_eq!(
            read_timer(250 * 60),
            TimerReading::Split { minutes: 250, parts: vec![84, 83, 83] }
        );
        assert_eq!(read_timer(121 * 60), TimerReading::Split { minutes: 121, parts: vec![61, 60] });
        assert_eq!(read_timer(-5), TimerReading::TooShort { minutes: 0 });
    }
}
