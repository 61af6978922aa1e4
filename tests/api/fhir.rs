//! FHIR R4 read: every response parses as strict R4 (fhirbolt's strict mode refuses unknown elements and
//! malformed values), reach follows the token's role, and errors are OperationOutcomes.

use fhirbolt::model::r4::Resource;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

async fn token_for(app: &TestApp, username: &str) -> String {
    let (client, _) = app.sign_in(username).await;
    let (_, page) = app.post_form(&client, "/account/tokens", &[("name", "fhir test")]).await;
    page.split("data-testid=\"token\">").nth(1).unwrap().split('<').next().unwrap().to_owned()
}

/// GETs a FHIR path, checks the media type and that the body is valid R4, and returns status and JSON.
async fn read(app: &TestApp, token: Option<&str>, path: &str) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().get(app.url(&format!("/fhir/R4{path}")));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let r = request.send().await.unwrap();
    let status = r.status();
    assert!(
        r.headers()["content-type"].to_str().unwrap().starts_with("application/fhir+json"),
        "{path}"
    );
    let text = r.text().await.unwrap();
    let parsed: Result<Resource, _> = fhirbolt::json::from_str(&text, None);
    assert!(parsed.is_ok(), "{path} is not valid FHIR R4: {:?}\n{text}", parsed.err());
    (status, serde_json::from_str(&text).unwrap())
}

