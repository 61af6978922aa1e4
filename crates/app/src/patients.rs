//! A patient within reach, and what is done with one: the record, its history, who looks after
//! them and their status. Every read leaves an audit event.

use carelog_domain::ids::{EntryId, PatientId, UserId};
use carelog_domain::notifications::Kind;
use carelog_domain::patient::PatientStatus;
use carelog_domain::practice_time::{YearMonth, local_date};
use carelog_domain::role::may_see_patient;
use carelog_domain::schedule::month_key;
use carelog_store::{
    CareOwner, EntryFilter, EntryRow, GeneratedRow, NamedUser, PatientDetail, PatientListRow,
    PatientMonthMinutes, PatientPick, PatientSearch, ProviderRow, TaskPage, TaskSearch,
};
use chrono::Utc;

use crate::actor::audit_event;
use crate::notify::Notice;
use crate::{Actor, App, ServiceError, ServiceResult};

/// A patient the actor may see. Only [`App::visible_patient`] makes one, so a service that takes
/// it cannot be reached for a patient out of the actor's reach: the scope check is written once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisiblePatient {
    id: PatientId,
    coordinator_id: Option<UserId>,
}

impl VisiblePatient {
    pub fn id(&self) -> PatientId {
        self.id
    }

    /// Whether the actor is the patient's own coordinator (who logs their time).
    pub fn is_own(&self, actor: &Actor) -> bool {
        self.coordinator_id == Some(actor.id)
    }
}

/// The patient record: its details, this month's minutes and generated tasks, and (for managers
/// and admins) the coordinators the patient can be given to.
pub struct PatientRecord {
    pub detail: PatientDetail,
    pub month_minutes: PatientMonthMinutes,
    pub month_tasks: Vec<GeneratedRow>,
    pub caseload_holders: Option<Vec<NamedUser>>,
}

/// What a reassignment or a status change did.
pub struct CareTeamChange {
    /// A sentence for the record's notice line.
    pub notice: String,
}

impl App {
    /// The patient with this id if the actor may see them; otherwise not found, exactly like a
    /// patient that does not exist.
    pub async fn visible_patient(
        &self,
        actor: &Actor,
        id: PatientId,
    ) -> ServiceResult<VisiblePatient> {
        match self.store.patient_coordinator(id).await?.map(CareOwner::coordinator) {
            Some(coordinator) if may_see_patient(actor.role, actor.id, coordinator) => {
                Ok(VisiblePatient { id, coordinator_id: coordinator })
            }
            _ => Err(ServiceError::NotFound),
        }
    }

    /// Whether the patient is one of the actor's own (a foreign or unknown one is not).
    pub(crate) async fn is_own_patient(&self, actor: &Actor, id: PatientId) -> ServiceResult<bool> {
        let owner = self.store.patient_coordinator(id).await?;
        Ok(owner == Some(CareOwner::Coordinator(actor.id)))
    }

    /// A page of the patients the actor may see (a coordinator's own, everyone's for managers and
    /// admins), of one status if given, and how many there are in all.
    pub async fn patients_in_reach(
        &self,
        actor: &Actor,
        status: Option<PatientStatus>,
        limit: i64,
        offset: i64,
    ) -> ServiceResult<(Vec<PatientListRow>, i64)> {
        let scope = (!actor.role.sees_all_patients()).then_some(actor.id);
        Ok(self.store.patients_page(scope, status, limit, offset).await?)
    }

    /// One page of the patients a FHIR search finds within the actor's reach (a coordinator's own),
    /// by id, and how many it finds in all.
    pub async fn search_patients(
        &self,
        actor: &Actor,
        mut criteria: PatientSearch,
        limit: usize,
        offset: usize,
    ) -> ServiceResult<(Vec<PatientDetail>, usize)> {
        criteria.coordinator = (!actor.role.sees_all_patients()).then_some(actor.id);
        let (ids, total) = self.store.search_patient_ids(&criteria, limit, offset).await?;
        let details = self.patient_details_in_reach(actor, &ids).await?;
        Ok((details, usize::try_from(total).unwrap_or(0)))
    }

