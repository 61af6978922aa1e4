//! The API's resources: patients, the task log (read and write, under the same rules as the pages),
//! generated tasks, the assignment queue (managers and admins) and billing summaries (admins).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use carelog_app::entries::{EntryInput, Outcome, Source};
use carelog_app::model::EntryRow;
use carelog_app::patients::VisiblePatient;
use carelog_app::task_log::LogQuery;
use carelog_domain::assignment_queue::{hours_waiting, is_overdue};
use carelog_domain::billing::RuleSet;
use carelog_domain::ids::{PatientId, TaskTypeId};
use carelog_domain::practice_time::{UtcRange, YearMonth, local_date, start_of_day};
use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, ApiResult, ApiUser};
use crate::context::CurrentUser;
use crate::pages::audit;
use crate::state::AppState;

const MAX_PAGE: i64 = 500;

#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    limit: Option<String>,
    #[serde(default)]
    offset: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    patient: Option<String>,
    #[serde(default)]
    coordinator: Option<String>,
    #[serde(default)]
    month: Option<String>,
    #[serde(default)]
    rules: Option<String>,
}

fn number(field: &str, raw: &Option<String>, default: i64, max: i64) -> ApiResult<i64> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) => v.parse::<i64>().ok().filter(|n| (0..=max).contains(n)).ok_or_else(|| {
            ApiError::BadRequest(format!("{field}: a whole number from 0 to {max} (got \"{v}\")."))
        }),
    }
}

fn date(field: &str, raw: &Option<String>, default: NaiveDate) -> ApiResult<NaiveDate> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
            ApiError::BadRequest(format!("{field}: \"{v}\" is not a date (YYYY-MM-DD)."))
        }),
    }
}

fn id<T: std::str::FromStr>(field: &str, raw: &Option<String>) -> ApiResult<Option<T>> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse::<T>()
            .map(Some)
            .map_err(|_| ApiError::BadRequest(format!("{field}: \"{v}\" is not an id."))),
    }
}

async fn visible(
    state: &AppState,
    user: &CurrentUser,
    patient: PatientId,
) -> ApiResult<VisiblePatient> {
    Ok(state.app.visible_patient(&user.actor(), patient).await?)
}

pub async fn patients(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<Value>> {
    let limit = number("limit", &q.limit, 100, MAX_PAGE)?;
    let offset = number("offset", &q.offset, 0, i64::MAX)?;
    let mut rows = state.app.patients_in_reach(&user.actor()).await?;
    if let Some(status) = q.status.as_deref().filter(|s| !s.is_empty()) {
        let status = carelog_domain::patient::PatientStatus::parse(status)
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        rows.retain(|r| r.status == status);
    }
    let total = rows.len();
    let rows: Vec<_> = rows
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .collect();
    let listed = rows.iter().map(|r| r.id).collect();
    let page: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            json!({
                "id": r.id, "name": r.name, "chart_code": r.chart_code, "status": r.status, "facility": r.facility,
                "provider": r.provider, "coordinator": r.coordinator, "last_visit": r.last_visit, "open_care_gaps": r.open_gaps,
            })
        })
        .collect();
    let detail = format!("{} of {total}", page.len());
    state.app.audit_read(&user.actor(), "api.patients", listed, detail).await?;
    Ok(Json(json!({ "total": total, "limit": limit, "offset": offset, "items": page })))
}

