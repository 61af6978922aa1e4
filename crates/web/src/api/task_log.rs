//! The CM Log over the API: entries by date range, one entry, and logging a task under exactly the
//! rules of the Daily Tasks form.

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use carelog_app::entries::{EntryInput, Outcome, Source};
use carelog_app::model::EntryRow;
use carelog_app::task_log::LogQuery;
use carelog_domain::catalogue::TaskCategory;
use carelog_domain::ids::{EntryId, PatientId, TaskTypeId, UserId};
use carelog_domain::practice_time::{UtcRange, YearMonth, local_date, start_of_day};
use carelog_domain::time_rules::Minutes;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::params::{ApiJson, ApiQuery, Paging, Window, date, id, integer, optional_integer};
use super::problem::{ReadErrors, WriteErrors};
use super::{ApiError, ApiResult, ApiUser};
use crate::pages::audit;
use crate::state::AppState;

const DEFAULT_LIMIT: i64 = 500;
const MAX_LIMIT: i64 = 5000;

#[derive(Serialize, ToSchema)]
pub struct Entry {
    id: EntryId,
    coordinator_id: UserId,
    coordinator: String,
    patient_id: Option<PatientId>,
    task_type_id: TaskTypeId,
    task_type: String,
    category: TaskCategory,
    minutes: Option<Minutes>,
    stat_value: Option<String>,
    notes: String,
    task_at: DateTime<Utc>,
    /// The same instant in the practice's time zone, YYYY-MM-DDTHH:MM.
    task_at_local: String,
    /// The billing month the minutes count toward, YYYY-MM.
    billing_month: String,
    generated_task_id: Option<i64>,
}

fn entry(e: EntryRow, tz: chrono_tz::Tz) -> Entry {
    Entry {
        task_at_local: e.task_at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string(),
        billing_month: format!("{}-{:02}", e.billing_year, e.billing_month),
        id: e.id,
        coordinator_id: e.coordinator_id,
        coordinator: e.coordinator,
        patient_id: e.patient_id,
        task_type_id: e.task_type_id,
        task_type: e.task_type,
        category: e.task_category,
        minutes: e.minutes,
        stat_value: e.stat_value,
        notes: e.notes,
        task_at: e.task_at,
        generated_task_id: e.generated_task_id,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogParams {
    /// First day, practice-local (default the 1st of this month).
    #[param(value_type = Option<String>, format = Date, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    from: Option<String>,
    /// Last day, practice-local (default today); at most 366 days after `from`.
    #[param(value_type = Option<String>, format = Date, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    to: Option<String>,
    /// One patient: a coordinator reading their own patient sees every coordinator's entries.
    #[param(value_type = Option<PatientId>)]
    patient: Option<String>,
    /// One coordinator (managers and admins; a coordinator may name only themselves).
    #[param(value_type = Option<UserId>)]
    coordinator: Option<String>,
    /// At most this many (default 500).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 5000)]
    limit: Option<String>,
    /// Rows to skip.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 1_000_000_000)]
    offset: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EntryPage {
    /// The range read, practice-local and inclusive.
    from: NaiveDate,
    to: NaiveDate,
    #[serde(flatten)]
    paging: Paging,
    items: Vec<Entry>,
}

/// The range asked for: `from` (the month's first day) to `to` (today), inclusive, at most 366 days,
/// start before end. Both are dates; their order is a rule, so breaking it is a 422.
fn log_range(q: &LogParams, today: NaiveDate) -> ApiResult<(NaiveDate, NaiveDate)> {
    let from = date("from", q.from.as_deref(), YearMonth::of(today).first_day())?;
    let to = date("to", q.to.as_deref(), today)?;
    if from > to || (to - from).num_days() >= 366 {
        return Err(ApiError::Unprocessable(
            format!("from/to: a range of at most 366 days, start before end (got {from} to {to})."),
            vec![],
        ));
    }
    Ok((from, to))
}

/// Task log entries by date range, newest first.
#[utoipa::path(get, path = "/task-log", tag = "task log", params(LogParams),
    responses((status = 200, description = "A page of entries", body = EntryPage), ReadErrors))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<LogParams>,
) -> ApiResult<Json<EntryPage>> {
    let tz = state.settings.time_zone;
    let (from, to) = log_range(&q, local_date(Utc::now(), tz))?;
    let window = Window::read(q.limit.as_deref(), q.offset.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?;
    let patient = id("patient", q.patient.as_deref(), PatientId)?;
    let coordinator = id("coordinator", q.coordinator.as_deref(), UserId)?;
    let visible_patient = match patient {
        Some(p) => Some(state.app.visible_patient(&user.actor(), p).await?),
        None => None,
    };
    let scope = state.app.log_scope(&user.actor(), coordinator)?;
    // A coordinator reading one of their patients sees every coordinator's entries for that patient,
    // as the patient's history page does.
    let mut query = match visible_patient {
        Some(p) if !user.role().sees_all_patients() => LogQuery::for_patient(p),
        Some(p) => LogQuery::new(scope).patient(p),
        None => LogQuery::new(scope),
    };
    let end = start_of_day(to + Duration::days(1), tz);
    query.range = Some(UtcRange { start: start_of_day(from, tz), end });
    let total = u64::try_from(state.app.count_log_entries(&query).await?).unwrap_or(0);
    let entries = state.app.log_page(&query, window.limit, window.offset).await?;
    let listed = entries.iter().filter_map(|e| e.patient_id).chain(patient).collect();
    let items: Vec<Entry> = entries.into_iter().map(|e| entry(e, tz)).collect();
    let detail = format!("{from} to {to}: {} of {total} from {}", items.len(), window.offset);
    state.app.audit_read(&user.actor(), "api.task_log", listed, detail).await?;
    Ok(Json(EntryPage { from, to, paging: window.paging(total, &uri), items }))
}

/// One entry: your own, or any entry of a patient within your reach.
#[utoipa::path(get, path = "/task-log/{id}", tag = "task log",
    params(("id" = EntryId, Path, description = "The entry's id")),
    responses((status = 200, description = "The entry", body = Entry), ReadErrors))]
