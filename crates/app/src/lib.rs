//! carelog's services: every workflow lives here once, and the front-ends (pages, the JSON API, FHIR,
//! the command line and the background jobs) call it. Rules come from `carelog-domain`, SQL from
//! `carelog-store`; this crate holds neither HTTP nor SQL text.

pub mod accounts;
mod actor;
pub mod amendments;
pub mod assignment;
pub mod audit_chain;
pub mod billing;
pub mod billing_csv;
pub mod billing_json;
mod cache;
pub mod care_plans;
pub mod claims;
pub mod csv_out;
pub mod daily_tasks;
pub mod enrollment;
pub mod entries;
mod error;
pub mod figures;
pub mod import_files;
pub mod imports;
pub mod jobs;
pub mod model;
pub mod notifications;
pub mod notify;
pub mod panel;
pub mod passwords;
pub mod patients;
pub mod people;
pub mod practice;
pub mod saving;
pub mod secrets;
pub mod settings;
pub mod task_log;
pub mod team;
pub mod team_facts;
pub mod team_measures;
pub mod teams;
pub mod timer;
pub mod upkeep;

use std::sync::Arc;

use carelog_store::Store;
use chrono_tz::Tz;

pub use actor::Actor;
pub use error::{ServiceError, ServiceResult};
use figures::Figures;

/// What the services need to know about the practice and this deployment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The practice time zone: "today", months and the daily cap are counted in it.
    pub time_zone: Tz,
    /// The address people reach carelog at, for links in e-mails.
    pub base_url: String,
    /// Whether e-mail notifications can be sent (SMTP configured).
    pub email_configured: bool,
    /// How long a session lives without a request.
    pub session_idle: chrono::Duration,
}

/// The services, over one store. Cheap to clone: the store is a pool, the settings are shared.
#[derive(Clone)]
pub struct App {
    store: Store,
    figures: Figures,
    settings: Arc<Settings>,
    saving: saving::SavingWatch,
    /// Whether the practice is the demo: asked once, since the demo loads only before serving.
    demo: Arc<tokio::sync::OnceCell<bool>>,
    /// Password checks, one per core at a time, each thread reusing its Argon2 memory.
    passwords: passwords::PasswordChecker,
}

impl App {
    pub fn new(store: Store, settings: Settings) -> Self {
        Self {
            figures: Figures::new(store.clone(), settings.time_zone),
            store,
            settings: Arc::new(settings),
            saving: saving::SavingWatch::default(),
            demo: Arc::default(),
            passwords: passwords::PasswordChecker::start(
                std::thread::available_parallelism().map_or(2, usize::from),
            ),
        }
    }
}