pub async fn patient(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<Value>> {
    let pid = raw.trim().parse::<PatientId>().map_err(|_| ApiError::NotFound)?;
    let p = state.app.patient_detail(visible(&state, &user, pid).await?).await?;
    audit(&state, &user, "api.patient", Some(pid), "read".into()).await?;
    Ok(Json(json!({
        "id": p.id, "name": p.name, "chart_code": p.chart_code, "dob": p.dob, "status": p.status, "program": p.program,
        "complexity": p.complexity, "language": p.language, "facility": p.facility, "provider": p.provider,
        "coordinator_id": p.coordinator_id, "coordinator": p.coordinator, "onboarding_status": p.onboarding_status,
        "care_plan_status": p.care_plan_status, "care_gap_status": p.care_gap_status, "consent_date": p.consent_date,
        "chronic_conditions": p.chronic_conditions, "visit_interval_months": p.visit_interval_months, "last_visit": p.last_visit,
        "special_needs": p.special_needs, "open_care_gaps": p.open_gaps,
    })))
}

fn entry_json(e: &EntryRow, tz: chrono_tz::Tz) -> Value {
    json!({
        "id": e.id, "coordinator_id": e.coordinator_id, "coordinator": e.coordinator, "patient_id": e.patient_id,
        "task_type_id": e.task_type_id, "task_type": e.task_type, "category": e.task_category, "minutes": e.minutes,
        "stat_value": e.stat_value, "notes": e.notes, "task_at": e.task_at, "task_at_local": e.task_at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string(),
        "billing_month": format!("{}-{:02}", e.billing_year, e.billing_month), "generated_task_id": e.generated_task_id,
    })
}

/// The API log's date range: `from` (the month's first day) to `to` (today), inclusive, at most
/// 366 days, start before end.
fn log_range(q: &PageQuery, today: NaiveDate) -> ApiResult<(NaiveDate, NaiveDate)> {
    let from = date("from", &q.from, YearMonth::of(today).first_day())?;
    let to = date("to", &q.to, today)?;
    if from > to || (to - from).num_days() >= 366 {
        return Err(ApiError::BadRequest(format!(
            "from/to: a range of at most 366 days, start before end (got {from} to {to})."
        )));
    }
    Ok((from, to))
}

pub async fn task_log(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<Value>> {
    let tz = state.settings.time_zone;
    let (from, to) = log_range(&q, local_date(Utc::now(), tz))?;
    let limit = number("limit", &q.limit, 500, 5000)?;
    let patient = id("patient", &q.patient)?;
    let visible_patient = match patient {
        Some(p) => Some(visible(&state, &user, p).await?),
        None => None,
    };
    let scope = state.app.log_scope(&user.actor(), id("coordinator", &q.coordinator)?)?;
    // A coordinator reading one of their patients sees every coordinator's entries for that patient,
    // as the patient's history page does.
    let mut query = match visible_patient {
        Some(p) if !user.role().sees_all_patients() => LogQuery::for_patient(p),
        Some(p) => LogQuery::new(scope).patient(p),
        None => LogQuery::new(scope),
    };
    let end = start_of_day(to + Duration::days(1), tz);
    query.range = Some(UtcRange { start: start_of_day(from, tz), end });
    let total = state.app.count_log_entries(&query).await?;
    let entries = state.app.log_entries(&query, limit as u64).await?;
    let items: Vec<Value> = entries.iter().map(|e| entry_json(e, tz)).collect();
    let detail = format!("{from} to {to}: {} of {total}", items.len());
    let listed = entries.iter().filter_map(|e| e.patient_id).chain(patient).collect();
    state.app.audit_read(&user.actor(), "api.task_log", listed, detail).await?;
    Ok(Json(json!({ "from": from, "to": to, "total": total, "items": items })))
}

#[derive(Deserialize)]
pub struct NewTask {
    #[serde(default)]
    patient_id: Option<PatientId>,
    task_type_id: TaskTypeId,
    #[serde(default)]
    minutes: Option<i64>,
    #[serde(default)]
    stat_value: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    /// Practice-local `YYYY-MM-DDTHH:MM`; now when absent.
    #[serde(default)]
    task_at_local: Option<String>,
    #[serde(default)]
    confirm_above_average: bool,
}

/// The API's entry as the service takes one; text holding a NUL is refused (PostgreSQL cannot
/// store it, and no person types one: the pages refuse it the same way).
fn entry_input(task: &NewTask) -> ApiResult<EntryInput> {
    if [&task.stat_value, &task.notes, &task.task_at_local]
        .into_iter()
        .flatten()
        .any(|t| t.contains('\0'))
    {
        return Err(ApiError::BadRequest(
            "Body: text may not contain a NUL character (\\u0000); nothing was saved.".into(),
        ));
    }
    Ok(EntryInput {
        patient: task.patient_id.map(|p| p.to_string()).unwrap_or_default(),
        task_type: task.task_type_id.to_string(),
        minutes: task.minutes.map(|m| m.to_string()).unwrap_or_default(),
        value: task.stat_value.clone().unwrap_or_default(),
        notes: task.notes.clone().unwrap_or_default(),
        when: task.task_at_local.clone().unwrap_or_default(),
        confirmed: task.confirm_above_average,
    })
}

/// 422 for an entry the minutes' size held back until the caller confirms it.
fn confirm_first(prompt: String) -> ApiError {
    ApiError::Unprocessable(
        "The minutes are well above average: send \"confirm_above_average\": true to log them."
            .into(),
        vec![prompt],
    )
}

/// Logs a task under exactly the rules of the Daily Tasks form: the same check, the same transaction.
pub async fn log_task(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Result<Json<NewTask>, JsonRejection>,
) -> ApiResult<Response> {
    let Json(task) = body.map_err(|e| ApiError::BadRequest(format!("Body: {}", e.body_text())))?;
    let input = entry_input(&task)?;
    let id = match state.app.log_entry(&user.actor(), &input, Source::Api).await? {
        Outcome::Saved { id, .. } => id,
        Outcome::NeedsConfirmation(prompt) => return Err(confirm_first(prompt)),
        Outcome::Refused(problems) => {
            let message = "The entry breaks a time-entry rule; nothing was saved.";
            return Err(ApiError::Unprocessable(message.into(), problems));
        }
    };
    let body = match state.app.entry(id).await? {
        Some(e) => entry_json(&e, state.settings.time_zone),
        None => json!({ "id": id }),
    };
    let patient = task.patient_id.map_or_else(String::new, |p| p.to_string());
    let location = format!("/api/v1/task-log?patient={patient}");
    Ok((StatusCode::CREATED, [(axum::http::header::LOCATION, location)], Json(body))
        .into_response())
}

pub async fn generated_tasks(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<Value>> {
    let requested = id("coordinator", &q.coordinator)?;
    let (coordinator, tasks) = state.app.pending_tasks_of(&user.actor(), requested).await?;
    let items: Vec<Value> = tasks
        .iter()
        .map(|t| {
            json!({
                "id": t.id, "coordinator_id": t.coordinator_id, "patient_id": t.patient_id, "task_type_id": t.task_type_id,
                "task_type": t.task_type, "due_date": t.due_date, "estimated_minutes": t.estimated_minutes, "priority": t.priority,
                "status": t.status, "period": t.period_key,
            })
        })
        .collect();
    let detail = format!("coordinator {coordinator}: {} pending", items.len());
    let listed = tasks.iter().filter_map(|t| t.patient_id).collect();
    state.app.audit_read(&user.actor(), "api.generated_tasks", listed, detail).await?;
    Ok(Json(json!({ "coordinator_id": coordinator, "status": "pending", "items": items })))
}

pub async fn assignment_queue(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Value>> {
    if !user.role().sees_team_oversight() {
        return Err(ApiError::Forbidden);
    }
    let now = Utc::now();
    let sla = state.app.sla_hours().await?;
    let rows = state.app.whole_queue(&user.actor(), now).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "patient_id": r.id, "name": r.name, "provider": r.provider, "facility": r.facility, "care_type": r.program,
                "priority": r.priority, "status": r.onboarding_status, "language": r.language, "special_needs": r.special_needs,
                "provider_handoff_at": r.handoff_at, "hours_waiting": hours_waiting(r.handoff_at, now), "overdue": is_overdue(r.handoff_at, now, sla),
            })
        })
        .collect();
    let listed = rows.iter().map(|r| r.id).collect();
    let detail = format!("{} waiting", items.len());
    state.app.audit_read(&user.actor(), "api.assignment_queue", listed, detail).await?;
    Ok(Json(json!({ "sla_hours": sla, "items": items })))
}

