//! The CM Log's workflows: log, edit and delete an entry and complete a generated task, each under
//! every time rule, for Daily Tasks, the patient record, the JSON API and anything else that logs time.

use carelog_domain::catalogue::takes_no_patient;
use carelog_domain::enrollment::{CarePlanStep, care_plan_step};
use carelog_domain::ids::{EntryId, PatientId, TaskTypeId, UserId};
use carelog_domain::patient::PatientStatus;
use carelog_domain::practice_time::{YearMonth, day_range, local_date};
use carelog_domain::schedule::TaskStatus;
use carelog_domain::time_rules::{
    check_daily_cap, check_entry_date, check_notes, earliest_open_date, needs_confirmation,
    parse_entry_time, parse_minutes, parse_stat_value,
};
use carelog_store::{
    EntryRow, GeneratedRow, NewEntry, Saved, StoreError, TaskTypeRow, describe_entry,
};
use chrono::{NaiveDate, Utc};

use crate::actor::audit_event;
use crate::{Actor, App, ServiceError, ServiceResult};

/// An entry's fields as a person typed them: every one is text, so a refusal can show them again.
#[derive(Debug, Clone, Default)]
pub struct EntryInput {
    pub patient: String,
    pub task_type: String,
    pub minutes: String,
    pub value: String,
    pub notes: String,
    /// Practice-local `YYYY-MM-DDTHH:MM`; now when empty.
    pub when: String,
    /// The person confirmed minutes well above the usual time.
    pub confirmed: bool,
}

/// Where an entry comes from; it names the audit event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A page's form: Daily Tasks or the patient record's quick entry.
    Form,
    /// The JSON API.
    Api,
    /// Completing this generated task.
    Generated(i64),
}

/// What became of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Committed, with its id and practice-local date, and the part of the patient's enrollment a
    /// care plan task leads on to.
    Saved { id: EntryId, date: NaiveDate, leads_to: Option<CarePlanStep> },
    /// One sentence per broken rule; nothing was saved.
    Refused(Vec<String>),
    /// Minutes well above the usual time: saved only once the person confirms.
    NeedsConfirmation(String),
}

/// A checked entry, or why it is not one.
enum Checked {
    Ready(Box<NewEntry>, String),
    Not(Outcome),
}

impl App {
    /// The first day an entry may carry today (the open billing period's start).
    pub async fn earliest_open_date(&self, today: NaiveDate) -> ServiceResult<NaiveDate> {
        let previous_closed = self.store.is_month_closed(YearMonth::of(today).previous()).await?;
        Ok(earliest_open_date(today, previous_closed))
    }

    /// The task types an entry may take, in the catalogue's order.
    pub async fn task_types(&self) -> ServiceResult<Vec<TaskTypeRow>> {
        Ok(self.store.task_types().await?)
    }

    /// One of the actor's own generated tasks still to do; anything else is not found.
    pub async fn own_pending_task(&self, actor: &Actor, id: i64) -> ServiceResult<GeneratedRow> {
        self.store
            .generated_task(id)
            .await?
            .filter(|t| t.coordinator_id == actor.id && t.status == TaskStatus::Pending)
            .ok_or(ServiceError::NotFound)
    }

    /// A coordinator's generated tasks still to do: one's own, or (managers and admins) anyone's.
    /// Returns whose they are, and the tasks.
    pub async fn pending_tasks_of(
        &self,
        actor: &Actor,
        coordinator: Option<UserId>,
    ) -> ServiceResult<(UserId, Vec<GeneratedRow>)> {
        let coordinator = match coordinator {
            Some(c) if actor.role.sees_all_patients() || c == actor.id => c,
            Some(_) => return Err(ServiceError::NotFound),
            None => actor.id,
        };
        Ok((coordinator, self.store.pending_tasks(coordinator).await?))
    }

    /// One entry by id, for reading.
    pub async fn entry(&self, id: EntryId) -> ServiceResult<Option<EntryRow>> {
        Ok(self.store.entry(id).await?)
    }

    /// Logs an entry under every time rule with its audit event, or says why not and changes nothing.
    pub async fn log_entry(
        &self,
        actor: &Actor,
        input: &EntryInput,
        source: Source,
    ) -> ServiceResult<Outcome> {
        let generated = match source {
            Source::Generated(task) => Some(task),
            Source::Form | Source::Api => None,
        };
        let (entry, type_name) = match self.check_entry(actor, input, generated, None).await? {
            Checked::Ready(entry, name) => (entry, name),
            Checked::Not(outcome) => return Ok(outcome),
        };
        let (action, detail) = match source {
            Source::Api => (
                "task.create",
                format!(
                    "via API: {type_name}, {} min",
                    entry.minutes.map(|m| m.to_string()).unwrap_or_else(|| "—".into())
                ),
            ),
            Source::Form | Source::Generated(_) => (
                if generated.is_some() { "task.complete" } else { "task.create" },
                describe_new(&type_name, &entry),
            ),
        };
        let audit = audit_event(actor, action, entry.patient_id, detail);
        let leads_to = care_plan_step(&type_name);
        let result =
            refused_when_closed(self.store.insert_entry(&entry, &audit, Utc::now()).await)?;
        Ok(saved(result, entry.local_date, leads_to))
    }

