//! Editing and deleting one's own log entries (in the open period); the audit keeps old and new values.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_domain::practice_time::local_date;
use carelog_store::{EntryRow, NewAuditEvent, Saved, describe_entry};
use chrono::Utc;

use super::{Shell, Tab, render};
use crate::context::CurrentUser;
use crate::entry_form::{
    Checked, EntryForm, EntryFormView, check, earliest_open_date, format_when,
};
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
    let id: i64 = raw_id.parse().map_err(|_| AppError::NotFound)?;
    let entry = state
        .store
        .entry(id)
        .await?
        .filter(|e| e.coordinator_id == user.id())
        .ok_or(AppError::NotFound)?;
    let tz = state.settings.time_zone;
    let today = local_date(Utc::now(), tz);
    if local_date(entry.task_at, tz) < earliest_open_date(state, today).await? {
        return Err(AppError::BadRequest(
            "This entry is in a closed billing period; only an administrator can change it.".into(),
        ));
    }
    Ok(entry)
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
    id: i64,
    values: EntryForm,
) -> AppResult<EntryFormView> {
    let types = state.store.task_types().await?;
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
    let types = state.store.task_types().await?;
    let outcome = match check(&state, &user, &values, &types, None).await? {
        Checked::Ready(mut entry, type_name) => {
            entry.generated_task_id = before.generated_task_id;
            let detail = format!(
                "before: {}; after: {}",
                describe_entry(
                    &before.task_type,
                    before.minutes,
                    before.stat_value.as_deref(),
                    &before.notes,
                    before.task_at
                ),
                describe_entry(
                    &type_name,
                    entry.minutes,
                    entry.stat_value.as_deref(),
                    &entry.notes,
                    entry.task_at
                )
            );
            let audit = NewAuditEvent {
                user_id: Some(user.id()),
                username: &user.user.username,
                action: "task.update",
                patient_id: entry.patient_id.or(before.patient_id),
                detail,
                address: &user.address,
            };
            match state.store.update_entry(before.id, &entry, &audit, Utc::now()).await? {
                Saved::Saved(_) => {
                    return Ok(Redirect::to(&format!("/tasks?date={}&saved=1", entry.local_date))
                        .into_response());
                }
                Saved::Refused(v) => Checked::Invalid(vec![v.message]),
            }
        }
        other => other,
    };
    let form = edit_form(&state, &user, before.id, values).await?.with_outcome(&outcome);
    edit_page(&state, &user, form, StatusCode::UNPROCESSABLE_ENTITY).await
}

pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
) -> AppResult<Response> {
    let entry = own_open_entry(&state, &user, &raw_id).await?;
    let detail = format!(
        "deleted: {}",
        describe_entry(
            &entry.task_type,
            entry.minutes,
            entry.stat_value.as_deref(),
            &entry.notes,
            entry.task_at
        )
    );
    let audit = NewAuditEvent {
        user_id: Some(user.id()),
        username: &user.user.username,
        action: "task.delete",
        patient_id: entry.patient_id,
        detail,
        address: &user.address,
    };
    state.store.delete_entry(entry.id, user.id(), &audit, Utc::now()).await?;
    let date = local_date(entry.task_at, state.settings.time_zone);
    Ok(Redirect::to(&format!("/tasks?date={date}")).into_response())
}
