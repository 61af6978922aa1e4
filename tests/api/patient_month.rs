//! One patient-month: the panel, the record, the needs-time list, billing and its drill-down read the
//! same billable minutes, all from the billing month stamped on each entry when it was written.

use carelog_domain::ids::PatientId;
use carelog_domain::practice_time::{YearMonth, local_date};
use carelog_store::{EntryFilter, PanelFilter};
use chrono::Utc;

use crate::helpers::{TestApp, spawn_app, strip_tags};

const TZ: chrono_tz::Tz = chrono_tz::America::Los_Angeles;

fn testid(page: &str, id: &str) -> i64 {
    let after = page.split(&format!("data-testid=\"{id}\">")).nth(1).unwrap_or_default();
    strip_tags(after.split('<').next().unwrap_or_default()).trim().parse().unwrap_or(-1)
}

/// The patient's billable minutes as each page and the billing summary show them.
async fn every_figure(
    app: &TestApp,
    patient: PatientId,
    month: YearMonth,
) -> Vec<(&'static str, i64)> {
    let (coordinator, _) = app.sign_in("coord1").await;
    let (admin, _) = app.sign_in("admin").await;
    let get = |client: &reqwest::Client, path: String| {
        let request = client.get(app.url(&path));
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    let me = app.user_id("coord1").await;
    let filter = PanelFilter { coordinator_id: Some(me), ..PanelFilter::default() };
    let panel = app.store.panel(&filter, month).await.unwrap();
    let record = get(&coordinator, format!("/patients/{patient}")).await;
    let drill = get(&admin, format!("/billing/patients/{patient}?month={month}")).await;
    let summary = app.figures.billing_summary(month, None).await.unwrap();
    let counted = app.store.patient_month_entries(patient, month).await.unwrap();
    vec![
        ("panel", panel.iter().find(|p| p.id == patient).map_or(-1, |p| p.billable_minutes)),
        ("record", testid(&record, "patient-billable-minutes")),
        ("drill-down", testid(&drill, "billable-minutes")),
        (
            "drill-down entries",
            counted.iter().filter(|e| e.counts).map(|e| e.entry.minutes.map_or(0, i64::from)).sum(),
        ),
        (
            "summary",
            summary.lines.iter().find(|l| l.patient_id == patient).map_or(0, |l| l.minutes),
        ),
        ("store", app.store.patient_month_minutes(patient, month).await.unwrap().billable),
    ]
}

fn all_equal(figures: &[(&'static str, i64)]) -> i64 {
    let first = figures[0].1;
    assert!(figures.iter().all(|(_, m)| *m == first), "the figures disagree: {figures:?}");
    first
}

#[tokio::test]
async fn every_page_reads_a_patient_month_from_the_month_stamped_on_its_entries() {
    let app = spawn_app().await;
    let month = YearMonth::of(local_date(Utc::now(), TZ));
    let patient = app.own_patient("coord1").await;
    let start = all_equal(&every_figure(&app, patient, month).await);

    // Billable time logged now counts this month everywhere.
    let (client, _) = app.sign_in("coord1").await;
    let call = app.task_type_id("CCM: CareGap Review/Coordination").await.to_string();
    let fields = [
        ("patient", patient.to_string()),
        ("task_type", call),
        ("minutes", "15".into()),
        ("notes", "Reviewed the care plan".into()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post_form(&client, "/tasks", &fields).await;
    let before = all_equal(&every_figure(&app, patient, month).await);
    assert_eq!(before, start + 15);

    // Restamp one of the patient's billable entries into the month before, as an entry written under
    // another time zone setting would be: every figure follows the stamp.
    let entries = app
        .store
        .patient_month_entries(patient, month)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.counts)
        .collect::<Vec<_>>();
    let moved = entries.last().expect("the entry just logged counts");
    let previous = month.previous();
    app.store
        .exec_for_test(
            "UPDATE coordinator_task_log SET billing_year = $1, billing_month = $2 WHERE id = $3",
            vec![previous.year.into(), (previous.month as i32).into(), moved.entry.id.into()],
        )
        .await
        .unwrap();
    let minutes = moved.entry.minutes.map_or(0, i64::from);
    let after = all_equal(&every_figure(&app, patient, month).await);
    assert_eq!(after, before - minutes, "the restamped entry left this month everywhere");
    let in_previous = app.store.patient_month_entries(patient, previous).await.unwrap();
    assert!(in_previous.iter().any(|e| e.entry.id == moved.entry.id && e.counts));
    // The entry's time is still this month: a time range would have kept counting it.
    let this_range = carelog_domain::practice_time::month_range(month, TZ);
    let by_time = EntryFilter {
        patient_id: Some(patient),
        range: Some(this_range),
        ..EntryFilter::default()
    };
    assert!(
        app.store.entries(&by_time, 10_000).await.unwrap().iter().any(|e| e.id == moved.entry.id)
    );
}
