//! The running task timer: start it on one's own patient and a task type, stop it into the add
//! form's minutes, or discard it. Each step is audited.

use carelog_domain::ids::{PatientId, TaskTypeId};
use carelog_domain::time_rules::timed_minutes;
use carelog_store::RunningTimer;
use chrono::Utc;

use crate::{Actor, App, ServiceError, ServiceResult};

/// A stopped timer: what it timed, and the minutes it offers the add form.
pub struct Stopped {
    pub timer: RunningTimer,
    pub minutes: i64,
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

    /// Stops the actor's timer; None when none was running.
    pub async fn stop_timer(&self, actor: &Actor) -> ServiceResult<Option<Stopped>> {
        let Some(timer) = self.store.stop_timer(actor.id).await? else { return Ok(None) };
        let minutes = timed_minutes((Utc::now() - timer.started_at).num_seconds());
        self.audit(actor, "timer.stop", timer.patient_id, format!("{minutes} min")).await?;
        Ok(Some(Stopped { timer, minutes }))
    }

    pub async fn discard_timer(&self, actor: &Actor) -> ServiceResult<()> {
        if let Some(timer) = self.store.stop_timer(actor.id).await? {
            self.audit(actor, "timer.discard", timer.patient_id, String::new()).await?;
        }
        Ok(())
    }
}
