//! Automated task generation (seed 000 §2.3, §6.1; domain.md "Automated tasks") as pure planning:
//! which tasks a period needs, each with the unique key that makes generation idempotent.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use crate::catalogue::{AppliesTo, Frequency};
use crate::ids::{PatientId, TaskTypeId, UserId};
use crate::patient::{Priority, Program};
use crate::practice_time::YearMonth;

#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub id: i64,
    pub task_type_id: TaskTypeId,
    pub frequency: Frequency,
    pub day_of_week: Option<u32>,
    pub day_of_month: Option<u32>,
    pub estimated_minutes: i32,
    pub priority: Priority,
    pub applies_to: AppliesTo,
}

/// An active patient with a coordinator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseloadPatient {
    pub id: PatientId,
    pub coordinator_id: UserId,
    pub program: Program,
    /// The active care plan's next review date.
    pub review_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedTask {
    pub schedule_id: i64,
    pub task_type_id: TaskTypeId,
    pub coordinator_id: UserId,
    pub patient_id: Option<PatientId>,
    /// `p:<patient>` or `c:<coordinator>`: with schedule and period, the task's unique key.
    pub subject_key: String,
    pub period_key: String,
    pub due_date: NaiveDate,
    pub estimated_minutes: i32,
    pub priority: Priority,
}

pub fn month_key(month: YearMonth) -> String {
    month.to_string()
}

/// ISO week key of the week holding `date`, e.g. `2026-W47`.
pub fn week_key(date: NaiveDate) -> String {
    let week = date.iso_week();
    format!("{}-W{:02}", week.year(), week.week())
}

pub fn monday_of(date: NaiveDate) -> NaiveDate {
    date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

/// A weekend due date moves to the Friday before it, so the work is done by the last working day.
pub fn previous_business_day(date: NaiveDate) -> NaiveDate {
    match date.weekday() {
        Weekday::Sat => date - Duration::days(1),
        Weekday::Sun => date - Duration::days(2),
        _ => date,
    }
}

/// The due date of a monthly task: the named day, or the month's last day in a shorter month,
/// moved back to Friday when it falls on a weekend.
pub fn monthly_due_date(month: YearMonth, day_of_month: u32) -> NaiveDate {
    let day = day_of_month.clamp(1, month.last_day().day());
    previous_business_day(
        NaiveDate::from_ymd_opt(month.year, month.month, day).unwrap_or(month.last_day()),
    )
}

/// The due date of a weekly task: the named weekday (1 = Monday) of the week starting `monday`.
pub fn weekly_due_date(monday: NaiveDate, day_of_week: u32) -> NaiveDate {
    monday + Duration::days(i64::from(day_of_week.clamp(1, 7)) - 1)
}

fn applies(schedule: &Schedule, patient: &CaseloadPatient, month: YearMonth) -> bool {
    match schedule.applies_to {
        AppliesTo::AllActivePatients => true,
        AppliesTo::CcmPatients => patient.program.includes_ccm(),
        AppliesTo::PcmPatients => patient.program.includes_pcm(),
        AppliesTo::Coordinators => false,
        AppliesTo::CarePlanReviewDue => patient.review_on.is_some_and(|r| r <= month.last_day()),
    }
}

/// A review falls due on its own date, or on the month's first working day when it has passed.
fn review_due_date(review_on: Option<NaiveDate>, month: YearMonth) -> Option<NaiveDate> {
    let on = review_on?.max(month.first_day());
    Some(match previous_business_day(on) {
        moved if moved < month.first_day() => {
            on + Duration::days(if on.weekday() == Weekday::Sat { 2 } else { 1 })
        }
        moved => moved,
    })
}

/// The month's patient tasks: one per active assigned patient per monthly schedule that applies.
pub fn plan_month(
    month: YearMonth,
    schedules: &[Schedule],
    patients: &[CaseloadPatient],
) -> Vec<PlannedTask> {
    let key = month_key(month);
    schedules
        .iter()
        .filter(|s| s.frequency == Frequency::Monthly)
        .flat_map(|s| {
            let due = monthly_due_date(month, s.day_of_month.unwrap_or(1));
            let key = key.clone();
            patients.iter().filter(move |p| applies(s, p, month)).map(move |p| PlannedTask {
                schedule_id: s.id,
                task_type_id: s.task_type_id,
                coordinator_id: p.coordinator_id,
                patient_id: Some(p.id),
                subject_key: format!("p:{}", p.id),
                period_key: key.clone(),
                due_date: match s.applies_to {
                    AppliesTo::CarePlanReviewDue => {
                        review_due_date(p.review_on, month).unwrap_or(due)
                    }
                    _ => due,
                },
                estimated_minutes: s.estimated_minutes,
                priority: s.priority,
            })
        })
        .collect()
}

/// The week's coordinator tasks: one per active coordinator per weekly schedule, with no patient.
pub fn plan_week(
    any_day: NaiveDate,
    schedules: &[Schedule],
    coordinators: &[UserId],
) -> Vec<PlannedTask> {
    let monday = monday_of(any_day);
    let key = week_key(monday);
    schedules
        .iter()
        .filter(|s| s.frequency == Frequency::Weekly)
        .flat_map(|s| {
            let due = weekly_due_date(monday, s.day_of_week.unwrap_or(5));
            let key = key.clone();
            coordinators.iter().map(move |c| PlannedTask {
                schedule_id: s.id,
                task_type_id: s.task_type_id,
                coordinator_id: *c,
                patient_id: None,
                subject_key: format!("c:{c}"),
                period_key: key.clone(),
                due_date: due,
                estimated_minutes: s.estimated_minutes,
                priority: s.priority,
            })
        })
        .collect()
}

/// Where a generated task stands. Cancelled tasks (a patient who left care) count nowhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskStatus {
    Pending,
    Completed,
    Cancelled,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 3] =
        [TaskStatus::Pending, TaskStatus::Completed, TaskStatus::Cancelled];

    pub fn key(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Completed => "completed",
            TaskStatus::Cancelled => "cancelled",
        }
    }
}

