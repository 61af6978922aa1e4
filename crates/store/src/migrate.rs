//! Schema migrations: each runs in one transaction with its version row, in order, never downgrading.

use chrono::Utc;
use sea_orm::ConnectionTrait;

use crate::connection::at;
use crate::row::Query;
use crate::{Engine, Result, Store, StoreError};

pub struct Migration {
    pub version: i64,
    pub description: &'static str,
    sql: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "initial schema",
        sql: include_str!("../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        description: "task timers, double-submit index",
        sql: include_str!("../migrations/0002_daily_tasks.sql"),
    },
    Migration {
        version: 3,
        description: "notification e-mail state and preferences",
        sql: include_str!("../migrations/0003_notifications.sql"),
    },
    Migration {
        version: 4,
        description: "QA ratings, handoff attendees, senior reviews",
        sql: include_str!("../migrations/0004_oversight.sql"),
    },
    Migration {
        version: 5,
        description: "API tokens",
        sql: include_str!("../migrations/0005_api_tokens.sql"),
    },
    Migration {
        version: 6,
        description: "import uploads",
        sql: include_str!("../migrations/0006_imports.sql"),
    },
    Migration {
        version: 7,
        description: "billing change counters, activity index",
        sql: include_str!("../migrations/0007_billing_revisions.sql"),
    },
    Migration {
        version: 8,
        description: "team change counter, covering indexes for the coordinator pages and task type averages",
        sql: include_str!("../migrations/0008_team_revisions.sql"),
    },
    Migration {
        version: 9,
        description: "every vocabulary column limited to the domain's keys",
        sql: include_str!("../migrations/0009_vocabulary_checks.sql"),
    },
    Migration {
        version: 10,
        description: "indexes for a patient's and a coordinator's billing month",
        sql: include_str!("../migrations/0010_billing_month_indexes.sql"),
    },
    Migration {
        version: 11,
        description: "a team change counter per group of figures, moved only by the columns they read",
        sql: include_str!("../migrations/0011_team_scope_revisions.sql"),
    },
    Migration {
        version: 12,
        description: "the demo load's progress, the health check's write probe",
        sql: include_str!("../migrations/0012_practice_load.sql"),
    },
    Migration {
        version: 13,
        description: "notifications of a time carelog could not save",
        sql: include_str!("../migrations/0013_saving_failed_notifications.sql"),
    },
    Migration {
        version: 14,
        description: "enrollment records: consent, diagnoses, care plan versions, complexity changes; provider NPI",
        sql: include_str!("../migrations/0014_enrollment.sql"),
    },
    Migration {
        version: 15,
        description: "patients' sex, member ID and billing practitioner",
        sql: include_str!("../migrations/0015_claim_facts.sql"),
    },
    Migration {
        version: 16,
        description: "schedules for patients whose care plan review is due",
        sql: include_str!("../migrations/0016_care_plan_review_schedules.sql"),
    },
    Migration {
        version: 17,
        description: "enrollment dates",
        sql: include_str!("../migrations/0017_enrollment_dates.sql"),
    },
    Migration {
        version: 18,
        description: "diagnoses kept in SNOMED CT until coded",
        sql: include_str!("../migrations/0018_diagnosis_code_systems.sql"),
    },
    Migration {
        version: 19,
        description: "the billed record of a closed month, its fees, entry amendments; entries of a closed month refused",
        sql: include_str!("../migrations/0019_billed_record.sql"),
    },
    Migration {
        version: 20,
        description: "API tokens expire and keep why they ended; users keep when they were deactivated",
        sql: include_str!("../migrations/0020_people.sql"),
    },
    Migration {
        version: 21,
        description: "audit kinds, the patients of bulk reads, a hash chain over every event; no REPLACE or TRUNCATE",
        sql: include_str!("../migrations/0021_audit_chain.sql"),
    },
    Migration {
        version: 22,
        description: "the timer's task type may wait until it stops",
        sql: include_str!("../migrations/0022_timer_type_at_stop.sql"),
    },
    Migration {
        version: 23,
        description: "a senior review closes as superseded when the patient is assigned another way",
        sql: include_str!("../migrations/0023_senior_review_superseded.sql"),
    },
    Migration {
        version: 24,
        description: "who manages whom: each caseload holder's manager",
        sql: include_str!("../migrations/0024_teams.sql"),
    },
    Migration {
        version: 25,
        description: "the waiting patients indexed for the assignment queue",
        sql: include_str!("../migrations/0025_waiting_patients.sql"),
    },
    Migration {
        version: 26,
        description: "audit events sealed into the chain just after they commit, marked until then",
        sql: include_str!("../migrations/0026_audit_unsealed.sql"),
    },
    Migration {
        version: 27,
        description: "the waiting patients indexed in the assignment queue's order",
        sql: include_str!("../migrations/0027_waiting_patients_in_order.sql"),
    },
    Migration {
        version: 28,
        description: "a patient's onboarding status moves the caseload counter",
        sql: include_str!("../migrations/0028_onboarding_moves_caseload.sql"),
    },
    Migration {
        version: 29,
        description: "PostgreSQL: a bulk read's patient links are not checked against their event one by one",
        sql: include_str!("../migrations/0029_audit_links_unchecked.sql"),
    },
    Migration {
        version: 30,
        description: "a bulk read's patients listed on its event; the sealer links them",
        sql: include_str!("../migrations/0030_audit_patients_listed.sql"),
    },
    Migration {
        version: 31,
        description: "what the queue's rows show moves a counter (their pages are kept)",
        sql: include_str!("../migrations/0031_queue_rows_counted.sql"),
    },
    Migration {
        version: 32,
        description: "patients indexed in the order lists show them",
        sql: include_str!("../migrations/0032_patients_by_name.sql"),
    },
];

