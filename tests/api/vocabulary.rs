//! The database admits exactly the domain's vocabularies: every status, program, priority, kind and
//! rule-set column refuses a value the code could not read back, and takes each one it can.

use carelog_domain::billing::RuleSet;
use carelog_domain::import::ImportKind;
use carelog_domain::notifications::Kind;
use carelog_domain::practice_time::YearMonth;
use carelog_store::vocabulary_checks::{CHECKED_AT_CREATION, CHECKED_SINCE_9};
use carelog_store::{NewAuditEvent, NewNotification};
use chrono::Utc;

use crate::helpers::{TestApp, spawn_app};

/// A row in each table the demo practice leaves empty: a notification, an e-mail choice, an upload
/// and a closed month with its snapshot.
async fn fill_what_the_demo_leaves_empty(app: &TestApp) {
    let (store, now) = (&app.store, Utc::now());
    let admin = app.user_id("admin").await;
    let note = NewNotification {
        user_id: admin,
        kind: Kind::BillingReady,
        title: "t".into(),
        body: String::new(),
        link: "/billing".into(),
        dedupe_key: "vocabulary-test".into(),
        email_subject: String::new(),
        email_body: String::new(),
    };
    store.notify(&note, false, now).await.unwrap();
    store.set_email_preference(admin, Kind::DueToday, false).await.unwrap();
    store.save_upload(admin, ImportKind::Psl, "visits.csv", b"x", now).await.unwrap();
    let month = YearMonth::of(now.date_naive()).previous();
    let summary =
        store.compute_billing_summary(month, RuleSet::Seed, chrono_tz::UTC).await.unwrap();
    let audit = NewAuditEvent {
        user_id: Some(admin),
        username: "admin",
        action: "billing.close",
        patient_id: None,
        detail: String::new(),
        address: "test",
        patients: Vec::new(),
    };
    let revision = store.billing_revisions(&[month]).await.unwrap()[&month].month;
    let close = carelog_store::MonthClose {
        summary: &summary,
        fees: &[],
        date_of_service: carelog_domain::billing_summary::DateOfService::LastDay,
        place_of_service: "11",
        month_revision: revision,
        closed_by: Some(admin),
    };
    store.close_month(&close, &audit, now).await.unwrap();
}

/// The column that picks one row of each table.
fn row_key(table: &str) -> &'static str {
    match table {
        "coordinator_profiles" | "notification_preferences" => "user_id",
        "billing_months" => "billing_year",
        _ => "id",
    }
}

#[tokio::test]
async fn every_vocabulary_column_refuses_a_value_outside_its_vocabulary() {
    let app = spawn_app().await;
    fill_what_the_demo_leaves_empty(&app).await;
    let mut exercised = Vec::new();
    for c in CHECKED_AT_CREATION.iter().chain(CHECKED_SINCE_9) {
        let count = format!("SELECT COUNT(*) AS n FROM {}", c.table);
        if app.store.scalar_for_test(&count, vec![]).await.unwrap() == 0 {
            continue;
        }
        let key = row_key(c.table);
        // An entry of a closed month changes only by an amendment: take one of an open month.
        let open = if c.table == "coordinator_task_log" {
            " WHERE NOT EXISTS (SELECT 1 FROM billing_months b WHERE b.billing_year = coordinator_task_log.billing_year AND b.billing_month = coordinator_task_log.billing_month)"
        } else {
            ""
        };
        let one_row = format!(
            "UPDATE {table} SET {column} = $1 WHERE {key} = (SELECT MIN({key}) FROM {table}{open})",
            table = c.table,
            column = c.column
        );
        let refused = app.store.exec_for_test(&one_row, vec!["Not A Key".into()]).await;
        let why = refused.err().map(|e| e.to_string().to_lowercase()).unwrap_or_default();
        assert!(
            why.contains("check constraint"),
            "{}.{} took a value outside its vocabulary ({why})",
            c.table,
            c.column
        );
        for value in (c.keys)() {
            let taken = app.store.exec_for_test(&one_row, vec![value.into()]).await;
            assert_eq!(taken.ok(), Some(1), "{}.{} refused \"{value}\"", c.table, c.column);
        }
        exercised.push(format!("{}.{}", c.table, c.column));
    }
    let all = CHECKED_AT_CREATION.len() + CHECKED_SINCE_9.len();
    assert_eq!(exercised.len(), all, "only {exercised:?} had rows to test");
}
