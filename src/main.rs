//! The `carelog` command: serve (the default), migrate, demo, user.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use carelog::config::{RawConfig, unknown_variable};
use carelog::{Config, DEMO_PASSWORD, DemoSize};
use carelog_store::Store;
use chrono::Utc;
use clap::{Args, Parser, Subcommand};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "carelog",
    version,
    about = "Care-management time, tasks and billing for a medical practice"
)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args)]
struct Settings {
    /// sqlite:PATH or postgres://USER@HOST:PORT/DATABASE
    #[arg(
        long,
        global = true,
        env = "CARELOG_DATABASE_URL",
        default_value = carelog::config::DEFAULT_DATABASE_URL,
        hide_env_values = true
    )]
    database_url: String,
    /// Address and port to serve on
    #[arg(long, global = true, env = "CARELOG_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// The practice time zone (IANA name): "today", months and the daily cap use it
    #[arg(long = "tz", global = true, env = "CARELOG_TZ", default_value = "America/Los_Angeles")]
    time_zone: String,
    /// Mark cookies Secure and send HSTS (when served over HTTPS)
    #[arg(long, global = true, env = "CARELOG_SECURE_COOKIES", default_value = "false")]
    secure_cookies: String,
    /// Take the client address from X-Forwarded-For (only behind the load balancers named below)
    #[arg(long, global = true, env = "CARELOG_TRUST_FORWARDED_FOR", default_value = "false")]
    trust_forwarded_for: String,
    /// The load balancers' addresses (CIDR blocks, comma-separated); required with --trust-forwarded-for
    #[arg(long, global = true, env = "CARELOG_TRUSTED_PROXIES", default_value = "")]
    trusted_proxies: String,
    /// SMTP relay for e-mail notifications (smtp://HOST:PORT, smtps://…); empty: in-app only
    #[arg(
        long,
        global = true,
        env = "CARELOG_SMTP_URL",
        default_value = "",
        hide_env_values = true
    )]
    smtp_url: String,
    /// Sender of e-mail notifications
    #[arg(long, global = true, env = "CARELOG_SMTP_FROM", default_value = carelog::config::DEFAULT_SMTP_FROM)]
    smtp_from: String,
    /// The address people reach carelog at, for links in e-mails and FHIR's fullUrl (default: http://
    /// and the bind address)
    #[arg(long, global = true, env = "CARELOG_BASE_URL", default_value = "")]
    base_url: String,
    /// Minutes a signed-in session lives without a request (5–60); the browser warns two before
    #[arg(
        long,
        global = true,
        env = "CARELOG_SESSION_IDLE_MINUTES",
        default_value_t = carelog_domain::session_policy::IDLE_TIMEOUT_MINUTES,
        value_parser = clap::value_parser!(i64).range(5..=60)
    )]
    session_idle_minutes: i64,
    /// Seconds a stopping server gives requests in flight before it closes their connections
    #[arg(
        long,
        global = true,
        env = "CARELOG_SHUTDOWN_SECONDS",
        default_value_t = 20,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    shutdown_seconds: u64,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate and serve (the default). The demo practice loads by itself only into the default
    /// embedded database on the start that creates it; any other empty database starts with no users
    Serve {
        /// Load the demo practice if the database is empty (synthetic data, demo passwords)
        #[arg(long)]
        demo: bool,
    },
    /// Bring the database schema up to date
    Migrate,
    /// Load a deterministic synthetic practice into an empty database
    Demo(DemoArgs),
    /// Manage user accounts
    #[command(subcommand)]
    User(UserCommand),
    /// The monthly billing summary as CSV or JSON on standard output; `close` and `claims` below
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Billing {
        #[command(subcommand)]
        action: Option<carelog::billing_cli::BillingAction>,
        /// YYYY-MM
        #[arg(long, required = true)]
        month: Option<String>,
        /// seed or cms; the admin's chosen rule set when omitted
        #[arg(long)]
        rules: Option<String>,
        /// csv or json
        #[arg(long, default_value = "csv")]
        format: String,
    },
    /// Check a ZMO, PSL or CM Log file (CSV or XLSX) and, with --apply, import it; the report lists every
    /// row to create, update or skip and every error by row and column
    Import {
        /// zmo, psl, cmlog, or synthea (FHIR R4 bundles as Synthea writes them)
        kind: String,
        /// A .csv or .xlsx file; for synthea a .json bundle or a folder of them
        file: std::path::PathBuf,
        /// Import, rather than only report what importing would do
        #[arg(long)]
        apply: bool,
        /// With --apply: import the valid rows and leave out the invalid ones (otherwise any error stops the import)
        #[arg(long)]
        skip_invalid: bool,
        /// Map a column the file names differently: --map "Birthday=DOB" (repeatable; "=-" ignores a column)
        #[arg(long = "map")]
        maps: Vec<String>,
    },
    /// The audit log's tamper evidence: `carelog audit verify` checks every event's hash chain
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Generate the monthly and weekly tasks of the month and week holding a date (idempotent)
    Generate {
        /// YYYY-MM-DD; today in the practice time zone when omitted
        #[arg(long)]
        date: Option<String>,
    },
}