/// Tables whose every change can move any month's billing figures (scope 0).
const BILLING_INPUTS: [&str; 4] = ["patients", "task_types", "fee_schedule", "settings"];

/// The enrollment records the billing gates read (migration 14): inputs like the others.
const ENROLLMENT_INPUTS: [&str; 4] =
    ["patient_consents", "patient_diagnoses", "care_plan_versions", "complexity_changes"];

/// Statements that differ by engine and cannot be written once: the audit log's append-only guards
/// and the change counters' triggers.
fn engine_specific(version: i64, engine: Engine) -> Vec<String> {
    match (version, engine) {
        (7, Engine::Sqlite) => sqlite_billing_triggers(),
        (7, Engine::Postgres) => postgres_billing_triggers(),
        (8, engine) => crate::team_revisions::migration_8_triggers(engine),
        (9, engine) => crate::vocabulary_checks::constraints(engine),
        (11, engine) => crate::team_revisions::migration_11_triggers(engine),
        (13, engine) => crate::vocabulary_checks::migration_13(engine),
        (14, engine) => crate::vocabulary_checks::migration_14(engine)
            .into_iter()
            .chain(billing_input_triggers(&ENROLLMENT_INPUTS, engine))
            .collect(),
        (15, engine) => crate::vocabulary_checks::migration_15(engine),
        (16, engine) => crate::vocabulary_checks::migration_16(engine),
        // Initiating visits flag billing lines for review: visits are a billing input now.
        (17, engine) => billing_input_triggers(&["visits"], engine),
        (18, engine) => crate::vocabulary_checks::migration_18(engine),
        (19, engine) => crate::closed_months::migration_19(engine),
        // Tokens made before expiry existed get the default 90 days from when they were made.
        (20, Engine::Sqlite) => vec![
            "UPDATE api_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', created_at, '+90 days') WHERE expires_at IS NULL".into(),
        ],
        (20, Engine::Postgres) => vec![
            "UPDATE api_tokens SET expires_at = created_at + INTERVAL '90 days' WHERE expires_at IS NULL".into(),
        ],
        (21, engine) => crate::audit::migration_21_guards(engine),
        (25, _) => vec![crate::assignment_queue::waiting_index()],
        (27, _) => crate::assignment_queue::waiting_in_order_index().to_vec(),
        (28, engine) => crate::team_revisions::migration_28_triggers(engine),
        (31, engine) => crate::team_revisions::migration_31_triggers(engine),
        (29, Engine::Postgres) => vec![
            "ALTER TABLE audit_event_patients DROP CONSTRAINT IF EXISTS audit_event_patients_event_id_fkey".into(),
        ],
        _ => audit_guards(version, engine).into_iter().map(str::to_owned).collect(),
    }
}

