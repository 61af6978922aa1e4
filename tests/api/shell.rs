use carelog_domain::practice_time::{YearMonth, local_date, month_range};
use chrono::Utc;

use crate::helpers::spawn_app;

/// The header's "Care time this month: N min · N patients" (billable types, naming a patient),
/// checked against the log by a separate query.
#[tokio::test]
async fn the_header_shows_this_months_minutes_and_patients_from_the_log() {
    let app = spawn_app().await;
    let me = app.user_id("coord1").await;
    let tz = chrono_tz::America::Los_Angeles;
    let month = month_range(YearMonth::of(local_date(Utc::now(), tz)), tz);
    let minutes = app
        .store
        .scalar_for_test(
            "SELECT SUM(l.minutes) AS n FROM coordinator_task_log l JOIN task_types t ON t.id = l.task_type_id
             WHERE l.coordinator_id = $1 AND l.task_at >= $2 AND l.task_at < $3 AND t.billable AND l.patient_id IS NOT NULL",
            vec![me.into(), month.start.into(), month.end.into()],
        )
        .await
        .unwrap();
    let patients = app
        .store
        .scalar_for_test(
            "SELECT COUNT(*) AS n FROM (SELECT DISTINCT l.patient_id FROM coordinator_task_log l JOIN task_types t ON t.id = l.task_type_id
             WHERE l.coordinator_id = $1 AND l.task_at >= $2 AND l.task_at < $3 AND l.patient_id IS NOT NULL AND t.billable AND l.minutes IS NOT NULL) d",
            vec![me.into(), month.start.into(), month.end.into()],
        )
        .await
        .unwrap();
    assert!(minutes > 0, "the demo practice has logged time this month");
    let (_, page) = app.sign_in("coord1").await;
    assert!(
        page.contains(&format!("Care time this month: {minutes} min · {patients} patients")),
        "expected {minutes} min · {patients} patients"
    );
}

#[tokio::test]
async fn a_user_with_no_logged_time_sees_zero_and_no_invented_figures() {
    let app = spawn_app().await;
    app.add_coordinator("newcoord", "New Coordinator").await;
    let (client, page) = app.sign_in("newcoord").await;
    assert!(page.contains("Care time this month: 0 min · 0 patients"));
    assert!(page.contains("0 patients ·"), "an empty caseload");
    let tasks = client.get(app.url("/tasks")).send().await.unwrap().text().await.unwrap();
    assert!(tasks.contains(r#"data-testid="day-tasks">0<"#) && tasks.contains("Nothing pending."));
}

/// An admin's header shows the whole practice's month, checked against the log, and follows a new
/// entry at once (the figure is kept between views until the month's log changes).
#[tokio::test]
async fn the_admins_header_shows_the_practices_month_and_follows_new_entries() {
    let app = spawn_app().await;
    let month = YearMonth::of(local_date(Utc::now(), chrono_tz::America::Los_Angeles));
    let from_log = || async {
        let period = || vec![month.year.into(), (month.month as i32).into()];
        let minutes = app
            .store
            .scalar_for_test(
                "SELECT SUM(l.minutes) AS n FROM coordinator_task_log l JOIN task_types t ON t.id = l.task_type_id
                 WHERE l.billing_year = $1 AND l.billing_month = $2 AND t.billable AND l.patient_id IS NOT NULL",
                period(),
            )
            .await
            .unwrap();
        let patients = app
            .store
            .scalar_for_test(
                "SELECT COUNT(*) AS n FROM (SELECT DISTINCT l.patient_id FROM coordinator_task_log l JOIN task_types t ON t.id = l.task_type_id
                 WHERE l.billing_year = $1 AND l.billing_month = $2 AND l.patient_id IS NOT NULL AND t.billable AND l.minutes IS NOT NULL) d",
                period(),
            )
            .await
            .unwrap();
        format!("Practice care time this month: {minutes} min · {patients} patients")
    };
    let (admin, page) = app.sign_in("admin").await;
    let before = from_log().await;
    assert!(page.contains(&before), "expected {before}");

    let (coordinator, _) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await.to_string();
    let task_type = app.task_type_id("Care Coordination: General").await.to_string();
    let (status, body) = app
        .post_form(
            &coordinator,
            "/tasks",
            &[
                ("patient", &patient),
                ("task_type", &task_type),
                ("minutes", "7"),
                ("notes", "header"),
            ],
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    let after = from_log().await;
    assert_ne!(after, before);
    let page = admin.get(app.url("/panel")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&after), "expected {after}");
}
