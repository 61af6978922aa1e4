//! The audit log's tamper evidence (issue 20): nothing rewrites it through the database's own
//! shortcuts, and `carelog audit verify` names the first event changed, removed or slipped in.

use carelog_domain::audit_chain::ChainBreak;
use carelog_store::Engine;

use crate::helpers::{TestApp, run_carelog, spawn_app};

fn app_of(test: &TestApp) -> carelog_app::App {
    carelog::web_state(test.store.clone(), &carelog::Config::for_database(&test.database_url)).app
}

async fn verify(test: &TestApp) -> Option<ChainBreak> {
    app_of(test).verify_audit_chain().await.unwrap().broken
}

/// The newest event of an action.
async fn event_of(test: &TestApp, action: &str) -> i64 {
    test.store
        .scalar_for_test(
            "SELECT MAX(id) AS n FROM audit_events WHERE action = $1",
            vec![action.into()],
        )
        .await
        .unwrap()
}

/// Runs statements with the audit guards switched off, as someone with the database's keys could.
async fn behind_its_back(test: &TestApp, sql: &str, values: Vec<carelog_store::Value>) {
    let (off, on): (&[&str], &[&str]) = match test.store.engine() {
        Engine::Sqlite => (
            &[
                "DROP TRIGGER IF EXISTS audit_events_no_update",
                "DROP TRIGGER IF EXISTS audit_events_no_delete",
                "DROP TRIGGER IF EXISTS audit_chain_no_delete",
            ],
            &[],
        ),
        Engine::Postgres => (
            &[
                "ALTER TABLE audit_events DISABLE TRIGGER USER",
                "ALTER TABLE audit_chain DISABLE TRIGGER USER",
            ],
            &[
                "ALTER TABLE audit_events ENABLE TRIGGER USER",
                "ALTER TABLE audit_chain ENABLE TRIGGER USER",
            ],
        ),
    };
    for s in off {
        test.store.exec_for_test(s, vec![]).await.unwrap();
    }
    test.store.exec_for_test(sql, values).await.unwrap();
    for s in on {
        test.store.exec_for_test(s, vec![]).await.unwrap();
    }
}

#[tokio::test]
async fn the_log_refuses_replace_and_truncate() {
    let test = spawn_app().await;
    test.sign_in("coord1").await;
    // The first links exist, so each attempt below would overwrite one.
    app_of(&test).seal_audit_events().await.unwrap();
    let attempts: &[&str] = match test.store.engine() {
        Engine::Sqlite => &[
            "INSERT OR REPLACE INTO audit_events (id, at, username, action, detail, address) VALUES (1, '2026-01-01T00:00:00+00:00', 'x', 'x', 'over row 1', '')",
            "REPLACE INTO audit_chain (seq, event_id, previous, hash) VALUES (1, 1, 'x', 'x')",
            "INSERT INTO audit_events (id, at, username, action, detail, address) VALUES (1, '2026-01-01T00:00:00+00:00', 'x', 'x', 'x', '') ON CONFLICT (id) DO UPDATE SET detail = 'upsert'",
        ],
        Engine::Postgres => &[
            "TRUNCATE audit_events, audit_event_patients, audit_chain, audit_chain_head",
            "TRUNCATE audit_chain_head",
            "INSERT INTO audit_events (id, at, username, action, detail, address) VALUES (1, now(), 'x', 'x', 'x', '') ON CONFLICT (id) DO UPDATE SET detail = 'upsert'",
        ],
    };
    for sql in attempts {
        let err = test.store.exec_for_test(sql, vec![]).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(verify(&test).await, None, "nothing changed");
}

#[tokio::test]
async fn the_verifier_names_an_event_edited_behind_its_back() {
    let test = spawn_app().await;
    let (coord, _) = test.sign_in("coord1").await;
    coord.get(test.url("/panel")).send().await.unwrap();
    assert_eq!(verify(&test).await, None);
    let out = run_carelog(&test.database_url, &["audit", "verify"]).await;
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("holds"));

    let login = event_of(&test, "login").await;
    behind_its_back(
        &test,
        "UPDATE audit_events SET address = '10.6.6.6' WHERE id = $1",
        vec![login.into()],
    )
    .await;
    assert_eq!(verify(&test).await, Some(ChainBreak::Edited { event_id: login }));
    let out = run_carelog(&test.database_url, &["audit", "verify"]).await;
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains(&format!("audit event {login} was changed")), "{said}");
}

