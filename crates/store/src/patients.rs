use std::collections::HashMap;

use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::patient::{
    CareGapStatus, CarePlanState, CarePlanStatus, CodeSystem, Complexity, OnboardingStatus,
    PatientStatus, Program, display_name,
};
use carelog_domain::time_rules::Minutes;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{FromQueryResult, Value};

use crate::assignment_queue::waiting;
use crate::conditions::{Conditions, placeholders};
use crate::keys::key;
use crate::{Result, Store};

#[derive(Debug, Clone)]
pub struct PatientListRow {
    pub id: PatientId,
    pub name: String,
    pub chart_code: String,
    pub status: PatientStatus,
    pub facility: Option<String>,
    pub provider: Option<String>,
    pub coordinator: Option<String>,
    pub last_visit: Option<NaiveDate>,
    pub visit_interval_months: i32,
    pub open_gaps: i64,
}

/// A `PatientListRow` as read, before its name is put together.
#[derive(FromQueryResult)]
struct ListedPatient {
    id: PatientId,
    first_name: String,
    last_name: String,
    chart_code: String,
    status: PatientStatus,
    facility: Option<String>,
    provider: Option<String>,
    coordinator: Option<String>,
    last_visit: Option<NaiveDate>,
    visit_interval_months: i32,
    open_gaps: i64,
}

/// Who looks after a patient: nobody yet, or one coordinator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CareOwner {
    Unassigned,
    Coordinator(UserId),
}

impl CareOwner {
    pub fn coordinator(self) -> Option<UserId> {
        match self {
            CareOwner::Unassigned => None,
            CareOwner::Coordinator(id) => Some(id),
        }
    }
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct PatientDetail {
    pub id: PatientId,
    /// "Last, First", filled in after the row is read.
    #[sea_orm(skip)]
    pub name: String,
    pub first_name: String,
    pub last_name: String,
    pub chart_code: String,
    pub dob: NaiveDate,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub insurance_primary: Option<String>,
    pub insurance_policy: Option<String>,
    pub facility: Option<String>,
    pub provider_id: Option<i64>,
    pub provider: Option<String>,
    pub coordinator_id: Option<UserId>,
    pub coordinator: Option<String>,
    pub status: PatientStatus,
    pub program: Program,
    pub complexity: Complexity,
    pub consent_date: Option<NaiveDate>,
    pub chronic_conditions: i32,
    pub care_plan_status: CarePlanStatus,
    pub care_gap_status: CareGapStatus,
    pub language: String,
    pub onboarding_status: OnboardingStatus,
    pub visit_interval_months: i32,
    pub last_visit: Option<NaiveDate>,
    #[sea_orm(skip)]
    pub special_needs: Vec<String>,
    #[sea_orm(skip)]
    pub open_gaps: Vec<String>,
    #[sea_orm(skip)]
    pub recent_activity: Vec<RecentActivity>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct RecentActivity {
    pub task_at: DateTime<Utc>,
    pub task_type: String,
    pub minutes: Option<Minutes>,
    pub coordinator: String,
}

/// How many of a patient's latest log entries their detail shows.
const RECENT_ACTIVITY: i64 = 10;

/// A line of text about one of several patients (a special need, an open care gap).
#[derive(FromQueryResult)]
struct PatientText {
    patient_id: PatientId,
    text: String,
}

/// One of several patients' recent entries.
#[derive(FromQueryResult)]
struct PatientActivity {
    patient_id: PatientId,
    #[sea_orm(nested)]
    activity: RecentActivity,
}

/// Rows of several patients, each patient's in the order read.
fn by_patient<T>(rows: impl Iterator<Item = (PatientId, T)>) -> HashMap<PatientId, Vec<T>> {
    let mut grouped: HashMap<PatientId, Vec<T>> = HashMap::new();
    for (id, row) in rows {
        grouped.entry(id).or_default().push(row);
    }
    grouped
}

const LAST_VISIT: &str = "(SELECT MAX(v.visit_date) FROM visits v WHERE v.patient_id = p.id)";

/// The latest consent not withdrawn, any program.
const CONSENTED_ON: &str = "(SELECT MAX(c.obtained_on) FROM patient_consents c
    WHERE c.patient_id = p.id AND c.withdrawn_on IS NULL)";

/// Chronic diagnoses coded in ICD-10-CM and not resolved; the imported count while no diagnosis is
/// recorded.
fn chronic_now() -> String {
    format!(
        "(CASE WHEN EXISTS (SELECT 1 FROM patient_diagnoses d WHERE d.patient_id = p.id)
            THEN CAST((SELECT COUNT(*) FROM patient_diagnoses d
                       WHERE d.patient_id = p.id AND d.chronic = TRUE AND d.resolved_on IS NULL
                         AND d.code_system = {}) AS INTEGER)
            ELSE p.chronic_conditions END)",
        key(CodeSystem::Icd10Cm)
    )
}

