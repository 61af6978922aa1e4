//! Reminders, patient alerts and e-mail: each once, however many runs, and only for the right user.

use carelog::mail::Mailer;
use carelog_app::jobs::{JobSettings, run_due_jobs};
use carelog_domain::practice_time::{local_date, start_of_day};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_app};
use crate::smtp_sink;

const TZ: chrono_tz::Tz = chrono_tz::America::Los_Angeles;

fn settings(email: bool) -> JobSettings {
    JobSettings {
        time_zone: TZ,
        base_url: "https://carelog.practice.example".into(),
        email_configured: email,
        node: "test".into(),
        session_idle: chrono::Duration::minutes(15),
    }
}

/// `hour` o'clock, practice time, on `date`.
fn at(date: NaiveDate, hour: i64) -> DateTime<Utc> {
    start_of_day(date, TZ) + Duration::hours(hour)
}

/// A weekday that is neither a Monday nor the 1st, on or after today.
fn ordinary_day() -> NaiveDate {
    let mut d = local_date(Utc::now(), TZ);
    while d.weekday() == Weekday::Mon || d.day() == 1 {
        d += Duration::days(1);
    }
    d
}

async fn count(app: &TestApp, sql: &str, values: Vec<carelog_store::Value>) -> i64 {
    app.store.scalar_for_test(sql, values).await.unwrap()
}

#[tokio::test]
async fn morning_reminders_and_alerts_are_created_once_for_the_right_users() {
    let app = spawn_app().await;
    let day = ordinary_day();
    assert_eq!(
        run_due_jobs(&app.store, &settings(false), at(day, 6)).await.unwrap(),
        0,
        "nothing before seven"
    );
    let created = run_due_jobs(&app.store, &settings(false), at(day, 8)).await.unwrap();
    assert!(created > 0);
    assert_eq!(
        run_due_jobs(&app.store, &settings(false), at(day, 9)).await.unwrap(),
        0,
        "the morning's run happens once"
    );

    let coord1 = app.user_id("coord1").await;
    let overdue = count(
        &app,
        "SELECT COUNT(*) AS n FROM generated_tasks WHERE coordinator_id = $1 AND status = 'pending' AND due_date < $2",
        vec![coord1.into(), day.into()],
    )
    .await;
    let digests: Vec<String> = app
        .store
        .notifications(coord1, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.kind.key() == "overdue_digest")
        .map(|n| n.title)
        .collect();
    if overdue > 0 {
        let plural = if overdue == 1 { "" } else { "s" };
        assert_eq!(digests, vec![format!("{overdue} overdue task{plural}")]);
    } else {
        assert!(digests.is_empty());
    }
    // Patient alerts come as one digest per coordinator and condition, whose count is what the
    // link shows: coord1's overdue visits on the panel it opens.
    let alerts = app.store.notifications(coord1, 100).await.unwrap();
    let visits: Vec<_> = alerts.iter().filter(|n| n.kind.key() == "visit_overdue").collect();
    assert_eq!(visits.len(), 1, "one digest, not one per patient");
    let (client, _) = app.sign_in("coord1").await;
    let linked = client.get(app.url(&visits[0].link)).send().await.unwrap().text().await.unwrap();
    let shown = crate::helpers::table_rows(&linked).len();
    let plural = if shown == 1 { "" } else { "s" };
    // The panel counts from today; the run was for `day`, which is today but on Mondays and the 1st.
    if day == local_date(Utc::now(), TZ) {
        assert_eq!(visits[0].title, format!("{shown} patient{plural} overdue for a visit"));
    }
    for kind in ["no_activity", "open_care_gaps", "visit_overdue"] {
        let per_user = count(
            &app,
            &format!("SELECT COUNT(*) AS n FROM (SELECT user_id FROM notifications WHERE kind = '{kind}' GROUP BY user_id HAVING COUNT(*) > 1) d"),
            vec![],
        )
        .await;
        assert_eq!(per_user, 0, "{kind}: one digest per coordinator");
    }
    let admin = app.user_id("admin").await;
    assert!(
        app.store.notifications(admin, 100).await.unwrap().is_empty(),
        "admins have no caseload reminders, and it is not the 1st"
    );
    // The next day: unchanged digests stay quiet, and the day's reminders replace yesterday's unread.
    let before = app.store.notifications(coord1, 100).await.unwrap();
    run_due_jobs(&app.store, &settings(false), at(day + Duration::days(1), 8)).await.unwrap();
    let after = app.store.notifications(coord1, 100).await.unwrap();
    let kinds_of = |list: &[carelog_store::NotificationRow], kind: &str| {
        list.iter().filter(|n| n.kind.key() == kind).count()
    };
    if (day + Duration::days(1)).month() == day.month() {
        assert_eq!(kinds_of(&after, "visit_overdue"), kinds_of(&before, "visit_overdue"));
    }
    let unread_digests =
        after.iter().filter(|n| n.kind.key() == "overdue_digest" && n.read_at.is_none()).count();
    assert!(unread_digests <= 1, "yesterday's overdue count is superseded");
    let days = count(
        &app,
        "SELECT COUNT(DISTINCT period_key) AS n FROM job_runs WHERE job = 'daily-reminders'",
        vec![],
    )
    .await;
    assert_eq!(days, 2, "one daily run per day");
}

#[tokio::test]
async fn two_servers_running_the_jobs_at_once_create_each_notification_once() {
    let app = spawn_app().await;
    let day = ordinary_day();
    let (first, second) =
        (settings(false), JobSettings { node: "other".into(), ..settings(false) });
    let (a, b) = tokio::join!(
        run_due_jobs(&app.store, &first, at(day, 8)),
        run_due_jobs(&app.store, &second, at(day, 8))
    );
    let total = count(&app, "SELECT COUNT(*) AS n FROM notifications", vec![]).await;
    assert_eq!((a.unwrap() + b.unwrap()) as i64, total);
    let keys =
        count(&app, "SELECT COUNT(DISTINCT dedupe_key) AS n FROM notifications", vec![]).await;
    assert_eq!(keys, total);
}

