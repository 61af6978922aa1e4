//! Generated tasks: planned by `carelog_domain::schedule`, inserted idempotently on the unique key
//! (schedule, subject, period), so any number of runs on any number of servers creates each task once.

use carelog_domain::catalogue::{AppliesTo, Frequency};
use carelog_domain::patient::{Priority, Program};
use carelog_domain::schedule::{CaseloadPatient, PlannedTask, Schedule};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Value};

use crate::connection::at;
use crate::row::get;
use crate::{Result, Store};

#[derive(Debug, Clone)]
pub struct GeneratedRow {
    pub id: i64,
    pub coordinator_id: i64,
    pub patient_id: Option<i64>,
    pub patient_first: Option<String>,
    pub patient_last: Option<String>,
    pub task_type_id: i64,
    pub task_type: String,
    pub due_date: NaiveDate,
    pub estimated_minutes: i32,
    pub priority: String,
    pub status: String,
    pub period_key: String,
}

const GENERATED_SELECT: &str = "SELECT g.id, g.coordinator_id, g.patient_id, p.first_name AS patient_first, p.last_name AS patient_last,
        g.task_type_id, t.name AS task_type, g.due_date, g.estimated_minutes, g.priority, g.status, g.period_key
    FROM generated_tasks g JOIN task_types t ON t.id = g.task_type_id LEFT JOIN patients p ON p.id = g.patient_id";

fn generated_row(r: &QueryResult) -> Result<GeneratedRow> {
    Ok(GeneratedRow {
        id: get(r, "id")?,
        coordinator_id: get(r, "coordinator_id")?,
        patient_id: get(r, "patient_id")?,
        patient_first: get(r, "patient_first")?,
        patient_last: get(r, "patient_last")?,
        task_type_id: get(r, "task_type_id")?,
        task_type: get(r, "task_type")?,
        due_date: get(r, "due_date")?,
        estimated_minutes: get(r, "estimated_minutes")?,
        priority: get(r, "priority")?,
        status: get(r, "status")?,
        period_key: get(r, "period_key")?,
    })
}

impl Store {
    pub async fn active_schedules(&self) -> Result<Vec<Schedule>> {
        let rows = self
            .all(
                "SELECT id, task_type_id, frequency, day_of_week, day_of_month, estimated_minutes, priority, applies_to
                 FROM automated_task_schedule WHERE is_active = TRUE ORDER BY id",
                vec![],
            )
            .await?;
        let mut schedules = Vec::with_capacity(rows.len());
        for r in &rows {
            let frequency: String = get(r, "frequency")?;
            let applies_to: String = get(r, "applies_to")?;
            let priority: String = get(r, "priority")?;
            // A row an older or newer carelog wrote in a form this one does not know is skipped, not guessed at.
            let (Some(frequency), Some(applies_to), Ok(priority)) = (
                Frequency::from_key(&frequency),
                AppliesTo::from_key(&applies_to),
                Priority::parse(&priority),
            ) else {
                tracing::warn!(
                    schedule = get::<i64>(r, "id")?,
                    "skipping a schedule with unknown frequency, subjects or priority"
                );
                continue;
            };
            schedules.push(Schedule {
                id: get(r, "id")?,
                task_type_id: get(r, "task_type_id")?,
                frequency,
                day_of_week: get::<Option<i32>>(r, "day_of_week")?
                    .and_then(|d| u32::try_from(d).ok()),
                day_of_month: get::<Option<i32>>(r, "day_of_month")?
                    .and_then(|d| u32::try_from(d).ok()),
                estimated_minutes: get(r, "estimated_minutes")?,
                priority,
                applies_to,
            });
        }
        Ok(schedules)
    }

    /// Active patients with a coordinator: the subjects of monthly tasks.
    pub async fn caseload_patients(&self) -> Result<Vec<CaseloadPatient>> {
        let rows = self
            .all(
                "SELECT id, coordinator_id, program FROM patients WHERE status = 'Active' AND coordinator_id IS NOT NULL ORDER BY id",
                vec![],
            )
            .await?;
        rows.iter()
            .filter_map(|r| {
                let program: String = get(r, "program").ok()?;
                Some(Ok(CaseloadPatient {
                    id: get(r, "id").ok()?,
                    coordinator_id: get(r, "coordinator_id").ok()?,
                    program: Program::parse(&program).ok()?,
                }))
            })
            .collect()
    }

