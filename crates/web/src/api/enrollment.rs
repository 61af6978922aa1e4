//! A patient's enrollment over the API: read every record, and record consent, diagnoses and care
//! plan versions under the same services, rules and audit as the record page.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use carelog_app::ServiceError;
use carelog_app::care_plans::CarePlanInput;
use carelog_app::enrollment::{ConsentInput, DiagnosisInput};
use carelog_app::patients::VisiblePatient;
use carelog_domain::ids::PatientId;
use carelog_domain::patient::GoalStatus;
use serde::Deserialize;
use utoipa::ToSchema;

use super::enrollment_json::Enrollment;
use super::params::{ApiJson, body_dates, integer, one_of};
use super::problem::{ReadErrors, WriteErrors};
use super::{ApiError, ApiResult, ApiUser};
use crate::context::CurrentUser;
use crate::pages::audit;
use crate::state::AppState;

async fn visible(state: &AppState, user: &CurrentUser, raw: &str) -> ApiResult<VisiblePatient> {
    let id = super::path_id(raw, PatientId)?;
    Ok(state.app.visible_patient(&user.actor(), id).await?)
}

/// A patient's consents, ICD-10-CM diagnoses, care plan versions and complexity, with this month's gaps.
#[utoipa::path(get, path = "/patients/{id}/enrollment", tag = "enrollment",
    params(("id" = PatientId, Path, description = "The patient's id")),
    responses((status = 200, description = "The enrollment", body = Enrollment), ReadErrors))]
pub async fn read(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<Enrollment>> {
    let patient = visible(&state, &user, &raw).await?;
    let view = state.app.enrollment(patient).await?;
    audit(&state, &user, "api.enrollment", Some(patient.id()), "read".into()).await?;
    Ok(Json(Enrollment::of(view, None)))
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
            Ok((StatusCode::CREATED, Json(Enrollment::of(view, Some(done)))).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The program consented to.
#[derive(Deserialize, ToSchema, Clone, Copy)]
pub enum ConsentProgram {
    #[serde(rename = "CCM")]
    Ccm,
    #[serde(rename = "PCM")]
    Pcm,
}

/// How consent was obtained.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum ConsentHow {
    Verbal,
    Written,
}

#[derive(Deserialize, ToSchema)]
pub struct NewConsent {
    program: ConsentProgram,
    #[schema(format = Date, value_type = String, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    obtained_on: String,
    method: ConsentHow,
    /// The four disclosures: service available, cost-sharing, one practitioner a month, may stop.
    disclosures: Disclosures,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, ToSchema)]
pub struct Disclosures {
    service_available: bool,
    cost_sharing: bool,
    one_practitioner_a_month: bool,
    may_stop_any_time: bool,
}

fn told(confirmed: bool) -> Option<String> {
    confirmed.then(|| "yes".to_owned())
}

/// Record consent after the four disclosures.
#[utoipa::path(post, path = "/patients/{id}/consents", tag = "enrollment", request_body = NewConsent,
    params(("id" = PatientId, Path, description = "The patient's id")),
    responses((status = 201, description = "The patient's enrollment after the change", body = Enrollment), WriteErrors))]
pub async fn record_consent(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(c): ApiJson<NewConsent>,
) -> ApiResult<Response> {
    let patient = visible(&state, &user, &raw).await?;
    body_dates(&[("obtained_on", Some(&c.obtained_on))])?;
    let input = ConsentInput {
        program: match c.program {
            ConsentProgram::Ccm => "CCM",
            ConsentProgram::Pcm => "PCM",
        }
        .into(),
        obtained_on: c.obtained_on,
        method: match c.method {
            ConsentHow::Verbal => "verbal",
            ConsentHow::Written => "written",
        }
        .into(),
        service_available: told(c.disclosures.service_available),
        cost_sharing: told(c.disclosures.cost_sharing),
        one_practitioner_a_month: told(c.disclosures.one_practitioner_a_month),
        may_stop_any_time: told(c.disclosures.may_stop_any_time),
        note: c.note,
    };
    let outcome = state.app.record_consent(&user.actor(), patient, &input).await;
    answer(&state, patient, outcome).await
}

#[derive(Deserialize, ToSchema)]
pub struct Withdrawal {
    #[schema(format = Date, value_type = String, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    withdrawn_on: String,
}

/// Record a consent's withdrawal.
#[utoipa::path(post, path = "/patients/{id}/consents/{consent}/withdrawal", tag = "enrollment", request_body = Withdrawal,
    params(("id" = PatientId, Path, description = "The patient's id"), ("consent" = i64, Path, minimum = 1, description = "The record's id")),
    responses((status = 201, description = "The patient's enrollment after the change", body = Enrollment), WriteErrors))]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((raw, consent)): Path<(String, String)>,
    ApiJson(w): ApiJson<Withdrawal>,
) -> ApiResult<Response> {
    let patient = visible(&state, &user, &raw).await?;
    body_dates(&[("withdrawn_on", Some(&w.withdrawn_on))])?;
    let outcome =
        state.app.withdraw_consent(&user.actor(), patient, &consent, &w.withdrawn_on).await;
    answer(&state, patient, outcome).await
}

