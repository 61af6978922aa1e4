//! The typed rows and inputs the services hand to their front-ends, as the store reads and writes
//! them. Front-ends name them here, never the store itself.

pub use carelog_store::{
    ApiTokenRow, AssignmentRecord, AuditFilter, AuditPage, AuditRow, CareOwner, ChartPatient,
    ClosedMonth, CoordinatorMonthRow, CountedEntry, EntryOwner, EntryRow, Fee, Finalized,
    FirstAssignment, GeneratedRow, MonthSummary, Named, NamedUser, NewAssignment, NewReview,
    NewSurvey, NotificationRow, PanelFilter, PanelPatient, PatientDetail, PatientListRow,
    PatientMonthMinutes, PatientPick, ProfileUpdate, QualityWindow, QueueFilter, QueuePage,
    QueueRow, QueueSort, QueueTrends, QueueView, ReviewsOf, RunningTimer, SampleEntry, ScheduleRow,
    ScoreParts, SeniorReview, SnapshotRow, StoreError, TaskTypeRow, TeamMember, TeamWindows, User,
};
