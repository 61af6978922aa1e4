//! The enrollment records as FHIR R4: Condition (ICD-10-CM diagnoses), Consent (per program) and
//! CarePlan (each version), read and searched by patient. Ids name the patient and the record
//! (`12-34`), so reach is checked through the patient like every other resource.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use carelog_app::model::{CarePlanVersionRow, ConsentRow, DiagnosisRow, PatientEnrollment};
use carelog_domain::fhir_search::Resource;
use carelog_domain::ids::PatientId;
use carelog_domain::patient::{CarePlanState, CodeSystem, GoalStatus};
use serde_json::{Value, json};

use crate::api::{ApiError, ApiUser};
use crate::context::CurrentUser;
use crate::fhir::{FhirError, fhir_json, required_patient, user_of};
use crate::fhir_paging::{SearchRequest, page_bundle, page_of};
use crate::pages::audit;
use crate::state::AppState;

pub const ICD10_CM_SYSTEM: &str = "http://hl7.org/fhir/sid/icd-10-cm";

/// The FHIR code system of a diagnosis's code.
pub fn code_system_url(system: CodeSystem) -> &'static str {
    match system {
        CodeSystem::Icd10Cm => ICD10_CM_SYSTEM,
        CodeSystem::Snomed => "http://snomed.info/sct",
    }
}

pub fn condition_resource(patient: PatientId, d: &DiagnosisRow) -> Value {
    let clinical = if d.resolved_on.is_some() { "resolved" } else { "active" };
    let mut category = vec![json!({ "coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
        "code": "problem-list-item",
        "display": "Problem List Item"
    }] })];
    if d.chronic {
        category.push(json!({ "text": "chronic condition (expected to last 12 months or more)" }));
    }
    let mut r = json!({
        "resourceType": "Condition",
        "id": format!("{patient}-{}", d.id),
        "clinicalStatus": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": clinical }] },
        "verificationStatus": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed" }] },
        "category": category,
        "code": { "coding": [{ "system": code_system_url(d.code_system), "code": d.code, "display": d.description }], "text": d.description },
        "subject": { "reference": format!("Patient/{patient}") },
    });
    if let Some(map) = r.as_object_mut() {
        if let Some(onset) = d.onset_on {
            map.insert("onsetDateTime".into(), json!(onset.to_string()));
        }
        if let Some(resolved) = d.resolved_on {
            map.insert("abatementDateTime".into(), json!(resolved.to_string()));
        }
        if let Some(by) = &d.recorded_by {
            map.insert("recorder".into(), json!({ "display": by }));
        }
    }
    r
}

pub fn consent_resource(patient: PatientId, c: &ConsentRow) -> Value {
    let mut period = json!({ "start": c.obtained_on.to_string() });
    if let (Some(withdrawn), Some(map)) = (c.withdrawn_on, period.as_object_mut()) {
        // In force through the month the withdrawal falls in.
        let month = carelog_domain::practice_time::YearMonth::of(withdrawn);
        map.insert("end".into(), json!(month.last_day().to_string()));
    }
    json!({
        "resourceType": "Consent",
        "id": format!("{patient}-{}", c.id),
        "status": if c.withdrawn_on.is_some() { "inactive" } else { "active" },
        "scope": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "treatment", "display": "Treatment" }] },
        "category": [
            { "coding": [{ "system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent" }] },
            { "text": format!("{} consent, {}", c.program, c.method) }
        ],
        "patient": { "reference": format!("Patient/{patient}") },
        "dateTime": c.obtained_on.to_string(),
        "policyRule": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN" }] },
        "provision": { "type": "permit", "period": period },
    })
}

fn plan_status(state: CarePlanState) -> &'static str {
    match state {
        CarePlanState::Draft => "draft",
        CarePlanState::Active => "active",
        CarePlanState::Superseded => "completed",
        CarePlanState::Inactive => "revoked",
    }
}

fn goal_status(status: GoalStatus) -> &'static str {
    match status {
        GoalStatus::NotStarted => "not-started",
        GoalStatus::InProgress => "in-progress",
        GoalStatus::Met => "completed",
        GoalStatus::NotMet => "stopped",
    }
}

pub fn care_plan_resource(
    patient: PatientId,
    records: &PatientEnrollment,
    v: &CarePlanVersionRow,
) -> Value {
    let s = &v.sections;
    let notes: Vec<Value> = [
        ("Problem list", &s.problem_list),
        ("Symptom management", &s.symptom_management),
        ("Planned interventions", &s.interventions),
        ("Medication management", &s.medication_management),
        ("Community and social services", &s.community_services),
        ("Coordination with other practitioners", &s.coordination),
    ]
    .into_iter()
    .filter(|(_, text)| !text.is_empty())
    .map(|(section, text)| json!({ "text": format!("{section}: {text}") }))
    .collect();
    let activities: Vec<Value> = v
        .goals
        .iter()
        .map(|g| {
            let mut detail = json!({ "status": goal_status(g.status), "description": g.goal });
            if let (Some(target), Some(map)) = (g.target_on, detail.as_object_mut()) {
                map.insert("scheduledString".into(), json!(format!("by {target}")));
            }
            json!({ "detail": detail })
        })
        .collect();
    let addresses: Vec<Value> = records
        .diagnoses
        .iter()
        .filter(|d| d.resolved_on.is_none())
        .map(|d| json!({ "reference": format!("Condition/{patient}-{}", d.id), "display": d.code }))
        .collect();
    let mut r = json!({
        "resourceType": "CarePlan",
        "id": format!("{patient}-{}", v.version),
        "status": plan_status(v.state),
        "intent": "plan",
        "title": format!("Care management plan, version {}", v.version),
        "subject": { "reference": format!("Patient/{patient}") },
    });
    if let Some(map) = r.as_object_mut() {
        if !s.expected_outcome.is_empty() {
            map.insert("description".into(), json!(s.expected_outcome));
        }
        let mut period = serde_json::Map::new();
        if let Some(start) = v.activated_on {
            period.insert("start".into(), json!(start.to_string()));
        }
        if let Some(end) =
            v.ended_on.or(s.next_review_on.filter(|_| v.state == CarePlanState::Active))
        {
            period.insert("end".into(), json!(end.to_string()));
        }
        if !period.is_empty() {
            map.insert("period".into(), Value::Object(period));
        }
        if let Some(by) = &v.activated_by {
            map.insert("author".into(), json!({ "display": by }));
        }
        if let Some(approver) = &v.approved_by {
            map.insert("contributor".into(), json!([{ "display": approver }]));
        }
        if !addresses.is_empty() {
            map.insert("addresses".into(), Value::Array(addresses));
        }
        if !activities.is_empty() {
            map.insert("activity".into(), Value::Array(activities));
        }
        if !notes.is_empty() {
            map.insert("note".into(), Value::Array(notes));
        }
    }
    r
}

