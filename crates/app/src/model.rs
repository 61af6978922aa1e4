//! The typed rows and inputs the services hand to their front-ends, as the store reads and writes
//! them. Front-ends name them here, never the store itself.

pub use carelog_store::DEFAULT_PLACE_OF_SERVICE;
pub use carelog_store::{
    ApiTokenRow, AssignmentRecord, AuditFilter, AuditPage, AuditRow, CareOwner, CarePlanSections,
    CarePlanVersionRow, ClosedMonth, ComplexityRow, ConsentRow, CoordinatorMonthRow, CountedEntry,
    DiagnosisRow, EntryOwner, EntryRow, Fee, Finalized, FirstAssignment, GeneratedRow, GoalRow,
    MonthSummary, Named, NamedUser, NewAssignment, NewReview, NewSurvey, NotificationRow,
    PanelFilter, PanelPatient, PatientDetail, PatientEnrollment, PatientListRow,
    PatientMonthMinutes, PatientPick, Practitioner, ProfileUpdate, QualityWindow, QueueFilter,
    QueuePage, QueueRow, QueueSort, QueueTrends, QueueView, ReviewsOf, RunningTimer, SampleEntry,
    ScheduleRow, ScoreParts, SeniorReview, SnapshotRow, StoreError, TaskTypeRow, TeamListing,
    TeamMember, TeamOf, TeamWindows, TimerBadge, User,
};
pub use carelog_store::{OrphanedCaseload, SessionListing, UserAccount};
pub use carelog_store::{PatientSearch, ProviderRow, TaskPage, TaskSearch, TaskStatusWanted};
