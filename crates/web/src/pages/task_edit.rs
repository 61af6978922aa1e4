//! Editing and deleting one's own log entries (in the open period); the audit keeps old and new values.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::entries::Outcome;
use carelog_app::model::EntryRow;
use carelog_domain::ids::EntryId;

use super::{Shell, Tab, render};
use crate::context::CurrentUser;
use crate::entry_form::{EntryForm, EntryFormView, format_when};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/task_edit.html")]
struct EditPage {
    shell: Shell,
    form: EntryFormView,
}

/// The user's own entry in the open period; anything else answers 404.
async fn own_open_entry(state: &AppState, user: &CurrentUser, raw_id: &str) -> AppResult<EntryRow> {
    let id = EntryId::parse(raw_id).ok_or(AppError::NotFound)?;
    Ok(state.app.own_open_entry(&user.actor(), id).await?)
}

async fn edit_page(
    state: &AppState,
    user: &CurrentUser,
    form: EntryFormView,
    status: StatusCode,
) -> AppResult<Response> {
    let shell = Shell::load(state, user, Tab::Tasks).await?;
    Ok((status, render(&EditPage { shell, form })?).into_response())
}

async fn edit_form(
    state: &AppState,
    user: &CurrentUser,
    id: EntryId,
    values: EntryForm,
) -> AppResult<EntryFormView> {
    let types = state.app.task_types().await?;
    let mut form = EntryFormView::new(state, user, &types, format!("/tasks/{id}"), values).await?;
    form.heading = "Edit Task".into();
    form.buttons = vec![("save", "Save Changes")];
    form.autofocus = true;
    Ok(form)
}

pub async fn form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
) -> AppResult<Response> {
    let entry = own_open_entry(&state, &user, &raw_id).await?;
    let detail = format!("entry {}", entry.id);
    super::audit(&state, &user, "task.edit_form", entry.patient_id, detail).await?;
    let values = EntryForm {
        patient: entry.patient_id.map(|p| p.to_string()).unwrap_or_default(),
        task_type: entry.task_type_id.to_string(),
        minutes: entry.minutes.map(|m| m.to_string()).unwrap_or_default(),
        value: entry.stat_value.clone().unwrap_or_default(),
        notes: entry.notes.clone(),
        when: format_when(entry.task_at, state.settings.time_zone),
        ..EntryForm::default()
    };
    let form = edit_form(&state, &user, entry.id, values).await?;
    edit_page(&state, &user, form, StatusCode::OK).await
}

pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
    Form(values): Form<EntryForm>,
) -> AppResult<Response> {
    let before = own_open_entry(&state, &user, &raw_id).await?;
    match state.app.edit_entry(&user.actor(), &before, &values.input()).await? {
        Outcome::Saved { id, date, .. } => {
            Ok(Redirect::to(&format!("/tasks?date={date}&saved={id}")).into_response())
        }
        refused => {
            let form = edit_form(&state, &user, before.id, values).await?.with_outcome(&refused);
            edit_page(&state, &user, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
) -> AppResult<Response> {
    let entry = own_open_entry(&state, &user, &raw_id).await?;
    let date = state.app.delete_entry(&user.actor(), &entry).await?;
    Ok(Redirect::to(&format!("/tasks?date={date}&deleted=1")).into_response())
}