/// The patient's records, if the caller may see them; the read is the caller's to audit.
async fn records_of(
    state: &AppState,
    user: &CurrentUser,
    id: PatientId,
) -> Result<PatientEnrollment, FhirError> {
    let patient = state.app.visible_patient(&user.actor(), id).await.map_err(ApiError::from)?;
    Ok(state.app.enrollment(patient).await.map_err(ApiError::from)?.records)
}

/// `12-34`: the patient and the record's own number.
fn split_id(raw: &str) -> Result<(PatientId, i64), FhirError> {
    raw.split_once('-')
        .and_then(|(p, r)| Some((p.parse().ok()?, r.parse().ok()?)))
        .ok_or(FhirError(ApiError::NotFound))
}

/// Which record a search or a read is for.
#[derive(Clone, Copy)]
enum Kind {
    Condition,
    Consent,
    CarePlan,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Condition => "Condition",
            Kind::Consent => "Consent",
            Kind::CarePlan => "CarePlan",
        }
    }

    fn resource(self) -> Resource {
        match self {
            Kind::Condition => Resource::Condition,
            Kind::Consent => Resource::Consent,
            Kind::CarePlan => Resource::CarePlan,
        }
    }

    fn action(self, what: &str) -> String {
        format!("fhir.{}_{what}", self.name().to_lowercase())
    }

    /// Every resource of this kind for the patient: (its id, the resource).
    fn resources(self, patient: PatientId, records: &PatientEnrollment) -> Vec<(i64, Value)> {
        match self {
            Kind::Condition => {
                records.diagnoses.iter().map(|d| (d.id, condition_resource(patient, d))).collect()
            }
            Kind::Consent => {
                records.consents.iter().map(|c| (c.id, consent_resource(patient, c))).collect()
            }
            Kind::CarePlan => records
                .care_plans
                .iter()
                .map(|v| (i64::from(v.version), care_plan_resource(patient, records, v)))
                .collect(),
        }
    }
}

async fn search(
    state: AppState,
    caller: Result<ApiUser, ApiError>,
    request: SearchRequest,
    kind: Kind,
) -> Result<Response, FhirError> {
    let user = user_of(caller)?;
    let search = request.for_resource(kind.resource())?;
    let id = required_patient(&search)?;
    let records = records_of(&state, &user, id).await?;
    let entries: Vec<(String, Value)> = kind
        .resources(id, &records)
        .into_iter()
        .map(|(n, r)| (format!("{}/{id}-{n}", kind.name()), r))
        .collect();
    let total = entries.len();
    audit(&state, &user, &kind.action("search"), Some(id), format!("{total} by patient")).await?;
    let entries = page_of(entries, &search);
    Ok(fhir_json(StatusCode::OK, page_bundle(&state, kind.resource(), &search, entries, total)))
}

async fn read(
    state: AppState,
    caller: Result<ApiUser, ApiError>,
    raw: String,
    kind: Kind,
) -> Result<Response, FhirError> {
    let user = user_of(caller)?;
    let (id, number) = split_id(&raw)?;
    let records = records_of(&state, &user, id).await?;
    let resource = kind
        .resources(id, &records)
        .into_iter()
        .find(|(n, _)| *n == number)
        .map(|(_, r)| r)
        .ok_or(FhirError(ApiError::NotFound))?;
    audit(&state, &user, &kind.action("read"), Some(id), format!("{} {raw}", kind.name())).await?;
    Ok(fhir_json(StatusCode::OK, resource))
}

pub async fn search_conditions(
    State(s): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    request: SearchRequest,
) -> Result<Response, FhirError> {
    search(s, caller, request, Kind::Condition).await
}

pub async fn read_condition(
    State(s): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    Path(raw): Path<String>,
) -> Result<Response, FhirError> {
    read(s, caller, raw, Kind::Condition).await
}

pub async fn search_consents(
    State(s): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    request: SearchRequest,
) -> Result<Response, FhirError> {
    search(s, caller, request, Kind::Consent).await
}

pub async fn read_consent(
    State(s): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    Path(raw): Path<String>,
) -> Result<Response, FhirError> {
    read(s, caller, raw, Kind::Consent).await
}

pub async fn search_care_plans(
    State(s): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    request: SearchRequest,
) -> Result<Response, FhirError> {
    search(s, caller, request, Kind::CarePlan).await
}

pub async fn read_care_plan(
    State(s): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    Path(raw): Path<String>,
) -> Result<Response, FhirError> {
    read(s, caller, raw, Kind::CarePlan).await
}
