//! The change counters behind the kept team figures (migration 11). Each counts changes to the
//! columns one group of figures reads, so a change moves only the figures it feeds: a note edited
//! on an entry moves nothing, a new entry moves the team's activity but not the queue's caseload
//! trends, and a profile edit moves the team but not the trends.

use crate::Engine;

/// Which figures a counter stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamScope {
    /// Who carries which patients: caseloads, the queue's pending counts and trends.
    Caseload = 1,
    /// The caseload holders' profiles: names, roles, capacity, availability, skills, facilities.
    Roster = 2,
    /// What they did: log entries, completed tasks, reviews, surveys.
    Activity = 3,
    /// What the assignment queue's rows show that the other scopes do not count: the patients'
    /// names, birth dates, programs, priorities, languages and providers, the providers' names,
    /// special needs and senior reviews (migration 31).
    QueueRows = 4,
}

/// A table the team figures read, the counter a change to it moves, and the columns whose update
/// counts (every column when empty).
struct Input {
    table: &'static str,
    scope: TeamScope,
    columns: &'static [&'static str],
}

const INPUTS: &[Input] = &[
    Input {
        table: "patients",
        scope: TeamScope::Caseload,
        columns: &[
            "status",
            "onboarding_status",
            "coordinator_id",
            "facility_id",
            "provider_handoff_at",
            "created_at",
        ],
    },
    Input { table: "assignments", scope: TeamScope::Caseload, columns: &[] },
    Input {
        table: "users",
        scope: TeamScope::Roster,
        columns: &["display_name", "role", "is_active"],
    },
    Input { table: "coordinator_profiles", scope: TeamScope::Roster, columns: &[] },
    Input { table: "coordinator_specializations", scope: TeamScope::Roster, columns: &[] },
    Input { table: "coordinator_languages", scope: TeamScope::Roster, columns: &[] },
    Input { table: "coordinator_facilities", scope: TeamScope::Roster, columns: &[] },
    Input { table: "facilities", scope: TeamScope::Roster, columns: &["name"] },
    Input {
        table: "coordinator_task_log",
        scope: TeamScope::Activity,
        columns: &["coordinator_id", "patient_id", "minutes", "task_at"],
    },
    Input {
        table: "generated_tasks",
        scope: TeamScope::Activity,
        columns: &["status", "completed_at", "due_date", "coordinator_id"],
    },
    Input { table: "qa_reviews", scope: TeamScope::Activity, columns: &[] },
    Input { table: "satisfaction_surveys", scope: TeamScope::Activity, columns: &[] },
];

/// Migration 31: what the queue's rows show beyond who waits and who holds them (kept with
/// `Caseload` and `Roster` under one sum, see `TeamRevisions::queue_rows`).
const QUEUE_ROW_INPUTS: &[Input] = &[
    Input {
        table: "patients",
        scope: TeamScope::QueueRows,
        columns: &[
            "first_name",
            "last_name",
            "dob",
            "program",
            "assignment_priority",
            "language",
            "provider_id",
        ],
    },
    Input { table: "providers", scope: TeamScope::QueueRows, columns: &["name"] },
    Input { table: "patient_special_needs", scope: TeamScope::QueueRows, columns: &[] },
    Input { table: "senior_reviews", scope: TeamScope::QueueRows, columns: &[] },
];

/// The tables migration 8 counted with one counter for all, and its triggers' names.
const MIGRATION_8_INPUTS: [&str; 12] = [
    "users",
    "coordinator_profiles",
    "coordinator_specializations",
    "coordinator_languages",
    "coordinator_facilities",
    "facilities",
    "patients",
    "assignments",
    "qa_reviews",
    "satisfaction_surveys",
    "generated_tasks",
    "coordinator_task_log",
];

/// Migration 8's single counter, bumped by any change to any of the tables.
pub fn migration_8_triggers(engine: Engine) -> Vec<String> {
    match engine {
        Engine::Sqlite => {
            let bump = "INSERT INTO team_revisions (shard, revision) VALUES (0, 1) ON CONFLICT (shard) DO UPDATE SET revision = revision + 1;";
            MIGRATION_8_INPUTS
                .iter()
                .flat_map(|table| {
                    ["INSERT", "UPDATE", "DELETE"].map(|event| {
                        format!(
                            "CREATE TRIGGER team_rev_{table}_{} AFTER {event} ON {table} BEGIN {bump} END",
                            event.to_lowercase()
                        )
                    })
                })
                .collect()
        }
        Engine::Postgres => {
            let mut statements = vec![
                "CREATE FUNCTION team_rev_bump() RETURNS trigger AS $$ BEGIN
                   INSERT INTO team_revisions (shard, revision) VALUES ((txid_current() % 8)::int, 1)
                   ON CONFLICT (shard) DO UPDATE SET revision = team_revisions.revision + 1;
                   RETURN NULL;
                 END $$ LANGUAGE plpgsql"
                    .to_owned(),
            ];
            statements.extend(MIGRATION_8_INPUTS.iter().map(|table| {
                format!(
                    "CREATE TRIGGER team_rev_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} \
                     FOR EACH STATEMENT EXECUTE FUNCTION team_rev_bump()"
                )
            }));
            statements
        }
    }
}

