//! carelog at practice sizes, beside its floors.
//!
//!   CARELOG_BENCH_SIZES=S,M,L CARELOG_BENCH_PG=postgres://postgres@127.0.0.1:5432/test cargo bench --bench scale
//!
//! For each size and engine: loads the demo practice with `carelog demo` (timed, with the loader's peak
//! memory), serves it with `carelog serve` in a process of its own, and drives five pages over loopback
//! with 1, 10 and 50 concurrent signed-in users. Beside each page: an empty axum handler at the same
//! concurrency (the request floor). Then, in this process, a month's billing summary and a month's task
//! generation, each beside one hand-written SQL statement doing the same aggregation or insert, and the
//! demo load beside one INSERT … SELECT of as many entries. Ends with the server's peak resident memory.
//!
//! Sizes: S is the demo (300 patients, 8 coordinators, 3 months), M 10,000 patients and 100 coordinators,
//! L 100,000 and 1,000, both over 12 months. CARELOG_BENCH_SECONDS sets each measurement's length (5).
//!
//! To look closer at one page: CARELOG_BENCH_WORKS (panel, tasks, entry, minutes, billing, team) runs only
//! those pages and skips the floors, CARELOG_BENCH_USERS (1,10,50) picks the concurrencies, and
//! CARELOG_BENCH_RUNS repeats each measurement on the same loaded database (a row each).
//! CARELOG_BENCH_KEEP=1 keeps each loaded database (SQLite in `target/bench-kept/`, PostgreSQL as
//! `carelog_bench_<size>_kept`) and a later run with it set measures that one instead of loading
//! again: before/after comparisons at L without a 10-minute load each (its audit log grows).
//! CARELOG_BENCH_BIN names another carelog binary to measure, such as an earlier commit's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use carelog_domain::billing::RuleSet;
use carelog_domain::practice_time::{YearMonth, local_date};
use carelog_store::Store;
use carelog_store::testing::{create_postgres_database, drop_postgres_database};
use chrono::Utc;

const TZ: chrono_tz::Tz = chrono_tz::America::Los_Angeles;
const CONCURRENCY: [usize; 3] = [1, 10, 50];

/// What a run measures: every page at every concurrency once, unless the environment narrows it.
struct Selection {
    works: Option<Vec<String>>,
    users: Vec<usize>,
    runs: usize,
}

impl Selection {
    fn from_env() -> Selection {
        let list = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let works = list("CARELOG_BENCH_WORKS")
            .map(|v| v.split(',').map(|w| w.trim().to_lowercase()).collect());
        let users = list("CARELOG_BENCH_USERS")
            .map(|v| {
                v.split(',')
                    .map(|u| {
                        u.trim().parse().expect("CARELOG_BENCH_USERS is a list of whole numbers")
                    })
                    .collect()
            })
            .unwrap_or_else(|| CONCURRENCY.to_vec());
        let runs = list("CARELOG_BENCH_RUNS")
            .map_or(1, |v| v.trim().parse().expect("CARELOG_BENCH_RUNS is a whole number"));
        Selection { works, users, runs }
    }

    fn wants(&self, key: &str) -> bool {
        self.works.as_ref().is_none_or(|w| w.iter().any(|k| k == key))
    }
}

struct Size {
    name: &'static str,
    patients: usize,
    coordinators: usize,
    months: u32,
}

const SIZES: [Size; 3] = [
    Size { name: "S", patients: 300, coordinators: 8, months: 3 },
    Size { name: "M", patients: 10_000, coordinators: 100, months: 12 },
    Size { name: "L", patients: 100_000, coordinators: 1_000, months: 12 },
];

/// Peak resident memory of a process, in MiB, from /proc (Linux).
fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn carelog(url: &str) -> Command {
    // CARELOG_BENCH_BIN: another build of carelog to measure (an earlier commit's, for a
    // comparison on one kept database).
    let binary = std::env::var("CARELOG_BENCH_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_carelog").to_owned());
    let mut command = Command::new(binary);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CARELOG_DATABASE_URL", url)
        .env("RUST_LOG", "warn");
    command
}

