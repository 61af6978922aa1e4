//! Generated tasks exactly once (twice in a row, two processes at once, catch-up after downtime),
//! their due dates, what reassignment and status changes do to them, and the schedules page.

use carelog_domain::practice_time::{YearMonth, local_date};
use carelog_domain::schedule::{monthly_due_date, plan_month, plan_week};
use chrono::{Datelike, NaiveDate, Utc};
use reqwest::StatusCode;

use crate::helpers::{TestApp, run_carelog, spawn_app};

const TZ: chrono_tz::Tz = chrono_tz::America::Los_Angeles;

async fn task_count(app: &TestApp, period: &str) -> i64 {
    app.store
        .scalar_for_test(
            "SELECT COUNT(*) AS n FROM generated_tasks WHERE period_key = $1",
            vec![period.into()],
        )
        .await
        .unwrap()
}

async fn expected_for(app: &TestApp, date: NaiveDate) -> (usize, usize) {
    let schedules = app.store.active_schedules().await.unwrap();
    let month =
        plan_month(YearMonth::of(date), &schedules, &app.store.caseload_patients().await.unwrap())
            .len();
    let week =
        plan_week(date, &schedules, &app.store.active_coordinator_ids().await.unwrap()).len();
    (month, week)
}

#[tokio::test]
async fn running_generation_twice_creates_nothing_the_second_time() {
    let app = spawn_app().await;
    let today = local_date(Utc::now(), TZ);
    let key = YearMonth::of(today).to_string();
    let before = task_count(&app, &key).await;
    assert_eq!(
        before as usize,
        expected_for(&app, today).await.0,
        "start-up generated this month's tasks once"
    );
    assert_eq!(carelog_app::upkeep::generate_tasks(&app.store, today).await.unwrap(), 0);
    assert_eq!(task_count(&app, &key).await, before);
}

