//! `kill -9` under write load: every entry the server acknowledged is stored after the restart, each
//! with its audit event, and the restarted server serves.

use std::time::Duration;

use carelog_store::Store;
use reqwest::StatusCode;

use crate::helpers::{ServerProcess, csrf_token, fresh_database};

const NOTE: &str = "written before the crash";

/// Signs `username` in and posts Stat entries for `patient` until the server stops answering;
/// returns the notes of those acknowledged as saved.
async fn write_until_killed(
    base: String,
    username: String,
    stat: String,
    patient: String,
) -> Vec<String> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = client.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
    let token = csrf_token(&login);
    let form = [("_csrf", token.as_str()), ("username", &username), ("password", "demo")];
    client.post(format!("{base}/login")).form(&form).send().await.unwrap();
    let Ok(page) = client.get(format!("{base}/tasks")).send().await else { return Vec::new() };
    let token = csrf_token(&page.text().await.unwrap_or_default());
    let mut acknowledged = Vec::new();
    for i in 0.. {
        let notes = format!("{NOTE}: {username} {i}");
        let form = [
            ("_csrf", token.as_str()),
            ("task_type", stat.as_str()),
            ("value", "2409"),
            ("notes", notes.as_str()),
            ("patient", patient.as_str()),
        ];
        let Ok(answer) = client.post(format!("{base}/tasks")).form(&form).send().await else {
            break; // the server is gone
        };
        let saved = answer.status() == StatusCode::SEE_OTHER
            && answer
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .is_some_and(|l| l.contains("saved="));
        if saved {
            acknowledged.push(notes);
        }
    }
    acknowledged
}

#[tokio::test]
async fn kill_9_under_write_load_loses_no_acknowledged_entry() {
    let dir = tempfile::tempdir().unwrap();
    let (url, postgres) = fresh_database(&dir).await;
    let mut server = ServerProcess::start(&url, &[]);
    let store = Store::connect(&url).await.unwrap();
    let stat = store.task_types().await.unwrap();
    let stat = stat.iter().find(|t| t.name == "Stat: Last ER/HOSP (yymm)").unwrap().id.to_string();
    let mut writers = Vec::new();
    for n in 1..=4 {
        let username = format!("coord{n}");
        let me = store.user_for_login(&username).await.unwrap().unwrap().user.id;
        let patients = store.list_patients(Some(me)).await.unwrap();
        let patient = patients.iter().find(|p| p.status.as_str() == "Active").unwrap().id;
        writers.push(tokio::spawn(write_until_killed(
            format!("http://{}", server.address),
            username,
            stat.clone(),
            patient.to_string(),
        )));
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.extend(writer.await.unwrap());
    }
    eprintln!("{} entries acknowledged before kill -9", acknowledged.len());
    assert!(acknowledged.len() > 20, "too few writes to mean anything: {}", acknowledged.len());
    store.close().await.unwrap();

    let restarted = ServerProcess::start(&url, &[]);
    let health = reqwest::get(restarted.url("/healthz")).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK, "the restarted server serves");
    let store = Store::connect(&url).await.unwrap();
    crate::helpers::assert_each_stored_once(&store, &acknowledged).await;
    // Each stored entry has its audit event: the same count per coordinator.
    let mismatched = store
        .scalar_for_test(
            "SELECT COUNT(*) AS n FROM users u WHERE u.username LIKE 'coord%' AND
               (SELECT COUNT(*) FROM coordinator_task_log l WHERE l.coordinator_id = u.id AND l.notes LIKE $1)
               <> (SELECT COUNT(*) FROM audit_events a WHERE a.user_id = u.id AND a.action = 'task.create')",
            vec![format!("{NOTE}%").into()],
        )
        .await
        .unwrap();
    assert_eq!(mismatched, 0, "an entry without its audit event, or an event without its entry");
    // The restart sealed whatever the killed server had committed but not yet linked.
    let unsealed = store.scalar_for_test("SELECT COUNT(*) AS n FROM audit_unsealed", vec![]).await;
    assert_eq!(unsealed.unwrap(), 0);
    let events = store.scalar_for_test("SELECT COUNT(*) AS n FROM audit_events", vec![]).await;
    let links = store.scalar_for_test("SELECT COUNT(*) AS n FROM audit_chain", vec![]).await;
    assert_eq!(links.unwrap(), events.unwrap(), "every event in the chain");
    drop(restarted);
    store.close().await.unwrap();
    if let Some((server, name)) = postgres {
        carelog_store::testing::drop_postgres_database(&server, &name).await.unwrap();
    }
}