/// Migration 28: a patient's onboarding status moves the caseload counter too (it decides who is
/// waiting, and the queue's counts are kept under that counter).
pub fn migration_28_triggers(engine: Engine) -> Vec<String> {
    let patients = INPUTS.iter().find(|i| i.table == "patients");
    let Some(patients) = patients else { return Vec::new() };
    match engine {
        Engine::Sqlite => {
            let mut statements = vec!["DROP TRIGGER team_scope_patients_update".to_owned()];
            statements.extend(
                sqlite_triggers(patients).into_iter().filter(|t| t.contains("_update AFTER")),
            );
            statements
        }
        Engine::Postgres => vec![
            "DROP TRIGGER team_scope_patients ON patients".to_owned(),
            postgres_trigger(patients),
        ],
    }
}

/// Migration 31: the queue's pages are kept too, so what their rows show moves a counter.
pub fn migration_31_triggers(engine: Engine) -> Vec<String> {
    match engine {
        Engine::Sqlite => QUEUE_ROW_INPUTS.iter().flat_map(sqlite_triggers).collect(),
        Engine::Postgres => QUEUE_ROW_INPUTS.iter().map(postgres_trigger).collect(),
    }
}

/// What an input's triggers are named after: its table (migration 11), with the queue rows' own
/// prefix for migration 31's (the patients table has a trigger of each).
fn trigger_name(input: &Input) -> String {
    match input.scope {
        TeamScope::QueueRows => format!("queue_{}", input.table),
        _ => input.table.to_owned(),
    }
}

/// Migration 11: migration 8's triggers and counter dropped, one counter per scope in their place.
pub fn migration_11_triggers(engine: Engine) -> Vec<String> {
    let mut statements: Vec<String> = match engine {
        Engine::Sqlite => MIGRATION_8_INPUTS
            .iter()
            .flat_map(|table| {
                ["insert", "update", "delete"]
                    .map(|event| format!("DROP TRIGGER team_rev_{table}_{event}"))
            })
            .collect(),
        Engine::Postgres => MIGRATION_8_INPUTS
            .iter()
            .map(|table| format!("DROP TRIGGER team_rev_{table} ON {table}"))
            .chain(["DROP FUNCTION team_rev_bump()".to_owned()])
            .collect(),
    };
    statements.push("DROP TABLE team_revisions".into());
    match engine {
        Engine::Sqlite => statements.extend(INPUTS.iter().flat_map(sqlite_triggers)),
        Engine::Postgres => {
            statements.push(
                "CREATE FUNCTION team_scope_bump() RETURNS trigger AS $$ BEGIN
                   INSERT INTO team_scope_revisions (scope, shard, revision)
                   VALUES (TG_ARGV[0]::int, (txid_current() % 8)::int, 1)
                   ON CONFLICT (scope, shard) DO UPDATE SET revision = team_scope_revisions.revision + 1;
                   RETURN NULL;
                 END $$ LANGUAGE plpgsql"
                    .into(),
            );
            statements.extend(INPUTS.iter().map(postgres_trigger));
        }
    }
    statements
}

fn update_of(input: &Input) -> String {
    if input.columns.is_empty() {
        "UPDATE".into()
    } else {
        format!("UPDATE OF {}", input.columns.join(", "))
    }
}

/// SQLite has row triggers only; one writer at a time, so one shard.
fn sqlite_triggers(input: &Input) -> Vec<String> {
    let scope = input.scope as i32;
    let bump = format!(
        "INSERT INTO team_scope_revisions (scope, shard, revision) VALUES ({scope}, 0, 1) \
         ON CONFLICT (scope, shard) DO UPDATE SET revision = revision + 1;"
    );
    [("insert", "INSERT".to_owned()), ("update", update_of(input)), ("delete", "DELETE".to_owned())]
        .into_iter()
        .map(|(name, event)| {
            format!(
                "CREATE TRIGGER team_scope_{}_{name} AFTER {event} ON {} BEGIN {bump} END",
                trigger_name(input),
                input.table
            )
        })
        .collect()
}

/// PostgreSQL bumps once per statement, on one of eight shards (by transaction).
fn postgres_trigger(input: &Input) -> String {
    format!(
        "CREATE TRIGGER team_scope_{name} AFTER INSERT OR {update} OR DELETE OR TRUNCATE ON {table} \
         FOR EACH STATEMENT EXECUTE FUNCTION team_scope_bump('{scope}')",
        name = trigger_name(input),
        table = input.table,
        update = update_of(input),
        scope = input.scope as i32
    )
}
