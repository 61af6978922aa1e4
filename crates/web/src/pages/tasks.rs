//! Tab 2, Daily Tasks: the CM Log for a day, the add form, the user's generated tasks and timer.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::daily_tasks::{DailyTasks, NeedsTime, pending_match};
use carelog_app::entries::{Outcome, Source};
use carelog_app::model::{EntryRow, GeneratedRow, PatientPick, RunningTimer, TaskTypeRow};
use carelog_domain::catalogue::TaskCategory;
use carelog_domain::ids::{EntryId, PatientId, TaskTypeId, UserId};
use carelog_domain::patient::display_name;
use carelog_domain::practice_time::{YearMonth, local_date, start_of_day};
use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::{Shell, Tab, render};
use crate::context::CurrentUser;
use crate::entry_form::{EntryForm, EntryFormView, format_when};
use crate::error::{AppError, AppResult};
use crate::paging::Paged;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/coming.html")]
pub struct ComingPage {
    pub shell: Shell,
    pub title: &'static str,
    pub what: &'static str,
    pub facts: Vec<(String, String)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct TasksQuery {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub patient: String,
    #[serde(default)]
    pub task_type: String,
    /// Prefill for the add form (from a quick action or the stopped timer).
    #[serde(default)]
    pub new_patient: String,
    #[serde(default)]
    pub new_type: String,
    #[serde(default)]
    pub new_minutes: String,
    /// The stopped timer's start: the entry's time.
    #[serde(default)]
    pub new_when: String,
    /// A timer stopped under 5 minutes: its minutes (it keeps running).
    #[serde(default)]
    pub timer_short: String,
    /// A timer over 120 minutes: the entries it splits into, comma-separated.
    #[serde(default)]
    pub timer_split: String,
    /// The entry just saved (its id): highlighted in the log, with Undo.
    #[serde(default)]
    pub saved: String,
    #[serde(default)]
    pub deleted: String,
    /// A generated task was just completed by the saved entry.
    #[serde(default)]
    pub completed: String,
    /// The worklist's and the needs-time list's pages.
    #[serde(default)]
    pub tasks_page: String,
    #[serde(default)]
    pub needs_page: String,
}

/// Rows per page in the worklist and the needs-time list: both fit under the log at demo size.
const LIST_PAGE: usize = 10;

impl TasksQuery {
    /// This view's address with `changes` (name, value) applied; empty values are left out.
    fn link(&self, changes: &[(&str, String)]) -> String {
        let mut pairs: Vec<(&str, String)> = vec![
            ("date", self.date.clone()),
            ("patient", self.patient.clone()),
            ("task_type", self.task_type.clone()),
            ("tasks_page", self.tasks_page.clone()),
            ("needs_page", self.needs_page.clone()),
        ];
        for (name, value) in changes {
            if let Some(pair) = pairs.iter_mut().find(|(n, _)| n == name) {
                pair.1 = value.clone();
            }
        }
        pairs.retain(|(_, v)| !v.trim().is_empty());
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if query.is_empty() { "/tasks".into() } else { format!("/tasks?{query}") }
    }
}

pub struct EntryLine {
    pub id: EntryId,
    pub patient: String,
    pub task_type: String,
    pub notes: String,
    pub minutes: String,
    pub stat_value: String,
    pub time: String,
    pub generated: bool,
    pub editable: bool,
    /// The entry just saved.
    pub just_saved: bool,
}

pub struct PendingLine {
    pub id: i64,
    pub patient: String,
    pub task_type: String,
    pub due: String,
    pub priority: &'static str,
    pub estimated: i32,
    pub overdue: bool,
}

/// A pending generated task the entry just saved by hand could complete.
pub struct CompletionOffer {
    pub task_id: i64,
    pub task_type: String,
    pub due: String,
}

pub struct TimerView {
    pub patient: String,
    pub task_type: String,
    pub started_iso: String,
    pub started_local: String,
    pub elapsed_minutes: i64,
}

pub struct Choice<Id> {
    pub id: Id,
    pub label: String,
    pub selected: bool,
}

/// Task types under their category, as the filter and the timer offer them.
pub struct ChoiceGroup {
    pub label: &'static str,
    pub choices: Vec<Choice<TaskTypeId>>,
}

#[derive(Template)]
#[template(path = "pages/tasks.html")]
struct TasksPage {
    shell: Shell,
    date: String,
    is_today: bool,
    day_tasks: i64,
    day_minutes: i64,
    month_minutes: i64,
    month_patients: i64,
    entries: Vec<EntryLine>,
    pending: Paged<PendingLine>,
    patient_filter: Vec<Choice<PatientId>>,
    type_groups: Vec<ChoiceGroup>,
    form: EntryFormView,
    timer: Option<TimerView>,
    /// The entry just saved, when it is in the log shown (Undo deletes it).
    saved: Option<EntryId>,
    /// Something was saved that the log does not show (another day, or filtered out).
    saved_elsewhere: bool,
    deleted: bool,
    completed: bool,
    offer: Option<CompletionOffer>,
    /// What the stopped timer said (too short, or split), if it just stopped.
    timer_note: Option<String>,
    /// A patient or task type filter is set (the cards do not follow it, and say so).
    filtered: bool,
    needs_time: Paged<NeedsTime>,
    days_left: i64,
    target: i64,
    month_start: String,
    may_export_all: bool,
    own_id: UserId,
}

fn parse_date(text: &str, today: NaiveDate) -> AppResult<NaiveDate> {
    match text.trim() {
        "" => Ok(today),
        t => NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
            AppError::BadRequest(format!("The date \"{t}\" is not a date; use YYYY-MM-DD."))
        }),
    }
}

