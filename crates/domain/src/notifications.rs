//! Notifications (seed 000 §6.2): what is sent, when, to whom, and with which key so it is sent once
//! however many servers run. E-mail carries only what the minimum-necessary rule allows: a count
//! and a link, never a patient's name.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc, Weekday};

use crate::ids::{PatientId, UserId};
use crate::practice_time::YearMonth;
use crate::schedule::week_key;
use crate::words::counted;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    OverdueDigest,
    DueToday,
    WeeklySummary,
    BillingReady,
    NoActivity,
    VisitOverdue,
    OpenCareGaps,
    StatusChange,
    NewAssignment,
    HandoffMeeting,
    SeniorReview,
    SavingFailed,
}

impl Kind {
    pub const ALL: [Kind; 12] = [
        Kind::OverdueDigest,
        Kind::DueToday,
        Kind::WeeklySummary,
        Kind::BillingReady,
        Kind::NoActivity,
        Kind::VisitOverdue,
        Kind::OpenCareGaps,
        Kind::StatusChange,
        Kind::NewAssignment,
        Kind::HandoffMeeting,
        Kind::SeniorReview,
        Kind::SavingFailed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Kind::OverdueDigest => "overdue_digest",
            Kind::DueToday => "due_today",
            Kind::WeeklySummary => "weekly_summary",
            Kind::BillingReady => "billing_ready",
            Kind::NoActivity => "no_activity",
            Kind::VisitOverdue => "visit_overdue",
            Kind::OpenCareGaps => "open_care_gaps",
            Kind::StatusChange => "status_change",
            Kind::NewAssignment => "new_assignment",
            Kind::HandoffMeeting => "handoff_meeting",
            Kind::SeniorReview => "senior_review",
            Kind::SavingFailed => "saving_failed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::OverdueDigest => "Overdue tasks (daily digest)",
            Kind::DueToday => "Tasks due today (each morning)",
            Kind::WeeklySummary => "Weekly summary (Monday morning)",
            Kind::BillingReady => "Monthly billing ready (the 1st)",
            Kind::NoActivity => "Patient with no activity in 30 days",
            Kind::VisitOverdue => "Patient visit overdue",
            Kind::OpenCareGaps => "Patient care gaps open",
            Kind::StatusChange => "Patient status changed",
            Kind::NewAssignment => "New patient assigned to you",
            Kind::HandoffMeeting => "Handoff meeting scheduled",
            Kind::SeniorReview => "Senior review of an assignment (asked or answered)",
            Kind::SavingFailed => "Saving failed for a while (disk full or failing)",
        }
    }

    /// Only admins receive billing news and news of the database.
    /// A digest: a newer one of its kind replaces the unread older one (yesterday's count is stale).
    pub fn supersedes_older(self) -> bool {
        matches!(
            self,
            Kind::OverdueDigest
                | Kind::DueToday
                | Kind::NoActivity
                | Kind::VisitOverdue
                | Kind::OpenCareGaps
        )
    }

    pub fn admins_only(self) -> bool {
        matches!(self, Kind::BillingReady | Kind::SavingFailed)
    }
}

/// The local hour at which the morning reminders go out.
pub const MORNING_HOUR: u32 = 7;
/// Days without a log entry before a patient is flagged.
pub const NO_ACTIVITY_DAYS: i64 = 30;

/// Where a notification's e-mail stands: `None` when none is to be sent, `Sending` once one server
/// has claimed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailStatus {
    None,
    Pending,
    Sending,
    Sent,
    Failed,
}

impl EmailStatus {
    pub const ALL: [EmailStatus; 5] = [
        EmailStatus::None,
        EmailStatus::Pending,
        EmailStatus::Sending,
        EmailStatus::Sent,
        EmailStatus::Failed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            EmailStatus::None => "none",
            EmailStatus::Pending => "pending",
            EmailStatus::Sending => "sending",
            EmailStatus::Sent => "sent",
            EmailStatus::Failed => "failed",
        }
    }
}

/// The periodic runs due at a practice-local moment, each with its period key: a run is claimed once
/// per period, so a server that starts late in the morning still sends that morning's reminders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    Daily(NaiveDate),
    Weekly(String),
    Monthly(YearMonth),
}

