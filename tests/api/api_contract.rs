//! The JSON API's contract: an OpenAPI 3.1 document generated from the handlers that describes every
//! route and its limits, problem details (RFC 9457) for every error, and every list paging alike.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};
use crate::json_api::{get, token_for};

async fn document(app: &TestApp) -> (Value, String) {
    let r = reqwest::Client::new().get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the description is public");
    let text = r.text().await.unwrap();
    (serde_json::from_str(&text).unwrap(), text)
}

/// A schema with its `$ref`s followed and its `allOf` parts merged: every field it requires.
fn required_fields(doc: &Value, schema: &Value) -> Vec<String> {
    if let Some(name) = schema["$ref"].as_str() {
        let name = name.rsplit('/').next().unwrap();
        return required_fields(doc, &doc["components"]["schemas"][name]);
    }
    let own = schema["required"].as_array().into_iter().flatten();
    let mut fields: Vec<String> = own.map(|f| f.as_str().unwrap().to_owned()).collect();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        fields.extend(required_fields(doc, part));
    }
    fields
}

fn parameter<'a>(operation: &'a Value, name: &str) -> &'a Value {
    let all = operation["parameters"].as_array().unwrap();
    &all.iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("no {name}"))["schema"]
}

#[tokio::test]
async fn the_openapi_document_is_generated_valid_and_describes_every_route() {
    let app = spawn_app().await;
    let (doc, text) = document(&app).await;
    let spec = oas3::from_json(&text).expect("a valid OpenAPI 3.1 document");
    assert!(
        spec.validate_version().is_ok_and(|v| v.major == 3 && v.minor == 1),
        "{}",
        spec.openapi
    );
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for r in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = r.split('"').next().unwrap();
        assert!(schemas.contains_key(name), "missing schema {name}");
    }

    // Every documented read answers as documented, with each required field present.
    let admin = token_for(&app, "admin").await;
    let patient = app.own_patient("coord1").await;
    let (_, log) = get(&app, &admin, "/task-log?limit=1").await;
    let entry = log["items"][0]["id"].as_i64().expect("the demo has entries this month");
    let operations: Vec<(String, String)> =
        spec.operations().map(|(path, method, _)| (path, method.to_string())).collect();
    assert_eq!(operations.len(), 15, "{operations:?}");
    for (path, method) in &operations {
        let operation = &doc["paths"][path][method.to_lowercase()];
        for status in ["400", "401", "404", "422"] {
            let error = &operation["responses"][status]["content"]["application/problem+json"];
            assert_eq!(error["schema"]["$ref"], "#/components/schemas/Problem", "{method} {path}");
        }
        if method != "GET" {
            continue;
        }
        let concrete = if path.starts_with("/task-log/") {
            path.replace("{id}", &entry.to_string())
        } else {
            path.replace("{id}", &patient.to_string())
        };
        let (status, body) = get(&app, &admin, &concrete).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        let ok = &operation["responses"]["200"]["content"]["application/json"]["schema"];
        for field in required_fields(&doc, ok) {
            assert!(body.get(&field).is_some(), "GET {path} lacks {field}: {body}");
        }
    }

    // The limits the handlers enforce are in the schema, so a valid-by-schema request is accepted.
    let patients = &doc["paths"]["/patients"]["get"];
    assert_eq!(
        (
            parameter(patients, "limit")["minimum"].as_i64(),
            parameter(patients, "limit")["maximum"].as_i64()
        ),
        (Some(0), Some(500))
    );
    assert_eq!(parameter(patients, "offset")["minimum"].as_i64(), Some(0));
    let log = &doc["paths"]["/task-log"]["get"];
    assert_eq!(doc["components"]["schemas"]["PatientId"]["minimum"].as_i64(), Some(1));
    assert!(parameter(log, "patient")["$ref"].as_str().is_some_and(|r| r.ends_with("/PatientId")));
    assert!(parameter(log, "from")["pattern"].as_str().is_some());
    let month = parameter(&doc["paths"]["/billing/summary"]["get"], "month");
    assert_eq!(month["pattern"], "^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])$");
    assert_eq!(
        doc["components"]["schemas"]["NewTask"]["properties"]["minutes"]["minimum"].as_i64(),
        Some(5)
    );

    // The docs page is served from the binary and reads this document.
    let page = reqwest::get(app.url("/api/v1/docs/")).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("swagger-ui"));
    let init = reqwest::get(app.url("/api/v1/docs/swagger-initializer.js")).await.unwrap();
    assert!(init.text().await.unwrap().contains("/api/v1/openapi.json"));
}

