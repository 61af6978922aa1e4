//! Monthly billing for admins: refused to everyone else, a patient-month turning billable as time is
//! logged, and the CSV exactly as specified, on the page and from the command line.

use carelog_domain::ids::PatientId;
use carelog_domain::practice_time::{YearMonth, local_date};
use carelog_domain::time_rules::Minutes;
use chrono::Utc;
use reqwest::StatusCode;

use crate::helpers::{run_carelog, spawn_app};

const TZ: chrono_tz::Tz = chrono_tz::America::Los_Angeles;
const HEADER: &str = "month,patient_id,chart_code,patient_name,coordinator,program,total_minutes,codes,billable,reason,estimated_reimbursement,review";

fn this_month() -> YearMonth {
    YearMonth::of(local_date(Utc::now(), TZ))
}

#[tokio::test]
async fn every_billing_route_is_refused_to_coordinators_and_managers() {
    let app = spawn_app().await;
    let patient = app.own_patient("coord1").await;
    let month = this_month();
    let routes = [
        "/billing".to_owned(),
        format!("/billing?month={month}&rules=cms"),
        format!("/billing/export.csv?month={month}"),
        format!("/billing/patients/{patient}?month={month}"),
        format!("/billing/claims.csv?month={}&draft=1", month.previous()),
        format!("/billing/claims.837?month={}&draft=1", month.previous()),
        format!("/billing/changes?month={month}"),
        "/admin/billing".to_owned(),
    ];
    for username in ["coord1", "manager1"] {
        let (client, _) = app.sign_in(username).await;
        for route in &routes {
            let r = client.get(app.url(route)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{username} {route}");
            let body = r.text().await.unwrap();
            assert!(
                !body.contains("9949") && !body.contains('$'),
                "no code or amount in the refusal"
            );
        }
    }
    let (admin, _) = app.sign_in("admin").await;
    for route in &routes {
        assert_eq!(
            admin.get(app.url(route)).send().await.unwrap().status(),
            StatusCode::OK,
            "admin {route}"
        );
    }
    for (path, fields) in [
        ("/billing/fees/copy", vec![("from", "2025"), ("to", "2031")]),
        ("/admin/claims", vec![("practice_name", "x")]),
    ] {
        for username in ["coord1", "manager1"] {
            let (client, _) = app.sign_in(username).await;
            assert_eq!(app.post_form(&client, path, &fields).await.0, StatusCode::FORBIDDEN);
        }
    }
}

#[tokio::test]
async fn no_code_fee_or_amount_reaches_coordinators_or_managers_on_any_page() {
    let app = spawn_app().await;
    let patient = app.own_patient("manager1").await;
    for username in ["coord1", "manager1"] {
        let (client, _) = app.sign_in(username).await;
        let own = app.own_patient(username).await;
        for route in [
            "/panel",
            "/panel?mine=0",
            "/tasks",
            &format!("/patients/{own}"),
            &format!("/patients/{own}/history"),
            "/team",
            "/notifications",
            &format!("/patients/{patient}"),
        ] {
            let r = client.get(app.url(route)).send().await.unwrap();
            let body = r.text().await.unwrap();
            for code in ["99490", "99439", "99487", "99489", "99426", "99427", "reimbursement", "$"]
            {
                assert!(!body.contains(code), "{username} {route} shows {code}");
            }
        }
    }
}

#[tokio::test]
async fn a_patient_month_turns_billable_as_its_minutes_are_logged() {
    let app = spawn_app().await;
    let month = this_month();
    let summary = app
        .figures
        .billing_summary(month, Some(carelog_domain::billing::RuleSet::Seed))
        .await
        .unwrap();
    // A patient held back only by the time threshold.
    let line = summary
        .lines
        .iter()
        .find(|l| !l.billable && l.reason.ends_with("-minute threshold") && !l.reason.contains(';'))
        .expect("the demo has a patient-month short only of time");
    let threshold: i64 =
        line.reason.split("under the ").nth(1).unwrap().split('-').next().unwrap().parse().unwrap();
    let holder = app
        .store
        .patient_coordinator(line.patient_id)
        .await
        .unwrap()
        .unwrap()
        .coordinator()
        .unwrap();
    let username = app.store.user_by_id(holder).await.unwrap().unwrap().username;

    let (admin, _) = app.sign_in("admin").await;
    let page = |admin: reqwest::Client, url: String| async move {
        admin.get(url).send().await.unwrap().text().await.unwrap()
    };
    let url = app.url(&format!("/billing/export.csv?month={month}&rules=seed"));
    let id = line.patient_id.to_string();
    let row = |csv: &str| {
        csv::Reader::from_reader(csv.as_bytes())
            .records()
            .map(|r| r.unwrap())
            .find(|r| r.get(1) == Some(id.as_str()))
            .unwrap()
            .iter()
            .collect::<Vec<_>>()
            .join("|")
    };
    let before = row(&page(admin.clone(), url.clone()).await);
    assert!(before.contains("|no|"), "{before}");

    let (client, _) = app.sign_in(&username).await;
    let needed = (threshold - line.minutes).max(5).to_string();
    let call = app.task_type_id("Care Coordination: General").await.to_string();
    let (status, body) = app
        .post_form(
            &client,
            "/tasks",
            &[
                ("patient", &line.patient_id.to_string()),
                ("task_type", &call),
                ("minutes", &needed),
                ("confirm", "1"),
                ("notes", "closing the month"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after = row(&page(admin.clone(), url).await);
    assert!(after.contains("|yes|"), "{after}");
    assert!(after.contains("|99490|") || after.contains("|99426|"), "{after}");
}

#[tokio::test]
async fn the_csv_is_exactly_as_specified_on_the_page_and_from_the_command_line() {
    let app = spawn_app().await;
    let month = this_month().previous();
    let (admin, _) = app.sign_in("admin").await;
    let r = admin
        .get(app.url(&format!("/billing/export.csv?month={month}&rules=seed")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("carelog-billing-{month}-seed.csv"))
    );
    let csv = r.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(HEADER));
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert!(lines.next().is_some(), "rows follow the header");
    let summary = app
        .figures
        .billing_summary(month, Some(carelog_domain::billing::RuleSet::Seed))
        .await
        .unwrap();
    assert_eq!(rows.len(), summary.lines.len());
    for (row, line) in rows.iter().zip(&summary.lines) {
        assert_eq!(row[0], month.to_string());
        assert_eq!(row[1], line.patient_id.to_string());
        if line.billable {
            assert_eq!(row[8], "yes");
            assert!(row[7].starts_with("99"), "{row:?}");
            assert!(!row[10].is_empty() || line.reimbursement.is_none());
            assert_eq!(row[11], line.flags.join("; "), "the review flag, as the page shows it");
        } else {
            assert_eq!(
                (row[7].as_str(), row[8].as_str(), row[10].as_str(), row[11].as_str()),
                ("", "no", "", ""),
                "{row:?}"
            );
        }
    }
    let sixty = rows.iter().find(|r| r[7] == "99490+99439x2");
    if let Some(r) = sixty {
        assert_eq!(r[10], "152.35", "60.49 + 2 × 45.93");
    }
    assert!(rows.iter().any(|r| r[8] == "yes") && rows.iter().any(|r| r[8] == "no"));

    let out = run_carelog(
        &app.database_url,
        &["billing", "--month", &month.to_string(), "--rules", "seed"],
    )
    .await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), csv, "the command line writes the same CSV");
    let json = run_carelog(
        &app.database_url,
        &["billing", "--month", &month.to_string(), "--rules", "cms", "--format", "json"],
    )
    .await;
    let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(parsed["rule_set"], "cms");
    assert_eq!(parsed["lines"].as_array().unwrap().len(), summary.lines.len());
    let bad = run_carelog(&app.database_url, &["billing", "--month", "2026-13"]).await;
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("--month"));
    let r = admin.get(app.url("/billing?month=March")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = admin.get(app.url("/billing?rules=medicaid")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("seed or cms"));
}

#[tokio::test]
async fn coordinators_see_progress_to_the_monthly_target_without_codes_or_money() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let me = app.user_id("coord1").await;
    let month = this_month();
    let rows = app
        .store
        .panel(
            &carelog_store::PanelFilter {
                coordinator_id: Some(me),
                status: Some(carelog_domain::patient::PatientStatus::Active),
                ..Default::default()
            },
            month,
        )
        .await
        .unwrap();
    let short: Vec<_> = rows.iter().filter(|p| p.billable_minutes < 20).collect();
    let tasks = client.get(app.url("/tasks")).send().await.unwrap().text().await.unwrap();
    assert!(
        tasks.contains(&format!("Needs care time this month ({})", short.len())),
        "one line per active patient under 20 billable minutes"
    );
    if let Some(first) = short.iter().max_by_key(|p| p.billable_minutes) {
        let needs = tasks.split("data-testid=\"needs-time\"").nth(1).unwrap();
        let first_row = needs.split("<tbody>").nth(1).unwrap().split("</tr>").next().unwrap();
        let cells: Vec<String> =
            first_row.split("<td>").skip(1).map(crate::helpers::strip_tags).collect();
        assert_eq!(
            (cells[1].clone(), cells[2].clone()),
            (
                format!("{} min", first.billable_minutes),
                format!("{} min", 20 - first.billable_minutes)
            ),
            "closest to the target first"
        );
    }
    let panel = client.get(app.url("/panel")).send().await.unwrap().text().await.unwrap();
    let met = rows.iter().filter(|p| p.billable_minutes >= 20).count();
    assert_eq!(panel.matches("✓ target").count(), met);
    for secret in ["99490", "$", "reimbursement"] {
        assert!(!tasks.contains(secret) && !panel.contains(secret));
    }
}

