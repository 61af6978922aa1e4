//! An administrator's correction of an entry: its minutes, notes, patient, task type or date, or its
//! removal as a duplicate, always with a reason. In a closed month it is an amendment: the original
//! values kept, the patient's billed line written again as its next version (domain.md "Billing").
//! Every time rule still holds, the daily cap included.

use carelog_domain::ids::{EntryId, PatientId, TaskTypeId};
use carelog_domain::practice_time::{YearMonth, day_range, local_date, start_of_day};
use carelog_domain::time_rules::{check_notes, parse_minutes};
use carelog_store::{Amended, EntryRow, NewAmendment, NewEntry, TaskTypeRow, describe_entry};
use chrono::{NaiveDate, Utc};

use crate::actor::audit_event;
use crate::{Actor, App, ServiceError, ServiceResult};

/// Longest reason kept with an amendment.
const REASON_CHARS: usize = 500;

/// An admin's correction as typed.
#[derive(Debug, Clone, Default)]
/// A field left out (None) keeps the entry's value.
pub struct Correction<'a> {
    pub minutes: Option<&'a str>,
    pub notes: Option<&'a str>,
    /// A patient id, empty for none; None keeps the entry's patient.
    pub patient: Option<&'a str>,
    pub task_type: &'a str,
    /// YYYY-MM-DD: the entry keeps its time of day.
    pub date: &'a str,
    /// Remove the entry as a duplicate (the other fields are then ignored).
    pub remove: bool,
    pub reason: &'a str,
}

/// What became of a correction.
#[derive(Debug, PartialEq, Eq)]
pub enum Corrected {
    /// Committed; the closed months whose record gained a line version.
    Done(Vec<YearMonth>),
    /// One sentence per broken rule; nothing changed.
    Refused(Vec<String>),
}

impl App {
    /// An entry an admin may correct (any entry).
    pub async fn entry_for_correction(
        &self,
        actor: &Actor,
        id: EntryId,
    ) -> ServiceResult<EntryRow> {
        self.require_admin(actor)?;
        self.store.entry(id).await?.ok_or(ServiceError::NotFound)
    }

    /// Whether billing has closed the month (a correction in it is an amendment).
    pub async fn is_month_closed(&self, month: YearMonth) -> ServiceResult<bool> {
        Ok(self.store.is_month_closed(month).await?)
    }

    /// The task types a correction may choose, in the catalogue's order.
    pub async fn correction_task_types(&self, actor: &Actor) -> ServiceResult<Vec<TaskTypeRow>> {
        self.require_admin(actor)?;
        Ok(self.store.task_types().await?)
    }

    pub async fn correct_entry(
        &self,
        actor: &Actor,
        entry: &EntryRow,
        correction: &Correction<'_>,
    ) -> ServiceResult<Corrected> {
        self.require_admin(actor)?;
        let mut errors = Vec::new();
        let reason = correction.reason.trim();
        if reason.is_empty() {
            errors.push(
                "Reason: say why this entry is corrected; the record and the audit log keep it."
                    .into(),
            );
        } else if reason.chars().count() > REASON_CHARS {
            errors.push(format!("Reason: at most {REASON_CHARS} characters."));
        }
        let change = if correction.remove {
            None
        } else {
            match self.changed_entry(entry, correction, &mut errors).await? {
                Some(change) => Some(change),
                None if errors.is_empty() => {
                    return Err(ServiceError::Internal("a correction with no values".into()));
                }
                None => None,
            }
        };
        if !errors.is_empty() {
            return Ok(Corrected::Refused(errors));
        }
        let e = entry;
        let before =
            describe_entry(&e.task_type, e.minutes, e.stat_value.as_deref(), &e.notes, e.task_at);
        let after = match &change {
            Some((c, type_name)) => {
                let patient = c
                    .patient_id
                    .map_or_else(|| "no patient".to_owned(), |p| format!("patient {p}"));
                format!(
                    "{patient}, {}",
                    describe_entry(
                        type_name,
                        c.minutes,
                        c.stat_value.as_deref(),
                        &c.notes,
                        c.task_at
                    )
                )
            }
            None => "removed as a duplicate".to_owned(),
        };
        let before = format!(
            "{}, {before}",
            e.patient_id.map_or_else(|| "no patient".to_owned(), |p| format!("patient {p}"))
        );
        let detail = format!("reason: {reason}; before: {before}; after: {after}");
        let audit = audit_event(actor, "billing.correct", e.patient_id, detail);
        let month =
            YearMonth { year: e.billing_year, month: u32::try_from(e.billing_month).unwrap_or(1) };
        let patients = self.figures.billing_patients(month).await?;
        let amendment = NewAmendment {
            entry: e,
            change: change.as_ref().map(|(c, _)| c),
            reason,
            by: actor.id,
            before,
            after,
        };
        let tz = self.settings.time_zone;
        match self.store.amend_entry(&amendment, &patients, tz, &audit, Utc::now()).await? {
            Amended::Done(months) => Ok(Corrected::Done(months)),
            Amended::Refused(v) => Ok(Corrected::Refused(vec![v.message])),
        }
    }

