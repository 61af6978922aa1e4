//! Tab 2 and the time entry rules over HTTP: every rule's message, the atomic daily cap, edits,
//! deletes, generated tasks, the timer and the quick entry on the patient record.

use carelog_domain::practice_time::{day_range, local_date};
use carelog_domain::time_rules::Minutes;
use carelog_store::AuditFilter;
use chrono::{Duration, NaiveDate, Utc};
use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_app};

const TZ: chrono_tz::Tz = chrono_tz::America::Los_Angeles;
const CALL: &str = "Communication: Phone";

fn today() -> NaiveDate {
    local_date(Utc::now(), TZ)
}

/// A day in the open period on which the coordinator has logged nothing.
async fn empty_day(app: &TestApp, username: &str) -> NaiveDate {
    let id = app.user_id(username).await;
    // From yesterday: nine o'clock today is still in the future early in the morning.
    let mut day = today() - Duration::days(1);
    loop {
        if app.store.logged_in(id, day_range(day, TZ)).await.unwrap().minutes == 0 {
            return day;
        }
        day -= Duration::days(1);
    }
}

fn at_nine(day: NaiveDate) -> String {
    format!("{day}T09:00")
}

#[tokio::test]
async fn a_logged_task_appears_in_tab_two_and_moves_the_header_and_the_panel() {
    let app = spawn_app().await;
    let (client, before) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await;
    let header = |page: &str| {
        page.split("Care time this month: ")
            .nth(1)
            .unwrap()
            .split(" min")
            .next()
            .unwrap()
            .parse::<i64>()
            .unwrap()
    };
    let panel_minutes = |page: &str| {
        crate::helpers::table_rows(page).into_iter().find(|(id, _)| *id == patient.get()).unwrap().1
            [5]
        .split_whitespace()
        .next()
        .unwrap()
        .parse::<i64>()
        .unwrap()
    };
    let panel_before = client.get(app.url("/panel")).send().await.unwrap().text().await.unwrap();
    let (status, page) = app
        .post_form(
            &client,
            "/tasks",
            &[
                ("patient", &patient.to_string()),
                ("task_type", &app.task_type_id(CALL).await.to_string()),
                ("minutes", "10"),
                ("notes", "Called about refill"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-testid=\"saved\"") && page.contains("Called about refill"));
    let highlighted =
        page.split("data-testid=\"just-saved\"").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(
        highlighted.contains("Called about refill"),
        "the new entry is highlighted: {highlighted}"
    );
    assert!(page.contains("data-testid=\"undo\""), "with Undo");
    assert_eq!(header(&page), header(&before) + 10);
    let panel_after = client.get(app.url("/panel")).send().await.unwrap().text().await.unwrap();
    assert_eq!(panel_minutes(&panel_after), panel_minutes(&panel_before) + 10);
    let events = app
        .store
        .audit_events(
            &AuditFilter {
                action_prefix: Some("task.create".into()),
                patient_id: Some(patient),
                ..Default::default()
            },
            5,
            0,
        )
        .await
        .unwrap()
        .events;
    assert!(events[0].detail.contains("10 min") && events[0].username == "coord1");
}

#[tokio::test]
async fn every_time_rule_refuses_with_its_message_and_changes_nothing() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await.to_string();
    let foreign = app
        .store
        .a_patient_not_assigned_to(app.user_id("coord1").await)
        .await
        .unwrap()
        .unwrap()
        .to_string();
    let call = app.task_type_id(CALL).await.to_string();
    let stat = app.task_type_id("Stat: Last ER/HOSP (yymm)").await.to_string();
    let no_show = app.task_type_id("Stat: NO SHOW NP/MD + Phone call (yymmdd)").await.to_string();
    let tomorrow = at_nine(today() + Duration::days(1));
    let long_ago = at_nine(today() - Duration::days(70));
    let long_notes = "x".repeat(2001);
    let next_year = (today() + Duration::days(366)).format("%y%m").to_string();
    let break_note = app.task_type_id("Staff Notes: Break").await.to_string();
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![("patient", &patient), ("task_type", &call), ("minutes", "4")],
            "Minimum 5 minutes per task: you entered 4.",
        ),
        (
            vec![("patient", &patient), ("task_type", &call), ("minutes", "121")],
            "Maximum 120 minutes per task: you entered 121.",
        ),
        (
            vec![("patient", &patient), ("task_type", &call), ("minutes", "")],
            "Time spent is required for this task type",
        ),
        (
            vec![("patient", &patient), ("task_type", &call), ("minutes", "ten")],
            "whole number of minutes",
        ),
        (vec![("patient", &patient), ("task_type", "")], "Task type: choose one"),
        (
            vec![("patient", ""), ("task_type", &call), ("minutes", "10")],
            "is logged against a patient; choose one",
        ),
        (
            vec![("patient", &foreign), ("task_type", &call), ("minutes", "10")],
            "choose one of your own patients",
        ),
        (
            vec![("patient", "999999"), ("task_type", &call), ("minutes", "10")],
            "choose one of your own patients",
        ),
        (vec![("patient", &patient), ("task_type", &stat), ("value", "2413")], "not a real month"),
        (
            vec![("patient", &patient), ("task_type", &stat), ("value", "24-1")],
            "Enter the value as yymm",
        ),
        (
            vec![("patient", &patient), ("task_type", &no_show), ("value", "250230")],
            "not a real date",
        ),
        (
            vec![("patient", &patient), ("task_type", &stat), ("value", "2409"), ("minutes", "15")],
            "records no minutes",
        ),
        // A last ER visit cannot lie in the future (issue 21: 2701 was accepted).
        (vec![("patient", &patient), ("task_type", &stat), ("value", &next_year)], "in the future"),
        (
            vec![("patient", &patient), ("task_type", &break_note)],
            "not a patient; leave Patient empty",
        ),
        (
            vec![
                ("patient", &patient),
                ("task_type", &call),
                ("minutes", "10"),
                ("when", &tomorrow),
            ],
            "cannot be logged in the future",
        ),
        (
            vec![
                ("patient", &patient),
                ("task_type", &call),
                ("minutes", "10"),
                ("when", &long_ago),
            ],
            "start of the open billing period",
        ),
        (
            vec![
                ("patient", &patient),
                ("task_type", &call),
                ("minutes", "10"),
                ("when", "yesterday"),
            ],
            "is not a date and time",
        ),
        (
            vec![
                ("patient", &patient),
                ("task_type", &call),
                ("minutes", "10"),
                ("notes", &long_notes),
            ],
            "at most 2000 characters",
        ),
    ];
    let before = app.entry_count("coord1").await;
    for (fields, message) in cases {
        let mut with_notes = fields.clone();
        if !fields.iter().any(|(k, _)| *k == "notes") {
            with_notes.push(("notes", "typed by hand"));
        }
        let (status, page) = app.post_form(&client, "/tasks", &with_notes).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        assert!(page.contains(message), "expected \"{message}\" for {fields:?}");
        if !fields.iter().any(|(k, _)| *k == "notes") {
            assert!(page.contains("typed by hand"), "the form keeps what was typed");
        }
    }
    assert_eq!(app.entry_count("coord1").await, before, "no refused entry was saved");
}