#[tokio::test]
async fn an_event_removed_or_slipped_in_is_named() {
    let test = spawn_app().await;
    let (coord, _) = test.sign_in("coord1").await;
    coord.get(test.url("/panel")).send().await.unwrap();
    let view = event_of(&test, "panel.view").await;
    coord.get(test.url("/tasks")).send().await.unwrap();
    let after = event_of(&test, "tasks.view").await;
    behind_its_back(
        &test,
        "INSERT INTO audit_events (at, username, action, kind, detail, address) VALUES ($1, 'nobody', 'patient.view', 'read', '', '')",
        vec![chrono::Utc::now().into()],
    )
    .await;
    let slipped = event_of(&test, "patient.view").await;
    assert_eq!(verify(&test).await, Some(ChainBreak::Unsealed { event_id: slipped }));
    // A restart does not launder it into the chain (only events from before the chain are sealed).
    carelog::prepare(&test.store).await.unwrap();
    assert_eq!(verify(&test).await, Some(ChainBreak::Unsealed { event_id: slipped }));
    behind_its_back(&test, "DELETE FROM audit_chain WHERE event_id = $1", vec![view.into()]).await;
    assert_eq!(verify(&test).await, Some(ChainBreak::Unlinked { event_id: after }));
}

/// A bulk read (the panel) records the patients it returned, so filtering the log by a patient
/// finds it; the log filters by kind.
#[tokio::test]
async fn a_bulk_read_is_found_by_each_patient_it_returned() {
    let test = spawn_app().await;
    let me = test.user_id("coord1").await;
    let patient = test.store.list_patients(Some(me)).await.unwrap()[0].id;
    let (coord, _) = test.sign_in("coord1").await;
    coord.get(test.url("/panel")).send().await.unwrap();
    let filter = carelog_store::AuditFilter {
        patient_id: Some(patient),
        kind: Some(carelog_domain::audit_chain::AuditKind::Read),
        ..Default::default()
    };
    let events = test.store.audit_events(&filter, 10, 0).await.unwrap().events;
    assert!(events.iter().any(|e| e.action == "panel.view"), "{events:?}");
    assert_eq!(verify(&test).await, None);
}

