//! carelog's storage: one code path for SQLite and PostgreSQL.
//!
//! Queries are portable SQL with `$N` placeholders (sqlx binds them by number on both engines),
//! run through sea-orm's statement API. Date arithmetic happens in Rust (`carelog_domain::practice_time`)
//! and reaches SQL as ranges, because the engines' date functions differ.

mod amendments;
mod api_tokens;
mod assignment_queue;
mod assignments;
mod audit;
mod audit_chain;
mod audit_group;
mod billed_record;
mod billing;
mod billing_months;
mod care_plan_writes;
mod care_team;
mod catalogue;
mod closed_months;
mod conditions;
mod connection;
mod demo_enrollment;
mod demo_rows;
mod enrollment;
mod enrollment_writes;
mod error;
mod fhir_search;
mod figures;
mod generated;
mod health_probe;
mod import_enrollment;
mod imports;
mod keys;
mod login_failures;
mod metrics;
mod migrate;
mod notifications;
mod onboarding;
mod open_errors;
mod panel;
mod patient_month;
mod patients;
mod practice_load;
mod profiles;
mod quality;
mod row;
mod schedules;
mod sessions;
mod summary;
mod task_log;
mod team;
mod team_revisions;
mod teams;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod timers;
mod users;
pub mod vocabulary_checks;

pub use sea_orm::Value;

pub use amendments::{Amended, NewAmendment};
pub use api_tokens::{ApiTokenRow, NewApiToken};
pub use assignment_queue::{QueueCounts, QueueFilter, QueuePage, QueueRow, QueueSort, QueueView};
pub use assignments::{
    AssignmentRecord, Finalized, NewAssignment, ReviewsOf, ScoreParts, SeniorReview,
    SupersededReview,
};
pub use audit::{AuditFilter, AuditPage, AuditRow, NewAuditEvent};
pub use audit_chain::ChainHead;
pub use billed_record::{ClosedMonth, MonthClose};
pub use billing::{
    DATE_OF_SERVICE_SETTING, DEFAULT_PLACE_OF_SERVICE, Fee, PLACE_OF_SERVICE_SETTING, PatientFacts,
    SnapshotRow,
};
pub use care_team::TaskEffect;
pub use catalogue::TaskTypeRow;
pub use connection::{Engine, Store, redact as redact_url};
pub use demo_rows::{
    DemoCareGap, DemoCarePlanVersion, DemoCompletion, DemoConsent, DemoCoordinator, DemoDiagnosis,
    DemoEnrollment, DemoKeys, DemoPatient, DemoPractice, DemoProfile, DemoTaskEntry, DemoVisit,
    TimedEntry,
};
pub use enrollment::{
    Activation, CarePlanSections, CarePlanVersionRow, ComplexityRow, ConsentRow, DiagnosisRow,
    EnrollmentChange, GapRow, GoalRow, InitiatingVisitRow, NewComplexity, NewConsent, NewDiagnosis,
    NewGoal, PatientEnrollment, Practitioner, UncodedCondition,
};
pub use error::StoreError;
pub use fhir_search::{PatientSearch, ProviderRow, TaskPage, TaskSearch, TaskStatusWanted};
pub use figures::{BillingRevision, QueueTrends, TeamRevisions};
pub use generated::GeneratedRow;
pub use imports::{Applied, Upload};
pub use metrics::CoordinatorMonthRow;
pub use migrate::MIGRATIONS;
pub use notifications::{
    AlertCandidate, ClaimedEmail, CoordinatorCount, CoordinatorLogged, NewNotification,
    NotificationRow,
};
pub use panel::{Named, NamedUser, PanelFilter, PanelPatient, PatientMinutes, PatientPick};
pub use patient_month::PatientMonthMinutes;
pub use patients::{CareOwner, PatientDetail, PatientListRow, RecentActivity};
pub use profiles::ProfileUpdate;
pub use quality::{
    EntryOwner, FirstAssignment, GapsResolved, NewReview, NewSurvey, QualityWindow, SampleEntry,
    SurveyPatient,
};
pub use schedules::ScheduleRow;
pub use sessions::{SessionListing, SessionRecord};
pub use summary::{HeaderFacts, MonthSummary};
pub use task_log::{CountedEntry, EntryFilter, EntryRow, Logged, NewEntry, Saved, describe_entry};
pub use team::{TeamMember, TeamOf, TeamWindows};
pub use teams::TeamListing;
pub use timers::{RunningTimer, TimerBadge};
pub use users::{ChangedUser, Login, NewUser, OrphanedCaseload, User, UserAccount, UserChange};

pub type Result<T> = std::result::Result<T, StoreError>;