    /// One page of a visible patient's tasks (log entries, then generated tasks) and how many match.
    pub async fn search_tasks(
        &self,
        patient: VisiblePatient,
        criteria: &TaskSearch,
        limit: usize,
        offset: usize,
    ) -> ServiceResult<TaskPage> {
        let criteria = TaskSearch { patient: patient.id, ..criteria.clone() };
        Ok(self.store.search_tasks(&criteria, limit, offset).await?)
    }

    /// The regional providers (no patient data: every signed-in role).
    pub async fn provider_rows(&self, _actor: &Actor) -> ServiceResult<Vec<ProviderRow>> {
        Ok(self.store.provider_rows().await?)
    }

    /// The details of those of `ids` the actor may see, in that order; the others are left out.
    pub async fn patient_details_in_reach(
        &self,
        actor: &Actor,
        ids: &[PatientId],
    ) -> ServiceResult<Vec<PatientDetail>> {
        let mut details = self.store.patient_details(ids).await?;
        details.retain(|p| may_see_patient(actor.role, actor.id, p.coordinator_id));
        Ok(details)
    }

    /// When the patient was last given to their coordinator.
    pub async fn assigned_since(
        &self,
        patient: VisiblePatient,
    ) -> ServiceResult<Option<chrono::DateTime<Utc>>> {
        Ok(self.store.latest_assignment_at(patient.id).await?)
    }

    /// The patient's generated tasks, newest first, at most `limit`.
    pub async fn generated_tasks_of(
        &self,
        patient: VisiblePatient,
        limit: i64,
    ) -> ServiceResult<Vec<GeneratedRow>> {
        Ok(self.store.generated_for_patient(patient.id, limit).await?)
    }

    /// One generated task, if the actor may see it: one of a visible patient's, or (for a
    /// coordinator-level task) their own or, for managers and admins, anyone's.
    pub async fn generated_task_in_reach(
        &self,
        actor: &Actor,
        id: i64,
    ) -> ServiceResult<GeneratedRow> {
        let task = self.store.generated_task(id).await?.ok_or(ServiceError::NotFound)?;
        self.check_reach(actor, task.patient_id, task.coordinator_id).await?;
        Ok(task)
    }

    /// One log entry, if the actor may see it (the same reach as a generated task's).
    pub async fn entry_in_reach(&self, actor: &Actor, id: EntryId) -> ServiceResult<EntryRow> {
        let entry = self.store.entry(id).await?.ok_or(ServiceError::NotFound)?;
        self.check_reach(actor, entry.patient_id, entry.coordinator_id).await?;
        Ok(entry)
    }

    async fn check_reach(
        &self,
        actor: &Actor,
        patient: Option<PatientId>,
        coordinator: UserId,
    ) -> ServiceResult<()> {
        match patient {
            Some(p) => self.visible_patient(actor, p).await.map(|_| ()),
            None if actor.role.sees_all_patients() || coordinator == actor.id => Ok(()),
            None => Err(ServiceError::NotFound),
        }
    }

    /// A visible patient's details, unaudited: for services that audit the read themselves.
    pub async fn patient_detail(&self, patient: VisiblePatient) -> ServiceResult<PatientDetail> {
        self.store.patient_detail(patient.id).await?.ok_or(ServiceError::NotFound)
    }

