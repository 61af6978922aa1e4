//! Managers and admins change who looks after a patient and the patient's status from the record.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use carelog_domain::ids::PatientId;
use serde::Deserialize;

use super::patient::visible_patient;
use crate::context::ManagerUser;
use crate::error::AppResult;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    coordinator: String,
    #[serde(default)]
    rationale: String,
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

fn back(id: PatientId, notice: &str) -> Response {
    let query = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
    Redirect::to(&format!("/patients/{id}?{query}")).into_response()
}

pub async fn assign(
    State(state): State<AppState>,
    ManagerUser(user): ManagerUser,
    Path(raw_id): Path<String>,
    Form(form): Form<AssignForm>,
) -> AppResult<Response> {
    let patient = visible_patient(&state, &user, &raw_id).await?;
    let actor = user.actor();
    let change =
        state.app.reassign_patient(&actor, patient, &form.coordinator, &form.rationale).await?;
    Ok(back(patient.id(), &change.notice))
}

pub async fn set_status(
    State(state): State<AppState>,
    ManagerUser(user): ManagerUser,
    Path(raw_id): Path<String>,
    Form(form): Form<StatusForm>,
) -> AppResult<Response> {
    let patient = visible_patient(&state, &user, &raw_id).await?;
    let change = state.app.set_patient_status(&user.actor(), patient, &form.status).await?;
    Ok(back(patient.id(), &change.notice))
}
