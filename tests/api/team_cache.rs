//! The team figures (Tab 3's cards and the match score) are kept between views and must follow every
//! change to what they read, made through any app server.

use std::sync::Arc;

use carelog_store::{QueueFilter, QueuePage, QueueTrends, Store, TeamMember, TeamOf, TeamWindows};
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_app};

fn windows() -> TeamWindows {
    let today = Utc::now().date_naive();
    let midnight = |days: i64| {
        (today - Duration::days(days)).and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
    };
    TeamWindows {
        activity_since: midnight(30),
        quality_since: midnight(182),
        quality_since_date: today - Duration::days(182),
    }
}

/// The practice's kept team figures under the counters as they are now.
async fn kept_team(app: &TestApp) -> Arc<Vec<TeamMember>> {
    let revisions = app.figures.team_revisions().await.unwrap();
    app.figures.team(revisions, windows(), TeamOf::Practice).await.unwrap()
}

/// The practice's kept queue trends for `now`'s minute under the counters as they are now.
async fn kept_trends(app: &TestApp, now: DateTime<Utc>) -> Arc<QueueTrends> {
    let revisions = app.figures.team_revisions().await.unwrap();
    app.figures.queue_trends(revisions, now, TeamOf::Practice).await.unwrap()
}

/// The queue's first page as Tab 3 opens it, kept under the counters as they are now.
async fn kept_queue(app: &TestApp) -> Arc<QueuePage> {
    let revisions = app.figures.team_revisions().await.unwrap();
    let filter = QueueFilter { limit: 50, recent_since: Utc::now(), ..QueueFilter::default() };
    app.figures.queue_page(revisions, &filter, None).await.unwrap()
}

async fn change(server: &Store, sql: &str) {
    assert!(server.exec_for_test(sql, vec![]).await.unwrap() > 0, "{sql} changed a row");
}

#[tokio::test]
async fn the_kept_team_figures_follow_every_change_from_any_server() {
    let app = spawn_app().await;
    let other_server = Store::connect(&app.database_url).await.unwrap();
    let coordinator = app.user_id("coord1").await;
    let first = kept_team(&app).await;
    assert!(Arc::ptr_eq(&first, &kept_team(&app).await), "unchanged: served from memory");
    // Reads and their audit events change nothing the team figures read.
    let (manager, _) = app.sign_in("manager1").await;
    assert_eq!(
        manager.get(app.url("/panel?mine=0")).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert!(Arc::ptr_eq(&first, &kept_team(&app).await));

    let member = |team: &[carelog_store::TeamMember]| {
        team.iter().find(|m| m.id == coordinator).cloned().unwrap()
    };
    let before = member(&first);
    change(&other_server, &format!("UPDATE coordinator_profiles SET max_caseload = max_caseload + 3 WHERE user_id = {coordinator}")).await;
    change(
        &other_server,
        &format!("UPDATE patients SET status = 'Inactive' WHERE id = (SELECT MIN(id) FROM patients WHERE coordinator_id = {coordinator} AND status = 'Active')"),
    )
    .await;
    change(
        &other_server,
        &format!(
            "INSERT INTO coordinator_task_log (coordinator_id, patient_id, task_type_id, task_category, minutes, stat_value, notes, task_at,
                 billing_year, billing_month, is_automated, above_average_confirmed, created_at, modified_at)
             SELECT coordinator_id, patient_id, task_type_id, task_category, minutes, stat_value, 'copy', task_at, billing_year, billing_month,
                 is_automated, above_average_confirmed, created_at, modified_at FROM coordinator_task_log
             WHERE id = (SELECT MAX(id) FROM coordinator_task_log WHERE coordinator_id = {coordinator} AND minutes IS NOT NULL)"
        ),
    )
    .await;
    let after = member(&kept_team(&app).await);
    assert_eq!(after.max_caseload, before.max_caseload + 3, "a profile");
    assert_eq!(after.caseload, before.caseload - 1, "a patient's status");
    assert_eq!(after.entries, before.entries + 1, "a new log entry");

    // Every column the figures read moves them, even by a change that leaves a value as it was…
    for (table, column) in [
        ("users", "display_name"),
        ("coordinator_profiles", "availability"),
        ("coordinator_specializations", "specialization"),
        ("coordinator_languages", "language"),
        ("coordinator_facilities", "facility_id"),
        ("facilities", "name"),
        ("patients", "status"),
        ("assignments", "coordinator_id"),
        ("qa_reviews", "rating"),
        ("satisfaction_surveys", "score"),
        ("generated_tasks", "status"),
        ("coordinator_task_log", "minutes"),
    ] {
        let kept = kept_team(&app).await;
        assert!(Arc::ptr_eq(&kept, &kept_team(&app).await));
        change(&other_server, &format!("UPDATE {table} SET {column} = {column}")).await;
        assert!(
            !Arc::ptr_eq(&kept, &kept_team(&app).await),
            "a change to {table}.{column} is seen"
        );
    }
    // …and one they do not read moves nothing: an entry's notes, a patient's name or care plan, a
    // user's e-mail address.
    for (table, column) in [
        ("coordinator_task_log", "notes"),
        ("patients", "last_name"),
        ("patients", "care_plan_status"),
        ("users", "email"),
    ] {
        let kept = kept_team(&app).await;
        change(&other_server, &format!("UPDATE {table} SET {column} = {column}")).await;
        assert!(
            Arc::ptr_eq(&kept, &kept_team(&app).await),
            "{table}.{column} feeds no team figure"
        );
    }
}

