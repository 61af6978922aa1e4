//! Assigning waiting patients from the queue, handoff meetings, and senior reviews (seed 001 §3.5).

use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::patient::{Availability, OnboardingStep, PatientStatus};
use carelog_domain::schedule::TaskStatus;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};

use crate::audit::{NewAuditEvent, insert_audit};
use crate::connection::{CoordinatorLock, at, lock_for_transaction};
use crate::onboarding::step_sql;
use crate::row::Query;
use crate::{Result, Store, StoreError};

/// The match score's parts as they were when the manager decided.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreParts {
    pub total: f64,
    pub workload: f64,
    pub specialization: f64,
    pub experience: f64,
    pub language: f64,
}

#[derive(Debug, Clone)]
pub struct NewAssignment {
    pub patient_id: PatientId,
    pub coordinator_id: UserId,
    pub score: Option<ScoreParts>,
    pub rationale: String,
    /// Only coordinators with room may be given patients unless the manager overrides (with a rationale).
    pub enforce_capacity: bool,
    pub handoff_at: Option<DateTime<Utc>>,
    pub handoff_with: Option<UserId>,
}

/// What finalizing did: the assignment ids in order and the senior reviews they superseded, or the
/// rule that refused the whole batch.
#[derive(Debug)]
pub enum Finalized {
    Done { ids: Vec<i64>, superseded: Vec<SupersededReview> },
    Refused(String),
}

/// An open senior review closed because its patient was assigned before an answer.
#[derive(Debug, Clone, FromQueryResult)]
pub struct SupersededReview {
    pub id: i64,
    pub patient_id: PatientId,
    pub requested_by: UserId,
}

