use std::time::Duration;

use carelog_store::AuditFilter;
use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn reading_a_patient_record_leaves_an_audit_event_with_who_and_where() {
    let app = spawn_app().await;
    let me = app.user_id("coord1").await;
    let patient = app.store.list_patients(Some(me)).await.unwrap()[0].id;
    let filter = AuditFilter {
        patient_id: Some(patient),
        action_prefix: Some("patient.view".into()),
        ..Default::default()
    };
    assert_eq!(app.store.audit_events(&filter, 10, 0).await.unwrap().total, 0);
    let (client, _) = app.sign_in("coord1").await;
    client.get(app.url(&format!("/patients/{patient}"))).send().await.unwrap();
    let carelog_store::AuditPage { events, total } =
        app.store.audit_events(&filter, 10, 0).await.unwrap();
    assert_eq!(total, 1);
    assert_eq!(events[0].username, "coord1");
    assert_eq!(events[0].address, "127.0.0.1");
}

#[tokio::test]
async fn a_refused_patient_read_is_not_recorded_as_a_read() {
    let app = spawn_app().await;
    let me = app.user_id("coord1").await;
    let foreign = app.store.a_patient_not_assigned_to(me).await.unwrap().unwrap();
    let (client, _) = app.sign_in("coord1").await;
    client.get(app.url(&format!("/patients/{foreign}"))).send().await.unwrap();
    let filter = AuditFilter {
        patient_id: Some(foreign),
        username: Some("coord1".into()),
        kind: Some(carelog_domain::audit_chain::AuditKind::Read),
        ..Default::default()
    };
    assert_eq!(app.store.audit_events(&filter, 10, 0).await.unwrap().total, 0);
    // It is recorded as what it was: a denial, naming the patient asked for.
    let denied =
        AuditFilter { kind: Some(carelog_domain::audit_chain::AuditKind::Denial), ..filter };
    let events = app.store.audit_events(&denied, 10, 0).await.unwrap().events;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].action, "denied.not_found");
}

#[tokio::test]
async fn sign_ins_failures_and_sign_outs_are_audited() {
    let app = spawn_app().await;
    let client = app.browser();
    app.post_login(&client, "coord1", "wrong").await;
    app.sign_in("coord1").await;
    let count = |action: &'static str| {
        let store = app.store.clone();
        async move {
            let f = AuditFilter {
                username: Some("coord1".into()),
                action_prefix: Some(action.into()),
                ..Default::default()
            };
            store
                .audit_events(&f, 50, 0)
                .await
                .unwrap()
                .events
                .into_iter()
                .filter(|e| e.action == action)
                .count()
        }
    };
    assert_eq!(count("login.failed").await, 1);
    assert_eq!(count("login").await, 1);
}

#[tokio::test]
async fn the_audit_log_cannot_be_rewritten_on_this_engine() {
    let app = spawn_app().await;
    app.sign_in("coord1").await;
    let err = app.store.try_tamper_with_audit_for_test().await.unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
}

