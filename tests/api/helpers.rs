use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};

use carelog::{Config, DemoSize};
use carelog_domain::ids::{PatientId, TaskTypeId, UserId};
use carelog_store::Store;
use carelog_store::testing::{create_postgres_database, drop_postgres_database};
use tokio::sync::oneshot;

/// A practice small enough to load in a moment: admin, manager1, coord1…coord3, 40 patients.
pub const TEST_PRACTICE: DemoSize = DemoSize { patients: 40, coordinators: 3, months: 2, seed: 42 };

pub struct TestApp {
    pub address: SocketAddr,
    pub store: Store,
    /// The kept figures over this database (as each app server keeps its own).
    pub figures: carelog_app::figures::Figures,
    pub database_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    postgres: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub fn database_name() -> String {
    format!("carelog_t_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst))
}

/// A fresh database: a temp SQLite file, or a new database on `CARELOG_TEST_PG` (failing if unreachable).
pub async fn fresh_database(dir: &tempfile::TempDir) -> (String, Option<(String, String)>) {
    match std::env::var("CARELOG_TEST_PG") {
        Ok(server) if !server.trim().is_empty() => {
            let name = database_name();
            let url = create_postgres_database(&server, &name)
                .await
                .expect("CARELOG_TEST_PG is set, so PostgreSQL must be reachable");
            (url, Some((server, name)))
        }
        _ => (format!("sqlite:{}", dir.path().join("carelog.db").display()), None),
    }
}

/// `CARELOG_TEST_LOG=debug cargo test …` shows the servers' logs (any `RUST_LOG` filter works).
fn show_logs_if_asked() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Ok(filter) = std::env::var("CARELOG_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
    });
}

pub async fn spawn_app() -> TestApp {
    spawn_app_on(|url| async move { Store::connect(&url).await.unwrap() }).await
}

/// A server on the store `connect` opens on a fresh database with the demo practice loaded.
pub async fn spawn_app_on<F, Fut>(connect: F) -> TestApp
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = Store>,
{
    spawn_app_configured(connect, |_| {}).await
}

/// A server with the demo practice whose settings `configure` changes.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_configured(|url| async move { Store::connect(&url).await.unwrap() }, configure).await
}