impl Run {
    pub fn job(&self) -> &'static str {
        match self {
            Run::Daily(_) => "daily-reminders",
            Run::Weekly(_) => "weekly-summary",
            Run::Monthly(_) => "billing-ready",
        }
    }

    pub fn period_key(&self) -> String {
        match self {
            Run::Daily(d) => d.to_string(),
            Run::Weekly(w) => w.clone(),
            Run::Monthly(m) => m.to_string(),
        }
    }
}

pub fn runs_due(local_now: NaiveDateTime) -> Vec<Run> {
    if local_now.hour() < MORNING_HOUR {
        return Vec::new();
    }
    let today = local_now.date();
    let mut runs = vec![Run::Daily(today)];
    if today.weekday() == Weekday::Mon {
        runs.push(Run::Weekly(week_key(today)));
    }
    if today.day() == 1 {
        runs.push(Run::Monthly(YearMonth::of(today).previous()));
    }
    runs
}

/// The key that makes a notification unique: one per user, kind and period (and patient for alerts).
pub fn dedupe_key(
    kind: Kind,
    user_id: UserId,
    period: &str,
    patient_id: Option<PatientId>,
) -> String {
    match patient_id {
        Some(p) => format!("{}:{user_id}:{p}:{period}", kind.key()),
        None => format!("{}:{user_id}:{period}", kind.key()),
    }
}

/// The event of a senior review request's notice to each admin (one request a patient at a time).
pub fn review_request_event(patient_id: PatientId, requested_at: DateTime<Utc>) -> String {
    format!("request:{patient_id}:{}", requested_at.timestamp())
}

/// A SQL `LIKE` pattern matching every admin's request notice for the patient's reviews
/// (`dedupe_key` of a `review_request_event`): closed once the review is answered or superseded.
pub fn review_request_keys(patient_id: PatientId) -> String {
    format!("{}:%:{patient_id}:request:{patient_id}:%", Kind::SeniorReview.key())
}

