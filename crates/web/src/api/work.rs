//! The work waiting to be done: a coordinator's pending generated tasks, and the patients waiting
//! for a coordinator (managers and admins).

use axum::Json;
use axum::extract::{OriginalUri, State};
use carelog_domain::assignment_queue::{hours_waiting, is_overdue};
use carelog_domain::ids::{PatientId, TaskTypeId, UserId};
use carelog_domain::patient::{OnboardingStatus, Priority, Program};
use carelog_domain::schedule::TaskStatus;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::params::{ApiQuery, Paging, Window, id};
use super::problem::{ReadErrors, RoleReadErrors};
use super::{ApiResult, ApiUser};
use crate::state::AppState;

const MAX_LIMIT: i64 = 500;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GeneratedParams {
    /// Managers and admins may name a coordinator; yourself when absent.
    #[param(value_type = Option<UserId>)]
    coordinator: Option<String>,
    /// At most this many (default 100).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 500)]
    limit: Option<String>,
    /// Rows to skip.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 1_000_000_000)]
    offset: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct GeneratedTask {
    id: i64,
    coordinator_id: UserId,
    patient_id: Option<PatientId>,
    task_type_id: TaskTypeId,
    task_type: String,
    due_date: NaiveDate,
    /// The catalogue's estimate, for planning only: never recorded as time spent.
    estimated_minutes: i32,
    priority: Priority,
    status: TaskStatus,
    /// The period the task belongs to, e.g. 2026-12 or 2026-W49.
    period: String,
}

#[derive(Serialize, ToSchema)]
pub struct GeneratedTaskPage {
    coordinator_id: UserId,
    #[serde(flatten)]
    paging: Paging,
    items: Vec<GeneratedTask>,
}

/// Pending generated tasks of a coordinator, by due date then priority.
#[utoipa::path(get, path = "/generated-tasks", tag = "tasks", params(GeneratedParams),
    responses((status = 200, description = "A page of pending tasks", body = GeneratedTaskPage), ReadErrors))]
pub async fn generated_tasks(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<GeneratedParams>,
) -> ApiResult<Json<GeneratedTaskPage>> {
    let requested = id("coordinator", q.coordinator.as_deref(), UserId)?;
    let window = Window::read(q.limit.as_deref(), q.offset.as_deref(), 100, MAX_LIMIT)?;
    let (coordinator, tasks) = state.app.pending_tasks_of(&user.actor(), requested).await?;
    let total = tasks.len() as u64;
    let items: Vec<GeneratedTask> = window
        .slice(tasks)
        .into_iter()
        .map(|t| GeneratedTask {
            id: t.id,
            coordinator_id: t.coordinator_id,
            patient_id: t.patient_id,
            task_type_id: t.task_type_id,
            task_type: t.task_type,
            due_date: t.due_date,
            estimated_minutes: t.estimated_minutes,
            priority: t.priority,
            status: t.status,
            period: t.period_key,
        })
        .collect();
    let detail = format!("coordinator {coordinator}: {} of {total} pending", items.len());
    let listed = items.iter().filter_map(|t| t.patient_id).collect();
    state.app.audit_read(&user.actor(), "api.generated_tasks", listed, detail).await?;
    Ok(Json(GeneratedTaskPage {
        coordinator_id: coordinator,
        paging: window.paging(total, &uri),
        items,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// At most this many (default 100).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 500)]
    limit: Option<String>,
    /// Rows to skip.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 1_000_000_000)]
    offset: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct QueueItem {
    patient_id: PatientId,
    name: String,
    provider: Option<String>,
    facility: Option<String>,
    care_type: Program,
    priority: Priority,
    status: OnboardingStatus,
    language: String,
    special_needs: Vec<String>,
    provider_handoff_at: DateTime<Utc>,
    hours_waiting: i64,
    /// Waiting longer than the practice's assignment SLA.
    overdue: bool,
}

#[derive(Serialize, ToSchema)]
pub struct QueuePage {
    /// Hours a patient may wait before they are overdue.
    sla_hours: i64,
    #[serde(flatten)]
    paging: Paging,
    items: Vec<QueueItem>,
}

/// Patients waiting for a coordinator, in the queue's order (managers and admins).
#[utoipa::path(get, path = "/assignment-queue", tag = "assignment", params(QueueParams),
    responses((status = 200, description = "A page of the queue", body = QueuePage), RoleReadErrors))]
pub async fn assignment_queue(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<QueueParams>,
) -> ApiResult<Json<QueuePage>> {
    let window = Window::read(q.limit.as_deref(), q.offset.as_deref(), 100, MAX_LIMIT)?;
    let now = Utc::now();
    let page = state.app.queue_page(&user.actor(), now, window.limit, window.offset).await?;
    let page = std::sync::Arc::unwrap_or_clone(page);
    let sla = state.app.sla_hours().await?;
    let items: Vec<QueueItem> = page
        .rows
        .into_iter()
        .map(|r| QueueItem {
            hours_waiting: hours_waiting(r.handoff_at, now),
            overdue: is_overdue(r.handoff_at, now, sla),
            patient_id: r.id,
            name: r.name,
            provider: r.provider,
            facility: r.facility,
            care_type: r.program,
            priority: r.priority,
            status: r.onboarding_status,
            language: r.language,
            special_needs: r.special_needs,
            provider_handoff_at: r.handoff_at,
        })
        .collect();
    let total = u64::try_from(page.total).unwrap_or(0);
    let listed = items.iter().map(|r| r.patient_id).collect();
    let detail = format!("{} of {total} waiting", items.len());
    state.app.audit_read(&user.actor(), "api.assignment_queue", listed, detail).await?;
    Ok(Json(QueuePage { sla_hours: sla, paging: window.paging(total, &uri), items }))
}