/// Runs `carelog demo` and returns its wall time and peak memory (polled until it exits).
fn keep_databases() -> bool {
    std::env::var("CARELOG_BENCH_KEEP").is_ok_and(|v| v == "1")
}

/// Whether a kept database already holds a loaded practice.
async fn already_loaded(url: &str) -> bool {
    let Ok(store) = Store::connect(url).await else { return false };
    let patients = store.scalar_for_test("SELECT COUNT(*) AS n FROM patients", vec![]).await;
    let _ = store.close().await;
    patients.is_ok_and(|n| n > 0)
}

fn load_demo(url: &str, size: &Size) -> (Duration, f64) {
    let started = Instant::now();
    let mut child = carelog(url)
        .args([
            "demo",
            "--patients",
            &size.patients.to_string(),
            "--coordinators",
            &size.coordinators.to_string(),
        ])
        .args(["--months", &size.months.to_string()])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut peak: f64 = 0.0;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "carelog demo failed");
            return (started.elapsed(), peak);
        }
        peak = peak.max(peak_rss_mib(child.id()).unwrap_or(0.0));
        std::thread::sleep(Duration::from_millis(50));
    }
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_server(url: &str) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = carelog(url)
        .args(["--bind", &format!("127.0.0.1:{port}"), "serve"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Dropping the server kills and waits for the process, on every path out of here.
    let server = Server { child, base: format!("http://127.0.0.1:{port}") };
    let client = reqwest::Client::new();
    // A kept SQLite database at L (3.6 GB) took over a minute to answer after a restart.
    for _ in 0..3_000 {
        if client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("carelog serve did not answer /healthz");
}

/// The request floor: an axum handler that does nothing, on a runtime of its own.
fn start_empty_handler() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let app = axum::Router::new().route("/", axum::routing::get(|| async { "" }));
            axum::serve(listener, app).await.unwrap();
        });
    });
    base
}

struct Session {
    client: reqwest::Client,
    csrf: String,
    patient: String,
    /// Past days of the open period with room for a run's 5-minute entries under the 480-minute cap.
    open_days: Vec<chrono::NaiveDate>,
}

/// Days among the 27 before today on which `username` has at most 330 minutes logged.
async fn days_with_room(store: &Store, username: &str) -> Vec<chrono::NaiveDate> {
    let Some(login) = store.user_for_login(username).await.unwrap() else { return Vec::new() };
    let user = login.user;
    let today = local_date(Utc::now(), TZ);
    let mut days = Vec::new();
    for back in 1..=27 {
        let day = today - chrono::Duration::days(back);
        if store
            .logged_in(user.id, carelog_domain::practice_time::day_range(day, TZ))
            .await
            .unwrap()
            .minutes
            <= 330
        {
            days.push(day);
        }
    }
    days
}