#[tokio::test]
async fn a_task_entry_moves_the_team_activity_but_not_the_queue_trends() {
    let app = spawn_app().await;
    let now = Utc::now();
    let trends = kept_trends(&app, now).await;
    let team = kept_team(&app).await;
    let (client, _) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await.to_string();
    let call = app.task_type_id("Communication: Phone").await.to_string();
    let fields = [
        ("patient", patient.as_str()),
        ("task_type", &call),
        ("minutes", "10"),
        ("notes", "Called"),
    ];
    let (status, _) = app.post_form(&client, "/tasks", &fields).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        Arc::ptr_eq(&trends, &kept_trends(&app, now).await),
        "who carries which patients is unchanged"
    );
    let coordinator = app.user_id("coord1").await;
    let entries_of = |team: &[carelog_store::TeamMember]| {
        team.iter().find(|m| m.id == coordinator).map(|m| m.entries)
    };
    let after = kept_team(&app).await;
    assert_eq!(entries_of(&after), entries_of(&team).map(|n| n + 1), "the activity moved");
}

#[tokio::test]
async fn the_queue_trends_are_kept_within_a_minute_and_follow_a_new_handoff() {
    let app = spawn_app().await;
    let other_server = Store::connect(&app.database_url).await.unwrap();
    let now = Utc::now();
    let first = kept_trends(&app, now).await;
    assert!(Arc::ptr_eq(&first, &kept_trends(&app, now).await));
    // An assigned patient whose assignment is undone, handed off 25 hours ago: pending a day ago.
    let patient = app
        .store
        .scalar_for_test(
            "SELECT MIN(patient_id) AS n FROM assignments WHERE patient_id IN (SELECT id FROM patients WHERE status = 'Active')",
            vec![],
        )
        .await
        .unwrap();
    change(&other_server, &format!("DELETE FROM assignments WHERE patient_id = {patient}")).await;
    let day_ago = (now - Duration::hours(25)).format("%Y-%m-%dT%H:%M:%S+00:00");
    change(
        &other_server,
        &format!("UPDATE patients SET provider_handoff_at = '{day_ago}' WHERE id = {patient}"),
    )
    .await;
    let after = kept_trends(&app, now).await;
    assert_eq!(after.pending_yesterday, first.pending_yesterday + 1);
}

