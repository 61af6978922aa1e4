//! A stopping server finishes the requests in flight, but no client holds it past its deadline.

use std::io::{BufRead, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A client that sent half a request and went quiet: SIGTERM stops the server within the
/// deadline (`CARELOG_SHUTDOWN_SECONDS`), not when the client hangs up.
#[tokio::test]
async fn a_stalled_client_cannot_hold_a_shutdown_past_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let (url, postgres) = crate::helpers::fresh_database(&dir).await;
    let mut server = Command::new(env!("CARGO_BIN_EXE_carelog"))
        .arg("serve")
        .env("CARELOG_DATABASE_URL", &url)
        .env("CARELOG_BIND", "127.0.0.1:0")
        .env("CARELOG_LOG", "error")
        .env("CARELOG_SHUTDOWN_SECONDS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = server.stdout.take().unwrap();
    let line = std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.contains("serving at"))
        .expect("the server says where it serves");
    let address = line.split("http://").nth(1).unwrap().split_whitespace().next().unwrap();
    let mut stalled = std::net::TcpStream::connect(address).unwrap();
    stalled.write_all(b"GET /healthz HTTP/1.1\r\nHost: carelog\r\n").unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let status = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(status.success());
    let asked = Instant::now();
    let stopped = loop {
        if server.try_wait().unwrap().is_some() {
            break asked.elapsed();
        }
        if asked.elapsed() > Duration::from_secs(15) {
            let _ = server.kill();
            let _ = server.wait();
            panic!("a client that never finished its request kept the server up for 15 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        stopped >= Duration::from_millis(900),
        "in-flight requests get their time: {stopped:?}"
    );
    assert!(stopped < Duration::from_secs(5), "stopped after {stopped:?}, past the 1 s deadline");
    drop(stalled);
    if let Some((server, name)) = postgres {
        carelog_store::testing::drop_postgres_database(&server, &name).await.unwrap();
    }
}
