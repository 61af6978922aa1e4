//! An administrator's amendment of an entry (domain.md "Billing"): the entry changes or is removed
//! together with a row that keeps its values before and after, the reason, who and when; every closed
//! month it touches gets the patient's line again as its next version, and its per-coordinator
//! snapshot is written again. All in one transaction, under the same daily cap as any entry.

use std::collections::{BTreeMap, BTreeSet};

use carelog_domain::RuleViolation;
use carelog_domain::billing::{AmendmentAction, Fee};
use carelog_domain::billing_summary::{BillingRules, DateOfService, LineAmendment, line_of};
use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::practice_time::YearMonth;
use carelog_domain::schedule::TaskStatus;
use carelog_domain::time_rules::check_daily_cap;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};

use crate::ClosedMonth;
use crate::billed_record::{bump_month, closed_month_in, write_coordinator_summary, write_totals};
use crate::connection::{CoordinatorLock, at, lock_for_transaction};
use crate::patient_month::COUNTS_TOWARD_BILLING;
use crate::row::Query;
use crate::task_log::{EntryRow, NewEntry, day_minutes};
use crate::{PatientFacts, Result, Store, StoreError};

/// An amendment as the administrator made it.
pub struct NewAmendment<'a> {
    pub entry: &'a EntryRow,
    /// The entry's new values; None removes it as a duplicate.
    pub change: Option<&'a NewEntry>,
    pub reason: &'a str,
    pub by: UserId,
    /// The entry's values before and after, in words (the amendment row and the audit keep them).
    pub before: String,
    pub after: String,
}

/// What became of an amendment.
#[derive(Debug)]
pub enum Amended {
    /// Committed: the closed months whose record gained a line version.
    Done(Vec<YearMonth>),
    Refused(RuleViolation),
}

#[derive(FromQueryResult)]
struct CoordinatorMinutes {
    coordinator_id: UserId,
    minutes: i64,
    entries: i64,
}

#[derive(FromQueryResult)]
struct Timed {
    task_at: DateTime<Utc>,
    minutes: i64,
}

fn month_of(year: i32, month: i32) -> Option<YearMonth> {
    Some(YearMonth { year, month: u32::try_from(month).ok()? })
}

impl Store {
    pub async fn amend_entry(
        &self,
        a: &NewAmendment<'_>,
        patients: &[PatientFacts],
        tz: chrono_tz::Tz,
        audit: &crate::NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<Amended> {
        let entry = a.entry;
        let tx = self.begin_write().await?;
        lock_for_transaction(self, &tx, CoordinatorLock::Log, entry.coordinator_id).await?;
        if let Some(change) = a.change
            && let Some(minutes) = change.minutes
        {
            let logged =
                day_minutes(self, &tx, entry.coordinator_id, change.day, Some(entry.id)).await?;
            if let Err(v) = check_daily_cap(logged, i64::from(minutes), change.local_date) {
                return Ok(Amended::Refused(v));
            }
        }
        let action =
            if a.change.is_some() { AmendmentAction::Changed } else { AmendmentAction::Removed };
        let amendment_id: i64 = tx
            .scalar(self.stmt(
                "INSERT INTO entry_amendments (entry_id, action, reason, amended_by, amended_at, before_values, after_values)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                vec![
                    entry.id.into(),
                    action.into(),
                    a.reason.into(),
                    a.by.into(),
                    at(now),
                    a.before.clone().into(),
                    a.after.clone().into(),
                ],
            ))
            .await?
            .ok_or_else(|| StoreError::NotFound("the new amendment's id".into()))?;
        let mut touched: BTreeSet<(i64, YearMonth)> = BTreeSet::new();
        if let (Some(p), Some(m)) =
            (entry.patient_id, month_of(entry.billing_year, entry.billing_month))
        {
            touched.insert((p.get(), m));
        }
        match a.change {
            Some(change) => {
                let new_month = YearMonth::of(change.local_date);
                let changed = tx
                    .execute_raw(self.stmt(
                        "UPDATE coordinator_task_log SET patient_id = $1, task_type_id = $2, task_category = $3, minutes = $4,
                            notes = $5, task_at = $6, billing_year = $7, billing_month = $8, amendment_id = $9, modified_at = $10
                         WHERE id = $11",
                        vec![
                            change.patient_id.into(),
                            change.task_type_id.into(),
                            change.task_category.into(),
                            change.minutes.into(),
                            change.notes.clone().into(),
                            at(change.task_at),
                            new_month.year.into(),
                            (new_month.month as i32).into(),
                            amendment_id.into(),
                            at(now),
                            entry.id.into(),
                        ],
                    ))
                    .await?
                    .rows_affected();
                if changed == 0 {
                    return Err(StoreError::NotFound(format!("entry {}", entry.id)));
                }
                if let Some(p) = change.patient_id {
                    touched.insert((p.get(), new_month));
                }
            }
            None => {
                let reviewed = tx
                    .count(self.stmt(
                        "SELECT COUNT(*) AS n FROM qa_reviews WHERE task_log_id = $1",
                        vec![entry.id.into()],
                    ))
                    .await?;
                if reviewed > 0 {
                    return Ok(Amended::Refused(RuleViolation::new(
                        "entry",
                        "This entry has a QA review, so it stays: correct its minutes or notes instead.",
                    )));
                }
                tx.execute_raw(self.stmt(
                    "UPDATE generated_tasks SET status = $2, completed_at = NULL, task_log_id = NULL WHERE task_log_id = $1",
                    vec![entry.id.into(), TaskStatus::Pending.into()],
                ))
                .await?;
                let deleted = tx
                    .execute_raw(self.stmt(
                        "DELETE FROM coordinator_task_log WHERE id = $1",
                        vec![entry.id.into()],
                    ))
                    .await?
                    .rows_affected();
                if deleted == 0 {
                    return Err(StoreError::NotFound(format!("entry {}", entry.id)));
                }
            }
        }
        let line_amendment =
            LineAmendment { version: 0, reason: a.reason.to_owned(), by: Some(a.by), at: now };
        // Each closed month touched, once, with its close.
        let mut closes: BTreeMap<YearMonth, ClosedMonth> = BTreeMap::new();
        for (patient, month) in touched {
            let patient = PatientId(patient);
            if let Some(closed) =
                self.relined(&tx, patient, month, patients, &line_amendment, tz).await?
            {
                closes.insert(month, closed);
            }
        }
        for (month, closed) in &closes {
            let lines = crate::billed_record::record_in(self, &tx, closed, *month).await?;
            write_coordinator_summary(self, &tx, &lines, now).await?;
            write_totals(self, &tx, &lines).await?;
            bump_month(self, &tx, month.year * 100 + month.month as i32).await?;
        }
        let months: Vec<YearMonth> = closes.into_keys().collect();
        crate::audit::insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(Amended::Done(months))
    }