fn patient_label(first: &Option<String>, last: &Option<String>) -> String {
    match (last, first) {
        (Some(l), Some(f)) => display_name(l, f),
        _ => "—".to_owned(),
    }
}

fn entry_line(e: EntryRow, tz: chrono_tz::Tz, earliest: NaiveDate) -> EntryLine {
    EntryLine {
        id: e.id,
        patient: patient_label(&e.patient_first, &e.patient_last),
        task_type: e.task_type,
        notes: e.notes,
        minutes: e.minutes.map(|m| m.to_string()).unwrap_or_default(),
        stat_value: e.stat_value.unwrap_or_default(),
        time: e.task_at.with_timezone(&tz).format("%H:%M").to_string(),
        generated: e.generated_task_id.is_some(),
        editable: local_date(e.task_at, tz) >= earliest,
        just_saved: false,
    }
}

fn pending_line(g: GeneratedRow, today: NaiveDate) -> PendingLine {
    PendingLine {
        id: g.id,
        patient: if g.patient_id.is_some() {
            patient_label(&g.patient_first, &g.patient_last)
        } else {
            "Whole caseload".into()
        },
        task_type: g.task_type,
        due: g.due_date.format("%a %Y-%m-%d").to_string(),
        priority: g.priority.as_str(),
        estimated: g.estimated_minutes,
        overdue: g.due_date < today,
    }
}

