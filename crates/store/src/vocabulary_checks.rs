//! The columns that hold a closed vocabulary, each constrained to the domain's own keys
//! (`Stored::sql_list`), so the database admits exactly the values the code can read back.
//!
//! PostgreSQL gets CHECK constraints; SQLite cannot add one to an existing table, so it gets the same
//! rule as BEFORE INSERT/UPDATE triggers.

use carelog_domain::billing::{AmendmentAction, Billed, MonthStatus, RuleSet};
use carelog_domain::catalogue::{AppliesTo, Frequency, TaskCategory, TimeRule, ValueFormat};
use carelog_domain::import::ImportKind;
use carelog_domain::notifications::{EmailStatus, Kind};
use carelog_domain::patient::{
    Availability, CareGapStatus, CarePlanState, CarePlanStatus, CareProgram, CodeSystem,
    Complexity, ConsentMethod, CopyDelivery, GoalStatus, OnboardingStatus, PatientStatus, Priority,
    Program, RecordSource, Sex,
};
use carelog_domain::role::Role;
use carelog_domain::schedule::TaskStatus;
use carelog_domain::stored::Stored;

use crate::Engine;

/// One vocabulary column and the keys it may hold.
pub struct VocabularyColumn {
    pub table: &'static str,
    pub column: &'static str,
    pub keys: fn() -> Vec<&'static str>,
}

fn keys<T: Stored>() -> Vec<&'static str> {
    T::all().iter().map(|v| v.stored()).collect()
}

const fn column(
    table: &'static str,
    column: &'static str,
    keys: fn() -> Vec<&'static str>,
) -> VocabularyColumn {
    VocabularyColumn { table, column, keys }
}

/// Checked since the first schema, in its own CREATE TABLE statements.
pub const CHECKED_AT_CREATION: &[VocabularyColumn] = &[
    column("users", "role", keys::<Role>),
    column("task_types", "time_rule", keys::<TimeRule>),
    column("task_types", "value_format", keys::<ValueFormat>),
    column("automated_task_schedule", "frequency", keys::<Frequency>),
    column("generated_tasks", "status", keys::<TaskStatus>),
    column("billing_months", "status", keys::<MonthStatus>),
];

/// Checked from migration 9 on.
pub const CHECKED_SINCE_9: &[VocabularyColumn] = &[
    column("patients", "status", keys::<PatientStatus>),
    column("patients", "care_gap_status", keys::<CareGapStatus>),
    column("patients", "program", keys::<Program>),
    column("patients", "complexity", keys::<Complexity>),
    column("patients", "care_plan_status", keys::<CarePlanStatus>),
    column("patients", "onboarding_status", keys::<OnboardingStatus>),
    column("patients", "assignment_priority", keys::<Priority>),
    column("care_gaps", "status", keys::<CareGapStatus>),
    column("coordinator_profiles", "availability", keys::<Availability>),
    column("task_types", "category", keys::<TaskCategory>),
    column("coordinator_task_log", "task_category", keys::<TaskCategory>),
    column("automated_task_schedule", "priority", keys::<Priority>),
    column("automated_task_schedule", "applies_to", keys::<AppliesTo>),
    column("generated_tasks", "priority", keys::<Priority>),
    column("notifications", "kind", keys::<Kind>),
    column("notifications", "email_status", keys::<EmailStatus>),
    column("notification_preferences", "kind", keys::<Kind>),
    column("import_uploads", "kind", keys::<ImportKind>),
    column("billing_months", "rule_set", keys::<RuleSet>),
    column("coordinator_billing_summary", "rule_set", keys::<RuleSet>),
];

/// `'a', 'b', …`: the column's keys as an SQL list.
fn sql_list(c: &VocabularyColumn) -> String {
    let quoted: Vec<String> = (c.keys)().iter().map(|k| format!("'{k}'")).collect();
    quoted.join(", ")
}

/// The statements that constrain [`CHECKED_SINCE_9`] on `engine`.
pub fn constraints(engine: Engine) -> Vec<String> {
    CHECKED_SINCE_9.iter().flat_map(|c| constrain(c, engine)).collect()
}

/// The columns whose vocabulary grew after migration 9: notifications of the saving outage.
const GREW_IN_13: [(&str, &str); 2] =
    [("notifications", "kind"), ("notification_preferences", "kind")];

/// Migration 13: the grown columns constrained again, to today's keys.
pub fn migration_13(engine: Engine) -> Vec<String> {
    constrained_again(&GREW_IN_13, engine)
}

/// Migration 16: schedules may apply to patients whose care plan review is due.
pub fn migration_16(engine: Engine) -> Vec<String> {
    constrained_again(&[("automated_task_schedule", "applies_to")], engine)
}

