//! A patient's enrollment as the API answers it: consents, diagnoses, care plan versions,
//! complexity changes and the practitioners who may approve a plan, with this month's gaps.

use carelog_app::enrollment::EnrollmentView;
use carelog_domain::patient::{
    CarePlanState, CareProgram, ConsentMethod, CopyDelivery, GoalStatus, RecordSource,
};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Enrollment {
    /// What the patient still lacks before this month can be billed.
    gaps: Vec<&'static str>,
    complex: bool,
    consents: Vec<Consent>,
    diagnoses: Vec<Diagnosis>,
    /// Newest version first.
    care_plan_versions: Vec<CarePlanVersion>,
    complexity_changes: Vec<ComplexityChange>,
    practitioners: Vec<Practitioner>,
    /// Set on a write: what was saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct Consent {
    id: i64,
    program: CareProgram,
    obtained_on: NaiveDate,
    method: ConsentMethod,
    obtained_by: Option<String>,
    /// All four disclosures were made.
    disclosures_confirmed: bool,
    note: String,
    withdrawn_on: Option<NaiveDate>,
    source: RecordSource,
}

#[derive(Serialize, ToSchema)]
struct Diagnosis {
    id: i64,
    code: String,
    /// The code system's URI (ICD-10-CM or SNOMED CT).
    system: &'static str,
    description: String,
    chronic: bool,
    onset_on: Option<NaiveDate>,
    resolved_on: Option<NaiveDate>,
    source: RecordSource,
}

#[derive(Serialize, ToSchema)]
struct CarePlanVersion {
    version: i32,
    state: CarePlanState,
    source: RecordSource,
    activated_on: Option<NaiveDate>,
    activated_by: Option<String>,
    approved_by: Option<String>,
    ended_on: Option<NaiveDate>,
    copy_given_on: Option<NaiveDate>,
    copy_given_how: Option<CopyDelivery>,
    problem_list: String,
    expected_outcome: String,
    symptom_management: String,
    interventions: String,
    medication_management: String,
    community_services: String,
    coordination: String,
    next_review_on: Option<NaiveDate>,
    goals: Vec<Goal>,
}

#[derive(Serialize, ToSchema)]
struct Goal {
    goal: String,
    target_on: Option<NaiveDate>,
    status: GoalStatus,
}

#[derive(Serialize, ToSchema)]
struct ComplexityChange {
    effective_on: NaiveDate,
    complex: bool,
    previous: bool,
    reason: String,
}

#[derive(Serialize, ToSchema)]
struct Practitioner {
    id: i64,
    name: String,
    npi: Option<String>,
}

impl Enrollment {
    pub fn of(view: EnrollmentView, message: Option<String>) -> Self {
        let r = view.records;
        Enrollment {
            gaps: view.gaps,
            complex: r.complex_now,
            consents: r
                .consents
                .into_iter()
                .map(|c| Consent {
                    disclosures_confirmed: c.service_available
                        && c.cost_sharing
                        && c.one_practitioner_a_month
                        && c.may_stop_any_time,
                    id: c.id,
                    program: c.program,
                    obtained_on: c.obtained_on,
                    method: c.method,
                    obtained_by: c.obtained_by,
                    note: c.note,
                    withdrawn_on: c.withdrawn_on,
                    source: c.source,
                })
                .collect(),
            diagnoses: r
                .diagnoses
                .into_iter()
                .map(|d| Diagnosis {
                    system: crate::fhir_enrollment::code_system_url(d.code_system),
                    id: d.id,
                    code: d.code,
                    description: d.description,
                    chronic: d.chronic,
                    onset_on: d.onset_on,
                    resolved_on: d.resolved_on,
                    source: d.source,
                })
                .collect(),
            care_plan_versions: r
                .care_plans
                .into_iter()
                .map(|v| CarePlanVersion {
                    version: v.version,
                    state: v.state,
                    source: v.source,
                    activated_on: v.activated_on,
                    activated_by: v.activated_by,
                    approved_by: v.approved_by,
                    ended_on: v.ended_on,
                    copy_given_on: v.copy_given_on,
                    copy_given_how: v.copy_given_how,
                    problem_list: v.sections.problem_list,
                    expected_outcome: v.sections.expected_outcome,
                    symptom_management: v.sections.symptom_management,
                    interventions: v.sections.interventions,
                    medication_management: v.sections.medication_management,
                    community_services: v.sections.community_services,
                    coordination: v.sections.coordination,
                    next_review_on: v.sections.next_review_on,
                    goals: v
                        .goals
                        .into_iter()
                        .map(|g| Goal { goal: g.goal, target_on: g.target_on, status: g.status })
                        .collect(),
                })
                .collect(),
            complexity_changes: r
                .complexity
                .into_iter()
                .map(|c| ComplexityChange {
                    effective_on: c.effective_on,
                    complex: c.complex,
                    previous: c.previous,
                    reason: c.reason,
                })
                .collect(),
            practitioners: view
                .practitioners
                .into_iter()
                .map(|p| Practitioner { id: p.id, name: p.name, npi: p.npi })
                .collect(),
            message,
        }
    }
}