    /// Writes the patient's line of a closed month again as its next version, and answers the month's
    /// close; None when the month is open (or the patient has neither a line nor minutes in it).
    async fn relined(
        &self,
        tx: &DatabaseTransaction,
        patient: PatientId,
        month: YearMonth,
        patients: &[PatientFacts],
        amendment: &LineAmendment,
        tz: chrono_tz::Tz,
    ) -> Result<Option<ClosedMonth>> {
        let values = || vec![month.year.into(), (month.month as i32).into()];
        let Some(closed) = closed_month_in(self, tx, month).await? else {
            return Ok(None);
        };
        let mut with_patient = values();
        with_patient.push(patient.into());
        let version = tx
            .count(self.stmt(
                "SELECT CAST(MAX(version) AS BIGINT) AS n FROM billed_lines WHERE billing_year = $1 AND billing_month = $2 AND patient_id = $3",
                with_patient.clone(),
            ))
            .await?;
        let minutes: Vec<CoordinatorMinutes> = tx
            .rows(self.stmt(
                &format!(
                    "SELECT l.coordinator_id, SUM(l.minutes) AS minutes, COUNT(*) AS entries
                     FROM coordinator_task_log l JOIN task_types t ON t.id = l.task_type_id
                     WHERE l.billing_year = $1 AND l.billing_month = $2 AND l.patient_id = $3 AND {COUNTS_TOWARD_BILLING}
                     GROUP BY l.coordinator_id"
                ),
                with_patient.clone(),
            ))
            .await?;
        if version == 0 && minutes.is_empty() {
            return Ok(None);
        }
        let Some(facts) = patients.iter().find(|p| p.facts.patient_id == patient) else {
            return Err(StoreError::NotFound(format!("patient {patient}")));
        };
        // The minutes by day matter only when the date of service is the day the threshold was met.
        let timed: Vec<Timed> = if closed.date_of_service_rule() != DateOfService::ThresholdMet {
            Vec::new()
        } else {
            tx.rows(self.stmt(
                &format!(
                    "SELECT l.task_at, CAST(l.minutes AS BIGINT) AS minutes
                     FROM coordinator_task_log l JOIN task_types t ON t.id = l.task_type_id
                     WHERE l.billing_year = $1 AND l.billing_month = $2 AND l.patient_id = $3 AND {COUNTS_TOWARD_BILLING}
                     ORDER BY l.task_at"
                ),
                with_patient,
            ))
            .await?
        };
        let mut by_day: Vec<(NaiveDate, i64)> = Vec::new();
        for t in timed {
            crate::billing::add_to_day(&mut by_day, t.task_at, t.minutes, tz);
        }
        let fees: Vec<Fee> = self.billed_fees(month).await?;
        let record_rules = BillingRules {
            rule_set: closed.rule_set,
            target_minutes: closed.target(),
            fees: &fees,
            date_of_service: closed.date_of_service_rule(),
            place_of_service: closed.place_of_service(),
        };
        let mut of_month = facts.facts.clone();
        of_month.by_coordinator =
            minutes.iter().map(|m| (m.coordinator_id, m.minutes, m.entries)).collect();
        of_month.by_coordinator.sort();
        of_month.minutes_by_day = by_day;
        let mut line = line_of(month, &record_rules, of_month);
        let next = i32::try_from(version + 1).unwrap_or(i32::MAX);
        line.amendment = Some(LineAmendment { version: next, ..amendment.clone() });
        crate::billed_record::insert_line(self, tx, month, next, &line).await?;
        Ok(Some(closed))
    }
}
