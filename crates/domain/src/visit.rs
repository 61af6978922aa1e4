//! Visit status (domain.md "Patients"): next visit due = last visit + interval months.

use chrono::{Months, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VisitStatus {
    Overdue,
    DueSoon,
    Current,
}

/// "Due soon" means the next visit falls within this many days.
pub const DUE_SOON_DAYS: i64 = 30;

impl VisitStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VisitStatus::Overdue => "overdue",
            VisitStatus::DueSoon => "due-soon",
            VisitStatus::Current => "current",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            VisitStatus::Overdue => "Overdue",
            VisitStatus::DueSoon => "Due soon",
            VisitStatus::Current => "Current",
        }
    }

    pub fn parse(text: &str) -> Option<VisitStatus> {
        match text {
            "overdue" => Some(VisitStatus::Overdue),
            "due-soon" => Some(VisitStatus::DueSoon),
            "current" => Some(VisitStatus::Current),
            _ => None,
        }
    }
}

/// The date the next visit is due; month arithmetic clamps to the month's last day (Jan 31 + 1 = Feb 28/29).
pub fn next_visit_due(last_visit: Option<NaiveDate>, interval_months: u32) -> Option<NaiveDate> {
    last_visit.and_then(|last| last.checked_add_months(Months::new(interval_months)))
}

pub fn visit_status(
    last_visit: Option<NaiveDate>,
    interval_months: u32,
    today: NaiveDate,
) -> VisitStatus {
    match next_visit_due(last_visit, interval_months) {
        None => VisitStatus::Overdue,
        Some(due) if due < today => VisitStatus::Overdue,
        Some(due) if (due - today).num_days() <= DUE_SOON_DAYS => VisitStatus::DueSoon,
        Some(_) => VisitStatus::Current,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn never_visited_is_overdue() {
        assert_eq!(visit_status(None, 3, d(2026, 5, 1)), VisitStatus::Overdue);
    }

    #[test]
    fn due_date_adds_interval_months_and_clamps_month_end() {
        assert_eq!(next_visit_due(Some(d(2026, 1, 31)), 1), Some(d(2026, 2, 28)));
        assert_eq!(next_visit_due(Some(d(2027, 11, 30)), 3), Some(d(2028, 2, 29)));
        assert_eq!(next_visit_due(Some(d(2026, 3, 15)), 6), Some(d(2026, 9, 15)));
    }

    #[test]
    fn status_boundaries_around_today() {
        // due 2026-04-01
        let last = Some(d(2026, 1, 1));
        assert_eq!(visit_status(last, 3, d(2026, 4, 2)), VisitStatus::Overdue, "a day past due");
        assert_eq!(visit_status(last, 3, d(2026, 4, 1)), VisitStatus::DueSoon, "due today");
        assert_eq!(
            visit_status(last, 3, d(2026, 3, 2)),
            VisitStatus::DueSoon,
            "exactly 30 days out"
        );
        assert_eq!(visit_status(last, 3, d(2026, 3, 1)), VisitStatus::Current, "31 days out");
    }
}