/// The month asked for (last month when none) and the rule set (the month's own when none).
fn month_and_rules(q: &PageQuery, today: NaiveDate) -> ApiResult<(YearMonth, Option<RuleSet>)> {
    let month = match q.month.as_deref().map(str::trim) {
        None | Some("") => YearMonth::of(today).previous(),
        Some(m) => YearMonth::parse(m).map_err(|e| ApiError::BadRequest(e.to_string()))?,
    };
    let rules = match q.rules.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(r) => Some(RuleSet::parse(r).map_err(|e| ApiError::BadRequest(e.to_string()))?),
    };
    Ok((month, rules))
}

pub async fn billing_summary(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<Value>> {
    if !user.role().sees_billing() {
        return Err(ApiError::Forbidden);
    }
    let today = local_date(Utc::now(), state.settings.time_zone);
    let (month, rules) = month_and_rules(&q, today)?;
    let billing = state.app.billing_summary(&user.actor(), month, rules).await?;
    let detail = format!(
        "{month} under {}{}",
        billing.summary.rule_set.key(),
        if billing.closed.is_some() { " (billed record)" } else { "" }
    );
    audit(&state, &user, "api.billing_summary", None, detail).await?;
    Ok(Json(carelog_app::billing_json::summary_json(&billing.summary, billing.closed.as_ref())))
}
