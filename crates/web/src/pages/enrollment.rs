//! The record's enrollment section: consent, diagnoses and complexity, written from small forms that
//! return to the record. A refused form shows the record again with the rule that refused it.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::ServiceError;
use carelog_app::enrollment::{
    ComplexityInput, ConsentInput, DiagnosisInput, EnrollmentInput, InitiatingVisitInput,
};
use carelog_domain::ids::PatientId;
use serde::Deserialize;

use super::patient::{RecordMessage, RecordPage, patient_page, visible_patient};
use crate::context::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DatedForm {
    on: String,
}

/// Back to the record's enrollment section with the service's sentence; a refusal shows the
/// record with it instead (422), nothing changed.
pub(crate) async fn answer(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
    outcome: Result<String, ServiceError>,
) -> AppResult<Response> {
    let patient = visible_patient(state, user, raw_id).await?;
    match outcome {
        Ok(notice) => Ok(back(patient.id(), &notice)),
        Err(ServiceError::Refused(problem)) => {
            let page = RecordPage {
                form: None,
                message: RecordMessage::Problem(problem),
                code_search: String::new(),
            };
            patient_page(state, user, patient, page, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

fn back(id: PatientId, notice: &str) -> Response {
    let query = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
    Redirect::to(&format!("/patients/{id}?{query}#enrollment")).into_response()
}

pub async fn record_consent(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
    Form(form): Form<ConsentInput>,
) -> AppResult<Response> {
    let patient = visible_patient(&state, &user, &raw_id).await?;
    let outcome = state.app.record_consent(&user.actor(), patient, &form).await;
    answer(&state, &user, &raw_id, outcome).await
}

pub async fn withdraw_consent(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((raw_id, consent)): Path<(String, String)>,
    Form(form): Form<DatedForm>,
) -> AppResult<Response> {
    let patient = visible_patient(&state, &user, &raw_id).await?;
    let outcome = state.app.withdraw_consent(&user.actor(), patient, &consent, &form.on).await;
    answer(&state, &user, &raw_id, outcome).await
}

pub async fn add_diagnosis(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
    Form(form): Form<DiagnosisInput>,
) -> AppResult<Response> {
    let patient = visible_patient(&state, &user, &raw_id).await?;
    let outcome = state.app.add_diagnosis(&user.actor(), patient, &form).await;
    answer(&state, &user, &raw_id, outcome).await
}

pub async fn resolve_diagnosis(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((raw_id, diagnosis)): Path<(String, String)>,
    Form(form): Form<DatedForm>,
) -> AppResult<Response> {
    let patient = visible_patient(&state, &user, &raw_id).await?;
    let outcome = state.app.resolve_diagnosis(&user.actor(), patient, &diagnosis, &form.on).await;
    answer(&state, &user, &raw_id, outcome).await
}

pub async fn change_complexity(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
    Form(form): Form<ComplexityInput>,
) -> AppResult<Response> {
    let patient = visible_patient(&state, &user, &raw_id).await?;
    let outcome = state.app.change_complexity(&user.actor(), patient, &form).await;
    answer(&state, &user, &raw_id, outcome).await
}

pub async fn set_enrollment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
    Form(form): Form<EnrollmentInput>,
) -> AppResult<Response> {
    let patient = visible_patient(&state, &user, &raw_id).await?;
    let outcome = state.app.set_enrollment(&user.actor(), patient, &form).await;
    answer(&state, &user, &raw_id, outcome).await
}

pub async fn record_initiating_visit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
    Form(form): Form<InitiatingVisitInput>,
) -> AppResult<Response> {
    let patient = visible_patient(&state, &user, &raw_id).await?;
    let outcome = state.app.record_initiating_visit(&user.actor(), patient, &form).await;
    answer(&state, &user, &raw_id, outcome).await
}
