//! FHIR searches that page: the ids of one page and the true total, filtered in SQL (a search over
//! every patient of a large practice must not load them all to count them).

use carelog_domain::fhir_search::{DateBound, DatePrefix};
use carelog_domain::ids::{PatientId, UserId};

use crate::conditions::Conditions;
use crate::{Result, Store};

/// A Patient search as FHIR's string, token and date parameters put it.
#[derive(Debug, Default, Clone)]
pub struct PatientSearch {
    /// A coordinator's reach: only their patients (None for those who see every patient).
    pub coordinator: Option<UserId>,
    pub id: Option<PatientId>,
    /// A chart code, compared without regard to case.
    pub chart_code: Option<String>,
    /// FHIR string search: the family name, a given name, or either, starts with the value (any case).
    pub family: Option<String>,
    pub given: Option<String>,
    pub name: Option<String>,
    pub birthdate: Option<DateBound>,
}

/// `lower(value)%`, the value matching only itself.
fn starts_with(value: &str) -> String {
    format!("{}%", crate::panel::like_literal(value))
}

fn date_clause(column: &str, bound: DateBound) -> String {
    let op = match bound.prefix {
        DatePrefix::Eq => "=",
        DatePrefix::Ge => ">=",
        DatePrefix::Gt => ">",
        DatePrefix::Le => "<=",
        DatePrefix::Lt => "<",
    };
    format!("{column} {op} ?")
}

impl Store {
    /// One page of the patients `search` matches, by id, and how many match in all.
    pub async fn search_patient_ids(
        &self,
        search: &PatientSearch,
        limit: usize,
        offset: usize,
    ) -> Result<(Vec<PatientId>, i64)> {
        let mut c = Conditions::default();
        if let Some(coordinator) = search.coordinator {
            c.push("p.coordinator_id = ?", coordinator);
        }
        if let Some(id) = search.id {
            c.push("p.id = ?", id);
        }
        if let Some(code) = &search.chart_code {
            c.push("LOWER(p.chart_code) = ?", code.to_lowercase());
        }
        if let Some(family) = &search.family {
            c.push("LOWER(p.last_name) LIKE ? ESCAPE '\\'", starts_with(family));
        }
        if let Some(given) = &search.given {
            c.push("LOWER(p.first_name) LIKE ? ESCAPE '\\'", starts_with(given));
        }
        if let Some(name) = &search.name {
            c.push(
                "(LOWER(p.last_name) LIKE ? ESCAPE '\\' OR LOWER(p.first_name) LIKE ? ESCAPE '\\')",
                starts_with(name),
            );
        }
        if let Some(bound) = search.birthdate {
            c.push(&date_clause("p.dob", bound), bound.day);
        }
        let total = self
            .count(
                &format!("SELECT COUNT(*) AS n FROM patients p {}", c.where_sql()),
                c.values.clone(),
            )
            .await?;
        let next = c.next_placeholder();
        let sql = format!(
            "SELECT p.id FROM patients p {} ORDER BY p.id LIMIT ${next} OFFSET ${}",
            c.where_sql(),
            next + 1
        );
        let mut values = c.values;
        values.push(i64::try_from(limit).unwrap_or(i64::MAX).into());
        values.push(i64::try_from(offset).unwrap_or(i64::MAX).into());
        let ids: Vec<PatientId> = self.scalars(&sql, values).await?;
        Ok((ids, total))
    }
}

/// Which of a patient's tasks a Task search asks for, by FHIR Task.status: a log entry is
/// "completed"; a generated task "requested", "completed" or "cancelled".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatusWanted {
    Completed,
    Requested,
    Cancelled,
    /// A valid FHIR status no carelog task has (e.g. "on-hold"): nothing matches.
    Other,
}

/// A Task search: one patient's log entries and generated tasks, narrowed.
#[derive(Debug, Clone)]
pub struct TaskSearch {
    pub patient: PatientId,
    pub status: Option<TaskStatusWanted>,
    pub owner: Option<UserId>,
    /// An entry's day (UTC, as its executionPeriod says) or a generated task's due day.
    pub period: Option<DateBound>,
}

/// A page of Task search results: entries first (newest first), then generated tasks.
pub struct TaskPage {
    pub entries: Vec<crate::EntryRow>,
    pub generated: Vec<crate::GeneratedRow>,
    pub total: i64,
}