fn csrf_of(page: &str) -> String {
    page.split("name=\"_csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned()
}

async fn sign_in(base: &str, username: &str) -> Session {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
    let form = [
        ("_csrf", csrf_of(&page)),
        ("username", username.to_owned()),
        ("password", "demo".to_owned()),
    ];
    let status = client.post(format!("{base}/login")).form(&form).send().await.unwrap().status();
    assert!(status.is_redirection(), "{username} could not sign in: {status}");
    let tasks = client.get(format!("{base}/tasks")).send().await.unwrap().text().await.unwrap();
    // The first patient of the caseload in the entry form's list, for task entries.
    let patient = tasks
        .split("name=\"patient\"")
        .nth(1)
        .and_then(|s| s.split("<option value=\"").nth(2))
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_owned();
    Session { client, csrf: csrf_of(&tasks), patient, open_days: Vec::new() }
}

#[derive(Clone, Copy)]
enum Work {
    Get(&'static str),
    /// A Stat entry: no minutes, so no daily cap and no average to check.
    Entry,
    /// Five minutes on a past day of the open period, checked against the day's 480 minutes and the
    /// task type's average, as most entries are.
    MinutesEntry,
}

/// The task types the entries use.
struct EntryTypes {
    stat: String,
    minutes: String,
}

struct Figures {
    p50: f64,
    p99: f64,
    per_second: f64,
    /// Answered 503 (database busy, retry): timed, but not counted as done.
    refused: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

/// `users` sessions each requesting in a loop for `seconds` after a short warm-up; every answer must be
/// the expected one.
async fn drive(
    base: &str,
    sessions: &[Arc<Session>],
    users: usize,
    work: Work,
    seconds: f64,
    types: &Arc<EntryTypes>,
) -> Figures {
    let warm_up = Duration::from_millis(500);
    let started = Instant::now();
    let measure_until = started + warm_up + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for user in 0..users {
        let own_session = sessions[user % sessions.len()].clone();
        let sessions = sessions.to_vec();
        let base = base.to_owned();
        let types = Arc::clone(types);
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut n = 0u64;
            loop {
                let begun = Instant::now();
                if begun >= measure_until {
                    break times;
                }
                n += 1;
                // Minute entries go round the coordinators, so no one's days fill to 480 minutes.
                let session = if matches!(work, Work::MinutesEntry) {
                    &sessions[(user + n as usize) % sessions.len()]
                } else {
                    &own_session
                };
                let status = match work {
                    Work::Get(path) => {
                        let response =
                            session.client.get(format!("{base}{path}")).send().await.unwrap();
                        let status = response.status();
                        response.bytes().await.unwrap();
                        status
                    }
                    Work::Entry | Work::MinutesEntry => {
                        // Unique across runs, or the double-submit rule would refuse a repeat within two minutes.
                        let stamp = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map_or(0, |d| d.as_nanos());
                        let notes = format!("bench {user} {n} {stamp}");
                        let day =
                            session.open_days.get(n as usize % session.open_days.len().max(1));
                        let when = day.map(|d| format!("{d}T10:00")).unwrap_or_default();
                        let mut form = vec![
                            ("_csrf", session.csrf.as_str()),
                            ("patient", session.patient.as_str()),
                            ("notes", notes.as_str()),
                        ];
                        if matches!(work, Work::Entry) {
                            form.extend([("task_type", types.stat.as_str()), ("value", "2611")]);
                        } else {
                            form.extend([
                                ("task_type", types.minutes.as_str()),
                                ("minutes", "5"),
                                ("when", when.as_str()),
                            ]);
                        }
                        let response = session
                            .client
                            .post(format!("{base}/tasks"))
                            .form(&form)
                            .send()
                            .await
                            .unwrap();
                        let status = response.status();
                        let body = response.text().await.unwrap();
                        if status == reqwest::StatusCode::UNPROCESSABLE_ENTITY {
                            let errors = body
                                .split("entry-errors")
                                .nth(1)
                                .unwrap_or(&body)
                                .chars()
                                .take(400)
                                .collect::<String>();
                            panic!("task entry refused: {errors}");
                        }
                        status
                    }
                };
                let refused = status == reqwest::StatusCode::SERVICE_UNAVAILABLE;
                assert!(
                    status.is_success() || status == reqwest::StatusCode::SEE_OTHER || refused,
                    "{status}"
                );
                if begun >= started + warm_up {
                    times.push((begun.elapsed(), refused));
                }
            }
        }));
    }
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await.unwrap());
    }
    let refused = times.iter().filter(|(_, refused)| *refused).count();
    let mut times: Vec<Duration> = times.into_iter().map(|(t, _)| t).collect();
    times.sort();
    Figures {
        p50: percentile(&times, 0.5),
        p99: percentile(&times, 0.99),
        per_second: (times.len() - refused) as f64 / seconds,
        refused,
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

async fn timed<T>(runs: usize, mut f: impl AsyncFnMut() -> T) -> (Duration, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f().await);
        times.push(t.elapsed());
    }
    (median(times), last.unwrap())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn bench(
    size: &Size,
    engine: &str,
    url: &str,
    empty: &str,
    seconds: f64,
    selection: &Selection,
) {
    println!("\n### {} on {engine}\n", size.name);
    let kept = keep_databases() && already_loaded(url).await;
    let (load, loader_peak) = if kept { (Duration::ZERO, 0.0) } else { load_demo(url, size) };
    let store = Store::connect(url).await.unwrap();
    let entries = store
        .scalar_for_test("SELECT COUNT(*) AS n FROM coordinator_task_log", vec![])
        .await
        .unwrap();
    let loaded_up_to = store
        .scalar_for_test("SELECT MAX(id) AS n FROM coordinator_task_log", vec![])
        .await
        .unwrap();
    let patients =
        store.scalar_for_test("SELECT COUNT(*) AS n FROM patients", vec![]).await.unwrap();

    let server = start_server(url).await;
    let base = server.base.clone();
    let coordinators = size.coordinators.min(50);
    let mut sessions = Vec::new();
    for (role, count) in
        [("coord", coordinators), ("manager", 10.min(size.coordinators.div_ceil(4))), ("admin", 1)]
    {
        let mut group = Vec::new();
        for i in 1..=count {
            let name = if role == "admin" { "admin".to_owned() } else { format!("{role}{i}") };
            let mut session = sign_in(&base, &name).await;
            if role == "coord" {
                session.open_days = days_with_room(&store, &name).await;
                assert!(
                    !session.open_days.is_empty(),
                    "{name} has no day with room for 5-minute entries"
                );
            }
            group.push(Arc::new(session));
        }
        sessions.push(group);
    }
    let types = store.task_types().await.unwrap();
    let type_id = |name: &str| types.iter().find(|t| t.name == name).unwrap().id.to_string();
    let types = Arc::new(EntryTypes {
        stat: type_id("Stat: Last OFFICE VISIT (yymm)"),
        minutes: type_id("Communication: Phone"),
    });
    let month = YearMonth::of(local_date(Utc::now(), TZ)).previous();
    let billing_path: &'static str = Box::leak(format!("/billing?month={month}").into_boxed_str());
    let pages: [(&str, &str, Work, usize); 6] = [
        ("panel", "Patient panel `/panel` (coordinator)", Work::Get("/panel"), 0),
        ("tasks", "Daily tasks `/tasks` (coordinator)", Work::Get("/tasks"), 0),
        ("entry", "Task entry `POST /tasks` (coordinator, a Stat value)", Work::Entry, 0),
        (
            "minutes",
            "Task entry `POST /tasks` (coordinator, 5 minutes on a past day)",
            Work::MinutesEntry,
            0,
        ),
        ("billing", "Billing summary `/billing` (admin, last month)", Work::Get(billing_path), 2),
        ("team", "Tab 3 queue `/team` (manager)", Work::Get("/team"), 1),
    ];
    let loaded = if kept {
        "Database kept from an earlier run".to_owned()
    } else {
        format!("Demo load {:.1} s (loader peak {loader_peak:.0} MiB)", load.as_secs_f64())
    };
    println!("{entries} log entries, {patients} patients. {loaded}. {seconds} s a measurement.\n");
    println!(
        "| work | users | p50 ms | p99 ms | per second | empty handler p50 / p99 ms | × floor (p50, p99) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let empty_session = Arc::new(Session {
        client: reqwest::Client::new(),
        csrf: String::new(),
        patient: String::new(),
        open_days: Vec::new(),
    });
    let mut floors = Vec::new();
    for &users in &selection.users {
        floors.push(
            drive(
                empty,
                std::slice::from_ref(&empty_session),
                users,
                Work::Get("/"),
                seconds,
                &types,
            )
            .await,
        );
    }
    let runs = selection
        .users
        .iter()
        .enumerate()
        .flat_map(|(k, &users)| std::iter::repeat_n((k, users), selection.runs));
    for (_, label, work, group) in pages.into_iter().filter(|(key, ..)| selection.wants(key)) {
        let mut alone = f64::NAN;
        for (k, users) in runs.clone() {
            if alone > 500.0 {
                // Concurrent users would only queue behind each other for minutes; the single-user figure says it.
                println!(
                    "| {label} | {users} | not run: one user alone waits {alone:.0} ms | | | | |"
                );
                continue;
            }
            let f = drive(&base, &sessions[group], users, work, seconds, &types).await;
            if matches!(work, Work::MinutesEntry) {
                // Room for the next run's minutes on the same days.
                store
                    .exec_for_test("DELETE FROM coordinator_task_log WHERE notes LIKE 'bench %' AND minutes IS NOT NULL", vec![])
                    .await
                    .unwrap();
            }
            if users == 1 {
                alone = f.p50;
            }
            let floor = &floors[k];
            if f.p50.is_nan() {
                println!(
                    "| {label} | {users} | no request finished within the {seconds} s window | | | | |"
                );
                continue;
            }
            let refused = if f.refused > 0 {
                format!(" ({} refused busy)", f.refused)
            } else {
                String::new()
            };
            println!(
                "| {label} | {users} | {:.1} | {:.1} | {:.0}{refused} | {:.2} / {:.2} | {:.0}×, {:.0}× |",
                f.p50,
                f.p99,
                f.per_second,
                floor.p50,
                floor.p99,
                f.p50 / floor.p50,
                f.p99 / floor.p99
            );
        }
    }
    let server_peak = peak_rss_mib(server.child.id()).unwrap_or(f64::NAN);
    drop(server);
    if selection.works.is_some() {
        println!("\nServer peak resident memory: {server_peak:.0} MiB.");
        if selection.wants("firstview") {
            first_views(&store, month).await;
        }
        store.close().await.unwrap();
        return;
    }

    // A month's billing summary, beside the same per-patient aggregation as one SQL statement.
    let (summary_time, summary) = timed(5, async || {
        store.compute_billing_summary(month, RuleSet::Seed, chrono_tz::UTC).await.unwrap()
    })
    .await;
    // After an entry of the month changes (the patients, fees and settings unchanged and cached).
    let figures = carelog_app::figures::Figures::new(store.clone(), chrono_tz::UTC);
    figures.billing_summary(month, Some(RuleSet::Seed)).await.unwrap();
    let mut after_entry = Vec::new();
    for _ in 0..5 {
        store
            .exec_for_test(
                "UPDATE coordinator_task_log SET notes = notes
                 WHERE id = (SELECT MAX(id) FROM coordinator_task_log WHERE billing_year = $1 AND billing_month = $2)",
                vec![month.year.into(), (month.month as i32).into()],
            )
            .await
            .unwrap();
        let t = Instant::now();
        figures.billing_summary(month, Some(RuleSet::Seed)).await.unwrap();
        after_entry.push(t.elapsed());
    }
    let after_entry_time = median(after_entry);
    let (cached_time, _) =
        timed(5, async || figures.billing_summary(month, Some(RuleSet::Seed)).await.unwrap()).await;
    let (floor_time, _) = timed(5, async || {
        store
            .scalar_for_test(
                "SELECT COUNT(*) AS n FROM (SELECT l.patient_id, SUM(l.minutes) AS m FROM coordinator_task_log l
                 JOIN task_types t ON t.id = l.task_type_id
                 WHERE l.billing_year = $1 AND l.billing_month = $2 AND t.billable = TRUE AND l.patient_id IS NOT NULL GROUP BY l.patient_id) s",
                vec![month.year.into(), (month.month as i32).into()],
            )
            .await
            .unwrap()
    })
    .await;
    // Next month's task generation, beside one INSERT … SELECT of the same tasks (rolled back).
    let next = YearMonth::of(local_date(Utc::now(), TZ)).next();
    let generation_floor = Instant::now();
    let floor_tasks = store
        .rolled_back_for_test(
            "INSERT INTO generated_tasks (schedule_id, task_type_id, coordinator_id, patient_id, subject_key, period_key, due_date,
                estimated_minutes, priority, status, created_at)
             SELECT s.id, s.task_type_id, p.coordinator_id, p.id, 'p:' || p.id, $1, $2, s.estimated_minutes, s.priority, 'pending', $3
             FROM automated_task_schedule s JOIN patients p ON p.status = 'Active' AND p.coordinator_id IS NOT NULL
             WHERE s.is_active = TRUE AND s.frequency = 'monthly'
               AND (s.applies_to = 'all_patients' OR (s.applies_to = 'ccm_patients' AND p.program IN ('CCM', 'CCM+PCM'))
                    OR (s.applies_to = 'pcm_patients' AND p.program IN ('PCM', 'CCM+PCM')))",
            vec![format!("bench-{next}").into(), next.first_day().into(), Utc::now().into()],
        )
        .await
        .unwrap();
    let generation_floor = generation_floor.elapsed();
    let generation = Instant::now();
    let generated = carelog_app::upkeep::generate_tasks(&store, next.first_day()).await.unwrap();
    let generation = generation.elapsed();
    // The demo load beside one INSERT … SELECT of as many entries (rolled back).
    let load_floor = Instant::now();
    let copied = store
        .rolled_back_for_test(
            "INSERT INTO coordinator_task_log (coordinator_id, patient_id, task_type_id, task_category, minutes, stat_value, notes,
                task_at, billing_year, billing_month, created_at, modified_at)
             SELECT coordinator_id, patient_id, task_type_id, task_category, minutes, stat_value, notes, task_at, billing_year,
                billing_month, created_at, modified_at FROM coordinator_task_log WHERE id <= $1",
            vec![loaded_up_to.into()],
        )
        .await
        .unwrap();
    let load_floor = load_floor.elapsed();
    println!("\n| work | carelog | floor: one SQL statement | × floor |");
    println!("|---|---:|---:|---:|");
    println!(
        "| Billing summary for {month} ({} patient-months, {} billable), computed with nothing kept | {:.0} ms | {:.0} ms | {:.1}× |",
        summary.totals.patients,
        summary.totals.billable,
        ms(summary_time),
        ms(floor_time),
        summary_time.as_secs_f64() / floor_time.as_secs_f64()
    );
    println!(
        "| The same after one of its entries changed (patients, fees and settings unchanged, kept) | {:.0} ms | {:.0} ms | {:.1}× |",
        ms(after_entry_time),
        ms(floor_time),
        after_entry_time.as_secs_f64() / floor_time.as_secs_f64()
    );
    println!(
        "| The same, unchanged since last asked (cache checked against the change counters) | {:.1} ms | {:.0} ms | {:.2}× |",
        ms(cached_time),
        ms(floor_time),
        cached_time.as_secs_f64() / floor_time.as_secs_f64()
    );
    println!(
        "| Monthly task generation for {next} ({generated} tasks; the SQL makes the {floor_tasks} patient tasks) | {:.0} ms | {:.0} ms | {:.1}× |",
        ms(generation),
        ms(generation_floor),
        generation.as_secs_f64() / generation_floor.as_secs_f64()
    );
    println!(
        "| Demo load ({entries} entries; SQL copies {copied}) | {:.1} s | {:.1} s | {:.1}× |",
        load.as_secs_f64(),
        load_floor.as_secs_f64(),
        load.as_secs_f64() / load_floor.as_secs_f64()
    );
    println!("\nServer peak resident memory: {server_peak:.0} MiB.");
    // Last: it closes the months, and a closed month's entries take no more writes.
    first_views(&store, month).await;
    store.close().await.unwrap();
}

