//! The running task timer: start it on one's own patient and a task type, stop it into the add
//! form's minutes, or discard it. Each step is audited.

use carelog_domain::catalogue::TimeRule;
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
        // The type may wait for the stop (a timer started from a panel row or the record).
        let task_type = match task_type.trim() {
            "" => None,
            text => Some(
                TaskTypeId::parse(text)
                    .and_then(|id| types.iter().find(|t| t.id == id))
                    .ok_or_else(|| {
                        ServiceError::Refused(
                            "To start the timer, choose a task type from the list, or none.".into(),
                        )
                    })?,
            ),
        };
        let patient = match patient.trim() {
            "" => match task_type {
                Some(t) if !t.needs_patient => None,
                Some(t) => {
                    return Err(ServiceError::Refused(format!(
                        "To time \"{}\", choose one of your patients.",
                        t.name
                    )));
                }
                None => {
                    return Err(ServiceError::Refused(
                        "To start the timer, choose a patient or a task type.".into(),
                    ));
                }
            },
            text => match PatientId::parse(text) {
                Some(id) if self.is_own_patient(actor, id).await? => Some(id),
                _ => {
                    return Err(ServiceError::Refused(
                        "To start the timer, choose one of your own patients.".into(),
                    ));
                }
            },
        };
        if let Some(t) = task_type.filter(|t| t.time_rule == TimeRule::NoMinutes) {
            return Err(ServiceError::Refused(format!(
                "\"{}\" records no minutes, so there is nothing to time.",
                t.name
            )));
        }
        let type_id = task_type.map(|t| t.id);
        self.store.start_timer(actor.id, patient, type_id, Utc::now()).await?;
        let detail = task_type.map(|t| t.name.clone()).unwrap_or_else(|| "type at the stop".into());
        self.audit(actor, "timer.start", patient, detail).await
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