#[tokio::test]
async fn the_kept_queue_page_follows_everything_its_rows_show_from_any_server() {
    let app = spawn_app().await;
    let other_server = Store::connect(&app.database_url).await.unwrap();
    let (manager, _) = app.sign_in("manager1").await;
    let first = kept_queue(&app).await;
    let patient = first.rows.first().map(|r| r.id).expect("the demo has waiting patients");
    assert!(Arc::ptr_eq(&first, &kept_queue(&app).await), "unchanged: served from memory");
    let tab3 = manager.get(app.url("/team")).send().await.unwrap().text().await.unwrap();
    assert!(!tab3.contains("QUEUEFIRST"));

    // A patient renamed through another server is shown at once, on the page and in the API.
    change(
        &other_server,
        &format!("UPDATE patients SET first_name = 'Queuefirst' WHERE id = {patient}"),
    )
    .await;
    let renamed = kept_queue(&app).await;
    assert_eq!(renamed.rows.first().map(|r| r.first_name.as_str()), Some("Queuefirst"));
    let tab3 = manager.get(app.url("/team")).send().await.unwrap().text().await.unwrap();
    assert!(tab3.contains("QUEUEFIRST"), "Tab 3 shows the new name");
    // A special need and a senior review are shown on the row.
    change(
        &other_server,
        &format!(
            "INSERT INTO patient_special_needs (patient_id, need) VALUES ({patient}, 'Dementia')"
        ),
    )
    .await;
    let manager_id = app.user_id("manager1").await;
    change(
        &other_server,
        &format!(
            "INSERT INTO senior_reviews (patient_id, requested_by, requested_at, request_notes)
             VALUES ({patient}, {manager_id}, '2026-01-05T10:00:00+00:00', 'second opinion')"
        ),
    )
    .await;
    let row = kept_queue(&app).await.rows.iter().find(|r| r.id == patient).cloned().unwrap();
    assert!(row.special_needs.iter().any(|n| n == "Dementia"), "{:?}", row.special_needs);
    assert!(row.review_requested());

    // Every column the rows show or the filters read moves it, even by a change that leaves a
    // value as it was…
    for (table, column) in [
        ("patients", "first_name"),
        ("patients", "last_name"),
        ("patients", "dob"),
        ("patients", "program"),
        ("patients", "assignment_priority"),
        ("patients", "language"),
        ("patients", "provider_id"),
        ("patients", "facility_id"),
        ("patients", "status"),
        ("patients", "onboarding_status"),
        ("patients", "provider_handoff_at"),
        ("providers", "name"),
        ("facilities", "name"),
        ("users", "display_name"),
        ("assignments", "assigned_at"),
        ("senior_reviews", "answer"),
        ("patient_special_needs", "need"),
    ] {
        let kept = kept_queue(&app).await;
        assert!(Arc::ptr_eq(&kept, &kept_queue(&app).await));
        change(&other_server, &format!("UPDATE {table} SET {column} = {column}")).await;
        assert!(
            !Arc::ptr_eq(&kept, &kept_queue(&app).await),
            "a change to {table}.{column} is seen"
        );
    }
    // …and what the rows do not show moves nothing: a log entry, a patient's phone or care plan, a
    // user's e-mail address, a read.
    for (table, column) in [
        ("coordinator_task_log", "minutes"),
        ("patients", "phone"),
        ("patients", "care_plan_status"),
        ("users", "email"),
    ] {
        let kept = kept_queue(&app).await;
        change(&other_server, &format!("UPDATE {table} SET {column} = {column}")).await;
        assert!(Arc::ptr_eq(&kept, &kept_queue(&app).await), "{table}.{column} is not on a row");
    }
    let kept = kept_queue(&app).await;
    assert_eq!(manager.get(app.url("/team")).send().await.unwrap().status(), StatusCode::OK);
    assert!(Arc::ptr_eq(&kept, &kept_queue(&app).await), "a view is served from memory");
}