#[derive(Args)]
struct DemoArgs {
    #[arg(long, default_value_t = 300, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=1_000_000))]
    patients: usize,
    #[arg(long, default_value_t = 8, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=20_000))]
    coordinators: usize,
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=60))]
    months: u32,
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain over every audit event; names the first event that does not hold
    Verify,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user
    Add {
        username: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        email: Option<String>,
        /// Read the password from standard input instead of prompting
        #[arg(long)]
        password_stdin: bool,
    },
    /// List every user: role, state, sessions, live API tokens, patients held
    List,
    /// Change a user's role (their sessions end and their API tokens are revoked)
    SetRole { username: String, role: String },
    /// Set a new password (their sessions end and their API tokens are revoked)
    ResetPassword {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Take a user's access away: sessions end, API tokens are revoked, sign-in is refused
    Deactivate { username: String },
    /// Give a deactivated user access again (with their old password; their tokens stay revoked)
    Reactivate { username: String },
}

fn init_logging() {
    let filter = EnvFilter::try_from_env("CARELOG_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal());
    if std::env::var("CARELOG_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("carelog: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(err) = unknown_variable(std::env::vars().map(|(k, _)| k)) {
        bail!(err);
    }
    let s = cli.settings;
    let new_default_database = carelog::config::creates_default_database(&s.database_url);
    let shutdown_deadline = Duration::from_secs(s.shutdown_seconds);
    let config = RawConfig {
        database_url: s.database_url,
        bind: s.bind,
        time_zone: s.time_zone,
        secure_cookies: s.secure_cookies,
        trust_forwarded_for: s.trust_forwarded_for,
        trusted_proxies: s.trusted_proxies,
        smtp_url: s.smtp_url,
        smtp_from: s.smtp_from,
        base_url: s.base_url,
        session_idle_minutes: s.session_idle_minutes,
    }
    .parse()?;
    let store = Store::connect(&config.database_url).await?;
    carelog::prepare(&store).await.with_context(|| {
        format!(
            "CARELOG_DATABASE_URL: cannot prepare {}",
            carelog_store::redact_url(&config.database_url)
        )
    })?;
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => {
            serve(store, config, shutdown_deadline, demo || new_default_database).await
        }
        Command::Migrate => {
            println!(
                "Schema is at version {} on {}.",
                store.schema_version().await?,
                store.engine().name()
            );
            Ok(())
        }
        Command::Demo(args) => {
            let size = DemoSize {
                patients: args.patients,
                coordinators: args.coordinators,
                months: args.months,
                seed: args.seed,
            };
            let started = std::time::Instant::now();
            let entries = carelog::load_demo(&store, size, config.time_zone).await?;
            println!(
                "Loaded the demo practice ({} patients, {} coordinators, {} months, {entries} log entries) in {:.1?}.",
                size.patients,
                size.coordinators,
                size.months,
                started.elapsed()
            );
            print_logins(&size);
            Ok(())
        }
        Command::User(command) => user(&store, &config, command).await,
        Command::Audit(AuditCommand::Verify) => {
            let app = carelog::web_state(store, &config).app.clone();
            let report = app.verify_audit_chain().await?;
            match report.broken {
                None => {
                    println!("The audit chain holds: {} events checked.", report.checked);
                    Ok(())
                }
                Some(broken) => bail!(
                    "the audit chain is broken: {broken} ({} events before it hold)",
                    report.checked
                ),
            }
        }
        Command::Billing { action, month, rules, format } => {
            let app = carelog::web_state(store, &config).app.clone();
            match (action, month) {
                (Some(action), _) => carelog::billing_cli::action(&app, action).await,
                (None, Some(month)) => {
                    carelog::billing_cli::summary(&app, &month, rules.as_deref(), &format).await
                }
                (None, None) => bail!("--month: give the month, as YYYY-MM"),
            }
        }
        Command::Import { kind, file, apply, skip_invalid, maps } => {
            import(&store, &config, &kind, &file, apply, skip_invalid, &maps).await
        }
        Command::Generate { date } => {
            let date = match date {
                Some(text) => chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                    .with_context(|| format!("--date: \"{text}\" is not a date; use YYYY-MM-DD"))?,
                None => carelog_domain::practice_time::local_date(Utc::now(), config.time_zone),
            };
            let created = carelog_app::upkeep::generate_tasks(&store, date).await?;
            println!("Generated {created} new tasks for the month and week of {date}.");
            Ok(())
        }
    }
}

async fn serve(
    store: Store,
    config: Config,
    deadline: Duration,
    demo_if_empty: bool,
) -> anyhow::Result<()> {
    use carelog::PracticeReady;
    let size = DemoSize::default();
    let ready =
        carelog::ready_practice(&store, size, config.time_zone, demo_if_empty).await.with_context(
            || format!("CARELOG_DATABASE_URL: {}", carelog_store::redact_url(&config.database_url)),
        )?;
    match ready {
        PracticeReady::LoadedDemo => print_logins(&size),
        PracticeReady::NoUsers => println!("{}", carelog_app::accounts::FIRST_ADMIN_HELP),
        PracticeReady::Found if store.is_demo_practice().await? => println!(
            "Demo practice (synthetic data): sign in as admin, manager1, coord1 … with password \"{DEMO_PASSWORD}\"."
        ),
        PracticeReady::Found => println!("Sign in with your carelog account."),
    }
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("CARELOG_BIND: cannot listen on {}", config.bind))?;
    let address = listener.local_addr()?;
    println!(
        "carelog is serving at http://{address} on {} — stop with Ctrl+C.",
        store.engine().name()
    );
    tracing::info!(%address, engine = store.engine().name(), "serving");
    let mailer = match &config.smtp_url {
        Some(url) => Some(carelog::mail::Mailer::new(url, &config.smtp_from)?),
        None => None,
    };
    let node = format!("{}:{}", std::process::id(), address);
    let settings = carelog_app::jobs::JobSettings {
        time_zone: config.time_zone,
        base_url: config.base_url.clone(),
        email_configured: mailer.is_some(),
        node,
        session_idle: config.session_idle,
    };
    let state = carelog::web_state(store.clone(), &config);
    let background = carelog::spawn_background(state.app.clone(), store, settings, mailer);
    let limits = carelog::ServerLimits { shutdown: deadline, ..Default::default() };
    carelog::serve(listener, state, shutdown_signal(), limits).await?;
    background.abort();
    tracing::info!("stopped");
    Ok(())
}