    /// Active users who carry a caseload: the subjects of weekly tasks.
    pub async fn active_coordinator_ids(&self) -> Result<Vec<i64>> {
        let rows = self
            .all(
                "SELECT u.id FROM users u JOIN coordinator_profiles c ON c.user_id = u.id
                 WHERE u.is_active = TRUE AND u.role IN ('coordinator', 'manager') ORDER BY u.id",
                vec![],
            )
            .await?;
        rows.iter().map(|r| get(r, "id")).collect()
    }

    /// Inserts the planned tasks that do not exist yet; returns how many were new.
    pub async fn insert_planned_tasks(
        &self,
        tasks: &[PlannedTask],
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let mut inserted = 0;
        let tx = self.begin_write().await?;
        for chunk in tasks.chunks(self.rows_per_statement(10)) {
            let mut sql = String::from(
                "INSERT INTO generated_tasks (schedule_id, task_type_id, coordinator_id, patient_id, subject_key, period_key, due_date,
                    estimated_minutes, priority, status, created_at) VALUES ",
            );
            let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 10);
            for (i, t) in chunk.iter().enumerate() {
                let b = i * 10;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, 'pending', ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9,
                    b + 10
                ));
                values.extend([
                    t.schedule_id.into(),
                    t.task_type_id.into(),
                    t.coordinator_id.into(),
                    t.patient_id.into(),
                    t.subject_key.clone().into(),
                    t.period_key.clone().into(),
                    t.due_date.into(),
                    t.estimated_minutes.into(),
                    t.priority.as_str().into(),
                    at(now),
                ]);
            }
            sql.push_str(" ON CONFLICT (schedule_id, subject_key, period_key) DO NOTHING");
            inserted += tx.execute_raw(self.stmt(&sql, values)).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// A coordinator's open generated tasks, soonest due first, high priority first.
    /// Every generated task for one patient, newest period first.
    pub async fn generated_for_patient(
        &self,
        patient_id: i64,
        limit: i64,
    ) -> Result<Vec<GeneratedRow>> {
        let rows = self
            .all(
                &format!("{GENERATED_SELECT} WHERE g.patient_id = $1 ORDER BY g.due_date DESC, g.id DESC LIMIT $2"),
                vec![patient_id.into(), limit.into()],
            )
            .await?;
        rows.iter().map(generated_row).collect()
    }

    /// Every coordinator's open tasks due before `day` (the demo completes most of them).
    pub async fn open_tasks_due_before(&self, day: NaiveDate) -> Result<Vec<GeneratedRow>> {
        let rows =
            self.all(&format!("{GENERATED_SELECT} WHERE g.status = 'pending' AND g.due_date < $1 ORDER BY g.id"), vec![day.into()]).await?;
        rows.iter().map(generated_row).collect()
    }

    pub async fn pending_tasks(&self, coordinator_id: i64) -> Result<Vec<GeneratedRow>> {
        let rows = self
            .all(
                &format!(
                    "{GENERATED_SELECT} WHERE g.coordinator_id = $1 AND g.status = 'pending'
                     ORDER BY g.due_date, CASE g.priority WHEN 'High' THEN 0 WHEN 'Medium' THEN 1 ELSE 2 END, g.id"
                ),
                vec![coordinator_id.into()],
            )
            .await?;
        rows.iter().map(generated_row).collect()
    }

    pub async fn generated_task(&self, id: i64) -> Result<Option<GeneratedRow>> {
        let row = self.one(&format!("{GENERATED_SELECT} WHERE g.id = $1"), vec![id.into()]).await?;
        row.as_ref().map(generated_row).transpose()
    }

    pub async fn generated_tasks_for_patient(
        &self,
        patient_id: i64,
        period_key: &str,
    ) -> Result<Vec<GeneratedRow>> {
        let rows = self
            .all(
                &format!("{GENERATED_SELECT} WHERE g.patient_id = $1 AND g.period_key = $2 ORDER BY g.due_date, g.id"),
                vec![patient_id.into(), period_key.into()],
            )
            .await?;
        rows.iter().map(generated_row).collect()
    }
}
