//! What the monthly billing summary reads: each patient-month's billable minutes by coordinator, the
//! patient's compliance and claim facts, and the fee schedule.

use std::collections::HashMap;

use carelog_domain::billing::{Cents, Fee as DomainFee};
use carelog_domain::billing_summary::{PatientClaimFacts, PatientMonth, Practitioner};
use carelog_domain::enrollment::EnrollmentRecords;
use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::patient::{Program, Sex, display_name};
use carelog_domain::practice_time::YearMonth;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::FromQueryResult;

use crate::patient_month::{COUNTS_TOWARD_BILLING, in_month, month_values};

use crate::{Result, Store};

/// The settings naming the claims' date of service and place of service.
pub const DATE_OF_SERVICE_SETTING: &str = "claims.date_of_service";
pub const PLACE_OF_SERVICE_SETTING: &str = "claims.place_of_service";
/// Office (CMS place-of-service code 11): where care management is billed unless the practice says.
pub const DEFAULT_PLACE_OF_SERVICE: &str = "11";

/// What billing needs of a patient whatever the month.
#[derive(Debug, Clone)]
pub struct PatientFacts {
    /// With no minutes yet: `by_coordinator` is filled per month.
    pub facts: PatientMonth,
}

/// The month's billable minutes: patient → [(coordinator, minutes, entries)].
pub(crate) type MinutesByPatient = HashMap<PatientId, Vec<(UserId, i64, i64)>>;