fn print_logins(size: &DemoSize) {
    let coordinators = if size.coordinators > 1 {
        format!("coord1 … coord{}", size.coordinators)
    } else {
        "coord1".into()
    };
    let managers = if size.managers() > 1 {
        format!("manager1 … manager{}", size.managers())
    } else {
        "manager1".into()
    };
    println!();
    println!("Demo practice logins (password for all: {DEMO_PASSWORD})");
    println!("  admin                  administrator: billing, settings, users, audit log");
    println!("  {managers:<22} care coordinator managers: Tabs 1–3");
    println!("  {coordinators:<22} care coordinators: Patient Panel and Daily Tasks");
    println!();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl+C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn import(
    store: &Store,
    config: &Config,
    kind: &str,
    file: &std::path::Path,
    apply: bool,
    skip_invalid: bool,
    maps: &[String],
) -> anyhow::Result<()> {
    use carelog_app::imports::{ImportError, ReadAs, apply_import, check_import};
    use carelog_domain::import::ImportKind;
    use carelog_domain::import_plan::{error_lines, summary};
    if kind.trim().eq_ignore_ascii_case("synthea") {
        return import_synthea(store, config, file, apply, skip_invalid).await;
    }
    let kind = ImportKind::parse(kind)
        .with_context(|| format!("\"{kind}\" is not zmo, psl, cmlog or synthea"))?;
    let mut mapping = Vec::new();
    for m in maps {
        let (from, to) = m
            .split_once('=')
            .with_context(|| format!("--map \"{m}\": write it as \"Header=Field\""))?;
        mapping.push((from.trim().to_owned(), to.trim().to_owned()));
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let read_as = ReadAs { mapping, same_patient: Vec::new() };
    let checked = match check_import(store, config.time_zone, kind, &name, &bytes, &read_as).await {
        Ok(c) => c,
        Err(ImportError::File(message)) => bail!("{}: {message}", file.display()),
        Err(ImportError::Refused(message)) => bail!("{message}"),
        Err(ImportError::Store(e)) => return Err(e.into()),
    };
    if !checked.unmatched.is_empty() {
        println!(
            "Ignored columns (map them with --map \"Header=Field\"): {}",
            checked.unmatched.join(", ")
        );
    }
    if !checked.missing.is_empty() {
        bail!(
            "Required columns missing: {}. Fields: {}",
            checked.missing.join(", "),
            kind.fields().iter().map(|f| f.header).collect::<Vec<_>>().join(", ")
        );
    }
    let Some(plan) = &checked.plan else { bail!("nothing to check") };
    let counts = summary(plan);
    println!(
        "{} ({} row{}): {} to create, {} to update, {} to skip, {} with errors",
        name,
        checked.table.rows.len(),
        if checked.table.rows.len() == 1 { "" } else { "s" },
        counts["create"],
        counts["update"],
        counts["skip"],
        counts["invalid"]
    );
    for facility in &plan.new_facilities {
        println!("  new facility: {facility}");
    }
    for provider in &plan.new_providers {
        println!("  new provider: {provider}");
    }
    for line in error_lines(plan) {
        println!("  {line}");
    }
    if !apply {
        println!("Dry run: nothing was changed. Add --apply to import.");
        return Ok(());
    }
    match apply_import(
        store,
        config.time_zone,
        &checked,
        skip_invalid,
        (None, "cli", "command line"),
    )
    .await
    {
        Ok(done) => {
            println!("Imported: {} created, {} updated.", done.created, done.updated);
            Ok(())
        }
        Err(ImportError::Refused(message)) => bail!("{message}"),
        Err(ImportError::File(message)) => bail!("{message}"),
        Err(ImportError::Store(e)) => Err(e.into()),
    }
}

/// Synthea bundles (a .json file or a folder of them): patients first, then their encounters as visits.
async fn import_synthea(
    store: &Store,
    config: &Config,
    path: &std::path::Path,
    apply: bool,
    skip_invalid: bool,
) -> anyhow::Result<()> {
    use carelog_app::imports::{
        ImportError, ReadAs, apply_import, check_table, keep_uncoded_conditions, synthea_tables,
    };
    use carelog_domain::import::ImportKind;
    use carelog_domain::import_plan::{error_lines, summary};
    let files: Vec<std::path::PathBuf> = if path.is_dir() {
        let mut found: Vec<_> = std::fs::read_dir(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("json")))
            .collect();
        found.sort();
        found
    } else {
        vec![path.to_path_buf()]
    };
    let mut bundles = Vec::new();
    for f in &files {
        bundles.push((
            f.display().to_string(),
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?,
        ));
    }
    let today = carelog_domain::practice_time::local_date(chrono::Utc::now(), config.time_zone);
    let tables = synthea_tables(&bundles, today).map_err(anyhow::Error::msg)?;
    for line in &tables.skipped {
        println!("Not imported: {line}");
    }
    for (kind, table, label) in [
        (ImportKind::Zmo, tables.patients.clone(), "patients"),
        (ImportKind::Psl, tables.visits.clone(), "encounters as visits"),
    ] {
        let checked = match check_table(
            store,
            config.time_zone,
            kind,
            &format!("Synthea {label}"),
            table,
            &ReadAs::default(),
        )
        .await
        {
            Ok(c) => c,
            Err(ImportError::Store(e)) => return Err(e.into()),
            Err(ImportError::File(m) | ImportError::Refused(m)) => bail!("{m}"),
        };
        let Some(plan) = &checked.plan else { bail!("Synthea {label}: columns missing") };
        let counts = summary(plan);
        println!(
            "Synthea {label}: {} to create, {} to update, {} to skip, {} with errors",
            counts["create"], counts["update"], counts["skip"], counts["invalid"]
        );
        for line in error_lines(plan) {
            println!("  {line}");
        }
        if apply {
            match apply_import(
                store,
                config.time_zone,
                &checked,
                skip_invalid,
                (None, "cli", "command line"),
            )
            .await
            {
                Ok(done) => println!(
                    "Imported {label}: {} created, {} updated.",
                    done.created, done.updated
                ),
                Err(ImportError::Store(e)) => return Err(e.into()),
                Err(ImportError::File(m) | ImportError::Refused(m)) => bail!("{m}"),
            }
        } else if kind == ImportKind::Zmo && counts["create"] > 0 {
            println!("  (visits of patients not yet imported show as errors until --apply)");
        }
    }
    let waiting: usize = tables.uncoded.iter().map(|(_, c)| c.len()).sum();
    if apply {
        let kept = keep_uncoded_conditions(store, &tables, (None, "cli", "command line"))
            .await
            .map_err(|e| match e {
                ImportError::Store(e) => anyhow::Error::from(e),
                ImportError::File(m) | ImportError::Refused(m) => anyhow::anyhow!(m),
            })?;
        println!(
            "Kept {kept} conditions without an ICD-10-CM code (SNOMED CT), marked as needing one."
        );
    } else {
        println!(
            "{waiting} unresolved conditions have no ICD-10-CM code: kept in SNOMED CT, marked as needing one."
        );
        println!("Dry run: nothing was changed. Add --apply to import.");
    }
    Ok(())
}

/// A new password from standard input or the terminal; the services judge it.
fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    let text = if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        let first = rpassword::prompt_password("New password: ")?;
        let again = rpassword::prompt_password("Repeat it: ")?;
        if first != again {
            bail!("password: the two entries differ; nothing was changed");
        }
        first
    };
    Ok(text)
}

