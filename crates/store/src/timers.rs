//! A user's running task timer, kept in the database so it survives reloads and server changes.

use carelog_domain::ids::{PatientId, TaskTypeId, UserId};
use chrono::{DateTime, Utc};

use crate::connection::at;
use crate::{Result, Store};

#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct RunningTimer {
    pub patient_id: Option<PatientId>,
    /// None when it was started without one (from a panel row or the record).
    pub task_type_id: Option<TaskTypeId>,
    pub started_at: DateTime<Utc>,
}

/// The running timer as the header shows it on every page.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct TimerBadge {
    pub patient_id: Option<PatientId>,
    pub patient_first: Option<String>,
    pub patient_last: Option<String>,
    pub task_type: Option<String>,
    pub started_at: DateTime<Utc>,
}

impl Store {
    /// Starts (or restarts) the user's timer.
    pub async fn start_timer(
        &self,
        user_id: UserId,
        patient_id: Option<PatientId>,
        task_type_id: Option<TaskTypeId>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        use sea_orm::ConnectionTrait;
        tx.execute_raw(
            self.stmt("DELETE FROM task_timers WHERE user_id = $1", vec![user_id.into()]),
        )
        .await?;
        tx.execute_raw(self.stmt(
            "INSERT INTO task_timers (user_id, patient_id, task_type_id, started_at) VALUES ($1, $2, $3, $4)",
            vec![user_id.into(), patient_id.into(), task_type_id.into(), at(now)],
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn timer(&self, user_id: UserId) -> Result<Option<RunningTimer>> {
        self.row(
            "SELECT patient_id, task_type_id, started_at FROM task_timers WHERE user_id = $1",
            vec![user_id.into()],
        )
        .await
    }

    /// Stops the timer and returns what it was timing.
    pub async fn stop_timer(&self, user_id: UserId) -> Result<Option<RunningTimer>> {
        let running = self.timer(user_id).await?;
        self.exec("DELETE FROM task_timers WHERE user_id = $1", vec![user_id.into()]).await?;
        Ok(running)
    }
}
