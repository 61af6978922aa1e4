//! The carelog application: configuration, start-up (migrate, seed, demo) and the HTTP server.
//! `main.rs` is the command line around it; the integration tests drive the same functions.

pub mod billing_cli;
pub mod config;
pub mod demo;
mod demo_enrollment;
mod demo_tasks;
pub mod mail;
pub mod server;

use carelog_app::jobs;
use carelog_app::upkeep::{generate_tasks, housekeeping};
use carelog_store::Store;
use carelog_web::{AppState, WebSettings};
use chrono::Utc;
use chrono_tz::Tz;

pub use config::Config;
pub use demo::DemoSize;
pub use server::{ServerLimits, serve};

/// The password every demo account shares; printed at start-up and in the README.
pub const DEMO_PASSWORD: &str = "demo";

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] carelog_store::StoreError),
    #[error("{0}")]
    Hash(#[from] carelog_app::passwords::HashError),
    #[error(
        "the database already holds a practice ({0} users); the demo loads only into an empty database"
    )]
    NotEmpty(i64),
    #[error(
        "the demo practice began loading at {started_at} and never finished (last heard of at {heartbeat_at}: its server stopped part way); carelog will not serve half a practice. Start again on an empty database: remove the SQLite file, or drop and create the PostgreSQL database"
    )]
    PartialLoad { started_at: chrono::DateTime<Utc>, heartbeat_at: chrono::DateTime<Utc> },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// How a server found its practice ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PracticeReady {
    /// This server loaded the demo practice.
    LoadedDemo,
    /// The practice was there, or another server loaded it while this one waited.
    Found,
    /// An empty database the demo may not go into: it has no users until the first admin is made.
    NoUsers,
}

