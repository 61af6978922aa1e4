use carelog_domain::patient::display_name;
use carelog_domain::practice_time::UtcRange;
use chrono::{DateTime, NaiveDate, Utc};

use crate::panel::PanelFilter;

use crate::row::get;
use crate::{Result, Store};

#[derive(Debug, Clone)]
pub struct PatientListRow {
    pub id: i64,
    pub name: String,
    pub chart_code: String,
    pub status: String,
    pub facility: Option<String>,
    pub provider: Option<String>,
    pub coordinator: Option<String>,
    pub last_visit: Option<NaiveDate>,
    pub visit_interval_months: i32,
    pub open_gaps: i64,
}

/// Who looks after a patient: nobody yet, or one coordinator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CareOwner {
    Unassigned,
    Coordinator(i64),
}

impl CareOwner {
    pub fn coordinator(self) -> Option<i64> {
        match self {
            CareOwner::Unassigned => None,
            CareOwner::Coordinator(id) => Some(id),
        }
    }
}

#[derive(Debug, Clone)]
pub struct PatientDetail {
    pub id: i64,
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
    pub provider: Option<String>,
    pub coordinator_id: Option<i64>,
    pub coordinator: Option<String>,
    pub status: String,
    pub program: String,
    pub complexity: String,
    pub consent_date: Option<NaiveDate>,
    pub chronic_conditions: i32,
    pub care_plan_status: String,
    pub care_gap_status: String,
    pub language: String,
    pub onboarding_status: String,
    pub visit_interval_months: i32,
    pub last_visit: Option<NaiveDate>,
    pub special_needs: Vec<String>,
    pub open_gaps: Vec<String>,
    pub recent_activity: Vec<RecentActivity>,
}

#[derive(Debug, Clone)]
pub struct RecentActivity {
    pub task_at: DateTime<Utc>,
    pub task_type: String,
    pub minutes: Option<i32>,
    pub coordinator: String,
}

const LAST_VISIT: &str = "(SELECT MAX(v.visit_date) FROM visits v WHERE v.patient_id = p.id)";

impl Store {
    /// Patients on a caseload (`Some(coordinator)`) or all patients (`None`), by name: the panel's
    /// rows without the month's figures.
    pub async fn list_patients(&self, coordinator_id: Option<i64>) -> Result<Vec<PatientListRow>> {
        let no_month = UtcRange {
            start: chrono::DateTime::<Utc>::UNIX_EPOCH,
            end: chrono::DateTime::<Utc>::UNIX_EPOCH,
        };
        let rows = self
            .panel(&PanelFilter { coordinator_id, ..PanelFilter::default() }, no_month, "")
            .await?;
        Ok(rows
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
            .collect())
    }

    /// Who looks after a patient; `None` if there is no such patient.
    pub async fn patient_coordinator(&self, patient_id: i64) -> Result<Option<CareOwner>> {
        let row = self
            .one("SELECT coordinator_id FROM patients WHERE id = $1", vec![patient_id.into()])
            .await?;
        let coordinator: Option<Option<i64>> =
            row.map(|r| get(&r, "coordinator_id")).transpose()?;
        Ok(coordinator.map(|c| c.map_or(CareOwner::Unassigned, CareOwner::Coordinator)))
    }

    pub async fn patient_detail(&self, patient_id: i64) -> Result<Option<PatientDetail>> {
        let row = self
            .one(
                &format!(
                    "SELECT p.*, f.name AS facility, pr.name AS provider, u.display_name AS coordinator, {LAST_VISIT} AS last_visit
                     FROM patients p
                     LEFT JOIN facilities f ON f.id = p.facility_id
                     LEFT JOIN providers pr ON pr.id = p.provider_id
                     LEFT JOIN users u ON u.id = p.coordinator_id
                     WHERE p.id = $1"
                ),
                vec![patient_id.into()],
            )
            .await?;
        let Some(r) = row else { return Ok(None) };
        let id = vec![patient_id.into()];
        let special_needs = self
            .all(
                "SELECT need FROM patient_special_needs WHERE patient_id = $1 ORDER BY need",
                id.clone(),
            )
            .await?
            .iter()
            .map(|n| get(n, "need"))
            .collect::<Result<Vec<String>>>()?;
        let open_gaps = self
            .all("SELECT description FROM care_gaps WHERE patient_id = $1 AND status = 'Open' ORDER BY opened_on", id.clone())
            .await?
            .iter()
            .map(|g| get(g, "description"))
            .collect::<Result<Vec<String>>>()?;
        let recent_activity = self
            .all(
                "SELECT l.task_at, t.name AS task_type, l.minutes, u.display_name AS coordinator
                 FROM coordinator_task_log l JOIN task_types t ON t.id = l.task_type_id JOIN users u ON u.id = l.coordinator_id
                 WHERE l.patient_id = $1 ORDER BY l.task_at DESC, l.id DESC LIMIT 10",
                id,
            )
            .await?
            .iter()
            .map(|a| {
                Ok(RecentActivity {
                    task_at: get(a, "task_at")?,
                    task_type: get(a, "task_type")?,
                    minutes: get(a, "minutes")?,
                    coordinator: get(a, "coordinator")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let first: String = get(&r, "first_name")?;
        let last: String = get(&r, "last_name")?;
        Ok(Some(PatientDetail {
            id: get(&r, "id")?,
            name: display_name(&last, &first),
            first_name: first,
            last_name: last,
            chart_code: get(&r, "chart_code")?,
            dob: get(&r, "dob")?,
            phone: get(&r, "phone")?,
            email: get(&r, "email")?,
            address: get(&r, "address")?,
            insurance_primary: get(&r, "insurance_primary")?,
            insurance_policy: get(&r, "insurance_policy")?,
            facility: get(&r, "facility")?,
            provider: get(&r, "provider")?,
            coordinator_id: get(&r, "coordinator_id")?,
            coordinator: get(&r, "coordinator")?,
            status: get(&r, "status")?,
            program: get(&r, "program")?,
            complexity: get(&r, "complexity")?,
            consent_date: get(&r, "consent_date")?,
            chronic_conditions: get(&r, "chronic_conditions")?,
            care_plan_status: get(&r, "care_plan_status")?,
            care_gap_status: get(&r, "care_gap_status")?,
            language: get(&r, "language")?,
            onboarding_status: get(&r, "onboarding_status")?,
            visit_interval_months: get(&r, "visit_interval_months")?,
            last_visit: get(&r, "last_visit")?,
            special_needs,
            open_gaps,
            recent_activity,
        }))
    }

    /// Patients waiting for a coordinator (seed 001 §3.1), for the Tab 3 count.
    pub async fn assignment_queue_length(&self) -> Result<i64> {
        crate::row::count(
            &self
                .one(
                    "SELECT COUNT(*) AS n FROM patients WHERE onboarding_status IN ('Ready for Assignment', 'Assignment Pending') AND status = 'Active'",
                    vec![],
                )
                .await?,
            "n",
        )
    }
}
