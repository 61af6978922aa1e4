//! The CM Log: entries written under the time rules, atomically. The daily cap and the double-submit
//! check read and write in one transaction that holds the coordinator's lock, so concurrent posts
//! can never pass 480 minutes (PostgreSQL: an advisory lock per coordinator; SQLite: BEGIN IMMEDIATE).

use carelog_domain::RuleViolation;
use carelog_domain::catalogue::TaskCategory;
use carelog_domain::ids::{EntryId, PatientId, TaskTypeId, UserId};
use carelog_domain::patient::{OnboardingStatus, OnboardingStep};
use carelog_domain::practice_time::{UtcRange, YearMonth};
use carelog_domain::schedule::TaskStatus;
use carelog_domain::time_rules::{
    DUPLICATE_WINDOW_SECONDS, EntryFingerprint, Minutes, check_daily_cap, double_submit_message,
    is_double_submit,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};

use crate::audit::{NewAuditEvent, insert_audit};
use crate::conditions::Conditions;
use crate::connection::{CoordinatorLock, at, lock_for_transaction};
use crate::onboarding::step_sql;
use crate::patient_month::{COUNTS_TOWARD_BILLING, in_month, month_values};
use crate::row::Query;
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone)]
pub struct NewEntry {
    pub coordinator_id: UserId,
    pub patient_id: Option<PatientId>,
    pub task_type_id: TaskTypeId,
    pub task_category: TaskCategory,
    pub minutes: Option<Minutes>,
    pub stat_value: Option<String>,
    pub notes: String,
    pub task_at: DateTime<Utc>,
    /// The practice-local date of `task_at`: the day the cap counts against, and the billing month.
    pub local_date: NaiveDate,
    /// The practice-local day `task_at` falls in, as a UTC range.
    pub day: UtcRange,
    pub generated_task_id: Option<i64>,
    pub above_average_confirmed: bool,
}

