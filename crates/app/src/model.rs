//! The typed rows and inputs the services hand to their front-ends, as the store reads and writes
//! them. Front-ends name them here, never the store itself.

pub use carelog_store::{
    ApiTokenRow, AssignmentRecord, AuditFilter, AuditRow, CareOwner, ClosedMonth, EntryRow,
    Finalized, GeneratedRow, MonthSummary, Named, NewAssignment, NewReview, NewSurvey,
    NotificationRow, PanelFilter, PanelPatient, PatientDetail, PatientListRow, ProfileUpdate,
    QualityWindow, QueueFilter, QueueRow, QueueSort, QueueTrends, QueueView, ReviewsOf,
    RunningTimer, SampleEntry, ScheduleRow, ScoreParts, SeniorReview, StoreError, TaskTypeRow,
    TeamMember, TeamWindows, User,
};
