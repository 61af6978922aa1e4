//! CSV exports: the patient panel as filtered, and the task log by date range and coordinator. Each is
//! limited to what the user's role may see, and audited.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use carelog_app::model::EntryRow;
use carelog_app::task_log::LogQuery;
use carelog_domain::ids::UserId;
use carelog_domain::patient::display_name;
use carelog_domain::practice_time::{UtcRange, local_date, start_of_day};
use chrono::{Duration, Utc};
use serde::Deserialize;

use super::panel::{PanelQuery, PanelRow, panel_rows};
use super::{audit_read, date_range_param, listed_id};
use crate::context::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The most rows one task-log export holds; a wider export is refused with a way forward.
pub const EXPORT_ROW_LIMIT: i64 = 200_000;
const MAX_RANGE_DAYS: i64 = 366;

pub fn csv_body(header: &[&str], rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
    carelog_app::csv_out::csv_bytes(header, rows.iter().cloned())
        .map_err(|e| AppError::Internal(e.to_string()))
}

pub fn csv_response(filename: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        body,
    )
        .into_response()
}

const PANEL_HEADER: [&str; 13] = [
    "patient_id",
    "patient_name",
    "chart_code",
    "status",
    "coordinator",
    "last_visit",
    "next_visit_due",
    "visit_status",
    "monthly_tasks_done",
    "monthly_tasks_total",
    "care_time_this_month",
    "all_logged_this_month",
    "open_care_gaps",
];

/// A panel row as the CSV writes it, in [`PANEL_HEADER`]'s order.
fn panel_line(r: &PanelRow) -> Vec<String> {
    vec![
        r.id.to_string(),
        r.name.clone(),
        r.chart_code.clone(),
        r.status.to_owned(),
        r.coordinator.clone(),
        r.last_visit.map(|d| d.to_string()).unwrap_or_default(),
        r.next_due.map(|d| d.to_string()).unwrap_or_default(),
        r.visit.label().to_owned(),
        r.tasks_done.to_string(),
        r.tasks_total.to_string(),
        r.billable_minutes.to_string(),
        r.minutes.to_string(),
        r.open_gaps.to_string(),
    ]
}

pub async fn panel(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PanelQuery>,
) -> AppResult<Response> {
    let (rows, _, _, _) = panel_rows(&state, &user, &q).await?;
    let lines: Vec<Vec<String>> = rows.iter().map(panel_line).collect();
    let filters = serde_urlencoded::to_string(&q).unwrap_or_default();
    let detail = format!("{} patients; filters {filters}", lines.len());
    audit_read(&state, &user, "panel.export", rows.iter().map(|r| r.id).collect(), detail).await?;
    let today = local_date(Utc::now(), state.settings.time_zone);
    Ok(csv_response(&format!("carelog-panel-{today}.csv"), csv_body(&PANEL_HEADER, &lines)?))
}

#[derive(Deserialize, Default)]
pub struct LogExportQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    coordinator: String,
}

const LOG_HEADER: [&str; 12] = [
    "entry_id",
    "date_time_local",
    "coordinator",
    "patient_id",
    "patient_name",
    "task_type",
    "category",
    "minutes",
    "stat_value",
    "notes",
    "billing_month",
    "automated",
];

/// One entry as a row of the task log export.
fn log_row(e: &EntryRow, tz: chrono_tz::Tz) -> Vec<String> {
    vec![
        e.id.to_string(),
        e.task_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        e.coordinator.clone(),
        e.patient_id.map(|p| p.to_string()).unwrap_or_default(),
        match (&e.patient_last, &e.patient_first) {
            (Some(l), Some(f)) => display_name(l, f),
            _ => String::new(),
        },
        e.task_type.clone(),
        e.task_category.key().to_owned(),
        e.minutes.map(|m| m.to_string()).unwrap_or_default(),
        e.stat_value.clone().unwrap_or_default(),
        e.notes.clone(),
        format!("{}-{:02}", e.billing_year, e.billing_month),
        if e.is_automated { "yes" } else { "no" }.to_owned(),
    ]
}

/// The export's date range: this month so far by default, at most a year.
fn export_range(
    q: &LogExportQuery,
    today: chrono::NaiveDate,
) -> AppResult<(chrono::NaiveDate, chrono::NaiveDate)> {
    let (from, to) = date_range_param(
        &q.from,
        &q.to,
        (carelog_domain::practice_time::YearMonth::of(today).first_day(), today),
    )?;
    if (to - from).num_days() >= MAX_RANGE_DAYS {
        return Err(AppError::BadRequest(format!(
            "Date range: at most {MAX_RANGE_DAYS} days in one export ({from} to {to} is {} days).",
            (to - from).num_days() + 1
        )));
    }
    Ok((from, to))
}

pub async fn task_log(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<LogExportQuery>,
) -> AppResult<Response> {
    let tz = state.settings.time_zone;
    let today = local_date(Utc::now(), tz);
    let (from, to) = export_range(&q, today)?;
    // Coordinators export their own log; managers and admins anyone's, or everyone's.
    let scope =
        state.app.log_scope(&user.actor(), listed_id::<UserId>("Coordinator", &q.coordinator)?)?;
    let coordinator = scope.coordinator();
    let mut query = LogQuery::new(scope);
    let end = start_of_day(to + Duration::days(1), tz);
    query.range = Some(UtcRange { start: start_of_day(from, tz), end });
    let count = state.app.count_log_entries(&query).await?;
    if count > EXPORT_ROW_LIMIT {
        return Err(AppError::BadRequest(format!(
            "Export: {count} entries match, more than the {EXPORT_ROW_LIMIT} one file holds; choose a shorter date range or one coordinator."
        )));
    }
    let entries = state.app.log_entries(&query, EXPORT_ROW_LIMIT as u64).await?;
    let rows: Vec<Vec<String>> = entries.iter().rev().map(|e| log_row(e, tz)).collect();
    let detail = format!("{from} to {to}, coordinator {coordinator:?}: {} entries", rows.len());
    let patients = entries.iter().filter_map(|e| e.patient_id).collect();
    audit_read(&state, &user, "tasks.export", patients, detail).await?;
    Ok(csv_response(&format!("carelog-task-log-{from}-to-{to}.csv"), csv_body(&LOG_HEADER, &rows)?))
}
