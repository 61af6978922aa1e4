//! The `carelog` binary itself: settings validation and user management.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::helpers::{fresh_database, spawn_app};

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
        "long enough password\n",
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
        "long enough password\n",
    );
    assert!(!ok && out.contains("already exists"), "{out}");
    let (ok, out) = carelog(
        &url,
        &["user", "add", "short", "--name", "S", "--role", "coordinator", "--password-stdin"],
        "tiny\n",
    );
    assert!(!ok && out.contains("at least 10"), "{out}");
    let (ok, out) = carelog(&url, &["user", "set-role", "pat.lee", "owner"], "");
    assert!(!ok && out.contains("not a role"), "{out}");
    let (ok, out) = carelog(&url, &["user", "set-role", "pat.lee", "manager"], "");
    assert!(ok && out.contains("now manager (was coordinator)"), "{out}");
    let (ok, out) = carelog(
        &url,
        &["user", "reset-password", "pat.lee", "--password-stdin"],
        "another long password\n",
    );
    assert!(ok, "{out}");
    let (ok, out) = carelog(&url, &["user", "set-role", "nobody", "admin"], "");
    assert!(!ok && out.contains("was not found"), "{out}");
    let store = carelog_store::Store::connect(&url).await.unwrap();
    let carelog_store::Login { user, password_hash: hash } =
        store.user_for_login("pat.lee").await.unwrap().unwrap();
    assert_eq!(user.role, carelog_domain::role::Role::Manager);
    assert!(carelog_app::passwords::verify_password("another long password", &hash));
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
