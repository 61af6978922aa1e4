//! A stopping server finishes the requests in flight, but no client holds it past its deadline; a
//! client silent inside a request loses its connection.

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

/// A client that sent half a request and went quiet: SIGTERM stops the server within the
/// deadline (`CARELOG_SHUTDOWN_SECONDS`), not when the client hangs up.
#[tokio::test]
async fn a_stalled_client_cannot_hold_a_shutdown_past_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let (url, postgres) = crate::helpers::fresh_database(&dir).await;
    let mut server =
        crate::helpers::ServerProcess::start(&url, &[("CARELOG_SHUTDOWN_SECONDS", "1")]);
    let address = server.address.clone();
    let mut stalled = std::net::TcpStream::connect(&address).unwrap();
    stalled.write_all(b"GET /healthz HTTP/1.1\r\nHost: carelog\r\n").unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let status =
        Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let asked = Instant::now();
    let stopped = loop {
        if server.child.try_wait().unwrap().is_some() {
            break asked.elapsed();
        }
        if asked.elapsed() > Duration::from_secs(15) {
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

/// Reads until the server closes the connection: what it sent, and when it closed after `since`.
async fn read_until_closed(
    stream: &mut tokio::net::TcpStream,
    since: Instant,
) -> (String, Duration) {
    use tokio::io::AsyncReadExt;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the connection was still open after 5 s");
    (String::from_utf8_lossy(&answer).into_owned(), since.elapsed())
}

/// A client that goes quiet inside a request's head or body loses its connection after the limit,
/// while the server goes on serving everyone else.
#[tokio::test]
async fn a_client_silent_inside_a_request_is_cut_off_after_the_limit() {
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir().unwrap();
    let (url, postgres) = crate::helpers::fresh_database(&dir).await;
    let store = carelog_store::Store::connect(&url).await.unwrap();
    carelog::prepare(&store).await.unwrap();
    let config = carelog::Config::for_database(&url);
    let listener = tokio::net::TcpListener::bind(config.bind).await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let limits = carelog::ServerLimits {
        header_read: Duration::from_secs(1),
        body_idle: Duration::from_secs(1),
        shutdown: Duration::from_secs(1),
    };
    let server = tokio::spawn(carelog::serve(
        listener,
        carelog::web_state(store.clone(), &config),
        async {
            let _ = stopped.await;
        },
        limits,
    ));

    let mut half_head = tokio::net::TcpStream::connect(address).await.unwrap();
    half_head.write_all(b"GET /healthz HTTP/1.1\r\nHost: carelog\r\n").await.unwrap();
    let mut half_body = tokio::net::TcpStream::connect(address).await.unwrap();
    half_body
        .write_all(
            b"POST /login HTTP/1.1\r\nHost: carelog\r\nCookie: carelog_login_csrf=t\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n_csrf=t&",
        )
        .await
        .unwrap();
    let sent = Instant::now();

    let (answer, after) = read_until_closed(&mut half_head, sent).await;
    assert!(after >= Duration::from_millis(800), "closed after {after:?}, before the limit");
    assert!(!answer.contains(" 200 "), "{answer}");
    // The sign-in's token check reads the body before it answers.
    let (answer, after) = read_until_closed(&mut half_body, sent).await;
    assert!(after >= Duration::from_millis(800), "answered after {after:?}, before the limit");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("nothing was changed"), "{answer}");
    let health = reqwest::get(format!("http://{address}/healthz")).await.unwrap();
    assert_eq!(health.status(), reqwest::StatusCode::OK, "the server serves everyone else");

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    store.close().await.unwrap();
    if let Some((server, name)) = postgres {
        carelog_store::testing::drop_postgres_database(&server, &name).await.unwrap();
    }
}