async fn answer(
    request: reqwest::RequestBuilder,
) -> (StatusCode, String, Value, reqwest::header::HeaderMap) {
    let r = request.send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let kind =
        headers.get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, kind, r.json().await.unwrap_or(Value::Null), headers)
}

#[tokio::test]
async fn every_api_error_is_problem_details_naming_the_rule() {
    let app = spawn_app().await;
    let token = token_for(&app, "manager1").await;
    let client = reqwest::Client::new();
    let api = |path: &str| app.url(&format!("/api/v1{path}"));
    let cases: Vec<(reqwest::RequestBuilder, StatusCode, &str)> = vec![
        (
            client.get(api("/patients?limit=2&limit=3")),
            StatusCode::BAD_REQUEST,
            "limit: given more than once",
        ),
        (
            client.get(api("/billing/summary?rules=cms&rules=seed")),
            StatusCode::BAD_REQUEST,
            "rules: given more than once",
        ),
        (client.get(api("/patients?status=%00")), StatusCode::BAD_REQUEST, "NUL"),
        (
            client.get(api("/generated-tasks?coordinator=")),
            StatusCode::BAD_REQUEST,
            "coordinator: \"\" is not an id",
        ),
        (
            client.get(api("/patients?limit=")),
            StatusCode::BAD_REQUEST,
            "limit: a whole number from 0 to 500",
        ),
        (client.get(api("/patients?limit=%2B5")), StatusCode::BAD_REQUEST, "limit"),
        (
            client.get(api("/patients?status=active")),
            StatusCode::BAD_REQUEST,
            "status: \"active\" is not one of Active",
        ),
        (
            client.get(api("/task-log?from=2026-1-01")),
            StatusCode::BAD_REQUEST,
            "from: \"2026-1-01\" is not a date",
        ),
        (
            client.get(api("/task-log?from=2026-02-30")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not a day of the calendar",
        ),
        (
            client.get(api("/task-log?from=2026-03-01&to=2026-02-01")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "start before end",
        ),
        (client.get(api("/patients/abc")), StatusCode::NOT_FOUND, "nothing here"),
        (client.get(api("/nothing-here")), StatusCode::NOT_FOUND, "nothing here"),
        (client.delete(api("/patients")), StatusCode::METHOD_NOT_ALLOWED, "Allow header"),
        (
            client.post(api("/task-log")).body("{}"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "application/json",
        ),
        (
            client
                .post(api("/task-log"))
                .json(&serde_json::json!({ "task_type_id": 1, "notes": "n".repeat(2 << 20) })),
            StatusCode::PAYLOAD_TOO_LARGE,
            "larger than the 2 MB a request may send",
        ),
        (
            client.post(api("/task-log")).json(&serde_json::json!([])),
            StatusCode::BAD_REQUEST,
            "a JSON object",
        ),
        (
            client.post(api("/task-log")).json(&serde_json::json!({ "task_type_id": 1.5 })),
            StatusCode::BAD_REQUEST,
            "not a whole number",
        ),
        (
            client
                .post(api("/task-log"))
                .json(&serde_json::json!({ "task_type_id": 1, "notes": "a\u{0}" })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "NUL",
        ),
    ];
    for (request, expected, says) in cases {
        let (status, kind, body, headers) = answer(request.bearer_auth(&token)).await;
        assert_eq!((status, kind.as_str()), (expected, "application/problem+json"), "{body}");
        assert_eq!(body["status"].as_u64(), Some(u64::from(expected.as_u16())), "{body}");
        assert_eq!(body["type"], "about:blank");
        assert_eq!(body["title"].as_str(), expected.canonical_reason(), "{body}");
        assert!(body["detail"].as_str().unwrap().contains(says), "{says}: {body}");
        if expected == StatusCode::METHOD_NOT_ALLOWED {
            assert_eq!(headers["allow"], "GET,HEAD");
        }
    }
    let (status, kind, body, headers) = answer(client.get(api("/patients"))).await;
    assert_eq!((status, kind.as_str()), (StatusCode::UNAUTHORIZED, "application/problem+json"));
    assert!(headers.contains_key("www-authenticate") && body["detail"].as_str().is_some());
    // A whole number may be written 12.0, as JSON Schema's integer allows.
    let patient = app.own_patient("coord1").await;
    let coordinator = token_for(&app, "coord1").await;
    let phone = app.task_type_id("Communication: Phone").await;
    let saved = client
        .post(api("/task-log"))
        .bearer_auth(&coordinator)
        .json(&serde_json::json!({ "patient_id": patient.get() as f64, "task_type_id": phone.0 as f64, "minutes": 12.0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::CREATED);
    let location = saved.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = saved.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/task-log/{}", body["id"]));
    let (status, again) = get(&app, &coordinator, location.trim_start_matches("/api/v1")).await;
    assert_eq!((status, again["minutes"].as_i64()), (StatusCode::OK, Some(12)));
    let other = token_for(&app, "coord2").await;
    assert_eq!(
        get(&app, &other, location.trim_start_matches("/api/v1")).await.0,
        StatusCode::NOT_FOUND
    );
}

/// Follows `next` from `first` page by page; returns each item's `key` and the total reported.
async fn walk(app: &TestApp, token: &str, first: &str, limit: i64, key: &str) -> (Vec<i64>, u64) {
    let (mut path, mut seen, mut total, mut pages) = (Some(first.to_owned()), vec![], 0, 0);
    while let Some(at) = path {
        let (status, page) = get(app, token, &at).await;
        assert_eq!(status, StatusCode::OK, "{at}: {page}");
        total = page["total"].as_u64().unwrap();
        assert_eq!(page["limit"].as_i64(), Some(limit), "{at}");
        seen.extend(page["items"].as_array().unwrap().iter().map(|i| i[key].as_i64().unwrap()));
        path = page["next"].as_str().map(|n| n.trim_start_matches("/api/v1").to_owned());
        pages += 1;
        assert!(pages < 500, "next links never end");
    }
    (seen, total)
}

#[tokio::test]
async fn every_list_pages_alike_and_its_next_links_reach_the_total_once_each() {
    let app = spawn_app().await;
    let manager = token_for(&app, "manager1").await;
    let coordinator = token_for(&app, "coord1").await;
    let today = chrono::Utc::now().date_naive();
    let month_ago = today - chrono::Duration::days(30);
    let lists = [
        (&manager, "/patients?status=Active&", 7, "id"),
        (&coordinator, &*format!("/task-log?from={month_ago}&"), 7, "id"),
        (&coordinator, "/generated-tasks?", 7, "id"),
        (&manager, "/assignment-queue?", 1, "patient_id"),
    ];
    // Each list's query so far ends in ? or &, ready for the paging parameters.
    for (token, list, limit, key) in lists {
        let first = format!("{list}limit={limit}");
        let (seen, total) = walk(&app, token, &first, limit, key).await;
        assert!(total as i64 > limit, "{first}: more than one page to walk ({total})");
        assert_eq!(seen.len() as u64, total, "{first}: the pages hold the total");
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len(), "{first}: each once");
        let (_, all) = get(&app, token, &format!("{list}limit=500")).await;
        let listed: Vec<i64> =
            all["items"].as_array().unwrap().iter().map(|i| i[key].as_i64().unwrap()).collect();
        assert_eq!(seen, listed, "{first}: the pages are the list, in its order");
        let (_, last) = get(&app, token, &format!("{first}&offset={}", total - 1)).await;
        assert_eq!((last["items"].as_array().unwrap().len(), last["next"].is_null()), (1, true));
    }
    // The patients' totals are the database's: the status asked, the coordinator's own reach.
    let count = |sql: String| {
        let store = app.store.clone();
        async move { store.scalar_for_test(&sql, vec![]).await.unwrap() as u64 }
    };
    let (_, active) = get(&app, &manager, "/patients?status=Active&limit=1").await;
    let active_count = count("SELECT COUNT(*) AS n FROM patients WHERE status = 'Active'".into());
    assert_eq!(active["total"].as_u64(), Some(active_count.await));
    let (_, own) = get(&app, &coordinator, "/patients?limit=1").await;
    let coord1 = app.user_id("coord1").await;
    let own_count =
        count(format!("SELECT COUNT(*) AS n FROM patients WHERE coordinator_id = {coord1}"));
    assert_eq!(own["total"].as_u64(), Some(own_count.await));
}
