//! One definition of a patient-month. An entry belongs to the billing month stamped on it when it
//! was written (its practice-local date: `billing_year`, `billing_month`), and its minutes count
//! toward billing when its task type is billable and it names a patient. The panel, the record, the
//! needs-time list, the header, the billing summary and its drill-down all read months this way.

use carelog_domain::ids::PatientId;
use carelog_domain::practice_time::YearMonth;
use sea_orm::{FromQueryResult, Value};

use crate::{Result, Store};

/// The entry `l`, joined to its task type `t`, counts toward billing.
pub(crate) const COUNTS_TOWARD_BILLING: &str =
    "t.billable = TRUE AND l.patient_id IS NOT NULL AND l.minutes IS NOT NULL";

/// The entry `l` falls in the billing month bound at placeholders `$year`, `$month`.
pub(crate) fn in_month(year: usize, month: usize) -> String {
    format!("l.billing_year = ${year} AND l.billing_month = ${month}")
}

/// A month as the two values [`in_month`] binds.
pub(crate) fn month_values(month: YearMonth) -> [Value; 2] {
    [month.year.into(), (month.month as i32).into()]
}

/// The billable minutes of the patient `patient` (an SQL expression) in the month bound at `$year`,
/// `$month`: a scalar subquery.
pub(crate) fn billable_minutes(patient: &str, year: usize, month: usize) -> String {
    format!(
        "(SELECT COALESCE(SUM(l.minutes), 0) FROM coordinator_task_log l JOIN task_types t ON t.id = l.task_type_id
          WHERE l.patient_id = {patient} AND {} AND {COUNTS_TOWARD_BILLING})",
        in_month(year, month)
    )
}

/// Every minute logged for the patient `patient` in the month, billable or not: a scalar subquery.
pub(crate) fn logged_minutes(patient: &str, year: usize, month: usize) -> String {
    format!(
        "(SELECT COALESCE(SUM(l.minutes), 0) FROM coordinator_task_log l WHERE l.patient_id = {patient} AND {})",
        in_month(year, month)
    )
}

/// A patient's minutes in one month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromQueryResult)]
pub struct PatientMonthMinutes {
    /// Every minute logged for the patient.
    pub logged: i64,
    /// The minutes that count toward billing and the care-time target.
    pub billable: i64,
}

impl Store {
    pub async fn patient_month_minutes(
        &self,
        patient_id: PatientId,
        month: YearMonth,
    ) -> Result<PatientMonthMinutes> {
        let [year, month] = month_values(month);
        let minutes = self
            .row(
                &format!(
                    "SELECT {} AS logged, {} AS billable",
                    logged_minutes("$3", 1, 2),
                    billable_minutes("$3", 1, 2)
                ),
                vec![year, month, patient_id.into()],
            )
            .await?;
        Ok(minutes.unwrap_or_default())
    }
}