pub async fn one(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<Entry>> {
    let id = super::path_id(&raw, EntryId)?;
    let found = state.app.entry_in_reach(&user.actor(), id).await?;
    audit(&state, &user, "api.task_entry", found.patient_id, format!("entry {id}")).await?;
    Ok(Json(entry(found, state.settings.time_zone)))
}

#[derive(Deserialize, ToSchema)]
pub struct NewTask {
    /// One of your own patients; required for patient task types.
    #[serde(default, deserialize_with = "optional_integer")]
    #[schema(value_type = Option<PatientId>)]
    patient_id: Option<i64>,
    #[serde(deserialize_with = "integer")]
    #[schema(value_type = TaskTypeId)]
    task_type_id: i64,
    /// Whole minutes actually worked, 5 to 120; required for timed task types.
    #[serde(default, deserialize_with = "optional_integer")]
    #[schema(minimum = 5, maximum = 120)]
    minutes: Option<i64>,
    /// yymm or yymmdd, for Stat task types.
    #[serde(default)]
    stat_value: Option<String>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    notes: Option<String>,
    /// Practice-local YYYY-MM-DDTHH:MM; now when absent.
    #[serde(default)]
    #[schema(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$")]
    task_at_local: Option<String>,
    /// Send true to log minutes well above the practice's average for the task type.
    #[serde(default)]
    confirm_above_average: bool,
}

/// The API's entry as the service takes one, under the form's rules.
fn entry_input(task: NewTask) -> EntryInput {
    EntryInput {
        patient: task.patient_id.map(|p| p.to_string()).unwrap_or_default(),
        task_type: task.task_type_id.to_string(),
        minutes: task.minutes.map(|m| m.to_string()).unwrap_or_default(),
        value: task.stat_value.unwrap_or_default(),
        notes: task.notes.unwrap_or_default(),
        when: task.task_at_local.unwrap_or_default(),
        confirmed: task.confirm_above_average,
    }
}

/// Log a task for yourself under the same rules as the Daily Tasks form.
#[utoipa::path(post, path = "/task-log", tag = "task log", request_body = NewTask,
    responses((status = 201, description = "The saved entry", body = Entry,
        headers(("Location" = String, description = "The entry's address"))), WriteErrors))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(task): ApiJson<NewTask>,
) -> ApiResult<Response> {
    let input = entry_input(task);
    let id = match state.app.log_entry(&user.actor(), &input, Source::Api).await? {
        Outcome::Saved { id, .. } => id,
        Outcome::NeedsConfirmation(prompt) => {
            return Err(ApiError::Unprocessable(
                "The minutes are well above average: send \"confirm_above_average\": true to log them."
                    .into(),
                vec![prompt],
            ));
        }
        Outcome::Refused(problems) => {
            let message = "The entry breaks a time-entry rule; nothing was saved.";
            return Err(ApiError::Unprocessable(message.into(), problems));
        }
    };
    let saved = state.app.entry_in_reach(&user.actor(), id).await?;
    let location = format!("/api/v1/task-log/{id}");
    let body = Json(entry(saved, state.settings.time_zone));
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], body).into_response())
}