#[tokio::test]
async fn stat_and_staff_note_entries_carry_no_minutes() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await.to_string();
    let stat = app.task_type_id("Stat: Last OFFICE VISIT (yymm)").await.to_string();
    let (status, page) = app
        .post_form(
            &client,
            "/tasks",
            &[("patient", &patient), ("task_type", &stat), ("value", "2610")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let break_ = app.task_type_id("Staff Notes: Break").await.to_string();
    let (status, _) =
        app.post_form(&client, "/tasks", &[("task_type", &break_), ("notes", "coffee")]).await;
    assert_eq!(status, StatusCode::OK);
    let entries = app
        .store
        .entries(
            &carelog_store::EntryFilter {
                coordinator_id: Some(app.user_id("coord1").await),
                ..Default::default()
            },
            2,
        )
        .await
        .unwrap();
    assert!(entries.iter().all(|e| e.minutes.is_none()));
    assert!(entries.iter().any(|e| e.stat_value.as_deref() == Some("2610")));
    assert!(entries.iter().any(|e| e.patient_id.is_none() && e.task_type == "Staff Notes: Break"));
}

#[tokio::test]
async fn the_daily_cap_allows_exactly_480_minutes_and_names_the_figures() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord2").await;
    let day = empty_day(&app, "coord2").await;
    let patient = app.own_patient("coord2").await.to_string();
    let call = app.task_type_id(CALL).await.to_string();
    for i in 0..4 {
        let notes = format!("block {i}");
        let (status, page) = app
            .post_form(
                &client,
                "/tasks",
                &[
                    ("patient", &patient),
                    ("task_type", &call),
                    ("minutes", "120"),
                    ("confirm", "1"),
                    ("notes", &notes),
                    ("when", &at_nine(day)),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
    }
    let (status, page) = app
        .post_form(
            &client,
            "/tasks",
            &[
                ("patient", &patient),
                ("task_type", &call),
                ("minutes", "5"),
                ("when", &at_nine(day)),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(&format!(
            "Daily limit is 480 minutes: 480 are already logged on {day}, so this entry can be at most 0 minutes (you entered 5)."
        )),
        "{page}"
    );
}

#[tokio::test]
async fn twenty_concurrent_posts_never_pass_480_minutes() {
    let app = spawn_app().await;
    let (client, page) = app.sign_in("coord3").await;
    let token = crate::helpers::csrf_token(&page);
    let day = empty_day(&app, "coord3").await;
    let patient = app.own_patient("coord3").await.to_string();
    let call = app.task_type_id(CALL).await.to_string();
    let mut posts = Vec::new();
    for i in 0..20 {
        let (client, url) = (client.clone(), app.url("/tasks"));
        let fields: Vec<(String, String)> = vec![
            ("_csrf".into(), token.clone()),
            ("patient".into(), patient.clone()),
            ("task_type".into(), call.clone()),
            ("minutes".into(), "30".into()),
            ("confirm".into(), "1".into()),
            ("notes".into(), format!("concurrent {i}")),
            ("when".into(), at_nine(day)),
        ];
        posts.push(tokio::spawn(async move {
            client.post(url).form(&fields).send().await.unwrap().status()
        }));
    }
    let mut saved = 0;
    for p in posts {
        if p.await.unwrap() == StatusCode::OK {
            saved += 1;
        }
    }
    let minutes =
        app.store.logged_in(app.user_id("coord3").await, day_range(day, TZ)).await.unwrap().minutes;
    assert_eq!(saved, 16, "480 / 30 entries fit");
    assert_eq!(minutes, 480);
}

#[tokio::test]
async fn time_well_above_average_needs_confirmation_and_is_recorded_as_confirmed() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await.to_string();
    let call = app.task_type_id(CALL).await;
    let average = app
        .figures
        .task_type_average(call, Utc::now())
        .await
        .unwrap()
        .expect("the demo has phone calls");
    let minutes = ((average * 2.0).floor() as i64 + 1).to_string();
    assert!(minutes.parse::<i64>().unwrap() <= 120);
    let before = app.entry_count("coord1").await;
    let (status, page) = app
        .post_form(
            &client,
            "/tasks",
            &[
                ("patient", &patient),
                ("task_type", &call.to_string()),
                ("minutes", &minutes),
                ("notes", "long call"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("more than twice the usual time")
            && page.contains(&format!("{average:.0} minutes")),
        "{page}"
    );
    assert!(page.contains("name=\"confirm\""));
    // The question sits beside Save and takes the focus (issue 21).
    let beside_save =
        page.split("data-testid=\"entry-confirm\"").nth(1).unwrap().split("</div>").next().unwrap();
    assert!(
        beside_save.contains("name=\"confirm\" value=\"1\" required autofocus"),
        "{beside_save}"
    );
    assert!(beside_save.contains("type=\"submit\""), "Save is in the same row: {beside_save}");
    assert_eq!(app.entry_count("coord1").await, before);
    let (status, _) = app
        .post_form(
            &client,
            "/tasks",
            &[
                ("patient", &patient),
                ("task_type", &call.to_string()),
                ("minutes", &minutes),
                ("notes", "long call"),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let confirmed = app
        .store
        .scalar_for_test(
            "SELECT COUNT(*) AS n FROM coordinator_task_log WHERE notes = 'long call' AND above_average_confirmed = TRUE",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(confirmed, 1);
}

#[tokio::test]
async fn the_same_entry_twice_within_two_minutes_is_refused_as_a_double_submit() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await.to_string();
    let call = app.task_type_id(CALL).await.to_string();
    let fields = [
        ("patient", patient.as_str()),
        ("task_type", call.as_str()),
        ("minutes", "10"),
        ("notes", "same"),
    ];
    assert_eq!(app.post_form(&client, "/tasks", &fields).await.0, StatusCode::OK);
    let before = app.entry_count("coord1").await;
    let (status, page) = app.post_form(&client, "/tasks", &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("double submit"));
    assert_eq!(app.entry_count("coord1").await, before);
    let (status, _) = app
        .post_form(
            &client,
            "/tasks",
            &[
                ("patient", &patient),
                ("task_type", &call),
                ("minutes", "10"),
                ("notes", "different"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn editing_and_deleting_an_entry_keeps_old_and_new_values_in_the_audit() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await;
    let call = app.task_type_id(CALL).await.to_string();
    app.post_form(
        &client,
        "/tasks",
        &[
            ("patient", &patient.to_string()),
            ("task_type", &call),
            ("minutes", "7"),
            ("notes", "first"),
        ],
    )
    .await;
    let entry = app
        .store
        .entries(
            &carelog_store::EntryFilter {
                coordinator_id: Some(app.user_id("coord1").await),
                ..Default::default()
            },
            1,
        )
        .await
        .unwrap()
        .remove(0);
    let edit = client
        .get(app.url(&format!("/tasks/{}/edit", entry.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(edit.contains("value=\"7\"") && edit.contains(">first</textarea>"));
    let when = crate::helpers::strip_tags(
        edit.split("name=\"when\" value=\"").nth(1).unwrap().split('"').next().unwrap(),
    );
    let (status, _) = app
        .post_form(
            &client,
            &format!("/tasks/{}", entry.id),
            &[
                ("patient", &patient.to_string()),
                ("task_type", &call),
                ("minutes", "9"),
                ("notes", "second"),
                ("when", &when),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.store.entry(entry.id).await.unwrap().unwrap().minutes.map(Minutes::get),
        Some(9)
    );
    let (status, page) = app
        .post_form(
            &client,
            &format!("/tasks/{}", entry.id),
            &[("patient", &patient.to_string()), ("task_type", &call), ("minutes", "200")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Maximum 120 minutes"));
    let (status, _) = app.post_form(&client, &format!("/tasks/{}/delete", entry.id), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(app.store.entry(entry.id).await.unwrap().is_none());
    let audit = app
        .store
        .audit_events(
            &AuditFilter {
                patient_id: Some(patient),
                action_prefix: Some("task.".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap()
        .events;
    let update = audit.iter().find(|e| e.action == "task.update").unwrap();
    assert!(
        update.detail.contains("before: Communication: Phone, 7 min")
            && update.detail.contains("after: Communication: Phone, 9 min"),
        "{}",
        update.detail
    );
    assert!(audit.iter().any(|e| e.action == "task.delete"
        && e.detail.contains("9 min")
        && e.detail.contains("second")));
}

#[tokio::test]
async fn foreign_patients_and_entries_are_refused_on_every_route() {
    let app = spawn_app().await;
    let (owner, _) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await;
    let call = app.task_type_id(CALL).await.to_string();
    app.post_form(
        &owner,
        "/tasks",
        &[
            ("patient", &patient.to_string()),
            ("task_type", &call),
            ("minutes", "9"),
            ("notes", "mine"),
        ],
    )
    .await;
    let entry = app
        .store
        .entries(
            &carelog_store::EntryFilter {
                coordinator_id: Some(app.user_id("coord1").await),
                ..Default::default()
            },
            1,
        )
        .await
        .unwrap()
        .remove(0);
    let task = app.store.pending_tasks(app.user_id("coord1").await).await.unwrap().remove(0);

    let (other, _) = app.sign_in("coord2").await;
    for path in [
        format!("/patients/{patient}"),
        format!("/patients/{patient}/history"),
        format!("/tasks/{}/edit", entry.id),
        format!("/tasks/generated/{}", task.id),
    ] {
        assert_eq!(
            other.get(app.url(&path)).send().await.unwrap().status(),
            StatusCode::NOT_FOUND,
            "GET {path}"
        );
    }
    let fields =
        [("patient", patient.to_string()), ("task_type", call.clone()), ("minutes", "9".into())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for path in [
        format!("/patients/{patient}/entries"),
        format!("/tasks/{}", entry.id),
        format!("/tasks/{}/delete", entry.id),
        format!("/tasks/generated/{}", task.id),
    ] {
        assert_eq!(
            app.post_form(&other, &path, &fields).await.0,
            StatusCode::NOT_FOUND,
            "POST {path}"
        );
    }
    let (status, page) = app
        .post_form(
            &other,
            "/timer/start",
            &[("patient", &patient.to_string()), ("task_type", &call)],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("one of your own patients"));
    let tab2 = other
        .get(app.url(&format!("/tasks?patient={patient}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!tab2.contains("mine</td>"), "a foreign patient filter shows nothing of theirs");
    assert!(app.store.entry(entry.id).await.unwrap().is_some(), "nothing was changed");
}

#[tokio::test]
async fn completing_a_generated_task_writes_the_entry_and_closes_the_task() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let me = app.user_id("coord1").await;
    let task = app
        .store
        .pending_tasks(me)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.patient_id.is_some())
        .expect("coord1 has open patient tasks");
    let form = client
        .get(app.url(&format!("/tasks/generated/{}", task.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains(&format!("Complete: {}", task.task_type)));
    // The estimate is a hint in the empty field, never a value (issue 21).
    assert!(
        form.contains(&format!("value=\"\" placeholder=\"est. {} min\"", task.estimated_minutes)),
        "{form}"
    );
    let (status, page) = app
        .post_form(
            &client,
            &format!("/tasks/generated/{}", task.id),
            &[("minutes", "10"), ("notes", "reviewed plan")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let done = app.store.generated_task(task.id).await.unwrap().unwrap();
    assert_eq!(done.status.key(), "completed");
    let entry = app
        .store
        .entries(&carelog_store::EntryFilter { coordinator_id: Some(me), ..Default::default() }, 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        (entry.generated_task_id, entry.minutes.map(Minutes::get), entry.patient_id),
        (Some(task.id), Some(10), task.patient_id)
    );
    assert!(!app.store.pending_tasks(me).await.unwrap().iter().any(|t| t.id == task.id));
    let again = client.get(app.url(&format!("/tasks/generated/{}", task.id))).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND, "a completed task cannot be completed again");
    // Deleting the entry reopens the task.
    app.post_form(&client, &format!("/tasks/{}/delete", entry.id), &[]).await;
    assert_eq!(app.store.generated_task(task.id).await.unwrap().unwrap().status.key(), "pending");
}

#[tokio::test]
async fn the_timer_survives_a_reload_and_its_minutes_fill_the_form() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await.to_string();
    let call = app.task_type_id(CALL).await.to_string();
    let (status, page) = app
        .post_form(&client, "/timer/start", &[("patient", &patient), ("task_type", &call)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-timer-start"));
    let reloaded = client.get(app.url("/tasks")).send().await.unwrap().text().await.unwrap();
    assert!(reloaded.contains("Stop &amp; log"), "still running after a reload");
    let stop = || async {
        let token = app.token(&client, "/tasks").await;
        let r = client
            .post(app.url("/timer/stop"))
            .form(&[("_csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        (r.url().to_string(), r.text().await.unwrap())
    };
    // Seconds on the timer are not five minutes (issue 21): it says so and keeps running.
    let (url, page) = stop().await;
    assert!(url.contains("timer_short=0"), "{url}");
    assert!(page.contains("under the 5-minute minimum") && page.contains("Stop &amp; log"));
    // 7 min 40 s: 8 minutes, at the timer's start.
    let me = app.user_id("coord1").await;
    // The running timer as if started `ago`; returns that start (to the second, as stored).
    let started_ago = |ago: Duration| {
        let store = app.store.clone();
        async move {
            let at = chrono::SubsecRound::trunc_subsecs(Utc::now() - ago, 0);
            store
                .exec_for_test(
                    "UPDATE task_timers SET started_at = $1 WHERE user_id = $2",
                    vec![at.into(), me.into()],
                )
                .await
                .unwrap();
            at
        }
    };
    let started = started_ago(Duration::seconds(460)).await;
    let (url, page) = stop().await;
    assert!(
        url.contains(&format!("new_patient={patient}"))
            && url.contains(&format!("new_type={call}"))
            && url.contains("new_minutes=8"),
        "{url}"
    );
    assert!(page.contains("value=\"8\""), "the add form is filled with the timed minutes");
    let start = carelog_web_when(started);
    assert!(page.contains(&format!("value=\"{start}\"")), "the entry's time is the start: {start}");
    assert!(!page.contains("Stop &amp; log"));
    // 250 minutes: three entries offered, the first filled in.
    app.post_form(&client, "/timer/start", &[("patient", &patient), ("task_type", &call)]).await;
    started_ago(Duration::minutes(250)).await;
    let (url, page) = stop().await;
    assert!(url.contains("new_minutes=84") && url.contains("timer_split=84,83,83"), "{url}");
    assert!(page.contains("log it as 3 entries of 84, 83, 83 minutes"), "{page}");
}

/// A time as the entry form's date/time field shows it, in the practice time zone.
fn carelog_web_when(at: chrono::DateTime<Utc>) -> String {
    at.with_timezone(&TZ).format("%Y-%m-%dT%H:%M").to_string()
}

#[tokio::test]
async fn quick_entry_on_the_record_saves_and_continues_or_closes() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await;
    let call = app.task_type_id(CALL).await.to_string();
    let path = format!("/patients/{patient}/entries");
    let (status, page) = app
        .post_form(
            &client,
            &path,
            &[
                ("task_type", &call),
                ("minutes", "8"),
                ("notes", "continue"),
                ("action", "continue"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Saved. Add another") && page.contains("Quick Task Entry"));
    let (status, page) = app
        .post_form(
            &client,
            &path,
            &[("task_type", &call), ("minutes", "9"), ("notes", "close"), ("action", "close")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-testid=\"patient-table\""), "Save & Close returns to the panel");
    let (status, page) = app
        .post_form(&client, &path, &[("task_type", &call), ("minutes", "3"), ("notes", "short")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Minimum 5 minutes") && page.contains(">short</textarea>"));
    let history = client
        .get(app.url(&format!("/patients/{patient}/history")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(history.contains("continue") && history.contains("close"));
}

#[tokio::test]
async fn tab_two_refuses_a_date_that_is_not_a_date_and_fills_in_now() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let r = client.get(app.url("/tasks?date=someday")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("use YYYY-MM-DD"));
    // Today the time is left empty: the entry is stamped when it is saved, not when the page loaded.
    let page = client.get(app.url("/tasks")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("name=\"when\" value=\"\""), "today's form leaves the time to the save");
    assert!(page.contains("Empty: when you save"));
    let earlier = client
        .get(app.url(&format!("/tasks?date={}", today() - Duration::days(1))))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        earlier.contains(&format!("value=\"{}T09:00\"", today() - Duration::days(1))),
        "a past day's form starts at 09:00 that day"
    );
}

#[tokio::test]
async fn a_nul_character_is_refused_with_a_plain_message_and_changes_nothing() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await.to_string();
    let call = app.task_type_id(CALL).await.to_string();
    let before = app.entry_count("coord1").await;
    let (status, page) = app
        .post_form(
            &client,
            "/tasks",
            &[
                ("patient", &patient),
                ("task_type", &call),
                ("minutes", "10"),
                ("notes", "bad\0byte"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("NUL character"));
    assert_eq!(app.entry_count("coord1").await, before);
    let r = client.get(app.url("/panel?q=a%00b")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let anonymous = app.browser();
    let page = app.post_login(&anonymous, "coord1\0", "demo").await;
    assert!(page.contains("NUL character"), "sign-in too");
}

#[tokio::test]
async fn the_patient_record_shows_this_months_minutes_from_the_log() {
    let app = spawn_app().await;
    let patient = app.own_patient("coord1").await;
    let month = carelog_domain::practice_time::month_range(
        carelog_domain::practice_time::YearMonth::of(today()),
        TZ,
    );
    let entries = app
        .store
        .entries(
            &carelog_store::EntryFilter {
                patient_id: Some(patient),
                range: Some(month),
                ..Default::default()
            },
            10_000,
        )
        .await
        .unwrap();
    let care: i64 = entries.iter().map(|e| e.care_minutes()).sum();
    let logged: i64 = entries.iter().filter_map(|e| e.minutes).map(i64::from).sum();
    let (client, _) = app.sign_in("coord1").await;
    let page = client
        .get(app.url(&format!("/patients/{patient}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let care_time = format!(
        "Care time this month: <span data-testid=\"patient-billable-minutes\">{care}</span> min"
    );
    assert!(page.contains(&care_time), "expected {care}");
    if logged != care {
        assert!(page.contains(&format!("(all logged: {logged} min)")), "expected {logged}");
    }
}

#[tokio::test]
async fn a_task_types_average_is_taken_up_to_the_start_of_the_hour_and_kept_for_it() {
    use chrono::{DurationRound, SubsecRound};
    let app = spawn_app().await;
    let call = app.task_type_id(CALL).await;
    let hour = Utc::now().duration_trunc(Duration::hours(1)).unwrap();
    let before = app.figures.task_type_average(call, hour).await.unwrap().unwrap();
    // A long call half an hour before the hour: inside the window of the hour after, not of this one.
    let inserted = app
        .store
        .exec_for_test(
            "INSERT INTO coordinator_task_log (coordinator_id, patient_id, task_type_id, task_category, minutes, stat_value, notes, task_at,
                 billing_year, billing_month, is_automated, above_average_confirmed, created_at, modified_at)
             SELECT coordinator_id, patient_id, task_type_id, task_category, 120, stat_value, 'long', $1, billing_year, billing_month,
                 is_automated, above_average_confirmed, created_at, modified_at FROM coordinator_task_log
             WHERE id = (SELECT MAX(id) FROM coordinator_task_log WHERE task_type_id = $2)",
            vec![(hour - Duration::minutes(30)).trunc_subsecs(0).into(), call.into()],
        )
        .await
        .unwrap();
    assert_eq!(inserted, 1);
    assert_eq!(
        app.figures.task_type_average(call, hour + Duration::minutes(59)).await.unwrap(),
        Some(before),
        "kept for the hour"
    );
    let next_hour =
        app.figures.task_type_average(call, hour + Duration::hours(1)).await.unwrap().unwrap();
    assert!(
        next_hour > before,
        "the next hour's window holds the long call: {next_hour} > {before}"
    );
}

/// The record's quick entry offers the same types Daily Tasks takes with a patient: Facility
/// Records reviews yes, Staff Notes no (issue 21).
#[tokio::test]
async fn the_quick_entry_offers_every_type_that_may_name_the_patient() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await;
    let page = client
        .get(app.url(&format!("/patients/{patient}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(">Facility Records - Hospital/ER Review<"), "reviews are offered");
    assert!(!page.contains(">Staff Notes: Break<"), "notes about one's own day are not");
}

/// A pending generated task is completed from the record; once completed, its line leads to the
/// patient's history, never to a page that answers Not found (issue 21).
#[tokio::test]
async fn the_record_completes_a_generated_task_and_then_links_its_entry() {
    let app = spawn_app().await;
    let me = app.user_id("coord1").await;
    let (client, _) = app.sign_in("coord1").await;
    let today = local_date(Utc::now(), TZ);
    let period = carelog_domain::practice_time::YearMonth::of(today).to_string();
    let task = app
        .store
        .pending_tasks(me)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.patient_id.is_some() && t.period_key == period)
        .expect("coord1 has a patient task this month");
    let patient = task.patient_id.unwrap();
    let record = |client: reqwest::Client| {
        let url = app.url(&format!("/patients/{patient}"));
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let page = record(client.clone()).await;
    assert!(page.contains(&format!("href=\"/tasks/generated/{}\">Complete<", task.id)), "{page}");
    let (status, _) = app
        .post_form(
            &client,
            &format!("/tasks/generated/{}", task.id),
            &[("minutes", "10"), ("notes", "done"), ("confirm", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let page = record(client).await;
    assert!(!page.contains(&format!("/tasks/generated/{}\"", task.id)));
    assert!(page.contains(&format!("href=\"/patients/{patient}/history\">Its entry<")), "{page}");
}

/// Time for an Inactive or Deceased patient asks first, then saves once confirmed (issue 21).
#[tokio::test]
async fn time_for_a_patient_no_longer_in_care_asks_first() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await;
    app.store
        .exec_for_test(
            "UPDATE patients SET status = 'Inactive' WHERE id = $1",
            vec![patient.into()],
        )
        .await
        .unwrap();
    let call = app.task_type_id(CALL).await.to_string();
    let before = app.entry_count("coord1").await;
    let fields = [("patient", patient.to_string()), ("task_type", call), ("minutes", "10".into())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, page) = app.post_form(&client, "/tasks", &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("is Inactive: time for a patient no longer in care"), "{page}");
    assert_eq!(app.entry_count("coord1").await, before, "nothing saved before the answer");
    let mut confirmed = fields.clone();
    confirmed.push(("confirm", "1"));
    let (status, _) = app.post_form(&client, "/tasks", &confirmed).await;
    assert!(status.is_success(), "{status}");
    assert_eq!(app.entry_count("coord1").await, before + 1);
}

/// The summary cards count the whole day and month; with a filter set they say so (issue 21).
#[tokio::test]
async fn the_cards_say_the_filters_do_not_apply_to_them() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await;
    let page = |query: String| {
        let (client, url) = (client.clone(), app.url(&format!("/tasks{query}")));
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    assert!(!page(String::new()).await.contains("data-testid=\"cards-scope\""));
    let filtered = page(format!("?patient={patient}")).await;
    assert!(filtered.contains("data-testid=\"cards-scope\""), "{filtered}");
    assert!(
        filtered
            .contains("These figures count your whole day and month, not only the filtered rows.")
    );
    assert!(
        filtered
            .contains("The filters narrow the log, the generated tasks and the needs-time list")
    );
}

/// Panel → Add Task lands on the task type (its patient is chosen already); a blank form on the
/// patient (issue 21).
#[tokio::test]
async fn the_add_form_focuses_its_first_empty_field() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await;
    let page = |query: String| {
        let (client, url) = (client.clone(), app.url(&format!("/tasks{query}")));
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let from_panel = page(format!("?new_patient={patient}")).await;
    assert!(from_panel.contains("data-testid=\"entry-type\" autofocus"), "{from_panel}");
    assert!(!from_panel.contains("data-testid=\"entry-patient\" autofocus"));
    let blank = page(String::new()).await;
    assert!(blank.contains("data-testid=\"entry-patient\" autofocus"));
    assert_eq!(blank.matches(" autofocus").count(), 1, "one field takes the focus");
}
