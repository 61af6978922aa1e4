//! Managers and admins change who looks after a patient and the patient's status from the record.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use carelog_domain::notifications::{Kind, dedupe_key, email_text};
use carelog_domain::patient::PatientStatus;
use carelog_store::{NewAuditEvent, NewNotification};
use chrono::Utc;
use serde::Deserialize;

use super::patient::visible_patient;
use crate::context::ManagerUser;
use crate::error::{AppError, AppResult};
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

fn back(id: i64, notice: &str) -> Response {
    let query = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
    Redirect::to(&format!("/patients/{id}?{query}")).into_response()
}

pub async fn assign(
    State(state): State<AppState>,
    ManagerUser(user): ManagerUser,
    Path(raw_id): Path<String>,
    Form(form): Form<AssignForm>,
) -> AppResult<Response> {
    let id = visible_patient(&state, &user, &raw_id).await?;
    let holders = state.store.caseload_holders().await?;
    let Some((coordinator, name)) = form
        .coordinator
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|c| holders.into_iter().find(|(h, _)| *h == c))
    else {
        return Err(AppError::BadRequest("Coordinator: choose one from the list.".into()));
    };
    let rationale = form.rationale.trim();
    if rationale.chars().count() > 2000 {
        return Err(AppError::BadRequest("Rationale: at most 2000 characters.".into()));
    }
    let audit = NewAuditEvent {
        user_id: Some(user.id()),
        username: &user.user.username,
        action: "patient.assign",
        patient_id: Some(id),
        detail: format!("to {name}: {rationale}"),
        address: &user.address,
    };
    let effect = state
        .store
        .assign_patient(id, coordinator, Some(user.id()), rationale, &audit, Utc::now())
        .await?;
    Ok(back(
        id,
        &format!("Assigned to {name}; {} open tasks moved with the patient.", effect.moved),
    ))
}

pub async fn set_status(
    State(state): State<AppState>,
    ManagerUser(user): ManagerUser,
    Path(raw_id): Path<String>,
    Form(form): Form<StatusForm>,
) -> AppResult<Response> {
    let id = visible_patient(&state, &user, &raw_id).await?;
    let status = PatientStatus::parse(&form.status)
        .map_err(|e| AppError::BadRequest(format!("Status: {}", e.message)))?;
    let audit = NewAuditEvent {
        user_id: Some(user.id()),
        username: &user.user.username,
        action: "patient.status",
        patient_id: Some(id),
        detail: format!("status set to {status}"),
        address: &user.address,
    };
    let now = Utc::now();
    let effect = state.store.set_patient_status(id, status, &audit, now).await?;
    if let Some(Some(coordinator)) = state.store.patient_coordinator(id).await?
        && coordinator != user.id()
    {
        let path = format!("/patients/{id}");
        let (email_subject, email_body) =
            email_text(Kind::StatusChange, 1, &format!("{}{path}", state.settings.base_url));
        let name = state.store.patient_detail(id).await?.map(|p| p.name).unwrap_or_default();
        let notice = NewNotification {
            user_id: coordinator,
            kind: Kind::StatusChange,
            title: format!("{name}: status changed to {status}"),
            body: format!("by {}", user.user.display_name),
            link: path,
            dedupe_key: dedupe_key(Kind::StatusChange, coordinator, &now.to_rfc3339(), Some(id)),
            email_subject,
            email_body,
        };
        state.store.notify(&notice, state.settings.email_configured, now).await?;
    }
    let notice = if effect.cancelled > 0 {
        format!(
            "Status set to {status}; {} open tasks were cancelled (kept, marked).",
            effect.cancelled
        )
    } else {
        format!("Status set to {status}.")
    };
    Ok(back(id, &notice))
}
