//! The `carelog` binary itself: settings validation and user management.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::helpers::{fresh_database, line_with, serve_in_background, spawn_app};

fn carelog(database_url: &str, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_carelog"))
        .args(args)
        .env("CARELOG_DATABASE_URL", database_url)
        .env("CARELOG_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    )
}

#[tokio::test]
async fn bad_settings_stop_start_up_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("x.db").display());
    let cases = [
        (vec![("CARELOG_TZ", "Mars/Olympus")], "CARELOG_TZ"),
        (vec![("CARELOG_BIND", "localhost")], "CARELOG_BIND"),
        (vec![("CARELOG_SECURE_COOKIES", "perhaps")], "CARELOG_SECURE_COOKIES"),
        (vec![("CARELOG_DATABSE_URL", "sqlite:typo.db")], "CARELOG_DATABSE_URL"),
    ];
    for (env, setting) in cases {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_carelog"));
        cmd.arg("migrate").env("CARELOG_DATABASE_URL", &url);
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(!out.status.success(), "{setting} should stop start-up");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(setting), "message should name {setting}: {stderr}");
    }
    let (ok, out) = carelog("mysql://root@localhost/x", &["migrate"], "");
    assert!(!ok && out.contains("CARELOG_DATABASE_URL"), "{out}");
}

#[tokio::test]
async fn users_are_added_and_their_roles_changed_from_the_command_line() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let url = match std::env::var("CARELOG_TEST_PG") {
        Ok(_) => fresh_database(&dir).await.0,
        Err(_) => format!("sqlite:{}", dir.path().join("cli.db").display()),
    };
    drop(app);
    let (ok, out) = carelog(
        &url,
        &[
            "user",
            "add",
            "Pat.Lee",
            "--name",
            "Pat Lee",
            "--role",
            "coordinator",
            "--password-stdin",
        ],
        "Quartz-lantern-harbor-91\n",
    );
    assert!(ok, "{out}");
    assert!(out.contains("Added pat.lee (coordinator)"));
    let (ok, out) = carelog(
        &url,
        &[
            "user",
            "add",
            "pat.lee",
            "--name",
            "Pat Lee",
            "--role",
            "coordinator",
            "--password-stdin",
        ],
        "Quartz-lantern-harbor-91\n",
    );
    assert!(!ok && out.contains("already exists"), "{out}");
    let (ok, out) = carelog(
        &url,
        &["user", "add", "short", "--name", "S", "--role", "coordinator", "--password-stdin"],
        "tiny\n",
    );
    assert!(!ok && out.contains("at least 12"), "{out}");
    // The review's examples: long enough, and guessed at once.
    for easy in ["aaaaaaaaaaaa", "password1234", "            "] {
        let (ok, out) = carelog(
            &url,
            &["user", "add", "easy", "--name", "E", "--role", "coordinator", "--password-stdin"],
            &format!("{easy}\n"),
        );
        assert!(!ok && out.contains("too easy to guess"), "{easy:?}: {out}");
    }
    let (ok, out) = carelog(&url, &["user", "set-role", "pat.lee", "owner"], "");
    assert!(!ok && out.contains("not a role"), "{out}");
    let (ok, out) = carelog(&url, &["user", "set-role", "pat.lee", "manager"], "");
    assert!(ok && out.contains("now manager (was coordinator)"), "{out}");
    let (ok, out) = carelog(
        &url,
        &["user", "reset-password", "pat.lee", "--password-stdin"],
        "Velvet-orbit-canyon-47\n",
    );
    assert!(ok, "{out}");
    let (ok, out) = carelog(&url, &["user", "set-role", "nobody", "admin"], "");
    assert!(!ok && out.contains("was not found"), "{out}");
    let store = carelog_store::Store::connect(&url).await.unwrap();
    let carelog_store::Login { user, password_hash: hash } =
        store.user_for_login("pat.lee").await.unwrap().unwrap();
    assert_eq!(user.role, carelog_domain::role::Role::Manager);
    assert!(carelog_app::passwords::verify_password("Velvet-orbit-canyon-47", &hash));
    let filter = carelog_store::AuditFilter { username: Some("cli".into()), ..Default::default() };
    let actions: Vec<String> = store
        .audit_events(&filter, 10, 0)
        .await
        .unwrap()
        .events
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["user.reset-password", "user.set-role", "user.add"]);
}

#[tokio::test]
async fn the_demo_loads_only_into_an_empty_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("demo.db").display());
    let (ok, out) = carelog(
        &url,
        &["demo", "--patients", "30", "--coordinators", "2", "--months", "1", "--seed", "9"],
        "",
    );
    assert!(ok, "{out}");
    assert!(out.contains("coord1 … coord2"));
    let (ok, out) = carelog(&url, &["demo"], "");
    assert!(!ok && out.contains("empty database"), "{out}");
    let store = carelog_store::Store::connect(&url).await.unwrap();
    assert_eq!(store.list_patients(None).await.unwrap().len(), 30);
}

