//! The running task timer: start on a patient and task type, stop, and its minutes fill the add form.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_domain::time_rules::{MAX_MINUTES, MIN_MINUTES};
use chrono::Utc;
use serde::Deserialize;

use super::audit;
use crate::context::CurrentUser;
use crate::error::{AppError, AppResult};
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
    let types = state.store.task_types().await?;
    let task_type =
        form.task_type.trim().parse::<i64>().ok().and_then(|id| types.iter().find(|t| t.id == id));
    let Some(task_type) = task_type else {
        return Err(AppError::BadRequest("To start the timer, choose a task type.".into()));
    };
    let patient = match form.patient.trim() {
        "" if !task_type.needs_patient => None,
        "" => {
            return Err(AppError::BadRequest(format!(
                "To time \"{}\", choose one of your patients.",
                task_type.name
            )));
        }
        text => {
            let id = text.parse::<i64>().ok().filter(|id| *id > 0);
            match id {
                Some(id) if state.store.patient_coordinator(id).await? == Some(Some(user.id())) => {
                    Some(id)
                }
                _ => {
                    return Err(AppError::BadRequest(
                        "To start the timer, choose one of your own patients.".into(),
                    ));
                }
            }
        }
    };
    state.store.start_timer(user.id(), patient, task_type.id, Utc::now()).await?;
    audit(&state, &user, "timer.start", patient, task_type.name.clone()).await?;
    Ok(Redirect::to("/tasks#timer").into_response())
}

/// Minutes a stopped timer contributes: whole minutes rounded up, within the per-entry limits.
pub fn timed_minutes(seconds: i64) -> i64 {
    ((seconds + 59) / 60).clamp(i64::from(MIN_MINUTES), i64::from(MAX_MINUTES))
}

pub async fn stop(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let Some(timer) = state.store.stop_timer(user.id()).await? else {
        return Ok(Redirect::to("/tasks").into_response());
    };
    let minutes = timed_minutes((Utc::now() - timer.started_at).num_seconds());
    audit(&state, &user, "timer.stop", timer.patient_id, format!("{minutes} min")).await?;
    let patient = timer.patient_id.map(|p| p.to_string()).unwrap_or_default();
    Ok(Redirect::to(&format!(
        "/tasks?new_patient={patient}&new_type={}&new_minutes={minutes}#add",
        timer.task_type_id
    ))
    .into_response())
}

pub async fn discard(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    if let Some(timer) = state.store.stop_timer(user.id()).await? {
        audit(&state, &user, "timer.discard", timer.patient_id, String::new()).await?;
    }
    Ok(Redirect::to("/tasks").into_response())
}

#[cfg(test)]
mod tests {
    use super::timed_minutes;

    #[test]
    fn timed_minutes_round_up_within_limits() {
        assert_eq!(timed_minutes(0), 5);
        assert_eq!(timed_minutes(301), 6);
        assert_eq!(timed_minutes(600), 10);
        assert_eq!(timed_minutes(3 * 3600), 120);
    }
}
