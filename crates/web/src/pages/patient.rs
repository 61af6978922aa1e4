//! A patient's record (seed 000 §1.4). Outside the user's reach it answers exactly like a patient
//! that does not exist, so ids cannot be probed.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use carelog_domain::practice_time::local_date;
use carelog_domain::role::may_see_patient;
use carelog_domain::visit::{VisitStatus, next_visit_due, visit_status};
use carelog_store::PatientDetail;
use chrono::Utc;

use super::{Shell, Tab, audit, render};
use crate::context::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/patient.html")]
struct PatientPage {
    shell: Shell,
    p: PatientDetail,
    visit: VisitStatus,
    next_due: String,
    activity: Vec<(String, String, String, String)>,
}

/// The patient id from the path, if the user may see that patient; otherwise 404.
pub async fn visible_patient(state: &AppState, user: &CurrentUser, raw_id: &str) -> AppResult<i64> {
    let id: i64 = raw_id.parse().map_err(|_| AppError::NotFound)?;
    match state.store.patient_coordinator(id).await? {
        Some(coordinator) if may_see_patient(user.role(), user.id(), coordinator) => Ok(id),
        _ => Err(AppError::NotFound),
    }
}

pub async fn page(State(state): State<AppState>, user: CurrentUser, Path(raw_id): Path<String>) -> AppResult<Html<String>> {
    let id = visible_patient(&state, &user, &raw_id).await?;
    let p = state.store.patient_detail(id).await?.ok_or(AppError::NotFound)?;
    audit(&state, &user, "patient.view", Some(id), "patient record".into()).await?;
    let tz = state.settings.time_zone;
    let interval = u32::try_from(p.visit_interval_months).unwrap_or(1);
    let visit = visit_status(p.last_visit, interval, local_date(Utc::now(), tz));
    let next_due = next_visit_due(p.last_visit, interval).map(|d| d.to_string()).unwrap_or_else(|| "Now (never visited)".into());
    let activity = p
        .recent_activity
        .iter()
        .map(|a| {
            (
                a.task_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
                a.task_type.clone(),
                a.minutes.map(|m| m.to_string()).unwrap_or_else(|| "—".into()),
                a.coordinator.clone(),
            )
        })
        .collect();
    let shell = Shell::load(&state, &user, Tab::Panel).await?;
    render(&PatientPage { shell, p, visit, next_due, activity })
}
