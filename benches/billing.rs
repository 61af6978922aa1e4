//! A month's billing summary at scale: 10,000 patients and 300,000 entries in one month.
//!
//!   cargo bench --bench billing
//!   CARELOG_BENCH_PG=postgres://postgres@127.0.0.1:5432/test cargo bench --bench billing
//!
//! Times the whole summary (queries, rules, totals) and, beside it, the floor: the same per-patient
//! aggregation as one hand-written SQL query. Target (issue 5): under 2 seconds on each engine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use carelog::DemoSize;
use carelog_domain::billing::RuleSet;
use carelog_domain::practice_time::{YearMonth, local_date};
use carelog_store::testing::{create_postgres_database, drop_postgres_database};
use carelog_store::{DemoTaskEntry, Store};
use chrono::{Datelike, Duration as Days, Utc};

const TZ: chrono_tz::Tz = chrono_tz::America::Los_Angeles;
const PATIENTS: usize = 10_000;
const ENTRIES: usize = 300_000;
const RUNS: usize = 5;

async fn load(store: &Store) -> YearMonth {
    carelog::prepare(store).await.unwrap();
    let now = Utc::now();
    let month = YearMonth::of(local_date(now, TZ)).previous();
    let hash = carelog_app::passwords::hash_password("demo").unwrap();
    let mut practice = carelog::demo::generate(
        DemoSize { patients: PATIENTS, coordinators: 100, months: 1, seed: 11 },
        TZ,
        now,
        &hash,
    );
    let types = [
        "Communication: Phone",
        "Care Coordination: General",
        "CCM: Care Plan Monthly REVIEW/CLOSE",
        "Patient Insurance Verification",
    ];
    let days = i64::from(month.last_day().day());
    practice.entries = (0..ENTRIES)
        .map(|i| {
            let day = month.first_day() + Days::days(i as i64 % days);
            let task_at = carelog_domain::practice_time::start_of_day(day, TZ)
                + Days::minutes(480 + (i % 480) as i64);
            let patient = i % PATIENTS;
            DemoTaskEntry {
                coordinator: format!("coord{}", 1 + patient % 100),
                patient: Some(patient),
                task_type: types[i % types.len()].into(),
                minutes: Some(1 + (i % 20) as i32),
                stat_value: None,
                notes: String::new(),
                task_at,
                billing_year: month.year,
                billing_month: month.month as i32,
            }
        })
        .collect();
    assert!(store.load_demo_practice(practice, now, "bench").await.unwrap().is_some());
    month
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

async fn measure(store: &Store) {
    let started = Instant::now();
    let month = load(store).await;
    println!(
        "\n{} — loaded {PATIENTS} patients and {ENTRIES} entries for {month} in {:.1?}",
        store.engine().name(),
        started.elapsed()
    );
    let mut full = Vec::new();
    let mut summary = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        // Uncached: `billing_summary` would answer every run after the first from memory.
        summary = Some(
            store.compute_billing_summary(month, RuleSet::Seed, chrono_tz::UTC).await.unwrap(),
        );
        full.push(t.elapsed());
    }
    let summary = summary.unwrap();
    let mut floor = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let n = store
            .scalar_for_test(
                "SELECT COUNT(*) AS n FROM (SELECT l.patient_id, SUM(l.minutes) AS m FROM coordinator_task_log l JOIN task_types t ON t.id = l.task_type_id
                 WHERE l.billing_year = $1 AND l.billing_month = $2 AND t.billable = TRUE GROUP BY l.patient_id) s",
                vec![month.year.into(), (month.month as i32).into()],
            )
            .await
            .unwrap();
        assert!(n > 0);
        floor.push(t.elapsed());
    }
    let (full, floor) = (median(full), median(floor));
    println!(
        "| engine | patient-months | billable | summary (median of {RUNS}) | floor: one SQL aggregate | ratio |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {} | {} | {:.0} ms | {:.0} ms | {:.1}× |",
        store.engine().name(),
        summary.totals.patients,
        summary.totals.billable,
        full.as_secs_f64() * 1000.0,
        floor.as_secs_f64() * 1000.0,
        full.as_secs_f64() / floor.as_secs_f64().max(1e-9)
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite:{}", dir.path().join("billing.db").display()))
        .await
        .unwrap();
    measure(&store).await;
    if let Ok(server) = std::env::var("CARELOG_BENCH_PG")
        && !server.is_empty()
    {
        let name = format!("carelog_bench_billing_{}", std::process::id());
        let url = create_postgres_database(&server, &name).await.unwrap();
        let store = Store::connect(&url).await.unwrap();
        measure(&store).await;
        store.close().await.unwrap();
        drop_postgres_database(&server, &name).await.unwrap();
    }
}