    /// The actor's own entry, while its date is in the open period. Another's entry, or none, is
    /// not found; one in a closed period is refused (only an administrator corrects those).
    pub async fn own_open_entry(&self, actor: &Actor, id: EntryId) -> ServiceResult<EntryRow> {
        let entry = self
            .store
            .entry(id)
            .await?
            .filter(|e| e.coordinator_id == actor.id)
            .ok_or(ServiceError::NotFound)?;
        let today = local_date(Utc::now(), self.settings.time_zone);
        if local_date(entry.task_at, self.settings.time_zone)
            < self.earliest_open_date(today).await?
        {
            return Err(ServiceError::Refused(CLOSED_PERIOD.into()));
        }
        Ok(entry)
    }

    /// Replaces one's own open entry with new values under every time rule; the audit keeps both.
    pub async fn edit_entry(
        &self,
        actor: &Actor,
        before: &EntryRow,
        input: &EntryInput,
    ) -> ServiceResult<Outcome> {
        let (mut entry, type_name) =
            match self.check_entry(actor, input, None, Some(before)).await? {
                Checked::Ready(entry, name) => (entry, name),
                Checked::Not(outcome) => return Ok(outcome),
            };
        entry.generated_task_id = before.generated_task_id;
        let detail = format!(
            "before: {}; after: {}",
            describe_row(before),
            describe_new(&type_name, &entry)
        );
        let audit =
            audit_event(actor, "task.update", entry.patient_id.or(before.patient_id), detail);
        let result = refused_when_closed(
            self.store.update_entry(before.id, &entry, &audit, Utc::now()).await,
        )?;
        Ok(saved(result, entry.local_date, care_plan_step(&type_name)))
    }

    /// Deletes one's own open entry; the audit keeps its values. Returns the entry's local date.
    pub async fn delete_entry(&self, actor: &Actor, entry: &EntryRow) -> ServiceResult<NaiveDate> {
        let detail = format!("deleted: {}", describe_row(entry));
        let audit = audit_event(actor, "task.delete", entry.patient_id, detail);
        match self.store.delete_entry(entry.id, actor.id, &audit, Utc::now()).await {
            Err(StoreError::MonthClosed(_)) => Err(ServiceError::Refused(CLOSED_PERIOD.into())),
            other => {
                other?;
                Ok(local_date(entry.task_at, self.settings.time_zone))
            }
        }
    }

