//! The `AutomatedTaskSchedule` table as admins edit it.

use carelog_domain::catalogue::{AppliesTo, Frequency};
use carelog_domain::ids::TaskTypeId;
use carelog_domain::patient::Priority;
use carelog_domain::schedule::ValidSchedule;
use chrono::{DateTime, Utc};
use sea_orm::{FromQueryResult, Value};

use crate::connection::at;
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, FromQueryResult)]
pub struct ScheduleRow {
    pub id: i64,
    pub task_type_id: TaskTypeId,
    pub task_type: String,
    pub frequency: Frequency,
    pub day_of_week: Option<i32>,
    pub day_of_month: Option<i32>,
    pub estimated_minutes: i32,
    pub priority: Priority,
    pub applies_to: AppliesTo,
    pub is_active: bool,
}

fn values(s: &ValidSchedule) -> Vec<Value> {
    vec![
        s.task_type_id.into(),
        s.frequency.into(),
        s.day_of_week.map(|d| d as i32).into(),
        s.day_of_month.map(|d| d as i32).into(),
        s.estimated_minutes.into(),
        s.priority.into(),
        s.applies_to.into(),
        s.active.into(),
    ]
}

fn conflict(e: StoreError) -> StoreError {
    match e {
        StoreError::Conflict(_) => StoreError::AlreadyExists(
            "a schedule for that task type, frequency and subjects".into(),
        ),
        other => other,
    }
}

impl Store {
    pub async fn schedules(&self) -> Result<Vec<ScheduleRow>> {
        self.rows(
            "SELECT s.id, s.task_type_id, t.name AS task_type, s.frequency, s.day_of_week, s.day_of_month, s.estimated_minutes,
                    s.priority, s.applies_to, s.is_active
             FROM automated_task_schedule s JOIN task_types t ON t.id = s.task_type_id ORDER BY s.frequency, s.id",
            vec![],
        )
        .await
    }

    /// Changes a schedule; it shapes tasks generated from now on, never ones already generated.
    pub async fn update_schedule(
        &self,
        id: i64,
        schedule: &ValidSchedule,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut v = values(schedule);
        v.extend([at(now), id.into()]);
        let changed = self
            .exec(
                "UPDATE automated_task_schedule SET task_type_id = $1, frequency = $2, day_of_week = $3, day_of_month = $4,
                    estimated_minutes = $5, priority = $6, applies_to = $7, is_active = $8, updated_at = $9 WHERE id = $10",
                v,
            )
            .await
            .map_err(conflict)?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("schedule {id}")));
        }
        Ok(())
    }

    pub async fn create_schedule(
        &self,
        schedule: &ValidSchedule,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut v = values(schedule);
        v.push(at(now));
        self.exec(
            "INSERT INTO automated_task_schedule (task_type_id, frequency, day_of_week, day_of_month, estimated_minutes, priority, applies_to,
                is_active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
            v,
        )
        .await
        .map_err(conflict)?;
        Ok(())
    }
}
