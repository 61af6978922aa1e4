//! Recording a patient's enrollment (domain.md "Enrollment"): the enrollment and its initiating
//! visit, consent, diagnoses and complexity (the care plan's versions are in `care_plans`). Whoever
//! may see the patient may edit: their coordinator, managers, admins. Each change commits with an
//! audit event that says what it was and what it became.

use carelog_domain::RuleViolation;
use carelog_domain::enrollment::{Disclosures, gaps_in_words, record_date};
use carelog_domain::icd10cm;
use carelog_domain::patient::{CareProgram, ConsentMethod, InitiatingKind, Program, RecordSource};
use carelog_domain::practice_time::local_date;
use carelog_store::{
    EnrollmentChange, NewComplexity, NewConsent, NewDiagnosis, PatientEnrollment, Practitioner,
};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use crate::actor::audit_event;
use crate::patients::VisiblePatient;
use crate::{Actor, App, ServiceError, ServiceResult};

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

pub(crate) fn refused(e: RuleViolation) -> ServiceError {
    ServiceError::Refused(format!("{}: {}", capitalised(e.field), e.message))
}

fn capitalised(field: &str) -> String {
    let mut chars = field.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Free text of a section: trimmed, at most `limit` characters.
pub(crate) fn text(field: &'static str, value: &str, limit: usize) -> ServiceResult<String> {
    let value = value.trim();
    if value.chars().count() > limit {
        return Err(refused(RuleViolation::new(field, format!("at most {limit} characters"))));
    }
    Ok(value.to_owned())
}

fn yes(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.is_empty() && v != "no")
}

impl App {
    pub(crate) fn today(&self) -> NaiveDate {
        local_date(Utc::now(), self.settings.time_zone)
    }

    pub(crate) async fn enrollment_records(
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
        let programs = detail.program.consent_programs().to_vec();
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

    pub async fn record_consent(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
        input: &ConsentInput,
    ) -> ServiceResult<String> {
        let today = self.today();
        let program = CareProgram::parse(&input.program).map_err(refused)?;
        let detail = self.patient_detail(patient).await?;
        if !detail.program.consent_programs().contains(&program) {
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
}
