//! The task-type catalogue (seed 000 §2.2) and the automation schedules (§2.3), with the
//! attributes domain.md "Task types" adds. This is the first-start seed; the tables are admin-editable.

use crate::patient::Priority;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskCategory {
    CareCoordination,
    Ccm,
    Pcm,
    Communication,
    DataEntry,
    Review,
    Medication,
    Stat,
    Administrative,
}

impl TaskCategory {
    pub const ALL: [TaskCategory; 9] = [
        TaskCategory::CareCoordination,
        TaskCategory::Ccm,
        TaskCategory::Pcm,
        TaskCategory::Communication,
        TaskCategory::DataEntry,
        TaskCategory::Review,
        TaskCategory::Medication,
        TaskCategory::Stat,
        TaskCategory::Administrative,
    ];

    pub fn key(self) -> &'static str {
        match self {
            TaskCategory::CareCoordination => "care_coordination",
            TaskCategory::Ccm => "ccm",
            TaskCategory::Pcm => "pcm",
            TaskCategory::Communication => "communication",
            TaskCategory::DataEntry => "data_entry",
            TaskCategory::Review => "review",
            TaskCategory::Medication => "medication",
            TaskCategory::Stat => "stat",
            TaskCategory::Administrative => "administrative",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TaskCategory::CareCoordination => "Care Coordination",
            TaskCategory::Ccm => "Chronic Care Management (CCM)",
            TaskCategory::Pcm => "Principal Care Management (PCM)",
            TaskCategory::Communication => "Communication",
            TaskCategory::DataEntry => "Data Entry",
            TaskCategory::Review => "Review",
            TaskCategory::Medication => "Medication Management",
            TaskCategory::Stat => "Statistical Tracking",
            TaskCategory::Administrative => "Administrative",
        }
    }
}

/// Whether an entry records minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeRule {
    /// 5–120 minutes, required.
    Minutes,
    /// No minutes: Staff Notes and Stat entries.
    NoMinutes,
}

impl TimeRule {
    pub const ALL: [TimeRule; 2] = [TimeRule::Minutes, TimeRule::NoMinutes];

    pub fn key(self) -> &'static str {
        match self {
            TimeRule::Minutes => "minutes",
            TimeRule::NoMinutes => "none",
        }
    }
}

/// The value a Stat entry carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueFormat {
    YearMonth,
    YearMonthDay,
}

impl ValueFormat {
    pub const ALL: [ValueFormat; 2] = [ValueFormat::YearMonth, ValueFormat::YearMonthDay];