/// The care plan's state from its versions: Active, else Draft, else Not Started.
fn care_plan_status() -> String {
    let has = |state: CarePlanState| {
        format!(
            "EXISTS (SELECT 1 FROM care_plan_versions v WHERE v.patient_id = p.id AND v.state = {})",
            key(state)
        )
    };
    format!(
        "(CASE WHEN {} THEN {} WHEN {} THEN {} ELSE {} END)",
        has(CarePlanState::Active),
        key(CarePlanStatus::Active),
        has(CarePlanState::Draft),
        key(CarePlanStatus::Draft),
        key(CarePlanStatus::NotStarted)
    )
}

impl Store {
    /// Every patient on a caseload (`Some(coordinator)`) or in the practice (`None`), by name.
    pub async fn list_patients(
        &self,
        coordinator_id: Option<UserId>,
    ) -> Result<Vec<PatientListRow>> {
        Ok(self.patients_page(coordinator_id, None, i64::MAX, 0).await?.0)
    }

    /// A page of the patients on a caseload (`Some(coordinator)`) or of all patients (`None`), by
    /// name, of one status if given, and how many there are in all. The page is chosen over the
    /// patients alone and only its rows are joined and counted up (the API listed 100,000 with
    /// their visits and gaps to return 100).
    pub async fn patients_page(
        &self,
        coordinator_id: Option<UserId>,
        status: Option<PatientStatus>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<PatientListRow>, i64)> {
        let mut c = Conditions::default();
        if let Some(id) = coordinator_id {
            c.push("p.coordinator_id = ?", id);
        }
        if let Some(s) = status {
            c.push("p.status = ?", s);
        }
        let where_sql = c.where_sql();
        let total = self
            .count(&format!("SELECT COUNT(*) AS n FROM patients p {where_sql}"), c.values.clone())
            .await?;
        if limit <= 0 {
            return Ok((Vec::new(), total));
        }
        // Written in, not bound, as the queue's page: a plan reused for any limit sorted every row.
        let offset = offset.max(0);
        let order = "p.last_name, p.first_name, p.id";
        let rows: Vec<ListedPatient> = self
            .rows(
                &format!(
                    "SELECT p.id, p.first_name, p.last_name, p.chart_code, p.status, p.visit_interval_months,
                            f.name AS facility, pr.name AS provider, u.display_name AS coordinator, {LAST_VISIT} AS last_visit,
                            (SELECT COUNT(*) FROM care_gaps g WHERE g.patient_id = p.id AND g.status = {open}) AS open_gaps
                     FROM patients p
                     LEFT JOIN facilities f ON f.id = p.facility_id
                     LEFT JOIN providers pr ON pr.id = p.provider_id
                     LEFT JOIN users u ON u.id = p.coordinator_id
                     WHERE p.id IN (SELECT p.id FROM patients p {where_sql} ORDER BY {order} LIMIT {limit} OFFSET {offset})
                     ORDER BY {order}",
                    open = key(CareGapStatus::Open),
                ),
                c.values,
            )
            .await?;
        let rows = rows
            .into_iter()
            .map(|p| PatientListRow {
                id: p.id,
                name: display_name(&p.last_name, &p.first_name),
                chart_code: p.chart_code,
                status: p.status,
                facility: p.facility,
                provider: p.provider,
                coordinator: p.coordinator,
                last_visit: p.last_visit,
                visit_interval_months: p.visit_interval_months,
                open_gaps: p.open_gaps,
            })
            .collect();
        Ok((rows, total))
    }

    /// Who looks after a patient; `None` if there is no such patient.
    pub async fn patient_coordinator(&self, patient_id: PatientId) -> Result<Option<CareOwner>> {
        let coordinator: Option<Option<UserId>> = self
            .scalar("SELECT coordinator_id FROM patients WHERE id = $1", vec![patient_id.into()])
            .await?;
        Ok(coordinator.map(|c| c.map_or(CareOwner::Unassigned, CareOwner::Coordinator)))
    }

