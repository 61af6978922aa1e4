//! Admin: the automation schedules (seed 000 §2.3), edited under the same validation discipline.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::ServiceError;
use carelog_app::model::{ScheduleRow, TaskTypeRow};
use carelog_domain::catalogue::AppliesTo;
use carelog_domain::patient::Priority;
use carelog_domain::schedule::{ScheduleDraft, validate_schedule};
use serde::Deserialize;

use super::{Shell, Tab, render};
use crate::context::AdminUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Debug, Default, Clone, Deserialize)]
pub struct ScheduleForm {
    #[serde(default)]
    task_type: String,
    #[serde(default)]
    frequency: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    estimated_minutes: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    applies_to: String,
    #[serde(default)]
    active: String,
}

impl ScheduleForm {
    fn draft(&self) -> ScheduleDraft {
        ScheduleDraft {
            task_type_id: self.task_type.clone(),
            frequency: self.frequency.clone(),
            day: self.day.clone(),
            estimated_minutes: self.estimated_minutes.clone(),
            priority: self.priority.clone(),
            applies_to: self.applies_to.clone(),
            active: self.active == "1",
        }
    }
}

/// One editable row: `id` 0 is the "add a schedule" row.
pub struct ScheduleLine {
    pub id: i64,
    pub form: ScheduleForm,
    pub errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "pages/schedules.html")]
struct SchedulesPage {
    shell: Shell,
    lines: Vec<ScheduleLine>,
    types: Vec<TaskTypeRow>,
    priorities: Vec<&'static str>,
    subjects: Vec<(&'static str, &'static str)>,
    saved: bool,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: String,
}

/// A schedule as its row of the form shows it.
fn schedule_line(s: ScheduleRow) -> ScheduleLine {
    ScheduleLine {
        id: s.id,
        form: ScheduleForm {
            task_type: s.task_type_id.to_string(),
            frequency: s.frequency.key().to_owned(),
            day: s.day_of_month.or(s.day_of_week).map(|d| d.to_string()).unwrap_or_default(),
            estimated_minutes: s.estimated_minutes.to_string(),
            priority: s.priority.as_str().to_owned(),
            applies_to: s.applies_to.key().to_owned(),
            active: if s.is_active { "1".into() } else { String::new() },
        },
        errors: Vec::new(),
    }
}

/// The empty row that adds a schedule, with the usual choices made.
fn new_schedule_line() -> ScheduleLine {
    ScheduleLine {
        id: 0,
        form: ScheduleForm {
            frequency: "monthly".into(),
            priority: "Medium".into(),
            applies_to: "all_patients".into(),
            active: "1".into(),
            ..ScheduleForm::default()
        },
        errors: Vec::new(),
    }
}

async fn schedules_page(
    state: &AppState,
    user: &crate::context::CurrentUser,
    edited: Option<ScheduleLine>,
    saved: bool,
    status: StatusCode,
) -> AppResult<Response> {
    let mut lines: Vec<ScheduleLine> =
        state.app.schedules(&user.actor()).await?.into_iter().map(schedule_line).collect();
    lines.push(new_schedule_line());
    if let Some(edited) = edited
        && let Some(line) = lines.iter_mut().find(|l| l.id == edited.id)
    {
        *line = edited;
    }
    let page = SchedulesPage {
        shell: Shell::load(state, user, Tab::Admin).await?,
        lines,
        types: state.app.task_types().await?,
        priorities: Priority::ALL.iter().map(|p| p.as_str()).collect(),
        subjects: AppliesTo::ALL.iter().map(|a| (a.key(), a.label())).collect(),
        saved,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    schedules_page(&state, &user, None, q.saved == "1", StatusCode::OK).await
}

async fn save(
    state: &AppState,
    user: &crate::context::CurrentUser,
    id: i64,
    form: ScheduleForm,
) -> AppResult<Response> {
    let refuse = |errors: Vec<String>| ScheduleLine { id, form: form.clone(), errors };
    let valid = match validate_schedule(&form.draft()) {
        Ok(v) => v,
        Err(errors) => {
            let line = refuse(errors.into_iter().map(|e| e.to_string()).collect());
            return schedules_page(
                state,
                user,
                Some(line),
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let id = (id != 0).then_some(id);
    match state.app.save_schedule(&user.actor(), id, &valid).await {
        Ok(()) => {}
        Err(ServiceError::Refused(reason)) => {
            let line = refuse(vec![reason]);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return schedules_page(state, user, Some(line), false, status).await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to("/admin/schedules?saved=1").into_response())
}

pub async fn create(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Form(form): Form<ScheduleForm>,
) -> AppResult<Response> {
    save(&state, &user, 0, form).await
}

pub async fn update(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Path(raw_id): Path<String>,
    Form(form): Form<ScheduleForm>,
) -> AppResult<Response> {
    let id = raw_id.parse::<i64>().ok().filter(|id| *id > 0).ok_or(AppError::NotFound)?;
    save(&state, &user, id, form).await
}
