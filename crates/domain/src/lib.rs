//! carelog's rules as pure functions over plain data: no I/O, no async, no SQL.
//! Handlers, jobs and the CLI all call these, so each rule lives once.

pub mod assignment;
pub mod assignment_plan;
pub mod assignment_queue;
pub mod audit_chain;
pub mod billing;
pub mod billing_changes;
pub mod billing_summary;
pub mod capacity;
pub mod catalogue;
pub mod claims;
pub mod client_address;
pub mod credentials;
pub mod enrollment;
pub mod fhir_search;
pub mod icd10cm;
pub mod ids;
pub mod import;
pub mod import_plan;
pub mod login_throttle;
pub mod metrics;
pub mod notifications;
pub mod patient;
pub mod practice_load;
pub mod practice_time;
pub mod role;
pub mod saving_outage;
pub mod schedule;
pub mod session_policy;
pub mod stored;
pub mod team_measures;
pub mod team_stats;
pub mod time_rules;
pub mod visit;
pub mod words;
pub mod x12_837p;

/// Input that broke a rule: which field, and a sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RuleViolation {
    pub field: &'static str,
    pub message: String,
}

impl RuleViolation {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}