    pub fn key(self) -> &'static str {
        match self {
            ValueFormat::YearMonth => "yymm",
            ValueFormat::YearMonthDay => "yymmdd",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskTypeSpec {
    pub name: &'static str,
    pub category: TaskCategory,
    pub needs_patient: bool,
    pub billable: bool,
    pub time_rule: TimeRule,
    pub value_format: Option<ValueFormat>,
}

const fn billable(name: &'static str, category: TaskCategory) -> TaskTypeSpec {
    TaskTypeSpec {
        name,
        category,
        needs_patient: true,
        billable: true,
        time_rule: TimeRule::Minutes,
        value_format: None,
    }
}

const fn stat(name: &'static str, format: ValueFormat) -> TaskTypeSpec {
    TaskTypeSpec {
        name,
        category: TaskCategory::Stat,
        needs_patient: true,
        billable: false,
        time_rule: TimeRule::NoMinutes,
        value_format: Some(format),
    }
}

const fn staff_note(name: &'static str) -> TaskTypeSpec {
    TaskTypeSpec {
        name,
        category: TaskCategory::Administrative,
        needs_patient: false,
        billable: false,
        time_rule: TimeRule::NoMinutes,
        value_format: None,
    }
}

/// Whether a type is about the coordinator's own day (Staff Notes: a shift, a break), so an entry of
/// it may not name a patient. Reviews without a required patient may still name one.
pub fn takes_no_patient(needs_patient: bool, time_rule: TimeRule) -> bool {
    !needs_patient && time_rule == TimeRule::NoMinutes
}

/// A review a coordinator does for their whole caseload, generated weekly without a patient.
const fn coordinator_review(name: &'static str, category: TaskCategory) -> TaskTypeSpec {
    TaskTypeSpec {
        name,
        category,
        needs_patient: false,
        billable: true,
        time_rule: TimeRule::Minutes,
        value_format: None,
    }
}

use TaskCategory as C;

pub const TASK_TYPES: &[TaskTypeSpec] = &[
    billable("Care Coordination: General", C::CareCoordination),
    billable("Care Coordination: Hospital", C::CareCoordination),
    billable("Care Coordination: Imaging", C::CareCoordination),
    billable("Care Coordination: Lab", C::CareCoordination),
    billable("Care Coordination: Medical Records Request", C::CareCoordination),
    billable("Care Coordination: Office Visit", C::CareCoordination),
    billable("Care Coordination: Other", C::CareCoordination),
    billable("Care Coordination: PCP Visit", C::CareCoordination),
    billable("Care Coordination: Pharmacy", C::CareCoordination),
    billable("Care Coordination: Specialist Appts", C::CareCoordination),
    billable("Care Coordination: Tele Visit", C::CareCoordination),
    billable("Care Coordination: HHC", C::CareCoordination),
    // Clerical payer work is not care-management time under CMS rules, so it is not billable.
    TaskTypeSpec {
        billable: false,
        ..billable("Patient Insurance Verification", C::CareCoordination)
    },
    billable("CCM: Care Plan Monthly OPEN", C::Ccm),
    billable("CCM: Care Plan Monthly REVIEW/CLOSE", C::Ccm),
    billable("CCM: Care Plan NEW PATIENT", C::Ccm),
    billable("CCM: CareGap Review/Coordination", C::Ccm),
    billable("CCM: Chart Review/Quality Measures", C::Ccm),
    coordinator_review("Chart Review Initial CCM", C::Ccm),
    billable("Chart Review Final CCM", C::Ccm),
    billable("Care Plan: Scheduled Review", C::CareCoordination),
    billable("PCM: Care Plan Monthly OPEN", C::Pcm),
    billable("PCM: Care Plan Monthly REVIEW/CLOSE", C::Pcm),
    billable("PCM: Care Plan NEW PATIENT/CONSENTS", C::Pcm),
    billable("PCM: CareGap Review/Coordination", C::Pcm),
    billable("PCM: Chart Review/Quality Measures", C::Pcm),
    billable("Communication: Email", C::Communication),
    billable("Communication: Phone", C::Communication),
    billable("Communication: Provider to Staff (Internal)", C::Communication),
    billable("Communication: Staff to Provider (Internal)", C::Communication),
    billable("Data Entry: Imaging", C::DataEntry),
    billable("Data Entry: Labs", C::DataEntry),
    billable("Data Entry: Other", C::DataEntry),
    billable("Data Entry: Pharmacy", C::DataEntry),
    billable("Data Entry: Specialists Notes", C::DataEntry),
    billable("Review: Imaging/pt call/chart updated/follow up plan", C::Review),
    billable("Review: Labs/pt call/chart updated/follow up plan", C::Review),
    billable("Review: Other/pt call/chart updated/follow up planned", C::Review),
    billable("Review: Specialists Notes/pt call/chart updated/follow up plan", C::Review),
    coordinator_review("Facility Records - Hospital/ER Review", C::Review),
    billable("Facility Records - SNF/Rehab Review", C::Review),
    billable("Medication Management: Prior authorization", C::Medication),
    billable("Medication Management: Reconciliation", C::Medication),
    billable("Medication Management: Refill", C::Medication),
    stat("Stat: Last ER/HOSP (yymm)", ValueFormat::YearMonth),
    stat("Stat: Last OFFICE VISIT (yymm)", ValueFormat::YearMonth),
    stat("Stat: NO SHOW NP/MD + Phone call (yymmdd)", ValueFormat::YearMonthDay),
    stat("Stat: NO SHOW Therapy + Phone call (yymmdd)", ValueFormat::YearMonthDay),
    staff_note("Staff Notes: Break"),
    staff_note("Staff Notes: Start Shift"),
    staff_note("Staff Notes: Lunch Break"),
    staff_note("Staff Notes: Notes: Start Shift"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    Monthly,
    Weekly,
}

impl Frequency {
    pub const ALL: [Frequency; 2] = [Frequency::Monthly, Frequency::Weekly];

    pub fn key(self) -> &'static str {
        match self {
            Frequency::Monthly => "monthly",
            Frequency::Weekly => "weekly",
        }
    }
}

/// Which subjects a schedule generates tasks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppliesTo {
    AllActivePatients,
    CcmPatients,
    PcmPatients,
    /// One task per active coordinator, with no patient.
    Coordinators,
    /// Patients whose active care plan's next review falls in the month (or has passed), due on
    /// the review date.
    CarePlanReviewDue,
}

impl AppliesTo {
    pub fn label(self) -> &'static str {
        match self {
            AppliesTo::AllActivePatients => "every active patient",
            AppliesTo::CcmPatients => "CCM patients",
            AppliesTo::PcmPatients => "PCM patients",
            AppliesTo::Coordinators => "each coordinator",
            AppliesTo::CarePlanReviewDue => "patients whose care plan review is due",
        }
    }

