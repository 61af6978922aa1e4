//! The care plan: the draft's editor, activation, every version with what changed from the one
//! before, and a print view that is the patient's copy.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::ServiceError;
use carelog_app::care_plans::{CarePlanInput, GOAL_SLOTS, changed_sections};
use carelog_app::enrollment::EnrollmentView;
use carelog_app::model::{CarePlanVersionRow, PatientDetail};
use carelog_app::patients::VisiblePatient;
use carelog_domain::patient::{CopyDelivery, GoalStatus};
use serde::Deserialize;

use super::patient::visible_patient;
use super::{Shell, Tab, render};
use crate::context::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// One goal row of the editor.
struct GoalSlot {
    n: usize,
    goal: String,
    target: String,
    status: String,
}

/// A version as listed, with what changed from the one before it.
struct ListedVersion {
    v: CarePlanVersionRow,
    changed: String,
}

#[derive(Template)]
#[template(path = "pages/care_plan.html")]
struct CarePlanPage {
    shell: Shell,
    p: PatientDetail,
    view: EnrollmentView,
    editing: CarePlanInput,
    goals: Vec<GoalSlot>,
    /// Which version the editor writes: the draft's number, or "new".
    editing_label: String,
    versions: Vec<ListedVersion>,
    statuses: Vec<&'static str>,
    deliveries: Vec<&'static str>,
    notice: String,
    problem: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    notice: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActivateForm {
    on: String,
    approved_by: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DatedForm {
    on: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CopyForm {
    on: String,
    how: String,
}

/// The editor's starting text: the draft, else the active version (the next version starts from
/// it), else the patient's active diagnoses as the problem list.
fn editing_from(view: &EnrollmentView) -> CarePlanInput {
    let from = view.records.draft().or(view.records.active());
    let mut input = CarePlanInput::default();
    match from {
        Some(v) => {
            let s = &v.sections;
            input.problem_list = s.problem_list.clone();
            input.expected_outcome = s.expected_outcome.clone();
            input.symptom_management = s.symptom_management.clone();
            input.interventions = s.interventions.clone();
            input.medication_management = s.medication_management.clone();
            input.community_services = s.community_services.clone();
            input.coordination = s.coordination.clone();
            input.next_review_on = s.next_review_on.map(|d| d.to_string()).unwrap_or_default();
            let goal = |i: usize| v.goals.get(i);
            let text = |i: usize| goal(i).map(|g| g.goal.clone()).unwrap_or_default();
            let target = |i: usize| {
                goal(i).and_then(|g| g.target_on).map(|d| d.to_string()).unwrap_or_default()
            };
            let status =
                |i: usize| goal(i).map(|g| g.status.as_str().to_owned()).unwrap_or_default();
            (input.goal_1, input.target_1, input.status_1) = (text(0), target(0), status(0));
            (input.goal_2, input.target_2, input.status_2) = (text(1), target(1), status(1));
            (input.goal_3, input.target_3, input.status_3) = (text(2), target(2), status(2));
            (input.goal_4, input.target_4, input.status_4) = (text(3), target(3), status(3));
            (input.goal_5, input.target_5, input.status_5) = (text(4), target(4), status(4));
            (input.goal_6, input.target_6, input.status_6) = (text(5), target(5), status(5));
        }
        None => {
            input.problem_list = view
                .records
                .diagnoses
                .iter()
                .filter(|d| d.resolved_on.is_none())
                .map(|d| format!("{} {}", d.code, d.description))
                .collect::<Vec<_>>()
                .join("\n");
        }
    }
    input
}

fn goal_slots(input: &CarePlanInput) -> Vec<GoalSlot> {
    let slots = [
        (&input.goal_1, &input.target_1, &input.status_1),
        (&input.goal_2, &input.target_2, &input.status_2),
        (&input.goal_3, &input.target_3, &input.status_3),
        (&input.goal_4, &input.target_4, &input.status_4),
        (&input.goal_5, &input.target_5, &input.status_5),
        (&input.goal_6, &input.target_6, &input.status_6),
    ];
    debug_assert_eq!(slots.len(), GOAL_SLOTS);
    slots
        .into_iter()
        .enumerate()
        .map(|(i, (g, t, s))| GoalSlot {
            n: i + 1,
            goal: g.clone(),
            target: t.clone(),
            status: s.clone(),
        })
        .collect()
}

/// Versions newest first, each with the sections and goals changed from the version before it.
fn listed(versions: &[CarePlanVersionRow]) -> Vec<ListedVersion> {
    versions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let changed = match versions.get(i + 1) {
                Some(before) => {
                    let mut text = changed_sections(&before.sections, &v.sections);
                    if before.goals != v.goals {
                        text.push_str("; goals changed");
                    }
                    text
                }
                None => "first version".to_owned(),
            };
            ListedVersion { v: v.clone(), changed }
        })
        .collect()
}

async fn care_plan_page(
    state: &AppState,
    user: &CurrentUser,
    patient: VisiblePatient,
    editing: Option<CarePlanInput>,
    notice: String,
    problem: String,
) -> AppResult<Response> {
    let view = state.app.care_plan_versions(&user.actor(), patient).await?;
    let p = state.app.patient_detail(patient).await?;
    let editing = editing.unwrap_or_else(|| editing_from(&view));
    let editing_label = match view.records.draft() {
        Some(d) => format!("version {} (draft)", d.version),
        None => "a new version".to_owned(),
    };
    let status = if problem.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = CarePlanPage {
        shell: Shell::load(state, user, Tab::Panel).await?,
        goals: goal_slots(&editing),
        versions: listed(&view.records.care_plans),
        p,
        view,
        editing,
        editing_label,
        statuses: GoalStatus::ALL.iter().map(|s| s.as_str()).collect(),
        deliveries: CopyDelivery::ALL.iter().map(|d| d.as_str()).collect(),
        notice: notice.chars().take(300).collect(),
        problem,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<NoticeQuery>,
) -> AppResult<Response> {
    let patient = visible_patient(&state, &user, &raw_id).await?;
    care_plan_page(&state, &user, patient, None, q.notice, String::new()).await
}

/// Back to the care plan with the service's sentence, or the page again with the rule that refused
/// it (and, for the editor, what was typed).
async fn answer(
    state: &AppState,
    user: &CurrentUser,
    patient: VisiblePatient,
    outcome: Result<String, ServiceError>,
    typed: Option<CarePlanInput>,
) -> AppResult<Response> {
    match outcome {
        Ok(notice) => {
            let query = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
            Ok(Redirect::to(&format!("/patients/{}/care-plan?{query}", patient.id()))
                .into_response())
        }
        Err(ServiceError::Refused(problem)) => {
            care_plan_page(state, user, patient, typed, String::new(), problem).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn save_draft(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
    Form(form): Form<CarePlanInput>,
) -> AppResult<Response> {
    let patient = visible_patient(&state, &user, &raw_id).await?;
    let outcome = state.app.save_care_plan_draft(&user.actor(), patient, &form).await;
    answer(&state, &user, patient, outcome, Some(form)).await
}

pub async fn activate(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
    Form(form): Form<ActivateForm>,
) -> AppResult<Response> {
    let patient = visible_patient(&state, &user, &raw_id).await?;
    let outcome =
        state.app.activate_care_plan(&user.actor(), patient, &form.on, &form.approved_by).await;
    answer(&state, &user, patient, outcome, None).await
}

pub async fn end(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
    Form(form): Form<DatedForm>,
) -> AppResult<Response> {
    let patient = visible_patient(&state, &user, &raw_id).await?;
    let outcome = state.app.end_care_plan(&user.actor(), patient, &form.on).await;
    answer(&state, &user, patient, outcome, None).await
}

pub async fn discard(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
) -> AppResult<Response> {
    let patient = visible_patient(&state, &user, &raw_id).await?;
    let outcome = state.app.discard_care_plan_draft(&user.actor(), patient).await;
    answer(&state, &user, patient, outcome, None).await
}

pub async fn copy_given(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((raw_id, version)): Path<(String, String)>,
    Form(form): Form<CopyForm>,
) -> AppResult<Response> {
    let patient = visible_patient(&state, &user, &raw_id).await?;
    let outcome = state
        .app
        .record_care_plan_copy(&user.actor(), patient, &version, &form.on, &form.how)
        .await;
    answer(&state, &user, patient, outcome, None).await
}

#[derive(Template)]
#[template(path = "pages/care_plan_print.html")]
struct PrintPage {
    p: PatientDetail,
    v: CarePlanVersionRow,
}

/// The patient's copy of one version: plain, printable, nothing but the plan.
pub async fn print(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((raw_id, version)): Path<(String, String)>,
) -> AppResult<Response> {
    let patient = visible_patient(&state, &user, &raw_id).await?;
    let view = state.app.care_plan_versions(&user.actor(), patient).await?;
    let wanted: Option<i32> = version.parse().ok();
    let v = view
        .records
        .care_plans
        .into_iter()
        .find(|v| Some(v.version) == wanted)
        .ok_or(AppError::NotFound)?;
    let p = state.app.patient_detail(patient).await?;
    Ok(render(&PrintPage { p, v })?.into_response())
}
