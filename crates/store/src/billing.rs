//! What the monthly billing summary reads: each patient-month's billable minutes by coordinator, the
//! patient's compliance facts, and the fee schedule.

use carelog_domain::ids::{EntryId, PatientId, UserId};
use carelog_domain::time_rules::Minutes;
use std::collections::HashMap;

use carelog_domain::billing::{MonthStatus, RuleSet};
use carelog_domain::billing_summary::PatientMonth;
use carelog_domain::enrollment::EnrollmentRecords;
use carelog_domain::patient::{PatientStatus, Program, display_name};
use carelog_domain::practice_time::YearMonth;
use sea_orm::FromQueryResult;

use crate::patient_month::{COUNTS_TOWARD_BILLING, in_month, month_values};

use crate::{Result, Store};

/// What billing needs of a patient whatever the month, and whether an empty month still lists them.
#[derive(Debug, Clone)]
pub struct PatientFacts {
    /// With no minutes yet: `by_coordinator` is filled per month.
    pub facts: PatientMonth,
    /// Active and on a caseload: listed even in a month without minutes, so too little time shows as
    /// not billable instead of vanishing.
    pub on_caseload: bool,
}

/// The month's billable minutes: patient → [(coordinator, minutes, entries)].
pub(crate) type MinutesByPatient = HashMap<PatientId, Vec<(UserId, i64, i64)>>;

/// The month's patient-months, in the patients' (name) order: those on a caseload and those with
/// minutes.
pub(crate) fn patient_months(
    patients: &[PatientFacts],
    mut minutes: MinutesByPatient,
) -> Vec<PatientMonth> {
    patients
        .iter()
        .filter_map(|p| {
            let logged = minutes.remove(&p.facts.patient_id);
            if logged.is_none() && !p.on_caseload {
                return None;
            }
            let mut month = p.facts.clone();
            month.by_coordinator = logged.unwrap_or_default();
            month.by_coordinator.sort();
            Some(month)
        })
        .collect()
}

#[derive(FromQueryResult)]
struct BillingPatient {
    id: PatientId,
    chart_code: String,
    first_name: String,
    last_name: String,
    program: Program,
    complex_ccm: bool,
    chronic_conditions: i32,
    coordinator_id: Option<UserId>,
    status: PatientStatus,
    enrolled_on: Option<chrono::NaiveDate>,
    enrollment_ended_on: Option<chrono::NaiveDate>,
}

impl BillingPatient {
    fn facts(self, mut records: EnrollmentRecords) -> PatientFacts {
        let p = self;
        records.legacy_conditions = p.chronic_conditions;
        records.complex_now = p.complex_ccm;
        records.enrolled_on = p.enrolled_on;
        records.enrollment_ended_on = p.enrollment_ended_on;
        PatientFacts {
            on_caseload: p.status == PatientStatus::Active && p.coordinator_id.is_some(),
            facts: PatientMonth {
                patient_id: p.id,
                chart_code: p.chart_code,
                name: display_name(&p.last_name, &p.first_name),
                program: p.program,
                records,
                current_coordinator: p.coordinator_id,
                by_coordinator: Vec::new(),
            },
        }
    }
}

#[derive(FromQueryResult)]
struct CoordinatorMinutes {
    patient_id: PatientId,
    coordinator_id: UserId,
    minutes: i64,
    entries: i64,
}

/// A code's fee for a year, in cents.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Fee {
    pub code: String,
    pub fee_year: i32,
    pub amount_cents: i64,
}

/// One coordinator's figures as they were when the month closed.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct SnapshotRow {
    pub coordinator_id: UserId,
    pub total_minutes: i32,
    pub billing_codes: String,
    pub estimated_reimbursement_cents: Option<i64>,
    pub task_count: i32,
    pub patient_count: i32,
}

#[derive(FromQueryResult)]
struct UserName {
    id: UserId,
    display_name: String,
}

impl Store {
    /// Every patient in name order, as billing sees them.
    /// (Kept by `carelog_app::figures` under scope 0's counter.)
    pub async fn billing_patients(&self) -> Result<Vec<PatientFacts>> {
        let rows: Vec<BillingPatient> = self
            .rows(
                "SELECT p.id, p.chart_code, p.first_name, p.last_name, p.program, p.complex_ccm, p.chronic_conditions,
                        p.coordinator_id, p.status, p.enrolled_on, p.enrollment_ended_on
                 FROM patients p ORDER BY p.last_name, p.first_name, p.id",
                vec![],
            )
            .await?;
        let mut records = self.all_enrollment_records().await?;
        Ok(rows
            .into_iter()
            .map(|p| {
                let of_patient = records.remove(&p.id).unwrap_or_default();
                p.facts(of_patient)
            })
            .collect())
    }

    /// The month's billable minutes by patient and coordinator.
    pub(crate) async fn billing_minutes(&self, month: YearMonth) -> Result<MinutesByPatient> {
        let rows: Vec<CoordinatorMinutes> = self
            .rows(
                &format!(
                    "SELECT l.patient_id, l.coordinator_id, SUM(l.minutes) AS minutes, COUNT(*) AS entries
                     FROM coordinator_task_log l JOIN task_types t ON t.id = l.task_type_id
                     WHERE {} AND {COUNTS_TOWARD_BILLING}
                     GROUP BY l.patient_id, l.coordinator_id",
                    in_month(1, 2)
                ),
                month_values(month).to_vec(),
            )
            .await?;
        let mut by_patient = MinutesByPatient::new();
        for r in rows {
            by_patient.entry(r.patient_id).or_default().push((
                r.coordinator_id,
                r.minutes,
                r.entries,
            ));
        }
        Ok(by_patient)
    }