#[tokio::test]
async fn two_processes_generating_the_same_month_at_once_create_each_task_once() {
    let app = spawn_app().await;
    let date = YearMonth::of(local_date(Utc::now(), TZ)).next().next().first_day();
    let date_arg = date.to_string();
    let args = ["generate", "--date", &date_arg];
    let (a, b) =
        tokio::join!(run_carelog(&app.database_url, &args), run_carelog(&app.database_url, &args));
    assert!(a.status.success() && b.status.success());
    let created = |out: &std::process::Output| {
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .nth(1)
            .unwrap()
            .parse::<usize>()
            .unwrap()
    };
    let (month, week) = expected_for(&app, date).await;
    assert_eq!(
        created(&a) + created(&b),
        month + week,
        "between them the two runs created each task exactly once"
    );
    assert_eq!(task_count(&app, &YearMonth::of(date).to_string()).await as usize, month);
    let duplicates = app
        .store
        .scalar_for_test(
            "SELECT COUNT(*) AS n FROM (SELECT schedule_id, subject_key, period_key FROM generated_tasks GROUP BY schedule_id, subject_key, period_key HAVING COUNT(*) > 1) d",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(duplicates, 0);
}

#[tokio::test]
async fn a_server_back_after_downtime_catches_up_with_the_due_dates_of_that_month() {
    let app = spawn_app().await;
    // February 2027: the 7th is a Sunday, the 15th a Monday, the 20th a Saturday.
    let date = NaiveDate::from_ymd_opt(2027, 2, 3).unwrap();
    assert_eq!(task_count(&app, "2027-02").await, 0);
    let created = carelog_app::upkeep::generate_tasks(&app.store, date).await.unwrap();
    let (month, week) = expected_for(&app, date).await;
    assert_eq!(created as usize, month + week);
    for schedule in
        app.store.schedules().await.unwrap().into_iter().filter(|s| {
            s.frequency.key() == "monthly" && s.applies_to.key() != "care_plan_review_due"
        })
    {
        let due = app
            .store
            .scalar_for_test(
                "SELECT COUNT(*) AS n FROM generated_tasks WHERE schedule_id = $1 AND period_key = '2027-02' AND due_date <> $2",
                vec![
                    schedule.id.into(),
                    monthly_due_date(YearMonth { year: 2027, month: 2 }, schedule.day_of_month.unwrap() as u32).into(),
                ],
            )
            .await
            .unwrap();
        assert_eq!(
            due, 0,
            "{} tasks fall due on the schedule's (weekday-adjusted) day",
            schedule.task_type
        );
    }
    assert_eq!(monthly_due_date(YearMonth { year: 2027, month: 2 }, 7).day(), 5);
    assert_eq!(monthly_due_date(YearMonth { year: 2027, month: 2 }, 20).day(), 19);
    let weekly = app
        .store
        .scalar_for_test(
            "SELECT COUNT(*) AS n FROM generated_tasks WHERE period_key = '2027-W05'",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(weekly as usize, week);
}

#[tokio::test]
async fn reassigning_a_patient_moves_only_their_open_tasks() {
    let app = spawn_app().await;
    let (from, to) = (app.user_id("coord1").await, app.user_id("coord2").await);
    let patient = app.own_patient("coord1").await;
    let open_before = app
        .store
        .scalar_for_test("SELECT COUNT(*) AS n FROM generated_tasks WHERE patient_id = $1 AND status = 'pending'", vec![patient.into()])
        .await
        .unwrap();
    let done_before = app
        .store
        .scalar_for_test(
            "SELECT COUNT(*) AS n FROM generated_tasks WHERE patient_id = $1 AND status = 'completed' AND coordinator_id = $2",
            vec![patient.into(), from.into()],
        )
        .await
        .unwrap();
    let (manager, _) = app.sign_in("manager1").await;
    let (status, page) = app
        .post_form(
            &manager,
            &format!("/patients/{patient}/assign"),
            &[("coordinator", &to.to_string()), ("rationale", "Spanish speaker")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("{open_before} open tasks moved with the patient")), "{page}");
    assert_eq!(
        app.store.patient_coordinator(patient).await.unwrap(),
        Some(carelog_store::CareOwner::Coordinator(to))
    );
    let moved = app
        .store
        .scalar_for_test(
            "SELECT COUNT(*) AS n FROM generated_tasks WHERE patient_id = $1 AND status = 'pending' AND coordinator_id = $2",
            vec![patient.into(), to.into()],
        )
        .await
        .unwrap();
    assert_eq!(moved, open_before);
    let kept = app
        .store
        .scalar_for_test(
            "SELECT COUNT(*) AS n FROM generated_tasks WHERE patient_id = $1 AND status = 'completed' AND coordinator_id = $2",
            vec![patient.into(), from.into()],
        )
        .await
        .unwrap();
    assert_eq!(kept, done_before, "completed tasks stay with who did them");
    let (coordinator, _) = app.sign_in("coord1").await;
    assert_eq!(
        app.post_form(
            &coordinator,
            &format!("/patients/{patient}/assign"),
            &[("coordinator", &from.to_string())]
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_inactive_or_deceased_patient_has_open_tasks_cancelled_and_history_kept() {
    let app = spawn_app().await;
    let patient = app.own_patient("coord1").await;
    let open = app
        .store
        .scalar_for_test("SELECT COUNT(*) AS n FROM generated_tasks WHERE patient_id = $1 AND status = 'pending'", vec![patient.into()])
        .await
        .unwrap();
    let entries = app
        .store
        .scalar_for_test(
            "SELECT COUNT(*) AS n FROM coordinator_task_log WHERE patient_id = $1",
            vec![patient.into()],
        )
        .await
        .unwrap();
    let (manager, _) = app.sign_in("manager1").await;
    let (status, page) = app
        .post_form(&manager, &format!("/patients/{patient}/status"), &[("status", "Deceased")])
        .await;
    assert_eq!(status, StatusCode::OK);
    if open > 0 {
        assert!(page.contains(&format!("{open} open tasks were cancelled")), "{page}");
    }
    assert_eq!(
        app.store
            .scalar_for_test("SELECT COUNT(*) AS n FROM generated_tasks WHERE patient_id = $1 AND status = 'pending'", vec![patient.into()])
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        app.store
            .scalar_for_test(
                "SELECT COUNT(*) AS n FROM generated_tasks WHERE patient_id = $1 AND status = 'cancelled'",
                vec![patient.into()]
            )
            .await
            .unwrap(),
        open
    );
    assert_eq!(
        app.store
            .scalar_for_test(
                "SELECT COUNT(*) AS n FROM coordinator_task_log WHERE patient_id = $1",
                vec![patient.into()]
            )
            .await
            .unwrap(),
        entries
    );
    // The next generation leaves them out.
    carelog_app::upkeep::generate_tasks(&app.store, local_date(Utc::now(), TZ)).await.unwrap();
    assert_eq!(
        app.store
            .scalar_for_test("SELECT COUNT(*) AS n FROM generated_tasks WHERE patient_id = $1 AND status = 'pending'", vec![patient.into()])
            .await
            .unwrap(),
        0
    );
    let (status, page) = app
        .post_form(&manager, &format!("/patients/{patient}/status"), &[("status", "Gone")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("is not one of Active, Inactive, Deceased"));
}

#[tokio::test]
async fn admins_edit_schedules_under_validation_and_others_cannot() {
    let app = spawn_app().await;
    let (admin, _) = app.sign_in("admin").await;
    let schedule = app
        .store
        .schedules()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.task_type == "Patient Insurance Verification")
        .unwrap();
    let path = format!("/admin/schedules/{}", schedule.id);
    let task_type = schedule.task_type_id.to_string();
    let base = |day: &'static str, minutes: &'static str| {
        vec![
            ("task_type", task_type.clone()),
            ("frequency", "monthly".into()),
            ("day", day.into()),
            ("estimated_minutes", minutes.into()),
            ("priority", "High".into()),
            ("applies_to", "all_patients".into()),
            ("active", "1".into()),
        ]
    };
    let as_refs = |v: &Vec<(&'static str, String)>| {
        v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>()
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let (admin, app) = (admin.clone(), &app);
        let path = path.clone();
        async move {
            let borrowed: Vec<(&str, &str)> =
                fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form(&admin, &path, &borrowed).await
        }
    };
    let (status, page) = post(as_refs(&base("32", "15"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("a monthly task is due on a day of the month, 1 to 31; &#34;32&#34; is not")
            || page.contains("1 to 31"),
        "{page}"
    );
    let (status, page) = post(as_refs(&base("10", "0"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("estimated minutes: must be a whole number from 1 to 120"));
    let (status, _) = post(as_refs(&base("10", "20"))).await;
    assert_eq!(status, StatusCode::OK);
    let saved =
        app.store.schedules().await.unwrap().into_iter().find(|s| s.id == schedule.id).unwrap();
    assert_eq!((saved.day_of_month, saved.estimated_minutes), (Some(10), 20));
    let events = app
        .store
        .audit_events(
            &carelog_store::AuditFilter {
                action_prefix: Some("schedule.".into()),
                ..Default::default()
            },
            5,
            0,
        )
        .await
        .unwrap()
        .events;
    assert!(events[0].detail.contains("day 10, 20 min"));
    // A second schedule with the same type, frequency and subjects is refused by name.
    let token = app.token(&admin, "/admin/schedules").await;
    let mut fields = vec![("_csrf", token.as_str())];
    let dup = base("12", "15");
    fields.extend(dup.iter().map(|(k, v)| (*k, v.as_str())));
    let r = admin.post(app.url("/admin/schedules")).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("already exists"));
    let (manager, _) = app.sign_in("manager1").await;
    assert_eq!(
        manager.get(app.url("/admin/schedules")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let (status, _) = app.post_form(&manager, &path, &[("day", "3")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A time zone whose clock reads 14:00 to 14:59 now, so the morning jobs are due in it.
fn a_zone_in_daytime() -> chrono_tz::Tz {
    use chrono::Timelike;
    let utc_hour = i64::from(Utc::now().hour());
    // 14:00 there: from 14 hours ahead of UTC (at 00:00 UTC) to 9 behind (at 23:00 UTC). Etc/GMT-N
    // is N hours ahead (the sign is POSIX's).
    let ahead = 14 - utc_hour;
    let name = match ahead {
        0 => "Etc/GMT".to_owned(),
        n if n > 0 => format!("Etc/GMT-{n}"),
        n => format!("Etc/GMT+{}", -n),
    };
    name.parse().unwrap()
}

/// Two `carelog serve` processes on one empty database at the same moment: one loads the practice,
/// the other waits for the whole of it before it serves or runs a job, both generate at start, and
/// every task and notification exists once. No alert says a patient had no activity while the
/// patient's logged time says otherwise (a server that ran its jobs mid-load said so of hundreds).
#[tokio::test]
async fn two_servers_starting_together_on_one_empty_database_do_everything_once() {
    let dir = tempfile::tempdir().unwrap();
    let (url, postgres) = crate::helpers::fresh_database(&dir).await;
    let tz = a_zone_in_daytime();
    let servers =
        crate::helpers::ServerProcess::start_together(2, &url, &[("CARELOG_TZ", tz.name())]);
    let store = carelog_store::Store::connect(&url).await.unwrap();
    // Both servers answer, on the one database.
    for server in &servers {
        let health = reqwest::get(server.url("/healthz")).await.unwrap();
        assert_eq!(health.status(), StatusCode::OK);
    }
    assert_eq!(
        store.list_patients(None).await.unwrap().len(),
        300,
        "the demo practice was loaded once"
    );
    assert_eq!(store.count_users().await.unwrap(), 11);
    let today = local_date(Utc::now(), tz);
    let key = YearMonth::of(today).to_string();
    let schedules = store.active_schedules().await.unwrap();
    let expected =
        plan_month(YearMonth::of(today), &schedules, &store.caseload_patients().await.unwrap())
            .len() as i64;
    let mut generated = 0;
    for _ in 0..100 {
        generated = store
            .scalar_for_test(
                "SELECT COUNT(*) AS n FROM generated_tasks WHERE period_key = $1",
                vec![key.clone().into()],
            )
            .await
            .unwrap();
        if generated >= expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(generated, expected, "both servers generated at start; each task exists once");
    let mut daily_run_done = 0;
    for _ in 0..100 {
        daily_run_done = store
            .scalar_for_test(
                "SELECT COUNT(*) AS n FROM job_runs WHERE job = 'daily-reminders' AND finished_at IS NOT NULL",
                vec![],
            )
            .await
            .unwrap();
        if daily_run_done == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(daily_run_done, 1, "one server ran the morning alerts");
    let since = chrono::SubsecRound::trunc_subsecs(Utc::now() - chrono::Duration::days(29), 0);
    let contradicted = store
        .scalar_for_test(
            "SELECT COUNT(*) AS n FROM notifications n WHERE n.kind = 'no_activity' AND EXISTS (
               SELECT 1 FROM coordinator_task_log l
               WHERE n.link = '/patients/' || CAST(l.patient_id AS TEXT) AND l.task_at >= $1)",
            vec![since.into()],
        )
        .await
        .unwrap();
    assert_eq!(contradicted, 0, "no patient with time logged in 29 days is called inactive");
    drop(servers);
    store.close().await.unwrap();
    if let Some((server, name)) = postgres {
        carelog_store::testing::drop_postgres_database(&server, &name).await.unwrap();
    }
}

#[tokio::test]
async fn a_care_plan_due_for_review_in_the_month_gets_a_review_task_on_its_date() {
    let app = spawn_app().await;
    let patient = app.own_patient("coord1").await;
    let review_on = NaiveDate::from_ymd_opt(2027, 2, 16).unwrap();
    let changed = app
        .store
        .exec_for_test(
            "UPDATE care_plan_versions SET next_review_on = $2 WHERE patient_id = $1 AND state = 'Active'",
            vec![patient.into(), review_on.into()],
        )
        .await
        .unwrap();
    assert_eq!(changed, 1, "the demo patient has an active plan");
    let review = "SELECT COUNT(*) AS n FROM generated_tasks g JOIN task_types t ON t.id = g.task_type_id
                  WHERE t.name = 'Care Plan: Scheduled Review' AND g.patient_id = $1 AND g.period_key = $2 AND g.due_date = $3";
    let count = |month: &'static str| {
        app.store.scalar_for_test(review, vec![patient.into(), month.into(), review_on.into()])
    };
    carelog_app::upkeep::generate_tasks(&app.store, NaiveDate::from_ymd_opt(2027, 1, 5).unwrap())
        .await
        .unwrap();
    assert_eq!(count("2027-01").await.unwrap(), 0, "not before the month of the review");
    carelog_app::upkeep::generate_tasks(&app.store, NaiveDate::from_ymd_opt(2027, 2, 3).unwrap())
        .await
        .unwrap();
    assert_eq!(count("2027-02").await.unwrap(), 1);
}
