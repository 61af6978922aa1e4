//! Tab 1, the Patient Panel (seed 000 §1.2–1.3): filters as query parameters, so a filtered view is a
//! link; every column sorts; visit status and task completion in colour and in words.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use carelog_app::model::{Named, PanelFilter};
use carelog_app::panel::PanelChoices;
use carelog_app::panel::PanelLine;
use carelog_domain::billing::TargetProgress;
use carelog_domain::ids::PatientId;
use carelog_domain::patient::{CareGapStatus, PatientStatus, display_name};
use carelog_domain::practice_time::local_date;
use carelog_domain::role::Role;
use carelog_domain::schedule::CompletionBand;
use carelog_domain::visit::{VisitStatus, next_visit_due, visit_status};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Shell, Tab, audit_read, render};
use crate::context::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct PanelQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub mine: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub gaps: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub visit: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub facility: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub provider: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub completion: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub q: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sort: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub dir: String,
}

pub struct PanelRow {
    pub id: PatientId,
    pub name: String,
    pub chart_code: String,
    pub status: &'static str,
    pub coordinator: String,
    pub last_visit: Option<NaiveDate>,
    pub next_due: Option<NaiveDate>,
    pub visit: VisitStatus,
    pub tasks_done: i64,
    pub tasks_total: i64,
    /// This month's tasks due by today.
    pub tasks_due: i64,
    pub completion: Option<CompletionBand>,
    pub completion_percent: i64,
    pub minutes: i64,
    pub billable_minutes: i64,
    pub open_gaps: i64,
    /// What enrollment lacks this month, in words.
    pub enrollment_gaps: Vec<&'static str>,
}

impl PanelRow {
    /// Minutes still to log this month to reach `target`; None once it is met.
    pub fn to_target(&self, target: i64) -> Option<i64> {
        match TargetProgress::of(self.billable_minutes, target) {
            TargetProgress::Met => None,
            TargetProgress::Short(minutes) => Some(minutes),
        }
    }
}

impl PanelRow {
    pub fn last_visit_text(&self) -> String {
        self.last_visit.map(|d| d.to_string()).unwrap_or_else(|| "Never".into())
    }

    pub fn next_due_text(&self) -> String {
        self.next_due.map(|d| d.to_string()).unwrap_or_else(|| "Now".into())
    }

    /// The completion's colour: a band, or neutral while every task due so far is done (on the
    /// 1st, none is due yet, which is not "low").
    pub fn completion_key(&self) -> &'static str {
        if self.tasks_total > self.tasks_done && self.tasks_done >= self.tasks_due {
            return "on-track";
        }
        self.completion.map(CompletionBand::key).unwrap_or("none")
    }
}

pub struct Column {
    /// The sort key, also the column's class (narrow screens leave some columns out).
    pub key: &'static str,
    pub label: &'static str,
    pub link: String,
    pub arrow: &'static str,
    pub aria_sort: &'static str,
}

pub struct Option_ {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "pages/panel.html")]
struct PanelPage {
    shell: Shell,
    q: PanelQuery,
    rows: Vec<PanelRow>,
    mine: bool,
    may_see_all: bool,
    overdue: usize,
    due_soon: usize,
    columns: Vec<Column>,
    filters: FilterOptions,
    filtered: bool,
    target: i64,
    export_link: String,
    /// This view's address, for a timer started from a row to come back to.
    here: String,
}

/// The choices of each filter on the panel.
struct FilterOptions {
    statuses: Vec<Option_>,
    gap_statuses: Vec<Option_>,
    visits: Vec<Option_>,
    facilities: Vec<Option_>,
    providers: Vec<Option_>,
    completions: Vec<Option_>,
}

const SORTS: &[(&str, &str)] = &[
    ("name", "Patient Name"),
    ("chart", "Chart Code"),
    ("last_visit", "Last Visit"),
    ("next_due", "Next Visit Due"),
    ("tasks", "Monthly Tasks"),
    ("minutes", "Care Time This Month"),
    ("gaps", "Care Gaps"),
];

fn options(choices: impl IntoIterator<Item = (String, String)>, selected: &str) -> Vec<Option_> {
    choices
        .into_iter()
        .map(|(value, label)| Option_ { selected: value == selected, value, label })
        .collect()
}

fn named_options(items: &[Named], selected: &str) -> Vec<Option_> {
    options(items.iter().map(|n| (n.id.to_string(), n.name.clone())), selected)
}

/// Checks a vocabulary filter: empty or "all" is no filter; anything else must be a known value.
fn vocabulary_filter<T: Copy>(
    text: &str,
    parse: impl Fn(&str) -> Result<T, carelog_domain::RuleViolation>,
) -> AppResult<Option<T>> {
    match text.trim() {
        "" | "all" => Ok(None),
        t => parse(t)
            .map(Some)
            .map_err(|e| AppError::BadRequest(format!("Filter {}: {}", e.field, e.message))),
    }
}

