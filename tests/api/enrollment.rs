//! Enrollment records over HTTP: a coordinator records consent, diagnoses and a care plan for their
//! patient; billing reads those records for the month in question and names the one missing; every
//! change is audited with its old and new value; a refused form changes nothing.

use carelog_domain::billing::RuleSet;
use carelog_domain::ids::PatientId;
use carelog_domain::practice_time::{YearMonth, local_date};
use carelog_store::AuditFilter;
use chrono::Utc;
use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_app};

const TZ: chrono_tz::Tz = chrono_tz::America::Los_Angeles;

fn today() -> chrono::NaiveDate {
    local_date(Utc::now(), TZ)
}

async fn without_records(app: &TestApp, patient: PatientId) {
    app.without_enrollment(patient).await;
}

async fn reason(app: &TestApp, month: YearMonth, patient: PatientId) -> (bool, String) {
    let summary = app.figures.billing_summary(month, Some(RuleSet::Cms)).await.unwrap();
    let line = summary.lines.iter().find(|l| l.patient_id == patient).unwrap();
    (line.billable, line.reason.clone())
}

async fn count(app: &TestApp, sql: &str, patient: PatientId) -> i64 {
    app.store.scalar_for_test(sql, vec![patient.into()]).await.unwrap()
}

#[tokio::test]
async fn a_coordinator_enrols_a_patient_and_the_month_bills_from_the_records() {
    let app = spawn_app().await;
    let patient = app.own_patient("coord1").await;
    without_records(&app, patient).await;
    let month = YearMonth::of(today());
    let (client, _) = app.sign_in("coord1").await;
    let record = format!("/patients/{patient}");
    let call = app.task_type_id("Care Coordination: General").await.to_string();
    let (status, body) = app
        .post_form(
            &client,
            "/tasks",
            &[
                ("patient", &patient.to_string()),
                ("task_type", &call),
                ("minutes", "25"),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (billable, why) = reason(&app, month, patient).await;
    assert!(!billable);
    assert!(why.contains("no CCM consent on file"), "{why}");
    assert!(why.contains("CCM needs 2; no chronic diagnoses recorded"), "{why}");
    assert!(why.contains("no care plan"), "{why}");
    let page = client.get(app.url(&record)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("no consent") && page.contains("no care plan"), "gaps in words");

    // Consent: refused without every disclosure, naming the missing ones; nothing stored.
    let today = today().to_string();
    let consent = |told_cost: &'static str| {
        vec![
            ("program", "CCM"),
            ("method", "verbal"),
            ("service_available", "yes"),
            ("cost_sharing", told_cost),
            ("one_practitioner_a_month", "yes"),
            ("may_stop_any_time", "yes"),
        ]
    };
    let mut fields = consent("");
    fields.push(("obtained_on", &today));
    let (status, body) = app.post_form(&client, &format!("{record}/consents"), &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("not yet: that cost-sharing applies"), "{body}");
    let consents = "SELECT COUNT(*) AS n FROM patient_consents WHERE patient_id = $1";
    assert_eq!(count(&app, consents, patient).await, 0);
    let mut fields = consent("yes");
    fields.push(("obtained_on", &today));
    let (status, body) = app.post_form(&client, &format!("{record}/consents"), &fields).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("CCM consent recorded"), "{body}");

    // Diagnoses: the code set decides; a category is refused with a code to choose.
    let diagnoses = format!("{record}/diagnoses");
    let (status, body) = app.post_form(&client, &diagnoses, &[("code", "E11")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("E11 is a category, not a billable code"), "{body}");
    for code in ["e119", "I10"] {
        let (status, body) = app.post_form(&client, &diagnoses, &[("code", code)]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let page = client.get(app.url(&record)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Type 2 diabetes mellitus without complications"));
    let searched = client
        .get(app.url(&format!("{record}?dx=essential%20hypertension")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(searched.contains("Essential (primary) hypertension"), "the code search finds words");

    // The care plan: a draft without a goal cannot be activated; with one, it can.
    let plan = format!("{record}/care-plan");
    let sections = [
        ("problem_list", "E11.9 Type 2 diabetes; I10 hypertension"),
        ("expected_outcome", "Stable at home"),
        ("interventions", "Monthly call (coordinator)"),
        ("next_review_on", "2099-01-01"),
    ];
    let (status, body) = app.post_form(&client, &plan, &sections).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let practitioner = app.store.practitioners().await.unwrap()[0].id.to_string();
    let activate = [("on", today.as_str()), ("approved_by", practitioner.as_str())];
    let (status, body) = app.post_form(&client, &format!("{plan}/activate"), &activate).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("cannot be activated without a measurable goal"), "{body}");
    let mut with_goal = sections.to_vec();
    with_goal.extend([
        ("goal_1", "HbA1c below 8%"),
        ("target_1", "2099-01-01"),
        ("status_1", "In progress"),
    ]);
    let (status, _) = app.post_form(&client, &plan, &with_goal).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app.post_form(&client, &format!("{plan}/activate"), &activate).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Care plan version 1 is active from"), "{body}");
    let print = client.get(app.url(&format!("{plan}/1/print"))).send().await.unwrap();
    assert_eq!(print.status(), StatusCode::OK);
    assert!(print.text().await.unwrap().contains("HbA1c below 8%"));

    let (billable, why) = reason(&app, month, patient).await;
    assert!(billable, "{why}");

    // Withdrawn this month: this month still bills, the next does not, and says why.
    let consent_id = app
        .store
        .scalar_for_test(
            "SELECT MAX(id) AS n FROM patient_consents WHERE patient_id = $1",
            vec![patient.into()],
        )
        .await
        .unwrap();
    let (status, body) = app
        .post_form(&client, &format!("{record}/consents/{consent_id}/withdraw"), &[("on", &today)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(reason(&app, month, patient).await.0);
    let (billable, why) = reason(&app, month.next(), patient).await;
    assert!(!billable);
    assert!(why.contains(&format!("consent withdrawn {today}")), "{why}");

    // Every change is audited with what it was and what it became.
    let events = app
        .store
        .audit_events(&AuditFilter { patient_id: Some(patient), ..AuditFilter::default() }, 100, 0)
        .await
        .unwrap()
        .events;
    let detail = |action: &str| {
        events.iter().filter(|e| e.action == action).map(|e| e.detail.clone()).collect::<Vec<_>>()
    };
    assert!(detail("enrollment.consent")[0].contains("none → obtained"));
    assert_eq!(detail("enrollment.diagnosis").len(), 2, "the refused category left no event");
    assert!(
        detail("enrollment.consent_withdrawn")[0].contains(&format!("withdrawn none → {today}"))
    );
    assert!(detail("enrollment.care_plan_active")[0].contains("active none → version 1"));
}

#[tokio::test]
async fn only_those_who_may_see_the_patient_may_change_their_records() {
    let app = spawn_app().await;
    let patient = app.own_patient("coord1").await;
    let (other, _) = app.sign_in("coord2").await;
    let diagnoses = "SELECT COUNT(*) AS n FROM patient_diagnoses WHERE patient_id = $1";
    let before = count(&app, diagnoses, patient).await;
    let (status, _) =
        app.post_form(&other, &format!("/patients/{patient}/diagnoses"), &[("code", "I10")]).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another coordinator's patient does not exist for them"
    );
    for path in ["care-plan", "care-plan/1/print"] {
        let r = other.get(app.url(&format!("/patients/{patient}/{path}"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(count(&app, diagnoses, patient).await, before);
    let (manager, _) = app.sign_in("manager1").await;
    let (status, body) = app
        .post_form(
            &manager,
            &format!("/patients/{patient}/diagnoses"),
            &[("code", "E66.9"), ("onset_on", "2020-01-01")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(count(&app, diagnoses, patient).await, before + 1);
}

#[tokio::test]
async fn a_complexity_change_bills_from_its_month_and_the_record_says_which() {
    let app = spawn_app().await;
    let patient = app.own_patient("coord1").await;
    without_records(&app, patient).await;
    let (client, _) = app.sign_in("coord1").await;
    let today = today().to_string();
    let path = format!("/patients/{patient}/complexity");
    let (status, body) =
        app.post_form(&client, &path, &[("complex", "yes"), ("effective_on", &today)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required");
    assert!(body.contains("Reason: say why"), "{body}");
    let fields =
        [("complex", "yes"), ("effective_on", today.as_str()), ("reason", "three admissions")];
    let (status, body) = app.post_form(&client, &path, &fields).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("not complex → complex — three admissions"), "{body}");
    let records = app.store.patient_enrollment(patient).await.unwrap().unwrap().records();
    let month = YearMonth::of(today.parse().unwrap());
    assert!(records.complex_in(month));
    assert!(!records.complex_in(month.previous()), "the months before keep the old value");
}

async fn token_for(app: &TestApp, username: &str) -> String {
    let (client, _) = app.sign_in(username).await;
    let (_, page) = app.post_form(&client, "/account/tokens", &[("name", "enrollment")]).await;
    page.split("data-testid=\"token\">").nth(1).unwrap().split('<').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_api_records_enrollment_under_the_same_rules_and_reach() {
    let app = spawn_app().await;
    let patient = app.own_patient("coord1").await;
    without_records(&app, patient).await;
    let token = token_for(&app, "coord1").await;
    let client = reqwest::Client::new();
    let url = |path: &str| app.url(&format!("/api/v1/patients/{patient}{path}"));
    let post = |path: &str, body: serde_json::Value| {
        client.post(url(path)).bearer_auth(&token).json(&body).send()
    };
    let month = YearMonth::of(today());
    let today = today().to_string();
    let consent = |told: bool| {
        serde_json::json!({ "program": "CCM", "obtained_on": today, "method": "written",
            "disclosures": { "service_available": true, "cost_sharing": told, "one_practitioner_a_month": true, "may_stop_any_time": true } })
    };
    let refused = post("/consents", consent(false)).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = refused.json::<serde_json::Value>().await.unwrap()["problems"][0].clone();
    assert!(problem.as_str().unwrap().contains("that cost-sharing applies"), "{problem}");
    assert_eq!(post("/consents", consent(true)).await.unwrap().status(), StatusCode::CREATED);
    for code in ["E11.9", "I10"] {
        let r = post("/diagnoses", serde_json::json!({ "code": code })).await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let draft = serde_json::json!({ "problem_list": "E11.9; I10", "expected_outcome": "Stable", "interventions": "Calls",
        "next_review_on": "2099-01-01", "goals": [{ "goal": "HbA1c below 8%", "target_on": "2099-01-01", "status": "In progress" }] });
    assert_eq!(post("/care-plan/draft", draft).await.unwrap().status(), StatusCode::CREATED);
    let enrollment: serde_json::Value = client
        .get(url("/enrollment"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let practitioner = enrollment["practitioners"][0]["id"].as_i64().unwrap();
    let activated = post(
        "/care-plan/activation",
        serde_json::json!({ "activated_on": today, "approved_by": practitioner }),
    )
    .await
    .unwrap();
    assert_eq!(activated.status(), StatusCode::CREATED);
    let after: serde_json::Value = activated.json().await.unwrap();
    assert_eq!(after["gaps"], serde_json::json!([]));
    assert_eq!(after["care_plan_versions"][0]["state"], "Active");
    assert_eq!(after["care_plan_versions"][0]["goals"][0]["goal"], "HbA1c below 8%");
    assert_eq!(after["diagnoses"][0]["system"], "http://hl7.org/fhir/sid/icd-10-cm");
    let (billable, why) = reason(&app, month, patient).await;
    assert!(billable || why.ends_with("-minute threshold"), "only time can be missing: {why}");

    // Another coordinator's token reaches nothing; the changes were audited as the page's are.
    let other = token_for(&app, "coord2").await;
    let r = client.get(url("/enrollment")).bearer_auth(&other).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = client
        .post(url("/diagnoses"))
        .bearer_auth(&other)
        .json(&serde_json::json!({ "code": "J44.9" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let consents = "SELECT COUNT(*) AS n FROM audit_events WHERE patient_id = $1 AND action = 'enrollment.consent'";
    assert_eq!(count(&app, consents, patient).await, 1);
}

#[tokio::test]
async fn coordinators_see_enrollment_gaps_in_words_on_the_panel_and_the_needs_time_list() {
    let app = spawn_app().await;
    let patient = app.own_patient("coord1").await;
    without_records(&app, patient).await;
    let (client, _) = app.sign_in("coord1").await;
    let row = |page: &str| {
        page.split(&format!("data-patient=\"{patient}\""))
            .nth(1)
            .unwrap()
            .split("</tr>")
            .next()
            .unwrap()
            .to_owned()
    };
    let panel = client.get(app.url("/panel")).send().await.unwrap().text().await.unwrap();
    let line = row(&panel);
    for gap in ["no consent", "no chronic diagnoses", "no care plan"] {
        assert!(line.contains(gap), "{gap}: {line}");
    }
    // The patient filter narrows the needs-time list to them (it is paged, ten a page).
    let tasks = client
        .get(app.url(&format!("/tasks?patient={patient}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let needs = tasks.split("Needs care time this month (1)").nth(1).unwrap();
    let entry = needs
        .split(&format!("/patients/{patient}\""))
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(entry.contains("no consent") && entry.contains("no care plan"), "{entry}");
    for page in [&panel, &tasks] {
        for word in ["99490", "$", "reimbursement"] {
            assert!(!page.contains(word), "no code or amount: {word}");
        }
    }
}

#[tokio::test]
async fn a_care_plan_task_logged_from_the_record_leads_to_the_care_plan() {
    let app = spawn_app().await;
    let patient = app.own_patient("coord1").await;
    let (client, _) = app.sign_in("coord1").await;
    let review = app.task_type_id("CCM: Care Plan Monthly REVIEW/CLOSE").await.to_string();
    let fields = [
        ("task_type", review.as_str()),
        ("minutes", "10"),
        ("confirm", "1"),
        ("action", "continue"),
    ];
    let (status, body) =
        app.post_form(&client, &format!("/patients/{patient}/entries"), &fields).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Saved. The care plan, to review or revise:"), "{body}");
    assert!(body.contains("data-testid=\"care-plan-form\""));
    let call = app.task_type_id("Communication: Phone").await.to_string();
    let fields =
        [("task_type", call.as_str()), ("minutes", "5"), ("confirm", "1"), ("action", "continue")];
    let (status, body) =
        app.post_form(&client, &format!("/patients/{patient}/entries"), &fields).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("data-testid=\"saved\""), "other types stay on the record");
}

async fn line_of(
    app: &TestApp,
    month: YearMonth,
    patient: PatientId,
) -> Option<carelog_domain::billing_summary::SummaryLine> {
    let summary = app.figures.billing_summary(month, Some(RuleSet::Cms)).await.unwrap();
    summary.lines.iter().find(|l| l.patient_id == patient).cloned()
}

fn enrolment<'a>(
    practitioner: &'a str,
    started: &'a str,
    ended: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("program", "CCM"),
        ("billing_provider", practitioner),
        ("enrolled_on", started),
        ("ended_on", ended),
    ]
}

#[tokio::test]
async fn the_enrollment_and_its_initiating_visit_shape_the_billing_line() {
    let app = spawn_app().await;
    let patient = app.own_patient("coord1").await;
    let month = YearMonth::of(today());
    let (client, _) = app.sign_in("coord1").await;
    app.store
        .exec_for_test("DELETE FROM visits WHERE patient_id = $1", vec![patient.into()])
        .await
        .unwrap();
    let id = app.store.practitioners().await.unwrap()[0].id.to_string();
    let started = month.first_day().to_string();
    let record = format!("/patients/{patient}");
    let (status, body) = app
        .post_form(&client, &format!("{record}/enrollment"), &enrolment(&id, &started, ""))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = client.get(app.url(&record)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("none on record by the billing practitioner"));
    let before = line_of(&app, month, patient).await.unwrap();

    // An initiating visit by the billing practitioner within the 12 months clears the review flag.
    let visit = (month.first_day() - chrono::Duration::days(30)).to_string();
    let fields = [
        ("visit_on", visit.as_str()),
        ("kind", "Annual Wellness Visit (AWV)"),
        ("practitioner", id.as_str()),
    ];
    let (status, body) =
        app.post_form(&client, &format!("{record}/initiating-visits"), &fields).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Annual Wellness Visit (AWV) on"), "{body}");
    let after = line_of(&app, month, patient).await.unwrap();
    assert!(!after.flags.join(" ").contains("initiating visit"), "{:?}", after.flags);
    if before.billable {
        assert!(before.flags.join(" ").contains("no initiating visit"), "{:?}", before.flags);
    }

    // Ended today: the next month names it.
    let today = today().to_string();
    let (status, body) = app
        .post_form(&client, &format!("{record}/enrollment"), &enrolment(&id, &started, &today))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Ended today: no patient-month after this one unless minutes are logged in it.
    let next = line_of(&app, month.next(), patient).await;
    assert!(next.is_none(), "{:?}", next.map(|l| l.reason));
    let reversed = enrolment(&id, "2026-05-01", "2026-04-01");
    let (status, body) = app.post_form(&client, &format!("{record}/enrollment"), &reversed).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("is before the enrollment began"), "{body}");
    let events = "SELECT COUNT(*) AS n FROM audit_events WHERE patient_id = $1 AND action = 'enrollment.enrollment'";
    assert_eq!(count(&app, events, patient).await, 2, "the refused change left no event");
}

#[tokio::test]
async fn an_admin_records_a_practitioners_npi_checked_by_its_check_digit() {
    let app = spawn_app().await;
    let (admin, _) = app.sign_in("admin").await;
    let all = app.store.practitioners().await.unwrap();
    let (first, second) = (&all[0], &all[1]);
    let path = |id: i64| format!("/admin/practitioners/{id}/npi");
    let (status, body) = app.post_form(&admin, &path(first.id), &[("npi", "1234567890")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("check digit should be 3"), "{body}");
    let taken = second.npi.clone().unwrap();
    let (status, body) = app.post_form(&admin, &path(first.id), &[("npi", &taken)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains(&format!("{} already holds", second.name)), "{body}");
    let (status, body) = app.post_form(&admin, &path(first.id), &[("npi", "1234567893")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("now has NPI 1234567893"));
    let (coordinator, _) = app.sign_in("coord1").await;
    let (status, _) = app.post_form(&coordinator, &path(first.id), &[("npi", "1234567893")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let events = "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'admin.practitioner_npi' AND detail LIKE '%→ 1234567893' AND patient_id IS NULL AND $1 = $1";
    assert_eq!(count(&app, events, PatientId(0)).await, 1);
}
