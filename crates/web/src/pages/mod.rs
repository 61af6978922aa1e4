pub mod admin;
pub mod api_tokens;
pub mod assign;
pub mod assignment_settings;
pub mod audit_log;
pub mod billing;
pub mod billing_settings;
pub mod care_plan;
pub mod care_team;
pub mod enrollment;
pub mod exports;
pub mod generated;
pub mod health;
pub mod imports;
pub mod login;
pub mod notifications;
pub mod panel;
pub mod patient;
pub mod plan;
pub mod profiles;
pub mod quality;
pub mod reports;
pub mod schedules;
pub mod senior_reviews;
pub mod sessions;
mod shell;
pub mod task_edit;
pub mod tasks;
pub mod team;
pub mod timer;
pub mod users;

use axum::response::{IntoResponse, Redirect, Response};
use carelog_domain::ids::PatientId;

use crate::context::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub use shell::{Shell, Tab};

pub async fn home(_user: CurrentUser) -> Redirect {
    Redirect::to("/panel")
}

pub async fn not_found() -> Response {
    AppError::NotFound.into_response()
}

/// Writes an audit event for what the user just did or saw; a request that cannot be audited fails.
pub async fn audit(
    state: &AppState,
    user: &CurrentUser,
    action: &str,
    patient_id: Option<PatientId>,
    detail: String,
) -> AppResult<()> {
    Ok(state.app.audit(&user.actor(), action, patient_id, detail).await?)
}

/// Records a read that returned these patients (a list, an export): each is named in the log.
pub async fn audit_read(
    state: &AppState,
    user: &CurrentUser,
    action: &str,
    patients: Vec<PatientId>,
    detail: String,
) -> AppResult<()> {
    Ok(state.app.audit_read(&user.actor(), action, patients, detail).await?)
}

/// A filter's id chosen from a list: empty or "all" is no filter; anything else must be an id.
pub fn listed_id<T: std::str::FromStr>(field: &str, value: &str) -> AppResult<Option<T>> {
    match value.trim() {
        "" | "all" => Ok(None),
        v => v
            .parse::<T>()
            .map(Some)
            .map_err(|_| AppError::BadRequest(format!("{field}: choose one from the list."))),
    }
}

/// A `month=YYYY-MM` query parameter, this month when empty.
pub fn month_param(
    raw: &str,
    today: chrono::NaiveDate,
) -> AppResult<carelog_domain::practice_time::YearMonth> {
    use carelog_domain::practice_time::YearMonth;
    let latest = YearMonth::of(today);
    match raw.trim() {
        "" => Ok(latest),
        m => match YearMonth::parse(m).map_err(|e| AppError::BadRequest(e.to_string()))? {
            month if month > latest => Err(AppError::BadRequest(format!(
                "Month: {month} has not begun (the latest is {latest})."
            ))),
            month => Ok(month),
        },
    }
}

/// `from` and `to` query parameters (YYYY-MM-DD, each with a default when empty), start not after end.
pub fn date_range_param(
    from: &str,
    to: &str,
    defaults: (chrono::NaiveDate, chrono::NaiveDate),
) -> AppResult<(chrono::NaiveDate, chrono::NaiveDate)> {
    let date = |field: &str, raw: &str, default| match raw.trim() {
        "" => Ok(default),
        v => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
            AppError::BadRequest(format!("{field}: \"{v}\" is not a date (YYYY-MM-DD)."))
        }),
    };
    let (from, to) = (date("From", from, defaults.0)?, date("To", to, defaults.1)?);
    if from > to {
        return Err(AppError::BadRequest(format!(
            "Date range: the start ({from}) is after the end ({to})."
        )));
    }
    Ok((from, to))
}

/// Renders a template into a page.
pub fn render<T: askama::Template>(page: &T) -> AppResult<axum::response::Html<String>> {
    Ok(axum::response::Html(page.render()?))
}
