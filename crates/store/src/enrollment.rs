//! Enrollment records (domain.md "Enrollment") as they are read: consent per program, diagnoses, care
//! plan versions with their goals, complex-CCM changes, the enrollment and its initiating visits; for
//! the record, for billing's gates and for the coordinators' gaps. Writes are in `enrollment_writes`
//! and `care_plan_writes`.

use std::collections::HashMap;

use carelog_domain::enrollment::{
    CarePlanVersionSpan, ComplexityChange, ConsentSpan, DiagnosisSpan, EnrollmentRecords, GapFacts,
    initiating_kind,
};
use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::patient::{
    CarePlanState, CareProgram, CodeSystem, ConsentMethod, CopyDelivery, GoalStatus, PatientStatus,
    Program, RecordSource,
};
use carelog_domain::practice_time::YearMonth;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::FromQueryResult;

use crate::keys::key;
use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct ConsentRow {
    pub id: i64,
    pub program: CareProgram,
    pub obtained_on: NaiveDate,
    pub method: ConsentMethod,
    pub obtained_by: Option<String>,
    pub service_available: bool,
    pub cost_sharing: bool,
    pub one_practitioner_a_month: bool,
    pub may_stop_any_time: bool,
    pub note: String,
    pub withdrawn_on: Option<NaiveDate>,
    pub source: RecordSource,
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct DiagnosisRow {
    pub id: i64,
    pub code_system: CodeSystem,
    pub code: String,
    pub description: String,
    pub chronic: bool,
    pub onset_on: Option<NaiveDate>,
    pub resolved_on: Option<NaiveDate>,
    pub source: RecordSource,
    pub recorded_by: Option<String>,
}

/// A care plan version's sections (CMS's elements), as written by its author.
#[derive(Debug, Clone, Default, PartialEq, Eq, FromQueryResult)]
pub struct CarePlanSections {
    pub problem_list: String,
    pub expected_outcome: String,
    pub symptom_management: String,
    pub interventions: String,
    pub medication_management: String,
    pub community_services: String,
    pub coordination: String,
    pub next_review_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct GoalRow {
    pub goal: String,
    pub target_on: Option<NaiveDate>,
    pub status: GoalStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct CarePlanVersionRow {
    pub id: i64,
    pub version: i32,
    pub state: CarePlanState,
    pub source: RecordSource,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub activated_on: Option<NaiveDate>,
    pub activated_by: Option<String>,
    pub approved_by: Option<String>,
    pub ended_on: Option<NaiveDate>,
    pub copy_given_on: Option<NaiveDate>,
    pub copy_given_how: Option<CopyDelivery>,
    #[sea_orm(nested)]
    pub sections: CarePlanSections,
    #[sea_orm(skip)]
    pub goals: Vec<GoalRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct ComplexityRow {
    pub effective_on: NaiveDate,
    pub complex: bool,
    pub previous: bool,
    pub reason: String,
    pub recorded_by: Option<String>,
}

/// One patient's enrollment records, as the record page shows them.
#[derive(Debug, Clone, Default)]
pub struct PatientEnrollment {
    pub consents: Vec<ConsentRow>,
    pub diagnoses: Vec<DiagnosisRow>,
    /// Newest version first, goals included.
    pub care_plans: Vec<CarePlanVersionRow>,
    /// Newest first.
    pub complexity: Vec<ComplexityRow>,
    pub complex_now: bool,
    /// A chronic-condition count from an import, standing until diagnoses are recorded.
    pub legacy_conditions: i32,
    pub enrolled_on: Option<NaiveDate>,
    pub enrollment_ended_on: Option<NaiveDate>,
    pub billing_provider_id: Option<i64>,
    pub billing_provider: Option<String>,
    /// Visits by the billing practitioner that can initiate care management, newest first.
    pub initiating_visits: Vec<InitiatingVisitRow>,
}

impl PatientEnrollment {
    /// The records as the billing gates read them.
    pub fn records(&self) -> EnrollmentRecords {
        EnrollmentRecords {
            consents: self
                .consents
                .iter()
                .map(|c| {
                    (
                        c.program,
                        ConsentSpan { obtained_on: c.obtained_on, withdrawn_on: c.withdrawn_on },
                    )
                })
                .collect(),
            diagnoses: self
                .diagnoses
                .iter()
                .map(|d| DiagnosisSpan {
                    code: d.code.clone(),
                    chronic: d.chronic,
                    coded: d.code_system == CodeSystem::Icd10Cm,
                    onset: d.onset_on,
                    resolved: d.resolved_on,
                })
                .collect(),
            legacy_conditions: self.legacy_conditions,
            care_plan: self
                .care_plans
                .iter()
                .filter(|v| v.state != CarePlanState::Draft)
                .map(|v| CarePlanVersionSpan { activated_on: v.activated_on, ended_on: v.ended_on })
                .collect(),
            care_plan_drafted: self.care_plans.iter().any(|v| v.state == CarePlanState::Draft),
            complex_now: self.complex_now,
            complexity_changes: self
                .complexity
                .iter()
                .map(|c| ComplexityChange {
                    effective_on: c.effective_on,
                    complex: c.complex,
                    previous: c.previous,
                })
                .collect(),
            enrolled_on: self.enrolled_on,
            enrollment_ended_on: self.enrollment_ended_on,
            initiating_visits: self.initiating_visits.iter().map(|v| v.visit_date).collect(),
        }
    }

    /// The visit that initiated care management: the latest in the 12 months before it began
    /// (through that month); while no start is known, the latest of all.
    pub fn initiating_visit(&self) -> Option<&InitiatingVisitRow> {
        let Some(start) = self.records().start() else { return self.initiating_visits.first() };
        let first = YearMonth::of(start);
        let from = first.first_day().checked_sub_months(chrono::Months::new(12))?;
        self.initiating_visits.iter().find(|v| (from..=first.last_day()).contains(&v.visit_date))
    }

    /// The version being drafted, if any.
    pub fn draft(&self) -> Option<&CarePlanVersionRow> {
        self.care_plans.iter().find(|v| v.state == CarePlanState::Draft)
    }

    /// The version in force, if any.
    pub fn active(&self) -> Option<&CarePlanVersionRow> {
        self.care_plans.iter().find(|v| v.state == CarePlanState::Active)
    }
}

/// A consent as a person records it.
#[derive(Debug, Clone)]
pub struct NewConsent {
    pub program: CareProgram,
    pub obtained_on: NaiveDate,
    pub method: ConsentMethod,
    pub obtained_by: Option<UserId>,
    pub disclosures: [bool; 4],
    pub note: String,
    pub source: RecordSource,
}

#[derive(Debug, Clone)]
pub struct NewDiagnosis {
    pub code: String,
    pub description: String,
    pub chronic: bool,
    pub onset_on: Option<NaiveDate>,
    pub source: RecordSource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGoal {
    pub goal: String,
    pub target_on: Option<NaiveDate>,
    pub status: GoalStatus,
}

/// A condition that came without an ICD-10-CM code: its SNOMED CT code and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UncodedCondition {
    pub code: String,
    pub name: String,
    pub chronic: bool,
}

/// The enrollment as a person sets it.
#[derive(Debug, Clone, Copy)]
pub struct EnrollmentChange {
    pub program: Program,
    pub billing_provider_id: Option<i64>,
    pub enrolled_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
}

/// A change of the complex-CCM flag as a person records it.
#[derive(Debug, Clone)]
pub struct NewComplexity {
    pub complex: bool,
    pub effective_on: NaiveDate,
    pub reason: String,
    pub recorded_by: Option<UserId>,
}

/// Activating the draft: from which day, by whom, approved by which practitioner.
#[derive(Debug, Clone, Copy)]
pub struct Activation {
    pub on: NaiveDate,
    pub by: UserId,
    pub approved_by: i64,
}

#[derive(FromQueryResult)]
struct PatientFlags {
    complex_ccm: bool,
    chronic_conditions: i32,
    enrolled_on: Option<NaiveDate>,
    enrollment_ended_on: Option<NaiveDate>,
    billing_provider_id: Option<i64>,
    billing_provider: Option<String>,
}

#[derive(FromQueryResult)]
struct VersionGoal {
    version_id: i64,
    goal: String,
    target_on: Option<NaiveDate>,
    status: GoalStatus,
}

#[derive(FromQueryResult)]
struct ConsentOf {
    patient_id: PatientId,
    program: CareProgram,
    obtained_on: NaiveDate,
    withdrawn_on: Option<NaiveDate>,
}

#[derive(FromQueryResult)]
struct DiagnosisOf {
    patient_id: PatientId,
    code: String,
    code_system: CodeSystem,
    chronic: bool,
    onset_on: Option<NaiveDate>,
    resolved_on: Option<NaiveDate>,
}

#[derive(FromQueryResult)]
struct VersionOf {
    patient_id: PatientId,
    state: CarePlanState,
    activated_on: Option<NaiveDate>,
    ended_on: Option<NaiveDate>,
}

#[derive(FromQueryResult)]
struct ComplexityOf {
    patient_id: PatientId,
    effective_on: NaiveDate,
    complex: bool,
    previous: bool,
}

/// Visits by the patient's billing practitioner (their provider while none is named).
const INITIATING_VISITS: &str = "v.patient_id, v.visit_date, v.visit_type, pr.name AS provider
    FROM visits v JOIN patients p ON p.id = v.patient_id LEFT JOIN providers pr ON pr.id = v.provider_id
    WHERE v.provider_id = COALESCE(p.billing_provider_id, p.provider_id)";

#[derive(FromQueryResult)]
struct VisitOf {
    patient_id: PatientId,
    visit_date: NaiveDate,
    visit_type: String,
}

/// An initiating visit as the record lists it.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct InitiatingVisitRow {
    pub visit_date: NaiveDate,
    pub visit_type: String,
    pub provider: Option<String>,
}

const VERSION_COLUMNS: &str = "v.id, v.version, v.state, v.source, cu.display_name AS created_by, v.created_at,
    v.activated_on, au.display_name AS activated_by, pr.name AS approved_by, v.ended_on, v.copy_given_on,
    v.copy_given_how, v.problem_list, v.expected_outcome, v.symptom_management, v.interventions,
    v.medication_management, v.community_services, v.coordination, v.next_review_on";

const VERSION_JOINS: &str = "FROM care_plan_versions v
    LEFT JOIN users cu ON cu.id = v.created_by
    LEFT JOIN users au ON au.id = v.activated_by
    LEFT JOIN providers pr ON pr.id = v.approved_by_provider_id";

impl Store {
    /// A patient's enrollment records; None when there is no such patient.
    pub async fn patient_enrollment(
        &self,
        patient: PatientId,
    ) -> Result<Option<PatientEnrollment>> {
        let id = || vec![patient.into()];
        let Some(flags) = self
            .row::<PatientFlags>(
                "SELECT p.complex_ccm, p.chronic_conditions, p.enrolled_on, p.enrollment_ended_on,
                        p.billing_provider_id, b.name AS billing_provider
                 FROM patients p LEFT JOIN providers b ON b.id = p.billing_provider_id WHERE p.id = $1",
                id(),
            )
            .await?
        else {
            return Ok(None);
        };
        let consents = self
            .rows(
                "SELECT c.id, c.program, c.obtained_on, c.method, u.display_name AS obtained_by, c.service_available,
                        c.cost_sharing, c.one_practitioner_a_month, c.may_stop_any_time, c.note, c.withdrawn_on, c.source
                 FROM patient_consents c LEFT JOIN users u ON u.id = c.obtained_by
                 WHERE c.patient_id = $1 ORDER BY c.obtained_on DESC, c.id DESC",
                id(),
            )
            .await?;
        let diagnoses = self
            .rows(
                "SELECT d.id, d.code_system, d.code, d.description, d.chronic, d.onset_on, d.resolved_on, d.source,
                        u.display_name AS recorded_by
                 FROM patient_diagnoses d LEFT JOIN users u ON u.id = d.recorded_by
                 WHERE d.patient_id = $1 ORDER BY d.resolved_on IS NOT NULL, d.code, d.id",
                id(),
            )
            .await?;
        let mut care_plans: Vec<CarePlanVersionRow> = self
            .rows(
                &format!(
                    "SELECT {VERSION_COLUMNS} {VERSION_JOINS} WHERE v.patient_id = $1 ORDER BY v.version DESC"
                ),
                id(),
            )
            .await?;
        // Every version's goals in one read, handed to their versions.
        let goals: Vec<VersionGoal> = self
            .rows(
                "SELECT g.version_id, g.goal, g.target_on, g.status FROM care_plan_goals g
                 JOIN care_plan_versions v ON v.id = g.version_id WHERE v.patient_id = $1
                 ORDER BY g.version_id, g.position",
                id(),
            )
            .await?;
        for g in goals {
            if let Some(version) = care_plans.iter_mut().find(|v| v.id == g.version_id) {
                version.goals.push(GoalRow {
                    goal: g.goal,
                    target_on: g.target_on,
                    status: g.status,
                });
            }
        }
        let complexity = self
            .rows(
                "SELECT c.effective_on, c.complex, c.previous, c.reason, u.display_name AS recorded_by
                 FROM complexity_changes c LEFT JOIN users u ON u.id = c.recorded_by
                 WHERE c.patient_id = $1 ORDER BY c.effective_on DESC, c.id DESC",
                id(),
            )
            .await?;
        let visits: Vec<InitiatingVisitRow> = self
            .rows(
                &format!(
                    "SELECT {INITIATING_VISITS} AND v.patient_id = $1 ORDER BY v.visit_date DESC"
                ),
                id(),
            )
            .await?;
        Ok(Some(PatientEnrollment {
            consents,
            diagnoses,
            care_plans,
            complexity,
            complex_now: flags.complex_ccm,
            legacy_conditions: flags.chronic_conditions,
            enrolled_on: flags.enrolled_on,
            enrollment_ended_on: flags.enrollment_ended_on,
            billing_provider_id: flags.billing_provider_id,
            billing_provider: flags.billing_provider,
            initiating_visits: visits
                .into_iter()
                .filter(|v| initiating_kind(&v.visit_type).is_some())
                .collect(),
        }))
    }

    /// Every patient's records as the billing gates read them (the chronic count and today's
    /// complex flag are the caller's, read with the patient).
    pub(crate) async fn all_enrollment_records(
        &self,
    ) -> Result<HashMap<PatientId, EnrollmentRecords>> {
        let mut all: HashMap<PatientId, EnrollmentRecords> = HashMap::new();
        let consents: Vec<ConsentOf> = self
            .rows(
                "SELECT patient_id, program, obtained_on, withdrawn_on FROM patient_consents",
                vec![],
            )
            .await?;
        for c in consents {
            let span = ConsentSpan { obtained_on: c.obtained_on, withdrawn_on: c.withdrawn_on };
            all.entry(c.patient_id).or_default().consents.push((c.program, span));
        }
        let diagnoses: Vec<DiagnosisOf> = self
            .rows(
                "SELECT patient_id, code, code_system, chronic, onset_on, resolved_on FROM patient_diagnoses",
                vec![],
            )
            .await?;
        for d in diagnoses {
            let span = DiagnosisSpan {
                code: d.code.clone(),
                chronic: d.chronic,
                coded: d.code_system == CodeSystem::Icd10Cm,
                onset: d.onset_on,
                resolved: d.resolved_on,
            };
            all.entry(d.patient_id).or_default().diagnoses.push(span);
        }
        let versions: Vec<VersionOf> = self
            .rows(
                "SELECT patient_id, state, activated_on, ended_on FROM care_plan_versions",
                vec![],
            )
            .await?;
        for v in versions {
            let records = all.entry(v.patient_id).or_default();
            if v.state == CarePlanState::Draft {
                records.care_plan_drafted = true;
            } else {
                records.care_plan.push(CarePlanVersionSpan {
                    activated_on: v.activated_on,
                    ended_on: v.ended_on,
                });
            }
        }
        let visits: Vec<VisitOf> =
            self.rows(&format!("SELECT {INITIATING_VISITS}"), vec![]).await?;
        for v in visits.into_iter().filter(|v| initiating_kind(&v.visit_type).is_some()) {
            all.entry(v.patient_id).or_default().initiating_visits.push(v.visit_date);
        }
        let changes: Vec<ComplexityOf> = self
            .rows(
                "SELECT patient_id, effective_on, complex, previous FROM complexity_changes",
                vec![],
            )
            .await?;
        for c in changes {
            all.entry(c.patient_id).or_default().complexity_changes.push(ComplexityChange {
                effective_on: c.effective_on,
                complex: c.complex,
                previous: c.previous,
            });
        }
        Ok(all)
    }

    /// Practitioners who can approve a care plan and bill: id, name, NPI if recorded.
    pub async fn practitioners(&self) -> Result<Vec<Practitioner>> {
        self.rows("SELECT id, name, npi FROM providers ORDER BY name", vec![]).await
    }
}

/// One patient's enrollment facts for a month, as the gaps are read from them.
#[derive(Debug, Clone, FromQueryResult)]
pub struct GapRow {
    pub id: PatientId,
    pub consent_in_force: bool,
    pub conditions_known: bool,
    pub plan_in_force: bool,
    pub plan_drafted: bool,
    pub review_on: Option<NaiveDate>,
}

impl GapRow {
    pub fn facts(&self) -> GapFacts {
        GapFacts {
            consent_in_force: self.consent_in_force,
            conditions_known: self.conditions_known,
            plan_in_force: self.plan_in_force,
            plan_drafted: self.plan_drafted,
            review_on: self.review_on,
        }
    }
}

impl Store {
    /// Each active patient's enrollment facts in `month`: a coordinator's caseload, or everyone's.
    pub async fn enrollment_gaps(
        &self,
        coordinator: Option<UserId>,
        month: YearMonth,
    ) -> Result<Vec<GapRow>> {
        let mut values: Vec<sea_orm::Value> =
            vec![month.first_day().into(), month.last_day().into()];
        let scope = match coordinator {
            Some(c) => {
                values.push(c.into());
                "AND p.coordinator_id = $3"
            }
            None => "",
        };
        let draft = key(CarePlanState::Draft);
        let active = key(CarePlanState::Active);
        let icd10 = key(CodeSystem::Icd10Cm);
        self.rows(
            &format!(
                "SELECT p.id,
                    EXISTS (SELECT 1 FROM patient_consents c WHERE c.patient_id = p.id AND c.obtained_on <= $2
                            AND (c.withdrawn_on IS NULL OR c.withdrawn_on >= $1)) AS consent_in_force,
                    (EXISTS (SELECT 1 FROM patient_diagnoses d WHERE d.patient_id = p.id AND d.chronic = TRUE AND d.resolved_on IS NULL
                            AND d.code_system = {icd10})
                     OR (p.chronic_conditions > 0 AND NOT EXISTS (SELECT 1 FROM patient_diagnoses d WHERE d.patient_id = p.id))) AS conditions_known,
                    EXISTS (SELECT 1 FROM care_plan_versions v WHERE v.patient_id = p.id AND v.state <> {draft}
                            AND (v.activated_on IS NULL OR v.activated_on <= $2) AND (v.ended_on IS NULL OR v.ended_on >= $1)) AS plan_in_force,
                    EXISTS (SELECT 1 FROM care_plan_versions v WHERE v.patient_id = p.id AND v.state = {draft}) AS plan_drafted,
                    (SELECT v.next_review_on FROM care_plan_versions v WHERE v.patient_id = p.id AND v.state = {active}) AS review_on
                 FROM patients p WHERE p.status = {} {scope}",
                key(PatientStatus::Active)
            ),
            values,
        )
        .await
    }
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Practitioner {
    pub id: i64,
    pub name: String,
    pub npi: Option<String>,
}
