//! The Patient Panel's rows: each patient with this month's minutes and generated-task progress,
//! last visit and open care gaps. Correlated subqueries on indexed columns keep the cost proportional
//! to the caseload shown, not to the practice.

use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::patient::{CareGapStatus, PatientStatus};
use carelog_domain::practice_time::YearMonth;
use carelog_domain::schedule::{TaskStatus, month_key};
use chrono::NaiveDate;
use sea_orm::FromQueryResult;

use crate::conditions::Conditions;
use crate::keys::key;
use crate::patient_month::{billable_minutes, logged_minutes, month_values};
use crate::{Result, Store};

#[derive(Debug, Clone, Default)]
pub struct PanelFilter {
    /// Only this coordinator's caseload.
    pub coordinator_id: Option<UserId>,
    pub status: Option<PatientStatus>,
    pub care_gap_status: Option<CareGapStatus>,
    pub facility_id: Option<i64>,
    pub provider_id: Option<i64>,
    /// Matched against `LAST, FIRST` and the chart code, ignoring case.
    pub search: Option<String>,
    /// The day `tasks_due` counts up to (today); none counts every task of the month as due.
    pub due_by: Option<NaiveDate>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct PanelPatient {
    pub id: PatientId,
    pub first_name: String,
    pub last_name: String,
    pub chart_code: String,
    pub status: PatientStatus,
    pub care_gap_status: CareGapStatus,
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
    /// This month's tasks due by `PanelFilter::due_by` (cancelled ones aside).
    pub tasks_due: i64,
}

/// A facility or provider as a filter lists one.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

/// A person as a picker lists one.
#[derive(Debug, Clone, FromQueryResult)]
pub struct NamedUser {
    pub id: UserId,
    pub name: String,
}

/// An active patient on a caseload and their billable minutes in a range.
#[derive(Debug, Clone, FromQueryResult)]
pub struct PatientMinutes {
    pub id: PatientId,
    pub last_name: String,
    pub first_name: String,
    pub billable_minutes: i64,
}

/// A patient as a picker lists one.
#[derive(Debug, Clone, FromQueryResult)]
pub struct PatientPick {
    pub id: PatientId,
    pub last_name: String,
    pub first_name: String,
    pub chart_code: String,
}

impl Store {
    /// The panel's rows with `month`'s minutes and generated-task progress.
    pub async fn panel(&self, filter: &PanelFilter, month: YearMonth) -> Result<Vec<PanelPatient>> {
        let [year, month_number] = month_values(month);
        let due_by = filter.due_by.unwrap_or_else(|| month.last_day());
        let mut c =
            Conditions::after(vec![year, month_number, month_key(month).into(), due_by.into()]);
        if let Some(id) = filter.coordinator_id {
            c.push("p.coordinator_id = ?", id);
        }
        if let Some(s) = &filter.status {
            c.push("p.status = ?", *s);
        }
        if let Some(g) = &filter.care_gap_status {
            c.push("p.care_gap_status = ?", *g);
        }
        if let Some(f) = filter.facility_id {
            c.push("p.facility_id = ?", f);
        }
        if let Some(pr) = filter.provider_id {
            c.push("p.provider_id = ?", pr);
        }
        // Every word must appear in the name or chart code, so "Imani Blackthorn", "Blackthorn,
        // Imani" and "blackth" all find her; % and _ are matched as themselves.
        for pattern in search_patterns(filter.search.as_deref().unwrap_or_default()) {
            c.push(NAME_OR_CHART_LIKE, pattern);
        }
        let where_sql = c.where_sql();
        let sql = format!(
            "SELECT p.id, p.first_name, p.last_name, p.chart_code, p.status, p.care_gap_status, p.visit_interval_months,
                    f.name AS facility, pr.name AS provider, u.display_name AS coordinator,
                    (SELECT MAX(v.visit_date) FROM visits v WHERE v.patient_id = p.id) AS last_visit,
                    (SELECT COUNT(*) FROM care_gaps g WHERE g.patient_id = p.id AND g.status = {open}) AS open_gaps,
                    {} AS month_minutes,
                    {} AS billable_minutes,
                    (SELECT COUNT(*) FROM generated_tasks t WHERE t.patient_id = p.id AND t.period_key = $3 AND t.status <> {cancelled}) AS tasks_total,
                    (SELECT COUNT(*) FROM generated_tasks t WHERE t.patient_id = p.id AND t.period_key = $3 AND t.status = {completed}) AS tasks_done,
                    (SELECT COUNT(*) FROM generated_tasks t WHERE t.patient_id = p.id AND t.period_key = $3 AND t.status <> {cancelled} AND t.due_date <= $4) AS tasks_due
             FROM patients p
             LEFT JOIN facilities f ON f.id = p.facility_id
             LEFT JOIN providers pr ON pr.id = p.provider_id
             LEFT JOIN users u ON u.id = p.coordinator_id
             {where_sql}
             ORDER BY p.last_name, p.first_name, p.id",
            logged_minutes("p.id", 1, 2),
            billable_minutes("p.id", 1, 2),
            open = key(CareGapStatus::Open),
            cancelled = key(TaskStatus::Cancelled),
            completed = key(TaskStatus::Completed),
        );
        self.rows(&sql, c.values).await
    }

