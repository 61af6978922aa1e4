//! A patient's enrollment over the API: read every record, and record consent, diagnoses and care
//! plan versions under the same services, rules and audit as the record page.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use carelog_app::ServiceError;
use carelog_app::care_plans::CarePlanInput;
use carelog_app::enrollment::{ConsentInput, DiagnosisInput, EnrollmentView};
use carelog_app::patients::VisiblePatient;
use carelog_domain::ids::PatientId;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, ApiResult, ApiUser};
use crate::context::CurrentUser;
use crate::pages::audit;
use crate::state::AppState;

async fn visible(state: &AppState, user: &CurrentUser, raw: &str) -> ApiResult<VisiblePatient> {
    let id = raw.trim().parse::<PatientId>().map_err(|_| ApiError::NotFound)?;
    Ok(state.app.visible_patient(&user.actor(), id).await?)
}

fn body<T>(body: Result<Json<T>, JsonRejection>) -> ApiResult<T> {
    body.map(|Json(b)| b).map_err(|e| ApiError::BadRequest(format!("Body: {}", e.body_text())))
}

fn enrollment_json(view: &EnrollmentView) -> Value {
    let r = &view.records;
    json!({
        "gaps": view.gaps,
        "complex": r.complex_now,
        "consents": r.consents.iter().map(|c| json!({
            "id": c.id, "program": c.program, "obtained_on": c.obtained_on, "method": c.method, "obtained_by": c.obtained_by,
            "disclosures_confirmed": c.service_available && c.cost_sharing && c.one_practitioner_a_month && c.may_stop_any_time,
            "note": c.note, "withdrawn_on": c.withdrawn_on, "source": c.source,
        })).collect::<Vec<_>>(),
        "diagnoses": r.diagnoses.iter().map(|d| json!({
            "id": d.id, "code": d.code, "system": crate::fhir_enrollment::code_system_url(d.code_system), "description": d.description,
            "chronic": d.chronic, "onset_on": d.onset_on, "resolved_on": d.resolved_on, "source": d.source,
        })).collect::<Vec<_>>(),
        "care_plan_versions": r.care_plans.iter().map(|v| json!({
            "version": v.version, "state": v.state, "source": v.source, "activated_on": v.activated_on, "activated_by": v.activated_by,
            "approved_by": v.approved_by, "ended_on": v.ended_on, "copy_given_on": v.copy_given_on, "copy_given_how": v.copy_given_how,
            "problem_list": v.sections.problem_list, "expected_outcome": v.sections.expected_outcome,
            "symptom_management": v.sections.symptom_management, "interventions": v.sections.interventions,
            "medication_management": v.sections.medication_management, "community_services": v.sections.community_services,
            "coordination": v.sections.coordination, "next_review_on": v.sections.next_review_on,
            "goals": v.goals.iter().map(|g| json!({ "goal": g.goal, "target_on": g.target_on, "status": g.status })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "complexity_changes": r.complexity.iter().map(|c| json!({
            "effective_on": c.effective_on, "complex": c.complex, "previous": c.previous, "reason": c.reason,
        })).collect::<Vec<_>>(),
        "practitioners": view.practitioners.iter().map(|p| json!({ "id": p.id, "name": p.name, "npi": p.npi })).collect::<Vec<_>>(),
    })
}

pub async fn read(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<Value>> {
    let patient = visible(&state, &user, &raw).await?;
    let view = state.app.enrollment(patient).await?;
    audit(&state, &user, "api.enrollment", Some(patient.id()), "read".into()).await?;
    Ok(Json(enrollment_json(&view)))
}

/// 201 with the patient's enrollment after the change, or 422 naming the rule that refused it.
async fn answer(
    state: &AppState,
    patient: VisiblePatient,
    outcome: Result<String, ServiceError>,
) -> ApiResult<Response> {
    match outcome {
        Ok(done) => {
            let view = state.app.enrollment(patient).await?;
            let mut body = enrollment_json(&view);
            if let Some(map) = body.as_object_mut() {
                map.insert("message".into(), json!(done));
            }
            Ok((StatusCode::CREATED, Json(body)).into_response())
        }
        Err(ServiceError::Refused(problem)) => {
            Err(ApiError::Unprocessable("Nothing was saved.".into(), vec![problem]))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct NewConsent {
    program: String,
    obtained_on: String,
    method: String,
    /// The four disclosures: service available, cost-sharing, one practitioner a month, may stop.
    disclosures: Disclosures,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
pub struct Disclosures {
    service_available: bool,
    cost_sharing: bool,
    one_practitioner_a_month: bool,
    may_stop_any_time: bool,
}

fn told(confirmed: bool) -> Option<String> {
    confirmed.then(|| "yes".to_owned())
}

pub async fn record_consent(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    consent: Result<Json<NewConsent>, JsonRejection>,
) -> ApiResult<Response> {
    let patient = visible(&state, &user, &raw).await?;
    let c = body(consent)?;
    let input = ConsentInput {
        program: c.program,
        obtained_on: c.obtained_on,
        method: c.method,
        service_available: told(c.disclosures.service_available),
        cost_sharing: told(c.disclosures.cost_sharing),
        one_practitioner_a_month: told(c.disclosures.one_practitioner_a_month),
        may_stop_any_time: told(c.disclosures.may_stop_any_time),
        note: c.note,
    };
    let outcome = state.app.record_consent(&user.actor(), patient, &input).await;
    answer(&state, patient, outcome).await
}

#[derive(Deserialize)]
pub struct Withdrawal {
    withdrawn_on: String,
}

pub async fn withdraw_consent(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((raw, consent)): Path<(String, String)>,
    withdrawal: Result<Json<Withdrawal>, JsonRejection>,
) -> ApiResult<Response> {
    let patient = visible(&state, &user, &raw).await?;
    let w = body(withdrawal)?;
    let outcome =
        state.app.withdraw_consent(&user.actor(), patient, &consent, &w.withdrawn_on).await;
    answer(&state, patient, outcome).await
}

#[derive(Deserialize)]
pub struct NewDiagnosis {
    code: String,
    /// Absent: as usual for the code (common chronic categories are chronic).
    #[serde(default)]
    chronic: Option<bool>,
    #[serde(default)]
    onset_on: Option<String>,
}

pub async fn add_diagnosis(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    diagnosis: Result<Json<NewDiagnosis>, JsonRejection>,
) -> ApiResult<Response> {
    let patient = visible(&state, &user, &raw).await?;
    let d = body(diagnosis)?;
    let input = DiagnosisInput {
        code: d.code,
        chronic: d.chronic.map_or_else(String::new, |c| if c { "yes" } else { "no" }.to_owned()),
        onset_on: d.onset_on.unwrap_or_default(),
    };
    let outcome = state.app.add_diagnosis(&user.actor(), patient, &input).await;
    answer(&state, patient, outcome).await
}

#[derive(Deserialize)]
pub struct Resolution {
    resolved_on: String,
}

pub async fn resolve_diagnosis(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((raw, diagnosis)): Path<(String, String)>,
    resolution: Result<Json<Resolution>, JsonRejection>,
) -> ApiResult<Response> {
    let patient = visible(&state, &user, &raw).await?;
    let r = body(resolution)?;
    let outcome =
        state.app.resolve_diagnosis(&user.actor(), patient, &diagnosis, &r.resolved_on).await;
    answer(&state, patient, outcome).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Goal {
    goal: String,
    target_on: Option<String>,
    status: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Draft {
    problem_list: String,
    expected_outcome: String,
    symptom_management: String,
    interventions: String,
    medication_management: String,
    community_services: String,
    coordination: String,
    next_review_on: Option<String>,
    goals: Vec<Goal>,
}

pub async fn save_draft(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    draft: Result<Json<Draft>, JsonRejection>,
) -> ApiResult<Response> {
    let patient = visible(&state, &user, &raw).await?;
    let d = body(draft)?;
    let slots = carelog_app::care_plans::GOAL_SLOTS;
    if d.goals.len() > slots {
        return Err(ApiError::Unprocessable(
            "Nothing was saved.".into(),
            vec![format!("Goals: at most {slots}")],
        ));
    }
    let mut input = CarePlanInput {
        problem_list: d.problem_list,
        expected_outcome: d.expected_outcome,
        symptom_management: d.symptom_management,
        interventions: d.interventions,
        medication_management: d.medication_management,
        community_services: d.community_services,
        coordination: d.coordination,
        next_review_on: d.next_review_on.unwrap_or_default(),
        ..CarePlanInput::default()
    };
    input.set_goals(
        d.goals
            .into_iter()
            .map(|g| (g.goal, g.target_on.unwrap_or_default(), g.status.unwrap_or_default()))
            .collect(),
    );
    let outcome = state.app.save_care_plan_draft(&user.actor(), patient, &input).await;
    answer(&state, patient, outcome).await
}

#[derive(Deserialize)]
pub struct ActivationBody {
    activated_on: String,
    /// The approving practitioner's id (see the record's practitioners).
    approved_by: i64,
}

pub async fn activate(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    activation: Result<Json<ActivationBody>, JsonRejection>,
) -> ApiResult<Response> {
    let patient = visible(&state, &user, &raw).await?;
    let a = body(activation)?;
    let approved_by = a.approved_by.to_string();
    let outcome =
        state.app.activate_care_plan(&user.actor(), patient, &a.activated_on, &approved_by).await;
    answer(&state, patient, outcome).await
}
