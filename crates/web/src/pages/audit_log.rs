//! The audit log, filterable by user, action, patient and date (admins only).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use carelog_app::model::{AuditFilter, AuditPage as Events, AuditRow};
use carelog_domain::audit_chain::AuditKind;
use carelog_domain::ids::PatientId;
use carelog_domain::practice_time::start_of_day;
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Deserialize;

use super::{Shell, Tab, render};
use crate::context::AdminUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

const PAGE_SIZE: u64 = 50;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    patient: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    page: Option<u64>,
}

pub struct AuditLine {
    pub at: String,
    pub username: String,
    pub action: String,
    pub kind: &'static str,
    pub patient: String,
    pub detail: String,
    pub address: String,
}

#[derive(Template)]
#[template(path = "pages/audit.html")]
struct AuditPage {
    shell: Shell,
    q: AuditQuery,
    lines: Vec<AuditLine>,
    total: i64,
    page: u64,
    pages: u64,
    prev_link: Option<String>,
    next_link: Option<String>,
    kinds: [AuditKind; 4],
}

fn parse_date(field: &str, text: &str) -> AppResult<Option<NaiveDate>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map(Some).map_err(|_| {
        AppError::BadRequest(format!("The {field} date \"{text}\" is not a date; use YYYY-MM-DD."))
    })
}

fn page_link(q: &AuditQuery, page: u64) -> String {
    let params = [
        ("user", q.user.as_str()),
        ("action", q.action.as_str()),
        ("kind", q.kind.as_str()),
        ("patient", q.patient.as_str()),
        ("from", q.from.as_str()),
        ("to", q.to.as_str()),
    ];
    let mut query = serde_urlencoded::to_string(
        params.iter().filter(|(_, v)| !v.is_empty()).collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    if !query.is_empty() {
        query.push('&');
    }
    format!("/admin/audit?{query}page={page}")
}

/// The audit log's filter from the query: a user, an action prefix, a patient id, a date range.
fn audit_filter(q: &AuditQuery, tz: Tz) -> AppResult<AuditFilter> {
    let patient_id = match q.patient.trim() {
        "" => None,
        text => Some(text.parse::<PatientId>().map_err(|_| {
            AppError::BadRequest(format!(
                "The patient filter \"{text}\" is not a patient id (a whole number)."
            ))
        })?),
    };
    Ok(AuditFilter {
        username: Some(q.user.trim().to_ascii_lowercase()).filter(|u| !u.is_empty()),
        action_prefix: Some(q.action.trim().to_owned()).filter(|a| !a.is_empty()),
        kind: AuditKind::parse(&q.kind),
        patient_id,
        from: parse_date("from", &q.from)?.map(|d| start_of_day(d, tz)),
        until: parse_date("to", &q.to)?.and_then(|d| d.succ_opt()).map(|d| start_of_day(d, tz)),
    })
}

fn audit_line(e: AuditRow, tz: Tz) -> AuditLine {
    AuditLine {
        at: e.at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string(),
        username: e.username,
        kind: AuditKind::parse(&e.kind).map_or("—", AuditKind::label),
        action: e.action,
        patient: e.patient_id.map(|p| p.to_string()).unwrap_or_default(),
        detail: e.detail,
        address: e.address,
    }
}

pub async fn page(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Query(q): Query<AuditQuery>,
) -> AppResult<Html<String>> {
    let tz = state.settings.time_zone;
    let filter = audit_filter(&q, tz)?;
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let Events { events, total } =
        state.app.audit_events(&user.actor(), &filter, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    let pages = (total.max(0) as u64).div_ceil(PAGE_SIZE).max(1);
    let lines = events.into_iter().map(|e| audit_line(e, tz)).collect();
    let prev_link = (page > 1).then(|| page_link(&q, page - 1));
    let next_link = (page < pages).then(|| page_link(&q, page + 1));
    let shell = Shell::load(&state, &user, Tab::Admin).await?;
    let kinds = AuditKind::ALL;
    render(&AuditPage { shell, q, lines, total, page, pages, prev_link, next_link, kinds })
}