    pub async fn patient_detail(&self, patient_id: PatientId) -> Result<Option<PatientDetail>> {
        Ok(self.patient_details(&[patient_id]).await?.pop())
    }

    /// The details of those of `ids` that exist, in the order given: four statements for the lot
    /// (a FHIR page of 100 patients read them one by one, 400 statements).
    pub async fn patient_details(&self, ids: &[PatientId]) -> Result<Vec<PatientDetail>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<Value> = ids.iter().map(|id| (*id).into()).collect();
        let marks = placeholders(ids.len());
        let read: Vec<PatientDetail> = self
            .rows(
                &format!(
                    "SELECT p.id, p.first_name, p.last_name, p.chart_code, p.dob, p.phone, p.email, p.address,
                            p.insurance_primary, p.insurance_policy, p.provider_id, p.coordinator_id, p.status, p.program, p.complexity,
                            p.care_gap_status, p.language, p.onboarding_status, p.visit_interval_months,
                            {CONSENTED_ON} AS consent_date, {} AS chronic_conditions,
                            {} AS care_plan_status,
                            f.name AS facility, pr.name AS provider, u.display_name AS coordinator, {LAST_VISIT} AS last_visit
                     FROM patients p
                     LEFT JOIN facilities f ON f.id = p.facility_id
                     LEFT JOIN providers pr ON pr.id = p.provider_id
                     LEFT JOIN users u ON u.id = p.coordinator_id
                     WHERE p.id IN ({marks})",
                    chronic_now(),
                    care_plan_status()
                ),
                list.clone(),
            )
            .await?;
        let needs: Vec<PatientText> = self
            .rows(
                &format!(
                    "SELECT patient_id, need AS text FROM patient_special_needs WHERE patient_id IN ({marks})
                     ORDER BY patient_id, need"
                ),
                list.clone(),
            )
            .await?;
        let gaps: Vec<PatientText> = self
            .rows(
                &format!(
                    "SELECT patient_id, description AS text FROM care_gaps WHERE patient_id IN ({marks}) AND status = {}
                     ORDER BY patient_id, opened_on, id",
                    key(CareGapStatus::Open)
                ),
                list.clone(),
            )
            .await?;
        // Each patient's ten latest entries, numbered within the patient.
        let activity: Vec<PatientActivity> = self
            .rows(
                &format!(
                    "SELECT patient_id, task_at, task_type, minutes, coordinator FROM (
                       SELECT l.patient_id, l.task_at, l.id, t.name AS task_type, l.minutes, u.display_name AS coordinator,
                              ROW_NUMBER() OVER (PARTITION BY l.patient_id ORDER BY l.task_at DESC, l.id DESC) AS latest
                       FROM coordinator_task_log l JOIN task_types t ON t.id = l.task_type_id JOIN users u ON u.id = l.coordinator_id
                       WHERE l.patient_id IN ({marks})) recent
                     WHERE latest <= {RECENT_ACTIVITY} ORDER BY patient_id, task_at DESC, id DESC"
                ),
                list,
            )
            .await?;
        let mut needs = by_patient(needs.into_iter().map(|n| (n.patient_id, n.text)));
        let mut gaps = by_patient(gaps.into_iter().map(|g| (g.patient_id, g.text)));
        let mut activity = by_patient(activity.into_iter().map(|a| (a.patient_id, a.activity)));
        let mut read: HashMap<PatientId, PatientDetail> =
            read.into_iter().map(|d| (d.id, d)).collect();
        Ok(ids
            .iter()
            .filter_map(|id| read.remove(id))
            .map(|mut detail| {
                detail.name = display_name(&detail.last_name, &detail.first_name);
                detail.special_needs = needs.remove(&detail.id).unwrap_or_default();
                detail.open_gaps = gaps.remove(&detail.id).unwrap_or_default();
                detail.recent_activity = activity.remove(&detail.id).unwrap_or_default();
                detail
            })
            .collect())
    }

    /// Patients waiting for a coordinator (seed 001 §3.1), for the Tab 3 count.
    pub async fn assignment_queue_length(&self) -> Result<i64> {
        let from = crate::assignment_queue::waiting_patients_from(self.engine());
        let sql = format!("SELECT COUNT(*) AS n {from} WHERE {}", waiting());
        self.count(&sql, vec![]).await
    }
}
