//! Imports over HTTP (the admin page) and from the command line: ZMO, PSL and CM Log files in CSV and
//! XLSX, the dry-run report with errors by row and column, all-or-nothing or skipping invalid rows,
//! column mapping, and re-importing the same file changing nothing.

use carelog_domain::practice_time::local_date;
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::helpers::{TestApp, csrf_token, run_carelog, spawn_app, strip_tags};

const TZ: chrono_tz::Tz = chrono_tz::America::Los_Angeles;

pub(crate) fn csv_of(rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

fn xlsx_of(rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            // Numbers as numbers, as a spreadsheet would keep them.
            match cell.parse::<f64>() {
                Ok(n) if !cell.starts_with('0') || cell == "0" => {
                    sheet.write_number(r as u32, c as u16, n).unwrap()
                }
                _ => sheet.write_string(r as u32, c as u16, cell).unwrap(),
            };
        }
    }
    book.save_to_buffer().unwrap()
}

pub(crate) fn rows(items: &[&[&str]]) -> Vec<Vec<String>> {
    items.iter().map(|r| r.iter().map(|s| (*s).to_owned()).collect()).collect()
}

/// Uploads a file as the admin; returns the report page's path and body.
pub(crate) async fn upload(
    app: &TestApp,
    admin: &reqwest::Client,
    kind: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (String, String) {
    let page = admin.get(app.url("/admin/imports")).send().await.unwrap().text().await.unwrap();
    let token = csrf_token(&page);
    let form = Form::new()
        .text("kind", kind.to_owned())
        .part("file", Part::bytes(bytes).file_name(name.to_owned()));
    let r = admin
        .post(app.url(&format!("/admin/imports?_csrf={token}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let path = r.url().path().to_owned();
    (path, r.text().await.unwrap())
}

pub(crate) fn metric(page: &str, id: &str) -> i64 {
    page.split(&format!("data-testid=\"{id}\">"))
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

pub(crate) async fn apply(
    app: &TestApp,
    admin: &reqwest::Client,
    report: &str,
    extra: &[(&str, &str)],
) -> (StatusCode, String) {
    app.post_form(admin, &format!("{report}/apply"), extra).await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.store.scalar_for_test(sql, vec![]).await.unwrap()
}

fn zmo() -> Vec<Vec<String>> {
    rows(&[
        &[
            "patient name",
            "DOB",
            "Chart Code",
            "Assigned CM",
            "Assigned Reg Prov",
            "Facility",
            "Status",
            "Program",
            "Consent Date",
            "Chronic Conditions",
            "Complex",
            "Language",
            "Special Needs",
            "Phone",
            "Insurance",
            "Policy Number",
            "Visit Interval",
        ],
        &[
            "TESTER, ALMA",
            "1948-02-03",
            "ZM990001",
            "coord1",
            "Dr. Szalas",
            "Acacia",
            "Active",
            "CCM",
            "2026-01-10",
            "Diabetes; CHF",
            "N",
            "English",
            "",
            "555-0101",
            "Medicare",
            "1EG4-TE5",
            "3",
        ],
        &[
            "TESTER, BRUNO",
            "02/14/1952",
            "ZM990002",
            "",
            "Dr. Newman",
            "Lakeside",
            "Active",
            "CCM+PCM",
            "",
            "2",
            "Y",
            "Spanish",
            "Dementia",
            "555-0102",
            "Medicare",
            "",
            "6",
        ],
    ])
}

#[tokio::test]
async fn zmo_psl_and_cm_log_import_from_csv_and_xlsx_and_a_second_import_changes_nothing() {
    let app = spawn_app().await;
    let (admin, _) = app.sign_in("admin").await;
    let patients_before = count(&app, "SELECT COUNT(*) AS n FROM patients").await;
    let yesterday = (local_date(Utc::now(), TZ) - Duration::days(1)).format("%Y-%m-%d").to_string();
    let psl = rows(&[
        &["Chart Code", "Visit Date", "Provider", "Visit Type"],
        &["ZM990001", "2026-10-02", "Dr. Szalas", "Office Visit"],
        &["zm990002", "10/05/2026", "dr. newman", "Tele Visit"],
    ]);
    let cm_log = rows(&[
        &[
            "Coordinator",
            "Patient Name",
            "Chart Code",
            "Task Type",
            "Notes",
            "Time (min)",
            "Date/Time",
        ],
        &[
            "coord1",
            "TESTER, ALMA",
            "",
            "Communication: Phone",
            "Welcome call",
            "20",
            &format!("{yesterday} 10:00"),
        ],
        &[
            "coord1",
            "",
            "ZM990001",
            "Stat: Last ER/HOSP (yymm)",
            "2609",
            "",
            &format!("{yesterday} 10:30"),
        ],
    ]);

    for (format, encode) in [("csv", csv_of as fn(&[Vec<String>]) -> Vec<u8>), ("xlsx", xlsx_of)] {
        for (kind, table, creates) in
            [("zmo", zmo(), 2), ("psl", psl.clone(), 2), ("cmlog", cm_log.clone(), 2)]
        {
            let (report, page) =
                upload(&app, &admin, kind, &format!("{kind}.{format}"), encode(&table)).await;
            assert!(
                report.starts_with("/admin/imports/"),
                "{kind}.{format}: {}",
                strip_tags(&page)
            );
            let first_time = format == "csv";
            assert_eq!(
                metric(&page, "creates"),
                if first_time { creates } else { 0 },
                "{kind}.{format}"
            );
            assert_eq!(
                metric(&page, "skips"),
                if first_time { 0 } else { creates },
                "{kind}.{format}: the same rows again"
            );
            assert_eq!(metric(&page, "invalid"), 0, "{kind}.{format}: {}", strip_tags(&page));
            let (status, body) = apply(&app, &admin, &report, &[]).await;
            assert_eq!(status, StatusCode::OK, "{kind}.{format}: {}", strip_tags(&body));
            assert!(body.contains(&format!("{creates} created").replace(
                &creates.to_string(),
                &(if first_time { creates } else { 0 }).to_string()
            )));
        }
    }
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM patients").await, patients_before + 2);
    let alma = app
        .store
        .scalar_for_test("SELECT id AS n FROM patients WHERE chart_code = 'ZM990001'", vec![])
        .await
        .unwrap();
    let coord1 = app.user_id("coord1").await;
    assert_eq!(
        app.store
            .scalar_for_test(
                "SELECT coordinator_id AS n FROM patients WHERE id = $1",
                vec![alma.into()]
            )
            .await
            .unwrap(),
        coord1.get()
    );
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM patients WHERE chart_code = 'ZM990002' AND onboarding_status = 'Ready for Assignment' AND complex_ccm = TRUE").await, 1, "no CM: waits in the queue");
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM providers WHERE name = 'Dr. Newman'").await,
        1,
        "a new provider, once"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM facilities WHERE name = 'Lakeside'").await,
        1
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM visits v JOIN patients p ON p.id = v.patient_id WHERE p.chart_code LIKE 'ZM9900%'").await,
        2
    );
    assert_eq!(
        app.store
            .scalar_for_test(
                "SELECT COUNT(*) AS n FROM coordinator_task_log WHERE patient_id = $1",
                vec![alma.into()]
            )
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM coordinator_task_log WHERE stat_value = '2609'")
            .await,
        1,
        "a Stat value from the notes column"
    );
    assert!(
        count(&app, "SELECT COUNT(*) AS n FROM audit_events WHERE action LIKE 'import.%'").await
            > 6
    );
    // The panel shows the imported minutes.
    let (coordinator, _) = app.sign_in("coord1").await;
    let panel = coordinator.get(app.url("/panel")).send().await.unwrap().text().await.unwrap();
    assert!(panel.contains(&format!("data-patient=\"{alma}\"")));
}

#[tokio::test]
async fn bad_rows_are_reported_by_row_and_column_and_stop_the_import_unless_skipped() {
    let app = spawn_app().await;
    let (admin, _) = app.sign_in("admin").await;
    let mut table = zmo();
    table.push(
        rows(&[&[
            "BROKEN ROW",
            "1952-13-01",
            "ZM990003",
            "nobody",
            "",
            "",
            "",
            "RPM",
            "",
            "",
            "",
            "",
            "Cardiac",
            "",
            "",
            "",
            "40",
        ]])
        .remove(0),
    );
    let before = count(&app, "SELECT COUNT(*) AS n FROM patients").await;
    let (report, page) = upload(&app, &admin, "zmo", "zmo.csv", csv_of(&table)).await;
    assert_eq!((metric(&page, "creates"), metric(&page, "invalid")), (2, 1));
    let errors = strip_tags(
        page.split("data-testid=\"errors\"").nth(1).unwrap().split("</table>").next().unwrap(),
    );
    for expected in ["4Patient Name", "4DOB", "4Program", "4Special Needs", "4Visit Interval"] {
        assert!(errors.contains(expected), "{expected} in {errors}");
    }
    let (status, body) = apply(&app, &admin, &report, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("1 row has errors, so nothing was imported"));
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM patients").await, before, "all or nothing");
    let (status, _) = apply(&app, &admin, &report, &[("skip_invalid", "1")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM patients").await, before + 2);

    // A header the sheet names its own way is mapped in a second step.
    let renamed = rows(&[
        &["Chart Code", "Seen On", "Provider", "Visit Type"],
        &["ZM990001", "2026-10-02", "Dr. Szalas", "Office Visit"],
    ]);
    let (report, page) = upload(&app, &admin, "psl", "visits.csv", csv_of(&renamed)).await;
    assert!(page.contains("data-testid=\"missing\"") && page.contains("Visit Date"));
    let mapped = admin
        .get(app.url(&format!("{report}?map%3ASeen%20On=Visit%20Date")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(metric(&mapped, "creates"), 1, "{}", strip_tags(&mapped));
    let (status, _) = apply(&app, &admin, &report, &[("map:Seen On", "Visit Date")]).await;
    assert_eq!(status, StatusCode::OK);

    let template = admin
        .get(app.url("/admin/imports/template/cmlog.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        template.starts_with(
            "Coordinator,Patient Name,Chart Code,Task Type,Notes,Time (min),Date/Time"
        )
    );
    let (manager, _) = app.sign_in("manager1").await;
    assert_eq!(
        manager.get(app.url("/admin/imports")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(manager.get(app.url(&report)).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let with_nul = rows(&[
        &["Chart Code", "Visit Date", "Provider", "Visit Type"],
        &["ZM990001", "2026-10-02", "Dr.\u{0}Szalas", "Office Visit"],
    ]);
    let (nul_report, page) = upload(&app, &admin, "psl", "nul.xlsx", xlsx_of(&with_nul)).await;
    assert_eq!(nul_report, "/admin/imports");
    assert!(page.contains("NUL characters"), "{}", strip_tags(&page));
    let (garbage_report, page) =
        upload(&app, &admin, "zmo", "zmo.xlsx", b"PK\x03\x04not really".to_vec()).await;
    assert_eq!(garbage_report, "/admin/imports");
    assert!(page.contains("not a readable XLSX"));
}

#[tokio::test]
async fn the_command_line_reports_then_applies() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("zmo.csv");
    std::fs::write(&file, csv_of(&zmo())).unwrap();
    let run = async |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run_carelog(&app.database_url, &args).await;
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let path = file.display().to_string();
    let (ok, out) = run(vec!["import".into(), "zmo".into(), path.clone()]).await;
    assert!(
        ok && out.contains("2 to create") && out.contains("Dry run: nothing was changed"),
        "{out}"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM patients WHERE chart_code LIKE 'ZM9900%'").await,
        0
    );
    let (ok, out) = run(vec!["import".into(), "zmo".into(), path.clone(), "--apply".into()]).await;
    assert!(ok && out.contains("Imported: 2 created"), "{out}");
    let (ok, out) = run(vec!["import".into(), "zmo".into(), path, "--apply".into()]).await;
    assert!(ok && out.contains("0 to create, 0 to update, 2 to skip"), "{out}");
    let (ok, out) = run(vec!["import".into(), "xyz".into(), "nofile.csv".into()]).await;
    assert!(!ok && out.contains("is not zmo, psl, cmlog or synthea"), "{out}");
}

#[tokio::test]
async fn synthea_bundles_import_as_waiting_patients_with_their_visits() {
    let app = spawn_app().await;
    let queue_before = app.store.assignment_queue_length().await.unwrap();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/synthea");
    let run = async |apply: bool| {
        let mut args = vec!["import", "synthea", fixtures];
        if apply {
            args.push("--apply");
        }
        let out = run_carelog(&app.database_url, &args).await;
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (ok, out) = run(false).await;
    assert!(ok && out.contains("Synthea patients: 2 to create"), "{out}");
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM patients WHERE chart_code LIKE 'SYN-%'").await,
        0,
        "a dry run changes nothing"
    );
    let (ok, out) = run(true).await;
    assert!(ok && out.contains("Imported encounters as visits: 3 created"), "{out}");
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM patients WHERE chart_code LIKE 'SYN-%'").await,
        2
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM visits v JOIN patients p ON p.id = v.patient_id WHERE p.chart_code LIKE 'SYN-%'").await,
        3
    );
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM patients WHERE chart_code LIKE 'SYN-%' AND program = 'CCM' AND chronic_conditions = 2 AND language = 'Spanish'").await, 1);
    assert!(out.contains("Kept 3 conditions without an ICD-10-CM code"), "{out}");
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM patient_diagnoses d JOIN patients p ON p.id = d.patient_id WHERE p.chart_code LIKE 'SYN-%' AND d.code_system = 'SNOMED CT' AND d.chronic = TRUE AND d.code IN ('44054006', '59621000', '53741008')").await,
        3,
        "unresolved conditions kept in SNOMED CT, needing their ICD-10-CM code; the resolved sinusitis is not"
    );
    assert_eq!(
        app.store.assignment_queue_length().await.unwrap(),
        queue_before + 2,
        "they wait for a coordinator"
    );
    let (ok, out) = run(true).await;
    assert!(out.contains("Kept 0 conditions"), "not kept twice: {out}");
    assert!(
        ok && out.contains("0 to create, 0 to update, 2 to skip")
            && out.contains("0 to create, 0 to update, 3 to skip"),
        "{out}"
    );
}

/// A 1.5 KB workbook with cells A1 and XFD400 declares 400 × 16,384 cells: refused by its size
/// before a cell is read (the review measured 170 MB allocated for it), with a message that says
/// what to do.
#[tokio::test]
async fn a_sheet_declaring_a_huge_extent_is_refused_before_it_is_read() {
    let app = spawn_app().await;
    let (admin, _) = app.sign_in("admin").await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Chart Code").unwrap();
    sheet.write_string(399, 16_383, "far away").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    assert!(bytes.len() < 10_000, "{} bytes", bytes.len());
    let (_, page) = upload(&app, &admin, "zmo", "huge.xlsx", bytes).await;
    assert!(page.contains("spans 16384 columns"), "{page}");
    assert!(page.contains("at most 200"), "{page}");
}
