//! A patient's record (seed 000 §1.4). Outside the user's reach it answers exactly like a patient
//! that does not exist, so ids cannot be probed.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::enrollment::EnrollmentView;
use carelog_app::entries::{Outcome, Source};
use carelog_app::model::{GeneratedRow, NamedUser, PatientDetail, PatientMonthMinutes};
use carelog_app::patients::VisiblePatient;
use carelog_domain::catalogue::takes_no_patient;
use carelog_domain::enrollment::CarePlanStep;
use carelog_domain::icd10cm::{self, Icd10Code};
use carelog_domain::ids::{EntryId, PatientId};
use carelog_domain::patient::{ConsentMethod, InitiatingKind, PatientStatus, Program};
use carelog_domain::practice_time::local_date;
use carelog_domain::schedule::TaskStatus;
use carelog_domain::visit::{VisitStatus, next_visit_due, visit_status};
use chrono::{NaiveDate, Utc};

use super::{Shell, Tab, render};
use crate::context::CurrentUser;
use crate::entry_form::{EntryForm, EntryFormView};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/patient.html")]
struct PatientPage {
    shell: Shell,
    p: PatientDetail,
    visit: VisitStatus,
    next_due: String,
    activity: Vec<(String, String, String, String)>,
    month_minutes: PatientMonthMinutes,
    month_tasks: Vec<MonthTask>,
    form: Option<EntryFormView>,
    saved: bool,
    /// The entry just saved and the pending generated task it could complete.
    offer: Option<(EntryId, GeneratedRow)>,
    notice: String,
    /// Why the last form was refused (nothing was changed).
    problem: String,
    /// Managers and admins may reassign and change status: the coordinators to choose from.
    manage: Option<Vec<NamedUser>>,
    statuses: Vec<&'static str>,
    e: EnrollmentSection,
}

/// A line carried to the record: nothing, "Saved." after a quick entry, a change's notice, or the
/// rule that refused a form.
pub enum RecordMessage {
    None,
    /// A quick entry was saved (the entry, when the address names it).
    Saved(Option<EntryId>),
    Notice(String),
    Problem(String),
}

/// What the record shows of enrollment.
struct EnrollmentSection {
    view: EnrollmentView,
    /// The code search typed and what it found.
    search: String,
    found: Vec<Icd10Code>,
    methods: Vec<&'static str>,
    programs: Vec<&'static str>,
    kinds: Vec<&'static str>,
}

#[derive(serde::Deserialize, Default)]
pub struct PatientQuery {
    #[serde(default)]
    saved: String,
    #[serde(default)]
    notice: String,
    /// A diagnosis code search: words or the start of a code.
    #[serde(default)]
    dx: String,
}

/// The patient in the path, if the user may see them; otherwise 404.
pub async fn visible_patient(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
) -> AppResult<VisiblePatient> {
    let id = PatientId::parse(raw_id).ok_or(AppError::NotFound)?;
    Ok(state.app.visible_patient(&user.actor(), id).await?)
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
    Query(q): Query<PatientQuery>,
) -> AppResult<Response> {
    let patient = visible_patient(&state, &user, &raw_id).await?;
    let message = match (!q.saved.is_empty(), q.notice) {
        (true, _) => RecordMessage::Saved(EntryId::parse(&q.saved)),
        (false, notice) if !notice.is_empty() => RecordMessage::Notice(notice),
        _ => RecordMessage::None,
    };
    let page = RecordPage { form: None, message, code_search: q.dx };
    patient_page(&state, &user, patient, page, StatusCode::OK).await
}

/// What a request adds to the record: a refused quick entry's form, a message, a code search.
pub struct RecordPage {
    pub form: Option<EntryFormView>,
    pub message: RecordMessage,
    pub code_search: String,
}

/// The record, with the quick entry form for the patient's own coordinator. `notice` is a one-line
/// result carried by a redirect (a reassignment or status change).
/// The record's recent activity: when, task type, minutes, coordinator.
fn recent_activity(p: &PatientDetail, tz: chrono_tz::Tz) -> Vec<(String, String, String, String)> {
    p.recent_activity
        .iter()
        .map(|a| {
            (
                a.task_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
                a.task_type.clone(),
                a.minutes.map(|m| m.to_string()).unwrap_or_else(|| "—".into()),
                a.coordinator.clone(),
            )
        })
        .collect()
}