    pub const ALL: [AppliesTo; 5] = [
        AppliesTo::AllActivePatients,
        AppliesTo::CcmPatients,
        AppliesTo::PcmPatients,
        AppliesTo::Coordinators,
        AppliesTo::CarePlanReviewDue,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AppliesTo::AllActivePatients => "all_patients",
            AppliesTo::CcmPatients => "ccm_patients",
            AppliesTo::PcmPatients => "pcm_patients",
            AppliesTo::Coordinators => "coordinators",
            AppliesTo::CarePlanReviewDue => "care_plan_review_due",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleSpec {
    pub task_type: &'static str,
    pub frequency: Frequency,
    /// Weekly: ISO weekday, 1 = Monday … 7 = Sunday.
    pub day_of_week: Option<u32>,
    /// Monthly: day of month the task is due.
    pub day_of_month: Option<u32>,
    pub estimated_minutes: i32,
    pub priority: Priority,
    pub applies_to: AppliesTo,
}

const fn monthly(
    task_type: &'static str,
    day: u32,
    minutes: i32,
    priority: Priority,
    applies_to: AppliesTo,
) -> ScheduleSpec {
    ScheduleSpec {
        task_type,
        frequency: Frequency::Monthly,
        day_of_week: None,
        day_of_month: Some(day),
        estimated_minutes: minutes,
        priority,
        applies_to,
    }
}

const fn weekly(
    task_type: &'static str,
    weekday: u32,
    minutes: i32,
    priority: Priority,
) -> ScheduleSpec {
    ScheduleSpec {
        task_type,
        frequency: Frequency::Weekly,
        day_of_week: Some(weekday),
        day_of_month: None,
        estimated_minutes: minutes,
        priority,
        applies_to: AppliesTo::Coordinators,
    }
}

pub const SCHEDULES: &[ScheduleSpec] = &[
    monthly("Patient Insurance Verification", 7, 15, Priority::High, AppliesTo::AllActivePatients),
    monthly("CCM: Care Plan Monthly REVIEW/CLOSE", 15, 30, Priority::High, AppliesTo::CcmPatients),
    monthly("CCM: CareGap Review/Coordination", 20, 20, Priority::Medium, AppliesTo::CcmPatients),
    monthly("PCM: Care Plan Monthly REVIEW/CLOSE", 15, 35, Priority::High, AppliesTo::PcmPatients),
    // Due on the plan's own review date; the day of month is a fallback.
    monthly("Care Plan: Scheduled Review", 28, 20, Priority::High, AppliesTo::CarePlanReviewDue),
    weekly("Chart Review Initial CCM", 5, 25, Priority::Medium),
    weekly("Facility Records - Hospital/ER Review", 3, 15, Priority::Low),
];

pub fn task_type(name: &str) -> Option<&'static TaskTypeSpec> {
    TASK_TYPES.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalogue_holds_every_seed_task_type_once() {
        assert_eq!(TASK_TYPES.len(), 52);
        let names: HashSet<_> = TASK_TYPES.iter().map(|t| t.name).collect();
        assert_eq!(names.len(), TASK_TYPES.len());
    }

    #[test]
    fn stat_and_staff_notes_take_no_minutes_and_are_not_billable() {
        for t in TASK_TYPES.iter().filter(|t| matches!(t.category, C::Stat | C::Administrative)) {
            assert_eq!(t.time_rule, TimeRule::NoMinutes, "{}", t.name);
            assert!(!t.billable, "{}", t.name);
        }
        assert_eq!(
            task_type("Stat: Last ER/HOSP (yymm)").unwrap().value_format,
            Some(ValueFormat::YearMonth)
        );
        assert_eq!(
            task_type("Stat: NO SHOW Therapy + Phone call (yymmdd)").unwrap().value_format,
            Some(ValueFormat::YearMonthDay)
        );
        assert!(!task_type("Staff Notes: Break").unwrap().needs_patient);
        let note = task_type("Staff Notes: Break").unwrap();
        assert!(takes_no_patient(note.needs_patient, note.time_rule));
        let review = task_type("Facility Records - Hospital/ER Review").unwrap();
        assert!(!takes_no_patient(review.needs_patient, review.time_rule), "a review may name one");
        let stat = task_type("Stat: Last ER/HOSP (yymm)").unwrap();
        assert!(!takes_no_patient(stat.needs_patient, stat.time_rule));
    }

    #[test]
    fn every_schedule_names_a_catalogue_type_with_minutes() {
        assert_eq!(SCHEDULES.len(), 7);
        for s in SCHEDULES {
            let t = task_type(s.task_type).unwrap_or_else(|| panic!("{} missing", s.task_type));
            assert_eq!(t.time_rule, TimeRule::Minutes);
            assert_eq!(s.frequency == Frequency::Weekly, s.applies_to == AppliesTo::Coordinators);
            assert_eq!(
                !t.needs_patient,
                s.applies_to == AppliesTo::Coordinators,
                "{}",
                s.task_type
            );
        }
    }

    #[test]
    fn category_keys_round_trip() {
        use crate::stored::Stored;
        for c in TaskCategory::ALL {
            assert_eq!(TaskCategory::from_stored(c.key()), Some(c));
        }
        assert_eq!(TimeRule::from_stored("none"), Some(TimeRule::NoMinutes));
        assert_eq!(ValueFormat::from_stored("yymmdd"), Some(ValueFormat::YearMonthDay));
    }
}