/// Monthly task completion (seed 000 §1.2's <50%, 50–80%, >80% bands).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionBand {
    Low,
    Medium,
    High,
}

impl CompletionBand {
    pub fn of(completed: i64, total: i64) -> Option<CompletionBand> {
        if total <= 0 {
            return None;
        }
        let percent = completed.clamp(0, total) * 100 / total;
        Some(if percent < 50 {
            CompletionBand::Low
        } else if percent <= 80 {
            CompletionBand::Medium
        } else {
            CompletionBand::High
        })
    }

    pub fn key(self) -> &'static str {
        match self {
            CompletionBand::Low => "low",
            CompletionBand::Medium => "medium",
            CompletionBand::High => "high",
        }
    }

    pub fn parse(key: &str) -> Option<CompletionBand> {
        match key {
            "low" => Some(CompletionBand::Low),
            "medium" => Some(CompletionBand::Medium),
            "high" => Some(CompletionBand::High),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CompletionBand::Low => "Under 50%",
            CompletionBand::Medium => "50–80%",
            CompletionBand::High => "Over 80%",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn monthly(id: i64, day: u32, applies_to: AppliesTo) -> Schedule {
        Schedule {
            id,
            task_type_id: TaskTypeId(id * 10),
            frequency: Frequency::Monthly,
            day_of_week: None,
            day_of_month: Some(day),
            estimated_minutes: 15,
            priority: Priority::High,
            applies_to,
        }
    }

    fn weekly(id: i64, weekday: u32) -> Schedule {
        Schedule {
            id,
            task_type_id: TaskTypeId(id * 10),
            frequency: Frequency::Weekly,
            day_of_week: Some(weekday),
            day_of_month: None,
            estimated_minutes: 25,
            priority: Priority::Medium,
            applies_to: AppliesTo::Coordinators,
        }
    }

    #[test]
    fn monthly_due_dates_clamp_and_avoid_weekends() {
        let nov = YearMonth { year: 2026, month: 11 };
        assert_eq!(
            monthly_due_date(nov, 7),
            d(2026, 11, 6),
            "Saturday the 7th moves to Friday the 6th"
        );
        assert_eq!(
            monthly_due_date(nov, 15),
            d(2026, 11, 13),
            "Sunday the 15th moves to Friday the 13th"
        );
        assert_eq!(monthly_due_date(nov, 20), d(2026, 11, 20), "a Friday stays");
        assert_eq!(
            monthly_due_date(YearMonth { year: 2027, month: 2 }, 31),
            d(2027, 2, 26),
            "Feb 28 2027 is a Sunday"
        );
        assert_eq!(
            monthly_due_date(YearMonth { year: 2028, month: 2 }, 30),
            d(2028, 2, 29),
            "leap day, a Tuesday"
        );
        assert_eq!(monthly_due_date(YearMonth { year: 2026, month: 4 }, 31), d(2026, 4, 30));
    }

    #[test]
    fn weekly_due_dates_fall_in_the_same_week() {
        let sunday = d(2026, 11, 22);
        assert_eq!(monday_of(sunday), d(2026, 11, 16));
        assert_eq!(weekly_due_date(monday_of(sunday), 5), d(2026, 11, 20));
        assert_eq!(weekly_due_date(d(2026, 11, 23), 3), d(2026, 11, 25));
        assert_eq!(week_key(d(2026, 11, 23)), "2026-W48");
        assert_eq!(week_key(d(2027, 1, 1)), "2026-W53", "ISO weeks cross the new year");
    }

    fn patient(
        id: i64,
        coordinator: i64,
        program: Program,
        review_on: Option<NaiveDate>,
    ) -> CaseloadPatient {
        CaseloadPatient {
            id: PatientId(id),
            coordinator_id: UserId(coordinator),
            program,
            review_on,
        }
    }

    #[test]
    fn a_review_task_comes_in_the_month_the_plan_is_due_for_review_on_its_date() {
        let dec = YearMonth { year: 2026, month: 12 };
        let patients = [
            patient(1, 9, Program::Ccm, Some(d(2026, 12, 16))),
            patient(2, 9, Program::Pcm, Some(d(2027, 1, 4))),
            patient(3, 9, Program::Ccm, Some(d(2026, 11, 2))),
            patient(4, 9, Program::Ccm, Some(d(2026, 12, 19))),
            patient(5, 9, Program::Ccm, None),
        ];
        let plan = plan_month(dec, &[monthly(7, 28, AppliesTo::CarePlanReviewDue)], &patients);
        let due: Vec<(i64, NaiveDate)> =
            plan.iter().map(|t| (t.patient_id.unwrap().get(), t.due_date)).collect();
        assert_eq!(
            due,
            [(1, d(2026, 12, 16)), (3, d(2026, 12, 1)), (4, d(2026, 12, 18))],
            "on its date; an overdue one at the month's start; a Saturday moves to Friday"
        );
        let aug = YearMonth { year: 2026, month: 8 };
        let overdue = [patient(1, 9, Program::Ccm, Some(d(2026, 7, 1)))];
        let plan = plan_month(aug, &[monthly(7, 28, AppliesTo::CarePlanReviewDue)], &overdue);
        assert_eq!(plan[0].due_date, d(2026, 8, 3), "August 1st is a Saturday: due Monday");
    }

    #[test]
    fn each_schedule_reaches_the_right_programs() {
        let patients = [
            patient(1, 9, Program::Ccm, None),
            patient(2, 9, Program::Pcm, None),
            patient(3, 8, Program::Both, None),
        ];
        let schedules = [
            monthly(1, 7, AppliesTo::AllActivePatients),
            monthly(2, 15, AppliesTo::CcmPatients),
            monthly(3, 15, AppliesTo::PcmPatients),
            weekly(4, 5),
        ];
        let plan = plan_month(YearMonth { year: 2026, month: 12 }, &schedules, &patients);
        let pairs: Vec<(i64, i64)> =
            plan.iter().map(|t| (t.schedule_id, t.patient_id.unwrap().get())).collect();
        assert_eq!(pairs, [(1, 1), (1, 2), (1, 3), (2, 1), (2, 3), (3, 2), (3, 3)]);
        assert!(plan.iter().all(|t| t.period_key == "2026-12"));
        assert_eq!(plan[0].coordinator_id, UserId(9));
    }

    #[test]
    fn a_plan_never_holds_two_tasks_for_one_key() {
        let patients: Vec<CaseloadPatient> = (1..50)
            .map(|i| {
                patient(
                    i,
                    i % 5,
                    [Program::Ccm, Program::Pcm, Program::Both][(i % 3) as usize],
                    None,
                )
            })
            .collect();
        let schedules = [
            monthly(1, 7, AppliesTo::AllActivePatients),
            monthly(2, 15, AppliesTo::CcmPatients),
            monthly(3, 20, AppliesTo::CcmPatients),
            monthly(4, 15, AppliesTo::PcmPatients),
            weekly(5, 5),
            weekly(6, 3),
        ];
        let mut plan = plan_month(YearMonth { year: 2026, month: 5 }, &schedules, &patients);
        plan.extend(plan_week(d(2026, 5, 6), &schedules, &[UserId(1), UserId(2), UserId(3)]));
        let mut keys: Vec<_> = plan
            .iter()
            .map(|t| (t.schedule_id, t.subject_key.clone(), t.period_key.clone()))
            .collect();
        let total = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), total);
        assert_eq!(plan.iter().filter(|t| t.patient_id.is_none()).count(), 6);
    }

    #[test]
    fn completion_bands_split_at_fifty_and_eighty() {
        assert_eq!(CompletionBand::of(0, 0), None);
        assert_eq!(CompletionBand::of(0, 4), Some(CompletionBand::Low));
        assert_eq!(CompletionBand::of(49, 100), Some(CompletionBand::Low));
        assert_eq!(CompletionBand::of(1, 2), Some(CompletionBand::Medium));
        assert_eq!(CompletionBand::of(80, 100), Some(CompletionBand::Medium));
        assert_eq!(CompletionBand::of(81, 100), Some(CompletionBand::High));
        assert_eq!(CompletionBand::of(3, 3), Some(CompletionBand::High));
    }
}

