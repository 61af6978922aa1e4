//! Issue 19: a closed month is its billed record. Everything read for it stays byte for byte the same
//! whatever changes later; the database refuses its entries' writes except an administrator's
//! amendment; claims come from the record as CSV and as an 837P.

use carelog_domain::ids::PatientId;
use carelog_domain::practice_time::{YearMonth, local_date};
use reqwest::StatusCode;

use crate::helpers::{TestApp, run_carelog, spawn_app};

const TZ: chrono_tz::Tz = chrono_tz::America::Los_Angeles;

fn last_month() -> YearMonth {
    YearMonth::of(local_date(chrono::Utc::now(), TZ)).previous()
}

async fn get_text(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// Everything a closed month answers with: summary CSV, claims CSV, 837P, the API's JSON.
async fn outputs(
    app: &TestApp,
    admin: &reqwest::Client,
    token: &str,
    month: YearMonth,
) -> [String; 4] {
    let mut out = Vec::new();
    for path in [
        format!("/billing/export.csv?month={month}"),
        format!("/billing/claims.csv?month={month}"),
        format!("/billing/claims.837?month={month}"),
    ] {
        let (status, body) = get_text(admin, app, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        out.push(body);
    }
    let r = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/billing/summary?month={month}&rules=cms")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    out.push(r.text().await.unwrap());
    out.try_into().unwrap()
}

async fn token_for(app: &TestApp, client: &reqwest::Client) -> String {
    let (status, page) =
        app.post_form(client, "/account/tokens", &[("name", "billing test")]).await;
    assert_eq!(status, StatusCode::OK);
    page.split("data-testid=\"token\">").nth(1).unwrap().split('<').next().unwrap().to_owned()
}

async fn close(app: &TestApp, admin: &reqwest::Client, month: YearMonth) {
    let (status, page) =
        app.post_form(admin, "/billing/close", &[("month", &month.to_string())]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("data-testid=\"closed\""), "{page}");
}

/// A billable patient of the month's record and one of its entries with minutes.
async fn billed_patient(app: &TestApp, month: YearMonth) -> (PatientId, carelog_store::EntryRow) {
    let (_, record) = app.store.billed_record(month).await.unwrap().unwrap();
    for line in record.lines.iter().filter(|l| l.billable && l.minutes >= 30) {
        let entries = app.store.patient_month_entries(line.patient_id, month).await.unwrap();
        if let Some(e) = entries.into_iter().find(|e| e.counts && e.entry.minutes.is_some()) {
            return (line.patient_id, e.entry);
        }
    }
    panic!("the demo bills patients with time last month");
}

#[tokio::test]
async fn a_closed_month_reads_the_same_after_consent_fee_rule_set_changes_and_a_late_entry() {
    let app = spawn_app().await;
    let month = last_month();
    let (admin, _) = app.sign_in("admin").await;
    let token = token_for(&app, &admin).await;
    close(&app, &admin, month).await;
    let before = outputs(&app, &admin, &token, month).await;
    let (patient, _) = billed_patient(&app, month).await;

    // A consent dated after the month: the patient would not be billable now.
    let later = month.next().last_day();
    app.store
        .exec_for_test(
            "UPDATE patient_consents SET obtained_on = $1 WHERE patient_id = $2",
            vec![later.into(), patient.into()],
        )
        .await
        .unwrap();
    let (status, body) = app
        .post_form(
            &admin,
            "/admin/fees",
            &[("code", "99490"), ("year", &month.year.to_string()), ("amount", "99.99")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) =
        app.post_form(&admin, "/admin/billing", &[("rule_set", "cms"), ("target", "20")]).await;
    assert_eq!(status, StatusCode::OK);
    // A late entry: the form refuses it, and so does the database itself.
    let (coordinator, _) = app.sign_in("coord1").await;
    let own = app.own_patient("coord1").await.to_string();
    let call = app.task_type_id("Communication: Phone").await.to_string();
    let when = format!("{}T10:00", month.last_day());
    let (status, _) = app
        .post_form(
            &coordinator,
            "/tasks",
            &[("patient", &own), ("task_type", &call), ("minutes", "10"), ("when", &when)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let refused = raw_insert(&app, month).await;
    assert!(refused.contains("the billing month is closed"), "{refused}");

    assert_eq!(outputs(&app, &admin, &token, month).await, before, "byte for byte the same");
    let (_, page) = get_text(&admin, &app, &format!("/billing?month={month}")).await;
    assert!(page.contains("under the seed rule set"), "the record keeps its rule set");
    assert!(page.contains("data-testid=\"changes-link\""));
    let (_, page) = get_text(&admin, &app, &format!("/billing/changes?month={month}")).await;
    let changes = page.split("data-testid=\"changes-since-close\"").nth(1).unwrap();
    assert!(changes.contains(&format!("consent obtained {later}")), "{changes}");
}

/// A raw INSERT of an entry dated in `month`; the database's refusal in words.
async fn raw_insert(app: &TestApp, month: YearMonth) -> String {
    let coordinator = app.user_id("coord1").await;
    let call = app.task_type_id("Communication: Phone").await;
    let at = carelog_domain::practice_time::start_of_day(month.last_day(), TZ)
        + chrono::Duration::hours(10);
    app.store
        .exec_for_test(
            "INSERT INTO coordinator_task_log (coordinator_id, task_type_id, task_category, minutes, notes, task_at,
                billing_year, billing_month, created_at, modified_at)
             VALUES ($1, $2, 'communication', 10, '', $3, $4, $5, $3, $3)",
            vec![
                coordinator.into(),
                call.into(),
                at.into(),
                month.year.into(),
                (month.month as i32).into(),
            ],
        )
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_database_refuses_every_write_of_a_closed_months_entries() {
    let app = spawn_app().await;
    let month = last_month();
    assert_eq!(raw_insert(&app, month).await, "", "open: the insert is taken");
    let (admin, _) = app.sign_in("admin").await;
    close(&app, &admin, month).await;
    assert!(raw_insert(&app, month).await.contains("the billing month is closed"));
    let (_, entry) = billed_patient(&app, month).await;
    for sql in [
        "UPDATE coordinator_task_log SET minutes = 119 WHERE id = $1",
        "DELETE FROM coordinator_task_log WHERE id = $1",
        // Moving it out of the month is a write of the month too.
        "UPDATE coordinator_task_log SET billing_month = 1, billing_year = 2000 WHERE id = $1",
    ] {
        let refused = app.store.exec_for_test(sql, vec![entry.id.into()]).await;
        let why = refused.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(why.contains("the billing month is closed"), "{sql}: {why}");
    }
    for sql in ["UPDATE billed_lines SET minutes = 1", "DELETE FROM billed_lines"] {
        let refused = app.store.exec_for_test(sql, vec![]).await;
        let why = refused.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(why.contains("append-only"), "{sql}: {why}");
    }
    // A coordinator's own delete is refused in words.
    let (coordinator, _) = app.sign_in("coord1").await;
    let r = coordinator.get(app.url(&format!("/tasks/{}/edit", entry.id))).send().await.unwrap();
    assert_ne!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_amendment_adds_a_version_marked_amended_and_keeps_the_original() {
    let app = spawn_app().await;
    let month = last_month();
    let (admin, _) = app.sign_in("admin").await;
    close(&app, &admin, month).await;
    let (patient, entry) = billed_patient(&app, month).await;
    let original = app.store.billed_line_versions(month, patient).await.unwrap();
    assert_eq!(original.len(), 1);
    let minutes = i64::from(entry.minutes.map(|m| m.get()).unwrap());
    let path = format!("/billing/entries/{}", entry.id);
    let (_, form) = get_text(&admin, &app, &path).await;
    assert!(form.contains("data-testid=\"amendment-notice\""), "{form}");

    // Every time rule still holds: not past 120 minutes, not in the future.
    let future = (local_date(chrono::Utc::now(), TZ) + chrono::Duration::days(2)).to_string();
    for (field, value, rule) in
        [("minutes", "121", "120"), ("date", future.as_str(), "in the future")]
    {
        let (status, page) =
            app.post_form(&admin, &path, &[(field, value), ("reason", "checking the rules")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(page.contains(rule), "{field}: {page}");
    }
    let fewer = (minutes - 5).max(5).to_string();
    let (status, page) = app
        .post_form(
            &admin,
            &path,
            &[("minutes", &fewer), ("notes", "call was shorter"), ("reason", "timer left running")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let versions = app.store.billed_line_versions(month, patient).await.unwrap();
    assert_eq!(versions.len(), 2, "the original kept, the amendment added");
    assert_eq!(versions[0].minutes, original[0].minutes);
    assert!(versions[0].amendment.is_none());
    let amended = versions[1].amendment.as_ref().unwrap();
    assert_eq!((amended.version, amended.reason.as_str()), (2, "timer left running"));
    assert_eq!(versions[1].minutes, original[0].minutes - (minutes - (minutes - 5).max(5)));
    assert!(page.contains("data-testid=\"versions\"") && page.contains("timer left running"));

    // Every output marks it.
    let (_, csv) = get_text(&admin, &app, &format!("/billing/export.csv?month={month}")).await;
    let row = csv.lines().find(|l| l.contains(&format!(",{patient},"))).unwrap();
    assert!(row.ends_with("amended (version 2): timer left running"), "{row}");
    let (_, page) = get_text(&admin, &app, &format!("/billing?month={month}")).await;
    assert!(page.contains("Amended (version 2): timer left running"));
    let record = app.store.billed_record(month).await.unwrap().unwrap().1;
    let snapshot = app.store.billing_snapshot(month).await.unwrap();
    assert_eq!(
        snapshot.iter().map(|r| i64::from(r.total_minutes)).sum::<i64>(),
        record.coordinators.iter().map(|c| c.minutes).sum::<i64>(),
        "the per-coordinator record follows the amendment"
    );
    let kept = app.store.billed_totals(&[month]).await.unwrap()[&month].clone();
    assert_eq!(kept, record.totals, "so do the practice totals the trend reads");
    let kept = app
        .store
        .scalar_for_test(
            "SELECT COUNT(*) AS n FROM entry_amendments WHERE entry_id = $1 AND before_values LIKE $2",
            vec![entry.id.into(), format!("%{minutes} min%").into()],
        )
        .await
        .unwrap();
    assert_eq!(kept, 1, "the entry's original values are kept");

    // A duplicate removed: the entry goes, its values stay with the amendment.
    let (status, page) =
        app.post_form(&admin, &path, &[("remove", "yes"), ("reason", "logged twice")]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(app.store.entry(entry.id).await.unwrap().is_none());
    assert_eq!(app.store.billed_line_versions(month, patient).await.unwrap().len(), 3);
}

#[tokio::test]
async fn an_amendment_moves_an_entry_to_another_patient_and_respects_the_daily_cap() {
    let app = spawn_app().await;
    let month = last_month();
    let (admin, _) = app.sign_in("admin").await;
    close(&app, &admin, month).await;
    let (patient, entry) = billed_patient(&app, month).await;
    let other = app.own_patient("coord2").await;
    assert_ne!(other, patient);
    let path = format!("/billing/entries/{}", entry.id);
    let (status, page) = app
        .post_form(
            &admin,
            &path,
            &[("patient", &other.to_string()), ("reason", "logged against the wrong patient")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(app.store.entry(entry.id).await.unwrap().unwrap().patient_id, Some(other));
    let moved_from = app.store.billed_line_versions(month, patient).await.unwrap();
    assert_eq!(moved_from.len(), 2);
    assert!(moved_from[1].minutes < moved_from[0].minutes);
    let moved_to = app.store.billed_line_versions(month, other).await.unwrap();
    assert!(moved_to.last().unwrap().amendment.is_some());

    // The daily cap holds: moved to a day on which its coordinator has logged 400 minutes, 100 more
    // would pass 480.
    let today = local_date(chrono::Utc::now(), TZ);
    let call = app.task_type_id("Communication: Phone").await;
    let start = carelog_domain::practice_time::start_of_day(today, TZ);
    let already = app
        .store
        .scalar_for_test(
            "SELECT COALESCE(SUM(minutes), 0) AS n FROM coordinator_task_log WHERE coordinator_id = $1 AND task_at >= $2 AND task_at < $3",
            vec![entry.coordinator_id.into(), start.into(), (start + chrono::Duration::days(1)).into()],
        )
        .await
        .unwrap();
    let mut missing = 400 - already;
    let mut minute = 0;
    while missing > 0 {
        let chunk = missing.min(100);
        missing -= chunk;
        minute += 1;
        let at = start + chrono::Duration::minutes(minute);
        app.store
            .exec_for_test(
                "INSERT INTO coordinator_task_log (coordinator_id, task_type_id, task_category, minutes, notes, task_at,
                    billing_year, billing_month, created_at, modified_at)
                 VALUES ($1, $2, 'communication', $6, '', $3, $4, $5, $3, $3)",
                vec![
                    entry.coordinator_id.into(),
                    call.into(),
                    at.into(),
                    chrono::Datelike::year(&today).into(),
                    (chrono::Datelike::month(&today) as i32).into(),
                    (chunk as i32).into(),
                ],
            )
            .await
            .unwrap();
    }
    let (status, page) = app
        .post_form(
            &admin,
            &path,
            &[("date", &today.to_string()), ("minutes", "100"), ("reason", "wrong day")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("480"), "{page}");
    let (status, page) = app
        .post_form(
            &admin,
            &path,
            &[("date", &today.to_string()), ("minutes", "80"), ("reason", "wrong day")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(local_date(app.store.entry(entry.id).await.unwrap().unwrap().task_at, TZ), today);
}

#[tokio::test]
async fn two_concurrent_closes_make_one_record_and_a_month_not_ended_is_refused() {
    let app = spawn_app().await;
    let month = last_month();
    let (admin, _) = app.sign_in("admin").await;
    let (other, _) = app.sign_in("admin").await;
    let form = [("month", month.to_string())];
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (a, b) = tokio::join!(
        app.post_form(&admin, "/billing/close", &fields),
        app.post_form(&other, "/billing/close", &fields)
    );
    let statuses = [a.0, b.0];
    assert!(statuses.contains(&StatusCode::OK), "{statuses:?}");
    assert!(a.1.contains("closed already") || b.1.contains("closed already"), "{statuses:?}");
    let (_, record) = app.store.billed_record(month).await.unwrap().unwrap();
    let lines = app
        .store
        .scalar_for_test(
            "SELECT COUNT(*) AS n FROM billed_lines WHERE billing_year = $1 AND billing_month = $2",
            vec![month.year.into(), (month.month as i32).into()],
        )
        .await
        .unwrap();
    assert_eq!(lines, record.lines.len() as i64, "one record");

    let this_month = month.next().to_string();
    let out = run_carelog(&app.database_url, &["billing", "close", "--month", &this_month]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("has not ended yet"));
}

#[tokio::test]
async fn the_demos_last_month_closed_from_the_command_line_gives_claims_that_agree_with_it() {
    let app = spawn_app().await;
    let month = last_month().to_string();
    let run = async |args: &[&str]| run_carelog(&app.database_url, args).await;
    let refused = run(&["billing", "claims", "--month", &month]).await;
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not closed"));
    let draft = run(&["billing", "claims", "--month", &month, "--format", "x12", "--draft"]).await;
    assert!(draft.status.success());
    assert!(
        String::from_utf8_lossy(&draft.stdout).contains("*T*:~"),
        "a draft is a test interchange"
    );
    assert!(run(&["billing", "close", "--month", &month]).await.status.success());
    let csv = run(&["billing", "claims", "--month", &month, "--format", "csv"]).await;
    assert!(csv.status.success());
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.starts_with("patient_id,chart_code,patient_name,birth_date,sex,member_id,payer,diagnosis_codes,billing_npi,rendering_npi,place_of_service,date_of_service,cpt_code,units,charge\n"));
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let ym = YearMonth::parse(&month).unwrap();
    let (_, record) = app.store.billed_record(ym).await.unwrap().unwrap();
    let fees = app.store.billed_fees(ym).await.unwrap();
    let billable: Vec<_> = record.lines.iter().filter(|l| l.billable).collect();
    assert_eq!(
        rows.len(),
        billable.iter().map(|l| l.codes.0.len()).sum::<usize>(),
        "a row per code line"
    );
    let mut expected_cents = 0;
    for line in &billable {
        for code in &line.codes.0 {
            let row = rows
                .iter()
                .find(|r| r[0] == line.patient_id.to_string() && r[12] == code.code)
                .unwrap();
            assert_eq!(row[13], code.units.to_string());
            if let Some(fee) = fees.iter().find(|f| f.code == code.code) {
                expected_cents += fee.charge.times(code.units).0;
            }
        }
    }
    let charged: i64 = rows
        .iter()
        .filter(|r| !r[14].is_empty())
        .map(|r| carelog_domain::billing::parse_dollars(&r[14]).unwrap())
        .sum();
    assert_eq!(charged, expected_cents, "charges are the fees' charges times the units");
    assert!(rows.iter().all(|r| r[11] == ym.last_day().to_string() && r[10] == "11"));
    assert!(rows.iter().all(|r| r[7].split(';').count() <= 4 && r[8] == "1234567893"));
    let x12 = run(&["billing", "claims", "--month", &month, "--format", "x12"]).await;
    assert!(x12.status.success());
    let x12 = String::from_utf8(x12.stdout).unwrap();
    assert!(x12.contains("*P*:~"), "the record's batch is production");
    let claims = x12.matches("\nCLM*").count();
    let priced = billable
        .iter()
        .filter(|l| l.codes.0.iter().all(|c| fees.iter().any(|f| f.code == c.code)))
        .count();
    assert_eq!(claims, priced, "one claim per billable patient-month with its fees set");
    // The same record, the same bytes.
    let again = run(&["billing", "claims", "--month", &month, "--format", "x12"]).await;
    assert_eq!(String::from_utf8(again.stdout).unwrap(), x12);
}

#[tokio::test]
async fn patient_months_are_for_patients_enrolled_in_the_month_or_with_minutes_in_it() {
    let app = spawn_app().await;
    let month = last_month();
    let patient = app.own_patient("coord1").await;
    let in_summary = |s: &carelog_domain::billing_summary::MonthSummary| {
        s.lines.iter().any(|l| l.patient_id == patient)
    };
    // Taken on today, no enrollment and no minutes before: in no earlier month.
    app.without_enrollment(patient).await;
    app.store
        .exec_for_test(
            "DELETE FROM qa_reviews WHERE task_log_id IN (SELECT id FROM coordinator_task_log WHERE patient_id = $1)",
            vec![patient.into()],
        )
        .await
        .unwrap();
    app.store
        .exec_for_test(
            "UPDATE generated_tasks SET task_log_id = NULL WHERE patient_id = $1",
            vec![patient.into()],
        )
        .await
        .unwrap();
    app.store
        .exec_for_test(
            "DELETE FROM coordinator_task_log WHERE patient_id = $1",
            vec![patient.into()],
        )
        .await
        .unwrap();
    app.store
        .exec_for_test(
            "UPDATE patients SET enrolled_on = NULL, enrollment_ended_on = NULL WHERE id = $1",
            vec![patient.into()],
        )
        .await
        .unwrap();
    for m in [month, YearMonth { year: 2025, month: 1 }] {
        let s = app.figures.billing_summary(m, None).await.unwrap();
        assert!(!in_summary(&s), "{m}");
    }
    // Enrolled from the month's last day: a patient-month, not billable, with the reason.
    app.store
        .exec_for_test(
            "UPDATE patients SET enrolled_on = $1 WHERE id = $2",
            vec![month.last_day().into(), patient.into()],
        )
        .await
        .unwrap();
    let s = app.figures.billing_summary(month, None).await.unwrap();
    let line = s.lines.iter().find(|l| l.patient_id == patient).unwrap();
    assert!(!line.billable && line.reason.contains("0 minutes"), "{}", line.reason);
    assert!(!in_summary(&app.figures.billing_summary(month.previous(), None).await.unwrap()));
}

#[tokio::test]
async fn fees_are_per_year_above_zero_and_a_year_without_fees_offers_the_last_ones() {
    let app = spawn_app().await;
    let (admin, _) = app.sign_in("admin").await;
    let (status, page) = app
        .post_form(&admin, "/admin/fees", &[("code", "99490"), ("year", "2026"), ("amount", "0")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("above $0.00"), "{page}");
    let (status, page) = app
        .post_form(&admin, "/admin/fees", &[("code", "99213"), ("year", "2026"), ("amount", "10")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("not a code carelog bills"), "{page}");
    let (_, page) = get_text(&admin, &app, "/admin/billing").await;
    assert!(page.contains("data-testid=\"fees-unset\"") && page.contains("99426"), "PCM unset");

    // A year with no fees says so and never shows $0.
    let (_, page) = get_text(&admin, &app, "/billing?month=2030-01").await;
    assert!(page.contains("No fees are set for 2030"), "{page}");
    let latest = app.store.fee_schedule().await.unwrap().iter().map(|f| f.fee_year).max().unwrap();
    assert!(page.contains(&format!("Copy {latest}'s fees to 2030")));
    let (status, _) = app
        .post_form(
            &admin,
            "/billing/fees/copy",
            &[("from", &latest.to_string()), ("to", "2030"), ("month", "2030-01")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let fees = app.store.fee_schedule().await.unwrap();
    assert_eq!(
        fees.iter().filter(|f| f.fee_year == 2030).count(),
        fees.iter().filter(|f| f.fee_year == latest).count()
    );
}

#[tokio::test]
async fn the_api_shows_codes_only_on_billable_lines_and_money_in_cents_and_csv_cells_never_run() {
    let app = spawn_app().await;
    let month = last_month();
    let (admin, _) = app.sign_in("admin").await;
    let token = token_for(&app, &admin).await;
    let patient = app.own_patient("coord1").await;
    app.store
        .exec_for_test(
            "UPDATE patients SET last_name = $1 WHERE id = $2",
            vec!["=HYPERLINK(\"http://evil.example\";\"x\")".into(), patient.into()],
        )
        .await
        .unwrap();
    let r = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/billing/summary?month={month}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let json: serde_json::Value = r.json().await.unwrap();
    let lines = json["lines"].as_array().unwrap();
    assert!(lines.iter().any(|l| l["billable"] == false));
    for l in lines {
        if l["billable"] == false {
            assert!(l["codes"].is_null() && l["estimated_reimbursement_cents"].is_null(), "{l}");
        } else {
            assert!(l["codes"].as_str().unwrap().starts_with("99"), "{l}");
            assert!(
                l["estimated_reimbursement_cents"].is_i64()
                    || l["estimated_reimbursement_cents"].is_null()
            );
        }
    }
    assert!(json["totals"]["estimated_reimbursement_cents"].is_i64());
    let (_, csv) = get_text(&admin, &app, &format!("/billing/export.csv?month={month}")).await;
    assert!(
        csv.contains("\"'=HYPERLINK("),
        "defused: {}",
        csv.lines().find(|l| l.contains("HYPERLINK")).unwrap_or("")
    );
    assert!(!csv.contains(",=HYPERLINK") && !csv.contains(",\"=HYPERLINK"));
}

#[tokio::test]
async fn claim_settings_are_checked_together_and_the_837p_needs_them() {
    let app = spawn_app().await;
    let month = last_month();
    let (admin, _) = app.sign_in("admin").await;
    let mut fields = vec![
        ("practice_name", "Demo Family Medicine"),
        ("address", "100 Example Avenue"),
        ("city", "Demo City"),
        ("state", "Oregon"),
        ("zip", "97201"),
        ("billing_npi", "1234567890"),
        ("tax_id", "12-345"),
        ("contact_name", "Billing"),
        ("contact_phone", "555-0100"),
        ("submitter_id", "CARELOG*DEMO"),
        ("receiver_id", "CLEARING"),
        ("receiver_name", "Clearinghouse"),
        ("payer_id", "MAC01"),
        ("date_of_service", "whenever"),
        ("place_of_service", "1"),
    ];
    let before = app.store.settings_with_prefix("claims.").await.unwrap();
    let (status, page) = app.post_form(&admin, "/admin/claims", &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for rule in [
        "State: two letters",
        "ZIP+4: nine digits",
        "its check digit should be",
        "Tax ID (EIN): nine digits",
        "Contact phone: ten digits",
        "X12 submitter ID: 2 to 15 letters and digits",
        "Date of service: choose",
        "Place of service: CMS&#39;s two-digit code",
    ] {
        assert!(page.contains(rule), "{rule}");
    }
    assert_eq!(app.store.settings_with_prefix("claims.").await.unwrap(), before, "nothing changed");

    // Without a billing NPI there are no claims; with every setting right there are.
    app.store
        .exec_for_test("DELETE FROM settings WHERE setting_key LIKE 'claims.%'", vec![])
        .await
        .unwrap();
    let (status, page) =
        get_text(&admin, &app, &format!("/billing/claims.csv?month={month}&draft=1")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("billing NPI"), "{page}");
    let (status, page) =
        get_text(&admin, &app, &format!("/billing/claims.837?month={month}&draft=1")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("The 837P needs the practice&#39;s claim settings"), "{page}");
    let good = [
        ("state", "OR"),
        ("zip", "97201-0001"),
        ("billing_npi", "1234567893"),
        ("tax_id", "12-3456789"),
        ("contact_phone", "503-555-0100"),
        ("submitter_id", "CARELOGDEMO"),
        ("date_of_service", "threshold-met"),
        ("place_of_service", "12"),
    ];
    for (key, value) in good {
        if let Some(field) = fields.iter_mut().find(|(k, _)| *k == key) {
            field.1 = value;
        }
    }
    let (status, page) = app.post_form(&admin, "/admin/claims", &fields).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let r = admin
        .get(app.url(&format!("/billing/claims.837?month={month}&draft=1")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("carelog-claims-{month}-DRAFT.837"))
    );
    let x12 = r.text().await.unwrap();
    assert!(x12.contains("*12:B:1*"), "the place of service setting");
    let dates: Vec<&str> = x12.lines().filter(|l| l.starts_with("DTP*472*D8*")).collect();
    assert!(
        dates.iter().any(|d| !d.ends_with(&format!("{}~", month.last_day().format("%Y%m%d")))),
        "the day the threshold was met, not always the last day"
    );
}
