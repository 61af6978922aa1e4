//! Generated tasks: planned by `carelog_domain::schedule`, inserted idempotently on the unique key
//! (schedule, subject, period), so any number of runs on any number of servers creates each task once.

use carelog_domain::catalogue::{AppliesTo, Frequency};
use carelog_domain::ids::{PatientId, TaskTypeId, UserId};
use carelog_domain::patient::{CarePlanState, PatientStatus, Priority, Program};
use carelog_domain::role::Role;
use carelog_domain::schedule::{CaseloadPatient, PlannedTask, Schedule, TaskStatus};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};

use crate::connection::at;
use crate::keys::key;
use crate::{Result, Store};

#[derive(Debug, Clone, FromQueryResult)]
pub struct GeneratedRow {
    pub id: i64,
    pub coordinator_id: UserId,
    pub patient_id: Option<PatientId>,
    pub patient_first: Option<String>,
    pub patient_last: Option<String>,
    pub task_type_id: TaskTypeId,
    pub task_type: String,
    pub due_date: NaiveDate,
    pub estimated_minutes: i32,
    pub priority: Priority,
    pub status: TaskStatus,
    pub period_key: String,
}

pub(crate) const GENERATED_SELECT: &str = "SELECT g.id, g.coordinator_id, g.patient_id, p.first_name AS patient_first, p.last_name AS patient_last,
        g.task_type_id, t.name AS task_type, g.due_date, g.estimated_minutes, g.priority, g.status, g.period_key
    FROM generated_tasks g JOIN task_types t ON t.id = g.task_type_id LEFT JOIN patients p ON p.id = g.patient_id";

#[derive(FromQueryResult)]
struct ScheduleRow {
    id: i64,
    task_type_id: TaskTypeId,
    frequency: Frequency,
    day_of_week: Option<i32>,
    day_of_month: Option<i32>,
    estimated_minutes: i32,
    priority: Priority,
    applies_to: AppliesTo,
}

impl From<ScheduleRow> for Schedule {
    fn from(r: ScheduleRow) -> Schedule {
        Schedule {
            id: r.id,
            task_type_id: r.task_type_id,
            frequency: r.frequency,
            day_of_week: r.day_of_week.and_then(|d| u32::try_from(d).ok()),
            day_of_month: r.day_of_month.and_then(|d| u32::try_from(d).ok()),
            estimated_minutes: r.estimated_minutes,
            priority: r.priority,
            applies_to: r.applies_to,
        }
    }
}

#[derive(FromQueryResult)]
struct CaseloadRow {
    id: PatientId,
    coordinator_id: UserId,
    program: Program,
    review_on: Option<chrono::NaiveDate>,
}

impl Store {
    pub async fn active_schedules(&self) -> Result<Vec<Schedule>> {
        let rows: Vec<ScheduleRow> = self
            .rows(
                "SELECT id, task_type_id, frequency, day_of_week, day_of_month, estimated_minutes, priority, applies_to
                 FROM automated_task_schedule WHERE is_active = TRUE ORDER BY id",
                vec![],
            )
            .await?;
        Ok(rows.into_iter().map(Schedule::from).collect())
    }

    /// Active patients with a coordinator: the subjects of monthly tasks.
    pub async fn caseload_patients(&self) -> Result<Vec<CaseloadPatient>> {
        self.caseload_patients_among(None).await
    }