fn id_filter(name: &str, text: &str) -> AppResult<Option<i64>> {
    match text.trim() {
        "" | "all" => Ok(None),
        t => t.parse::<i64>().map(Some).map_err(|_| {
            AppError::BadRequest(format!(
                "Filter {name}: \"{t}\" is not one of the listed choices."
            ))
        }),
    }
}

fn link(q: &PanelQuery) -> String {
    let query = serde_urlencoded::to_string(q).unwrap_or_default();
    if query.is_empty() { "/panel".into() } else { format!("/panel?{query}") }
}

fn sort_rows(rows: &mut [PanelRow], sort: &str, descending: bool) {
    rows.sort_by(|a, b| {
        let order = match sort {
            "chart" => a.chart_code.cmp(&b.chart_code),
            // Never-visited patients are the most overdue: they sort first by visit dates.
            "last_visit" => a.last_visit.cmp(&b.last_visit),
            "next_due" => a.next_due.cmp(&b.next_due),
            "tasks" => {
                (a.completion_percent, a.tasks_total).cmp(&(b.completion_percent, b.tasks_total))
            }
            "minutes" => a.billable_minutes.cmp(&b.billable_minutes),
            "gaps" => a.open_gaps.cmp(&b.open_gaps),
            _ => std::cmp::Ordering::Equal,
        };
        let order = order.then_with(|| a.name.cmp(&b.name)).then(a.id.cmp(&b.id));
        if descending { order.reverse() } else { order }
    });
}

fn panel_row(line: PanelLine, today: NaiveDate) -> PanelRow {
    let PanelLine { patient: p, gaps } = line;
    let interval = u32::try_from(p.visit_interval_months).unwrap_or(1);
    PanelRow {
        id: p.id,
        name: display_name(&p.last_name, &p.first_name),
        chart_code: p.chart_code,
        status: p.status.as_str(),
        coordinator: p.coordinator.unwrap_or_else(|| "Unassigned".into()),
        last_visit: p.last_visit,
        next_due: next_visit_due(p.last_visit, interval),
        visit: visit_status(p.last_visit, interval, today),
        completion: CompletionBand::of(p.tasks_done, p.tasks_total),
        completion_percent: if p.tasks_total > 0 { p.tasks_done * 100 / p.tasks_total } else { 0 },
        tasks_done: p.tasks_done,
        tasks_total: p.tasks_total,
        tasks_due: p.tasks_due,
        minutes: p.month_minutes,
        billable_minutes: p.billable_minutes,
        open_gaps: p.open_gaps,
        enrollment_gaps: gaps,
    }
}

/// The filters applied to rows after they are read: visit status and task completion.
fn row_filters(q: &PanelQuery) -> AppResult<(Option<VisitStatus>, Option<CompletionBand>)> {
    let visit_filter = match q.visit.trim() {
        "" | "all" => None,
        v => Some(VisitStatus::parse(v).ok_or_else(|| {
            AppError::BadRequest(format!(
                "Filter visit status: \"{v}\" is not overdue, due-soon or current."
            ))
        })?),
    };
    let completion_filter = match q.completion.trim() {
        "" | "all" => None,
        c => Some(CompletionBand::parse(c).ok_or_else(|| {
            AppError::BadRequest(format!(
                "Filter monthly task completion: \"{c}\" is not low, medium or high."
            ))
        })?),
    };
    Ok((visit_filter, completion_filter))
}

/// The panel's rows as the user's role, filters and sort select them; also whether "My Patients Only" is on.
pub async fn panel_rows(
    state: &AppState,
    user: &CurrentUser,
    q: &PanelQuery,
) -> AppResult<(Vec<PanelRow>, bool, String, bool)> {
    let tz = state.settings.time_zone;
    let today = local_date(Utc::now(), tz);
    let may_see_all = user.role().sees_all_patients();
    // "My Patients Only" is on by default; off widens only as far as the role allows.
    // Admins carry no caseload, so their panel starts with every patient.
    let default_mine = user.role() != Role::Admin;
    let mine = !may_see_all || if q.mine.is_empty() { default_mine } else { q.mine != "0" };

    let (visit_filter, completion_filter) = row_filters(q)?;
    let filter = PanelFilter {
        coordinator_id: mine.then_some(user.id()),
        status: vocabulary_filter(&q.status, PatientStatus::parse)?,
        care_gap_status: vocabulary_filter(&q.gaps, CareGapStatus::parse)?,
        facility_id: id_filter("facility", &q.facility)?,
        provider_id: id_filter("provider", &q.provider)?,
        search: Some(q.q.clone()).filter(|s| !s.trim().is_empty()),
        due_by: None,
    };
    let patients = state.app.patient_panel(&user.actor(), filter).await?;
    let mut rows: Vec<PanelRow> = patients
        .into_iter()
        .map(|p| panel_row(p, today))
        .filter(|r| visit_filter.is_none_or(|v| r.visit == v))
        .filter(|r| completion_filter.is_none_or(|c| r.completion == Some(c)))
        .collect();
    let sort = if SORTS.iter().any(|(k, _)| *k == q.sort) { q.sort.clone() } else { "name".into() };
    let descending = q.dir == "desc";
    sort_rows(&mut rows, &sort, descending);
    Ok((rows, mine, sort, descending))
}