async fn spawn_app_configured<F, Fut>(connect: F, configure: impl FnOnce(&mut Config)) -> TestApp
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = Store>,
{
    show_logs_if_asked();
    let dir = tempfile::tempdir().unwrap();
    let (url, postgres) = fresh_database(&dir).await;
    let mut config = Config::for_database(&url);
    configure(&mut config);
    let loader = Store::connect(&url).await.unwrap();
    carelog::prepare(&loader).await.unwrap();
    carelog::load_demo(&loader, TEST_PRACTICE, config.time_zone).await.unwrap();
    loader.close().await.unwrap();
    let store = connect(url.clone()).await;
    let listener = tokio::net::TcpListener::bind(config.bind).await.unwrap();
    let address = listener.local_addr().unwrap();
    if config.base_url == Config::for_database(&url).base_url {
        // As `carelog serve` does with no CARELOG_BASE_URL: the address it is served at.
        config.base_url = format!("http://{address}");
    }
    let (tx, rx) = oneshot::channel::<()>();
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
    let figures = carelog_app::figures::Figures::new(store.clone(), config.time_zone);
    let app = TestApp {
        address,
        store,
        figures,
        database_url: url,
        shutdown: Some(tx),
        postgres,
        _dir: dir,
    };
    app.wait_until_healthy().await;
    app
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    async fn wait_until_healthy(&self) {
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(r) = client.get(self.url("/healthz")).send().await
                && r.status().is_success()
            {
                return;
            }
            tokio::task::yield_now().await;
        }
        panic!("server never became healthy");
    }

    /// A browser-like client with its own cookie jar, not signed in.
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .unwrap()
    }

    /// A client that does not follow redirects, to see them.
    pub fn browser_no_redirects(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Signs in through the login form and returns the client and the page it landed on.
    pub async fn sign_in(&self, username: &str) -> (reqwest::Client, String) {
        let client = self.browser();
        let body = self.post_login(&client, username, "demo").await;
        assert!(body.contains("Sign out"), "{username} should be signed in; page was:\n{body}");
        (client, body)
    }

    pub async fn post_login(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> String {
        let form = client.get(self.url("/login")).send().await.unwrap().text().await.unwrap();
        let token = csrf_token(&form);
        client
            .post(self.url("/login"))
            .form(&[
                ("_csrf", token.as_str()),
                ("username", username),
                ("password", password),
                ("next", "/panel"),
            ])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn user_id(&self, username: &str) -> UserId {
        self.store.user_for_login(username).await.unwrap().unwrap().user.id
    }

    /// Adds a coordinator (password "demo") behind the server's back, as an admin would.
    pub async fn add_coordinator(&self, username: &str, display_name: &str) -> UserId {
        self.add_person(username, display_name, carelog_domain::role::Role::Coordinator).await
    }

    /// Adds a person with `role` and the password "demo", as an admin would.
    pub async fn add_person(
        &self,
        username: &str,
        display_name: &str,
        role: carelog_domain::role::Role,
    ) -> UserId {
        let hash = carelog_app::passwords::hash_password("demo").unwrap();
        let new = carelog_store::NewUser {
            username,
            display_name,
            email: None,
            password_hash: &hash,
            role,
        };
        let event = carelog_store::NewAuditEvent {
            user_id: None,
            username: "test",
            action: "user.add",
            patient_id: None,
            detail: String::new(),
            address: "test",
            patients: Vec::new(),
        };
        self.store.create_user(&new, &event, chrono::Utc::now()).await.unwrap();
        self.user_id(username).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some((server, name)) = self.postgres.take() {
            // The test's runtime is ending; drop the database from a runtime of its own.
            let _ = std::thread::spawn(move || {
                let runtime =
                    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                let _ = runtime.block_on(drop_postgres_database(&server, &name));
            })
            .join();
        }
    }
}

/// The value of the first `_csrf` hidden field on a page.
pub fn csrf_token(page: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = page.find(marker).map(|i| i + marker.len()).expect("page has a CSRF field");
    page[start..].split('"').next().unwrap().to_owned()
}

/// The visible tab labels in the header.
pub fn tabs(page: &str) -> Vec<String> {
    page.split("class=\"tab")
        .skip(1)
        .filter(|chunk| chunk.starts_with('"') || chunk.starts_with(" active"))
        .filter_map(|chunk| {
            chunk
                .split_once('>')
                .map(|(_, rest)| rest.split('<').next().unwrap_or_default().to_owned())
        })
        .map(|t| t.replace("&amp;", "&").replace("&#38;", "&"))
        .collect()
}

/// The text of each cell of each `<tr data-patient=…>` row, tags stripped.
pub fn table_rows(page: &str) -> Vec<(i64, Vec<String>)> {
    page.split("<tr ")
        .filter_map(|chunk| {
            let id = chunk.split("data-patient=\"").nth(1)?.split('"').next()?.parse().ok()?;
            let body = chunk.split("</tr>").next()?;
            let cells = body
                .split("<td")
                .skip(1)
                .map(|cell| {
                    strip_tags(cell.split_once('>').map(|(_, rest)| rest).unwrap_or_default())
                })
                .collect();
            Some((id, cells))
        })
        .collect()
}

pub fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#38;", "&").replace("&amp;", "&").split_whitespace().collect::<Vec<_>>().join(" ")
}

impl TestApp {
    /// A page's CSRF token for `client`.
    pub async fn token(&self, client: &reqwest::Client, path: &str) -> String {
        csrf_token(&client.get(self.url(path)).send().await.unwrap().text().await.unwrap())
    }

    /// Posts a form with the session's CSRF token; returns status and body.
    pub async fn post_form(
        &self,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (reqwest::StatusCode, String) {
        let token = self.token(client, "/tasks").await;
        let mut form: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        form.extend_from_slice(fields);
        let r = client.post(self.url(path)).form(&form).send().await.unwrap();
        (r.status(), r.text().await.unwrap())
    }

    /// Makes `username`'s sessions last seen `ago` back, as if they had been idle since.
    pub async fn age_sessions(&self, username: &str, ago: chrono::Duration) {
        let user = self.user_id(username).await;
        self.store
            .exec_for_test(
                "UPDATE sessions SET last_seen_at = $1 WHERE user_id = $2",
                vec![(chrono::Utc::now() - ago).into(), user.into()],
            )
            .await
            .unwrap();
    }

    pub async fn task_type_id(&self, name: &str) -> TaskTypeId {
        self.store.task_types().await.unwrap().into_iter().find(|t| t.name == name).unwrap().id
    }

    /// One of the coordinator's own active patients.
    pub async fn own_patient(&self, username: &str) -> PatientId {
        let id = self.user_id(username).await;
        self.store
            .list_patients(Some(id))
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.status.as_str() == "Active")
            .unwrap()
            .id
    }

    /// The demo patient as if just taken on: no consent, diagnoses or care plan, enrolled for CCM
    /// only, not flagged complex.
    pub async fn without_enrollment(&self, patient: PatientId) {
        for sql in [
            "DELETE FROM care_plan_goals WHERE version_id IN (SELECT id FROM care_plan_versions WHERE patient_id = $1)",
            "DELETE FROM care_plan_versions WHERE patient_id = $1",
            "DELETE FROM patient_consents WHERE patient_id = $1",
            "DELETE FROM patient_diagnoses WHERE patient_id = $1",
            "UPDATE patients SET program = 'CCM', chronic_conditions = 0, complex_ccm = FALSE WHERE id = $1",
        ] {
            self.store.exec_for_test(sql, vec![patient.into()]).await.unwrap();
        }
    }

    pub async fn entry_count(&self, username: &str) -> i64 {
        let id = self.user_id(username).await;
        self.store
            .scalar_for_test(
                "SELECT COUNT(*) AS n FROM coordinator_task_log WHERE coordinator_id = $1",
                vec![id.into()],
            )
            .await
            .unwrap()
    }
}

/// Runs the `carelog` binary on `database_url` and waits for it without blocking this test's
/// runtime. The server a test spawned runs on that runtime: a blocking wait once parked its audit
/// sealer between two statements of a transaction, holding SQLite's write lock, and the command
/// waited out its busy timeout ("database is locked").
pub async fn run_carelog(database_url: &str, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_carelog"))
        .args(args)
        .env("CARELOG_DATABASE_URL", database_url)
        .env("CARELOG_LOG", "error")
        .output()
        .await
        .unwrap()
}

/// Starts `carelog serve --demo` (the demo practice, loaded if the database is empty) on a free port
/// with `settings` added; its output lines arrive on the channel.
pub fn serve_in_background(
    url: &str,
    settings: &[(&str, &str)],
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_carelog"));
    command
        .args(["serve", "--demo"])
        .env("CARELOG_DATABASE_URL", url)
        .env("CARELOG_BIND", "127.0.0.1:0")
        .env("CARELOG_LOG", "error")
        .envs(settings.iter().copied());
    run_watched(command)
}

/// Runs `command` with its standard output and error read line by line onto the channel.
pub fn run_watched(
    mut command: std::process::Command,
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    use std::io::BufRead;
    use std::process::Stdio;
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    for output in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(output).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
    }
    (child, received)
}