fn audit_guards(version: i64, engine: Engine) -> Vec<&'static str> {
    match (version, engine) {
        (1, Engine::Sqlite) => vec![
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
            "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
        ],
        (1, Engine::Postgres) => vec![
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql",
            "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
        ],
        _ => vec![],
    }
}

/// SQLite has row triggers only; one writer at a time, so one shard.
fn sqlite_billing_triggers() -> Vec<String> {
    let bump = |scope: &str| {
        format!(
            "INSERT INTO billing_revisions (scope, shard, revision) VALUES ({scope}, 0, 1) \
             ON CONFLICT (scope, shard) DO UPDATE SET revision = revision + 1;"
        )
    };
    let (old, new) = (
        bump("OLD.billing_year * 100 + OLD.billing_month"),
        bump("NEW.billing_year * 100 + NEW.billing_month"),
    );
    let mut triggers = vec![
        format!(
            "CREATE TRIGGER billing_rev_log_insert AFTER INSERT ON coordinator_task_log BEGIN {new} END"
        ),
        format!(
            "CREATE TRIGGER billing_rev_log_update AFTER UPDATE ON coordinator_task_log BEGIN {old} {new} END"
        ),
        format!(
            "CREATE TRIGGER billing_rev_log_delete AFTER DELETE ON coordinator_task_log BEGIN {old} END"
        ),
    ];
    triggers.extend(billing_input_triggers(&BILLING_INPUTS, Engine::Sqlite));
    triggers
}

/// Triggers that move scope 0 on every change of these tables (on PostgreSQL, through the function
/// migration 7 made).
fn billing_input_triggers(tables: &[&str], engine: Engine) -> Vec<String> {
    match engine {
        Engine::Sqlite => tables
            .iter()
            .flat_map(|table| {
                ["INSERT", "UPDATE", "DELETE"].map(|event| {
                    format!(
                        "CREATE TRIGGER billing_rev_{table}_{} AFTER {event} ON {table} BEGIN \
                         INSERT INTO billing_revisions (scope, shard, revision) VALUES (0, 0, 1) \
                         ON CONFLICT (scope, shard) DO UPDATE SET revision = revision + 1; END",
                        event.to_lowercase()
                    )
                })
            })
            .collect(),
        Engine::Postgres => tables
            .iter()
            .map(|table| {
                format!(
                    "CREATE TRIGGER billing_rev_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} \
                     FOR EACH STATEMENT EXECUTE FUNCTION billing_rev_inputs()"
                )
            })
            .collect(),
    }
}

/// PostgreSQL bumps once per statement, reading the changed months from its transition tables.
fn postgres_billing_triggers() -> Vec<String> {
    let upsert =
        "ON CONFLICT (scope, shard) DO UPDATE SET revision = billing_revisions.revision + 1";
    let shard = "(txid_current() % 8)::int";
    let mut statements = vec![
        format!(
            "CREATE FUNCTION billing_rev_log() RETURNS trigger AS $$ BEGIN
               IF TG_OP IN ('UPDATE', 'DELETE') THEN
                 INSERT INTO billing_revisions (scope, shard, revision)
                 SELECT DISTINCT billing_year * 100 + billing_month, {shard}, 1 FROM old_rows {upsert};
               END IF;
               IF TG_OP IN ('UPDATE', 'INSERT') THEN
                 INSERT INTO billing_revisions (scope, shard, revision)
                 SELECT DISTINCT billing_year * 100 + billing_month, {shard}, 1 FROM new_rows {upsert};
               END IF;
               RETURN NULL;
             END $$ LANGUAGE plpgsql"
        ),
        format!(
            "CREATE FUNCTION billing_rev_inputs() RETURNS trigger AS $$ BEGIN
               INSERT INTO billing_revisions (scope, shard, revision) VALUES (0, {shard}, 1) {upsert};
               RETURN NULL;
             END $$ LANGUAGE plpgsql"
        ),
        "CREATE TRIGGER billing_rev_log_insert AFTER INSERT ON coordinator_task_log REFERENCING NEW TABLE AS new_rows \
         FOR EACH STATEMENT EXECUTE FUNCTION billing_rev_log()"
            .to_owned(),
        "CREATE TRIGGER billing_rev_log_update AFTER UPDATE ON coordinator_task_log REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows \
         FOR EACH STATEMENT EXECUTE FUNCTION billing_rev_log()"
            .to_owned(),
        "CREATE TRIGGER billing_rev_log_delete AFTER DELETE ON coordinator_task_log REFERENCING OLD TABLE AS old_rows \
         FOR EACH STATEMENT EXECUTE FUNCTION billing_rev_log()"
            .to_owned(),
    ];
    statements.extend(billing_input_triggers(&BILLING_INPUTS, Engine::Postgres));
    statements
}

