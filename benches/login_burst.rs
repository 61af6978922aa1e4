//! Memory and time under a burst of sign-ins (issue 20): a `carelog serve` process on a small demo
//! practice, 40 colleagues signing in at the same moment from one address, its resident memory from
//! /proc before, at peak and after; then 30 wrong passwords at once for one account, counting the
//! attempts that were checked.
//! Run: `cargo bench --bench login_burst` (Linux: it reads /proc).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn carelog(url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_carelog"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CARELOG_DATABASE_URL", url)
        .env("CARELOG_LOG", "error");
    command
}

/// A /proc/PID/status figure (VmRSS, VmHWM) in MiB.
fn memory_mib(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn token_of(page: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = page.find(marker).map_or(0, |i| i + marker.len());
    page[start..].split('"').next().unwrap_or_default().to_owned()
}

/// `n` clients, each with the sign-in form's token, posting `password` at once for `username`
/// (`{n}` in it becomes 1, 2 … n).
async fn burst(base: &str, n: usize, username: &str, password: &str) -> Vec<reqwest::StatusCode> {
    let mut ready = Vec::new();
    for _ in 0..n {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let form = client.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
        ready.push((client, token_of(&form)));
    }
    let posts: Vec<_> = ready
        .into_iter()
        .enumerate()
        .map(|(i, (client, token))| {
            let username = username.replace("{n}", &(i + 1).to_string());
            let (url, password) = (format!("{base}/login"), password.to_owned());
            tokio::spawn(async move {
                let form = [("_csrf", token), ("username", username), ("password", password)];
                client.post(url).form(&form).send().await.unwrap().status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for p in posts {
        statuses.push(p.await.unwrap());
    }
    statuses
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("burst.db").display());
    let loaded = carelog(&url)
        .args(["demo", "--patients", "100", "--coordinators", "40", "--months", "1"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(loaded.success());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let server = Server(
        carelog(&url)
            .args(["--bind", &format!("127.0.0.1:{port}"), "serve"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let pid = server.0.id();
    for _ in 0..600 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // One sign-in first, so the decoy hash and the pools exist before the baseline.
    burst(&base, 1, "coord1", "demo").await;
    let before = memory_mib(pid, "VmRSS:");
    let started = Instant::now();
    let signed_in = burst(&base, 40, "coord{n}", "demo").await;
    let took = started.elapsed();
    let peak = memory_mib(pid, "VmHWM:");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = memory_mib(pid, "VmRSS:");
    let ok = signed_in.iter().filter(|s| s.is_redirection()).count();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "login burst: 40 colleagues sign in at once from one address ({cores} cores, so {cores} password checks at a time)"
    );
    println!("  signed in        {ok} of 40 in {:.2} s", took.as_secs_f64());
    println!(
        "  resident memory  {before:.0} MiB before, {peak:.0} MiB at peak, {after:.0} MiB 2 s after"
    );
    println!("  peak growth      {:.0} MiB", peak - before);

    let guesses = burst(&base, 30, "coord2", "wrong-password").await;
    let checked = guesses.iter().filter(|s| s.as_u16() != 429).count();
    println!(
        "wrong passwords: 30 at once for one account, {checked} checked, {} throttled",
        30 - checked
    );
    drop(server);
}