/// The month's patient-months, in the patients' (name) order: those enrolled in the month and those
/// with billable minutes in it (domain.md: a patient recorded later never appears in earlier months).
pub(crate) fn patient_months(
    month: YearMonth,
    patients: &[PatientFacts],
    mut minutes: MinutesByPatient,
) -> Vec<PatientMonth> {
    patients
        .iter()
        .filter_map(|p| {
            let logged = minutes.remove(&p.facts.patient_id);
            if logged.is_none() && !p.facts.records.enrolled_in(month) {
                return None;
            }
            let mut of_month = p.facts.clone();
            of_month.by_coordinator = logged.unwrap_or_default();
            of_month.by_coordinator.sort();
            Some(of_month)
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
    enrolled_on: Option<NaiveDate>,
    enrollment_ended_on: Option<NaiveDate>,
    dob: NaiveDate,
    sex: Option<Sex>,
    member_id: Option<String>,
    payer: Option<String>,
    practitioner_id: Option<i64>,
    practitioner_name: Option<String>,
    practitioner_npi: Option<String>,
}

impl BillingPatient {
    fn facts(self, mut records: EnrollmentRecords) -> PatientFacts {
        let p = self;
        records.legacy_conditions = p.chronic_conditions;
        records.complex_now = p.complex_ccm;
        records.enrolled_on = p.enrolled_on;
        records.enrollment_ended_on = p.enrollment_ended_on;
        let practitioner = p.practitioner_id.map(|id| Practitioner {
            id,
            name: p.practitioner_name.unwrap_or_default(),
            npi: p.practitioner_npi,
        });
        PatientFacts {
            facts: PatientMonth {
                patient_id: p.id,
                chart_code: p.chart_code,
                name: display_name(&p.last_name, &p.first_name),
                program: p.program,
                records,
                current_coordinator: p.coordinator_id,
                by_coordinator: Vec::new(),
                claim: PatientClaimFacts {
                    birth_date: p.dob,
                    sex: p.sex,
                    member_id: p.member_id.filter(|m| !m.trim().is_empty()),
                    payer: p.payer.filter(|m| !m.trim().is_empty()),
                    practitioner,
                },
                minutes_by_day: Vec::new(),
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

#[derive(FromQueryResult)]
struct TimedMinutes {
    patient_id: PatientId,
    task_at: DateTime<Utc>,
    minutes: i64,
}

/// Adds minutes logged at `at` to `days` (practice-local days, in order, fed in time order).
pub(crate) fn add_to_day(
    days: &mut Vec<(NaiveDate, i64)>,
    at: DateTime<Utc>,
    minutes: i64,
    tz: chrono_tz::Tz,
) {
    let day = at.with_timezone(&tz).date_naive();
    match days.last_mut() {
        Some((last, total)) if *last == day => *total += minutes,
        _ => days.push((day, minutes)),
    }
}

/// A code's fee for a year, in cents: the expected allowed amount and the practice's charge.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Fee {
    pub code: String,
    pub fee_year: i32,
    pub amount_cents: Cents,
    pub charge_cents: Option<Cents>,
}

impl Fee {
    /// The fee as billing reads it: a charge not set is the allowed amount.
    pub fn as_domain(&self) -> DomainFee {
        DomainFee {
            code: self.code.clone(),
            year: self.fee_year,
            allowed: self.amount_cents,
            charge: self.charge_cents.unwrap_or(self.amount_cents),
        }
    }
}

/// One coordinator's figures as they were when the month closed (the known part of the amount).
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct SnapshotRow {
    pub coordinator_id: UserId,
    pub total_minutes: i32,
    pub billing_codes: String,
    pub estimated_reimbursement_cents: Option<i64>,
    pub lines_without_fee: i32,
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
                        p.coordinator_id, p.enrolled_on, p.enrollment_ended_on, p.dob, p.sex, p.member_id,
                        p.insurance_primary AS payer, pr.id AS practitioner_id, pr.name AS practitioner_name,
                        pr.npi AS practitioner_npi
                 FROM patients p LEFT JOIN providers pr ON pr.id = COALESCE(p.billing_provider_id, p.provider_id)
                 ORDER BY p.last_name, p.first_name, p.id",
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

    /// The month's billable minutes by patient and practice-local day, in day order.
    pub(crate) async fn billing_minutes_by_day(
        &self,
        month: YearMonth,
        tz: chrono_tz::Tz,
    ) -> Result<HashMap<PatientId, Vec<(NaiveDate, i64)>>> {
        let rows: Vec<TimedMinutes> = self
            .rows(
                &format!(
                    "SELECT l.patient_id, l.task_at, CAST(l.minutes AS BIGINT) AS minutes
                     FROM coordinator_task_log l JOIN task_types t ON t.id = l.task_type_id
                     WHERE {} AND {COUNTS_TOWARD_BILLING} ORDER BY l.task_at",
                    in_month(1, 2)
                ),
                month_values(month).to_vec(),
            )
            .await?;
        let mut by_patient: HashMap<PatientId, Vec<(NaiveDate, i64)>> = HashMap::new();
        for r in rows {
            add_to_day(by_patient.entry(r.patient_id).or_default(), r.task_at, r.minutes, tz);
        }
        Ok(by_patient)
    }

    pub async fn fee_schedule(&self) -> Result<Vec<Fee>> {
        self.rows(
            "SELECT code, fee_year, amount_cents, charge_cents FROM fee_schedule ORDER BY fee_year, code",
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

    /// Sets a code's fee and charge for a year (adding or replacing them).
    pub async fn set_fee(&self, code: &str, year: i32, cents: Cents, charge: Cents) -> Result<()> {
        self.exec(
            "INSERT INTO fee_schedule (code, fee_year, amount_cents, charge_cents) VALUES ($1, $2, $3, $4)
             ON CONFLICT (code, fee_year) DO UPDATE SET amount_cents = excluded.amount_cents, charge_cents = excluded.charge_cents",
            vec![code.into(), year.into(), cents.into(), charge.into()],
        )
        .await?;
        Ok(())
    }

    /// Copies every fee of `from` to `to` where `to` has none for the code; returns how many.
    pub async fn copy_fees(
        &self,
        from: i32,
        to: i32,
        audit: &crate::NewAuditEvent<'_>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64> {
        use sea_orm::ConnectionTrait;
        let tx = self.begin_write().await?;
        let copied = tx
            .execute_raw(self.stmt(
                "INSERT INTO fee_schedule (code, fee_year, amount_cents, charge_cents)
                 SELECT code, $2, amount_cents, charge_cents FROM fee_schedule WHERE fee_year = $1
                 ON CONFLICT (code, fee_year) DO NOTHING",
                vec![from.into(), to.into()],
            ))
            .await?
            .rows_affected();
        crate::audit::insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(copied)
    }
}