/// Whether the patient's visit is due, and when the next one is.
fn visit_of(p: &PatientDetail, today: NaiveDate) -> (VisitStatus, String) {
    let interval = u32::try_from(p.visit_interval_months).unwrap_or(1);
    let next_due = next_visit_due(p.last_visit, interval)
        .map(|d| d.to_string())
        .unwrap_or_else(|| "Now (never visited)".into());
    (visit_status(p.last_visit, interval, today), next_due)
}

/// A generated task of the month as the record lists it: type, due date, status, and where it
/// leads: Complete for its own coordinator while pending, the patient's history once completed.
pub struct MonthTask {
    pub name: String,
    pub due: String,
    pub status: &'static str,
    pub link: Option<(String, &'static str)>,
}

fn month_task(t: GeneratedRow, viewer: carelog_domain::ids::UserId) -> MonthTask {
    let link = match (t.status, t.patient_id) {
        (TaskStatus::Pending, _) if t.coordinator_id == viewer => {
            Some((format!("/tasks/generated/{}", t.id), "Complete"))
        }
        (TaskStatus::Completed, Some(p)) => Some((format!("/patients/{p}/history"), "Its entry")),
        _ => None,
    };
    MonthTask { name: t.task_type, due: t.due_date.to_string(), status: t.status.key(), link }
}

pub(crate) async fn patient_page(
    state: &AppState,
    user: &CurrentUser,
    patient: VisiblePatient,
    page: RecordPage,
    status: StatusCode,
) -> AppResult<Response> {
    let RecordPage { form, message, code_search } = page;
    let record = state.app.patient_record(&user.actor(), patient).await?;
    // An entry just logged by hand may complete a pending generated task: offered beside "Saved".
    let offer = match &message {
        RecordMessage::Saved(Some(entry)) => {
            state.app.completion_offer(&user.actor(), *entry).await?.map(|g| (*entry, g))
        }
        _ => None,
    };
    let view = state.app.enrollment(patient).await?;
    let search = code_search.trim().chars().take(100).collect::<String>();
    let found = icd10cm::search(&search, 25);
    let p = record.detail;
    let tz = state.settings.time_zone;
    let (visit, next_due) = visit_of(&p, local_date(Utc::now(), tz));
    let activity = recent_activity(&p, tz);
    let month_tasks = record.month_tasks.into_iter().map(|t| month_task(t, user.id())).collect();
    // Only the patient's own coordinator logs time for them (domain.md: the user's own patients).
    let form = match form {
        Some(f) => Some(f),
        None if patient.is_own(&user.actor()) => {
            Some(quick_entry_form(state, user, patient.id(), EntryForm::default()).await?)
        }
        None => None,
    };
    let page = PatientPage {
        shell: Shell::load(state, user, Tab::Panel).await?,
        p,
        visit,
        next_due,
        activity,
        month_minutes: record.month_minutes,
        month_tasks,
        form,
        saved: matches!(message, RecordMessage::Saved(_)),
        offer,
        notice: match &message {
            RecordMessage::Notice(n) => n.chars().take(300).collect(),
            _ => String::new(),
        },
        problem: match message {
            RecordMessage::Problem(p) => p,
            _ => String::new(),
        },
        manage: record.caseload_holders,
        statuses: PatientStatus::ALL.iter().map(|s| s.as_str()).collect(),
        e: EnrollmentSection {
            view,
            search,
            found,
            methods: vec![ConsentMethod::Verbal.as_str(), ConsentMethod::Written.as_str()],
            programs: Program::ALL.iter().map(|p| p.as_str()).collect(),
            kinds: InitiatingKind::ALL.iter().map(|k| k.as_str()).collect(),
        },
    };
    Ok((status, render(&page)?).into_response())
}

async fn quick_entry_form(
    state: &AppState,
    user: &CurrentUser,
    patient_id: PatientId,
    values: EntryForm,
) -> AppResult<EntryFormView> {
    // Every type an entry may name this patient with, as Daily Tasks offers (Facility Records
    // reviews included); only those about the coordinator's own day are left out.
    let types: Vec<_> = state
        .app
        .task_types()
        .await?
        .into_iter()
        .filter(|t| !takes_no_patient(t.needs_patient, t.time_rule))
        .collect();
    let mut form =
        EntryFormView::new(state, user, &types, format!("/patients/{patient_id}/entries"), values)
            .await?;
    form.heading = "Quick Task Entry".into();
    form.buttons = vec![("continue", "Save & Continue"), ("close", "Save & Close")];
    let name = form
        .patients
        .iter()
        .find(|c| c.id == patient_id)
        .map(|c| c.label.clone())
        .unwrap_or_default();
    form.fixed_patient = Some((patient_id, name));
    Ok(form)
}

/// Quick task entry from the record (seed 000 §1.4): Save & Continue stays, Save & Close returns to the panel.
pub async fn quick_entry(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
    Form(mut values): Form<EntryForm>,
) -> AppResult<Response> {
    let patient = visible_patient(&state, &user, &raw_id).await?;
    let id = patient.id();
    values.patient = id.to_string();
    match state.app.log_entry(&user.actor(), &values.input(), Source::Form).await? {
        Outcome::Saved { .. } if values.action == "close" => {
            Ok(Redirect::to("/panel").into_response())
        }
        Outcome::Saved { id: entry, leads_to, .. } => {
            // A care plan task leads on to the part of the enrollment it is about.
            let next = match leads_to {
                Some(CarePlanStep::Enrol) => format!("/patients/{id}?saved={entry}#enrollment"),
                Some(CarePlanStep::Review) => {
                    let notice = "Saved. The care plan, to review or revise:";
                    let query =
                        serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
                    format!("/patients/{id}/care-plan?{query}")
                }
                None => format!("/patients/{id}?saved={entry}#quick-entry"),
            };
            Ok(Redirect::to(&next).into_response())
        }
        refused => {
            let form = quick_entry_form(&state, &user, id, values).await?.with_outcome(&refused);
            let status = if matches!(refused, Outcome::NeedsConfirmation(_)) {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let page = RecordPage {
                form: Some(form),
                message: RecordMessage::None,
                code_search: String::new(),
            };
            patient_page(&state, &user, patient, page, status).await
        }
    }
}

/// One line of the history: when, task type, minutes or value, notes, coordinator.
type HistoryLine = (String, String, String, String, String);

/// A billing month of history: its label, its care time and all minutes logged, and its lines.
struct HistoryMonth {
    label: String,
    care_minutes: i64,
    logged_minutes: i64,
    lines: Vec<HistoryLine>,
}

#[derive(Template)]
#[template(path = "pages/history.html")]
struct HistoryPage {
    shell: Shell,
    id: PatientId,
    name: String,
    months: Vec<HistoryMonth>,
}

/// View History: every entry for the patient, newest first, by month.
pub async fn history(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
) -> AppResult<Response> {
    let patient = visible_patient(&state, &user, &raw_id).await?;
    let (p, entries) = state.app.patient_history(&user.actor(), patient).await?;
    let id = patient.id();
    let tz = state.settings.time_zone;
    let mut months: Vec<HistoryMonth> = Vec::new();
    for e in entries {
        // The month an entry counts in is the billing month stamped on it, as on the panel.
        let label = chrono::NaiveDate::from_ymd_opt(e.billing_year, e.billing_month as u32, 1)
            .map(|d| d.format("%B %Y").to_string())
            .unwrap_or_default();
        if months.last().is_none_or(|m| m.label != label) {
            months.push(HistoryMonth {
                label,
                care_minutes: 0,
                logged_minutes: 0,
                lines: Vec::new(),
            });
        }
        if let Some(month) = months.last_mut() {
            month.care_minutes += e.care_minutes();
            month.logged_minutes += e.minutes.map_or(0, i64::from);
            month.lines.push((
                e.task_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
                e.task_type,
                e.minutes.map(|m| m.to_string()).or(e.stat_value).unwrap_or_else(|| "—".into()),
                e.notes,
                e.coordinator,
            ));
        }
    }
    let shell = Shell::load(&state, &user, Tab::Panel).await?;
    Ok(render(&HistoryPage { shell, id, name: p.name, months })?.into_response())
}