/// A schedule as an admin typed it, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct ScheduleDraft {
    pub task_type_id: String,
    pub frequency: String,
    pub day: String,
    pub estimated_minutes: String,
    pub priority: String,
    pub applies_to: String,
    pub active: bool,
}

/// A checked schedule, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSchedule {
    pub task_type_id: TaskTypeId,
    pub frequency: Frequency,
    pub day_of_week: Option<u32>,
    pub day_of_month: Option<u32>,
    pub estimated_minutes: i32,
    pub priority: Priority,
    pub applies_to: AppliesTo,
    pub active: bool,
}

/// Checks a draft: monthly schedules reach patients on a day of the month (1–31, clamped in shorter
/// months); weekly schedules reach coordinators on a weekday (1 = Monday … 7 = Sunday).
pub fn validate_schedule(
    draft: &ScheduleDraft,
) -> Result<ValidSchedule, Vec<crate::RuleViolation>> {
    use crate::RuleViolation;
    let mut errors = Vec::new();
    let task_type_id =
        draft.task_type_id.trim().parse::<i64>().ok().filter(|id| *id > 0).map(TaskTypeId);
    if task_type_id.is_none() {
        errors.push(RuleViolation::new("task type", "choose a task type"));
    }
    use crate::stored::Stored;
    let frequency = Frequency::from_stored(draft.frequency.trim());
    if frequency.is_none() {
        errors.push(RuleViolation::new("frequency", "choose monthly or weekly"));
    }
    let applies_to = AppliesTo::from_stored(draft.applies_to.trim());
    match (frequency, applies_to) {
        (_, None) => errors.push(RuleViolation::new("applies to", "choose whom the tasks are for")),
        (Some(Frequency::Weekly), Some(a)) if a != AppliesTo::Coordinators => {
            errors.push(RuleViolation::new(
                "applies to",
                "weekly tasks are coordinator-level: choose \"each coordinator\"",
            ))
        }
        (Some(Frequency::Monthly), Some(AppliesTo::Coordinators)) => {
            errors.push(RuleViolation::new(
                "applies to",
                "monthly tasks are per patient: choose all, CCM or PCM patients",
            ))
        }
        _ => {}
    }
    let day = draft.day.trim().parse::<u32>().ok();
    let (day_of_week, day_of_month) = match (frequency, day) {
        (Some(Frequency::Weekly), Some(d)) if (1..=7).contains(&d) => (Some(d), None),
        (Some(Frequency::Weekly), _) => {
            errors.push(RuleViolation::new(
                "day",
                format!(
                    "a weekly task is due on a weekday, 1 (Monday) to 7 (Sunday); \"{}\" is not",
                    draft.day.trim()
                ),
            ));
            (None, None)
        }
        (Some(Frequency::Monthly), Some(d)) if (1..=31).contains(&d) => (None, Some(d)),
        (Some(Frequency::Monthly), _) => {
            errors.push(RuleViolation::new(
                "day",
                format!(
                    "a monthly task is due on a day of the month, 1 to 31; \"{}\" is not",
                    draft.day.trim()
                ),
            ));
            (None, None)
        }
        (None, _) => (None, None),
    };
    let estimated_minutes = match draft.estimated_minutes.trim().parse::<i32>() {
        Ok(m) if (1..=crate::time_rules::MAX_MINUTES).contains(&m) => Some(m),
        _ => {
            errors.push(RuleViolation::new(
                "estimated minutes",
                format!(
                    "must be a whole number from 1 to {}; \"{}\" is not",
                    crate::time_rules::MAX_MINUTES,
                    draft.estimated_minutes.trim()
                ),
            ));
            None
        }
    };
    let priority = Priority::parse(&draft.priority).map_err(|e| errors.push(e)).ok();
    match (task_type_id, frequency, applies_to, estimated_minutes, priority) {
        (
            Some(task_type_id),
            Some(frequency),
            Some(applies_to),
            Some(estimated_minutes),
            Some(priority),
        ) if errors.is_empty() => Ok(ValidSchedule {
            task_type_id,
            frequency,
            day_of_week,
            day_of_month,
            estimated_minutes,
            priority,
            applies_to,
            active: draft.active,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod validation_tests {
    use super::*;

    fn draft() -> ScheduleDraft {
        ScheduleDraft {
            task_type_id: "3".into(),
            frequency: "monthly".into(),
            day: "15".into(),
            estimated_minutes: "30".into(),
            priority: "High".into(),
            applies_to: "ccm_patients".into(),
            active: true,
        }
    }

    #[test]
    fn a_good_monthly_and_weekly_schedule_pass() {
        let v = validate_schedule(&draft()).unwrap();
        assert_eq!(
            (v.day_of_month, v.day_of_week, v.applies_to),
            (Some(15), None, AppliesTo::CcmPatients)
        );
        let weekly = ScheduleDraft {
            frequency: "weekly".into(),
            day: "5".into(),
            applies_to: "coordinators".into(),
            ..draft()
        };
        assert_eq!(validate_schedule(&weekly).unwrap().day_of_week, Some(5));
    }

    #[test]
    fn each_bad_field_is_named() {
        let fields = |d: ScheduleDraft| {
            validate_schedule(&d).unwrap_err().into_iter().map(|e| e.field).collect::<Vec<_>>()
        };
        assert_eq!(fields(ScheduleDraft { day: "32".into(), ..draft() }), ["day"]);
        assert_eq!(fields(ScheduleDraft { day: "0".into(), ..draft() }), ["day"]);
        assert_eq!(
            fields(ScheduleDraft {
                frequency: "weekly".into(),
                day: "8".into(),
                applies_to: "coordinators".into(),
                ..draft()
            }),
            ["day"]
        );
        assert_eq!(
            fields(ScheduleDraft { frequency: "weekly".into(), day: "3".into(), ..draft() }),
            ["applies to"]
        );
        assert_eq!(
            fields(ScheduleDraft { applies_to: "coordinators".into(), ..draft() }),
            ["applies to"]
        );
        assert_eq!(
            fields(ScheduleDraft { estimated_minutes: "0".into(), ..draft() }),
            ["estimated minutes"]
        );
        assert_eq!(
            fields(ScheduleDraft { estimated_minutes: "121".into(), ..draft() }),
            ["estimated minutes"]
        );
        assert_eq!(fields(ScheduleDraft { priority: "Urgent".into(), ..draft() }), ["priority"]);
        assert_eq!(fields(ScheduleDraft { task_type_id: "x".into(), ..draft() }), ["task type"]);
        assert_eq!(fields(ScheduleDraft { frequency: "daily".into(), ..draft() }), ["frequency"]);
    }
}