    /// The entry with the correction's values, and its task type's name; None with `errors` filled
    /// when a value breaks a rule.
    async fn changed_entry(
        &self,
        e: &EntryRow,
        c: &Correction<'_>,
        errors: &mut Vec<String>,
    ) -> ServiceResult<Option<(NewEntry, String)>> {
        let types = self.store.task_types().await?;
        let task_type = match c.task_type.trim() {
            "" => types.iter().find(|t| t.id == e.task_type_id),
            raw => {
                raw.parse::<i64>().ok().and_then(|id| types.iter().find(|t| t.id == TaskTypeId(id)))
            }
        };
        let Some(task_type) = task_type else {
            errors.push(format!("Task type: \"{}\" is not a task type.", c.task_type.trim()));
            return Ok(None);
        };
        let kept_minutes = e.minutes.map(|m| m.to_string()).unwrap_or_default();
        let minutes = parse_minutes(task_type.time_rule, c.minutes.unwrap_or(&kept_minutes))
            .map_err(|v| errors.push(format!("Minutes: {}", v.message)))
            .ok()
            .flatten();
        let notes = c.notes.unwrap_or(&e.notes);
        if let Err(v) = check_notes(notes) {
            errors.push(format!("Notes: {}", v.message));
        }
        let patient_id = match c.patient.map(str::trim) {
            None => e.patient_id,
            Some("") => None,
            Some(raw) => match PatientId::parse(raw) {
                Some(id) if self.store.patient_detail(id).await?.is_some() => Some(id),
                _ => {
                    errors.push(format!("Patient: \"{raw}\" is not a patient's id."));
                    None
                }
            },
        };
        if patient_id.is_none() && task_type.needs_patient && errors.is_empty() {
            errors.push(format!(
                "Patient: \"{}\" is logged against a patient; give one.",
                task_type.name
            ));
        }
        let tz = self.settings.time_zone;
        let old_local = local_date(e.task_at, tz);
        let date = match c.date.trim() {
            "" => Some(old_local),
            raw => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
                Ok(d) if d > local_date(Utc::now(), tz) => {
                    errors.push(format!("Date: {d} is in the future."));
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(format!("Date: \"{raw}\" is not a date such as 2026-11-24."));
                    None
                }
            },
        };
        let Some(date) = date.filter(|_| errors.is_empty()) else {
            return Ok(None);
        };
        // The same time of day on the new date.
        let task_at = start_of_day(date, tz) + (e.task_at - start_of_day(old_local, tz));
        let local = local_date(task_at, tz);
        let entry = NewEntry {
            coordinator_id: e.coordinator_id,
            patient_id,
            task_type_id: task_type.id,
            task_category: task_type.category,
            minutes,
            stat_value: e.stat_value.clone(),
            notes: notes.trim().to_owned(),
            task_at,
            local_date: local,
            day: day_range(local, tz),
            generated_task_id: e.generated_task_id,
            above_average_confirmed: true,
        };
        Ok(Some((entry, task_type.name.clone())))
    }
}
