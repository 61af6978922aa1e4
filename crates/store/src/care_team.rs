//! Changes to who looks after a patient, and to a patient's status, with their effect on open tasks.

use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::patient::{OnboardingStep, PatientStatus};
use carelog_domain::schedule::TaskStatus;
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use crate::audit::{NewAuditEvent, insert_audit};
use crate::connection::at;
use crate::onboarding::step_sql;
use crate::panel::NamedUser;
use crate::row::Query;
use crate::{Result, Store, StoreError};

/// What a reassignment or status change did to the patient's open generated tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskEffect {
    pub moved: u64,
    pub cancelled: u64,
}

impl Store {
    /// Assigns a patient to a coordinator (recording who, when and why) and moves their open generated
    /// tasks to the new coordinator, in one transaction with its audit event.
    pub async fn assign_patient(
        &self,
        patient_id: PatientId,
        coordinator_id: UserId,
        assigned_by: Option<UserId>,
        rationale: &str,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<TaskEffect> {
        let tx = self.begin_write().await?;
        let previous: Option<UserId> =
            tx.scalar::<Option<UserId>>(self.stmt(
                "SELECT coordinator_id FROM patients WHERE id = $1",
                vec![patient_id.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("patient {patient_id}")))?;
        let step = step_sql(OnboardingStep::ASSIGN, 3);
        let mut values = vec![coordinator_id.into(), at(now), patient_id.into()];
        values.extend(step.values);
        tx.execute_raw(self.stmt(
            &format!(
                "UPDATE patients SET coordinator_id = $1, updated_at = $2,
                    onboarding_status = CASE WHEN onboarding_status IN {} THEN {} ELSE onboarding_status END
                 WHERE id = $3",
                step.from, step.to
            ),
            values,
        ))
        .await?;
        tx.execute_raw(self.stmt(
            "INSERT INTO assignments (patient_id, coordinator_id, previous_coordinator_id, assigned_by, assigned_at, rationale)
             VALUES ($1, $2, $3, $4, $5, $6)",
            vec![patient_id.into(), coordinator_id.into(), previous.into(), assigned_by.into(), at(now), rationale.into()],
        ))
        .await?;
        let moved = tx
            .execute_raw(self.stmt(
                "UPDATE generated_tasks SET coordinator_id = $1 WHERE patient_id = $2 AND status = $3",
                vec![coordinator_id.into(), patient_id.into(), TaskStatus::Pending.into()],
            ))
            .await?
            .rows_affected();
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(TaskEffect { moved, cancelled: 0 })
    }

    /// Sets a patient's status. Inactive and Deceased patients leave every work queue: their open
    /// generated tasks are cancelled (kept, marked), their history stays.
    pub async fn set_patient_status(
        &self,
        patient_id: PatientId,
        status: PatientStatus,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<TaskEffect> {
        let tx = self.begin_write().await?;
        let changed = tx
            .execute_raw(self.stmt(
                "UPDATE patients SET status = $1, updated_at = $2 WHERE id = $3",
                vec![status.into(), at(now), patient_id.into()],
            ))
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound(format!("patient {patient_id}")));
        }
        let cancelled = if status.is_in_care() {
            0
        } else {
            tx.execute_raw(self.stmt(
                "UPDATE generated_tasks SET status = $2 WHERE patient_id = $1 AND status = $3",
                vec![patient_id.into(), TaskStatus::Cancelled.into(), TaskStatus::Pending.into()],
            ))
            .await?
            .rows_affected()
        };
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(TaskEffect { moved: 0, cancelled })
    }

    /// Users who carry a caseload, for assignment pickers.
    pub async fn caseload_holders(&self) -> Result<Vec<NamedUser>> {
        self.rows(
            "SELECT u.id, u.display_name AS name FROM users u JOIN coordinator_profiles c ON c.user_id = u.id
             WHERE u.is_active = TRUE ORDER BY u.display_name",
            vec![],
        )
        .await
    }
}
