//! Tab 3, Coordinator Assignment & Oversight (managers and admins). This release shows the waiting
//! queue's size and each coordinator's month (seed 000 §6.3) in minutes and counts, never money.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use carelog_domain::metrics::coordinator_metrics;
use carelog_domain::practice_time::{YearMonth, local_date, month_range};
use chrono::Utc;
use serde::Deserialize;

use super::{Shell, Tab, audit, render};
use crate::context::ManagerUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub struct MetricsLine {
    pub name: String,
    pub tasks: i64,
    pub minutes: i64,
    pub average: String,
    pub served: i64,
    pub assigned: i64,
    pub coverage: String,
    pub completion: String,
}

#[derive(Template)]
#[template(path = "pages/team.html")]
struct TeamPage {
    shell: Shell,
    month: String,
    waiting: i64,
    lines: Vec<MetricsLine>,
}

#[derive(Deserialize, Default)]
pub struct TeamQuery {
    #[serde(default)]
    month: String,
}

fn percent(p: Option<i64>) -> String {
    p.map(|v| format!("{v}%")).unwrap_or_else(|| "—".into())
}

pub async fn page(State(state): State<AppState>, ManagerUser(user): ManagerUser, Query(q): Query<TeamQuery>) -> AppResult<Response> {
    let tz = state.settings.time_zone;
    let month = match q.month.trim() {
        "" => YearMonth::of(local_date(Utc::now(), tz)),
        m => YearMonth::parse(m).map_err(|e| AppError::BadRequest(e.message))?,
    };
    let lines = state
        .store
        .coordinator_months(month, month_range(month, tz))
        .await?
        .into_iter()
        .map(|(_, name, m, timed)| {
            let metrics = coordinator_metrics(m, timed);
            MetricsLine {
                name,
                tasks: metrics.tasks,
                minutes: metrics.minutes,
                average: metrics.average_task_minutes.map(|a| format!("{a:.1}")).unwrap_or_else(|| "—".into()),
                served: metrics.patients_served,
                assigned: metrics.patients_assigned,
                coverage: percent(metrics.coverage_percent),
                completion: percent(metrics.completion_percent),
            }
        })
        .collect();
    let waiting = state.store.assignment_queue_length().await?;
    audit(&state, &user, "team.metrics", None, month.to_string()).await?;
    let page = TeamPage { shell: Shell::load(&state, &user, Tab::Team).await?, month: month.to_string(), waiting, lines };
    Ok(render(&page)?.into_response())
}