/// What became of a write that the time rules may refuse.
#[derive(Debug)]
pub enum Saved {
    Saved(EntryId),
    Refused(RuleViolation),
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct EntryRow {
    pub id: EntryId,
    pub coordinator_id: UserId,
    pub coordinator: String,
    pub patient_id: Option<PatientId>,
    pub patient_first: Option<String>,
    pub patient_last: Option<String>,
    pub task_type_id: TaskTypeId,
    pub task_type: String,
    pub task_category: TaskCategory,
    pub minutes: Option<Minutes>,
    pub stat_value: Option<String>,
    pub notes: String,
    pub task_at: DateTime<Utc>,
    pub is_automated: bool,
    pub generated_task_id: Option<i64>,
    pub billing_year: i32,
    pub billing_month: i32,
    /// The task type counts toward billing and the care-time target.
    pub task_billable: bool,
}

impl EntryRow {
    /// The entry's minutes that count as care time (billable type, naming a patient).
    pub fn care_minutes(&self) -> i64 {
        match (self.task_billable, self.patient_id, self.minutes) {
            (true, Some(_), Some(m)) => i64::from(m),
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub coordinator_id: Option<UserId>,
    pub patient_id: Option<PatientId>,
    pub task_type_id: Option<TaskTypeId>,
    pub range: Option<UtcRange>,
}

pub(crate) const ENTRY_COLUMNS: &str = "l.id, l.coordinator_id, u.display_name AS coordinator, l.patient_id, p.first_name AS patient_first,
        p.last_name AS patient_last, l.task_type_id, t.name AS task_type, l.task_category, l.minutes, l.stat_value, l.notes,
        l.task_at, l.is_automated, l.generated_task_id, l.billing_year, l.billing_month, t.billable AS task_billable";
pub(crate) const ENTRY_FROM: &str = "FROM coordinator_task_log l
    JOIN users u ON u.id = l.coordinator_id
    JOIN task_types t ON t.id = l.task_type_id
    LEFT JOIN patients p ON p.id = l.patient_id";

/// One entry behind a patient-month, and whether its minutes count toward billing.
#[derive(Debug, Clone, FromQueryResult)]
pub struct CountedEntry {
    #[sea_orm(nested)]
    pub entry: EntryRow,
    pub counts: bool,
}

/// Minutes and entries a coordinator logged in a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromQueryResult)]
pub struct Logged {
    pub minutes: i64,
    pub entries: i64,
}

#[derive(FromQueryResult)]
struct RecentEntry {
    patient_id: Option<PatientId>,
    task_type_id: TaskTypeId,
    minutes: Option<Minutes>,
    notes: String,
    created_at: DateTime<Utc>,
}

impl EntryFilter {
    fn conditions(&self) -> Conditions {
        let mut c = Conditions::default();
        if let Some(id) = self.coordinator_id {
            c.push("l.coordinator_id = ?", id);
        }
        if let Some(p) = self.patient_id {
            c.push("l.patient_id = ?", p);
        }
        if let Some(t) = self.task_type_id {
            c.push("l.task_type_id = ?", t);
        }
        if let Some(r) = self.range {
            c.push("l.task_at >= ?", at(r.start));
            c.push("l.task_at < ?", at(r.end));
        }
        c
    }
}

pub(crate) async fn day_minutes(
    store: &Store,
    tx: &DatabaseTransaction,
    coordinator_id: UserId,
    day: UtcRange,
    except: Option<EntryId>,
) -> Result<i64> {
    tx.count(store.stmt(
        "SELECT COALESCE(SUM(minutes), 0) AS n FROM coordinator_task_log
         WHERE coordinator_id = $1 AND task_at >= $2 AND task_at < $3 AND id <> $4",
        vec![
            coordinator_id.into(),
            at(day.start),
            at(day.end),
            except.map_or(-1, EntryId::get).into(),
        ],
    ))
    .await
}

async fn recent_fingerprints(
    store: &Store,
    tx: &DatabaseTransaction,
    coordinator_id: UserId,
    now: DateTime<Utc>,
) -> Result<Vec<(EntryFingerprint, DateTime<Utc>)>> {
    let recent: Vec<RecentEntry> = tx
        .rows(store.stmt(
            "SELECT patient_id, task_type_id, minutes, notes, created_at FROM coordinator_task_log WHERE coordinator_id = $1 AND created_at >= $2",
            vec![coordinator_id.into(), at(now - Duration::seconds(DUPLICATE_WINDOW_SECONDS))],
        ))
        .await?;
    Ok(recent
        .into_iter()
        .map(|r| {
            let fingerprint = EntryFingerprint {
                patient_id: r.patient_id,
                task_type_id: r.task_type_id,
                minutes: r.minutes,
                notes: r.notes,
            };
            (fingerprint, r.created_at)
        })
        .collect())
}

/// Describes an entry's values for the audit log.
pub fn describe_entry(
    task_type: &str,
    minutes: Option<Minutes>,
    stat_value: Option<&str>,
    notes: &str,
    task_at: DateTime<Utc>,
) -> String {
    let amount = match (minutes, stat_value) {
        (Some(m), _) => format!("{m} min"),
        (None, Some(v)) => format!("value {v}"),
        (None, None) => "no minutes".to_owned(),
    };
    format!(
        "{task_type}, {amount}, at {}, notes: \"{notes}\"",
        task_at.format("%Y-%m-%d %H:%M UTC")
    )
}

impl Store {
    /// Saves an entry under the daily cap and double-submit rules, with its audit event, or refuses it
    /// and changes nothing. Completes the generated task it answers, if any.
    pub async fn insert_entry(
        &self,
        entry: &NewEntry,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<Saved> {
        let tx = self.begin_write().await?;
        lock_for_transaction(self, &tx, CoordinatorLock::Log, entry.coordinator_id).await?;
        if let Some(minutes) = entry.minutes {
            let logged = day_minutes(self, &tx, entry.coordinator_id, entry.day, None).await?;
            if let Err(violation) = check_daily_cap(logged, i64::from(minutes), entry.local_date) {
                return Ok(Saved::Refused(violation));
            }
        }
        let fingerprint = EntryFingerprint {
            patient_id: entry.patient_id,
            task_type_id: entry.task_type_id,
            minutes: entry.minutes,
            notes: entry.notes.clone(),
        };
        if is_double_submit(
            &fingerprint,
            &recent_fingerprints(self, &tx, entry.coordinator_id, now).await?,
            now,
        ) {
            return Ok(Saved::Refused(RuleViolation::new("entry", double_submit_message())));
        }
        let id: EntryId = tx
            .scalar(self.stmt(
                "INSERT INTO coordinator_task_log (coordinator_id, patient_id, task_type_id, task_category, minutes, stat_value, notes, task_at,
                    billing_year, billing_month, is_automated, generated_task_id, above_average_confirmed, created_at, modified_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id",
                vec![
                    entry.coordinator_id.into(),
                    entry.patient_id.into(),
                    entry.task_type_id.into(),
                    entry.task_category.into(),
                    entry.minutes.into(),
                    entry.stat_value.clone().into(),
                    entry.notes.clone().into(),
                    at(entry.task_at),
                    chrono::Datelike::year(&entry.local_date).into(),
                    (chrono::Datelike::month(&entry.local_date) as i32).into(),
                    entry.generated_task_id.is_some().into(),
                    entry.generated_task_id.into(),
                    entry.above_average_confirmed.into(),
                    at(now),
                ],
            ))
            .await?
            .ok_or_else(|| StoreError::NotFound("the new entry's id".into()))?;
        if let Some(task_id) = entry.generated_task_id {
            let done = tx
                .execute_raw(self.stmt(
                    "UPDATE generated_tasks SET status = $5, completed_at = $1, task_log_id = $2
                     WHERE id = $3 AND coordinator_id = $4 AND status = $6",
                    vec![
                        at(now),
                        id.into(),
                        task_id.into(),
                        entry.coordinator_id.into(),
                        TaskStatus::Completed.into(),
                        TaskStatus::Pending.into(),
                    ],
                ))
                .await?;
            if done.rows_affected() == 0 {
                return Ok(Saved::Refused(RuleViolation::new(
                    "task",
                    "This task is no longer open: it was completed or cancelled already.",
                )));
            }
        }
        if let Some(patient) = entry.patient_id {
            // The first task logged for a newly assigned patient makes them Active (seed 001 §1.2).
            // Asked first: on PostgreSQL even an UPDATE of no rows fires the statement triggers that
            // move every cached billing and team figure.
            let onboarding: Option<OnboardingStatus> = tx
                .scalar(self.stmt(
                    "SELECT onboarding_status FROM patients WHERE id = $1",
                    vec![patient.into()],
                ))
                .await?;
            if onboarding.and_then(|s| OnboardingStep::FIRST_TASK.apply(s)).is_some() {
                let step = step_sql(OnboardingStep::FIRST_TASK, 1);
                let mut values = vec![patient.into()];
                values.extend(step.values);
                tx.execute_raw(self.stmt(
                    &format!(
                        "UPDATE patients SET onboarding_status = {} WHERE id = $1 AND onboarding_status IN {}",
                        step.to, step.from
                    ),
                    values,
                ))
                .await?;
            }
        }
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(Saved::Saved(id))
    }

    /// Completes the coordinator's pending generated task `task_id` with their entry `entry_id`,
    /// logged by hand for the same patient and task type, with the audit event. False (nothing
    /// changed) when the task is not theirs and open, or the entry not theirs, unlinked and matching.
    pub async fn complete_with_entry(
        &self,
        coordinator_id: UserId,
        task_id: i64,
        entry_id: EntryId,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let tx = self.begin_write().await?;
        let done = tx
            .execute_raw(self.stmt(
                "UPDATE generated_tasks SET status = $1, completed_at = $2, task_log_id = $3
                 WHERE id = $4 AND coordinator_id = $5 AND status = $6
                   AND EXISTS (SELECT 1 FROM coordinator_task_log l WHERE l.id = $3 AND l.coordinator_id = $5
                       AND l.generated_task_id IS NULL AND l.patient_id = generated_tasks.patient_id
                       AND l.task_type_id = generated_tasks.task_type_id)",
                vec![
                    TaskStatus::Completed.into(),
                    at(now),
                    entry_id.into(),
                    task_id.into(),
                    coordinator_id.into(),
                    TaskStatus::Pending.into(),
                ],
            ))
            .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        tx.execute_raw(self.stmt(
            "UPDATE coordinator_task_log SET generated_task_id = $1, is_automated = TRUE, modified_at = $2 WHERE id = $3",
            vec![task_id.into(), at(now), entry_id.into()],
        ))
        .await?;
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Changes an entry's minutes, value, notes or time under the same rules; the audit keeps old and new.
    pub async fn update_entry(
        &self,
        id: EntryId,
        changed: &NewEntry,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<Saved> {
        let tx = self.begin_write().await?;
        lock_for_transaction(self, &tx, CoordinatorLock::Log, changed.coordinator_id).await?;
        if let Some(minutes) = changed.minutes {
            let logged =
                day_minutes(self, &tx, changed.coordinator_id, changed.day, Some(id)).await?;
            if let Err(violation) = check_daily_cap(logged, i64::from(minutes), changed.local_date)
            {
                return Ok(Saved::Refused(violation));
            }
        }
        let updated = tx
            .execute_raw(self.stmt(
                "UPDATE coordinator_task_log SET patient_id = $1, task_type_id = $2, task_category = $3, minutes = $4, stat_value = $5,
                    notes = $6, task_at = $7, billing_year = $8, billing_month = $9, above_average_confirmed = $10, modified_at = $11
                 WHERE id = $12 AND coordinator_id = $13",
                vec![
                    changed.patient_id.into(),
                    changed.task_type_id.into(),
                    changed.task_category.into(),
                    changed.minutes.into(),
                    changed.stat_value.clone().into(),
                    changed.notes.clone().into(),
                    at(changed.task_at),
                    chrono::Datelike::year(&changed.local_date).into(),
                    (chrono::Datelike::month(&changed.local_date) as i32).into(),
                    changed.above_average_confirmed.into(),
                    at(now),
                    id.into(),
                    changed.coordinator_id.into(),
                ],
            ))
            .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("entry {id}")));
        }
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(Saved::Saved(id))
    }

    /// Deletes an entry (its audit event keeps the values) and reopens the generated task it completed.
    pub async fn delete_entry(
        &self,
        id: EntryId,
        coordinator_id: UserId,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        tx.execute_raw(self.stmt(
            "UPDATE generated_tasks SET status = $3, completed_at = NULL, task_log_id = NULL WHERE task_log_id = $1 AND coordinator_id = $2",
            vec![id.into(), coordinator_id.into(), TaskStatus::Pending.into()],
        ))
        .await?;
        let deleted = tx
            .execute_raw(self.stmt(
                "DELETE FROM coordinator_task_log WHERE id = $1 AND coordinator_id = $2",
                vec![id.into(), coordinator_id.into()],
            ))
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("entry {id}")));
        }
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn entry(&self, id: EntryId) -> Result<Option<EntryRow>> {
        self.row(&format!("SELECT {ENTRY_COLUMNS} {ENTRY_FROM} WHERE l.id = $1"), vec![id.into()])
            .await
    }