    /// Every rule an entry can be checked against before its transaction: the task type, the
    /// actor's own patient, minutes, a Stat value, notes, the time and the open period, then the
    /// daily cap, then the confirmations (a patient no longer in care, above-average minutes), so no
    /// one confirms what a hard rule then refuses. The cap and double submits are checked again as
    /// the entry is written; `editing` is the entry an edit replaces (its minutes leave the day).
    async fn check_entry(
        &self,
        actor: &Actor,
        input: &EntryInput,
        generated_task_id: Option<i64>,
        editing: Option<&EntryRow>,
    ) -> ServiceResult<Checked> {
        let tz = self.settings.time_zone;
        let now = Utc::now();
        let types = self.store.task_types().await?;
        let task_type =
            TaskTypeId::parse(&input.task_type).and_then(|id| types.iter().find(|t| t.id == id));
        let Some(task_type) = task_type else {
            let refusal = vec!["Task type: choose one from the list.".to_owned()];
            return Ok(Checked::Not(Outcome::Refused(refusal)));
        };
        let mut errors = Vec::new();
        let patient_id = self.own_patient(actor, input, task_type, &mut errors).await?;
        let time_rule = task_type.time_rule;
        let minutes = parse_minutes(time_rule, &input.minutes).map_err(|v| errors.push(v.message));
        let stat_value = match task_type.value_format {
            Some(format) => parse_stat_value(format, &input.value, local_date(now, tz))
                .map(Some)
                .map_err(|v| errors.push(format!("Value: {}", v.message))),
            None => Ok(None),
        };
        let notes = input.notes.trim().to_owned();
        if let Err(v) = check_notes(&notes) {
            errors.push(format!("Notes: {}", v.message));
        }
        let task_at =
            parse_entry_time(&input.when, tz, now).map_err(|v| format!("Date/time: {}", v.message));
        let today = local_date(now, tz);
        match &task_at {
            Ok(t) => {
                let earliest = self.earliest_open_date(today).await?;
                if let Err(v) = check_entry_date(local_date(*t, tz), today, earliest) {
                    errors.push(format!("Date/time: {}", v.message));
                }
            }
            Err(message) => errors.push(message.clone()),
        }
        let (Ok(minutes), Ok(stat_value), Ok(task_at), true) =
            (minutes, stat_value, task_at, errors.is_empty())
        else {
            return Ok(Checked::Not(Outcome::Refused(errors)));
        };
        let local = local_date(task_at, tz);
        if let Some(m) = minutes {
            let mut logged = self.store.logged_in(actor.id, day_range(local, tz)).await?.minutes;
            if let Some(before) = editing.filter(|b| local_date(b.task_at, tz) == local) {
                logged -= before.minutes.map_or(0, i64::from);
            }
            if let Err(v) = check_daily_cap(logged, i64::from(m), local) {
                return Ok(Checked::Not(Outcome::Refused(vec![v.message])));
            }
        }
        // Time for a patient no longer in care is rarely meant: the person says so first.
        if let Some(pid) = patient_id
            && !input.confirmed
            && let Some(p) = self.store.patient_detail(pid).await?
            && p.status != PatientStatus::Active
        {
            return Ok(Checked::Not(Outcome::NeedsConfirmation(format!(
                "{} is {}: time for a patient no longer in care is not billable. Log it anyway?",
                p.name,
                p.status.as_str()
            ))));
        }
        if let Some(m) = minutes
            && !input.confirmed
        {
            let average = self.figures.task_type_average(task_type.id, now).await?;
            let estimate = self.store.schedule_estimate(task_type.id).await?;
            if let Some(prompt) = needs_confirmation(m, average, estimate) {
                return Ok(Checked::Not(Outcome::NeedsConfirmation(prompt)));
            }
        }
        let entry = NewEntry {
            coordinator_id: actor.id,
            patient_id,
            task_type_id: task_type.id,
            task_category: task_type.category,
            minutes,
            stat_value,
            notes,
            task_at,
            local_date: local,
            day: day_range(local, tz),
            generated_task_id,
            above_average_confirmed: input.confirmed,
        };
        Ok(Checked::Ready(Box::new(entry), task_type.name.clone()))
    }

    /// The entry's patient: one of the actor's own (a foreign or unknown one gets the same answer),
    /// or none where the task type allows it.
    async fn own_patient(
        &self,
        actor: &Actor,
        input: &EntryInput,
        task_type: &TaskTypeRow,
        errors: &mut Vec<String>,
    ) -> ServiceResult<Option<PatientId>> {
        match PatientId::parse(&input.patient) {
            Some(_) if takes_no_patient(task_type.needs_patient, task_type.time_rule) => {
                errors.push(format!(
                    "Patient: \"{}\" is about your own day, not a patient; leave Patient empty.",
                    task_type.name
                ));
                Ok(None)
            }
            Some(id) if self.is_own_patient(actor, id).await? => Ok(Some(id)),
            Some(_) => {
                errors.push("Patient: choose one of your own patients.".to_owned());
                Ok(None)
            }
            None if task_type.needs_patient => {
                errors.push(format!(
                    "Patient: \"{}\" is logged against a patient; choose one.",
                    task_type.name
                ));
                Ok(None)
            }
            None => Ok(None),
        }
    }
}

/// Said of an entry whose billing month closed, checked before the write or refused by the database.
const CLOSED_PERIOD: &str =
    "This entry is in a closed billing period; only an administrator can change it.";

/// A write the database refused because its month closed meanwhile, as a refusal in words.
fn refused_when_closed(result: Result<Saved, StoreError>) -> ServiceResult<Saved> {
    match result {
        Err(StoreError::MonthClosed(_)) => Ok(Saved::Refused(carelog_domain::RuleViolation::new(
            "date",
            "The billing month of this date has been closed; only an administrator can add or change its entries.",
        ))),
        other => Ok(other?),
    }
}

fn saved(result: Saved, date: NaiveDate, leads_to: Option<CarePlanStep>) -> Outcome {
    match result {
        Saved::Saved(id) => Outcome::Saved { id, date, leads_to },
        Saved::Refused(v) => Outcome::Refused(vec![v.message]),
    }
}

fn describe_new(type_name: &str, e: &NewEntry) -> String {
    describe_entry(type_name, e.minutes, e.stat_value.as_deref(), &e.notes, e.task_at)
}

fn describe_row(e: &EntryRow) -> String {
    describe_entry(&e.task_type, e.minutes, e.stat_value.as_deref(), &e.notes, e.task_at)
}