#[tokio::test]
async fn admins_set_the_rule_set_target_and_fees_under_validation() {
    let app = spawn_app().await;
    let (admin, _) = app.sign_in("admin").await;
    let (status, page) =
        app.post_form(&admin, "/admin/billing", &[("rule_set", "medicaid"), ("target", "0")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("seed or cms") && page.contains("from 1 to 600"));
    let (status, _) =
        app.post_form(&admin, "/admin/billing", &[("rule_set", "cms"), ("target", "30")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.store.setting("billing.rule_set").await.unwrap().as_deref(), Some("cms"));
    assert_eq!(app.store.monthly_target_minutes().await.unwrap(), 30);
    let summary = app.figures.billing_summary(this_month(), None).await.unwrap();
    assert_eq!(
        (summary.rule_set, summary.target_minutes),
        (carelog_domain::billing::RuleSet::Cms, 30),
        "the chosen rule set is recorded on the summary"
    );

    let (status, page) = app
        .post_form(&admin, "/admin/fees", &[("code", "9942"), ("year", "1999"), ("amount", "free")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("not a code carelog bills")
            && page.contains("not a year")
            && page.contains("not an amount")
    );
    let (status, _) = app
        .post_form(
            &admin,
            "/admin/fees",
            &[("code", "99426"), ("year", "2025"), ("amount", "$83.67")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let fee = carelog_store::Fee {
        code: "99426".into(),
        fee_year: 2025,
        amount_cents: carelog_domain::billing::Cents(8367),
        charge_cents: Some(carelog_domain::billing::Cents(8367)),
    };
    assert!(app.store.fee_schedule().await.unwrap().contains(&fee));
    let events = app
        .store
        .audit_events(
            &carelog_store::AuditFilter {
                action_prefix: Some("billing.".into()),
                ..Default::default()
            },
            5,
            0,
        )
        .await
        .unwrap()
        .events;
    assert!(events.iter().any(|e| e.action == "billing.fee" && e.detail.contains("99426 2025: not set → $83.67")));
    assert!(
        events.iter().any(|e| e.action == "billing.settings" && e.detail.contains("seed → cms"))
    );
    let (manager, _) = app.sign_in("manager1").await;
    assert_eq!(
        manager.get(app.url("/admin/billing")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_form(
            &manager,
            "/admin/fees",
            &[("code", "99490"), ("year", "2026"), ("amount", "0")]
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn closing_a_month_snapshots_it_locks_its_entries_and_leaves_corrections_to_admins_with_a_reason()
 {
    let app = spawn_app().await;
    let last = this_month().previous();
    let me = app.user_id("coord1").await;
    let entry = app
        .store
        .entries(
            &carelog_store::EntryFilter {
                coordinator_id: Some(me),
                range: Some(carelog_domain::practice_time::month_range(last, TZ)),
                ..Default::default()
            },
            100,
        )
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.minutes.is_some())
        .expect("coord1 logged time last month");
    let (coordinator, _) = app.sign_in("coord1").await;
    assert_eq!(
        coordinator
            .get(app.url(&format!("/tasks/{}/edit", entry.id)))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "open before the close"
    );
    assert_eq!(
        app.post_form(&coordinator, "/billing/close", &[("month", &last.to_string())]).await.0,
        StatusCode::FORBIDDEN
    );

    let (admin, _) = app.sign_in("admin").await;
    let (status, page) =
        app.post_form(&admin, "/billing/close", &[("month", &this_month().to_string())]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("has not ended yet"));
    let (status, page) = app
        .post_form(&admin, "/billing/close", &[("month", &last.to_string()), ("rules", "seed")])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-testid=\"closed\"") && page.contains("under the seed rule set"));
    let summary = app
        .figures
        .billing_summary(last, Some(carelog_domain::billing::RuleSet::Seed))
        .await
        .unwrap();
    let snapshot = app.store.billing_snapshot(last).await.unwrap();
    assert_eq!(snapshot.len(), summary.coordinators.len());
    for (row, c) in snapshot.iter().zip(&summary.coordinators) {
        assert_eq!(
            (row.coordinator_id, i64::from(row.total_minutes), row.billing_codes.clone()),
            (c.coordinator_id, c.minutes, carelog_domain::billing_summary::codes_text(&c.codes))
        );
    }
    let (status, page) =
        app.post_form(&admin, "/billing/close", &[("month", &last.to_string())]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("closed already"));

    // Locked for the coordinator: no edit, no new entry dated in the closed month.
    let r = coordinator.get(app.url(&format!("/tasks/{}/edit", entry.id))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("closed billing period"));
    let patient = app.own_patient("coord1").await.to_string();
    let call = app.task_type_id("Communication: Phone").await.to_string();
    let when = format!("{}T10:00", last.last_day());
    let (status, page) = app
        .post_form(
            &coordinator,
            "/tasks",
            &[("patient", &patient), ("task_type", &call), ("minutes", "10"), ("when", &when)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(&format!("Entries can go back to {}", this_month().first_day())));

    // An admin corrects it, with a reason, and the audit keeps old, new and why.
    let path = format!("/billing/entries/{}", entry.id);
    let (status, page) = app
        .post_form(&admin, &path, &[("minutes", "7"), ("notes", "corrected"), ("reason", "")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("say why this entry is corrected"));
    let (status, _) = app
        .post_form(
            &admin,
            &path,
            &[
                ("minutes", "7"),
                ("notes", "corrected"),
                ("reason", "duplicate of a call logged twice"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.store.entry(entry.id).await.unwrap().unwrap().minutes.map(Minutes::get),
        Some(7)
    );
    let events = app
        .store
        .audit_events(
            &carelog_store::AuditFilter {
                action_prefix: Some("billing.correct".into()),
                ..Default::default()
            },
            5,
            0,
        )
        .await
        .unwrap()
        .events;
    assert!(
        events[0].detail.contains("reason: duplicate of a call logged twice")
            && events[0].detail.contains(&format!(
                "{}, {} min",
                entry.task_type,
                entry.minutes.unwrap()
            ))
    );
    let (manager, _) = app.sign_in("manager1").await;
    assert_eq!(manager.get(app.url(&path)).send().await.unwrap().status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn managers_see_each_coordinators_month_in_minutes_and_counts_never_money() {
    let app = spawn_app().await;
    let (manager, _) = app.sign_in("manager1").await;
    let page = manager
        .get(app.url("/team/reports?report=performance"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let me = app.user_id("coord1").await;
    let month = carelog_domain::practice_time::month_range(this_month(), TZ);
    let carelog_store::Logged { minutes, entries: tasks } =
        app.store.logged_in(me, month).await.unwrap();
    let name = app.store.user_by_id(me).await.unwrap().unwrap().display_name;
    let row = page.split("<tr>").find(|r| r.contains(&name)).expect("coord1 has a row");
    let cells: Vec<String> = row.split("<td>").skip(1).map(crate::helpers::strip_tags).collect();
    assert_eq!((cells[1].clone(), cells[2].clone()), (tasks.to_string(), minutes.to_string()));
    assert!(!page.contains('$') && !page.contains("9949"));
    let waiting = app.store.assignment_queue_length().await.unwrap();
    let team = manager.get(app.url("/team")).send().await.unwrap().text().await.unwrap();
    assert!(team.contains(&format!("data-testid=\"waiting\">{waiting}<")));
    let (coordinator, _) = app.sign_in("coord1").await;
    assert_eq!(
        coordinator.get(app.url("/team")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_trend_chart_shows_twelve_months_computed_from_the_log() {
    let app = spawn_app().await;
    let month = this_month().previous();
    let (admin, _) = app.sign_in("admin").await;
    let page = admin
        .get(app.url(&format!("/billing?month={month}&rules=seed")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let chart =
        page.split("data-testid=\"trend\"").nth(1).unwrap().split("</figure>").next().unwrap();
    assert_eq!(chart.matches("<rect ").count(), 12);
    let summary = app
        .figures
        .billing_summary(month, Some(carelog_domain::billing::RuleSet::Seed))
        .await
        .unwrap();
    let label = month.first_day().format("%b %y").to_string();
    let expected =
        format!("{label}: {} billable, {}", summary.totals.billable, summary.totals.reimbursement);
    assert!(chart.contains(&expected), "the month's bar carries its own figures: {expected}");
    let empty_year_ago = month
        .previous()
        .previous()
        .previous()
        .previous()
        .previous()
        .previous()
        .previous()
        .previous()
        .previous()
        .previous()
        .previous();
    let old = empty_year_ago.first_day().format("%b %y").to_string();
    assert!(
        chart.contains(&format!("{old}: 0 billable, $0.00")),
        "months before the demo's history are empty, not invented"
    );
}

/// The billing summary is cached per month; a second app server on the same database (here a second
/// store) changes each kind of input behind the first one's back, and the first sees every change.
#[tokio::test]
async fn the_cached_billing_summary_follows_every_change_from_any_server() {
    use carelog_domain::billing::RuleSet::Seed;
    use std::sync::Arc;
    let app = spawn_app().await;
    let other_server = carelog_store::Store::connect(&app.database_url).await.unwrap();
    let month = this_month().previous();
    let period = || vec![month.year.into(), (month.month as i32).into()];
    let first = app.figures.billing_summary(month, Some(Seed)).await.unwrap();
    assert!(
        Arc::ptr_eq(&first, &app.figures.billing_summary(month, Some(Seed)).await.unwrap()),
        "unchanged: served from the cache"
    );
    // Reads and audit events elsewhere change nothing billing reads.
    let (admin, _) = app.sign_in("admin").await;
    assert_eq!(admin.get(app.url("/panel?mine=0")).send().await.unwrap().status(), StatusCode::OK);
    assert!(Arc::ptr_eq(&first, &app.figures.billing_summary(month, Some(Seed)).await.unwrap()));

    let billable = first
        .lines
        .iter()
        .find(|l| l.billable && l.reimbursement.is_some())
        .expect("a billable patient-month")
        .clone();
    let minutes_of = |s: &carelog_domain::billing_summary::MonthSummary, id: PatientId| {
        s.lines.iter().find(|l| l.patient_id == id).map(|l| l.minutes)
    };
    let entry = app
        .store
        .scalar_for_test(
            "SELECT MIN(l.id) AS n FROM coordinator_task_log l JOIN task_types t ON t.id = l.task_type_id
             WHERE t.billable = TRUE AND l.billing_year = $1 AND l.billing_month = $2 AND l.patient_id = $3",
            [period(), vec![billable.patient_id.into()]].concat(),
        )
        .await
        .unwrap();
    let entry_minutes = app
        .store
        .scalar_for_test(
            "SELECT CAST(minutes AS BIGINT) AS n FROM coordinator_task_log WHERE id = $1",
            vec![entry.into()],
        )
        .await
        .unwrap();
    let change = |sql: &'static str, values: Vec<carelog_store::Value>| {
        let other_server = other_server.clone();
        async move {
            assert!(
                other_server.exec_for_test(sql, values).await.unwrap() > 0,
                "{sql} changed a row"
            )
        }
    };
    let now = || app.figures.billing_summary(month, Some(Seed));

    change(
        "UPDATE coordinator_task_log SET minutes = minutes + 1 WHERE id = $1",
        vec![entry.into()],
    )
    .await;
    assert_eq!(
        minutes_of(&now().await.unwrap(), billable.patient_id),
        Some(billable.minutes + 1),
        "an entry's minutes"
    );

    change(
        "INSERT INTO coordinator_task_log (coordinator_id, patient_id, task_type_id, task_category, minutes, stat_value, notes, task_at,
             billing_year, billing_month, is_automated, above_average_confirmed, created_at, modified_at)
         SELECT coordinator_id, patient_id, task_type_id, task_category, minutes, stat_value, 'copy', task_at, billing_year, billing_month,
             is_automated, above_average_confirmed, created_at, modified_at FROM coordinator_task_log WHERE id = $1",
        vec![entry.into()],
    )
    .await;
    let with_copy = 2 * (entry_minutes + 1) + billable.minutes - entry_minutes;
    assert_eq!(
        minutes_of(&now().await.unwrap(), billable.patient_id),
        Some(with_copy),
        "a new entry"
    );

    change("DELETE FROM coordinator_task_log WHERE notes = 'copy'", vec![]).await;
    assert_eq!(
        minutes_of(&now().await.unwrap(), billable.patient_id),
        Some(billable.minutes + 1),
        "a deleted entry"
    );

    // Moved to the month before: both months move.
    let earlier = month.previous();
    let before_move =
        app.figures.billing_summary(earlier, Some(Seed)).await.unwrap().totals.minutes;
    change(
        "UPDATE coordinator_task_log SET billing_year = $1, billing_month = $2 WHERE id = $3",
        vec![earlier.year.into(), (earlier.month as i32).into(), entry.into()],
    )
    .await;
    assert_eq!(
        minutes_of(&now().await.unwrap(), billable.patient_id),
        Some(billable.minutes - entry_minutes),
        "moved out"
    );
    assert_eq!(
        app.figures.billing_summary(earlier, Some(Seed)).await.unwrap().totals.minutes,
        before_move + entry_minutes + 1,
        "moved in"
    );

    let priced = now().await.unwrap().totals.reimbursement;
    change("UPDATE fee_schedule SET amount_cents = amount_cents + 100", vec![]).await;
    assert!(now().await.unwrap().totals.reimbursement > priced, "fees");

    change("UPDATE settings SET setting_value = '25' WHERE setting_key = 'billing.monthly_target_minutes'", vec![]).await;
    assert_eq!(now().await.unwrap().target_minutes, 25, "settings");

    change("DELETE FROM patient_consents WHERE patient_id = $1", vec![billable.patient_id.into()])
        .await;
    let line = now()
        .await
        .unwrap()
        .lines
        .iter()
        .find(|l| l.patient_id == billable.patient_id)
        .cloned()
        .unwrap();
    assert!(
        !line.billable && line.reason.to_lowercase().contains("consent"),
        "patients: {}",
        line.reason
    );

    change("UPDATE task_types SET billable = FALSE", vec![]).await;
    let totals = now().await.unwrap().totals.clone();
    assert_eq!((totals.minutes, totals.billable), (0, 0), "task types");
    // The trend chart's totals come through the same counters.
    let trend = app.figures.billing_totals(&[earlier, month], Seed).await.unwrap();
    assert_eq!((trend[0].minutes, trend[1].minutes), (0, 0));
}

#[tokio::test]
async fn the_patient_table_pages_through_the_month_in_the_chosen_order() {
    let app = spawn_app().await;
    let month = this_month().previous();
    let summary = app
        .figures
        .billing_summary(month, Some(carelog_domain::billing::RuleSet::Seed))
        .await
        .unwrap();
    let total = summary.lines.len();
    assert!(total > 20, "the demo month fills more than a page of 10 ({total})");
    let (admin, _) = app.sign_in("admin").await;
    let get = |path: String| {
        let admin = admin.clone();
        let url = app.url(&path);
        async move {
            let r = admin.get(url).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let names = |page: &str| -> Vec<String> {
        let table = page
            .split("data-testid=\"patients\"")
            .nth(1)
            .unwrap()
            .split("</table>")
            .next()
            .unwrap();
        table
            .split("<tr class=")
            .skip(1)
            .map(|row| {
                crate::helpers::strip_tags(
                    row.split("<td>").nth(1).unwrap().split("</td>").next().unwrap(),
                )
                .trim()
                .to_owned()
            })
            .collect()
    };
    let (status, first) =
        get(format!("/billing?month={month}&rules=seed&sort=minutes&per=10")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(first.contains(&format!("Patient-months 1–10 of {total};")), "the range is stated");
    let by_minutes: Vec<&str> = {
        let mut lines: Vec<_> = summary.lines.iter().collect();
        lines.sort_by_key(|l| std::cmp::Reverse(l.minutes));
        lines.iter().map(|l| l.name.as_str()).collect()
    };
    assert_eq!(names(&first), by_minutes[..10].to_vec(), "page 1 is the first ten by minutes");
    let next = first
        .split("rel=\"next\"")
        .next()
        .unwrap()
        .rsplit("href=\"")
        .next()
        .unwrap()
        .trim_end_matches("\" ")
        .replace("&#38;", "&");
    let (_, second) = get(next).await;
    assert_eq!(
        names(&second),
        by_minutes[10..20].to_vec(),
        "the Next link keeps the order and the page size"
    );
    assert!(second.contains("rel=\"prev\""));

    let (status, whole) = get(format!("/billing?month={month}&rules=seed")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&whole).len(), total.min(100), "a hundred a page by default");
    let (status, last) = get(format!("/billing?month={month}&rules=seed&per=10&page=999")).await;
    assert_eq!(status, StatusCode::OK, "a page past the end shows the last");
    assert!(last.contains(&format!("of {total};")) && !last.contains("rel=\"next\""));
    assert_eq!(names(&last).len(), (total - 1) % 10 + 1);
    for (bad, rule) in [
        ("page=0", "is not a page number"),
        ("page=two", "is not a page number"),
        ("per=5", "from 10 to 1000"),
    ] {
        let (status, body) = get(format!("/billing?month={month}&{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(body.contains(rule), "the message names the rule: {bad}");
    }
}
