//! "Saved" means committed: when the disk fills, an entry is either stored or refused, never
//! acknowledged and lost, and the server serves again by itself once there is room.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use carelog_store::Store;
use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_app_on};

/// Signs in `username` on a client that shows redirects instead of following them.
async fn sign_in_seeing_redirects(app: &TestApp, username: &str) -> reqwest::Client {
    let client = app.browser_no_redirects();
    app.post_login(&client, username, "demo").await;
    client
}

/// A refusal says why and that nothing was saved: 503 with the page of its own.
async fn assert_refused_honestly(response: reqwest::Response) {
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = response.text().await.unwrap();
    assert!(page.contains("Nothing was saved"), "{page}");
}

/// Posts one Stat entry for `patient` with `notes`; true when the answer acknowledged it as saved.
async fn post_entry(
    app: &TestApp,
    client: &reqwest::Client,
    (stat, patient): (&str, &str),
    notes: &str,
) -> bool {
    // Daily Tasks records its reading in the audit log: with a full disk it is refused too.
    let tasks = client.get(app.url("/tasks")).send().await.unwrap();
    if tasks.status() != StatusCode::OK {
        assert_refused_honestly(tasks).await;
        return false;
    }
    let token = crate::helpers::csrf_token(&tasks.text().await.unwrap());
    let form =
        [("_csrf", token.as_str()), ("task_type", stat), ("value", "2409"), ("notes", notes)];
    let mut fields = form.to_vec();
    fields.push(("patient", patient));
    let r = client.post(app.url("/tasks")).form(&fields).send().await.unwrap();
    let saved = r.status() == StatusCode::SEE_OTHER
        && r.headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .is_some_and(|l| l.contains("saved="));
    if !saved {
        assert_refused_honestly(r).await;
    }
    saved
}

#[tokio::test]
async fn a_full_disk_loses_no_acknowledged_entry_and_the_server_recovers_by_itself() {
    if std::env::var("CARELOG_TEST_PG").is_ok() {
        return; // SQLite's own file; PostgreSQL's disk is its server's.
    }
    let pages = Arc::new(AtomicU64::new(u64::from(u32::MAX)));
    let limit = Arc::clone(&pages);
    let app =
        spawn_app_on(
            |url| async move { Store::connect_with_page_limit(&url, limit).await.unwrap() },
        )
        .await;
    let client = sign_in_seeing_redirects(&app, "coord1").await;
    let stat = app.task_type_id("Stat: Last ER/HOSP (yymm)").await.to_string();
    let patient = app.own_patient("coord1").await.to_string();
    let entry = (stat.as_str(), patient.as_str());
    assert!(post_entry(&app, &client, entry, "before the disk fills").await);

    // The disk fills: the database may grow by one page, then no more.
    let used = app.store.scalar_for_test("SELECT page_count AS n FROM pragma_page_count()", vec![]);
    pages.store(used.await.unwrap() as u64 + 1, Ordering::SeqCst);
    let mut acknowledged = vec!["before the disk fills".to_owned()];
    let mut refused = 0;
    for i in 0..60 {
        let notes = format!("entry {i} while the disk fills");
        if post_entry(&app, &client, entry, &notes).await {
            acknowledged.push(notes);
        } else {
            refused += 1;
        }
    }
    assert!(refused > 0, "the disk never filled");
    let health = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(
        health.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "a full disk fails the health check"
    );

    // Space returns: the same server saves again, without a restart.
    pages.store(u64::from(u32::MAX), Ordering::SeqCst);
    let mut recovered = false;
    for i in 0..20 {
        let notes = format!("entry {i} after space returned");
        if post_entry(&app, &client, entry, &notes).await {
            acknowledged.push(notes);
            recovered = true;
        } else {
            refused += 1;
        }
    }
    assert!(recovered, "the server did not save again once space returned");
    eprintln!(
        "{} entries acknowledged, {refused} refused, with the disk full and after",
        acknowledged.len()
    );

    // The health check passes again (its probe is kept 2 s), ending the outage: each admin is told
    // once, with the number of requests refused.
    let mut healthy = false;
    for _ in 0..50 {
        if reqwest::get(app.url("/healthz")).await.unwrap().status() == StatusCode::OK {
            healthy = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(healthy, "the health check did not pass again once space returned");
    let told = |title: String| {
        app.store.scalar_for_test(
            "SELECT COUNT(*) AS n FROM notifications n JOIN users u ON u.id = n.user_id
             WHERE n.kind = 'saving_failed' AND u.role = 'admin' AND n.title LIKE $1",
            vec![title.into()],
        )
    };
    let refusals = if refused == 1 {
        "1 request was refused and not saved".to_owned()
    } else {
        format!("{refused} requests were refused and none was saved")
    };
    assert_eq!(told(format!("%: {refusals}")).await.unwrap(), 1);
    assert_eq!(told("%".into()).await.unwrap(), 1, "told once");

    // Every acknowledged entry is committed: another connection, as after a restart, finds it.
    let after_restart = Store::connect(&app.database_url).await.unwrap();
    crate::helpers::assert_each_stored_once(&after_restart, &acknowledged).await;
}
