//! Enrollment records (domain.md "Enrollment"): consent per program, diagnoses, care plan versions
//! with their goals, and complex-CCM changes. Every write commits with its audit event, which carries
//! the old and new values.

use std::collections::HashMap;

use carelog_domain::enrollment::{
    CarePlanVersionSpan, ComplexityChange, ConsentSpan, DiagnosisSpan, EnrollmentRecords, GapFacts,
    initiating_kind,
};
use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::patient::{
    CarePlanState, CareProgram, CodeSystem, ConsentMethod, CopyDelivery, GoalStatus,
    InitiatingKind, PatientStatus, Program, RecordSource,
};
use carelog_domain::practice_time::YearMonth;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::audit::insert_audit;
use crate::connection::at;
use crate::keys::key;
use crate::row::Query;
use crate::{NewAuditEvent, Result, Store, StoreError};

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
struct ConsentOf {
    patient_id: PatientId,
    program: CareProgram,
    obtained_on: NaiveDate,
    withdrawn_on: Option<NaiveDate>,
}

#[derive(FromQueryResult)]
struct DiagnosisOf {
    patient_id: PatientId,
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
        for version in &mut care_plans {
            version.goals = self
                .rows(
                    "SELECT goal, target_on, status FROM care_plan_goals WHERE version_id = $1 ORDER BY position",
                    vec![version.id.into()],
                )
                .await?;
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
                "SELECT patient_id, code_system, chronic, onset_on, resolved_on FROM patient_diagnoses",
                vec![],
            )
            .await?;
        for d in diagnoses {
            let span = DiagnosisSpan {
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

    pub async fn record_consent(
        &self,
        patient: PatientId,
        consent: &NewConsent,
        recorded_by: Option<UserId>,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let tx = self.begin_write().await?;
        let [service, cost, one, stop] = consent.disclosures;
        let id: Option<i64> = tx
            .scalar(self.stmt(
                "INSERT INTO patient_consents (patient_id, program, obtained_on, method, obtained_by, service_available,
                     cost_sharing, one_practitioner_a_month, may_stop_any_time, note, source, recorded_by, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                vec![
                    patient.into(),
                    consent.program.into(),
                    consent.obtained_on.into(),
                    consent.method.into(),
                    consent.obtained_by.into(),
                    service.into(),
                    cost.into(),
                    one.into(),
                    stop.into(),
                    consent.note.clone().into(),
                    consent.source.into(),
                    recorded_by.into(),
                    at(now),
                ],
            ))
            .await?;
        insert_audit(self, &*tx, audit, now).await?;
        tx.commit().await?;
        id.ok_or_else(|| StoreError::NotFound("the new consent".into()))
    }

    /// Sets a consent's withdrawal date; the consent must be the patient's and not yet withdrawn.
    pub async fn withdraw_consent(
        &self,
        patient: PatientId,
        consent: i64,
        on: NaiveDate,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        let changed = tx
            .execute_raw(self.stmt(
                "UPDATE patient_consents SET withdrawn_on = $1
                 WHERE id = $2 AND patient_id = $3 AND withdrawn_on IS NULL AND obtained_on <= $1",
                vec![on.into(), consent.into(), patient.into()],
            ))
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound(format!("consent {consent} to withdraw")));
        }
        insert_audit(self, &*tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn add_diagnosis(
        &self,
        patient: PatientId,
        diagnosis: &NewDiagnosis,
        recorded_by: Option<UserId>,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        tx.execute_raw(self.stmt(
            "INSERT INTO patient_diagnoses (patient_id, code, description, chronic, onset_on, source, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            vec![
                patient.into(),
                diagnosis.code.clone().into(),
                diagnosis.description.clone().into(),
                diagnosis.chronic.into(),
                diagnosis.onset_on.into(),
                diagnosis.source.into(),
                recorded_by.into(),
                at(now),
            ],
        ))
        .await?;
        insert_audit(self, &*tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps conditions that came without an ICD-10-CM code, in SNOMED CT, for the patient with this
    /// chart code; one already kept unresolved is not kept twice. Answers how
    /// many were kept.
    pub async fn keep_uncoded_conditions(
        &self,
        chart_code: &str,
        conditions: &[UncodedCondition],
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let tx = self.begin_write().await?;
        let patient: Option<PatientId> = tx
            .scalar(
                self.stmt("SELECT id FROM patients WHERE chart_code = $1", vec![chart_code.into()]),
            )
            .await?;
        let patient =
            patient.ok_or_else(|| StoreError::NotFound(format!("patient {chart_code}")))?;
        let mut kept = 0;
        for UncodedCondition { code, name, chronic } in conditions {
            let known = tx
                .count(self.stmt(
                    "SELECT COUNT(*) AS n FROM patient_diagnoses
                     WHERE patient_id = $1 AND code_system = $2 AND code = $3 AND resolved_on IS NULL",
                    vec![patient.into(), CodeSystem::Snomed.into(), code.clone().into()],
                ))
                .await?;
            if known > 0 {
                continue;
            }
            tx.execute_raw(self.stmt(
                "INSERT INTO patient_diagnoses (patient_id, code_system, code, description, chronic, source, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                vec![
                    patient.into(),
                    CodeSystem::Snomed.into(),
                    code.clone().into(),
                    name.clone().into(),
                    (*chronic).into(),
                    RecordSource::Imported.into(),
                    at(now),
                ],
            ))
            .await?;
            kept += 1;
        }
        if kept > 0 {
            let mut event = audit.clone();
            event.patient_id = Some(patient);
            insert_audit(self, &*tx, &event, now).await?;
        }
        tx.commit().await?;
        Ok(kept)
    }

    /// Marks the patient's diagnosis resolved on a day (not before its onset).
    pub async fn resolve_diagnosis(
        &self,
        patient: PatientId,
        diagnosis: i64,
        on: NaiveDate,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        let changed = tx
            .execute_raw(self.stmt(
                "UPDATE patient_diagnoses SET resolved_on = $1
                 WHERE id = $2 AND patient_id = $3 AND resolved_on IS NULL AND (onset_on IS NULL OR onset_on <= $1)",
                vec![on.into(), diagnosis.into(), patient.into()],
            ))
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound(format!("diagnosis {diagnosis} to resolve")));
        }
        insert_audit(self, &*tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a change of the complex-CCM flag from a day, keeping the value it replaces; the
    /// patient's flag becomes the new value.
    pub async fn change_complexity(
        &self,
        patient: PatientId,
        change: &NewComplexity,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let NewComplexity { complex, effective_on, reason, recorded_by } = change;
        let tx = self.begin_write().await?;
        let previous: Option<bool> = tx
            .scalar(
                self.stmt("SELECT complex_ccm FROM patients WHERE id = $1", vec![patient.into()]),
            )
            .await?;
        let previous =
            previous.ok_or_else(|| StoreError::NotFound(format!("patient {patient}")))?;
        tx.execute_raw(self.stmt(
            "INSERT INTO complexity_changes (patient_id, effective_on, complex, previous, reason, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            vec![
                patient.into(),
                (*effective_on).into(),
                (*complex).into(),
                previous.into(),
                reason.clone().into(),
                (*recorded_by).into(),
                at(now),
            ],
        ))
        .await?;
        tx.execute_raw(self.stmt(
            "UPDATE patients SET complex_ccm = $1, updated_at = $2 WHERE id = $3",
            vec![(*complex).into(), at(now), patient.into()],
        ))
        .await?;
        insert_audit(self, &*tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

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
        insert_audit(self, &*tx, audit, now).await?;
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
        insert_audit(self, &*tx, audit, now).await?;
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
        let tx = self.begin_write().await?;
        let changed = tx
            .execute_raw(self.stmt(
                "UPDATE care_plan_versions SET state = $1, ended_on = $2, updated_at = $3
                 WHERE patient_id = $4 AND state = $5 AND (activated_on IS NULL OR activated_on <= $2)",
                vec![
                    CarePlanState::Inactive.into(),
                    on.into(),
                    at(now),
                    patient.into(),
                    CarePlanState::Active.into(),
                ],
            ))
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound("an active care plan to end".into()));
        }
        insert_audit(self, &*tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
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
        insert_audit(self, &*tx, audit, now).await?;
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
        let tx = self.begin_write().await?;
        let changed = tx
            .execute_raw(self.stmt(
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
            ))
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound(format!("care plan version {version}")));
        }
        insert_audit(self, &*tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the enrollment: program, billing practitioner and dates.
    pub async fn set_enrollment(
        &self,
        patient: PatientId,
        enrollment: &EnrollmentChange,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        let changed = tx
            .execute_raw(self.stmt(
                "UPDATE patients SET program = $1, billing_provider_id = $2, enrolled_on = $3, enrollment_ended_on = $4,
                     updated_at = $5 WHERE id = $6",
                vec![
                    enrollment.program.into(),
                    enrollment.billing_provider_id.into(),
                    enrollment.enrolled_on.into(),
                    enrollment.ended_on.into(),
                    at(now),
                    patient.into(),
                ],
            ))
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound(format!("patient {patient}")));
        }
        insert_audit(self, &*tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records an initiating visit entered on the record, as a visit of its kind.
    pub async fn record_initiating_visit(
        &self,
        patient: PatientId,
        on: NaiveDate,
        kind: InitiatingKind,
        practitioner: i64,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        tx.execute_raw(self.stmt(
            "INSERT INTO visits (patient_id, provider_id, visit_date, visit_type, created_at) VALUES ($1, $2, $3, $4, $5)",
            vec![patient.into(), practitioner.into(), on.into(), kind.as_str().into(), at(now)],
        ))
        .await?;
        insert_audit(self, &*tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Practitioners who can approve a care plan and bill: id, name, NPI if recorded.
    pub async fn practitioners(&self) -> Result<Vec<Practitioner>> {
        self.rows("SELECT id, name, npi FROM providers ORDER BY name", vec![]).await
    }

    /// Sets a practitioner's NPI (already validated).
    pub async fn set_practitioner_npi(
        &self,
        practitioner: i64,
        npi: &str,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        let changed = tx
            .execute_raw(self.stmt(
                "UPDATE providers SET npi = $1 WHERE id = $2",
                vec![npi.into(), practitioner.into()],
            ))
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound(format!("practitioner {practitioner}")));
        }
        insert_audit(self, &*tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
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
