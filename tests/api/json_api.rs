//! The JSON API with a token of each role: reach, rules, audit and revocation (its document, errors
//! and paging are in `api_contract`).

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::TestApp;
use crate::helpers::spawn_app;

/// Creates a token through the account page, as a person would, and returns it.
pub(crate) async fn token_for(app: &TestApp, username: &str) -> String {
    let (client, _) = app.sign_in(username).await;
    let (status, page) =
        app.post_form(&client, "/account/tokens", &[("name", "integration test")]).await;
    assert_eq!(status, StatusCode::OK);
    page.split("data-testid=\"token\">").nth(1).unwrap().split('<').next().unwrap().to_owned()
}

pub(crate) async fn get(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .get(app.url(&format!("/api/v1{path}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn post(
    app: &TestApp,
    token: &str,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/v1{path}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn count(v: &Value) -> usize {
    v["items"].as_array().map(Vec::len).unwrap_or(0)
}

#[tokio::test]
async fn every_route_answers_each_role_within_its_reach() {
    let app = spawn_app().await;
    let coordinator = token_for(&app, "coord1").await;
    let manager = token_for(&app, "manager1").await;
    let admin = token_for(&app, "admin").await;
    assert!(coordinator.starts_with("clg_") && coordinator.len() > 60);
    assert_eq!(
        app.store
            .scalar_for_test(
                "SELECT COUNT(*) AS n FROM api_tokens WHERE token_hash = $1 OR prefix = $1",
                vec![coordinator.clone().into()]
            )
            .await
            .unwrap(),
        0,
        "the token itself is never stored"
    );

    let r = reqwest::Client::new().get(app.url("/api/v1/patients")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().contains_key("www-authenticate"));
    assert_eq!(get(&app, "clg_not-a-token", "/patients").await.0, StatusCode::UNAUTHORIZED);

    let me = app.user_id("coord1").await;
    let own = app.store.list_patients(Some(me)).await.unwrap().len() as u64;
    let all = app.store.scalar_for_test("SELECT COUNT(*) AS n FROM patients", vec![]).await.unwrap()
        as u64;
    let (status, body) = get(&app, &coordinator, "/patients?limit=500").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((body["total"].as_u64(), count(&body) as u64), (Some(own), own));
    assert_eq!(get(&app, &manager, "/patients?limit=500").await.1["total"].as_u64(), Some(all));
    assert_eq!(get(&app, &coordinator, "/patients?limit=9999").await.0, StatusCode::BAD_REQUEST);

    let mine = app.own_patient("coord1").await;
    let foreign = app.store.a_patient_not_assigned_to(me).await.unwrap().unwrap();
    assert_eq!(
        get(&app, &coordinator, &format!("/patients/{mine}")).await.1["id"].as_i64(),
        Some(mine.get())
    );
    assert_eq!(
        get(&app, &coordinator, &format!("/patients/{foreign}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(&app, &manager, &format!("/patients/{foreign}")).await.0, StatusCode::OK);

    let (status, log) = get(&app, &coordinator, "/task-log").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["coordinator_id"].as_i64() == Some(me.get()))
    );
    let other = app.user_id("coord2").await;
    assert_eq!(
        get(&app, &coordinator, &format!("/task-log?coordinator={other}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, &coordinator, &format!("/task-log?patient={foreign}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, &manager, &format!("/task-log?coordinator={other}")).await.0,
        StatusCode::OK
    );

    let pending = app.store.pending_tasks(me).await.unwrap().len();
    assert_eq!(count(&get(&app, &coordinator, "/generated-tasks").await.1), pending);
    assert_eq!(
        get(&app, &coordinator, &format!("/generated-tasks?coordinator={other}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, &manager, &format!("/generated-tasks?coordinator={other}")).await.0,
        StatusCode::OK
    );

    assert_eq!(get(&app, &coordinator, "/assignment-queue").await.0, StatusCode::FORBIDDEN);
    let (status, queue) = get(&app, &manager, "/assignment-queue").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(count(&queue) as i64, app.store.assignment_queue_length().await.unwrap());

    assert_eq!(get(&app, &coordinator, "/billing/summary").await.0, StatusCode::FORBIDDEN);
    assert_eq!(get(&app, &manager, "/billing/summary").await.0, StatusCode::FORBIDDEN);
    let (status, billing) = get(&app, &admin, "/billing/summary").await;
    assert_eq!(status, StatusCode::OK);
    assert!(billing["totals"]["patient_months"].as_i64().is_some());
    assert_eq!(
        get(&app, &admin, "/billing/summary?month=2026-13").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(get(&app, &admin, "/nothing-here").await.0, StatusCode::NOT_FOUND);

    let audited = app
        .store
        .scalar_for_test("SELECT COUNT(*) AS n FROM audit_events WHERE action LIKE 'api.%'", vec![])
        .await
        .unwrap();
    assert_eq!(audited, 10, "each of the ten successful calls is audited");
}

#[tokio::test]
async fn logging_a_task_follows_the_same_rules_as_the_form_and_revoked_tokens_stop() {
    let app = spawn_app().await;
    let token = token_for(&app, "coord1").await;
    let me = app.user_id("coord1").await;
    let patient = app.own_patient("coord1").await;
    let foreign = app.store.a_patient_not_assigned_to(me).await.unwrap().unwrap();
    let phone = app.task_type_id("Communication: Phone").await;
    let before = app.entry_count("coord1").await;

    let (status, body) = post(
        &app,
        &token,
        "/task-log",
        serde_json::json!({ "patient_id": patient, "task_type_id": phone, "minutes": 3 }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["problems"][0].as_str().unwrap().contains('5'), "{body}");
    let (status, body) = post(
        &app,
        &token,
        "/task-log",
        serde_json::json!({ "patient_id": foreign, "task_type_id": phone, "minutes": 10 }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["problems"][0].as_str().unwrap().contains("your own patients"));
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/task-log"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let (status, body) = post(
        &app,
        &token,
        "/task-log",
        serde_json::json!({ "patient_id": patient, "task_type_id": phone, "minutes": 10, "notes": "a\u{0}b" }),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a NUL is refused, never a 500 on PostgreSQL: {body}"
    );
    assert!(body["detail"].as_str().unwrap().contains("NUL"), "{body}");
    assert_eq!(get(&app, &token, "/patients?status=%00").await.0, StatusCode::BAD_REQUEST);
    let fhir = reqwest::Client::new()
        .get(app.url("/fhir/R4/Patient?identifier=%00"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(fhir.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.entry_count("coord1").await, before, "refusals change nothing");

    let (status, body) = post(
        &app,
        &token,
        "/task-log",
        serde_json::json!({ "patient_id": patient, "task_type_id": phone, "minutes": 12, "notes": "API call" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (body["minutes"].as_i64(), body["patient_id"].as_i64()),
        (Some(12), Some(patient.get()))
    );
    assert_eq!(app.entry_count("coord1").await, before + 1);
    let (status, _) = post(
        &app,
        &token,
        "/task-log",
        serde_json::json!({ "patient_id": patient, "task_type_id": phone, "minutes": 12, "notes": "API call" }),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a double submit is refused as on the form"
    );

    // No CSRF token is needed with a bearer token, and a session cookie alone does not reach the API.
    let (browser, _) = app.sign_in("coord1").await;
    assert_eq!(
        browser.get(app.url("/api/v1/patients")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    let (client, _) = app.sign_in("coord1").await;
    let tokens = client.get(app.url("/account/tokens")).send().await.unwrap().text().await.unwrap();
    assert!(!tokens.contains(&token), "a token is shown once");
    let id = app.store.api_tokens(Some(me)).await.unwrap()[0].id;
    let (status, _) = app.post_form(&client, &format!("/account/tokens/{id}/revoke"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(get(&app, &token, "/patients").await.0, StatusCode::UNAUTHORIZED);
    let (other, _) = app.sign_in("coord2").await;
    let (status, _) = app.post_form(&other, &format!("/account/tokens/{id}/revoke"), &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "only the owner revokes");
}
