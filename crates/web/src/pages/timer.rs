//! The running task timer: start on a patient and task type, stop, and its minutes fill the add form.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::context::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    patient: String,
    #[serde(default)]
    task_type: String,
}

pub async fn start(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<StartForm>,
) -> AppResult<Response> {
    state.app.start_timer(&user.actor(), &form.patient, &form.task_type).await?;
    Ok(Redirect::to("/tasks#timer").into_response())
}

pub async fn stop(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let Some(stopped) = state.app.stop_timer(&user.actor()).await? else {
        return Ok(Redirect::to("/tasks").into_response());
    };
    let patient = stopped.timer.patient_id.map(|p| p.to_string()).unwrap_or_default();
    Ok(Redirect::to(&format!(
        "/tasks?new_patient={patient}&new_type={}&new_minutes={}#add",
        stopped.timer.task_type_id, stopped.minutes
    ))
    .into_response())
}

pub async fn discard(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    state.app.discard_timer(&user.actor()).await?;
    Ok(Redirect::to("/tasks").into_response())
}
