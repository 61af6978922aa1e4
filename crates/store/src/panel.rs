//! The Patient Panel's rows: each patient with this month's minutes and generated-task progress,
//! last visit and open care gaps. Correlated subqueries on indexed columns keep the cost proportional
//! to the caseload shown, not to the practice.

use carelog_domain::practice_time::UtcRange;
use chrono::NaiveDate;

use crate::conditions::Conditions;
use crate::connection::at;
use crate::row::get;
use crate::{Result, Store};

#[derive(Debug, Clone, Default)]
pub struct PanelFilter {
    /// Only this coordinator's caseload.
    pub coordinator_id: Option<i64>,
    pub status: Option<String>,
    pub care_gap_status: Option<String>,
    pub facility_id: Option<i64>,
    pub provider_id: Option<i64>,
    /// Matched against `LAST, FIRST` and the chart code, ignoring case.
    pub search: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PanelPatient {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub chart_code: String,
    pub status: String,
    pub care_gap_status: String,
    pub facility: Option<String>,
    pub provider: Option<String>,
    pub coordinator: Option<String>,
    pub last_visit: Option<NaiveDate>,
    pub visit_interval_months: i32,
    pub open_gaps: i64,
    pub month_minutes: i64,
    /// Minutes of billable task types this month: what counts toward the care-time target.
    pub billable_minutes: i64,
    pub tasks_total: i64,
    pub tasks_done: i64,
}

#[derive(Debug, Clone)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

/// A patient's (`p`) minutes of billable task types logged in [$1, $2): what counts toward the care-time target.
const BILLABLE_MINUTES: &str =
    "(SELECT COALESCE(SUM(l.minutes), 0) FROM coordinator_task_log l JOIN task_types tt ON tt.id = l.task_type_id
     WHERE l.patient_id = p.id AND l.task_at >= $1 AND l.task_at < $2 AND tt.billable = TRUE) AS billable_minutes";

impl Store {
    pub async fn panel(
        &self,
        filter: &PanelFilter,
        month: UtcRange,
        period_key: &str,
    ) -> Result<Vec<PanelPatient>> {
        let mut c = Conditions::after(vec![at(month.start), at(month.end), period_key.into()]);
        if let Some(id) = filter.coordinator_id {
            c.push("p.coordinator_id = ?", id);
        }
        if let Some(s) = &filter.status {
            c.push("p.status = ?", s.clone());
        }
        if let Some(g) = &filter.care_gap_status {
            c.push("p.care_gap_status = ?", g.clone());
        }
        if let Some(f) = filter.facility_id {
            c.push("p.facility_id = ?", f);
        }
        if let Some(pr) = filter.provider_id {
            c.push("p.provider_id = ?", pr);
        }
        if let Some(text) = filter.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pattern = format!("%{}%", text.to_lowercase().replace(['%', '_', '\\'], ""));
            c.push(
                "(LOWER(p.last_name || ', ' || p.first_name) LIKE ? OR LOWER(p.chart_code) LIKE ?)",
                pattern,
            );
        }
        let where_sql = c.where_sql();
        let sql = format!(
            "SELECT p.id, p.first_name, p.last_name, p.chart_code, p.status, p.care_gap_status, p.visit_interval_months,
                    f.name AS facility, pr.name AS provider, u.display_name AS coordinator,
                    (SELECT MAX(v.visit_date) FROM visits v WHERE v.patient_id = p.id) AS last_visit,
                    (SELECT COUNT(*) FROM care_gaps g WHERE g.patient_id = p.id AND g.status = 'Open') AS open_gaps,
                    (SELECT COALESCE(SUM(l.minutes), 0) FROM coordinator_task_log l
                        WHERE l.patient_id = p.id AND l.task_at >= $1 AND l.task_at < $2) AS month_minutes,
                    {BILLABLE_MINUTES},
                    (SELECT COUNT(*) FROM generated_tasks t WHERE t.patient_id = p.id AND t.period_key = $3 AND t.status <> 'cancelled') AS tasks_total,
                    (SELECT COUNT(*) FROM generated_tasks t WHERE t.patient_id = p.id AND t.period_key = $3 AND t.status = 'completed') AS tasks_done
             FROM patients p
             LEFT JOIN facilities f ON f.id = p.facility_id
             LEFT JOIN providers pr ON pr.id = p.provider_id
             LEFT JOIN users u ON u.id = p.coordinator_id
             {where_sql}
             ORDER BY p.last_name, p.first_name, p.id"
        );
        let rows = self.all(&sql, c.values).await?;
        rows.iter()
            .map(|r| {
                Ok(PanelPatient {
                    id: get(r, "id")?,
                    first_name: get(r, "first_name")?,
                    last_name: get(r, "last_name")?,
                    chart_code: get(r, "chart_code")?,
                    status: get(r, "status")?,
                    care_gap_status: get(r, "care_gap_status")?,
                    facility: get(r, "facility")?,
                    provider: get(r, "provider")?,
                    coordinator: get(r, "coordinator")?,
                    last_visit: get(r, "last_visit")?,
                    visit_interval_months: get(r, "visit_interval_months")?,
                    open_gaps: get(r, "open_gaps")?,
                    month_minutes: get(r, "month_minutes")?,
                    billable_minutes: get(r, "billable_minutes")?,
                    tasks_total: get(r, "tasks_total")?,
                    tasks_done: get(r, "tasks_done")?,
                })
            })
            .collect()
    }

    pub async fn facilities(&self) -> Result<Vec<Named>> {
        let rows = self.all("SELECT id, name FROM facilities ORDER BY name", vec![]).await?;
        rows.iter().map(|r| Ok(Named { id: get(r, "id")?, name: get(r, "name")? })).collect()
    }

    pub async fn providers(&self) -> Result<Vec<Named>> {
        let rows = self.all("SELECT id, name FROM providers ORDER BY name", vec![]).await?;
        rows.iter().map(|r| Ok(Named { id: get(r, "id")?, name: get(r, "name")? })).collect()
    }

    /// Each active patient on a caseload with their billable minutes logged in `range` (the panel's
    /// figure, without the rest of the panel).
    pub async fn caseload_billable_minutes(
        &self,
        coordinator_id: i64,
        range: UtcRange,
    ) -> Result<Vec<(i64, String, String, i64)>> {
        let rows = self
            .all(
                &format!(
                    "SELECT p.id, p.last_name, p.first_name, {BILLABLE_MINUTES}
                     FROM patients p WHERE p.coordinator_id = $3 AND p.status = 'Active'"
                ),
                vec![at(range.start), at(range.end), coordinator_id.into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    get(r, "id")?,
                    get(r, "last_name")?,
                    get(r, "first_name")?,
                    get(r, "billable_minutes")?,
                ))
            })
            .collect()
    }

    /// A coordinator's own patients for pickers, `LAST, FIRST` order; active first.
    pub async fn own_patients(
        &self,
        coordinator_id: i64,
    ) -> Result<Vec<(i64, String, String, String)>> {
        let rows = self
            .all(
                "SELECT id, last_name, first_name, chart_code FROM patients WHERE coordinator_id = $1
                 ORDER BY CASE status WHEN 'Active' THEN 0 ELSE 1 END, last_name, first_name, id",
                vec![coordinator_id.into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    get(r, "id")?,
                    get(r, "last_name")?,
                    get(r, "first_name")?,
                    get(r, "chart_code")?,
                ))
            })
            .collect()
    }
}
