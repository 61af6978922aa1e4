//! Safe to deploy: the demo practice only where it is meant to be.

use std::process::Command;

use crate::helpers::{ServerProcess, fresh_database, run_watched};

fn carelog() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_carelog"));
    command.env("CARELOG_BIND", "127.0.0.1:0").env("CARELOG_LOG", "error");
    command
}

/// The login page a server shows to someone not signed in.
async fn login_page(server: &ServerProcess) -> String {
    reqwest::get(server.url("/login")).await.unwrap().text().await.unwrap()
}

/// An empty database that is not the default embedded one (here a PostgreSQL database or a SQLite
/// file elsewhere) starts with no users: no `admin` / `demo`; the server and the login page say
/// how to make the first administrator, who then signs in to a practice that is not the demo.
#[tokio::test]
async fn an_empty_production_database_starts_with_no_users() {
    let dir = tempfile::tempdir().unwrap();
    let (url, postgres) = fresh_database(&dir).await;
    let mut command = carelog();
    command.arg("serve").env("CARELOG_DATABASE_URL", &url);
    let (child, lines) = run_watched(command);
    let server = ServerProcess::serving(child, lines);
    let printed = server.printed.join("\n");
    assert!(printed.contains("no users yet") && printed.contains("--role admin"), "{printed}");
    let store = carelog_store::Store::connect(&url).await.unwrap();
    assert_eq!(store.count_users().await.unwrap(), 0, "no demo logins in production");
    assert!(!store.is_demo_practice().await.unwrap());
    let page = login_page(&server).await;
    assert!(page.contains("No users yet") && page.contains("carelog user add"), "{page}");
    assert!(!page.contains("Demo practice"), "not a demo practice");

    let mut add = carelog();
    add.args(["user", "add", "boss", "--name", "Pat Boss", "--role", "admin", "--password-stdin"])
        .env("CARELOG_DATABASE_URL", &url)
        .stdin(std::process::Stdio::piped());
    let mut child = add.stdout(std::process::Stdio::piped()).spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"Quartz-lantern-harbor-91\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    let page = login_page(&server).await;
    assert!(!page.contains("No users yet"), "the first admin exists");
    drop(server);
    drop(store);
    if let Some((server, name)) = postgres {
        carelog_store::testing::drop_postgres_database(&server, &name).await.unwrap();
    }
}

/// `cargo run` on a fresh clone: the start that creates the default database loads the demo, which
/// says so on every page; a default database that existed before (made by `carelog migrate`) does
/// not get it.
#[tokio::test]
async fn the_demo_loads_by_itself_only_into_a_new_default_database() {
    let existing = tempfile::tempdir().unwrap();
    let mut migrate = carelog();
    migrate
        .arg("migrate")
        .env_remove("CARELOG_DATABASE_URL")
        .current_dir(existing.path())
        .stdout(std::process::Stdio::null());
    assert!(migrate.status().unwrap().success());
    assert!(existing.path().join("data/carelog.db").exists());
    let mut command = carelog();
    command.arg("serve").env_remove("CARELOG_DATABASE_URL").current_dir(existing.path());
    let (child, lines) = run_watched(command);
    let server = ServerProcess::serving(child, lines);
    assert!(server.printed.join("\n").contains("no users yet"), "{:?}", server.printed);
    drop(server);

    let fresh = tempfile::tempdir().unwrap();
    let mut command = carelog();
    command.arg("serve").env_remove("CARELOG_DATABASE_URL").current_dir(fresh.path());
    let (child, lines) = run_watched(command);
    let server = ServerProcess::serving(child, lines);
    let printed = server.printed.join("\n");
    assert!(printed.contains("Demo practice logins"), "{printed}");
    let page = login_page(&server).await;
    assert!(page.contains("Demo practice — synthetic data, demo passwords"), "{page}");
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let form = client.get(server.url("/login")).send().await.unwrap().text().await.unwrap();
    let token = crate::helpers::csrf_token(&form);
    let panel = client
        .post(server.url("/login"))
        .form(&[("_csrf", token.as_str()), ("username", "coord1"), ("password", "demo")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(panel.contains("Sign out") && panel.contains("data-testid=\"demo-banner\""), "{panel}");
}
