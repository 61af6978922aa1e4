//! Page latency over loopback HTTP, as a person's browser sees it (server time plus loopback).
//!
//!   cargo bench --bench pages                      # SQLite
//!   CARELOG_BENCH_PG=postgres://postgres@127.0.0.1:5432/test cargo bench --bench pages   # and PostgreSQL
//!
//! Scenarios: the default demo practice (300 patients, 8 coordinators, 3 months), and one coordinator
//! with a 500-patient caseload and 50,000 log entries; Tab 3's pages for a manager on the demo practice.
//! Prints p50/p95/p99 per page.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use carelog::{Config, DemoSize};
use carelog_domain::practice_time::local_date;
use carelog_store::testing::{create_postgres_database, drop_postgres_database};
use carelog_store::{DemoTaskEntry, Store};
use chrono::{Datelike, Utc};

const TZ: chrono_tz::Tz = chrono_tz::America::Los_Angeles;
const SAMPLES: usize = 200;

struct Server {
    base: String,
    store: Store,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

async fn serve(store: Store) -> Server {
    let config = Config::for_database("");
    let listener = tokio::net::TcpListener::bind(config.bind).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let state = carelog::web_state(store.clone(), &config);
    tokio::spawn(async move {
        let stop = async {
            let _ = rx.await;
        };
        let limits = carelog::ServerLimits {
            shutdown: std::time::Duration::from_secs(5),
            ..Default::default()
        };
        carelog::serve(listener, state, stop, limits).await.unwrap();
    });
    Server { base, store, _shutdown: tx }
}

async fn sign_in(base: &str, username: &str) -> reqwest::Client {
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let page = client.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
    let token =
        page.split("name=\"_csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    client
        .post(format!("{base}/login"))
        .form(&[("_csrf", token.as_str()), ("username", username), ("password", "demo")])
        .send()
        .await
        .unwrap();
    client
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

async fn measure(label: &str, mut request: impl AsyncFnMut(usize) -> reqwest::StatusCode) {
    for i in 0..10 {
        request(i).await;
    }
    let mut times = Vec::with_capacity(SAMPLES);
    for i in 0..SAMPLES {
        let started = Instant::now();
        let status = request(i + 10).await;
        times.push(started.elapsed());
        assert!(status.is_success(), "{label}: {status}");
    }
    times.sort();
    println!(
        "| {label:<44} | {:>7.1} | {:>7.1} | {:>7.1} |",
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        percentile(&times, 0.99)
    );
}

async fn pages(server: &Server, scenario: &str, username: &str) {
    let client = sign_in(&server.base, username).await;
    let me = server.store.user_for_login(username).await.unwrap().unwrap().user.id;
    let patient = server.store.list_patients(Some(me)).await.unwrap()[0].id;
    let token = {
        let page = client
            .get(format!("{}/tasks", server.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        page.split("name=\"_csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned()
    };
    let stat = server
        .store
        .task_types()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "Stat: Last OFFICE VISIT (yymm)")
        .unwrap()
        .id
        .to_string();
    let base = server.base.clone();
    println!(
        "\n{scenario} — {} ({SAMPLES} sequential requests each, milliseconds)\n",
        server.store.engine().name()
    );
    println!("| page                                         |     p50 |     p95 |     p99 |");
    println!("|----------------------------------------------|--------:|--------:|--------:|");
    for path in [
        "/panel",
        "/panel?sort=minutes&dir=desc&visit=overdue",
        "/tasks",
        &format!("/patients/{patient}"),
        &format!("/patients/{patient}/history"),
    ] {
        let url = format!("{base}{path}");
        measure(&format!("GET {path}"), async |_| client.get(&url).send().await.unwrap().status())
            .await;
    }
    let url = format!("{base}/tasks");
    let patient = patient.to_string();
    measure("POST /tasks (a Stat entry, then Tab 2)", async |i| {
        let notes = format!("bench {i}");
        let form = [
            ("_csrf", token.as_str()),
            ("patient", patient.as_str()),
            ("task_type", stat.as_str()),
            ("value", "2611"),
            ("notes", notes.as_str()),
        ];
        client.post(&url).form(&form).send().await.unwrap().status()
    })
    .await;
}

/// One coordinator holding 500 patients with 50,000 entries over the past year.
async fn large_caseload(store: &Store) {
    carelog::prepare(store).await.unwrap();
    let now = Utc::now();
    let hash = carelog_app::passwords::hash_password("demo").unwrap();
    let mut practice = carelog::demo::generate(
        DemoSize { patients: 500, coordinators: 1, months: 1, seed: 7 },
        TZ,
        now,
        &hash,
    );
    for p in &mut practice.patients {
        p.coordinator = Some("coord1".into());
        p.status = carelog_domain::patient::PatientStatus::Active;
        p.onboarding_status = carelog_domain::patient::OnboardingStatus::Active;
    }
    practice.entries = (0..50_000usize)
        .map(|i| {
            let task_at = now - chrono::Duration::minutes(10 * i as i64 + 1);
            let local = local_date(task_at, TZ);
            DemoTaskEntry {
                coordinator: "coord1".into(),
                patient: Some(i % 500),
                task_type: "Communication: Phone".into(),
                minutes: Some(5 + (i % 25) as i32),
                stat_value: None,
                notes: String::new(),
                task_at,
                billing_year: local.year(),
                billing_month: local.month() as i32,
            }
        })
        .collect();
    assert!(store.load_demo_practice(practice, now, "bench").await.unwrap().is_some());
    carelog_app::upkeep::generate_tasks(store, local_date(now, TZ)).await.unwrap();
}

async fn database(
    engine: &str,
    dir: &tempfile::TempDir,
    name: &str,
) -> (Store, Option<(String, String)>) {
    if engine == "sqlite" {
        (
            Store::connect(&format!("sqlite:{}", dir.path().join(format!("{name}.db")).display()))
                .await
                .unwrap(),
            None,
        )
    } else {
        let server = std::env::var("CARELOG_BENCH_PG").unwrap();
        let db = format!("carelog_bench_{name}_{}", std::process::id());
        let url = create_postgres_database(&server, &db).await.unwrap();
        (Store::connect(&url).await.unwrap(), Some((server, db)))
    }
}

/// Tab 3 as a manager sees it: the queue with the workload cards, one assign screen, the whole-queue plan
/// and the quality page.
async fn team_pages(server: &Server, scenario: &str) {
    let client = sign_in(&server.base, "manager1").await;
    let waiting = server.store.waiting_patients().await.unwrap();
    let patient = waiting.first().map(|p| p.id).unwrap();
    let base = server.base.clone();
    println!(
        "\n{scenario} — {} ({SAMPLES} sequential requests each, milliseconds)\n",
        server.store.engine().name()
    );
    println!("| page                                         |     p50 |     p95 |     p99 |");
    println!("|----------------------------------------------|--------:|--------:|--------:|");
    for path in [
        "/team",
        "/team?priority=High&sort=name",
        &format!("/team/assign/{patient}"),
        "/team/plan",
        "/team/quality",
    ] {
        let url = format!("{base}{path}");
        measure(&format!("GET {path}"), async |_| client.get(&url).send().await.unwrap().status())
            .await;
    }
}

#[tokio::main]
async fn main() {
    let mut engines = vec!["sqlite"];
    if std::env::var("CARELOG_BENCH_PG").is_ok_and(|v| !v.is_empty()) {
        engines.push("postgres");
    }
    let dir = tempfile::tempdir().unwrap();
    for engine in engines {
        let (store, pg_demo) = database(engine, &dir, "demo").await;
        carelog::prepare(&store).await.unwrap();
        let started = Instant::now();
        carelog::load_demo(&store, DemoSize::default(), TZ).await.unwrap();
        println!(
            "\nDemo practice loaded on {} in {:.2?}",
            store.engine().name(),
            started.elapsed()
        );
        let server = serve(store).await;
        pages(&server, "Demo practice (300 patients), coord1", "coord1").await;
        team_pages(&server, "Demo practice (300 patients, 15 waiting), manager1, Tab 3").await;

        let (store, pg_large) = database(engine, &dir, "large").await;
        let started = Instant::now();
        large_caseload(&store).await;
        println!(
            "\n500-patient caseload with 50,000 entries loaded on {} in {:.2?}",
            store.engine().name(),
            started.elapsed()
        );
        let server = serve(store).await;
        pages(&server, "One caseload of 500 patients, 50,000 entries, coord1", "coord1").await;

        for (server, db) in [pg_demo, pg_large].into_iter().flatten() {
            drop_postgres_database(&server, &db).await.unwrap();
        }
    }
}