#[tokio::test]
async fn admins_browse_and_filter_the_audit_log() {
    let app = spawn_app().await;
    let me = app.user_id("coord1").await;
    let patient = app.store.list_patients(Some(me)).await.unwrap()[0].id;
    let (coordinator, _) = app.sign_in("coord1").await;
    coordinator.get(app.url(&format!("/patients/{patient}"))).send().await.unwrap();
    let (admin, _) = app.sign_in("admin").await;
    let page = admin
        .get(app.url(&format!("/admin/audit?patient={patient}&action=patient.view")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("1 events"), "{page}");
    assert!(page.contains("patient.view") && page.contains("coord1"));
    let page = admin
        .get(app.url("/admin/audit?user=coord1&action=login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("1 events"));
    let r = admin.get(app.url("/admin/audit?from=yesterday")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("use YYYY-MM-DD"));
    let r = admin.get(app.url("/admin/audit?patient=abc")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_patient_panel_and_the_daily_tasks_leave_a_read_event_each_time_they_are_shown() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let count = |action: &'static str| {
        let store = app.store.clone();
        async move {
            let f = AuditFilter {
                username: Some("coord1".into()),
                action_prefix: Some(action.into()),
                ..Default::default()
            };
            store.audit_events(&f, 50, 0).await.unwrap().total
        }
    };
    for (path, action) in [("/panel", "panel.view"), ("/tasks", "tasks.view")] {
        let before = count(action).await;
        assert_eq!(client.get(app.url(path)).send().await.unwrap().status(), StatusCode::OK);
        client.get(app.url(path)).send().await.unwrap();
        assert_eq!(count(action).await, before + 2, "{action}");
    }
    let f = AuditFilter { action_prefix: Some("tasks.view".into()), ..Default::default() };
    let events = app.store.audit_events(&f, 1, 0).await.unwrap().events;
    assert!(events[0].detail.contains("pending tasks"), "{}", events[0].detail);
}

/// SQLite has one writer. A page view's audit event queues with every other write, first come first
/// served, instead of retrying in SQLite's busy handler, which sleeps up to 100 ms between tries while
/// later writers go first (the panel's p99 at 10 users: 73 ms before, 53 after, on a 2-core machine).
#[tokio::test]
async fn a_page_views_audit_event_waits_its_turn_with_the_other_writers() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let long_write = app.store.open_write_for_test().await.unwrap();
    let view = tokio::spawn({
        let url = app.url("/panel");
        async move { client.get(url).send().await.unwrap().status() }
    });
    // Long enough for the view to reach its audit event and, without a turn, to be deep in SQLite's backoff.
    tokio::time::sleep(Duration::from_millis(250)).await;
    let later_write = tokio::spawn({
        let store = app.store.clone();
        async move {
            store
                .exec_for_test(
                    "INSERT INTO audit_events (at, username, action) VALUES ($1, 'test', 'test.later')",
                    vec![chrono::Utc::now().into()],
                )
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    long_write.commit().await.unwrap();
    assert_eq!(view.await.unwrap(), StatusCode::OK);
    assert_eq!(later_write.await.unwrap().unwrap(), 1);

    let newest_first = app.store.audit_events(&AuditFilter::default(), 2, 0).await.unwrap().events;
    let actions: Vec<&str> = newest_first.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["panel.view", "test.later"], "written in the order they asked");
}

/// Denials are events of their own kind: a 403, a bad API token, a refused form; and the pages the
/// review found unaudited now leave a read event.
#[tokio::test]
async fn denials_and_every_patient_page_leave_events() {
    use carelog_domain::audit_chain::AuditKind;
    let app = spawn_app().await;
    let (coord, _) = app.sign_in("coord1").await;
    assert_eq!(
        coord.get(app.url("/billing")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let r = coord
        .post(app.url("/notifications/read"))
        .form(&[("_csrf", "forged"), ("id", "all")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = reqwest::Client::new()
        .get(app.url("/api/v1/patients"))
        .bearer_auth("clg_not_a_token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    coord.get(app.url("/notifications")).send().await.unwrap();
    let denials = AuditFilter { kind: Some(AuditKind::Denial), ..Default::default() };
    let actions: Vec<(String, String)> = app
        .store
        .audit_events(&denials, 10, 0)
        .await
        .unwrap()
        .events
        .into_iter()
        .map(|e| (e.action, e.username))
        .collect();
    for expected in
        [("denied.forbidden", "coord1"), ("denied.csrf", "coord1"), ("denied.token", "")]
    {
        assert!(
            actions.iter().any(|(a, u)| a == expected.0 && u == expected.1),
            "{expected:?} in {actions:?}"
        );
    }
    let (admin, _) = app.sign_in("admin").await;
    admin.get(app.url("/admin/audit")).send().await.unwrap();
    for action in ["notifications.view", "audit.view"] {
        let f = AuditFilter { action_prefix: Some(action.into()), ..Default::default() };
        assert_eq!(app.store.audit_events(&f, 10, 0).await.unwrap().total, 1, "{action}");
    }
}