/// Columns whose vocabulary grew, their constraint dropped and made again with today's keys.
fn constrained_again(grew: &[(&str, &str)], engine: Engine) -> Vec<String> {
    CHECKED_AT_CREATION
        .iter()
        .chain(CHECKED_SINCE_9)
        .filter(|c| grew.contains(&(c.table, c.column)))
        .flat_map(|c| {
            let name = constraint_name(c);
            let dropped = match engine {
                Engine::Postgres => {
                    vec![format!("ALTER TABLE {} DROP CONSTRAINT {name}", c.table)]
                }
                Engine::Sqlite => ["insert", "update"]
                    .map(|event| format!("DROP TRIGGER {name}_{event}"))
                    .to_vec(),
            };
            dropped.into_iter().chain(constrain(c, engine))
        })
        .collect()
}

/// The enrollment records' vocabularies (migration 14), constrained as their tables are made.
pub const CHECKED_SINCE_14: &[VocabularyColumn] = &[
    column("patient_consents", "program", keys::<CareProgram>),
    column("patient_consents", "method", keys::<ConsentMethod>),
    column("patient_consents", "source", keys::<RecordSource>),
    column("patient_diagnoses", "source", keys::<RecordSource>),
    column("care_plan_versions", "state", keys::<CarePlanState>),
    column("care_plan_versions", "source", keys::<RecordSource>),
    column("care_plan_versions", "copy_given_how", keys::<CopyDelivery>),
    column("care_plan_goals", "status", keys::<GoalStatus>),
];

/// Migration 14: the new tables' vocabulary columns.
pub fn migration_14(engine: Engine) -> Vec<String> {
    CHECKED_SINCE_14.iter().flat_map(|c| constrain(c, engine)).collect()
}

/// Migration 18: a diagnosis's code system.
pub fn migration_18(engine: Engine) -> Vec<String> {
    constrain(&column("patient_diagnoses", "code_system", keys::<CodeSystem>), engine)
}

/// Migration 19: the billed record's program and an amendment's action.
pub fn migration_19(engine: Engine) -> Vec<String> {
    [
        column("billed_lines", "program", keys::<Billed>),
        column("entry_amendments", "action", keys::<AmendmentAction>),
    ]
    .iter()
    .flat_map(|c| constrain(c, engine))
    .collect()
}

/// Migration 15: the patient's sex.
pub fn migration_15(engine: Engine) -> Vec<String> {
    constrain(&column("patients", "sex", keys::<Sex>), engine)
}

fn constraint_name(c: &VocabularyColumn) -> String {
    format!("{}_{}_known", c.table, c.column)
}

/// The statements that limit one column to its keys.
fn constrain(c: &VocabularyColumn, engine: Engine) -> Vec<String> {
    let (table, column, list, name) = (c.table, c.column, sql_list(c), constraint_name(c));
    match engine {
        Engine::Postgres => {
            vec![format!("ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({column} IN ({list}))")]
        }
        Engine::Sqlite => ["INSERT", "UPDATE"]
            .into_iter()
            .map(|event| {
                let on =
                    if event == "UPDATE" { format!("UPDATE OF {column}") } else { event.into() };
                format!(
                    "CREATE TRIGGER {name}_{} BEFORE {on} ON {table} \
                     WHEN NEW.{column} NOT IN ({list}) \
                     BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END",
                    event.to_lowercase()
                )
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_engine_limits_a_column_to_its_keys() {
        let onboarding = "'Ready for Assignment', 'Assignment Pending', 'Assigned', 'Active'";
        let postgres = constraints(Engine::Postgres);
        assert!(postgres.contains(&format!(
            "ALTER TABLE patients ADD CONSTRAINT patients_onboarding_status_known CHECK (onboarding_status IN ({onboarding}))"
        )));
        let sqlite = constraints(Engine::Sqlite);
        assert_eq!(sqlite.len(), 2 * postgres.len(), "a trigger for inserts and one for updates");
        assert!(
            sqlite.iter().any(|s| s.contains("BEFORE UPDATE OF onboarding_status ON patients")
                && s.contains(&format!("NOT IN ({onboarding})")))
        );
    }

    #[test]
    fn migration_16_lets_schedules_apply_to_patients_due_for_review() {
        let postgres = migration_16(Engine::Postgres);
        assert_eq!(postgres.len(), 2);
        assert!(postgres[1].contains("'care_plan_review_due'"), "{}", postgres[1]);
        assert_eq!(migration_16(Engine::Sqlite).len(), 4);
    }

    #[test]
    fn migration_13_constrains_the_notification_kinds_again_with_the_new_one() {
        let postgres = migration_13(Engine::Postgres);
        assert_eq!(postgres.len(), 4, "a drop and an add for each of the two columns");
        assert_eq!(
            postgres[0],
            "ALTER TABLE notifications DROP CONSTRAINT notifications_kind_known"
        );
        assert!(postgres[1].contains("'saving_failed'"));
        let sqlite = migration_13(Engine::Sqlite);
        assert_eq!(sqlite.len(), 8);
        assert_eq!(sqlite[0], "DROP TRIGGER notifications_kind_known_insert");
        assert!(sqlite[2].contains("'saving_failed'"));
    }
}
