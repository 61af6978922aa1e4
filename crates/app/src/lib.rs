//! carelog's services: every workflow lives here once, and the front-ends (pages, the JSON API, FHIR,
//! the command line and the background jobs) call it. Rules come from `carelog-domain`, SQL from
//! `carelog-store`; this crate holds neither HTTP nor SQL text.

mod actor;
pub mod billing_csv;
pub mod entries;
mod error;
pub mod import_files;
pub mod imports;
pub mod jobs;
pub mod passwords;
pub mod upkeep;

use carelog_store::Store;
use chrono_tz::Tz;

pub use actor::Actor;
pub use error::{ServiceError, ServiceResult};

/// The services, over one store. Cheap to clone: the store is a pool, the settings are plain values.
#[derive(Clone)]
pub struct App {
    store: Store,
    time_zone: Tz,
}

impl App {
    pub fn new(store: Store, time_zone: Tz) -> Self {
        Self { store, time_zone }
    }

    /// The practice time zone: "today", months and the daily cap are counted in it.
    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }
}