/// The table's sortable headers: each a link that sorts by it (again: the other way).
fn columns(q: &PanelQuery, sort: &str, descending: bool) -> Vec<Column> {
    SORTS
        .iter()
        .map(|(key, label)| {
            let active = *key == sort;
            let next = PanelQuery {
                sort: key.to_string(),
                dir: if active && !descending { "desc".into() } else { String::new() },
                ..q.clone()
            };
            Column {
                key,
                label,
                link: link(&next),
                arrow: if !active {
                    ""
                } else if descending {
                    " ▼"
                } else {
                    " ▲"
                },
                aria_sort: if !active {
                    "none"
                } else if descending {
                    "descending"
                } else {
                    "ascending"
                },
            }
        })
        .collect()
}

/// Every filter's options, the chosen ones selected.
fn filter_options(q: &PanelQuery, choices: &PanelChoices) -> FilterOptions {
    FilterOptions {
        statuses: options(
            PatientStatus::ALL.iter().map(|s| (s.as_str().to_owned(), s.as_str().to_owned())),
            &q.status,
        ),
        gap_statuses: options(
            CareGapStatus::ALL.iter().map(|s| (s.as_str().to_owned(), s.as_str().to_owned())),
            &q.gaps,
        ),
        visits: options(
            [VisitStatus::Overdue, VisitStatus::DueSoon, VisitStatus::Current]
                .map(|v| (v.as_str().to_owned(), v.label().to_owned())),
            &q.visit,
        ),
        facilities: named_options(&choices.facilities, &q.facility),
        providers: named_options(&choices.providers, &q.provider),
        completions: options(
            [CompletionBand::Low, CompletionBand::Medium, CompletionBand::High]
                .map(|c| (c.key().to_owned(), c.label().to_owned())),
            &q.completion,
        ),
    }
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PanelQuery>,
) -> AppResult<Html<String>> {
    let (rows, mine, sort, descending) = panel_rows(&state, &user, &q).await?;
    let scope = if mine { ", own caseload" } else { ", all patients" };
    let detail = format!("{} patients listed{scope}", rows.len());
    let listed = rows.iter().map(|r| r.id).collect();
    audit_read(&state, &user, "panel.view", listed, detail).await?;
    let choices = state.app.panel_choices().await?;
    let page = PanelPage {
        export_link: format!("/panel/export.csv{}", link(&q).trim_start_matches("/panel")),
        here: link(&q),
        filters: filter_options(&q, &choices),
        shell: Shell::load(&state, &user, Tab::Panel).await?,
        columns: columns(&q, &sort, descending),
        filtered: is_filtered(&q),
        overdue: rows.iter().filter(|r| r.visit == VisitStatus::Overdue).count(),
        due_soon: rows.iter().filter(|r| r.visit == VisitStatus::DueSoon).count(),
        q,
        rows,
        mine,
        may_see_all: user.role().sees_all_patients(),
        target: choices.target,
    };
    render(&page)
}

/// Whether any filter narrows the panel (sorting does not).
fn is_filtered(q: &PanelQuery) -> bool {
    [&q.status, &q.gaps, &q.visit, &q.facility, &q.provider, &q.completion, &q.q]
        .iter()
        .any(|v| !v.trim().is_empty() && v.as_str() != "all")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_only_the_set_filters() {
        assert_eq!(link(&PanelQuery::default()), "/panel");
        let q =
            PanelQuery { status: "Active".into(), q: "smith jr".into(), ..PanelQuery::default() };
        assert_eq!(link(&q), "/panel?status=Active&q=smith+jr");
    }

    fn row(done: i64, due: i64, total: i64) -> PanelRow {
        PanelRow {
            id: PatientId(1),
            name: String::new(),
            chart_code: String::new(),
            status: "Active",
            coordinator: String::new(),
            last_visit: None,
            next_due: None,
            visit: VisitStatus::Current,
            tasks_done: done,
            tasks_total: total,
            tasks_due: due,
            completion: CompletionBand::of(done, total),
            completion_percent: 0,
            minutes: 0,
            billable_minutes: 0,
            open_gaps: 0,
            enrollment_gaps: Vec::new(),
        }
    }

    #[test]
    fn nothing_due_yet_is_on_track_not_low() {
        assert_eq!(row(0, 0, 3).completion_key(), "on-track", "the 1st");
        assert_eq!(row(1, 1, 3).completion_key(), "on-track", "all due so far done");
        assert_eq!(row(0, 1, 3).completion_key(), "low", "one due and not done");
        assert_eq!(row(3, 3, 3).completion_key(), "high");
        assert_eq!(row(0, 0, 0).completion_key(), "none");
    }
}
