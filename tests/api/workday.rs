//! The coordinator's day over HTTP (issue 21): the timer started from anywhere and shown everywhere,
//! sessions kept alive and returned to, hard rules before confirmations, a worklist that follows
//! the filters and pages.

use carelog_domain::practice_time::{day_range, local_date};
use chrono::Utc;
use reqwest::StatusCode;

use crate::helpers::{csrf_token, spawn_app};

const TZ: chrono_tz::Tz = chrono_tz::America::Los_Angeles;

#[tokio::test]
async fn a_timer_started_from_a_panel_row_returns_there_and_shows_in_every_header() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await.to_string();
    let panel = client.get(app.url("/panel")).send().await.unwrap().text().await.unwrap();
    assert!(panel.contains("data-testid=\"row-timer\""), "each row offers the timer");
    assert!(!panel.contains("data-testid=\"header-timer\""));
    let token = csrf_token(&panel);
    let r = client
        .post(app.url("/timer/start"))
        .form(&[("_csrf", token.as_str()), ("patient", &patient), ("back", "/panel?sort=name")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().path(), "/panel", "back where it was started");
    assert_eq!(r.url().query(), Some("sort=name"));
    for page in ["/panel", "/tasks", "/notifications", &format!("/patients/{patient}")] {
        let body = client.get(app.url(page)).send().await.unwrap().text().await.unwrap();
        assert!(body.contains("data-testid=\"header-timer\""), "{page}");
    }
    let record = client
        .get(app.url(&format!("/patients/{patient}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(record.contains("data-testid=\"record-timing\""), "the record says it is being timed");
    // Eight minutes later the stop fills the form with the patient and leaves the type to choose.
    let me = app.user_id("coord1").await;
    let started = Utc::now() - chrono::Duration::seconds(480);
    app.store
        .exec_for_test(
            "UPDATE task_timers SET started_at = $1 WHERE user_id = $2",
            vec![started.into(), me.into()],
        )
        .await
        .unwrap();
    let (status, form) = app.post_form(&client, "/timer/stop", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let selected = format!("<option value=\"{patient}\" selected>");
    assert!(form.contains(&selected), "the patient is chosen");
    assert!(form.contains("name=\"minutes\" type=\"number\"") && form.contains("value=\"8\""));
    assert!(form.contains("data-testid=\"entry-type\" autofocus"), "the task type is next");
}

#[tokio::test]
async fn the_timer_refuses_types_without_minutes_and_needs_a_patient_or_a_type() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await.to_string();
    let stat = app.task_type_id("Stat: Last ER/HOSP (yymm)").await.to_string();
    let (status, page) = app
        .post_form(&client, "/timer/start", &[("patient", &patient), ("task_type", &stat)])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("records no minutes, so there is nothing to time"));
    let (status, page) = app.post_form(&client, "/timer/start", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("choose a patient or a task type"));
    let timers = app.store.scalar_for_test("SELECT COUNT(*) AS n FROM task_timers", vec![]).await;
    assert_eq!(timers.unwrap(), 0, "nothing started");
}