/// A line containing `text` within `seconds`, if one comes.
pub fn line_with(
    lines: &std::sync::mpsc::Receiver<String>,
    text: &str,
    seconds: u64,
) -> Option<String> {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while let Some(left) = until.checked_duration_since(std::time::Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(line) if line.contains(text) => return Some(line),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

/// A `carelog serve` process that said where it serves; killed (SIGKILL) when dropped.
pub struct ServerProcess {
    pub child: std::process::Child,
    /// host:port
    pub address: String,
    /// Kept so its output is read to the end (a full pipe would stop it).
    _lines: std::sync::mpsc::Receiver<String>,
    /// What it printed before it served.
    pub printed: Vec<String>,
}

impl ServerProcess {
    /// Starts one and waits up to 60 s for it to serve, failing with what it printed otherwise.
    pub fn start(url: &str, settings: &[(&str, &str)]) -> ServerProcess {
        let (child, lines) = serve_in_background(url, settings);
        ServerProcess::serving(child, lines)
    }

    /// Starts `n` at once, then waits for each to serve.
    pub fn start_together(n: usize, url: &str, settings: &[(&str, &str)]) -> Vec<ServerProcess> {
        let started: Vec<_> = (0..n).map(|_| serve_in_background(url, settings)).collect();
        started.into_iter().map(|(child, lines)| ServerProcess::serving(child, lines)).collect()
    }

    /// Waits up to 60 s for a started server to say where it serves.
    pub fn serving(child: std::process::Child, lines: std::sync::mpsc::Receiver<String>) -> Self {
        let mut seen = Vec::new();
        let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while let Some(left) = until.checked_duration_since(std::time::Instant::now()) {
            match lines.recv_timeout(left) {
                Ok(line) if line.contains("serving at") => {
                    let address = line.split("http://").nth(1).unwrap_or_default();
                    let address = address.split_whitespace().next().unwrap_or_default().to_owned();
                    return ServerProcess { child, address, _lines: lines, printed: seen };
                }
                Ok(line) => seen.push(line),
                Err(_) => break,
            }
        }
        panic!("the server did not start:\n{}", seen.join("\n"));
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every entry whose notes are in `acknowledged` (a server said it was saved) is stored, once.
pub async fn assert_each_stored_once(store: &Store, acknowledged: &[String]) {
    for notes in acknowledged {
        let found = store
            .scalar_for_test(
                "SELECT COUNT(*) AS n FROM coordinator_task_log WHERE notes = $1",
                vec![notes.clone().into()],
            )
            .await
            .unwrap();
        assert_eq!(found, 1, "acknowledged as saved, but stored {found} times: {notes}");
    }
}