    pub async fn facilities(&self) -> Result<Vec<Named>> {
        self.rows("SELECT id, name FROM facilities ORDER BY name", vec![]).await
    }

    pub async fn providers(&self) -> Result<Vec<Named>> {
        self.rows("SELECT id, name FROM providers ORDER BY name", vec![]).await
    }

    /// The facilities and the providers, each by name, in one round trip (the panel and Tab 3
    /// list both on every view).
    pub async fn facilities_and_providers(&self) -> Result<(Vec<Named>, Vec<Named>)> {
        #[derive(FromQueryResult)]
        struct Listed {
            provider: bool,
            id: i64,
            name: String,
        }
        let rows: Vec<Listed> = self
            .rows(
                "SELECT FALSE AS provider, id, name FROM facilities
                 UNION ALL SELECT TRUE AS provider, id, name FROM providers
                 ORDER BY provider, name",
                vec![],
            )
            .await?;
        let (providers, facilities): (Vec<Listed>, Vec<Listed>) =
            rows.into_iter().partition(|r| r.provider);
        let named = |rows: Vec<Listed>| rows.into_iter().map(|r| Named { id: r.id, name: r.name });
        Ok((named(facilities).collect(), named(providers).collect()))
    }

    /// Each active patient on a caseload with their billable minutes in `month` (the panel's figure,
    /// without the rest of the panel).
    pub async fn caseload_billable_minutes(
        &self,
        coordinator_id: UserId,
        month: YearMonth,
    ) -> Result<Vec<PatientMinutes>> {
        let [year, month] = month_values(month);
        self.rows(
            &format!(
                "SELECT p.id, p.last_name, p.first_name, {} AS billable_minutes
                 FROM patients p WHERE p.coordinator_id = $3 AND p.status = {}",
                billable_minutes("p.id", 1, 2),
                key(PatientStatus::Active)
            ),
            vec![year, month, coordinator_id.into()],
        )
        .await
    }

    /// A coordinator's own patients for pickers, `LAST, FIRST` order; active first.
    pub async fn own_patients(&self, coordinator_id: UserId) -> Result<Vec<PatientPick>> {
        self.rows(
            &format!(
                "SELECT id, last_name, first_name, chart_code FROM patients WHERE coordinator_id = $1
                 ORDER BY CASE WHEN status = {} THEN 0 ELSE 1 END, last_name, first_name, id",
                key(PatientStatus::Active)
            ),
            vec![coordinator_id.into()],
        )
        .await
    }
}

/// One word of a search against a patient `p`'s name and chart code.
pub(crate) const NAME_OR_CHART_LIKE: &str =
    "LOWER(p.last_name || ' ' || p.first_name || ' ' || p.chart_code) LIKE ? ESCAPE '\\'";

/// One `LIKE` pattern per word of a search (commas are separators), lower-cased, with `%`, `_` and
/// the escape character escaped so they match only themselves.
pub(crate) fn search_patterns(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(|w| format!("%{}%", like_literal(w)))
        .collect()
}

/// Text lower-cased with LIKE's wildcards and the escape character escaped (for `ESCAPE '\\'`),
/// so it matches only itself.
pub(crate) fn like_literal(text: &str) -> String {
    text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[cfg(test)]
mod search_tests {
    use super::search_patterns;

    #[test]
    fn words_in_any_order_and_wildcards_as_themselves() {
        assert_eq!(search_patterns("Imani Blackthorn"), ["%imani%", "%blackthorn%"]);
        assert_eq!(search_patterns(" Blackthorn,Imani "), ["%blackthorn%", "%imani%"]);
        assert_eq!(search_patterns("%"), ["%\\%%"]);
        assert_eq!(search_patterns("a_b\\"), ["%a\\_b\\\\%"]);
        assert!(search_patterns("  , ").is_empty());
    }
}
