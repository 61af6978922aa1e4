//! The running task timer: start it on one's own patient and a task type, stop it into the add
//! form's minutes, or discard it. Each step is audited.

use carelog_domain::ids::{PatientId, TaskTypeId};
use carelog_domain::time_rules::{TimerReading, read_timer};
use carelog_store::RunningTimer;
use chrono::Utc;

use crate::{Actor, App, ServiceError, ServiceResult};

/// What stopping the timer did.
pub enum TimerStop {
    NotRunning,
    /// Under 5 minutes: the timer keeps running (stop it later, discard it, or enter time by hand).
    TooShort {
        minutes: i64,
    },
    /// Stopped: what it timed and the entries it offers (one, or a split of over 120 minutes), the
    /// first at the timer's start.
    Stopped {
        timer: RunningTimer,
        parts: Vec<i64>,
    },
}

impl App {
    pub async fn start_timer(
        &self,
        actor: &Actor,
        patient: &str,
        task_type: &str,
    ) -> ServiceResult<()> {
        let types = self.store.task_types().await?;
        let task_type =
            TaskTypeId::parse(task_type).and_then(|id| types.iter().find(|t| t.id == id));
        let Some(task_type) = task_type else {
            return Err(ServiceError::Refused("To start the timer, choose a task type.".into()));
        };
        let patient = match patient.trim() {
            "" if !task_type.needs_patient => None,
            "" => {
                return Err(ServiceError::Refused(format!(
                    "To time \"{}\", choose one of your patients.",
                    task_type.name
                )));
            }
            text => match PatientId::parse(text) {
                Some(id) if self.is_own_patient(actor, id).await? => Some(id),
                _ => {
                    return Err(ServiceError::Refused(
                        "To start the timer, choose one of your own patients.".into(),
                    ));
                }
            },
        };
        self.store.start_timer(actor.id, patient, task_type.id, Utc::now()).await?;
        self.audit(actor, "timer.start", patient, task_type.name.clone()).await
    }

    /// The actor's running timer, if any.
    pub async fn running_timer(&self, actor: &Actor) -> ServiceResult<Option<RunningTimer>> {
        Ok(self.store.timer(actor.id).await?)
    }

    /// Stops the actor's timer at its real elapsed time; one under 5 minutes keeps running.
    pub async fn stop_timer(&self, actor: &Actor) -> ServiceResult<TimerStop> {
        let Some(running) = self.store.timer(actor.id).await? else {
            return Ok(TimerStop::NotRunning);
        };
        let parts = match read_timer((Utc::now() - running.started_at).num_seconds()) {
            TimerReading::TooShort { minutes } => return Ok(TimerStop::TooShort { minutes }),
            TimerReading::Entry { minutes } => vec![minutes],
            TimerReading::Split { parts, .. } => parts,
        };
        let Some(timer) = self.store.stop_timer(actor.id).await? else {
            return Ok(TimerStop::NotRunning);
        };
        let detail = format!("{} min", parts.iter().sum::<i64>());
        self.audit(actor, "timer.stop", timer.patient_id, detail).await?;
        Ok(TimerStop::Stopped { timer, parts })
    }

    pub async fn discard_timer(&self, actor: &Actor) -> ServiceResult<()> {
        if let Some(timer) = self.store.stop_timer(actor.id).await? {
            self.audit(actor, "timer.discard", timer.patient_id, String::new()).await?;
        }
        Ok(())
    }
}
