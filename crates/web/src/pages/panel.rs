//! Tab 1, the Patient Panel. This release lists the caseload with visit status and open gaps;
//! the filters, sorting and monthly progress of seed 000 §1.2–1.3 build on it.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use carelog_domain::practice_time::local_date;
use carelog_domain::role::Role;
use carelog_domain::visit::{VisitStatus, next_visit_due, visit_status};
use chrono::Utc;
use serde::Deserialize;

use super::{Shell, Tab, audit, render};
use crate::context::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;

pub struct PanelRow {
    pub id: i64,
    pub name: String,
    pub chart_code: String,
    pub status: String,
    pub facility: String,
    pub provider: String,
    pub coordinator: String,
    pub last_visit: String,
    pub next_due: String,
    pub visit: VisitStatus,
    pub open_gaps: i64,
}

#[derive(Template)]
#[template(path = "pages/panel.html")]
struct PanelPage {
    shell: Shell,
    rows: Vec<PanelRow>,
    mine: bool,
    may_see_all: bool,
    overdue: usize,
    due_soon: usize,
}

#[derive(Deserialize)]
pub struct PanelQuery {
    mine: Option<String>,
}

pub async fn page(State(state): State<AppState>, user: CurrentUser, Query(query): Query<PanelQuery>) -> AppResult<Html<String>> {
    let may_see_all = user.role().sees_all_patients();
    // "My Patients Only" is on by default; turning it off widens only as far as the role allows.
    // Admins carry no caseload, so their panel starts with every patient.
    let default_mine = user.role() != Role::Admin;
    let mine = !may_see_all || query.mine.as_deref().map_or(default_mine, |m| m != "0");
    let patients = state.store.list_patients(mine.then_some(user.id())).await?;
    let today = local_date(Utc::now(), state.settings.time_zone);
    let rows: Vec<PanelRow> = patients
        .into_iter()
        .map(|p| {
            let interval = u32::try_from(p.visit_interval_months).unwrap_or(1);
            PanelRow {
                id: p.id,
                name: p.name,
                chart_code: p.chart_code,
                status: p.status,
                facility: p.facility.unwrap_or_default(),
                provider: p.provider.unwrap_or_default(),
                coordinator: p.coordinator.unwrap_or_else(|| "Unassigned".into()),
                last_visit: p.last_visit.map(|d| d.to_string()).unwrap_or_else(|| "Never".into()),
                next_due: next_visit_due(p.last_visit, interval).map(|d| d.to_string()).unwrap_or_else(|| "Now".into()),
                visit: visit_status(p.last_visit, interval, today),
                open_gaps: p.open_gaps,
            }
        })
        .collect();
    audit(
        &state,
        &user,
        "panel.view",
        None,
        format!("{} patients listed{}", rows.len(), if mine { ", own caseload" } else { ", all patients" }),
    )
    .await?;
    let overdue = rows.iter().filter(|r| r.visit == VisitStatus::Overdue).count();
    let due_soon = rows.iter().filter(|r| r.visit == VisitStatus::DueSoon).count();
    let shell = Shell::load(&state, &user, Tab::Panel).await?;
    render(&PanelPage { shell, rows, mine, may_see_all, overdue, due_soon })
}