impl TaskSearch {
    fn entry_conditions(&self) -> Option<Conditions> {
        if matches!(self.status, Some(s) if s != TaskStatusWanted::Completed) {
            return None;
        }
        let mut c = Conditions::default();
        c.push("l.patient_id = ?", self.patient);
        if let Some(owner) = self.owner {
            c.push("l.coordinator_id = ?", owner);
        }
        if let Some(bound) = self.period {
            // Days as UTC instants: [day, next day).
            let start = bound.day.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
            let end =
                bound.day.succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc());
            if let (Some(start), Some(end)) = (start, end) {
                let (start, end) = (crate::connection::at(start), crate::connection::at(end));
                match bound.prefix {
                    DatePrefix::Eq => {
                        c.push_each("l.task_at >= ? AND l.task_at < ?", vec![start, end])
                    }
                    DatePrefix::Ge => c.push("l.task_at >= ?", start),
                    DatePrefix::Gt => c.push("l.task_at >= ?", end),
                    DatePrefix::Le => c.push("l.task_at < ?", end),
                    DatePrefix::Lt => c.push("l.task_at < ?", start),
                }
            }
        }
        Some(c)
    }

    fn generated_conditions(&self) -> Option<Conditions> {
        use carelog_domain::schedule::TaskStatus;
        let status = match self.status {
            None => None,
            Some(TaskStatusWanted::Completed) => Some(TaskStatus::Completed),
            Some(TaskStatusWanted::Requested) => Some(TaskStatus::Pending),
            Some(TaskStatusWanted::Cancelled) => Some(TaskStatus::Cancelled),
            Some(TaskStatusWanted::Other) => return None,
        };
        let mut c = Conditions::default();
        c.push("g.patient_id = ?", self.patient);
        if let Some(status) = status {
            c.push("g.status = ?", status);
        }
        if let Some(owner) = self.owner {
            c.push("g.coordinator_id = ?", owner);
        }
        if let Some(bound) = self.period {
            c.push(&date_clause("g.due_date", bound), bound.day);
        }
        Some(c)
    }
}

impl Store {
    /// One page of a patient's tasks and how many match in all, whatever the page's size.
    pub async fn search_tasks(
        &self,
        search: &TaskSearch,
        limit: usize,
        offset: usize,
    ) -> Result<TaskPage> {
        let (limit, offset) =
            (i64::try_from(limit).unwrap_or(i64::MAX), i64::try_from(offset).unwrap_or(i64::MAX));
        let (entries, generated) = (search.entry_conditions(), search.generated_conditions());
        let entry_total = match &entries {
            Some(c) => {
                let from = crate::task_log::ENTRY_FROM;
                let sql = format!("SELECT COUNT(*) AS n {from} {}", c.where_sql());
                self.count(&sql, c.values.clone()).await?
            }
            None => 0,
        };
        let generated_total = match &generated {
            Some(c) => {
                let sql = format!("SELECT COUNT(*) AS n FROM generated_tasks g {}", c.where_sql());
                self.count(&sql, c.values.clone()).await?
            }
            None => 0,
        };
        let mut page = TaskPage {
            entries: Vec::new(),
            generated: Vec::new(),
            total: entry_total + generated_total,
        };
        if let Some(c) = entries.filter(|_| offset < entry_total && limit > 0) {
            let next = c.next_placeholder();
            let sql = format!(
                "SELECT {} {} {} ORDER BY l.task_at DESC, l.id DESC LIMIT ${next} OFFSET ${}",
                crate::task_log::ENTRY_COLUMNS,
                crate::task_log::ENTRY_FROM,
                c.where_sql(),
                next + 1
            );
            let mut values = c.values;
            values.extend([limit.into(), offset.into()]);
            page.entries = self.rows(&sql, values).await?;
        }
        let room = limit - i64::try_from(page.entries.len()).unwrap_or(0);
        if let Some(c) = generated.filter(|_| room > 0) {
            let skip = (offset - entry_total).max(0);
            let next = c.next_placeholder();
            let sql = format!(
                "{} {} ORDER BY g.due_date DESC, g.id DESC LIMIT ${next} OFFSET ${}",
                crate::generated::GENERATED_SELECT,
                c.where_sql(),
                next + 1
            );
            let mut values = c.values;
            values.extend([room.into(), skip.into()]);
            page.generated = self.rows(&sql, values).await?;
        }
        Ok(page)
    }
}

/// A regional provider as FHIR's Practitioner shows one.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct ProviderRow {
    pub id: i64,
    pub name: String,
    pub npi: Option<String>,
    pub facility: Option<String>,
}

impl Store {
    /// Every regional provider, by id.
    pub async fn provider_rows(&self) -> Result<Vec<ProviderRow>> {
        self.rows(
            "SELECT pr.id, pr.name, pr.npi, f.name AS facility FROM providers pr
             LEFT JOIN facilities f ON f.id = pr.facility_id ORDER BY pr.id",
            vec![],
        )
        .await
    }
}