    pub async fn fee_schedule(&self) -> Result<Vec<Fee>> {
        self.rows(
            "SELECT code, fee_year, amount_cents FROM fee_schedule ORDER BY code, fee_year",
            vec![],
        )
        .await
    }

    /// Display names of users by id.
    pub async fn user_names(&self) -> Result<HashMap<UserId, String>> {
        let rows: Vec<UserName> = self.rows("SELECT id, display_name FROM users", vec![]).await?;
        Ok(rows.into_iter().map(|u| (u.id, u.display_name)).collect())
    }
}

impl Store {
    pub async fn set_setting(
        &self,
        key: &str,
        value: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        self.exec(
            "INSERT INTO settings (setting_key, setting_value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (setting_key) DO UPDATE SET setting_value = excluded.setting_value, updated_at = excluded.updated_at",
            vec![key.into(), value.into(), crate::connection::at(now)],
        )
        .await?;
        Ok(())
    }

    /// Sets a code's fee for a year (adding or replacing it).
    pub async fn set_fee(&self, code: &str, year: i32, cents: i64) -> Result<()> {
        self.exec(
            "INSERT INTO fee_schedule (code, fee_year, amount_cents) VALUES ($1, $2, $3)
             ON CONFLICT (code, fee_year) DO UPDATE SET amount_cents = excluded.amount_cents",
            vec![code.into(), year.into(), cents.into()],
        )
        .await?;
        Ok(())
    }
}

/// A closed month: when, by whom, under which rule set.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ClosedMonth {
    pub closed_at: chrono::DateTime<chrono::Utc>,
    pub closed_by: Option<String>,
    pub rule_set: RuleSet,
}

impl Store {
    /// Closes a month: snapshots each coordinator's figures into `coordinator_billing_summary` and marks
    /// the month closed, in one transaction. A month closes once.
    pub async fn close_month(
        &self,
        summary: &carelog_domain::billing_summary::MonthSummary,
        closed_by: UserId,
        audit: &crate::NewAuditEvent<'_>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        use sea_orm::ConnectionTrait;
        let (year, month) = (summary.month.year, summary.month.month as i32);
        let tx = self.begin_write().await?;
        let inserted = tx
            .execute_raw(self.stmt(
                "INSERT INTO billing_months (billing_year, billing_month, status, rule_set, closed_at, closed_by) VALUES ($1, $2, $6, $3, $4, $5)
                 ON CONFLICT (billing_year, billing_month) DO NOTHING",
                vec![
                    year.into(),
                    month.into(),
                    summary.rule_set.into(),
                    crate::connection::at(now),
                    closed_by.into(),
                    MonthStatus::Closed.into(),
                ],
            ))
            .await?
            .rows_affected();
        if inserted == 0 {
            return Err(crate::StoreError::AlreadyExists(format!(
                "the close of {}",
                summary.month
            )));
        }
        for c in &summary.coordinators {
            tx.execute_raw(self.stmt(
                "INSERT INTO coordinator_billing_summary (coordinator_id, billing_year, billing_month, total_minutes, billing_codes,
                    estimated_reimbursement_cents, task_count, patient_count, rule_set, generated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                vec![
                    c.coordinator_id.into(),
                    year.into(),
                    month.into(),
                    (c.minutes as i32).into(),
                    carelog_domain::billing_summary::codes_text(&c.codes).into(),
                    if c.fee_missing { None } else { Some(c.reimbursement) }.into(),
                    (c.tasks as i32).into(),
                    (c.patients as i32).into(),
                    summary.rule_set.into(),
                    crate::connection::at(now),
                ],
            ))
            .await?;
        }
        crate::audit::insert_audit(self, &*tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn closed_month(&self, month: YearMonth) -> Result<Option<ClosedMonth>> {
        self.row(
            "SELECT b.closed_at, u.display_name AS closed_by, b.rule_set FROM billing_months b LEFT JOIN users u ON u.id = b.closed_by
             WHERE b.billing_year = $1 AND b.billing_month = $2 AND b.status = $3",
            vec![month.year.into(), (month.month as i32).into(), MonthStatus::Closed.into()],
        )
        .await
    }

    /// The snapshot taken when a month closed, by coordinator.
    pub async fn billing_snapshot(&self, month: YearMonth) -> Result<Vec<SnapshotRow>> {
        self.rows(
            "SELECT coordinator_id, total_minutes, billing_codes, estimated_reimbursement_cents, task_count, patient_count
             FROM coordinator_billing_summary WHERE billing_year = $1 AND billing_month = $2 ORDER BY coordinator_id",
            vec![month.year.into(), (month.month as i32).into()],
        )
        .await
    }

    /// An admin's correction of any entry (in a closed month too); the audit event carries the reason.
    pub async fn correct_entry(
        &self,
        id: EntryId,
        minutes: Option<Minutes>,
        notes: &str,
        audit: &crate::NewAuditEvent<'_>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        use sea_orm::ConnectionTrait;
        let tx = self.begin_write().await?;
        let changed = tx
            .execute_raw(self.stmt(
                "UPDATE coordinator_task_log SET minutes = $1, notes = $2, modified_at = $3 WHERE id = $4",
                vec![minutes.into(), notes.into(), crate::connection::at(now), id.into()],
            ))
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(crate::StoreError::NotFound(format!("entry {id}")));
        }
        crate::audit::insert_audit(self, &*tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