/// Makes sure the database holds a whole practice before a server serves it or runs its jobs:
/// loads the demo practice into an empty database when `demo_if_empty` (never otherwise: a
/// production database must not start with demo logins), waits while another server is loading
/// it, and refuses a load whose server stopped part way.
pub async fn ready_practice(
    store: &Store,
    size: DemoSize,
    tz: Tz,
    demo_if_empty: bool,
) -> Result<PracticeReady, AppError> {
    use carelog_domain::practice_load::StartDecision;
    let mut waiting = false;
    loop {
        match decide_start(store).await? {
            StartDecision::Serve => return Ok(PracticeReady::Found),
            StartDecision::RefusePartial { started_at, heartbeat_at } => {
                return Err(AppError::PartialLoad { started_at, heartbeat_at });
            }
            StartDecision::LoadDemo if !demo_if_empty => return Ok(PracticeReady::NoUsers),
            StartDecision::LoadDemo => {
                tracing::info!("empty database: loading the demo practice");
                match load_demo(store, size, tz).await {
                    Ok(_) => return Ok(PracticeReady::LoadedDemo),
                    // Another server began loading first: wait for it below.
                    Err(AppError::NotEmpty(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            StartDecision::Wait => {
                if !waiting {
                    tracing::info!("another server is loading the demo practice: waiting for it");
                    waiting = true;
                }
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
        }
    }
}

/// What the practice this server finds lets it do (`carelog_domain::practice_load`).
async fn decide_start(
    store: &Store,
) -> Result<carelog_domain::practice_load::StartDecision, AppError> {
    use carelog_domain::practice_load::{PracticeLoad, decide};
    let found = store.practice_load().await?;
    let gone = match &found {
        PracticeLoad::Loading { loader, .. } => loader_gone(loader),
        PracticeLoad::Empty | PracticeLoad::Ready => false,
    };
    Ok(decide(found, Utc::now(), gone))
}

/// This process as a demo loader: HOST/PID.
fn this_loader() -> String {
    format!("{}/{}", host_name(), std::process::id())
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_default()
}

/// Whether a loader is known to have stopped: it ran on this host and its process is no more.
/// Where processes cannot be seen (no /proc), nothing is known and the heartbeat decides.
fn loader_gone(loader: &str) -> bool {
    let Some((host, pid)) = loader.rsplit_once('/') else { return false };
    let here = host_name();
    let proc = std::path::Path::new("/proc");
    !here.is_empty()
        && host == here
        && pid.parse::<u32>().is_ok()
        && proc.join("self").exists()
        && !proc.join(pid).exists()
}

/// Migrates and seeds reference data; both are safe to repeat and to run from several servers.
pub async fn prepare(store: &Store) -> Result<(), AppError> {
    store.migrate().await?;
    store.seed_reference_data(Utc::now()).await?;
    let sealed = store.seal_earlier_audit_events().await?;
    if sealed > 0 {
        tracing::info!(sealed, "audit events from before the hash chain sealed into it");
    }
    Ok(())
}

/// Loads a generated practice into an empty database: the practice in one transaction, then its
/// logged time a month per transaction, in bulk; marked as loading until the last step is done.
/// Returns the number of entries logged.
pub async fn load_demo(store: &Store, size: DemoSize, tz: Tz) -> Result<u64, AppError> {
    use carelog_domain::practice_load::StartDecision;
    match decide_start(store).await? {
        StartDecision::LoadDemo => {}
        StartDecision::RefusePartial { started_at, heartbeat_at } => {
            return Err(AppError::PartialLoad { started_at, heartbeat_at });
        }
        StartDecision::Wait | StartDecision::Serve => {
            return Err(AppError::NotEmpty(store.count_users().await?));
        }
    }
    let hash = tokio::task::spawn_blocking(|| carelog_app::passwords::hash_password(DEMO_PASSWORD))
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))??;
    let now = Utc::now();
    let (practice, months) = demo::generate_streaming(size, tz, now, &hash);
    let Some(keys) = store.load_demo_practice(practice, now, &this_loader()).await? else {
        // Another server loaded a practice between our check and our write.
        return Err(AppError::NotEmpty(store.count_users().await?));
    };
    let _alive = LoadHeartbeat::start(store.clone());
    let mut logged = 0;
    for entries in months {
        store.load_demo_entries(&keys, &entries).await?;
        logged += entries.len() as u64;
        tracing::info!(entries = logged, "demo practice: logged time loaded");
    }
    let today = carelog_domain::practice_time::local_date(now, tz);
    logged += demo_tasks::load_demo_tasks(store, tz, now).await?;
    if let Some(manager) = keys.user("manager1") {
        let mut month = carelog_domain::practice_time::YearMonth::of(today);
        let mut days = Vec::new();
        // A survey round on the 15th of each month the demo has logged time in.
        for _ in 0..size.months.max(1) {
            if let Some(day) =
                chrono::NaiveDate::from_ymd_opt(month.year, month.month, 15).filter(|d| *d <= today)
            {
                days.push(day);
            }
            month = month.previous();
        }
        store.load_demo_quality(manager, &days).await?;
    }
    demo_billing_settings(store, size, today, now).await?;
    store.analyze().await?;
    store.finish_demo_load(Utc::now()).await?;
    Ok(logged)
}

/// The demo practice's claim settings (synthetic identifiers; the NPI passes its check digit) and its
/// fees for every year it has logged time in: the CMS 2025 national averages as the expected allowed
/// amounts, with the practice's own charges beside them. PCM codes stay "fee not set", as in a
/// practice that has not looked them up yet.
async fn demo_billing_settings(
    store: &Store,
    size: DemoSize,
    today: chrono::NaiveDate,
    now: chrono::DateTime<Utc>,
) -> Result<(), AppError> {
    use carelog_domain::billing::Cents;
    use chrono::Datelike;
    const CHARGES: [(&str, i64, i64); 4] = [
        ("99490", 6049, 8500),
        ("99439", 4593, 6500),
        ("99487", 13165, 18500),
        ("99489", 7052, 10000),
    ];
    const CLAIMS: [(&str, &str); 15] = [
        ("practice_name", "Demo Family Medicine"),
        ("address", "100 Example Avenue"),
        ("city", "Demo City"),
        ("state", "OR"),
        ("zip", "97201-0001"),
        ("billing_npi", "1234567893"),
        ("tax_id", "99-1234567"),
        ("contact_name", "Demo Billing Office"),
        ("contact_phone", "555-010-0100"),
        ("submitter_id", "CARELOGDEMO"),
        ("receiver_id", "DEMOCLEARING"),
        ("receiver_name", "Demo Clearinghouse"),
        ("payer_id", "DEMOMAC"),
        ("date_of_service", "last-day"),
        ("place_of_service", "11"),
    ];
    let first = carelog_domain::practice_time::YearMonth::of(today);
    let earliest = (0..size.months).fold(first, |m, _| m.previous());
    for year in earliest.year..=today.year() {
        for (code, allowed, charge) in CHARGES {
            store.set_fee(code, year, Cents(allowed), Cents(charge)).await?;
        }
    }
    for (key, value) in CLAIMS {
        let key = format!("{}{key}", carelog_app::claims::CLAIM_SETTINGS_PREFIX);
        store.set_setting(&key, value, now).await?;
    }
    Ok(())
}

/// Tells waiting servers, every few seconds while it lives, that the demo load is still at work.
struct LoadHeartbeat(tokio::task::JoinHandle<()>);

impl LoadHeartbeat {
    fn start(store: Store) -> Self {
        use carelog_domain::practice_load::HEARTBEAT_EVERY;
        let every = HEARTBEAT_EVERY.to_std().unwrap_or(std::time::Duration::from_secs(5));
        LoadHeartbeat(tokio::spawn(async move {
            let mut beat = tokio::time::interval(every);
            loop {
                beat.tick().await;
                if let Err(e) = store.note_demo_load_alive(Utc::now()).await {
                    tracing::warn!(error = %e, "demo load: cannot note progress");
                }
            }
        }))
    }
}

impl Drop for LoadHeartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The background work of a server: due reminders and alerts and pending e-mail every minute, and
/// while saving fails a write probe, so the outage ends (and is told) without a health check;
/// task generation and housekeeping at start and every hour. All of it is safe on several servers.
pub fn spawn_background(
    app: carelog_app::App,
    store: Store,
    settings: jobs::JobSettings,
    mailer: Option<mail::Mailer>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every_minute = tokio::time::interval(std::time::Duration::from_secs(60));
        let mut minute: u64 = 0;
        loop {
            every_minute.tick().await;
            if app.saving_outage().is_some() {
                // Its outcome is the app's to act on (logged, told); the jobs below try regardless.
                let _ = app.can_save().await;
            }
            if minute.is_multiple_of(60) {
                // Generation is idempotent, so every server may run it: on the 1st and on Mondays the
                // new period's tasks appear within the hour, and a server back from downtime catches up.
                let today =
                    carelog_domain::practice_time::local_date(Utc::now(), settings.time_zone);
                if let Err(e) = generate_tasks(&store, today).await {
                    tracing::warn!(error = %e, "task generation failed");
                }
                match housekeeping(&store, Utc::now(), settings.session_idle).await {
                    Ok((sessions, failures)) => tracing::debug!(sessions, failures, "housekeeping"),
                    Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
                }
            }
            minute += 1;
            match jobs::run_due_jobs(&store, &settings, Utc::now()).await {
                Ok(0) => {}
                Ok(created) => tracing::info!(created, "notifications created"),
                Err(e) => tracing::warn!(error = %e, "reminders and alerts failed"),
            }
            if let Some(mailer) = &mailer {
                match mailer.send_pending(&store).await {
                    Ok((0, 0)) => {}
                    Ok((sent, failed)) => tracing::info!(sent, failed, "e-mail"),
                    Err(e) => tracing::warn!(error = %e, "sending e-mail failed"),
                }
            }
        }
    })
}

pub fn web_state(store: Store, config: &Config) -> AppState {
    let app = carelog_app::App::new(
        store,
        carelog_app::Settings {
            time_zone: config.time_zone,
            base_url: config.base_url.clone(),
            email_configured: config.smtp_url.is_some(),
            session_idle: config.session_idle,
        },
    );
    AppState::new(
        app,
        WebSettings {
            time_zone: config.time_zone,
            secure_cookies: config.secure_cookies,
            trusted_proxies: config.trusted_proxies.clone(),
            email_configured: config.smtp_url.is_some(),
            base_url: config.base_url.clone(),
            session_idle: config.session_idle,
        },
    )
}
