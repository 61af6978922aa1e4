//! FHIR R4 read: every response parses as strict R4 (fhirbolt's strict mode refuses unknown elements and
//! malformed values), reach follows the token's role, and errors are OperationOutcomes.

use fhirbolt::model::r4::Resource;
use reqwest::StatusCode;
use serde_json::Value;

use carelog_domain::ids::PatientId;

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
    let staff_and_providers = app
        .store
        .scalar_for_test(
            "SELECT (SELECT COUNT(*) FROM coordinator_profiles) + (SELECT COUNT(*) FROM providers) AS n",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(people["total"].as_i64(), Some(staff_and_providers));
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
    let (status, capped) = read(&app, Some(&coordinator), "/Patient?_count=5000").await;
    assert_eq!(status, StatusCode::OK, "a _count above the maximum is lowered to it");
    assert!(capped["link"][0]["url"].as_str().unwrap().ends_with("_count=200&_offset=0"));
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

/// The `url` of a bundle's link with `relation`, if any.
fn link(bundle: &Value, relation: &str) -> Option<String> {
    bundle["link"].as_array()?.iter().find(|l| l["relation"] == relation)?["url"]
        .as_str()
        .map(str::to_owned)
}

/// Issue 23, done when: walking every Patient page by its next links reaches the total and finds
/// each patient once; the previous links walk back.
#[tokio::test]
async fn every_patient_page_is_reached_by_next_links_and_each_patient_found_once() {
    let app = spawn_app().await;
    let admin = token_for(&app, "admin").await;
    let all =
        app.store.scalar_for_test("SELECT COUNT(*) AS n FROM patients", vec![]).await.unwrap();
    let prefix = app.url("/fhir/R4");
    let mut path = "/Patient?_count=7".to_owned();
    let mut seen = std::collections::BTreeSet::new();
    let mut pages = 0;
    loop {
        let (status, bundle) = read(&app, Some(&admin), &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(bundle["total"].as_i64(), Some(all), "the true total on every page");
        let this_page = if pages == 0 { "/Patient?_count=7&_offset=0" } else { path.as_str() };
        assert_eq!(link(&bundle, "self").unwrap(), format!("{prefix}{this_page}"));
        for entry in bundle["entry"].as_array().into_iter().flatten() {
            let id = entry["resource"]["id"].as_str().unwrap().to_owned();
            assert!(entry["fullUrl"].as_str().unwrap().starts_with(&prefix), "the served address");
            assert!(seen.insert(id.clone()), "patient {id} came twice");
        }
        pages += 1;
        match link(&bundle, "next") {
            Some(next) => path = next.strip_prefix(&prefix).unwrap().to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len() as i64, all, "every patient, once");
    assert_eq!(pages, (all + 6) / 7);
    let (_, last) = read(&app, Some(&admin), &path).await;
    let back = link(&last, "previous").unwrap();
    assert!(back.ends_with(&format!("_count=7&_offset={}", (pages - 2) * 7)), "{back}");
    // A coordinator pages through their own patients only.
    let coordinator = token_for(&app, "coord1").await;
    let mine = app.store.list_patients(Some(app.user_id("coord1").await)).await.unwrap().len();
    let (_, bundle) = read(&app, Some(&coordinator), "/Patient?_count=1&_offset=1").await;
    assert_eq!(bundle["total"].as_u64(), Some(mine as u64));
    assert_eq!(bundle_len(&bundle), 1);
}

/// Issue 23, done when: a Task search's total does not depend on `_count`, and its pages together
/// hold every task once.
#[tokio::test]
async fn task_totals_do_not_depend_on_count() {
    let app = spawn_app().await;
    let coordinator = token_for(&app, "coord1").await;
    let patient = app.own_patient("coord1").await;
    let truth = app
        .store
        .scalar_for_test(
            "SELECT (SELECT COUNT(*) FROM coordinator_task_log WHERE patient_id = $1) + (SELECT COUNT(*) FROM generated_tasks WHERE patient_id = $1) AS n",
            vec![patient.into()],
        )
        .await
        .unwrap();
    assert!(truth > 3, "the demo patient has tasks ({truth})");
    for count in [0, 1, 3, 10, 200] {
        let (status, bundle) =
            read(&app, Some(&coordinator), &format!("/Task?patient={patient}&_count={count}"))
                .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(bundle["total"].as_i64(), Some(truth), "_count={count}");
        assert_eq!(bundle_len(&bundle) as i64, truth.min(count));
    }
    let mut ids = std::collections::BTreeSet::new();
    for offset in (0..truth).step_by(3) {
        let (_, bundle) = read(
            &app,
            Some(&coordinator),
            &format!("/Task?patient={patient}&_count=3&_offset={offset}"),
        )
        .await;
        for e in bundle["entry"].as_array().unwrap() {
            assert!(ids.insert(e["resource"]["id"].as_str().unwrap().to_owned()));
        }
    }
    assert_eq!(ids.len() as i64, truth, "the pages across entries and generated tasks");
    // Narrowed: a status, an owner.
    let requested = app
        .store
        .generated_for_patient(patient, 100_000)
        .await
        .unwrap()
        .iter()
        .filter(|g| g.status == carelog_domain::schedule::TaskStatus::Pending)
        .count();
    let (_, bundle) =
        read(&app, Some(&coordinator), &format!("/Task?patient={patient}&status=requested")).await;
    assert_eq!(bundle["total"].as_u64(), Some(requested as u64));
    assert!(
        bundle["entry"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|e| e["resource"]["status"] == "requested")
    );
    let (_, bundle) =
        read(&app, Some(&coordinator), &format!("/Task?patient={patient}&status=on-hold")).await;
    assert_eq!(bundle["total"].as_i64(), Some(0));
    let (status, _) =
        read(&app, Some(&coordinator), &format!("/Task?patient={patient}&status=finished")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let nobody = 999_999;
    let (_, bundle) = read(
        &app,
        Some(&coordinator),
        &format!("/Task?patient={patient}&owner=Practitioner/{nobody}"),
    )
    .await;
    assert_eq!(bundle["total"].as_i64(), Some(0));
}

/// Issue 23: the supported parameters narrow; an unknown one is refused with an OperationOutcome,
/// or dropped under Prefer: handling=lenient with the self link showing what was applied.
#[tokio::test]
async fn search_parameters_narrow_and_unknown_ones_are_refused_unless_lenient() {
    let app = spawn_app().await;
    let admin = token_for(&app, "admin").await;
    let patient = app.store.patient_detail(app.own_patient("coord1").await).await.unwrap().unwrap();
    let family = patient.last_name.to_lowercase();
    let same_family = app
        .store
        .scalar_for_test(
            "SELECT COUNT(*) AS n FROM patients WHERE LOWER(last_name) LIKE $1",
            vec![format!("{family}%").into()],
        )
        .await
        .unwrap();
    let (_, bundle) = read(&app, Some(&admin), &format!("/Patient?family={}", &family)).await;
    assert_eq!(bundle["total"].as_i64(), Some(same_family));
    let (_, bundle) = read(
        &app,
        Some(&admin),
        &format!("/Patient?name={}&birthdate={}", &patient.first_name[..2], patient.dob),
    )
    .await;
    let ids: Vec<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&patient.id.to_string().as_str()), "{bundle}");
    let (status, outcome) = read(&app, Some(&admin), "/Patient?birthdate=1950").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(outcome["issue"][0]["diagnostics"].as_str().unwrap().starts_with("birthdate:"));

    // Unknown and repeated parameters.
    let (status, outcome) = read(&app, Some(&admin), "/Patient?nickname=Al").await;
    assert_eq!(
        (status, outcome["resourceType"].as_str()),
        (StatusCode::BAD_REQUEST, Some("OperationOutcome"))
    );
    assert!(
        outcome["issue"][0]["diagnostics"]
            .as_str()
            .unwrap()
            .contains("not a search parameter of Patient")
    );
    let (status, _) = read(&app, Some(&admin), "/Patient?family=a&family=b").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let r = reqwest::Client::new()
        .get(app.url("/fhir/R4/Patient?nickname=Al&_count=2"))
        .bearer_auth(&admin)
        .header("Prefer", "handling=lenient")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bundle: Value = r.json().await.unwrap();
    let all =
        app.store.scalar_for_test("SELECT COUNT(*) AS n FROM patients", vec![]).await.unwrap();
    assert_eq!(bundle["total"].as_i64(), Some(all));
    assert!(link(&bundle, "self").unwrap().ends_with("/Patient?_count=2&_offset=0"), "{bundle}");
    let (status, outcome) = read(&app, Some(&admin), "/Patient?name=%00").await;
    assert_eq!(
        (status, outcome["resourceType"].as_str()),
        (StatusCode::BAD_REQUEST, Some("OperationOutcome"))
    );

    // The provider is the patient's general practitioner, found by NPI; the coordinator is on the CareTeam.
    let (_, one) = read(&app, Some(&admin), &format!("/Patient/{}", patient.id)).await;
    let reference = one["generalPractitioner"][0]["reference"].as_str().unwrap().to_owned();
    assert!(reference.starts_with("Practitioner/provider-"), "{reference}");
    let (status, provider) = read(&app, Some(&admin), &format!("/{reference}")).await;
    assert_eq!(status, StatusCode::OK);
    let npi = provider["identifier"][0]["value"].as_str().unwrap().to_owned();
    let (_, found) = read(
        &app,
        Some(&admin),
        &format!("/Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|{npi}"),
    )
    .await;
    assert_eq!(found["total"].as_u64(), Some(1));
    assert_eq!(found["entry"][0]["resource"]["id"], provider["id"]);

    // The CapabilityStatement lists exactly the parameters served.
    let (_, meta) = read(&app, None, "/metadata").await;
    let listed = |t: &str| -> Vec<String> {
        meta["rest"][0]["resource"].as_array().unwrap().iter().find(|r| r["type"] == t).unwrap()
                ["searchParam"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect()
    };
    assert_eq!(listed("Patient"), ["_id", "identifier", "family", "given", "name", "birthdate"]);
    assert_eq!(listed("Task"), ["patient", "status", "owner", "period"]);
    assert_eq!(listed("Practitioner"), ["_id", "identifier", "name"]);
}

/// A page of patients' details is read together (four statements, not four a patient): each patient
/// keeps their own needs and latest ten entries, newest first, in the order asked.
#[tokio::test]
async fn patient_details_are_read_together_each_with_its_own_parts_in_the_order_asked() {
    let app = spawn_app().await;
    let n = |sql: &'static str| {
        let store = app.store.clone();
        async move { store.scalar_for_test(sql, vec![]).await.unwrap() }
    };
    let busiest = n("SELECT patient_id AS n FROM coordinator_task_log WHERE patient_id IS NOT NULL GROUP BY patient_id ORDER BY COUNT(*) DESC, patient_id LIMIT 1").await;
    let needy = app
        .store
        .scalar_for_test(
            "SELECT MIN(patient_id) AS n FROM patient_special_needs WHERE patient_id <> $1",
            vec![busiest.into()],
        )
        .await
        .unwrap();
    let count_of = |id: i64, table: &str| {
        let store = app.store.clone();
        let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE patient_id = {id}");
        async move { store.scalar_for_test(&sql, vec![]).await.unwrap() }
    };
    // More than ten entries for the busiest patient (copies of their latest).
    for minutes in 1..=11 {
        let copy = format!(
            "INSERT INTO coordinator_task_log (coordinator_id, patient_id, task_type_id, task_category, minutes, stat_value, notes, task_at,
                 billing_year, billing_month, is_automated, above_average_confirmed, created_at, modified_at)
             SELECT coordinator_id, patient_id, task_type_id, task_category, {minutes}, stat_value, 'copy', task_at, billing_year,
                 billing_month, is_automated, above_average_confirmed, created_at, modified_at FROM coordinator_task_log
             WHERE id = (SELECT MAX(id) FROM coordinator_task_log WHERE patient_id = {busiest})"
        );
        assert_eq!(app.store.exec_for_test(&copy, vec![]).await.unwrap(), 1, "patient {busiest}");
    }
    assert!(count_of(busiest, "coordinator_task_log").await > 10, "patient {busiest}");
    let ids = [PatientId(needy), PatientId(999_999), PatientId(busiest)];
    let details = app.store.patient_details(&ids).await.unwrap();
    let read: Vec<i64> = details.iter().map(|d| d.id.get()).collect();
    assert_eq!(read, [needy, busiest], "in the order asked; an unknown id left out");
    let (first, second) = (&details[0], &details[1]);
    assert_eq!(first.special_needs.len() as i64, count_of(needy, "patient_special_needs").await);
    let mut sorted = first.special_needs.clone();
    sorted.sort();
    assert_eq!(first.special_needs, sorted);
    assert_eq!(
        first.recent_activity.len() as i64,
        count_of(needy, "coordinator_task_log").await.min(10),
        "each patient's own ten"
    );
    assert_eq!(second.recent_activity.len(), 10);
    assert!(
        second.recent_activity.windows(2).all(|w| w[0].task_at >= w[1].task_at),
        "newest first"
    );
    assert_eq!(
        second.name,
        app.store.patient_detail(PatientId(busiest)).await.unwrap().unwrap().name
    );
}
