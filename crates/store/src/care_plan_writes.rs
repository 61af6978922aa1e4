//! Writing a care plan's versions: the draft, its activation (superseding the version in force), the
//! plan's end, a discarded draft, and the patient's copy. Each write commits with its audit event.

use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::patient::{CarePlanState, CopyDelivery, RecordSource};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ConnectionTrait;

use crate::audit::insert_audit;
use crate::connection::at;
use crate::enrollment::{Activation, CarePlanSections, NewGoal};
use crate::row::Query;
use crate::{NewAuditEvent, Result, Store, StoreError};

impl Store {
    /// Writes the patient's draft care plan: the one being drafted, or a new version after the
    /// newest. Answers the draft's version number.
    pub async fn save_care_plan_draft(
        &self,
        patient: PatientId,
        sections: &CarePlanSections,
        goals: &[NewGoal],
        author: UserId,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<i32> {
        let tx = self.begin_write().await?;
        let draft: Option<i64> = tx
            .scalar(self.stmt(
                "SELECT id FROM care_plan_versions WHERE patient_id = $1 AND state = $2",
                vec![patient.into(), CarePlanState::Draft.into()],
            ))
            .await?;
        let section_values = || {
            vec![
                sections.problem_list.clone().into(),
                sections.expected_outcome.clone().into(),
                sections.symptom_management.clone().into(),
                sections.interventions.clone().into(),
                sections.medication_management.clone().into(),
                sections.community_services.clone().into(),
                sections.coordination.clone().into(),
                sections.next_review_on.into(),
                at(now),
            ]
        };
        let id = match draft {
            Some(id) => {
                let mut values = section_values();
                values.push(id.into());
                tx.execute_raw(self.stmt(
                    "UPDATE care_plan_versions SET problem_list = $1, expected_outcome = $2, symptom_management = $3,
                         interventions = $4, medication_management = $5, community_services = $6, coordination = $7,
                         next_review_on = $8, updated_at = $9
                     WHERE id = $10",
                    values,
                ))
                .await?;
                tx.execute_raw(
                    self.stmt("DELETE FROM care_plan_goals WHERE version_id = $1", vec![id.into()]),
                )
                .await?;
                id
            }
            None => {
                let mut values = section_values();
                values.extend([
                    patient.into(),
                    CarePlanState::Draft.into(),
                    RecordSource::Entered.into(),
                    author.into(),
                ]);
                let id: Option<i64> = tx
                    .scalar(self.stmt(
                        "INSERT INTO care_plan_versions (problem_list, expected_outcome, symptom_management, interventions,
                             medication_management, community_services, coordination, next_review_on, updated_at,
                             patient_id, state, source, created_by, created_at, version)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $9,
                             (SELECT COALESCE(MAX(version), 0) + 1 FROM care_plan_versions WHERE patient_id = $10))
                         RETURNING id",
                        values,
                    ))
                    .await?;
                id.ok_or_else(|| StoreError::NotFound("the new care plan version".into()))?
            }
        };
        for (position, goal) in goals.iter().enumerate() {
            tx.execute_raw(self.stmt(
                "INSERT INTO care_plan_goals (version_id, position, goal, target_on, status) VALUES ($1, $2, $3, $4, $5)",
                vec![
                    id.into(),
                    (position as i32).into(),
                    goal.goal.clone().into(),
                    goal.target_on.into(),
                    goal.status.into(),
                ],
            ))
            .await?;
        }
        let version: Option<i32> = tx
            .scalar(
                self.stmt("SELECT version FROM care_plan_versions WHERE id = $1", vec![id.into()]),
            )
            .await?;
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        version.ok_or_else(|| StoreError::NotFound("the draft".into()))
    }

    /// The draft becomes the active version; the one it replaces is superseded that day.
    pub async fn activate_care_plan(
        &self,
        patient: PatientId,
        activation: Activation,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        tx.execute_raw(self.stmt(
            "UPDATE care_plan_versions SET state = $1, ended_on = $2, updated_at = $3
             WHERE patient_id = $4 AND state = $5",
            vec![
                CarePlanState::Superseded.into(),
                activation.on.into(),
                at(now),
                patient.into(),
                CarePlanState::Active.into(),
            ],
        ))
        .await?;
        let changed = tx
            .execute_raw(self.stmt(
                "UPDATE care_plan_versions SET state = $1, activated_on = $2, activated_by = $3,
                     approved_by_provider_id = $4, updated_at = $5
                 WHERE patient_id = $6 AND state = $7",
                vec![
                    CarePlanState::Active.into(),
                    activation.on.into(),
                    activation.by.into(),
                    activation.approved_by.into(),
                    at(now),
                    patient.into(),
                    CarePlanState::Draft.into(),
                ],
            ))
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound("a draft care plan to activate".into()));
        }
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The active version stops on a day, leaving the patient without a care plan in force.
    pub async fn end_care_plan(
        &self,
        patient: PatientId,
        on: NaiveDate,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.change_one(
            "UPDATE care_plan_versions SET state = $1, ended_on = $2, updated_at = $3
             WHERE patient_id = $4 AND state = $5 AND (activated_on IS NULL OR activated_on <= $2)",
            vec![
                CarePlanState::Inactive.into(),
                on.into(),
                at(now),
                patient.into(),
                CarePlanState::Active.into(),
            ],
            "an active care plan to end".into(),
            audit,
            now,
        )
        .await
    }

    /// Drops the draft (its content stays in the audit event).
    pub async fn discard_care_plan_draft(
        &self,
        patient: PatientId,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        let draft: Option<i64> = tx
            .scalar(self.stmt(
                "SELECT id FROM care_plan_versions WHERE patient_id = $1 AND state = $2",
                vec![patient.into(), CarePlanState::Draft.into()],
            ))
            .await?;
        let draft = draft.ok_or_else(|| StoreError::NotFound("a draft care plan".into()))?;
        tx.execute_raw(
            self.stmt("DELETE FROM care_plan_goals WHERE version_id = $1", vec![draft.into()]),
        )
        .await?;
        tx.execute_raw(
            self.stmt("DELETE FROM care_plan_versions WHERE id = $1", vec![draft.into()]),
        )
        .await?;
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that the patient was given a copy of a version that has been active.
    pub async fn record_care_plan_copy(
        &self,
        patient: PatientId,
        version: i32,
        on: NaiveDate,
        how: CopyDelivery,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.change_one(
            "UPDATE care_plan_versions SET copy_given_on = $1, copy_given_how = $2, updated_at = $3
             WHERE patient_id = $4 AND version = $5 AND state <> $6",
            vec![
                on.into(),
                how.into(),
                at(now),
                patient.into(),
                version.into(),
                CarePlanState::Draft.into(),
            ],
            format!("care plan version {version}"),
            audit,
            now,
        )
        .await
    }
}