#[tokio::test]
async fn mondays_bring_the_weekly_summary_and_the_first_brings_billing_to_admins_only() {
    let app = spawn_app().await;
    let mut monday = local_date(Utc::now(), TZ);
    while monday.weekday() != Weekday::Mon || monday.day() == 1 {
        monday += Duration::days(1);
    }
    run_due_jobs(&app.store, &settings(false), at(monday, 8)).await.unwrap();
    assert!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM notifications WHERE kind = 'weekly_summary'",
            vec![]
        )
        .await
            > 0
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM notifications WHERE kind = 'billing_ready'", vec![])
            .await,
        0
    );
    let first = carelog_domain::practice_time::YearMonth::of(monday).next().first_day();
    run_due_jobs(&app.store, &settings(false), at(first, 8)).await.unwrap();
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM notifications WHERE kind = 'billing_ready'", vec![])
            .await,
        1
    );
    let to_admin = count(
        &app,
        "SELECT COUNT(*) AS n FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.kind = 'billing_ready' AND u.role = 'admin'",
        vec![],
    )
    .await;
    assert_eq!(to_admin, 1);
    let admin = app.user_id("admin").await;
    let month = carelog_domain::practice_time::YearMonth::of(first).previous();
    let summary = app.figures.billing_summary(month, None).await.unwrap();
    let title = app
        .store
        .notifications(admin, 5)
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.kind.key() == "billing_ready")
        .unwrap()
        .title;
    assert!(
        title.starts_with(&format!(
            "Billing for {month} is ready: {} of {} patient-months billable",
            summary.totals.billable, summary.totals.patients
        )),
        "{title}"
    );
}

#[tokio::test]
async fn a_status_change_alerts_the_patients_coordinator_and_the_header_counts_unread() {
    let app = spawn_app().await;
    let patient = app.own_patient("coord1").await;
    let (manager, _) = app.sign_in("manager1").await;
    app.post_form(&manager, &format!("/patients/{patient}/status"), &[("status", "Inactive")])
        .await;
    let (coordinator, page) = app.sign_in("coord1").await;
    assert!(page.contains(r#"data-testid="unread">1</span>"#), "one unread");
    let centre =
        coordinator.get(app.url("/notifications")).send().await.unwrap().text().await.unwrap();
    assert!(centre.contains("status changed to Inactive"));
    let id = app.store.notifications(app.user_id("coord1").await, 1).await.unwrap()[0].id;
    let (status, page) =
        app.post_form(&coordinator, "/notifications/read", &[("id", &id.to_string())]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-testid=\"patient-name\""), "opening it follows its link");
    assert!(page.contains(r#"data-testid="unread">0</span>"#));
    let manager_centre =
        manager.get(app.url("/notifications")).send().await.unwrap().text().await.unwrap();
    assert!(
        !manager_centre.contains("status changed to Inactive"),
        "the manager who made the change is not alerted"
    );
}

#[tokio::test]
async fn emails_go_out_once_each_with_counts_and_links_but_no_patient_names() {
    let app = spawn_app().await;
    let sink = smtp_sink::start().await;
    let mailer = Mailer::new(&sink.url(), "carelog <carelog@practice.example>").unwrap();
    // coord2 turns off e-mail for overdue visits.
    let (coord2, _) = app.sign_in("coord2").await;
    let mut choices: Vec<(&str, &str)> =
        carelog_domain::notifications::Kind::ALL.iter().map(|k| (k.key(), "1")).collect();
    choices.retain(|(k, _)| *k != "visit_overdue");
    app.post_form(&coord2, "/notifications/preferences", &choices).await;

    let day = ordinary_day();
    run_due_jobs(&app.store, &settings(true), at(day, 8)).await.unwrap();
    let pending = count(
        &app,
        "SELECT COUNT(*) AS n FROM notifications WHERE email_status = 'pending'",
        vec![],
    )
    .await;
    assert!(pending > 0);
    let (a, b) = tokio::join!(mailer.send_pending(&app.store), mailer.send_pending(&app.store));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!((a.0 + b.0) as i64, pending, "each e-mail sent once between two senders");
    assert_eq!(a.1 + b.1, 0);
    let received = sink.received();
    assert_eq!(received.len() as i64, pending);

    let names: Vec<String> = app
        .store
        .list_patients(None)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name.split(',').next().unwrap().to_owned())
        .collect();
    for m in &received {
        assert_eq!(m.from, "<carelog@practice.example>", "sent from the configured sender");
        assert!(m.data.contains("https://carelog.practice.example/"), "a link");
        assert!(m.data.contains("no patient information"));
        for name in &names {
            assert!(
                !m.data.to_uppercase().contains(&format!("{name},")),
                "an e-mail named a patient: {}",
                m.data
            );
        }
    }
    let coord1_mail = received
        .iter()
        .find(|m| m.to.iter().any(|t| t.contains("coord1@")))
        .expect("coord1 was e-mailed");
    assert!(coord1_mail.data.contains("Subject: carelog: "));
    let coord2 = app.user_id("coord2").await;
    let coord2_visit_emails = count(
        &app,
        "SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND kind = 'visit_overdue' AND email_status <> 'none'",
        vec![coord2.into()],
    )
    .await;
    assert_eq!(coord2_visit_emails, 0, "coord2 turned these e-mails off");
    assert!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND kind = 'visit_overdue'",
            vec![coord2.into()]
        )
        .await
            > 0,
        "but still sees them in carelog"
    );
}
