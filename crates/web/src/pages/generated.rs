//! Completing a generated task (seed 000 §2.4): minutes and notes become a log entry.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::entries::{Outcome, Source};
use carelog_app::model::GeneratedRow;
use serde::Deserialize;

use super::{Shell, Tab, render};
use crate::context::CurrentUser;
use crate::entry_form::{EntryForm, EntryFormView};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/complete.html")]
struct CompletePage {
    shell: Shell,
    task: GeneratedRow,
    form: EntryFormView,
}

async fn own_pending_task(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
) -> AppResult<GeneratedRow> {
    let id: i64 = raw_id.parse().map_err(|_| AppError::NotFound)?;
    Ok(state.app.own_pending_task(&user.actor(), id).await?)
}

async fn complete_page(
    state: &AppState,
    user: &CurrentUser,
    task: GeneratedRow,
    values: EntryForm,
    refused: Option<&Outcome>,
    status: StatusCode,
) -> AppResult<Response> {
    let types: Vec<_> =
        state.app.task_types().await?.into_iter().filter(|t| t.id == task.task_type_id).collect();
    let mut form =
        EntryFormView::new(state, user, &types, format!("/tasks/generated/{}", task.id), values)
            .await?;
    form.heading = format!("Complete: {}", task.task_type);
    form.buttons = vec![("save", "Complete Task")];
    form.autofocus = true;
    // The estimate is a hint, never a value: estimated time is not time spent (domain.md).
    form.minutes_hint = format!("est. {} min", task.estimated_minutes);
    if let Some(pid) = task.patient_id {
        let name =
            form.patients.iter().find(|c| c.id == pid).map(|c| c.label.clone()).unwrap_or_default();
        form.fixed_patient = Some((pid, name));
    }
    if let Some(outcome) = refused {
        form = form.with_outcome(outcome);
    }
    let shell = Shell::load(state, user, Tab::Tasks).await?;
    Ok((status, render(&CompletePage { shell, task, form })?).into_response())
}

pub async fn form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
) -> AppResult<Response> {
    let task = own_pending_task(&state, &user, &raw_id).await?;
    let detail = format!("generated task {}", task.id);
    super::audit(&state, &user, "task.generated_form", task.patient_id, detail).await?;
    let values = EntryForm {
        patient: task.patient_id.map(|p| p.to_string()).unwrap_or_default(),
        task_type: task.task_type_id.to_string(),
        ..EntryForm::default()
    };
    complete_page(&state, &user, task, values, None, StatusCode::OK).await
}

pub async fn complete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
    Form(mut values): Form<EntryForm>,
) -> AppResult<Response> {
    let task = own_pending_task(&state, &user, &raw_id).await?;
    // The task decides its patient and type; the form supplies minutes, notes and time.
    values.patient = task.patient_id.map(|p| p.to_string()).unwrap_or_default();
    values.task_type = task.task_type_id.to_string();
    let source = Source::Generated(task.id);
    match state.app.log_entry(&user.actor(), &values.input(), source).await? {
        Outcome::Saved { id, date, .. } => {
            Ok(Redirect::to(&format!("/tasks?date={date}&saved={id}")).into_response())
        }
        refused => {
            complete_page(
                &state,
                &user,
                task,
                values,
                Some(&refused),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct CompletesForm {
    #[serde(default)]
    task: String,
    /// "record": back to the patient's record (its quick entry); otherwise Daily Tasks.
    #[serde(default)]
    back: String,
}

/// Completes a pending generated task with an entry just logged by hand for it.
pub async fn complete_with_entry(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
    Form(form): Form<CompletesForm>,
) -> AppResult<Response> {
    let (date, patient) = state.app.complete_with_entry(&user.actor(), &raw_id, &form.task).await?;
    if let (Some(patient), "record") = (patient, form.back.as_str()) {
        let notice = "Saved, and its generated task is marked completed.";
        let query = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
        return Ok(
            Redirect::to(&format!("/patients/{patient}?{query}#quick-entry")).into_response()
        );
    }
    let id = raw_id.trim();
    Ok(Redirect::to(&format!("/tasks?date={date}&saved={id}&completed=1")).into_response())
}
