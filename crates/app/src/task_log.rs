//! Reading the CM Log: whose entries a reader may see, and the entries themselves.

use carelog_domain::ids::{PatientId, TaskTypeId, UserId};
use carelog_domain::practice_time::UtcRange;
use carelog_store::{EntryFilter, EntryRow};

use crate::patients::VisiblePatient;
use crate::{Actor, App, ServiceError, ServiceResult};

/// Whose entries a read covers. Only [`App::log_scope`] and [`LogQuery::for_patient`] make one,
/// so a coordinator can never read another coordinator's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogScope {
    coordinator: Option<UserId>,
}

impl LogScope {
    /// The one coordinator the read covers, or None for everyone's.
    pub fn coordinator(&self) -> Option<UserId> {
        self.coordinator
    }
}

/// A read of the log: a scope, and optionally one patient, one task type and a time range.
#[derive(Debug, Clone, Copy)]
pub struct LogQuery {
    scope: LogScope,
    pub(crate) patient: Option<PatientId>,
    pub task_type: Option<TaskTypeId>,
    pub range: Option<UtcRange>,
}

impl LogQuery {
    pub fn new(scope: LogScope) -> Self {
        Self { scope, patient: None, task_type: None, range: None }
    }

    /// Only this patient's entries, by whichever coordinator, as the patient's history shows them.
    pub fn for_patient(patient: VisiblePatient) -> Self {
        Self::new(LogScope { coordinator: None }).patient(patient)
    }

    /// Narrows the read to one patient within its scope.
    pub fn patient(mut self, patient: VisiblePatient) -> Self {
        self.patient = Some(patient.id());
        self
    }

    fn filter(&self) -> EntryFilter {
        EntryFilter {
            coordinator_id: self.scope.coordinator,
            patient_id: self.patient,
            task_type_id: self.task_type,
            range: self.range,
        }
    }
}

impl App {
    /// The log a reader asked for: coordinators read their own; managers and admins one
    /// coordinator's or, asking for none, everyone's. Another coordinator's log is not found.
    pub fn log_scope(&self, actor: &Actor, requested: Option<UserId>) -> ServiceResult<LogScope> {
        match requested {
            Some(c) if actor.role.sees_all_patients() || c == actor.id => {
                Ok(LogScope { coordinator: Some(c) })
            }
            Some(_) => Err(ServiceError::NotFound),
            None if actor.role.sees_all_patients() => Ok(LogScope { coordinator: None }),
            None => Ok(LogScope { coordinator: Some(actor.id) }),
        }
    }

    /// The actor's own log.
    pub fn own_log(&self, actor: &Actor) -> LogScope {
        LogScope { coordinator: Some(actor.id) }
    }

    /// Entries, newest first, at most `limit`.
    pub async fn log_entries(&self, query: &LogQuery, limit: u64) -> ServiceResult<Vec<EntryRow>> {
        Ok(self.store.entries(&query.filter(), limit).await?)
    }

    /// A page of entries, newest first: `limit` of them after skipping `offset`.
    pub async fn log_page(
        &self,
        query: &LogQuery,
        limit: i64,
        offset: i64,
    ) -> ServiceResult<Vec<EntryRow>> {
        Ok(self.store.entries_from(&query.filter(), limit, offset).await?)
    }

    /// How many entries the query matches.
    pub async fn count_log_entries(&self, query: &LogQuery) -> ServiceResult<i64> {
        Ok(self.store.count_entries(&query.filter()).await?)
    }
}