#[tokio::test]
async fn stay_signed_in_answers_only_a_live_session() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let r = client.get(app.url("/session/alive")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let page = client.get(app.url("/tasks")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-idle-seconds=\"900\""), "the browser knows when to warn");

    // Without a session the answer is the sign-in page, never 204.
    let quiet = app.browser_no_redirects();
    let r = quiet.get(app.url("/session/alive")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_expired_session_sends_a_form_back_to_the_page_it_was_on() {
    let app = spawn_app().await;
    let (client, page) = app.sign_in("coord1").await;
    let token = csrf_token(&page);
    app.age_sessions("coord1", chrono::Duration::minutes(16)).await;
    let patient = app.own_patient("coord1").await;
    let r = client
        .post(app.url(&format!("/patients/{patient}/entries")))
        .header("referer", app.url(&format!("/patients/{patient}?from=panel#quick-entry")))
        .form(&[("_csrf", token.as_str()), ("minutes", "10")])
        .send()
        .await
        .unwrap();
    // Followed to the sign-in page, which keeps where to return.
    assert_eq!(r.url().path(), "/login");
    let query = r.url().query().unwrap_or_default().to_owned();
    let next = format!("next=%2Fpatients%2F{patient}%3Ffrom%3Dpanel");
    assert!(query.contains(&next) && query.contains("expired=1"), "{query}");
}

#[tokio::test]
async fn the_daily_cap_is_told_before_an_above_average_confirmation() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let me = app.user_id("coord1").await;
    let patient = app.own_patient("coord1").await.to_string();
    let general = app.task_type_id("Care Coordination: General").await.to_string();
    let today = local_date(Utc::now(), TZ);
    let logged = || async { app.store.logged_in(me, day_range(today, TZ)).await.unwrap().minutes };
    // Fill the day to 370 minutes with confirmed entries.
    let mut remaining = 370 - logged().await;
    assert!(remaining >= 5, "the demo leaves room today");
    let mut n = 0;
    while remaining >= 5 {
        let piece =
            if remaining > 120 && remaining - 120 < 5 { remaining - 5 } else { remaining.min(120) };
        n += 1;
        let (minutes, notes) = (piece.to_string(), format!("filling the day {n}"));
        let fields = [
            ("patient", patient.as_str()),
            ("task_type", &general),
            ("minutes", &minutes),
            ("notes", &notes),
            ("confirm", "1"),
        ];
        let (status, body) = app.post_form(&client, "/tasks", &fields).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        remaining -= piece;
    }
    let room = 480 - logged().await;
    let too_many = (room + 5).to_string();
    let before = app.entry_count("coord1").await;
    let fields = [("patient", patient.as_str()), ("task_type", &general), ("minutes", &too_many)];
    let (status, body) = app.post_form(&client, "/tasks", &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains(&format!("so this entry can be at most {room} minutes")), "{body}");
    assert!(!body.contains("data-testid=\"entry-confirm\""), "no confirmation of a refused figure");
    assert_eq!(app.entry_count("coord1").await, before);
}

#[tokio::test]
async fn the_patient_filter_narrows_the_worklist_and_long_lists_page() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let me = app.user_id("coord1").await;
    let get = |path: String| {
        let (client, url) = (client.clone(), app.url(&path));
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let pending = app.store.pending_tasks(me).await.unwrap();
    let page = get("/tasks".into()).await;
    assert!(page.contains(&format!("Generated tasks to complete ({})", pending.len())));
    assert!(pending.len() > 10, "the demo has more than a page");
    assert!(page.contains(&format!("1–10 of {}", pending.len())));
    assert_eq!(page.matches("href=\"/tasks/generated/").count(), 10, "ten a page");
    let second = get("/tasks?tasks_page=2".into()).await;
    assert!(second.contains(&format!("11–{} of {}", pending.len().min(20), pending.len())));
    let first_id = pending[0].id;
    assert!(!second.contains(&format!("href=\"/tasks/generated/{first_id}\"")));

    let patient = pending.iter().find_map(|g| g.patient_id).unwrap();
    let theirs = pending.iter().filter(|g| g.patient_id == Some(patient)).count();
    let narrowed = get(format!("/tasks?patient={patient}")).await;
    assert!(narrowed.contains(&format!("Generated tasks to complete ({theirs})")), "{theirs}");
    let others = pending.iter().filter(|g| g.patient_id != Some(patient));
    for g in others {
        assert!(!narrowed.contains(&format!("href=\"/tasks/generated/{}\"", g.id)));
    }
}

/// One of coord1's pending generated tasks for a patient this month that `fits`.
async fn pending_this_month(
    app: &crate::helpers::TestApp,
    fits: impl Fn(&carelog_store::GeneratedRow) -> bool,
) -> carelog_store::GeneratedRow {
    let me = app.user_id("coord1").await;
    let month =
        carelog_domain::practice_time::YearMonth::of(local_date(Utc::now(), TZ)).to_string();
    let pending = app.store.pending_tasks(me).await.unwrap();
    pending
        .into_iter()
        .find(|g| g.patient_id.is_some() && g.period_key == month && fits(g))
        .expect("the demo has a pending monthly task")
}