#[derive(Debug, Clone)]
pub struct AssignmentRecord {
    pub id: i64,
    pub patient_id: PatientId,
    pub coordinator_id: UserId,
    pub coordinator: String,
    pub assigned_by: Option<String>,
    pub assigned_at: DateTime<Utc>,
    pub score: Option<ScoreParts>,
    pub rationale: String,
    pub handoff_at: Option<DateTime<Utc>>,
    pub handoff_with_id: Option<UserId>,
    pub handoff_with: Option<String>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct SeniorReview {
    pub id: i64,
    pub patient_id: PatientId,
    pub patient: String,
    pub requested_by_id: UserId,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub proposed_coordinator: Option<String>,
    pub notes: String,
    pub answered_by: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answer: Option<String>,
    /// Set when the patient was assigned before anyone answered.
    pub superseded_by: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
pub enum ReviewsOf {
    All,
    Patient(PatientId),
    Review(i64),
}

/// A caseload holder's name, availability and caseload, read inside the transaction.
#[derive(FromQueryResult)]
struct Capacity {
    display_name: String,
    availability: Availability,
    max_caseload: i32,
    caseload: i64,
}

impl Capacity {
    fn room(&self) -> i64 {
        i64::from(self.max_caseload) - self.caseload
    }
}

async fn capacity(
    store: &Store,
    tx: &DatabaseTransaction,
    coordinator_id: UserId,
) -> Result<Option<Capacity>> {
    tx.row(store.stmt(
        "SELECT u.display_name, c.availability, c.max_caseload,
                (SELECT COUNT(*) FROM patients p WHERE p.coordinator_id = u.id AND p.status = $2) AS caseload
         FROM users u JOIN coordinator_profiles c ON c.user_id = u.id WHERE u.id = $1 AND u.is_active = TRUE",
        vec![coordinator_id.into(), PatientStatus::Active.into()],
    ))
    .await
}

/// Closes the patient's open senior review, if any, as superseded by assignment `id`.
async fn supersede_open_reviews(
    store: &Store,
    tx: &DatabaseTransaction,
    a: &NewAssignment,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<SupersededReview>> {
    let open: Vec<SupersededReview> = tx
        .rows(store.stmt(
            "SELECT id, patient_id, requested_by FROM senior_reviews WHERE patient_id = $1 AND answered_at IS NULL",
            vec![a.patient_id.into()],
        ))
        .await?;
    if !open.is_empty() {
        tx.execute_raw(store.stmt(
            "UPDATE senior_reviews SET answered_at = $1, superseded_by = $2,
                    answer = 'Superseded: the patient was assigned before an answer.'
             WHERE patient_id = $3 AND answered_at IS NULL",
            vec![at(now), id.into(), a.patient_id.into()],
        ))
        .await?;
    }
    Ok(open)
}

#[derive(FromQueryResult)]
struct AssignmentRow {
    id: i64,
    patient_id: PatientId,
    coordinator_id: UserId,
    coordinator: String,
    assigned_by: Option<String>,
    assigned_at: DateTime<Utc>,
    match_score: Option<f64>,
    workload_score: Option<f64>,
    specialization_score: Option<f64>,
    experience_score: Option<f64>,
    language_score: Option<f64>,
    rationale: String,
    handoff_at: Option<DateTime<Utc>>,
    handoff_with: Option<UserId>,
    handoff_name: Option<String>,
}

impl From<AssignmentRow> for AssignmentRecord {
    fn from(r: AssignmentRow) -> AssignmentRecord {
        let score = r.match_score.map(|total| ScoreParts {
            total,
            workload: r.workload_score.unwrap_or_default(),
            specialization: r.specialization_score.unwrap_or_default(),
            experience: r.experience_score.unwrap_or_default(),
            language: r.language_score.unwrap_or_default(),
        });
        AssignmentRecord {
            id: r.id,
            patient_id: r.patient_id,
            coordinator_id: r.coordinator_id,
            coordinator: r.coordinator,
            assigned_by: r.assigned_by,
            assigned_at: r.assigned_at,
            score,
            rationale: r.rationale,
            handoff_at: r.handoff_at,
            handoff_with_id: r.handoff_with,
            handoff_with: r.handoff_name,
        }
    }
}

impl Store {
    /// Assigns each patient in one transaction: all are assigned, or none (the first rule broken is named).
    /// A patient must still be waiting; with `enforce_capacity`, the coordinator must have room and be available.
    pub async fn finalize_assignments(
        &self,
        batch: &[NewAssignment],
        assigned_by: UserId,
        audits: &[NewAuditEvent<'_>],
        now: DateTime<Utc>,
    ) -> Result<Finalized> {
        let tx = self.begin_write().await?;
        let mut coordinators: Vec<UserId> = batch.iter().map(|a| a.coordinator_id).collect();
        coordinators.sort_unstable();
        coordinators.dedup();
        for c in &coordinators {
            lock_for_transaction(self, &tx, CoordinatorLock::Caseload, *c).await?;
        }
        for c in &coordinators {
            let Some(holder) = capacity(self, &tx, *c).await? else {
                return Ok(Finalized::Refused(
                    "Coordinator: choose one from the list (that user carries no caseload).".into(),
                ));
            };
            let wanted =
                batch.iter().filter(|a| a.coordinator_id == *c && a.enforce_capacity).count()
                    as i64;
            let (name, room) = (&holder.display_name, holder.room());
            if wanted > 0 && holder.availability == Availability::Unavailable {
                return Ok(Finalized::Refused(format!(
                    "{name} is Unavailable: give a rationale in the notes to assign them anyway, or choose another coordinator."
                )));
            }
            if wanted > room {
                return Ok(Finalized::Refused(format!(
                    "{name} has room for {} more patient{} and this would give them {wanted}: choose another coordinator, or give a rationale in the notes to go over capacity.",
                    room.max(0),
                    if room == 1 { "" } else { "s" }
                )));
            }
        }
        let mut ids = Vec::with_capacity(batch.len());
        let mut superseded = Vec::new();
        for (a, audit) in batch.iter().zip(audits) {
            let step = step_sql(OnboardingStep::ASSIGN, 4);
            let mut values = vec![
                a.coordinator_id.into(),
                at(now),
                a.patient_id.into(),
                PatientStatus::Active.into(),
            ];
            values.extend(step.values);
            let taken = tx
                .execute_raw(self.stmt(
                    &format!(
                        "UPDATE patients SET coordinator_id = $1, onboarding_status = {}, updated_at = $2
                         WHERE id = $3 AND status = $4 AND onboarding_status IN {}",
                        step.to, step.from
                    ),
                    values,
                ))
                .await?
                .rows_affected();
            if taken == 0 {
                let name = tx
                    .scalar::<String>(self.stmt(
                        "SELECT last_name || ', ' || first_name AS n FROM patients WHERE id = $1",
                        vec![a.patient_id.into()],
                    ))
                    .await?
                    .unwrap_or_else(|| format!("patient {}", a.patient_id));
                return Ok(Finalized::Refused(format!(
                    "{name} is no longer waiting for a coordinator (assigned or changed meanwhile): nothing was saved."
                )));
            }
            let s = a.score;
            let id: i64 = tx
                .scalar(self.stmt(
                    "INSERT INTO assignments (patient_id, coordinator_id, previous_coordinator_id, assigned_by, assigned_at, match_score,
                        workload_score, specialization_score, experience_score, language_score, rationale, handoff_at, handoff_with)
                     VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                    vec![
                        a.patient_id.into(),
                        a.coordinator_id.into(),
                        assigned_by.into(),
                        at(now),
                        s.map(|s| s.total).into(),
                        s.map(|s| s.workload).into(),
                        s.map(|s| s.specialization).into(),
                        s.map(|s| s.experience).into(),
                        s.map(|s| s.language).into(),
                        a.rationale.clone().into(),
                        a.handoff_at.map(at).unwrap_or(sea_orm::Value::ChronoDateTimeUtc(None)),
                        a.handoff_with.into(),
                    ],
                ))
                .await?
                .ok_or_else(|| StoreError::NotFound("the new assignment's id".into()))?;
            tx.execute_raw(self.stmt(
                "UPDATE generated_tasks SET coordinator_id = $1 WHERE patient_id = $2 AND status = $3",
                vec![a.coordinator_id.into(), a.patient_id.into(), TaskStatus::Pending.into()],
            ))
            .await?;
            superseded.extend(supersede_open_reviews(self, &tx, a, id, now).await?);
            insert_audit(self, &tx, audit, now).await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(Finalized::Done { ids, superseded })
    }

    pub async fn assignment(&self, id: i64) -> Result<Option<AssignmentRecord>> {
        let row: Option<AssignmentRow> = self
            .row(
                "SELECT a.id, a.patient_id, a.coordinator_id, c.display_name AS coordinator, m.display_name AS assigned_by, a.assigned_at,
                        a.match_score, a.workload_score, a.specialization_score, a.experience_score, a.language_score, a.rationale,
                        a.handoff_at, a.handoff_with, h.display_name AS handoff_name
                 FROM assignments a JOIN users c ON c.id = a.coordinator_id
                 LEFT JOIN users m ON m.id = a.assigned_by LEFT JOIN users h ON h.id = a.handoff_with
                 WHERE a.id = $1",
                vec![id.into()],
            )
            .await?;
        Ok(row.map(AssignmentRecord::from))
    }

    /// Sets (or moves) an assignment's handoff meeting, with its audit event.
    pub async fn schedule_handoff(
        &self,
        assignment_id: i64,
        handoff_at: DateTime<Utc>,
        with: UserId,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        let changed = tx
            .execute_raw(self.stmt(
                "UPDATE assignments SET handoff_at = $1, handoff_with = $2 WHERE id = $3",
                vec![at(handoff_at), with.into(), assignment_id.into()],
            ))
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound(format!("assignment {assignment_id}")));
        }
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sends a waiting patient to the admins: Assignment Pending until one answers. Refused (false) when a
    /// review is already open or the patient is no longer waiting.
    pub async fn request_senior_review(
        &self,
        patient_id: PatientId,
        requested_by: UserId,
        proposed: Option<UserId>,
        notes: &str,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let tx = self.begin_write().await?;
        let open = tx
            .count(self.stmt(
                "SELECT COUNT(*) AS n FROM senior_reviews WHERE patient_id = $1 AND answered_at IS NULL",
                vec![patient_id.into()],
            ))
            .await?;
        if open > 0 {
            return Ok(false);
        }
        let step = step_sql(OnboardingStep::REQUEST_REVIEW, 3);
        let mut values = vec![at(now), patient_id.into(), PatientStatus::Active.into()];
        values.extend(step.values);
        let pending = tx
            .execute_raw(self.stmt(
                &format!(
                    "UPDATE patients SET onboarding_status = {}, updated_at = $1
                     WHERE id = $2 AND status = $3 AND onboarding_status IN {}",
                    step.to, step.from
                ),
                values,
            ))
            .await?
            .rows_affected();
        if pending == 0 {
            return Ok(false);
        }
        tx.execute_raw(self.stmt(
            "INSERT INTO senior_reviews (patient_id, requested_by, requested_at, proposed_coordinator_id, request_notes)
             VALUES ($1, $2, $3, $4, $5)",
            vec![patient_id.into(), requested_by.into(), at(now), proposed.into(), notes.into()],
        ))
        .await?;
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn senior_review(&self, id: i64) -> Result<Option<SeniorReview>> {
        Ok(self.senior_reviews(ReviewsOf::Review(id), 1).await?.into_iter().next())
    }

    /// Senior reviews, open ones first then the latest answered.
    pub async fn senior_reviews(&self, of: ReviewsOf, limit: i64) -> Result<Vec<SeniorReview>> {
        let (filter, mut values) = match of {
            ReviewsOf::All => ("", vec![]),
            ReviewsOf::Patient(id) => ("WHERE s.patient_id = $1", vec![id.into()]),
            ReviewsOf::Review(id) => ("WHERE s.id = $1", vec![id.into()]),
        };
        values.push(limit.into());
        let mut reviews: Vec<SeniorReview> = self
            .rows(
                &format!(
                    "SELECT s.id, s.patient_id, p.last_name || ', ' || p.first_name AS patient, s.requested_by AS requested_by_id,
                            r.display_name AS requested_by, s.requested_at, c.display_name AS proposed_coordinator,
                            s.request_notes AS notes, a.display_name AS answered_by, s.answered_at, s.answer, s.superseded_by
                     FROM senior_reviews s JOIN patients p ON p.id = s.patient_id JOIN users r ON r.id = s.requested_by
                     LEFT JOIN users c ON c.id = s.proposed_coordinator_id LEFT JOIN users a ON a.id = s.answered_by
                     {filter} ORDER BY CASE WHEN s.answered_at IS NULL THEN 0 ELSE 1 END, s.requested_at DESC LIMIT ${}",
                    values.len()
                ),
                values,
            )
            .await?;
        for review in &mut reviews {
            review.patient = review.patient.to_uppercase();
        }
        Ok(reviews)
    }

    /// Answers an open review and puts the patient back in the queue as Ready for Assignment. False when
    /// the review was answered already.
    pub async fn answer_senior_review(
        &self,
        review: &SeniorReview,
        answered_by: UserId,
        answer: &str,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let tx = self.begin_write().await?;
        let answered = tx
            .execute_raw(self.stmt(
                "UPDATE senior_reviews SET answered_by = $1, answered_at = $2, answer = $3 WHERE id = $4 AND answered_at IS NULL",
                vec![answered_by.into(), at(now), answer.into(), review.id.into()],
            ))
            .await?
            .rows_affected();
        if answered == 0 {
            return Ok(false);
        }
        let patient_id = review.patient_id;
        let step = step_sql(OnboardingStep::ANSWER_REVIEW, 2);
        let mut values = vec![at(now), patient_id.into()];
        values.extend(step.values);
        tx.execute_raw(self.stmt(
            &format!(
                "UPDATE patients SET onboarding_status = {}, updated_at = $1
                 WHERE id = $2 AND onboarding_status IN {}",
                step.to, step.from
            ),
            values,
        ))
        .await?;
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(true)
    }
}