#[tokio::test]
async fn reads_audited_at_once_are_each_committed_and_sealed_in_the_chain() {
    let test = spawn_app().await;
    let before =
        test.store.scalar_for_test("SELECT COUNT(*) AS n FROM audit_events", vec![]).await.unwrap();
    let patient = test.own_patient("coord1").await;
    let reads: Vec<_> = (0..40)
        .map(|i| {
            let store = test.store.clone();
            tokio::spawn(async move {
                let event = carelog_store::NewAuditEvent {
                    user_id: None,
                    username: "reader",
                    action: "patient.view",
                    patient_id: Some(patient),
                    detail: format!("read {i}"),
                    address: "127.0.0.1",
                    patients: vec![patient],
                };
                store.record_audit(&event, chrono::Utc::now()).await
            })
        })
        .collect();
    // Sealers on three servers at once, while the reads commit: they take turns on the chain's head.
    let sealers: Vec<_> = (0..3)
        .map(|_| {
            let store = test.store.clone();
            tokio::spawn(async move {
                let mut sealed = 0;
                for _ in 0..20 {
                    sealed += store.seal_pending_audit_events().await?;
                    tokio::task::yield_now().await;
                }
                Ok::<u64, carelog_store::StoreError>(sealed)
            })
        })
        .collect();
    for read in reads {
        read.await.unwrap().unwrap();
    }
    for sealer in sealers {
        sealer.await.unwrap().unwrap();
    }
    let after =
        test.store.scalar_for_test("SELECT COUNT(*) AS n FROM audit_events", vec![]).await.unwrap();
    assert_eq!(after - before, 40, "each read's event is committed before its call returns");
    assert_eq!(verify(&test).await, None, "all of them sealed in the chain, in one unbroken line");
    let linked = test
        .store
        .scalar_for_test(
            "SELECT COUNT(*) AS n FROM audit_event_patients l JOIN audit_events e ON e.id = l.event_id WHERE e.username = 'reader'",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(linked, 40, "each linked to its patient as it was sealed");
}

/// A bulk read lists its patients on its event and the sealer links them: the log filtered by a
/// patient finds it before its seal and after, and only for the patients it listed.
#[tokio::test]
async fn a_bulk_read_is_found_by_its_patients_before_and_after_its_seal() {
    // No server here, so nothing seals until the test does.
    let dir = tempfile::tempdir().unwrap();
    let (url, postgres) = crate::helpers::fresh_database(&dir).await;
    let store = carelog_store::Store::connect(&url).await.unwrap();
    carelog::prepare(&store).await.unwrap();
    let listed = [12, 3, 40, 12].map(carelog_domain::ids::PatientId);
    let event = carelog_store::NewAuditEvent {
        username: "reader",
        action: "panel.view",
        detail: "a page of the panel".into(),
        patients: listed.to_vec(),
        ..Default::default()
    };
    store.record_audit(&event, chrono::Utc::now()).await.unwrap();
    let found = async |patient: i64| {
        let filter = carelog_store::AuditFilter {
            patient_id: Some(carelog_domain::ids::PatientId(patient)),
            ..Default::default()
        };
        let page = store.audit_events(&filter, 10, 0).await.unwrap();
        page.events.iter().filter(|e| e.action == "panel.view").count()
    };
    let links = async || {
        store.scalar_for_test("SELECT COUNT(*) AS n FROM audit_event_patients", vec![]).await
    };
    assert_eq!(links().await.unwrap(), 0, "not linked before its seal");
    for (patient, expected) in [(12, 1), (3, 1), (40, 1), (1, 0), (2, 0), (4, 0), (123, 0)] {
        assert_eq!(found(patient).await, expected, "patient {patient}, waiting for its seal");
    }
    assert_eq!(store.seal_pending_audit_events().await.unwrap(), 1);
    assert_eq!(links().await.unwrap(), 3, "each listed patient linked once");
    for (patient, expected) in [(12, 1), (3, 1), (40, 1), (1, 0), (2, 0), (4, 0), (123, 0)] {
        assert_eq!(found(patient).await, expected, "patient {patient}, sealed");
    }
    let app = carelog::web_state(store.clone(), &carelog::Config::for_database(&url)).app;
    let report = app.verify_audit_chain().await.unwrap();
    assert_eq!(report.broken, None);
    store.close().await.unwrap();
    if let Some((server, name)) = postgres {
        carelog_store::testing::drop_postgres_database(&server, &name).await.unwrap();
    }
}

async fn count(test: &TestApp, sql: &str) -> i64 {
    test.store.scalar_for_test(sql, vec![]).await.unwrap()
}

/// A request does not wait for the chain: its event is committed and marked, and the server's
/// sealer links it soon after, without anyone verifying.
#[tokio::test]
async fn a_server_seals_what_it_audits_soon_after_without_being_asked() {
    let test = spawn_app().await;
    let (coord, _) = test.sign_in("coord1").await;
    coord.get(test.url("/panel")).send().await.unwrap();
    let view = event_of(&test, "panel.view").await;
    let mut waited = 0;
    while count(&test, "SELECT COUNT(*) AS n FROM audit_unsealed").await > 0 {
        assert!(waited < 200, "the server's sealer left events unsealed for 10 s");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        waited += 1;
    }
    let linked = test
        .store
        .scalar_for_test(
            "SELECT COUNT(*) AS n FROM audit_chain WHERE event_id = $1",
            vec![view.into()],
        )
        .await
        .unwrap();
    assert_eq!(linked, 1);
    let events = count(&test, "SELECT COUNT(*) AS n FROM audit_events").await;
    assert_eq!(count(&test, "SELECT COUNT(*) AS n FROM audit_chain").await, events);
}

/// An event committed and waiting for the sealer is not one slipped in behind carelog's back.
#[tokio::test]
async fn an_event_waiting_for_its_seal_is_not_taken_for_one_slipped_in() {
    // No server here, so nothing seals until verify does.
    let dir = tempfile::tempdir().unwrap();
    let (url, postgres) = crate::helpers::fresh_database(&dir).await;
    let store = carelog_store::Store::connect(&url).await.unwrap();
    carelog::prepare(&store).await.unwrap();
    let event = carelog_store::NewAuditEvent {
        username: "reader",
        action: "patient.view",
        detail: "waiting".into(),
        ..Default::default()
    };
    store.record_audit(&event, chrono::Utc::now()).await.unwrap();
    let marked = store.scalar_for_test("SELECT COUNT(*) AS n FROM audit_unsealed", vec![]).await;
    assert_eq!(marked.unwrap(), 1, "committed and marked before the call returned");
    assert_eq!(store.first_unsealed_audit_event().await.unwrap(), None);
    let app = carelog::web_state(store.clone(), &carelog::Config::for_database(&url)).app;
    let report = app.verify_audit_chain().await.unwrap();
    assert_eq!(
        (report.checked, report.broken),
        (1, None),
        "verify seals what waits, then checks it"
    );
    let marked = store.scalar_for_test("SELECT COUNT(*) AS n FROM audit_unsealed", vec![]).await;
    assert_eq!(marked.unwrap(), 0);
    store.close().await.unwrap();
    if let Some((server, name)) = postgres {
        carelog_store::testing::drop_postgres_database(&server, &name).await.unwrap();
    }
}
