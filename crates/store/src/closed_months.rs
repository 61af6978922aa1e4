//! The database's own guard of a closed month (migration 19): no entry dated in it is inserted, changed
//! or deleted, whatever path the write takes, except an administrator's amendment, which changes an
//! entry only together with an `entry_amendments` row naming it. The billed record, its fees and the
//! amendments are append-only.

use carelog_domain::billing::{AmendmentAction, MonthStatus};
use carelog_domain::stored::Stored;

use crate::Engine;

/// The words every refusal carries; `StoreError` recognises them.
pub const CLOSED_MONTH_REFUSAL: &str = "the billing month is closed";

const RECORD_TABLES: [&str; 3] = ["billed_lines", "billed_fees", "entry_amendments"];

/// `billing_months` row `b` marks the month of `row` (OLD or NEW) closed.
fn closed(row: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM billing_months b WHERE b.billing_year = {row}.billing_year \
         AND b.billing_month = {row}.billing_month AND b.status = '{}')",
        MonthStatus::Closed.stored()
    )
}

/// An update made together with an amendment of this entry.
const AMENDING: &str = "EXISTS (SELECT 1 FROM entry_amendments a WHERE a.id = NEW.amendment_id AND a.entry_id = NEW.id)";

fn removing() -> String {
    format!(
        "EXISTS (SELECT 1 FROM entry_amendments a WHERE a.entry_id = OLD.id AND a.action = '{}')",
        AmendmentAction::Removed.stored()
    )
}

pub fn migration_19(engine: Engine) -> Vec<String> {
    let mut statements = match engine {
        Engine::Sqlite => sqlite_guards(),
        Engine::Postgres => postgres_guards(),
    };
    statements.extend(crate::vocabulary_checks::migration_19(engine));
    statements
}

fn sqlite_guards() -> Vec<String> {
    let refuse = format!(
        "BEGIN SELECT RAISE(ABORT, '{CLOSED_MONTH_REFUSAL}: its entries change only by an administrator''s amendment'); END"
    );
    let mut statements = vec![
        format!(
            "CREATE TRIGGER task_log_closed_insert BEFORE INSERT ON coordinator_task_log WHEN {} {refuse}",
            closed("NEW")
        ),
        format!(
            "CREATE TRIGGER task_log_closed_update BEFORE UPDATE ON coordinator_task_log \
             WHEN ({} OR {}) AND NOT (NEW.amendment_id IS NOT OLD.amendment_id AND {AMENDING}) {refuse}",
            closed("OLD"),
            closed("NEW")
        ),
        format!(
            "CREATE TRIGGER task_log_closed_delete BEFORE DELETE ON coordinator_task_log \
             WHEN {} AND NOT {} {refuse}",
            closed("OLD"),
            removing()
        ),
    ];
    for table in RECORD_TABLES {
        for event in ["UPDATE", "DELETE"] {
            statements.push(format!(
                "CREATE TRIGGER {table}_no_{} BEFORE {event} ON {table} \
                 BEGIN SELECT RAISE(ABORT, '{table} is append-only: the billed record is never changed'); END",
                event.to_lowercase()
            ));
        }
    }
    statements
}

fn postgres_guards() -> Vec<String> {
    let refuse = format!(
        "RAISE EXCEPTION '{CLOSED_MONTH_REFUSAL}: its entries change only by an administrator''s amendment'"
    );
    let mut statements = vec![
        format!(
            "CREATE FUNCTION task_log_closed_month() RETURNS trigger AS $$ BEGIN
               IF TG_OP = 'INSERT' THEN
                 IF {new} THEN {refuse}; END IF;
                 RETURN NEW;
               END IF;
               IF TG_OP = 'UPDATE' THEN
                 IF ({old} OR {new}) AND NOT (NEW.amendment_id IS DISTINCT FROM OLD.amendment_id AND {AMENDING}) THEN
                   {refuse};
                 END IF;
                 RETURN NEW;
               END IF;
               IF {old} AND NOT {removing} THEN {refuse}; END IF;
               RETURN OLD;
             END $$ LANGUAGE plpgsql",
            new = closed("NEW"),
            old = closed("OLD"),
            removing = removing()
        ),
        "CREATE TRIGGER task_log_closed_month BEFORE INSERT OR UPDATE OR DELETE ON coordinator_task_log \
         FOR EACH ROW EXECUTE FUNCTION task_log_closed_month()"
            .to_owned(),
        format!(
            "CREATE FUNCTION task_log_closed_truncate() RETURNS trigger AS $$ BEGIN
               IF EXISTS (SELECT 1 FROM billing_months WHERE status = '{}') THEN {refuse}; END IF;
               RETURN NULL;
             END $$ LANGUAGE plpgsql",
            MonthStatus::Closed.stored()
        ),
        "CREATE TRIGGER task_log_closed_truncate BEFORE TRUNCATE ON coordinator_task_log \
         FOR EACH STATEMENT EXECUTE FUNCTION task_log_closed_truncate()"
            .to_owned(),
        "CREATE FUNCTION billed_record_append_only() RETURNS trigger AS $$ BEGIN
           RAISE EXCEPTION '% is append-only: the billed record is never changed', TG_TABLE_NAME;
         END $$ LANGUAGE plpgsql"
            .to_owned(),
    ];
    for table in RECORD_TABLES {
        statements.push(format!(
            "CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} \
             FOR EACH ROW EXECUTE FUNCTION billed_record_append_only()"
        ));
        statements.push(format!(
            "CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} \
             FOR EACH STATEMENT EXECUTE FUNCTION billed_record_append_only()"
        ));
    }
    statements
}
