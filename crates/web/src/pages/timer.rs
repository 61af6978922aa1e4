//! The running task timer: start on a patient and task type, stop, and its minutes fill the add form.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::timer::TimerStop;
use serde::Deserialize;

use crate::context::CurrentUser;
use crate::entry_form::format_when;
use crate::error::AppResult;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    patient: String,
    #[serde(default)]
    task_type: String,
    /// The page the timer was started from, to return to (the panel, the record); else Daily Tasks.
    #[serde(default)]
    back: String,
}

pub async fn start(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<StartForm>,
) -> AppResult<Response> {
    state.app.start_timer(&user.actor(), &form.patient, &form.task_type).await?;
    let back = match form.back.trim() {
        "" => "/tasks#timer".to_owned(),
        path => super::login::safe_next(Some(path)),
    };
    Ok(Redirect::to(&back).into_response())
}

pub async fn stop(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let (timer, parts) = match state.app.stop_timer(&user.actor()).await? {
        TimerStop::NotRunning => return Ok(Redirect::to("/tasks").into_response()),
        TimerStop::TooShort { minutes } => {
            return Ok(Redirect::to(&format!("/tasks?timer_short={minutes}#timer")).into_response());
        }
        TimerStop::Stopped { timer, parts } => (timer, parts),
    };
    let patient = timer.patient_id.map(|p| p.to_string()).unwrap_or_default();
    let when = format_when(timer.started_at, state.settings.time_zone);
    let first = parts.first().copied().unwrap_or_default();
    let split = if parts.len() > 1 {
        let listed: Vec<String> = parts.iter().map(i64::to_string).collect();
        format!("&timer_split={}", listed.join(","))
    } else {
        String::new()
    };
    let query = serde_urlencoded::to_string([
        ("new_patient", patient),
        ("new_type", timer.task_type_id.map(|t| t.to_string()).unwrap_or_default()),
        ("new_minutes", first.to_string()),
        ("new_when", when),
    ])
    .unwrap_or_default();
    Ok(Redirect::to(&format!("/tasks?{query}{split}#add")).into_response())
}

pub async fn discard(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    state.app.discard_timer(&user.actor()).await?;
    Ok(Redirect::to("/tasks").into_response())
}