#[derive(Deserialize, ToSchema)]
pub struct NewDiagnosis {
    /// An ICD-10-CM billable code, e.g. E11.9.
    #[schema(example = "E11.9")]
    code: String,
    /// Absent: as usual for the code (common chronic categories are chronic).
    #[serde(default)]
    chronic: Option<bool>,
    #[serde(default)]
    #[schema(format = Date, value_type = Option<String>, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    onset_on: Option<String>,
}

/// Add an ICD-10-CM diagnosis.
#[utoipa::path(post, path = "/patients/{id}/diagnoses", tag = "enrollment", request_body = NewDiagnosis,
    params(("id" = PatientId, Path, description = "The patient's id")),
    responses((status = 201, description = "The patient's enrollment after the change", body = Enrollment), WriteErrors))]
pub async fn add_diagnosis(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(d): ApiJson<NewDiagnosis>,
) -> ApiResult<Response> {
    let patient = visible(&state, &user, &raw).await?;
    body_dates(&[("onset_on", d.onset_on.as_deref())])?;
    let input = DiagnosisInput {
        code: d.code,
        chronic: d.chronic.map_or_else(String::new, |c| if c { "yes" } else { "no" }.to_owned()),
        onset_on: d.onset_on.unwrap_or_default(),
    };
    let outcome = state.app.add_diagnosis(&user.actor(), patient, &input).await;
    answer(&state, patient, outcome).await
}

#[derive(Deserialize, ToSchema)]
pub struct Resolution {
    #[schema(format = Date, value_type = String, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    resolved_on: String,
}

/// Mark a diagnosis resolved.
#[utoipa::path(post, path = "/patients/{id}/diagnoses/{diagnosis}/resolution", tag = "enrollment", request_body = Resolution,
    params(("id" = PatientId, Path, description = "The patient's id"), ("diagnosis" = i64, Path, minimum = 1, description = "The record's id")),
    responses((status = 201, description = "The patient's enrollment after the change", body = Enrollment), WriteErrors))]
pub async fn resolve_diagnosis(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((raw, diagnosis)): Path<(String, String)>,
    ApiJson(r): ApiJson<Resolution>,
) -> ApiResult<Response> {
    let patient = visible(&state, &user, &raw).await?;
    body_dates(&[("resolved_on", Some(&r.resolved_on))])?;
    let outcome =
        state.app.resolve_diagnosis(&user.actor(), patient, &diagnosis, &r.resolved_on).await;
    answer(&state, patient, outcome).await
}

#[derive(Deserialize, serde::Serialize, ToSchema, Default)]
pub struct DraftGoal {
    goal: String,
    #[serde(default)]
    #[schema(format = Date, value_type = Option<String>, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    target_on: Option<String>,
    /// Not started when absent.
    #[serde(default)]
    #[schema(value_type = Option<GoalStatus>, required = false)]
    status: Option<String>,
}

#[derive(Deserialize, serde::Serialize, ToSchema, Default)]
#[serde(default)]
pub struct Draft {
    problem_list: String,
    expected_outcome: String,
    symptom_management: String,
    interventions: String,
    medication_management: String,
    community_services: String,
    coordination: String,
    #[schema(format = Date, value_type = Option<String>, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    next_review_on: Option<String>,
    #[schema(max_items = 6)]
    goals: Vec<DraftGoal>,
}

/// Write the care plan's draft version.
#[utoipa::path(post, path = "/patients/{id}/care-plan/draft", tag = "enrollment", request_body = Draft,
    params(("id" = PatientId, Path, description = "The patient's id")),
    responses((status = 201, description = "The patient's enrollment after the change", body = Enrollment), WriteErrors))]
pub async fn save_draft(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(d): ApiJson<Draft>,
) -> ApiResult<Response> {
    let patient = visible(&state, &user, &raw).await?;
    let slots = carelog_app::care_plans::GOAL_SLOTS;
    if d.goals.len() > slots {
        return Err(ApiError::BadRequest(format!("Body: goals: at most {slots}.")));
    }
    let mut dates = vec![("next_review_on", d.next_review_on.as_deref())];
    dates.extend(d.goals.iter().map(|g| ("goals: target_on", g.target_on.as_deref())));
    body_dates(&dates)?;
    for goal in &d.goals {
        one_of::<GoalStatus>("goals: status", goal.status.as_deref())?;
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

#[derive(Deserialize, ToSchema)]
pub struct ActivationBody {
    #[schema(format = Date, value_type = String, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    activated_on: String,
    /// The approving practitioner's id (see the enrollment's practitioners).
    #[serde(deserialize_with = "integer")]
    #[schema(minimum = 1, maximum = 9_007_199_254_740_991_i64)]
    approved_by: i64,
}

/// Make the draft the plan in force.
#[utoipa::path(post, path = "/patients/{id}/care-plan/activation", tag = "enrollment", request_body = ActivationBody,
    params(("id" = PatientId, Path, description = "The patient's id")),
    responses((status = 201, description = "The patient's enrollment after the change", body = Enrollment), WriteErrors))]
pub async fn activate(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
    ApiJson(a): ApiJson<ActivationBody>,
) -> ApiResult<Response> {
    let patient = visible(&state, &user, &raw).await?;
    body_dates(&[("activated_on", Some(&a.activated_on))])?;
    let approved_by = a.approved_by.to_string();
    let outcome =
        state.app.activate_care_plan(&user.actor(), patient, &a.activated_on, &approved_by).await;
    answer(&state, patient, outcome).await
}