    /// [`Store::caseload_patients`], or only those of `among` (patients just assigned).
    pub async fn caseload_patients_among(
        &self,
        among: Option<&[PatientId]>,
    ) -> Result<Vec<CaseloadPatient>> {
        let mut values = vec![PatientStatus::Active.into(), CarePlanState::Active.into()];
        let only = match among {
            Some([]) => return Ok(Vec::new()),
            Some(ids) => {
                let first = values.len() + 1;
                values.extend(ids.iter().map(|id| (*id).into()));
                let marks: Vec<String> =
                    (first..first + ids.len()).map(|n| format!("${n}")).collect();
                format!("AND p.id IN ({})", marks.join(", "))
            }
            None => String::new(),
        };
        let rows: Vec<CaseloadRow> = self
            .rows(
                &format!(
                    "SELECT p.id, p.coordinator_id, p.program,
                        (SELECT v.next_review_on FROM care_plan_versions v WHERE v.patient_id = p.id AND v.state = $2) AS review_on
                 FROM patients p WHERE p.status = $1 AND p.coordinator_id IS NOT NULL {only} ORDER BY p.id"
                ),
                values,
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| CaseloadPatient {
                id: r.id,
                coordinator_id: r.coordinator_id,
                program: r.program,
                review_on: r.review_on,
            })
            .collect())
    }

    /// Active users who carry a caseload: the subjects of weekly tasks.
    pub async fn active_coordinator_ids(&self) -> Result<Vec<UserId>> {
        self.scalars(
            "SELECT u.id FROM users u JOIN coordinator_profiles c ON c.user_id = u.id
             WHERE u.is_active = TRUE AND u.role IN ($1, $2) ORDER BY u.id",
            vec![Role::Coordinator.into(), Role::Manager.into()],
        )
        .await
    }

    /// Inserts the planned tasks that do not exist yet; returns how many were new.
    pub async fn insert_planned_tasks(
        &self,
        tasks: &[PlannedTask],
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let mut inserted = 0;
        let tx = self.begin_write().await?;
        for chunk in tasks.chunks(self.rows_per_statement(11)) {
            let mut sql = String::from(
                "INSERT INTO generated_tasks (schedule_id, task_type_id, coordinator_id, patient_id, subject_key, period_key, due_date,
                    estimated_minutes, priority, status, created_at) VALUES ",
            );
            let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 11);
            for (i, t) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                let placeholders: Vec<String> =
                    (1..=11).map(|n| format!("${}", i * 11 + n)).collect();
                sql.push_str(&format!("({})", placeholders.join(", ")));
                values.extend([
                    t.schedule_id.into(),
                    t.task_type_id.into(),
                    t.coordinator_id.into(),
                    t.patient_id.into(),
                    t.subject_key.clone().into(),
                    t.period_key.clone().into(),
                    t.due_date.into(),
                    t.estimated_minutes.into(),
                    t.priority.into(),
                    TaskStatus::Pending.into(),
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
        patient_id: PatientId,
        limit: i64,
    ) -> Result<Vec<GeneratedRow>> {
        self.rows(
            &format!("{GENERATED_SELECT} WHERE g.patient_id = $1 ORDER BY g.due_date DESC, g.id DESC LIMIT $2"),
            vec![patient_id.into(), limit.into()],
        )
        .await
    }

    /// Every coordinator's open tasks due before `day` (the demo completes most of them).
    pub async fn open_tasks_due_before(&self, day: NaiveDate) -> Result<Vec<GeneratedRow>> {
        self.rows(
            &format!("{GENERATED_SELECT} WHERE g.status = $1 AND g.due_date < $2 ORDER BY g.id"),
            vec![TaskStatus::Pending.into(), day.into()],
        )
        .await
    }

    pub async fn pending_tasks(&self, coordinator_id: UserId) -> Result<Vec<GeneratedRow>> {
        let mut tasks: Vec<GeneratedRow> = self
            .rows(
                &format!(
                    "{GENERATED_SELECT} WHERE g.coordinator_id = $1 AND g.status = {} ORDER BY g.due_date, g.id",
                    key(TaskStatus::Pending)
                ),
                vec![coordinator_id.into()],
            )
            .await?;
        // Priority's order is the vocabulary's (High, Medium, Low); the sort is stable, so due date then id hold.
        tasks.sort_by_key(|t| (t.due_date, t.priority));
        Ok(tasks)
    }

    pub async fn generated_task(&self, id: i64) -> Result<Option<GeneratedRow>> {
        self.row(&format!("{GENERATED_SELECT} WHERE g.id = $1"), vec![id.into()]).await
    }

    pub async fn generated_tasks_for_patient(
        &self,
        patient_id: PatientId,
        period_key: &str,
    ) -> Result<Vec<GeneratedRow>> {
        self.rows(
            &format!("{GENERATED_SELECT} WHERE g.patient_id = $1 AND g.period_key = $2 ORDER BY g.due_date, g.id"),
            vec![patient_id.into(), period_key.into()],
        )
        .await
    }
}