fn render(sql: &str, engine: Engine) -> String {
    let (pk, ts, date) = match engine {
        Engine::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "TEXT"),
        Engine::Postgres => {
            ("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "TIMESTAMPTZ", "DATE")
        }
    };
    sql.replace("{pk}", pk).replace("{ts}", ts).replace("{date}", date)
}

/// Splits a migration into statements; comments are dropped first so a `;` inside one is harmless.
fn statements(sql: &str) -> Vec<String> {
    let without_comments: String = sql
        .lines()
        .map(|line| line.split("--").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    without_comments
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Store {
    /// Brings the schema up to date. Safe to run from several servers at once: on PostgreSQL an
    /// advisory lock serialises them; on SQLite the write transaction does.
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        // Under the lock too: two PostgreSQL servers racing on CREATE TABLE IF NOT EXISTS can collide
        // in the catalog.
        let tx = self.begin_write().await?;
        if self.engine() == Engine::Postgres {
            tx.execute_raw(self.stmt("SELECT pg_advisory_xact_lock(7261001)", vec![])).await?;
        }
        tx.execute_raw(self.stmt(
            &render(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_at {ts} NOT NULL)",
                self.engine(),
            ),
            vec![],
        ))
        .await?;
        tx.commit().await?;
        let known = MIGRATIONS.last().map(|m| m.version).unwrap_or(0);
        let mut applied = Vec::new();
        for migration in MIGRATIONS {
            let tx = self.begin_write().await?;
            if self.engine() == Engine::Postgres {
                tx.execute_raw(self.stmt("SELECT pg_advisory_xact_lock(7261001)", vec![])).await?;
            }
            let current = tx
                .count(self.stmt("SELECT MAX(version) AS v FROM schema_migrations", vec![]))
                .await?;
            if current > known {
                return Err(StoreError::SchemaTooNew { found: current, known });
            }
            if current >= migration.version {
                tx.commit().await?;
                continue;
            }
            for sql in statements(&render(migration.sql, self.engine())) {
                tx.execute_raw(self.stmt(&sql, vec![])).await?;
            }
            for sql in engine_specific(migration.version, self.engine()) {
                tx.execute_raw(self.stmt(&sql, vec![])).await?;
            }
            tx.execute_raw(self.stmt(
                "INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)",
                vec![migration.version.into(), migration.description.into(), at(Utc::now())],
            ))
            .await?;
            tx.commit().await?;
            tracing::info!(
                version = migration.version,
                description = migration.description,
                "applied migration"
            );
            applied.push(migration.version);
        }
        Ok(applied)
    }

    pub async fn schema_version(&self) -> Result<i64> {
        self.count("SELECT MAX(version) AS v FROM schema_migrations", vec![]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_split_on_semicolons_outside_comments() {
        let sql = "-- a; comment\nCREATE TABLE a (x INTEGER); -- trailing; too\n\nCREATE TABLE b (y TEXT);\n";
        assert_eq!(statements(sql), vec!["CREATE TABLE a (x INTEGER)", "CREATE TABLE b (y TEXT)"]);
    }

    #[test]
    fn tokens_render_per_engine() {
        assert_eq!(
            render("id {pk}, at {ts}, d {date}", Engine::Sqlite),
            "id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT, d TEXT"
        );
        assert!(render("{ts}", Engine::Postgres).contains("TIMESTAMPTZ"));
        let all = MIGRATIONS.iter().map(|m| render(m.sql, Engine::Postgres)).collect::<String>();
        assert!(!all.contains('{'), "every token is replaced");
    }

    #[test]
    fn versions_strictly_increase() {
        assert!(MIGRATIONS.windows(2).all(|w| w[0].version < w[1].version));
    }
}
