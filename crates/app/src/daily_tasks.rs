//! Tab 2, Daily Tasks, as one read: a coordinator's day of the log, their generated tasks still to
//! do, the running timer, and the patients short of this month's care-time target.

use carelog_domain::ids::{EntryId, PatientId, TaskTypeId};
use carelog_domain::patient::display_name;
use carelog_domain::practice_time::{YearMonth, day_range, local_date};
use carelog_domain::schedule::month_key;
use carelog_store::{EntryRow, GeneratedRow, PatientPick, RunningTimer, TaskTypeRow};
use chrono::{NaiveDate, Utc};

use crate::task_log::LogQuery;
use crate::{Actor, App, ServiceError, ServiceResult};

/// The most entries one day's log shows.
const DAY_LIMIT: u64 = 500;

/// A patient still short of the month's care-time target (minutes only: no codes, no money).
pub struct NeedsTime {
    pub id: PatientId,
    pub name: String,
    pub minutes: i64,
    pub needed: i64,
    /// What enrollment still lacks this month, in words ("no consent", "care plan draft").
    pub gaps: Vec<&'static str>,
}

pub struct DailyTasks {
    pub types: Vec<TaskTypeRow>,
    /// The actor's own patients: id, last and first name, chart code.
    pub own: Vec<PatientPick>,
    /// The patient and task type filters, where they name one of the actor's patients and a type.
    pub patient_filter: Option<PatientId>,
    pub type_filter: Option<TaskTypeId>,
    pub earliest_open: NaiveDate,
    pub entries: Vec<EntryRow>,
    pub day_minutes: i64,
    pub day_tasks: i64,
    pub pending: Vec<GeneratedRow>,
    pub timer: Option<RunningTimer>,
    pub target: i64,
    /// Closest to the target first: the quickest time to capture before the month ends.
    pub needs_time: Vec<NeedsTime>,
}

impl App {
    /// The actor's `date` on Daily Tasks, filtered by patient and task type; the read is audited.
    pub async fn daily_tasks(
        &self,
        actor: &Actor,
        date: NaiveDate,
        patient: &str,
        task_type: &str,
    ) -> ServiceResult<DailyTasks> {
        let tz = self.settings.time_zone;
        let today = local_date(Utc::now(), tz);
        let earliest_open = self.earliest_open_date(today).await?;
        let types = self.store.task_types().await?;
        let own = self.store.own_patients(actor.id).await?;
        let patient_filter = PatientId::parse(patient).filter(|id| own.iter().any(|p| p.id == *id));
        let type_filter =
            TaskTypeId::parse(task_type).filter(|id| types.iter().any(|t| t.id == *id));
        let mut query = LogQuery::new(self.own_log(actor));
        query.task_type = type_filter;
        query.range = Some(day_range(date, tz));
        query.patient = patient_filter;
        let entries = self.log_entries(&query, DAY_LIMIT).await?;
        let day = self.store.logged_in(actor.id, day_range(date, tz)).await?;
        // The filters narrow the worklist too: a patient's tasks, or one type's (caseload-wide tasks
        // name no patient, so a patient filter leaves them out).
        let mut pending = self.store.pending_tasks(actor.id).await?;
        pending.retain(|g| {
            patient_filter.is_none_or(|p| g.patient_id == Some(p))
                && type_filter.is_none_or(|t| g.task_type_id == t)
        });
        let timer = self.store.timer(actor.id).await?;
        let target = self.store.monthly_target_minutes().await?;
        let month = YearMonth::of(today);
        let mut gaps = self.enrollment_gaps(Some(actor.id), today).await?;
        let mut needs_time: Vec<NeedsTime> = self
            .store
            .caseload_billable_minutes(actor.id, month)
            .await?
            .into_iter()
            .filter(|p| p.billable_minutes < target)
            .filter(|p| patient_filter.is_none_or(|id| p.id == id))
            .map(|p| NeedsTime {
                id: p.id,
                name: display_name(&p.last_name, &p.first_name),
                minutes: p.billable_minutes,
                needed: target - p.billable_minutes,
                gaps: gaps.remove(&p.id).unwrap_or_default(),
            })
            .collect();
        needs_time.sort_by_key(|n| (n.needed, n.name.clone()));
        // The page shows patients' names, entries and notes: a read of patient data.
        let detail = format!(
            "{date}: {} entries, {} pending tasks, {} patients short of target",
            entries.len(),
            pending.len(),
            needs_time.len()
        );
        self.audit(actor, "tasks.view", None, detail).await?;
        Ok(DailyTasks {
            types,
            own,
            patient_filter,
            type_filter,
            earliest_open,
            entries,
            day_minutes: day.minutes,
            day_tasks: day.entries,
            pending,
            timer,
            target,
            needs_time,
        })
    }
}

/// The pending generated task an entry logged by hand could complete: one of `pending` (the
/// actor's own) for the entry's patient and task type, in the entry's billing month.
pub fn pending_match<'a>(
    entry: &EntryRow,
    pending: &'a [GeneratedRow],
) -> Option<&'a GeneratedRow> {
    if entry.generated_task_id.is_some() || entry.patient_id.is_none() {
        return None;
    }
    let month = month_key(YearMonth {
        year: entry.billing_year,
        month: u32::try_from(entry.billing_month).ok()?,
    });
    pending.iter().find(|g| {
        g.patient_id == entry.patient_id
            && g.task_type_id == entry.task_type_id
            && g.period_key == month
    })
}

impl App {
    /// Completes the actor's pending generated task `task` with their open entry `entry`, logged by
    /// hand for the same patient and type; returns the entry's date and patient.
    pub async fn complete_with_entry(
        &self,
        actor: &Actor,
        entry: &str,
        task: &str,
    ) -> ServiceResult<(NaiveDate, Option<PatientId>)> {
        let entry_id = EntryId::parse(entry).ok_or(ServiceError::NotFound)?;
        let entry = self.own_open_entry(actor, entry_id).await?;
        let task_id = task.trim().parse::<i64>().map_err(|_| ServiceError::NotFound)?;
        let detail = format!("generated task {task_id} completed by entry {entry_id}");
        let audit = crate::actor::audit_event(actor, "task.complete", entry.patient_id, detail);
        let done =
            self.store.complete_with_entry(actor.id, task_id, entry_id, &audit, Utc::now()).await?;
        if !done {
            return Err(ServiceError::Refused(
                "That generated task is no longer open, or is for another patient or task type: nothing was changed.".into(),
            ));
        }
        Ok((local_date(entry.task_at, self.settings.time_zone), entry.patient_id))
    }

    /// The pending generated task the actor's entry `entry`, just logged by hand, could complete.
    pub async fn completion_offer(
        &self,
        actor: &Actor,
        entry: EntryId,
    ) -> ServiceResult<Option<GeneratedRow>> {
        let Some(entry) = self.store.entry(entry).await?.filter(|e| e.coordinator_id == actor.id)
        else {
            return Ok(None);
        };
        let pending = self.store.pending_tasks(actor.id).await?;
        Ok(pending_match(&entry, &pending).cloned())
    }
}