/// An e-mail's subject and body for a notification: counts and a link only.
pub fn email_text(kind: Kind, count: i64, link: &str) -> (String, String) {
    let subject = match kind {
        Kind::OverdueDigest => format!("carelog: {count} overdue tasks"),
        Kind::DueToday => format!("carelog: {count} tasks due today"),
        Kind::WeeklySummary => "carelog: your weekly summary".to_owned(),
        Kind::BillingReady => "carelog: monthly billing is ready".to_owned(),
        Kind::NoActivity | Kind::VisitOverdue | Kind::OpenCareGaps => {
            let verb = if count == 1 { "needs" } else { "need" };
            format!("carelog: {} on your caseload {verb} attention", counted(count, "patient"))
        }
        Kind::StatusChange => "carelog: a patient on your caseload needs attention".to_owned(),
        Kind::NewAssignment => "carelog: a new patient was assigned to you".to_owned(),
        Kind::HandoffMeeting => "carelog: a handoff meeting was scheduled".to_owned(),
        Kind::SeniorReview => "carelog: an assignment review needs your attention".to_owned(),
        Kind::SavingFailed => "carelog: saving failed for a while".to_owned(),
    };
    let body = format!(
        "{}\n\nOpen carelog to see the details: {link}\n\nThis message holds no patient information. You can turn these e-mails off in carelog under Notifications → Settings.\n",
        match kind {
            Kind::OverdueDigest => format!("You have {count} overdue tasks."),
            Kind::DueToday => format!("You have {count} tasks due today."),
            Kind::WeeklySummary => "Your summary of last week is ready.".to_owned(),
            Kind::BillingReady => "Last month's billing summary is ready for review.".to_owned(),
            Kind::NoActivity => format!(
                "{} on your caseload: no care-management activity in {NO_ACTIVITY_DAYS} days.",
                counted(count, "patient")
            ),
            Kind::VisitOverdue => format!("{} on your caseload: overdue for a visit.", counted(count, "patient")),
            Kind::OpenCareGaps => format!("{} on your caseload: open care gaps.", counted(count, "patient")),
            Kind::StatusChange =>
                "The status of a patient on your caseload has changed.".to_owned(),
            Kind::NewAssignment => "A new patient was assigned to you.".to_owned(),
            Kind::HandoffMeeting =>
                "A handoff meeting for a patient was scheduled with you.".to_owned(),
            Kind::SeniorReview =>
                "An assignment senior review was requested or answered.".to_owned(),
            Kind::SavingFailed => "carelog could not save for a while: the database had no room or could not write, and the requests made then were refused. It saves again now.".to_owned(),
        }
    );
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQL `LIKE` with `%` only (the keys hold no `_` that matters: it matches itself too).
    fn like(pattern: &str, text: &str) -> bool {
        let parts: Vec<&str> = pattern.split('%').collect();
        let (first, last) = (parts[0], parts[parts.len() - 1]);
        if !text.starts_with(first) || !text.ends_with(last) {
            return false;
        }
        let mut rest = &text[first.len()..text.len() - last.len()];
        for part in &parts[1..parts.len() - 1] {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
        true
    }

    #[test]
    fn a_patients_review_request_notices_are_found_by_their_pattern_and_no_others() {
        let at = DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default();
        let notice = |patient: i64, event: &str| {
            dedupe_key(Kind::SeniorReview, UserId(7), event, Some(PatientId(patient)))
        };
        let pattern = review_request_keys(PatientId(12));
        let request = |p: i64| notice(p, &review_request_event(PatientId(p), at));
        assert!(like(&pattern, &request(12)), "{pattern} ~ {}", request(12));
        for other in [1, 2, 120, 112, 123] {
            assert!(!like(&pattern, &request(other)), "patient {other}");
        }
        assert!(!like(&pattern, &notice(12, "answer:5")), "the answer to the asker stays");
        assert!(!like(&pattern, &notice(12, "superseded:5")));
        let other_kind =
            dedupe_key(Kind::NewAssignment, UserId(7), "request:12:1", Some(PatientId(12)));
        assert!(!like(&pattern, &other_kind));
    }

    fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, 0, 0).unwrap()
    }

    #[test]
    fn nothing_runs_before_seven_in_the_morning() {
        assert!(runs_due(at(2026, 11, 23, 6)).is_empty());
    }

    #[test]
    fn mondays_add_the_weekly_summary_and_the_first_adds_billing() {
        assert_eq!(
            runs_due(at(2026, 11, 24, 7)),
            vec![Run::Daily(NaiveDate::from_ymd_opt(2026, 11, 24).unwrap())]
        );
        let monday = runs_due(at(2026, 11, 23, 9));
        assert_eq!(monday[1], Run::Weekly("2026-W48".into()));
        let first = runs_due(at(2027, 2, 1, 8));
        assert_eq!(first.len(), 3, "1 Feb 2027 is a Monday");
        assert_eq!(first[2], Run::Monthly(YearMonth { year: 2027, month: 1 }));
        assert_eq!(first[2].period_key(), "2027-01");
        assert_eq!(first[2].job(), "billing-ready");
    }

    #[test]
    fn keys_are_per_user_period_and_patient() {
        assert_eq!(
            dedupe_key(Kind::DueToday, UserId(4), "2026-11-23", None),
            "due_today:4:2026-11-23"
        );
        assert_eq!(
            dedupe_key(Kind::NoActivity, UserId(4), "2026-11", Some(PatientId(9))),
            "no_activity:4:9:2026-11"
        );
        for k in Kind::ALL {
            assert_eq!(crate::stored::Stored::from_stored(k.key()), Some(k));
        }
    }

    #[test]
    fn emails_carry_counts_and_links_never_names() {
        let (subject, body) = email_text(Kind::OverdueDigest, 3, "https://carelog.example/tasks");
        assert_eq!(subject, "carelog: 3 overdue tasks");
        assert!(
            body.contains("https://carelog.example/tasks")
                && body.contains("no patient information")
        );
        let (subject, alert) = email_text(Kind::VisitOverdue, 1, "https://x/panel");
        assert_eq!(subject, "carelog: 1 patient on your caseload needs attention");
        assert!(alert.contains("1 patient on your caseload: overdue for a visit."));
        let (_, alert) = email_text(Kind::OpenCareGaps, 15, "https://x/panel");
        assert!(alert.contains("15 patients on your caseload: open care gaps."));
        assert!(Kind::VisitOverdue.supersedes_older() && !Kind::StatusChange.supersedes_older());
    }
}