    /// Entries matching the filter, newest first.
    pub async fn entries(&self, filter: &EntryFilter, limit: u64) -> Result<Vec<EntryRow>> {
        self.entries_from(filter, limit as i64, 0).await
    }

    /// Entries newest first, `limit` of them after skipping `offset`.
    pub async fn entries_from(
        &self,
        filter: &EntryFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<EntryRow>> {
        let c = filter.conditions();
        let next = c.next_placeholder();
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} {ENTRY_FROM} {} ORDER BY l.task_at DESC, l.id DESC LIMIT ${next} OFFSET ${}",
            c.where_sql(),
            next + 1
        );
        let mut values = c.values;
        values.push(limit.into());
        values.push(offset.into());
        self.rows(&sql, values).await
    }

    /// Every entry of a patient's billing month, oldest first, each marked if it counts toward billing.
    pub async fn patient_month_entries(
        &self,
        patient_id: PatientId,
        month: YearMonth,
    ) -> Result<Vec<CountedEntry>> {
        let [year, month] = month_values(month);
        self.rows(
            &format!(
                "SELECT {ENTRY_COLUMNS}, CASE WHEN {COUNTS_TOWARD_BILLING} THEN TRUE ELSE FALSE END AS counts
                 {ENTRY_FROM} WHERE l.patient_id = $3 AND {} ORDER BY l.task_at, l.id",
                in_month(1, 2)
            ),
            vec![year, month, patient_id.into()],
        )
        .await
    }