/// The server that refused to serve a half-loaded practice: what it said.
fn refusal_of(url: &str) -> String {
    let (mut server, lines) = serve_in_background(url, &[]);
    let refusal = line_with(&lines, "carelog:", 10).unwrap_or_default();
    assert!(!server.wait().unwrap().success(), "{refusal}");
    refusal
}

/// A demo load in progress holds other servers back until it finishes; one whose server stopped part
/// way is refused, naming what happened and what to do: at once when that server ran on this host and
/// its process is gone, else once no word came from it for longer than the limit.
#[tokio::test]
async fn a_server_waits_for_a_demo_load_under_way_and_refuses_one_that_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("demo.db").display());
    let (ok, out) = carelog(&url, &["demo", "--patients", "20", "--coordinators", "2"], "");
    assert!(ok, "{out}");
    let store = carelog_store::Store::connect(&url).await.unwrap();
    let unfinish = |heartbeat: chrono::DateTime<chrono::Utc>, loader: String| {
        store.exec_for_test(
            "UPDATE practice_load SET finished_at = NULL, heartbeat_at = $1, loader = $2",
            vec![chrono::SubsecRound::trunc_subsecs(heartbeat, 0).into(), loader.into()],
        )
    };
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let host = host.trim();

    // This test's own process stands for a loader at work.
    unfinish(chrono::Utc::now(), format!("{host}/{}", std::process::id())).await.unwrap();
    let (mut server, lines) = serve_in_background(&url, &[]);
    assert_eq!(line_with(&lines, "serving at", 2), None, "it waits while the load is under way");
    store.finish_demo_load(chrono::Utc::now()).await.unwrap();
    assert!(line_with(&lines, "serving at", 10).is_some(), "it serves once the load finished");
    server.kill().unwrap();
    server.wait().unwrap();

    let began = std::time::Instant::now();
    unfinish(chrono::Utc::now(), format!("{host}/4294967295")).await.unwrap();
    let refusal = refusal_of(&url);
    assert!(refusal.contains("never finished") && refusal.contains("empty database"), "{refusal}");
    assert!(refusal.contains(&url), "names the database: {refusal}");
    assert!(
        began.elapsed() < std::time::Duration::from_secs(10),
        "not after the heartbeat's limit"
    );

    unfinish(chrono::Utc::now() - chrono::Duration::minutes(10), "elsewhere/1".into())
        .await
        .unwrap();
    assert!(refusal_of(&url).contains("never finished"));
    let (ok, out) = carelog(&url, &["demo"], "");
    assert!(!ok && out.contains("never finished"), "{out}");
}

/// A database carelog cannot use stops start-up at once with the cause and the setting: where a
/// PostgreSQL refused, which user it would not take, which file is read-only, and a schema from a
/// newer carelog.
#[tokio::test]
async fn start_up_errors_name_the_cause_and_the_setting() {
    let started = std::time::Instant::now();
    let (ok, out) = carelog("postgres://postgres@127.0.0.1:1/test", &["migrate"], "");
    assert!(!ok);
    assert!(
        out.contains("CARELOG_DATABASE_URL") && out.contains("127.0.0.1:1: connection refused"),
        "{out}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "not after a pool timeout");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let url = format!("sqlite:{}", path.display());
    let (ok, out) = carelog(&url, &["migrate"], "");
    assert!(ok, "{out}");
    let (ok, out) = carelog(&format!("{url}?mode=ro"), &["migrate"], "");
    assert!(!ok);
    assert!(
        out.contains(&format!(
            "CARELOG_DATABASE_URL: cannot use the SQLite database {}",
            path.display()
        )) && out.contains("read-only"),
        "{out}"
    );
    let store = carelog_store::Store::connect(&url).await.unwrap();
    store
        .exec_for_test(
            "INSERT INTO schema_migrations (version, description, applied_at) VALUES (999, 'from the future', '2030-01-01T00:00:00+00:00')",
            vec![],
        )
        .await
        .unwrap();
    let (ok, out) = carelog(&url, &["serve"], "");
    assert!(!ok && out.contains("version 999, newer than this carelog knows"), "{out}");

    let Ok(server) = std::env::var("CARELOG_TEST_PG") else { return };
    let stranger = server.replacen("postgres://postgres@", "postgres://carelog_no_such_role@", 1);
    let (ok, out) = carelog(&stranger, &["migrate"], "");
    assert!(!ok && out.contains("refused the sign-in of user \"carelog_no_such_role\""), "{out}");
    let nowhere = format!("{}_no_such_database", server.trim_end_matches('/'));
    let (ok, out) = carelog(&nowhere, &["migrate"], "");
    assert!(!ok && out.contains("has no database"), "{out}");
}
