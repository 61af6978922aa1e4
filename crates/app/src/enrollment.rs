//! Recording a patient's enrollment (domain.md "Enrollment"): consent, diagnoses, complexity and the
//! care plan's versions. Whoever may see the patient may edit: their coordinator, managers, admins.
//! Each change commits with an audit event that says what it was and what it became.

use carelog_domain::RuleViolation;
use carelog_domain::enrollment::{
    Disclosures, DraftContents, gaps_in_words, ready_to_activate, record_date,
};
use carelog_domain::icd10cm;
use carelog_domain::patient::{
    CareProgram, ConsentMethod, CopyDelivery, GoalStatus, InitiatingKind, Program, RecordSource,
};
use carelog_domain::practice_time::local_date;
use carelog_store::{
    Activation, CarePlanSections, EnrollmentChange, NewComplexity, NewConsent, NewDiagnosis,
    NewGoal, PatientEnrollment, Practitioner,
};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use crate::actor::audit_event;
use crate::patients::VisiblePatient;
use crate::{Actor, App, ServiceError, ServiceResult};

/// How many goals the care plan form holds.
pub const GOAL_SLOTS: usize = 6;

/// A patient's enrollment as the record shows it, with what is still missing this month in words.
pub struct EnrollmentView {
    pub records: PatientEnrollment,
    pub practitioners: Vec<Practitioner>,
    pub gaps: Vec<&'static str>,
    pub programs: Vec<CareProgram>,
    pub today: NaiveDate,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ConsentInput {
    pub program: String,
    pub obtained_on: String,
    pub method: String,
    pub service_available: Option<String>,
    pub cost_sharing: Option<String>,
    pub one_practitioner_a_month: Option<String>,
    pub may_stop_any_time: Option<String>,
    pub note: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DiagnosisInput {
    pub code: String,
    /// "yes", "no", or empty for the code's default.
    pub chronic: String,
    pub onset_on: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EnrollmentInput {
    pub program: String,
    /// A practitioner's id, or empty for none yet.
    pub billing_provider: String,
    pub enrolled_on: String,
    pub ended_on: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct InitiatingVisitInput {
    pub visit_on: String,
    pub kind: String,
    pub practitioner: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ComplexityInput {
    /// "yes" or "no".
    pub complex: String,
    pub effective_on: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CarePlanInput {
    pub problem_list: String,
    pub expected_outcome: String,
    pub symptom_management: String,
    pub interventions: String,
    pub medication_management: String,
    pub community_services: String,
    pub coordination: String,
    pub next_review_on: String,
    pub goal_1: String,
    pub target_1: String,
    pub status_1: String,
    pub goal_2: String,
    pub target_2: String,
    pub status_2: String,
    pub goal_3: String,
    pub target_3: String,
    pub status_3: String,
    pub goal_4: String,
    pub target_4: String,
    pub status_4: String,
    pub goal_5: String,
    pub target_5: String,
    pub status_5: String,
    pub goal_6: String,
    pub target_6: String,
    pub status_6: String,
}

impl CarePlanInput {
    /// Fills the goal slots in order from (goal, target date, status); at most [`GOAL_SLOTS`].
    pub fn set_goals(&mut self, goals: Vec<(String, String, String)>) {
        let mut goals = goals.into_iter();
        for (goal, target, status) in [
            (&mut self.goal_1, &mut self.target_1, &mut self.status_1),
            (&mut self.goal_2, &mut self.target_2, &mut self.status_2),
            (&mut self.goal_3, &mut self.target_3, &mut self.status_3),
            (&mut self.goal_4, &mut self.target_4, &mut self.status_4),
            (&mut self.goal_5, &mut self.target_5, &mut self.status_5),
            (&mut self.goal_6, &mut self.target_6, &mut self.status_6),
        ] {
            let (g, t, s) = goals.next().unwrap_or_default();
            (*goal, *target, *status) = (g, t, s);
        }
    }

    /// The goal slots as (goal, target date, status) text.
    fn goal_slots(&self) -> [(&str, &str, &str); GOAL_SLOTS] {
        [
            (&self.goal_1, &self.target_1, &self.status_1),
            (&self.goal_2, &self.target_2, &self.status_2),
            (&self.goal_3, &self.target_3, &self.status_3),
            (&self.goal_4, &self.target_4, &self.status_4),
            (&self.goal_5, &self.target_5, &self.status_5),
            (&self.goal_6, &self.target_6, &self.status_6),
        ]
        .map(|(g, t, s)| (g.as_str(), t.as_str(), s.as_str()))
    }
}

fn refused(e: RuleViolation) -> ServiceError {
    ServiceError::Refused(format!("{}: {}", capitalised(e.field), e.message))
}

fn capitalised(field: &str) -> String {
    let mut chars = field.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Free text of a section: trimmed, at most `limit` characters.
fn text(field: &'static str, value: &str, limit: usize) -> ServiceResult<String> {
    let value = value.trim();
    if value.chars().count() > limit {
        return Err(refused(RuleViolation::new(field, format!("at most {limit} characters"))));
    }
    Ok(value.to_owned())
}

fn yes(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.is_empty() && v != "no")
}

/// The programs whose consent the patient needs.
pub fn programs_of(program: Program) -> Vec<CareProgram> {
    match program {
        Program::Ccm => vec![CareProgram::Ccm],
        Program::Pcm => vec![CareProgram::Pcm],
        Program::Both => vec![CareProgram::Ccm, CareProgram::Pcm],
    }
}

impl App {
    fn today(&self) -> NaiveDate {
        local_date(Utc::now(), self.settings.time_zone)
    }

    async fn enrollment_records(
        &self,
        patient: VisiblePatient,
    ) -> ServiceResult<PatientEnrollment> {
        self.store.patient_enrollment(patient.id()).await?.ok_or(ServiceError::NotFound)
    }

    /// The patient's enrollment records and this month's gaps; the caller audits the read (the
    /// record page does, once, for everything on it).
    pub async fn enrollment(&self, patient: VisiblePatient) -> ServiceResult<EnrollmentView> {
        let records = self.enrollment_records(patient).await?;
        let detail = self.patient_detail(patient).await?;
        let programs = programs_of(detail.program);
        let today = self.today();
        let next_review = records.active().and_then(|v| v.sections.next_review_on);
        let gaps = gaps_in_words(&records.records(), &programs, next_review, today);
        Ok(EnrollmentView {
            records,
            practitioners: self.store.practitioners().await?,
            gaps,
            programs,
            today,
        })
    }

    /// The care plan page: every version; the read is audited.
    pub async fn care_plan_versions(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
    ) -> ServiceResult<EnrollmentView> {
        let view = self.enrollment(patient).await?;
        self.audit(actor, "patient.care_plan", Some(patient.id()), "care plan versions".into())
            .await?;
        Ok(view)
    }

    pub async fn record_consent(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
        input: &ConsentInput,
    ) -> ServiceResult<String> {
        let today = self.today();
        let program = CareProgram::parse(&input.program).map_err(refused)?;
        let detail = self.patient_detail(patient).await?;
        if !programs_of(detail.program).contains(&program) {
            return Err(ServiceError::Refused(format!(
                "Program: the patient is enrolled for {}, not {program}",
                detail.program
            )));
        }
        let obtained_on =
            record_date("consent date", &input.obtained_on, today).map_err(refused)?;
        let method = match ConsentMethod::parse(&input.method).map_err(refused)? {
            ConsentMethod::NotRecorded => {
                return Err(ServiceError::Refused(
                    "Consent method: say whether it was verbal or written".into(),
                ));
            }
            method => method,
        };
        let disclosures = Disclosures {
            service_available: yes(&input.service_available),
            cost_sharing: yes(&input.cost_sharing),
            one_practitioner_a_month: yes(&input.one_practitioner_a_month),
            may_stop_any_time: yes(&input.may_stop_any_time),
        };
        disclosures.check().map_err(refused)?;
        let note = text("note", &input.note, 2000)?;
        let consent = NewConsent {
            program,
            obtained_on,
            method,
            obtained_by: Some(actor.id),
            disclosures: [true; 4],
            note,
            source: RecordSource::Entered,
        };
        let detail = format!(
            "consent {program}: none → obtained {obtained_on}, {method}, by {}, four disclosures confirmed",
            actor.display_name
        );
        let audit = audit_event(actor, "enrollment.consent", Some(patient.id()), detail);
        self.store
            .record_consent(patient.id(), &consent, Some(actor.id), &audit, Utc::now())
            .await?;
        Ok(format!("{program} consent recorded: obtained {obtained_on}, {method}."))
    }

    pub async fn withdraw_consent(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
        consent: &str,
        withdrawn_on: &str,
    ) -> ServiceResult<String> {
        let on = record_date("withdrawal date", withdrawn_on, self.today()).map_err(refused)?;
        let records = self.enrollment_records(patient).await?;
        let Some(found) = consent.trim().parse::<i64>().ok().and_then(|id| {
            records.consents.iter().find(|c| c.id == id && c.withdrawn_on.is_none())
        }) else {
            return Err(ServiceError::Refused("Consent: choose one that is in force".into()));
        };
        if on < found.obtained_on {
            return Err(ServiceError::Refused(format!(
                "Withdrawal date: {on} is before the consent was obtained ({})",
                found.obtained_on
            )));
        }
        let detail = format!(
            "consent {} obtained {}: withdrawn none → {on}",
            found.program, found.obtained_on
        );
        let audit = audit_event(actor, "enrollment.consent_withdrawn", Some(patient.id()), detail);
        self.store.withdraw_consent(patient.id(), found.id, on, &audit, Utc::now()).await?;
        Ok(format!(
            "{} consent withdrawn on {on}: months after {} are not billable.",
            found.program,
            carelog_domain::practice_time::YearMonth::of(on)
        ))
    }

    pub async fn add_diagnosis(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
        input: &DiagnosisInput,
    ) -> ServiceResult<String> {
        let code = icd10cm::billable(&input.code).map_err(refused)?;
        let chronic = match input.chronic.trim() {
            "" => icd10cm::chronic_by_default(code.code),
            "yes" => true,
            "no" => false,
            other => {
                return Err(ServiceError::Refused(format!(
                    "Chronic: answer yes or no, not \"{other}\""
                )));
            }
        };
        let onset_on = match input.onset_on.trim() {
            "" => None,
            typed => Some(record_date("onset", typed, self.today()).map_err(refused)?),
        };
        let records = self.enrollment_records(patient).await?;
        if records.diagnoses.iter().any(|d| d.code == code.code && d.resolved_on.is_none()) {
            return Err(ServiceError::Refused(format!(
                "Diagnosis: {} is already on the problem list",
                code.code
            )));
        }
        let kind = if chronic { "chronic" } else { "not chronic" };
        let onset = onset_on.map_or_else(|| "onset not known".to_owned(), |d| format!("onset {d}"));
        let detail =
            format!("diagnosis: none → {} {} ({kind}, {onset})", code.code, code.description);
        let audit = audit_event(actor, "enrollment.diagnosis", Some(patient.id()), detail);
        let diagnosis = NewDiagnosis {
            code: code.code.to_owned(),
            description: code.description.to_owned(),
            chronic,
            onset_on,
            source: RecordSource::Entered,
        };
        self.store
            .add_diagnosis(patient.id(), &diagnosis, Some(actor.id), &audit, Utc::now())
            .await?;
        Ok(format!("Diagnosis added: {} {} ({kind}).", code.code, code.description))
    }

    pub async fn resolve_diagnosis(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
        diagnosis: &str,
        resolved_on: &str,
    ) -> ServiceResult<String> {
        let on = record_date("resolved", resolved_on, self.today()).map_err(refused)?;
        let records = self.enrollment_records(patient).await?;
        let Some(found) = diagnosis.trim().parse::<i64>().ok().and_then(|id| {
            records.diagnoses.iter().find(|d| d.id == id && d.resolved_on.is_none())
        }) else {
            return Err(ServiceError::Refused("Diagnosis: choose one that is not resolved".into()));
        };
        if found.onset_on.is_some_and(|onset| on < onset) {
            return Err(ServiceError::Refused(format!(
                "Resolved: {on} is before the onset of {}",
                found.code
            )));
        }
        let detail = format!("diagnosis {}: resolved none → {on}", found.code);
        let audit = audit_event(actor, "enrollment.diagnosis_resolved", Some(patient.id()), detail);
        self.store.resolve_diagnosis(patient.id(), found.id, on, &audit, Utc::now()).await?;
        Ok(format!("{} marked resolved on {on}.", found.code))
    }

    pub async fn set_enrollment(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
        input: &EnrollmentInput,
    ) -> ServiceResult<String> {
        let today = self.today();
        let program = Program::parse(&input.program).map_err(refused)?;
        let practitioners = self.store.practitioners().await?;
        let billing = match input.billing_provider.trim() {
            "" => None,
            id => Some(
                id.parse::<i64>()
                    .ok()
                    .and_then(|id| practitioners.iter().find(|p| p.id == id))
                    .ok_or_else(|| {
                        ServiceError::Refused(
                            "Billing practitioner: choose one from the list".into(),
                        )
                    })?,
            ),
        };
        if let Some(p) = billing
            && p.npi.is_none()
        {
            return Err(ServiceError::Refused(format!(
                "Billing practitioner: {} has no NPI yet; an administrator records it under Admin",
                p.name
            )));
        }
        let optional_date = |field: &'static str, text: &str| match text.trim() {
            "" => Ok(None),
            typed => record_date(field, typed, today).map(Some).map_err(refused),
        };
        let enrolled_on = optional_date("enrolled on", &input.enrolled_on)?;
        let ended_on = optional_date("ended on", &input.ended_on)?;
        if let (Some(start), Some(end)) = (enrolled_on, ended_on)
            && end < start
        {
            return Err(ServiceError::Refused(format!(
                "Ended on: {end} is before the enrollment began ({start})"
            )));
        }
        let before = self.enrollment_records(patient).await?;
        let detail = self.patient_detail(patient).await?;
        let shown = |d: Option<NaiveDate>| d.map_or_else(|| "none".to_owned(), |d| d.to_string());
        let audit_detail = format!(
            "enrollment: program {} → {program}; billing practitioner {} → {}; enrolled {} → {}; ended {} → {}",
            detail.program,
            before.billing_provider.as_deref().unwrap_or("none"),
            billing.map_or("none", |p| p.name.as_str()),
            shown(before.enrolled_on),
            shown(enrolled_on),
            shown(before.enrollment_ended_on),
            shown(ended_on)
        );
        let audit = audit_event(actor, "enrollment.enrollment", Some(patient.id()), audit_detail);
        let change = EnrollmentChange {
            program,
            billing_provider_id: billing.map(|p| p.id),
            enrolled_on,
            ended_on,
        };
        self.store.set_enrollment(patient.id(), &change, &audit, Utc::now()).await?;
        Ok(format!("Enrollment saved: {program}."))
    }

    pub async fn record_initiating_visit(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
        input: &InitiatingVisitInput,
    ) -> ServiceResult<String> {
        let on = record_date("visit date", &input.visit_on, self.today()).map_err(refused)?;
        let kind = InitiatingKind::parse(&input.kind).map_err(refused)?;
        let practitioners = self.store.practitioners().await?;
        let Some(practitioner) = input
            .practitioner
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|id| practitioners.into_iter().find(|p| p.id == id))
        else {
            return Err(ServiceError::Refused("Practitioner: choose one from the list".into()));
        };
        let detail = format!("initiating visit: none → {kind} on {on} by {}", practitioner.name);
        let audit = audit_event(actor, "enrollment.initiating_visit", Some(patient.id()), detail);
        self.store
            .record_initiating_visit(patient.id(), on, kind, practitioner.id, &audit, Utc::now())
            .await?;
        Ok(format!("{kind} on {on} by {} recorded.", practitioner.name))
    }

    pub async fn change_complexity(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
        input: &ComplexityInput,
    ) -> ServiceResult<String> {
        let complex = match input.complex.trim() {
            "yes" => true,
            "no" => false,
            _ => return Err(ServiceError::Refused("Complex CCM: answer yes or no".into())),
        };
        let effective_on =
            record_date("effective date", &input.effective_on, self.today()).map_err(refused)?;
        let reason = text("reason", &input.reason, 500)?;
        if reason.is_empty() {
            return Err(ServiceError::Refused("Reason: say why the complexity changed".into()));
        }
        let records = self.enrollment_records(patient).await?;
        let word = |b: bool| if b { "complex" } else { "not complex" };
        let detail = format!(
            "complex CCM: {} → {} from {effective_on} ({reason})",
            word(records.complex_now),
            word(complex)
        );
        let audit = audit_event(actor, "enrollment.complexity", Some(patient.id()), detail);
        let change = NewComplexity { complex, effective_on, reason, recorded_by: Some(actor.id) };
        self.store.change_complexity(patient.id(), &change, &audit, Utc::now()).await?;
        Ok(format!("Complexity recorded: {} from {effective_on}.", word(complex)))
    }

    pub async fn save_care_plan_draft(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
        input: &CarePlanInput,
    ) -> ServiceResult<String> {
        let next_review_on = match input.next_review_on.trim() {
            "" => None,
            typed => Some(NaiveDate::parse_from_str(typed, "%Y-%m-%d").map_err(|_| {
                ServiceError::Refused(format!(
                    "Next review: write the date as YYYY-MM-DD; \"{typed}\" is not one"
                ))
            })?),
        };
        let sections = CarePlanSections {
            problem_list: text("problem list", &input.problem_list, 4000)?,
            expected_outcome: text("expected outcome", &input.expected_outcome, 4000)?,
            symptom_management: text("symptom management", &input.symptom_management, 4000)?,
            interventions: text("interventions", &input.interventions, 4000)?,
            medication_management: text(
                "medication management",
                &input.medication_management,
                4000,
            )?,
            community_services: text("community services", &input.community_services, 4000)?,
            coordination: text("coordination", &input.coordination, 4000)?,
            next_review_on,
        };
        let mut goals = Vec::new();
        for (n, (goal, target, status)) in input.goal_slots().into_iter().enumerate() {
            let goal = text("goal", goal, 500)?;
            if goal.is_empty() {
                continue;
            }
            let target_on = match target.trim() {
                "" => None,
                typed => Some(NaiveDate::parse_from_str(typed, "%Y-%m-%d").map_err(|_| {
                    ServiceError::Refused(format!(
                        "Goal {}: write the target date as YYYY-MM-DD; \"{typed}\" is not one",
                        n + 1
                    ))
                })?),
            };
            let status = if status.trim().is_empty() {
                GoalStatus::NotStarted
            } else {
                GoalStatus::parse(status).map_err(refused)?
            };
            goals.push(NewGoal { goal, target_on, status });
        }
        let before = self.enrollment_records(patient).await?;
        let changed = match before.draft() {
            Some(draft) => changed_sections(&draft.sections, &sections),
            None => "a new draft".to_owned(),
        };
        let detail = format!("care plan draft saved ({changed}); {} goals", goals.len());
        let audit = audit_event(actor, "enrollment.care_plan_draft", Some(patient.id()), detail);
        let version = self
            .store
            .save_care_plan_draft(patient.id(), &sections, &goals, actor.id, &audit, Utc::now())
            .await?;
        Ok(format!("Care plan version {version} saved as a draft."))
    }

    pub async fn activate_care_plan(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
        activated_on: &str,
        approved_by: &str,
    ) -> ServiceResult<String> {
        let on = record_date("activation date", activated_on, self.today()).map_err(refused)?;
        let practitioners = self.store.practitioners().await?;
        let Some(approver) = approved_by
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|id| practitioners.into_iter().find(|p| p.id == id))
        else {
            return Err(ServiceError::Refused(
                "Approving practitioner: choose the practitioner who approved the plan".into(),
            ));
        };
        let records = self.enrollment_records(patient).await?;
        let Some(draft) = records.draft() else {
            return Err(ServiceError::Refused("Care plan: there is no draft to activate".into()));
        };
        let contents = DraftContents {
            problem_list: !draft.sections.problem_list.is_empty(),
            expected_outcome: !draft.sections.expected_outcome.is_empty(),
            goals: draft.goals.len(),
            interventions: !draft.sections.interventions.is_empty(),
            next_review_on: draft.sections.next_review_on,
        };
        ready_to_activate(&contents, on).map_err(refused)?;
        if let Some(active) = records.active()
            && active.activated_on.is_some_and(|since| on < since)
        {
            return Err(ServiceError::Refused(format!(
                "Activation date: {on} is before version {} became active",
                active.version
            )));
        }
        let replaced = records.active().map_or_else(
            || "none".to_owned(),
            |v| format!("version {} (superseded {on})", v.version),
        );
        let detail = format!(
            "care plan: active {replaced} → version {} from {on}, approved by {}",
            draft.version, approver.name
        );
        let audit = audit_event(actor, "enrollment.care_plan_active", Some(patient.id()), detail);
        let activation = Activation { on, by: actor.id, approved_by: approver.id };
        self.store.activate_care_plan(patient.id(), activation, &audit, Utc::now()).await?;
        Ok(format!("Care plan version {} is active from {on}.", draft.version))
    }

    pub async fn end_care_plan(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
        ended_on: &str,
    ) -> ServiceResult<String> {
        let on = record_date("end date", ended_on, self.today()).map_err(refused)?;
        let records = self.enrollment_records(patient).await?;
        let Some(active) = records.active() else {
            return Err(ServiceError::Refused("Care plan: no version is active".into()));
        };
        if active.activated_on.is_some_and(|since| on < since) {
            return Err(ServiceError::Refused(format!(
                "End date: {on} is before version {} became active",
                active.version
            )));
        }
        let detail = format!("care plan version {}: Active → Inactive from {on}", active.version);
        let audit = audit_event(actor, "enrollment.care_plan_inactive", Some(patient.id()), detail);
        self.store.end_care_plan(patient.id(), on, &audit, Utc::now()).await?;
        Ok(format!("Care plan version {} made inactive from {on}.", active.version))
    }

    pub async fn discard_care_plan_draft(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
    ) -> ServiceResult<String> {
        let records = self.enrollment_records(patient).await?;
        let Some(draft) = records.draft() else {
            return Err(ServiceError::Refused("Care plan: there is no draft".into()));
        };
        let s = &draft.sections;
        let detail = format!(
            "care plan draft version {} discarded; it held: problems «{}», outcome «{}», interventions «{}», {} goals",
            draft.version,
            s.problem_list,
            s.expected_outcome,
            s.interventions,
            draft.goals.len()
        );
        let audit =
            audit_event(actor, "enrollment.care_plan_discarded", Some(patient.id()), detail);
        self.store.discard_care_plan_draft(patient.id(), &audit, Utc::now()).await?;
        Ok(format!("Draft version {} discarded.", draft.version))
    }

    pub async fn record_care_plan_copy(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
        version: &str,
        given_on: &str,
        how: &str,
    ) -> ServiceResult<String> {
        let on = record_date("copy given on", given_on, self.today()).map_err(refused)?;
        let how = CopyDelivery::parse(how).map_err(refused)?;
        let version: i32 = version
            .trim()
            .parse()
            .map_err(|_| ServiceError::Refused("Version: choose a version".into()))?;
        let detail = format!("care plan version {version}: copy given none → {on}, {how}");
        let audit = audit_event(actor, "enrollment.care_plan_copy", Some(patient.id()), detail);
        self.store
            .record_care_plan_copy(patient.id(), version, on, how, &audit, Utc::now())
            .await?;
        Ok(format!("Copy of version {version} given {how} on {on}."))
    }
}

/// The sections a save changed, by name: for the audit event and the versions' comparison.
pub fn changed_sections(before: &CarePlanSections, after: &CarePlanSections) -> String {
    let names: Vec<&str> = [
        (before.problem_list != after.problem_list, "problem list"),
        (before.expected_outcome != after.expected_outcome, "expected outcome"),
        (before.symptom_management != after.symptom_management, "symptom management"),
        (before.interventions != after.interventions, "interventions"),
        (before.medication_management != after.medication_management, "medication management"),
        (before.community_services != after.community_services, "community services"),
        (before.coordination != after.coordination, "coordination"),
        (before.next_review_on != after.next_review_on, "next review"),
    ]
    .into_iter()
    .filter(|(changed, _)| *changed)
    .map(|(_, name)| name)
    .collect();
    if names.is_empty() {
        "sections unchanged".into()
    } else {
        format!("changed: {}", names.join(", "))
    }
}