    /// The record page's data; the read is audited.
    pub async fn patient_record(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
    ) -> ServiceResult<PatientRecord> {
        let detail = self.patient_detail(patient).await?;
        self.audit(actor, "patient.view", Some(patient.id), "patient record".into()).await?;
        let month = YearMonth::of(local_date(Utc::now(), self.settings.time_zone));
        let month_minutes = self.store.patient_month_minutes(patient.id, month).await?;
        let month_tasks =
            self.store.generated_tasks_for_patient(patient.id, &month_key(month)).await?;
        let caseload_holders = if actor.role.sees_team_oversight() {
            Some(self.store.caseload_holders().await?)
        } else {
            None
        };
        Ok(PatientRecord { detail, month_minutes, month_tasks, caseload_holders })
    }

    /// Every entry for the patient, newest first; the read is audited.
    pub async fn patient_history(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
    ) -> ServiceResult<(PatientDetail, Vec<EntryRow>)> {
        let detail = self.patient_detail(patient).await?;
        self.audit(actor, "patient.history", Some(patient.id), "task history".into()).await?;
        let filter = EntryFilter { patient_id: Some(patient.id), ..EntryFilter::default() };
        Ok((detail, self.store.entries(&filter, 100_000).await?))
    }

    /// Coordinators who hold a caseload, for choosing whom to give a patient to.
    pub async fn caseload_holders(&self) -> ServiceResult<Vec<NamedUser>> {
        Ok(self.store.caseload_holders().await?)
    }

    /// The actor's own patients, active first.
    pub async fn own_patients(&self, actor: &Actor) -> ServiceResult<Vec<PatientPick>> {
        Ok(self.store.own_patients(actor.id).await?)
    }

    /// Gives the patient to another coordinator with the manager's rationale; their open generated
    /// tasks move with them.
    pub async fn reassign_patient(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
        coordinator: &str,
        rationale: &str,
    ) -> ServiceResult<CareTeamChange> {
        let holders = self.store.caseload_holders().await?;
        let Some(NamedUser { id: coordinator, name }) =
            UserId::parse(coordinator).and_then(|c| holders.into_iter().find(|h| h.id == c))
        else {
            return Err(ServiceError::Refused("Coordinator: choose one from the list.".into()));
        };
        let rationale = rationale.trim();
        if rationale.chars().count() > 2000 {
            return Err(ServiceError::Refused("Rationale: at most 2000 characters.".into()));
        }
        let detail = format!("to {name}: {rationale}");
        let audit = audit_event(actor, "patient.assign", Some(patient.id), detail);
        let effect = self
            .store
            .assign_patient(patient.id, coordinator, Some(actor.id), rationale, &audit, Utc::now())
            .await?;
        let notice =
            format!("Assigned to {name}; {} open tasks moved with the patient.", effect.moved);
        Ok(CareTeamChange { notice })
    }

    /// Sets the patient's status (an Inactive or Deceased patient's open tasks are cancelled) and
    /// tells their coordinator when someone else made the change.
    pub async fn set_patient_status(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
        status: &str,
    ) -> ServiceResult<CareTeamChange> {
        let status = PatientStatus::parse(status)
            .map_err(|e| ServiceError::Refused(format!("Status: {}", e.message)))?;
        let detail = format!("status set to {status}");
        let audit = audit_event(actor, "patient.status", Some(patient.id), detail);
        let now = Utc::now();
        let effect = self.store.set_patient_status(patient.id, status, &audit, now).await?;
        if let Some(coordinator) = patient.coordinator_id.filter(|c| *c != actor.id) {
            let name = self.patient_detail(patient).await?.name;
            let notice = Notice {
                kind: Kind::StatusChange,
                title: format!("{name}: status changed to {status}"),
                body: format!("by {}", actor.display_name),
                link: &format!("/patients/{}", patient.id),
                event: &now.to_rfc3339(),
                patient_id: Some(patient.id),
            };
            self.notify(coordinator, notice, now).await?;
        }
        let notice = if effect.cancelled > 0 {
            format!(
                "Status set to {status}; {} open tasks were cancelled (kept, marked).",
                effect.cancelled
            )
        } else {
            format!("Status set to {status}.")
        };
        Ok(CareTeamChange { notice })
    }
}