fn resource_types(bundle: &Value) -> Vec<String> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_resource_is_valid_r4_and_searchable_by_patient() {
    let app = spawn_app().await;
    let coordinator = token_for(&app, "coord1").await;
    let manager = token_for(&app, "manager1").await;
    let me = app.user_id("coord1").await;
    let patient = app.own_patient("coord1").await;
    let foreign = app.store.a_patient_not_assigned_to(me).await.unwrap().unwrap();

    let (status, meta) = read(&app, None, "/metadata").await;
    assert_eq!((status, meta["fhirVersion"].as_str()), (StatusCode::OK, Some("4.0.1")));

    let (status, bundle) = read(&app, Some(&coordinator), "/Patient?_count=200").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        bundle["total"].as_u64(),
        Some(app.store.list_patients(Some(me)).await.unwrap().len() as u64)
    );
    assert!(resource_types(&bundle).iter().all(|t| t == "Patient"));
    let chart = app.store.patient_detail(patient).await.unwrap().unwrap().chart_code;
    let (_, by_identifier) = read(
        &app,
        Some(&coordinator),
        &format!("/Patient?identifier=urn:carelog:chart-code|{chart}"),
    )
    .await;
    assert_eq!(by_identifier["total"].as_u64(), Some(1));
    let (status, one) = read(&app, Some(&coordinator), &format!("/Patient/{patient}")).await;
    assert_eq!(
        (status, one["identifier"][0]["value"].as_str()),
        (StatusCode::OK, Some(chart.as_str()))
    );
    let (status, missing) = read(&app, Some(&coordinator), &format!("/Patient/{foreign}")).await;
    assert_eq!(
        (status, missing["resourceType"].as_str()),
        (StatusCode::NOT_FOUND, Some("OperationOutcome"))
    );
    assert_eq!(read(&app, Some(&manager), &format!("/Patient/{foreign}")).await.0, StatusCode::OK);

    let (status, team) =
        read(&app, Some(&coordinator), &format!("/CareTeam?patient=Patient/{patient}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        team["entry"][0]["resource"]["participant"][0]["member"]["reference"].as_str(),
        Some(format!("Practitioner/{me}").as_str())
    );
    assert_eq!(
        read(&app, Some(&coordinator), &format!("/CareTeam?patient={foreign}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        read(&app, Some(&coordinator), "/CareTeam").await.0,
        StatusCode::BAD_REQUEST,
        "search by patient is required"
    );

    let (status, tasks) =
        read(&app, Some(&coordinator), &format!("/Task?patient={patient}&_count=200")).await;
    assert_eq!(status, StatusCode::OK);
    let logged = app
        .store
        .scalar_for_test(
            "SELECT COUNT(*) AS n FROM coordinator_task_log WHERE patient_id = $1",
            vec![patient.into()],
        )
        .await
        .unwrap();
    let generated = app
        .store
        .scalar_for_test(
            "SELECT COUNT(*) AS n FROM generated_tasks WHERE patient_id = $1",
            vec![patient.into()],
        )
        .await
        .unwrap();
    assert_eq!(bundle_len(&tasks) as i64, (logged + generated).min(200));
    // fhirbolt checks structure, not value sets: the required bindings are checked here (R4 TaskStatus,
    // TaskIntent, RequestPriority).
    for entry in tasks["entry"].as_array().unwrap() {
        let task = &entry["resource"];
        let status = task["status"].as_str().unwrap();
        assert!(
            [
                "draft",
                "requested",
                "received",
                "accepted",
                "rejected",
                "ready",
                "cancelled",
                "in-progress",
                "on-hold",
                "failed",
                "completed",
                "entered-in-error"
            ]
            .contains(&status)
        );
        assert!(
            [
                "unknown",
                "proposal",
                "plan",
                "order",
                "original-order",
                "reflex-order",
                "filler-order",
                "instance-order",
                "option"
            ]
            .contains(&task["intent"].as_str().unwrap())
        );
        if let Some(p) = task["priority"].as_str() {
            assert!(["routine", "urgent", "asap", "stat"].contains(&p));
        }
    }
    if let Some(first) = tasks["entry"][0]["resource"]["id"].as_str() {
        assert_eq!(
            read(&app, Some(&coordinator), &format!("/Task/{first}")).await.0,
            StatusCode::OK
        );
    }

    let (status, people) = read(&app, Some(&manager), "/Practitioner").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        people["total"].as_i64(),
        Some(
            app.store
                .scalar_for_test("SELECT COUNT(*) AS n FROM coordinator_profiles", vec![])
                .await
                .unwrap()
        )
    );
    assert_eq!(read(&app, Some(&manager), &format!("/Practitioner/{me}")).await.0, StatusCode::OK);
    // Names and roles for staff; usernames (sign-in names) never leave to a coordinator's token.
    let (_, staff) = read(&app, Some(&coordinator), "/Practitioner").await;
    let text = staff.to_string();
    assert!(text.contains("qualification") && text.contains("Care Coordinator"), "{text}");
    assert!(!text.contains("urn:carelog:username") && !text.contains("\"coord1\""), "{text}");

    let (status, denied) = read(&app, None, "/Patient").await;
    assert_eq!(
        (status, denied["issue"][0]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("login"))
    );
    assert_eq!(read(&app, Some(&coordinator), "/Observation").await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        read(&app, Some(&coordinator), "/Patient?_count=5000").await.0,
        StatusCode::BAD_REQUEST
    );
    assert!(
        app.store
            .scalar_for_test(
                "SELECT COUNT(*) AS n FROM audit_events WHERE action LIKE 'fhir.%'",
                vec![]
            )
            .await
            .unwrap()
            >= 9
    );
}

fn bundle_len(bundle: &Value) -> usize {
    bundle["entry"].as_array().map(Vec::len).unwrap_or(0)
}

#[tokio::test]
async fn conditions_consents_and_care_plans_are_valid_r4_and_searched_by_patient() {
    let app = spawn_app().await;
    let coordinator = token_for(&app, "coord1").await;
    let other = token_for(&app, "coord2").await;
    let patient = app.own_patient("coord1").await;
    let records = app.store.patient_enrollment(patient).await.unwrap().unwrap();
    assert!(!records.diagnoses.is_empty() && !records.consents.is_empty());

    let (status, conditions) =
        read(&app, Some(&coordinator), &format!("/Condition?patient=Patient/{patient}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(conditions["total"].as_u64(), Some(records.diagnoses.len() as u64));
    let first = &conditions["entry"][0]["resource"];
    assert_eq!(first["code"]["coding"][0]["system"], "http://hl7.org/fhir/sid/icd-10-cm");
    assert_eq!(first["code"]["coding"][0]["code"], records.diagnoses[0].code.as_str());
    let id = first["id"].as_str().unwrap().to_owned();
    let (status, one) = read(&app, Some(&coordinator), &format!("/Condition/{id}")).await;
    assert_eq!((status, one["id"].as_str()), (StatusCode::OK, Some(id.as_str())));

    let (status, consents) =
        read(&app, Some(&coordinator), &format!("/Consent?patient={patient}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resource_types(&consents).len(), records.consents.len());
    assert_eq!(
        consents["entry"][0]["resource"]["dateTime"],
        records.consents[0].obtained_on.to_string()
    );

    let (status, plans) =
        read(&app, Some(&coordinator), &format!("/CarePlan?patient={patient}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resource_types(&plans).len(), records.care_plans.len());
    if let Some(v) = records.care_plans.first() {
        let (status, plan) =
            read(&app, Some(&coordinator), &format!("/CarePlan/{patient}-{}", v.version)).await;
        assert_eq!((status, plan["intent"].as_str()), (StatusCode::OK, Some("plan")));
    }

    // Out of reach answers as if missing; a search without a patient is refused.
    for path in [
        format!("/Condition/{id}"),
        format!("/Consent?patient={patient}"),
        format!("/CarePlan?patient={patient}"),
    ] {
        let (status, body) = read(&app, Some(&other), &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["resourceType"], "OperationOutcome");
    }
    let (status, _) = read(&app, Some(&coordinator), "/Condition").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let chart = app.store.patient_detail(patient).await.unwrap().unwrap().chart_code;
    let (status, found) = read(
        &app,
        Some(&coordinator),
        &format!("/Patient?identifier=urn:carelog:chart-code|{chart}"),
    )
    .await;
    assert_eq!((status, found["total"].as_u64()), (StatusCode::OK, Some(1)));
}