/// User management at the server's command line, through the same services as Admin → Users.
async fn user(store: &Store, config: &Config, command: UserCommand) -> anyhow::Result<()> {
    let app = carelog::web_state(store.clone(), config).app.clone();
    let cli = carelog_app::Actor::command_line();
    let refused = |e: carelog_app::ServiceError| match e {
        carelog_app::ServiceError::Refused(message) => anyhow::anyhow!(message),
        other => anyhow::anyhow!(other),
    };
    match command {
        UserCommand::List => {
            let people = app.people(&cli).await.map_err(refused)?;
            println!(
                "{:<20} {:<28} {:<12} {:<12} {:>8} {:>6} {:>8}",
                "username", "name", "role", "state", "sessions", "tokens", "patients"
            );
            for p in people {
                let state = if p.is_active { "active" } else { "deactivated" };
                println!(
                    "{:<20} {:<28} {:<12} {:<12} {:>8} {:>6} {:>8}",
                    p.username,
                    p.display_name,
                    p.role,
                    state,
                    p.sessions,
                    p.live_tokens,
                    p.patients
                );
            }
        }
        UserCommand::Add { username, name, role, email, password_stdin } => {
            let password = read_password(password_stdin)?;
            let person = carelog_app::people::NewPerson {
                username: &username,
                name: &name,
                email: email.as_deref(),
                role: &role,
                password: &password,
            };
            app.add_person(&cli, &person).await.map_err(refused)?;
            println!(
                "Added {} ({}).",
                username.trim().to_ascii_lowercase(),
                role.trim().to_ascii_lowercase()
            );
        }
        UserCommand::SetRole { username, role } => {
            let changed = app.set_role(&cli, &username, &role).await.map_err(refused)?;
            println!(
                "{} is now {} (was {}); {}.",
                changed.username,
                role.trim().to_ascii_lowercase(),
                changed.before,
                changed.ended()
            );
        }
        UserCommand::ResetPassword { username, password_stdin } => {
            let password = read_password(password_stdin)?;
            let changed = app.reset_password(&cli, &username, &password).await.map_err(refused)?;
            println!("Password changed for {}; {}.", changed.username, changed.ended());
        }
        UserCommand::Deactivate { username } => {
            let changed = app.deactivate(&cli, &username).await.map_err(refused)?;
            println!("{} is deactivated; {}.", changed.username, changed.ended());
        }
        UserCommand::Reactivate { username } => {
            let changed = app.reactivate(&cli, &username).await.map_err(refused)?;
            println!("{} is active again; they sign in with their password.", changed.username);
        }
    }
    Ok(())
}
