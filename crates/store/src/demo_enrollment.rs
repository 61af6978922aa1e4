//! The demo practice's enrollment records, loaded with its patients in the same transaction.

use std::collections::HashMap;

use carelog_domain::patient::{CopyDelivery, RecordSource};
use sea_orm::{DatabaseTransaction, Value};

use crate::demo_rows::{DemoPatient, ids_by, insert_rows, lookup};
use crate::{Result, Store};

/// Who the records name: users and providers by name, and the load's time stamp.
pub(crate) struct People<'a> {
    pub users: &'a HashMap<String, i64>,
    pub providers: &'a HashMap<String, i64>,
    pub stamp: &'a Value,
}

/// Consents (one per program, all four disclosures confirmed), diagnoses and care plan versions with
/// their goals, for patients whose ids are `ids` (in the same order).
pub(crate) async fn insert(
    store: &Store,
    tx: &DatabaseTransaction,
    patients: &[DemoPatient],
    ids: &[i64],
    people: &People<'_>,
) -> Result<()> {
    let mut consents = Vec::new();
    let mut diagnoses = Vec::new();
    let mut versions = Vec::new();
    for (p, id) in patients.iter().zip(ids) {
        let coordinator: Value = match &p.coordinator {
            Some(c) => lookup(people.users, c, "coordinator")?.into(),
            None => Option::<i64>::None.into(),
        };
        let records = &p.enrollment;
        if let Some(c) = &records.consent {
            for program in p.program.consent_programs() {
                consents.push(vec![
                    (*id).into(),
                    (*program).into(),
                    c.obtained_on.into(),
                    c.method.into(),
                    coordinator.clone(),
                    true.into(),
                    true.into(),
                    true.into(),
                    true.into(),
                    c.withdrawn_on.into(),
                    RecordSource::Entered.into(),
                    coordinator.clone(),
                    people.stamp.clone(),
                ]);
            }
        }
        for d in &records.diagnoses {
            diagnoses.push(vec![
                (*id).into(),
                d.code.clone().into(),
                d.description.clone().into(),
                d.chronic.into(),
                d.onset_on.into(),
                d.resolved_on.into(),
                RecordSource::Entered.into(),
                coordinator.clone(),
                people.stamp.clone(),
            ]);
        }
        let provider = lookup(people.providers, &p.provider, "provider")?;
        for (n, v) in records.care_plan.iter().enumerate() {
            let activated = v.activated_on.is_some();
            let s = &v.sections;
            versions.push(vec![
                (*id).into(),
                (n as i32 + 1).into(),
                v.state.into(),
                s.problem_list.clone().into(),
                s.expected_outcome.clone().into(),
                s.symptom_management.clone().into(),
                s.interventions.clone().into(),
                s.medication_management.clone().into(),
                s.community_services.clone().into(),
                s.coordination.clone().into(),
                s.next_review_on.into(),
                RecordSource::Entered.into(),
                coordinator.clone(),
                people.stamp.clone(),
                people.stamp.clone(),
                v.activated_on.into(),
                if activated { coordinator.clone() } else { Option::<i64>::None.into() },
                activated.then_some(provider).into(),
                v.ended_on.into(),
                v.copy_given_on.into(),
                v.copy_given_on.map(|_| CopyDelivery::InPerson.as_str()).into(),
            ]);
        }
    }
    insert_rows(
        store,
        tx,
        "patient_consents",
        &[
            "patient_id",
            "program",
            "obtained_on",
            "method",
            "obtained_by",
            "service_available",
            "cost_sharing",
            "one_practitioner_a_month",
            "may_stop_any_time",
            "withdrawn_on",
            "source",
            "recorded_by",
            "recorded_at",
        ],
        consents,
    )
    .await?;
    insert_rows(
        store,
        tx,
        "patient_diagnoses",
        &[
            "patient_id",
            "code",
            "description",
            "chronic",
            "onset_on",
            "resolved_on",
            "source",
            "recorded_by",
            "recorded_at",
        ],
        diagnoses,
    )
    .await?;
    insert_rows(
        store,
        tx,
        "care_plan_versions",
        &[
            "patient_id",
            "version",
            "state",
            "problem_list",
            "expected_outcome",
            "symptom_management",
            "interventions",
            "medication_management",
            "community_services",
            "coordination",
            "next_review_on",
            "source",
            "created_by",
            "created_at",
            "updated_at",
            "activated_on",
            "activated_by",
            "approved_by_provider_id",
            "ended_on",
            "copy_given_on",
            "copy_given_how",
        ],
        versions,
    )
    .await?;
    // The goals find their version by `patient_id/version`.
    let version_ids = ids_by(
        store,
        tx,
        "SELECT CAST(patient_id AS TEXT) || '/' || CAST(version AS TEXT) AS k, id FROM care_plan_versions",
    )
    .await?;
    let mut goals = Vec::new();
    for (p, id) in patients.iter().zip(ids) {
        for (n, v) in p.enrollment.care_plan.iter().enumerate() {
            let version = lookup(&version_ids, &format!("{id}/{}", n + 1), "care plan version")?;
            for (position, g) in v.goals.iter().enumerate() {
                goals.push(vec![
                    version.into(),
                    (position as i32).into(),
                    g.goal.clone().into(),
                    g.target_on.into(),
                    g.status.into(),
                ]);
            }
        }
    }
    insert_rows(
        store,
        tx,
        "care_plan_goals",
        &["version_id", "position", "goal", "target_on", "status"],
        goals,
    )
    .await
}