#[tokio::test]
async fn logging_a_type_by_hand_offers_to_complete_its_pending_generated_task() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let task = pending_this_month(&app, |_| true).await;
    let patient = task.patient_id.unwrap().to_string();
    let fields = [
        ("patient", patient.as_str()),
        ("task_type", &task.task_type_id.to_string()),
        ("minutes", "10"),
        ("notes", "did it by hand"),
        ("confirm", "1"),
    ];
    let (status, page) = app.post_form(&client, "/tasks", &fields).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-testid=\"completion-offer\""), "the offer is made");
    assert!(page.contains(&format!("name=\"task\" value=\"{}\"", task.id)));
    let entry = page.split("/delete\" class=\"inline\" data-undo").next().unwrap();
    let entry = entry.rsplit("/tasks/").next().unwrap().to_owned();
    let (status, page) = app
        .post_form(&client, &format!("/tasks/{entry}/completes"), &[("task", &task.id.to_string())])
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Its generated task is marked completed."));
    let done = app.store.generated_task(task.id).await.unwrap().unwrap();
    assert_eq!(done.status.key(), "completed");
    let linked = app.store.entry(carelog_domain::ids::EntryId::parse(&entry).unwrap()).await;
    assert_eq!(linked.unwrap().unwrap().generated_task_id, Some(task.id));
    // Twice, or another coordinator's: refused, nothing changes.
    let (status, _) = app
        .post_form(&client, &format!("/tasks/{entry}/completes"), &[("task", &task.id.to_string())])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (other, _) = app.sign_in("coord2").await;
    let (status, _) = app
        .post_form(&other, &format!("/tasks/{entry}/completes"), &[("task", &task.id.to_string())])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_records_quick_entry_offers_it_too_and_returns_to_the_record() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    // A type that stays on the record (care plan tasks lead on to the care plan).
    let task = pending_this_month(&app, |g| g.task_type == "Patient Insurance Verification").await;
    let patient = task.patient_id.unwrap();
    let fields = [
        ("task_type", task.task_type_id.to_string()),
        ("minutes", "10".to_owned()),
        ("confirm", "1".to_owned()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, page) =
        app.post_form(&client, &format!("/patients/{patient}/entries"), &fields).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-testid=\"completion-offer\""), "{page}");
    let entry = page.split("/completes\"").next().unwrap().rsplit("/tasks/").next().unwrap();
    let fields = [("task", task.id.to_string()), ("back", "record".to_owned())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = client
        .post(app.url(&format!("/tasks/{entry}/completes")))
        .form(
            &[[("_csrf", crate::helpers::csrf_token(&page).as_str())].as_slice(), &fields].concat(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().path(), format!("/patients/{patient}"));
    assert!(r.text().await.unwrap().contains("its generated task is marked completed"));
    let done = app.store.generated_task(task.id).await.unwrap().unwrap();
    assert_eq!(done.status.key(), "completed");
}

#[tokio::test]
async fn the_log_shows_stat_values_in_their_own_column_and_the_type_filter_is_grouped() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await.to_string();
    let stat = app.task_type_id("Stat: Last ER/HOSP (yymm)").await.to_string();
    let month = local_date(Utc::now(), TZ).format("%y%m").to_string();
    let fields = [("patient", patient.as_str()), ("task_type", &stat), ("value", &month)];
    let (status, page) = app.post_form(&client, "/tasks", &fields).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<th>Minutes</th><th>Stat value</th>"));
    let row =
        page.split("data-testid=\"just-saved\"").nth(1).unwrap().split("</tr>").next().unwrap();
    // Each cell after "<td": its attributes up to ">", then its content.
    let cells: Vec<String> = row
        .split("<td")
        .skip(1)
        .map(|c| crate::helpers::strip_tags(c.split_once('>').map_or("", |(_, content)| content)))
        .collect();
    let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
    assert_eq!(
        (cells[3], cells[4]),
        ("", month.as_str()),
        "minutes empty, the value in its column: {cells:?}"
    );
    let controls = page
        .split("data-testid=\"task-controls\"")
        .nth(1)
        .unwrap()
        .split("</form>")
        .next()
        .unwrap();
    assert!(
        controls.contains("<optgroup label=\"Statistical Tracking\">"),
        "the type filter is grouped"
    );
}
