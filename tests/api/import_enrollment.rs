//! A ZMO sheet with the enrollment columns (consent type, ICD-10-CM diagnoses, care plan status,
//! billing NPI, member ID, sex): imported patients bill as domain.md says; a later sheet without some
//! columns leaves those fields alone and the dry run shows every change old → new; a row whose
//! chart code matches another person's record is refused until the admin confirms it.

use carelog_domain::billing::RuleSet;
use carelog_domain::practice_time::{YearMonth, local_date};
use chrono::Utc;
use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_app, strip_tags};
use crate::imports::{apply, csv_of, metric, rows, upload};

const TZ: chrono_tz::Tz = chrono_tz::America::Los_Angeles;

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.store.scalar_for_test(sql, vec![]).await.unwrap()
}

async fn patient_id(app: &TestApp, chart: &str) -> carelog_domain::ids::PatientId {
    let id = app
        .store
        .scalar_for_test("SELECT id AS n FROM patients WHERE chart_code = $1", vec![chart.into()])
        .await
        .unwrap();
    carelog_domain::ids::PatientId(id)
}

#[tokio::test]
async fn an_imported_sheet_with_enrollment_columns_bills_and_a_partial_sheet_changes_only_its_columns()
 {
    let app = spawn_app().await;
    let (admin, _) = app.sign_in("admin").await;
    let szalas = app
        .store
        .practitioners()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.name == "Dr. Szalas")
        .unwrap();
    let npi = szalas.npi.clone().unwrap();
    let month = YearMonth::of(local_date(Utc::now(), TZ));
    let consented = month.previous().first_day().to_string();
    let header: &[&str] = &[
        "Patient Name",
        "DOB",
        "Chart Code",
        "Assigned CM",
        "Assigned Reg Prov",
        "Program",
        "Consent Date",
        "Consent Type",
        "Diagnoses",
        "Care Plan Status",
        "Billing Provider NPI",
        "MBI",
        "Sex",
    ];
    let sheet = rows(&[
        header,
        &[
            "ENROL, ANNA",
            "1950-01-01",
            "ZM990101",
            "coord1",
            "Dr. Szalas",
            "CCM",
            &consented,
            "written",
            "E11.9; I10",
            "Active",
            &npi,
            "1EG4-TE5-MK73",
            "F",
        ],
        &[
            "ENROL, BEN",
            "1951-02-02",
            "ZM990102",
            "coord1",
            "Dr. Szalas",
            "CCM",
            &consented,
            "verbal",
            "E11.9",
            "Active",
            &npi,
            "2EG4TE5MK74",
            "M",
        ],
        &[
            "ENROL, CARA",
            "1952-03-03",
            "ZM990103",
            "coord1",
            "Dr. Szalas",
            "PCM",
            &consented,
            "verbal",
            "I10",
            "Draft",
            &npi,
            "",
            "F",
        ],
        &[
            "ENROL, DAN",
            "1953-04-04",
            "ZM990104",
            "coord1",
            "Dr. Szalas",
            "CCM",
            &consented,
            "by fax",
            "E11",
            "Started",
            "1234567890",
            "",
            "X",
        ],
    ]);
    let (report, page) = upload(&app, &admin, "zmo", "enrol.csv", csv_of(&sheet)).await;
    let text = strip_tags(&page).replace("&#34;", "\"");
    assert_eq!(metric(&page, "creates"), 3, "{text}");
    for refusal in [
        "\"by fax\" is not verbal or written",
        "E11 is a category, not a billable code",
        "\"started\" is not Draft, Active or Inactive",
        "check digit should be 3",
        "\"x\" is not F, M or U",
    ] {
        assert!(text.contains(refusal), "{refusal}: {text}");
    }
    let (status, body) = apply(&app, &admin, &report, &[("skip_invalid", "1")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let anna = patient_id(&app, "ZM990101").await;
    let records = app.store.patient_enrollment(anna).await.unwrap().unwrap();
    assert_eq!(records.consents.len(), 1);
    assert_eq!(records.consents[0].method.as_str(), "written");
    let codes: Vec<&str> = records.diagnoses.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["E11.9", "I10"]);
    assert!(records.diagnoses.iter().all(|d| d.chronic && d.source.as_str() == "imported"));
    let plan = records.active().unwrap();
    assert_eq!((plan.source.as_str(), plan.activated_on), ("imported", None));
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) AS n FROM patients WHERE id = {anna} AND sex = 'F' AND member_id = '1EG4TE5MK73' AND billing_provider_id = {}", szalas.id)).await,
        1
    );

    // Twenty-five minutes for each this month; billing reads the imported records.
    let (coord, _) = app.sign_in("coord1").await;
    let call = app.task_type_id("Care Coordination: General").await.to_string();
    for chart in ["ZM990101", "ZM990102", "ZM990103"] {
        let id = patient_id(&app, chart).await.to_string();
        let fields =
            [("patient", id.as_str()), ("task_type", &call), ("minutes", "25"), ("confirm", "1")];
        let (status, body) = app.post_form(&coord, "/tasks", &fields).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let summary = app.figures.billing_summary(month, Some(RuleSet::Cms)).await.unwrap();
    let line = |chart: &str| summary.lines.iter().find(|l| l.chart_code == chart).unwrap().clone();
    assert!(line("ZM990101").billable, "{}", line("ZM990101").reason);
    assert_eq!(line("ZM990101").codes.to_string(), "99490");
    assert_eq!(
        line("ZM990102").reason,
        format!("CCM needs 2; 1 chronic diagnosis active in {month}")
    );
    assert_eq!(
        line("ZM990103").reason,
        "25 minutes: under the 30-minute threshold; care plan is a draft, never activated"
    );

    // A later sheet with fewer columns: what it leaves out stays as recorded.
    let partial = rows(&[
        &["Patient Name", "DOB", "Chart Code", "Program", "Phone"],
        &["ENROL, ANNA", "1950-01-01", "ZM990101", "CCM", "555-0199"],
    ]);
    let (report, page) = upload(&app, &admin, "zmo", "partial.csv", csv_of(&partial)).await;
    assert_eq!(metric(&page, "updates"), 1);
    let text = strip_tags(&page);
    assert!(text.contains("Phone: — → 555-0199"), "the dry run shows old → new: {text}");
    assert!(!text.contains("Consent Type:") && !text.contains("Diagnoses:"), "{text}");
    let (status, _) = apply(&app, &admin, &report, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let after = app.store.patient_enrollment(anna).await.unwrap().unwrap();
    assert_eq!(after.consents, records.consents);
    assert_eq!(after.diagnoses.len(), 2);
    assert!(after.active().is_some());
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) AS n FROM patients WHERE id = {anna} AND sex = 'F' AND member_id = '1EG4TE5MK73' AND coordinator_id IS NOT NULL AND phone = '555-0199'")).await,
        1
    );
    let events = count(&app, &format!("SELECT COUNT(*) AS n FROM audit_events WHERE patient_id = {anna} AND action = 'import.patient' AND detail LIKE '%Phone: — → 555-0199%'")).await;
    assert_eq!(events, 1, "the audit keeps old and new values");

    // Same chart code, another name and birth date: refused until confirmed.
    let other = rows(&[
        &["Patient Name", "DOB", "Chart Code", "Program"],
        &["OTHER, PERSON", "1960-06-06", "ZM990101", "CCM"],
    ]);
    let (report, page) = upload(&app, &admin, "zmo", "other.csv", csv_of(&other)).await;
    assert_eq!(metric(&page, "invalid"), 1);
    assert!(strip_tags(&page).contains("likely a different patient"));
    let (status, _) = apply(&app, &admin, &report, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let unchanged =
        "SELECT COUNT(*) AS n FROM patients WHERE chart_code = 'ZM990101' AND last_name = 'ENROL'";
    assert_eq!(count(&app, unchanged).await, 1);
    let (status, _) = apply(&app, &admin, &report, &[("same:ZM990101", "1")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(count(&app, unchanged).await, 0, "confirmed: the record takes the sheet's name");
}