/// The billing page's first view of `month` (its summary and the twelve months of its trend, on a
/// server that has kept nothing): with every month open, then with the eleven before it closed as a
/// practice closes them, then with `month` closed too. Each close is timed as well.
async fn first_views(store: &Store, month: YearMonth) {
    let fresh = || {
        carelog_app::App::new(
            store.clone(),
            carelog_app::Settings {
                time_zone: TZ,
                base_url: String::new(),
                email_configured: false,
                session_idle: chrono::Duration::minutes(15),
            },
        )
    };
    let admin = carelog_app::Actor::command_line();
    let view = async || {
        let t = Instant::now();
        fresh().billing_month(&admin, month, None).await.unwrap();
        t.elapsed()
    };
    println!("\n| billing page, first view of {month} (nothing kept) | ms |");
    println!("|---|---:|");
    println!("| every month open: the month and its trend computed | {:.0} |", ms(view().await));
    let mut before: Vec<YearMonth> =
        std::iter::successors(Some(month.previous()), |m| Some(m.previous())).take(11).collect();
    before.reverse();
    let mut closes = Vec::new();
    for m in before {
        let t = Instant::now();
        fresh().close_month(&admin, m, None).await.unwrap();
        closes.push(t.elapsed());
    }
    println!(
        "| the eleven months before closed (trend from their records), {month} open | {:.0} |",
        ms(view().await)
    );
    let t = Instant::now();
    fresh().close_month(&admin, month, None).await.unwrap();
    let close = t.elapsed();
    println!("| {month} closed too: everything read from records | {:.0} |", ms(view().await));
    println!(
        "| closing {month} (summary computed, record written) | {:.0} |\n| closing each earlier month, median | {:.0} |",
        ms(close),
        ms(median(closes))
    );
}

