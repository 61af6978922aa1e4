//! What the monthly billing summary reads: each patient-month's billable minutes by coordinator, the
//! patient's compliance facts, and the fee schedule.

use std::collections::HashMap;

use carelog_domain::billing_summary::PatientMonth;
use carelog_domain::patient::{Program, display_name};
use carelog_domain::practice_time::YearMonth;

use crate::row::get;
use crate::{Result, Store};

impl Store {
    /// Patients with billable minutes in the month, and active patients on a caseload (so a month with
    /// too little time is listed as not billable, never silently dropped).
    pub async fn billing_inputs(&self, month: YearMonth) -> Result<Vec<PatientMonth>> {
        let period = vec![month.year.into(), (month.month as i32).into()];
        let minutes = self
            .all(
                "SELECT l.patient_id, l.coordinator_id, SUM(l.minutes) AS minutes, COUNT(*) AS entries
                 FROM coordinator_task_log l JOIN task_types t ON t.id = l.task_type_id
                 WHERE l.billing_year = $1 AND l.billing_month = $2 AND t.billable = TRUE AND l.patient_id IS NOT NULL AND l.minutes IS NOT NULL
                 GROUP BY l.patient_id, l.coordinator_id",
                period.clone(),
            )
            .await?;
        let mut by_patient: HashMap<i64, Vec<(i64, i64, i64)>> = HashMap::new();
        for r in &minutes {
            by_patient.entry(get(r, "patient_id")?).or_default().push((get(r, "coordinator_id")?, get(r, "minutes")?, get(r, "entries")?));
        }
        let rows = self
            .all(
                "SELECT p.id, p.chart_code, p.first_name, p.last_name, p.program, p.complex_ccm, p.chronic_conditions, p.consent_date,
                        p.care_plan_status, p.coordinator_id
                 FROM patients p
                 WHERE (p.status = 'Active' AND p.coordinator_id IS NOT NULL)
                    OR EXISTS (SELECT 1 FROM coordinator_task_log l WHERE l.patient_id = p.id AND l.billing_year = $1 AND l.billing_month = $2)
                 ORDER BY p.last_name, p.first_name, p.id",
                period,
            )
            .await?;
        rows.iter()
            .map(|r| {
                let id: i64 = get(r, "id")?;
                let program: String = get(r, "program")?;
                let mut by_coordinator = by_patient.remove(&id).unwrap_or_default();
                by_coordinator.sort();
                Ok(PatientMonth {
                    patient_id: id,
                    chart_code: get(r, "chart_code")?,
                    name: display_name(&get::<String>(r, "last_name")?, &get::<String>(r, "first_name")?),
                    // The CHECK-less text column may hold an unknown program; such a patient bills as CCM
                    // and the gates then judge it.
                    program: Program::parse(&program).unwrap_or(Program::Ccm),
                    complex: get(r, "complex_ccm")?,
                    chronic_conditions: get(r, "chronic_conditions")?,
                    consent_date: get(r, "consent_date")?,
                    care_plan_active: get::<String>(r, "care_plan_status")? == "Active",
                    current_coordinator: get(r, "coordinator_id")?,
                    by_coordinator,
                })
            })
            .collect()
    }

    /// The fee schedule: (code, year, cents).
    pub async fn fee_schedule(&self) -> Result<Vec<(String, i32, i64)>> {
        let rows = self.all("SELECT code, fee_year, amount_cents FROM fee_schedule ORDER BY code, fee_year", vec![]).await?;
        rows.iter().map(|r| Ok((get(r, "code")?, get(r, "fee_year")?, get(r, "amount_cents")?))).collect()
    }

    /// Display names of users by id.
    pub async fn user_names(&self) -> Result<HashMap<i64, String>> {
        let rows = self.all("SELECT id, display_name FROM users", vec![]).await?;
        rows.iter().map(|r| Ok((get(r, "id")?, get(r, "display_name")?))).collect()
    }
}

impl Store {
    /// The month's summary under `rule_set`, or under the admin's chosen rule set when None.
    pub async fn billing_summary(
        &self,
        month: YearMonth,
        rule_set: Option<carelog_domain::billing::RuleSet>,
    ) -> Result<carelog_domain::billing_summary::MonthSummary> {
        use carelog_domain::billing::RuleSet;
        let chosen = match rule_set {
            Some(r) => r,
            None => self.setting("billing.rule_set").await?.and_then(|s| RuleSet::parse(&s).ok()).unwrap_or(RuleSet::Seed),
        };
        let target = self.monthly_target_minutes().await?;
        let inputs = self.billing_inputs(month).await?;
        let fees = self.fee_schedule().await?;
        Ok(carelog_domain::billing_summary::summarize(month, chosen, target, inputs, &fees))
    }
}

impl Store {
    pub async fn set_setting(&self, key: &str, value: &str, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
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
