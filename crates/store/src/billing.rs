//! What the monthly billing summary reads: each patient-month's billable minutes by coordinator, the
//! patient's compliance facts, and the fee schedule.

use std::collections::HashMap;

use carelog_domain::billing_summary::PatientMonth;
use carelog_domain::patient::{Program, display_name};
use carelog_domain::practice_time::YearMonth;

use crate::row::get;
use crate::{Result, Store};

/// What billing needs of a patient whatever the month, and whether an empty month still lists them.
#[derive(Debug, Clone)]
pub(crate) struct PatientFacts {
    /// With no minutes yet: `by_coordinator` is filled per month.
    pub facts: PatientMonth,
    /// Active and on a caseload: listed even in a month without minutes, so too little time shows as
    /// not billable instead of vanishing.
    pub on_caseload: bool,
}

/// The month's billable minutes: patient → [(coordinator, minutes, entries)].
pub(crate) type MinutesByPatient = HashMap<i64, Vec<(i64, i64, i64)>>;

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

impl Store {
    /// Every patient in name order, as billing sees them.
    pub(crate) async fn billing_patients(&self) -> Result<Vec<PatientFacts>> {
        let rows = self
            .all(
                "SELECT p.id, p.chart_code, p.first_name, p.last_name, p.program, p.complex_ccm, p.chronic_conditions, p.consent_date,
                        p.care_plan_status, p.coordinator_id, p.status
                 FROM patients p ORDER BY p.last_name, p.first_name, p.id",
                vec![],
            )
            .await?;
        rows.iter()
            .map(|r| {
                let program: String = get(r, "program")?;
                let coordinator: Option<i64> = get(r, "coordinator_id")?;
                Ok(PatientFacts {
                    facts: PatientMonth {
                        patient_id: get(r, "id")?,
                        chart_code: get(r, "chart_code")?,
                        name: display_name(
                            &get::<String>(r, "last_name")?,
                            &get::<String>(r, "first_name")?,
                        ),
                        // The CHECK-less text column may hold an unknown program; such a patient bills as CCM
                        // and the gates then judge it.
                        program: Program::parse(&program).unwrap_or(Program::Ccm),
                        complex: get(r, "complex_ccm")?,
                        chronic_conditions: get(r, "chronic_conditions")?,
                        consent_date: get(r, "consent_date")?,
                        care_plan_active: get::<String>(r, "care_plan_status")? == "Active",
                        current_coordinator: coordinator,
                        by_coordinator: Vec::new(),
                    },
                    on_caseload: get::<String>(r, "status")? == "Active" && coordinator.is_some(),
                })
            })
            .collect()
    }

    /// The month's billable minutes by patient and coordinator.
    pub(crate) async fn billing_minutes(&self, month: YearMonth) -> Result<MinutesByPatient> {
        let rows = self
            .all(
                "SELECT l.patient_id, l.coordinator_id, SUM(l.minutes) AS minutes, COUNT(*) AS entries
                 FROM coordinator_task_log l JOIN task_types t ON t.id = l.task_type_id
                 WHERE l.billing_year = $1 AND l.billing_month = $2 AND t.billable = TRUE AND l.patient_id IS NOT NULL AND l.minutes IS NOT NULL
                 GROUP BY l.patient_id, l.coordinator_id",
                vec![month.year.into(), (month.month as i32).into()],
            )
            .await?;
        let mut by_patient = MinutesByPatient::new();
        for r in &rows {
            by_patient.entry(get(r, "patient_id")?).or_default().push((
                get(r, "coordinator_id")?,
                get(r, "minutes")?,
                get(r, "entries")?,
            ));
        }
        Ok(by_patient)
    }

    /// The fee schedule: (code, year, cents).
    pub async fn fee_schedule(&self) -> Result<Vec<(String, i32, i64)>> {
        let rows = self
            .all(
                "SELECT code, fee_year, amount_cents FROM fee_schedule ORDER BY code, fee_year",
                vec![],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((get(r, "code")?, get(r, "fee_year")?, get(r, "amount_cents")?)))
            .collect()
    }

    /// Display names of users by id.
    pub async fn user_names(&self) -> Result<HashMap<i64, String>> {
        let rows = self.all("SELECT id, display_name FROM users", vec![]).await?;
        rows.iter().map(|r| Ok((get(r, "id")?, get(r, "display_name")?))).collect()
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
#[derive(Debug, Clone)]
pub struct ClosedMonth {
    pub closed_at: chrono::DateTime<chrono::Utc>,
    pub closed_by: Option<String>,
    pub rule_set: String,
}

impl Store {
    /// Closes a month: snapshots each coordinator's figures into `coordinator_billing_summary` and marks
    /// the month closed, in one transaction. A month closes once.
    pub async fn close_month(
        &self,
        summary: &carelog_domain::billing_summary::MonthSummary,
        closed_by: i64,
        audit: &crate::NewAuditEvent<'_>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        use sea_orm::ConnectionTrait;
        let (year, month) = (summary.month.year, summary.month.month as i32);
        let tx = self.begin_write().await?;
        let inserted = tx
            .execute_raw(self.stmt(
                "INSERT INTO billing_months (billing_year, billing_month, status, rule_set, closed_at, closed_by) VALUES ($1, $2, 'closed', $3, $4, $5)
                 ON CONFLICT (billing_year, billing_month) DO NOTHING",
                vec![year.into(), month.into(), summary.rule_set.key().into(), crate::connection::at(now), closed_by.into()],
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
                    summary.rule_set.key().into(),
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
        let row = self
            .one(
                "SELECT b.closed_at, u.display_name AS closed_by, b.rule_set FROM billing_months b LEFT JOIN users u ON u.id = b.closed_by
                 WHERE b.billing_year = $1 AND b.billing_month = $2 AND b.status = 'closed'",
                vec![month.year.into(), (month.month as i32).into()],
            )
            .await?;
        row.map(|r| {
            Ok(ClosedMonth {
                closed_at: get(&r, "closed_at")?,
                closed_by: get(&r, "closed_by")?,
                rule_set: get(&r, "rule_set")?,
            })
        })
        .transpose()
    }

    /// The snapshot taken when a month closed: (coordinator, minutes, codes, cents, tasks, patients).
    pub async fn billing_snapshot(
        &self,
        month: YearMonth,
    ) -> Result<Vec<(i64, i32, String, Option<i64>, i32, i32)>> {
        let rows = self
            .all(
                "SELECT coordinator_id, total_minutes, billing_codes, estimated_reimbursement_cents, task_count, patient_count
                 FROM coordinator_billing_summary WHERE billing_year = $1 AND billing_month = $2 ORDER BY coordinator_id",
                vec![month.year.into(), (month.month as i32).into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    get(r, "coordinator_id")?,
                    get(r, "total_minutes")?,
                    get(r, "billing_codes")?,
                    get(r, "estimated_reimbursement_cents")?,
                    get(r, "task_count")?,
                    get(r, "patient_count")?,
                ))
            })
            .collect()
    }

    /// An admin's correction of any entry (in a closed month too); the audit event carries the reason.
    pub async fn correct_entry(
        &self,
        id: i64,
        minutes: Option<i32>,
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