    /// How many entries the filter matches.
    pub async fn count_entries(&self, filter: &EntryFilter) -> Result<i64> {
        let c = filter.conditions();
        self.count(
            &format!("SELECT COUNT(*) AS n FROM coordinator_task_log l {}", c.where_sql()),
            c.values,
        )
        .await
    }

    /// The estimate an active schedule gives a task type, if any schedule generates it.
    pub async fn schedule_estimate(&self, task_type_id: TaskTypeId) -> Result<Option<i32>> {
        let estimate: Option<Option<i32>> = self
            .scalar(
                "SELECT MAX(estimated_minutes) AS e FROM automated_task_schedule WHERE task_type_id = $1 AND is_active = TRUE",
                vec![task_type_id.into()],
            )
            .await?;
        Ok(estimate.flatten())
    }

    /// Minutes and entries a coordinator logged in a range.
    pub async fn logged_in(&self, coordinator_id: UserId, range: UtcRange) -> Result<Logged> {
        let logged = self
            .row(
                "SELECT COALESCE(SUM(minutes), 0) AS minutes, COUNT(*) AS entries FROM coordinator_task_log
                 WHERE coordinator_id = $1 AND task_at >= $2 AND task_at < $3",
                vec![coordinator_id.into(), at(range.start), at(range.end)],
            )
            .await?;
        Ok(logged.unwrap_or(Logged { minutes: 0, entries: 0 }))
    }
}