#[tokio::main]
async fn main() {
    let wanted = std::env::var("CARELOG_BENCH_SIZES").unwrap_or_else(|_| "S".into());
    let seconds: f64 =
        std::env::var("CARELOG_BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let pg = std::env::var("CARELOG_BENCH_PG").ok().filter(|v| !v.is_empty());
    let engines: Vec<&str> = match std::env::var("CARELOG_BENCH_ENGINES") {
        Ok(list) => list
            .split(',')
            .map(|s| if s.trim() == "postgres" { "postgres" } else { "sqlite" })
            .collect(),
        Err(_) => {
            if pg.is_some() {
                vec!["sqlite", "postgres"]
            } else {
                vec!["sqlite"]
            }
        }
    };
    let selection = Selection::from_env();
    let empty = start_empty_handler();
    let dir = tempfile::tempdir().unwrap();
    println!(
        "carelog scale benchmark: sizes {wanted}, engines {}, {} cores",
        engines.join(", "),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for size in
        SIZES.iter().filter(|s| wanted.split(',').any(|w| w.trim().eq_ignore_ascii_case(s.name)))
    {
        for engine in &engines {
            if *engine == "sqlite" {
                let folder = if keep_databases() {
                    let kept =
                        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-kept");
                    std::fs::create_dir_all(&kept).unwrap();
                    kept
                } else {
                    dir.path().to_owned()
                };
                let url = format!("sqlite:{}", folder.join(format!("{}.db", size.name)).display());
                bench(size, "SQLite", &url, &empty, seconds, &selection).await;
            } else {
                let server = pg.clone().expect("CARELOG_BENCH_PG names the PostgreSQL server");
                let size_name = size.name.to_lowercase();
                if keep_databases() {
                    let name = format!("carelog_bench_{size_name}_kept");
                    let url = match create_postgres_database(&server, &name).await {
                        Ok(url) => url,
                        Err(_) => carelog_store::testing::with_database(&server, &name),
                    };
                    bench(size, "PostgreSQL", &url, &empty, seconds, &selection).await;
                } else {
                    let name = format!("carelog_bench_{size_name}_{}", std::process::id());
                    let url = create_postgres_database(&server, &name).await.unwrap();
                    bench(size, "PostgreSQL", &url, &empty, seconds, &selection).await;
                    drop_postgres_database(&server, &name).await.unwrap();
                }
            }
        }
    }
}
