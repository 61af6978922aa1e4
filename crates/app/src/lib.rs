//! carelog's services: every workflow lives here once, and the front-ends (pages, the JSON API, FHIR,
//! the command line and the background jobs) call it. Rules come from `carelog-domain`, SQL from
//! `carelog-store`; this crate holds neither HTTP nor SQL text.

pub mod billing_csv;
pub mod import_files;
pub mod imports;
pub mod jobs;
pub mod passwords;
pub mod upkeep;