fn timer_view(
    t: &RunningTimer,
    own: &[PatientPick],
    types: &[TaskTypeRow],
    now: chrono::DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> TimerView {
    TimerView {
        patient: match t.patient_id {
            Some(pid) => own
                .iter()
                .find(|p| p.id == pid)
                .map(|p| display_name(&p.last_name, &p.first_name))
                .unwrap_or_else(|| "—".into()),
            None => "No patient".into(),
        },
        task_type: types
            .iter()
            .find(|ty| Some(ty.id) == t.task_type_id)
            .map(|ty| ty.name.clone())
            .unwrap_or_else(|| "Task type chosen at the stop".into()),
        started_iso: t.started_at.to_rfc3339(),
        started_local: t.started_at.with_timezone(&tz).format("%H:%M").to_string(),
        elapsed_minutes: (now - t.started_at).num_minutes(),
    }
}

/// The add form as Daily Tasks first shows it: prefilled from a quick action or the stopped timer;
/// today its time is left empty, so the entry is stamped when it is saved, and another day's is 09:00.
fn fresh_form(
    state: &AppState,
    user: &CurrentUser,
    query: &TasksQuery,
    day: &DailyTasks,
    date: NaiveDate,
) -> EntryFormView {
    let tz = state.settings.time_zone;
    let now = Utc::now();
    let when = if !query.new_when.trim().is_empty() {
        query.new_when.trim().to_owned()
    } else if date == local_date(now, tz) {
        String::new()
    } else {
        format_when(start_of_day(date, tz) + chrono::Duration::hours(9), tz)
    };
    let values = EntryForm {
        patient: query.new_patient.clone(),
        task_type: query.new_type.clone(),
        minutes: query.new_minutes.clone(),
        when,
        ..EntryForm::default()
    };
    let (types, own) = (&day.types, &day.own);
    let mut f = EntryFormView::with_patients(
        state,
        user,
        types,
        own,
        day.earliest_open,
        "/tasks".into(),
        values,
    );
    f.autofocus = true;
    f
}

fn filter_choices(day: &DailyTasks) -> (Vec<Choice<PatientId>>, Vec<ChoiceGroup>) {
    let patients = day
        .own
        .iter()
        .map(|p| Choice {
            id: p.id,
            label: format!("{} ({})", display_name(&p.last_name, &p.first_name), p.chart_code),
            selected: Some(p.id) == day.patient_filter,
        })
        .collect();
    let groups = TaskCategory::ALL
        .iter()
        .map(|category| ChoiceGroup {
            label: category.label(),
            choices: day
                .types
                .iter()
                .filter(|t| t.category == *category)
                .map(|t| Choice {
                    id: t.id,
                    label: t.name.clone(),
                    selected: Some(t.id) == day.type_filter,
                })
                .collect(),
        })
        .filter(|g| !g.choices.is_empty())
        .collect();
    (patients, groups)
}

/// Builds and renders Tab 2; `form` is the add form as it should appear (fresh, or refused with its values).
async fn tasks_page(
    state: &AppState,
    user: &CurrentUser,
    query: &TasksQuery,
    form: Option<EntryFormView>,
    status: StatusCode,
) -> AppResult<Response> {
    let tz = state.settings.time_zone;
    let today = local_date(Utc::now(), tz);
    let date = parse_date(&query.date, today)?;
    let day = state.app.daily_tasks(&user.actor(), date, &query.patient, &query.task_type).await?;
    let form = match form {
        Some(f) => f,
        None => fresh_form(state, user, query, &day, date),
    };
    let shell = Shell::load(state, user, Tab::Tasks).await?;
    let mut page = day_view(day, (date, today), form, shell, tz, user, query);
    page.timer_note = timer_note(query);
    page.filtered = !query.patient.trim().is_empty() || !query.task_type.trim().is_empty();
    Ok((status, render(&page)?).into_response())
}

/// What the stopped timer said, in words: too short to log, or split over several entries.
fn timer_note(query: &TasksQuery) -> Option<String> {
    if let Ok(minutes) = query.timer_short.trim().parse::<i64>() {
        return Some(format!(
            "The timer shows {minutes} minute{}, under the 5-minute minimum, so it is still running. Stop it again later, discard it, or enter the time by hand.",
            if minutes == 1 { "" } else { "s" }
        ));
    }
    let parts: Vec<i64> =
        query.timer_split.split(',').filter_map(|p| p.trim().parse().ok()).collect();
    if parts.len() < 2 {
        return None;
    }
    let listed: Vec<String> = parts.iter().map(i64::to_string).collect();
    Some(format!(
        "The timer ran {} minutes, more than one entry takes (120 at most): log it as {} entries of {} minutes. The first is filled in the add form at the timer's start; add the others after it.",
        parts.iter().sum::<i64>(),
        parts.len(),
        listed.join(", ")
    ))
}

/// Tab 2 for `date` from the service's day: the log, the worklist, the filters and the timer.
fn day_view(
    day: DailyTasks,
    (date, today): (NaiveDate, NaiveDate),
    form: EntryFormView,
    shell: Shell,
    tz: Tz,
    user: &CurrentUser,
    query: &TasksQuery,
) -> TasksPage {
    let now = Utc::now();
    let (patient_filter, type_groups) = filter_choices(&day);
    let timer = day.timer.as_ref().map(|t| timer_view(t, &day.own, &day.types, now, tz));
    let earliest = day.earliest_open;
    let month = YearMonth::of(today);
    let saved_id = EntryId::parse(&query.saved);
    let offer = saved_id
        .and_then(|id| day.entries.iter().find(|e| e.id == id))
        .and_then(|e| pending_match(e, &day.pending))
        .map(|g| CompletionOffer {
            task_id: g.id,
            task_type: g.task_type.clone(),
            due: g.due_date.to_string(),
        });
    let mut entries: Vec<EntryLine> =
        day.entries.into_iter().map(|e| entry_line(e, tz, earliest)).collect();
    let mut saved = None;
    for line in entries.iter_mut().filter(|l| Some(l.id) == saved_id) {
        line.just_saved = true;
        saved = line.editable.then_some(line.id);
    }
    let pending: Vec<PendingLine> =
        day.pending.into_iter().map(|g| pending_line(g, today)).collect();
    let pending = Paged::of(pending, &query.tasks_page, LIST_PAGE, |n| {
        query.link(&[("tasks_page", n.to_string())])
    });
    let needs_time = Paged::of(day.needs_time, &query.needs_page, LIST_PAGE, |n| {
        query.link(&[("needs_page", n.to_string())])
    });
    TasksPage {
        month_start: YearMonth::of(date).first_day().to_string(),
        may_export_all: user.role().sees_all_patients(),
        own_id: user.id(),
        needs_time,
        days_left: (month.last_day() - today).num_days() + 1,
        target: day.target,
        date: date.to_string(),
        is_today: date == today,
        day_tasks: day.day_tasks,
        day_minutes: day.day_minutes,
        month_minutes: shell.month_minutes,
        month_patients: shell.month_patients,
        saved_elsewhere: !query.saved.trim().is_empty() && saved.is_none(),
        saved,
        deleted: query.deleted == "1",
        completed: query.completed == "1",
        offer,
        entries,
        pending,
        patient_filter,
        type_groups,
        form,
        timer,
        timer_note: None,
        filtered: false,
        shell,
    }
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<TasksQuery>,
) -> AppResult<Response> {
    tasks_page(&state, &user, &query, None, StatusCode::OK).await
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<EntryForm>,
) -> AppResult<Response> {
    match state.app.log_entry(&user.actor(), &form.input(), Source::Form).await? {
        Outcome::Saved { id, date, .. } => {
            Ok(Redirect::to(&format!("/tasks?date={date}&saved={id}")).into_response())
        }
        refused => {
            let types = state.app.task_types().await?;
            let mut view = EntryFormView::new(&state, &user, &types, "/tasks".into(), form)
                .await?
                .with_outcome(&refused);
            view.autofocus = true;
            let query = TasksQuery::default();
            tasks_page(&state, &user, &query, Some(view), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
