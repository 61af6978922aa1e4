//! Patients within the token's reach: a paged list and one patient's record.

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::patient::{
    CareGapStatus, CarePlanStatus, Complexity, OnboardingStatus, PatientStatus, Program,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::params::{ApiQuery, Paging, Window, one_of};
use super::problem::ReadErrors;
use super::{ApiResult, ApiUser};
use crate::pages::audit;
use crate::state::AppState;

const MAX_LIMIT: i64 = 500;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PatientsQuery {
    /// Only patients of this status.
    #[param(value_type = Option<PatientStatus>)]
    status: Option<String>,
    /// At most this many (default 100).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 500)]
    limit: Option<String>,
    /// Rows to skip.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 1_000_000_000)]
    offset: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PatientSummary {
    id: PatientId,
    /// "LAST, FIRST".
    name: String,
    chart_code: String,
    status: PatientStatus,
    facility: Option<String>,
    provider: Option<String>,
    coordinator: Option<String>,
    last_visit: Option<NaiveDate>,
    open_care_gaps: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PatientPage {
    #[serde(flatten)]
    paging: Paging,
    items: Vec<PatientSummary>,
}

/// Patients within the token's reach: a coordinator's caseload, everyone for managers and admins.
#[utoipa::path(get, path = "/patients", tag = "patients", params(PatientsQuery),
    responses((status = 200, description = "A page of patients", body = PatientPage), ReadErrors))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<PatientsQuery>,
) -> ApiResult<Json<PatientPage>> {
    let window = Window::read(q.limit.as_deref(), q.offset.as_deref(), 100, MAX_LIMIT)?;
    let status = one_of::<PatientStatus>("status", q.status.as_deref())?;
    let (rows, total) =
        state.app.patients_in_reach(&user.actor(), status, window.limit, window.offset).await?;
    let total = u64::try_from(total).unwrap_or(0);
    let items: Vec<PatientSummary> = rows
        .into_iter()
        .map(|r| PatientSummary {
            id: r.id,
            name: r.name,
            chart_code: r.chart_code,
            status: r.status,
            facility: r.facility,
            provider: r.provider,
            coordinator: r.coordinator,
            last_visit: r.last_visit,
            open_care_gaps: r.open_gaps,
        })
        .collect();
    let listed = items.iter().map(|p| p.id).collect();
    let detail = format!("{} of {total}", items.len());
    state.app.audit_read(&user.actor(), "api.patients", listed, detail).await?;
    Ok(Json(PatientPage { paging: window.paging(total, &uri), items }))
}

#[derive(Serialize, ToSchema)]
pub struct Patient {
    id: PatientId,
    name: String,
    chart_code: String,
    dob: NaiveDate,
    status: PatientStatus,
    program: Program,
    complexity: Complexity,
    language: String,
    facility: Option<String>,
    provider: Option<String>,
    coordinator_id: Option<UserId>,
    coordinator: Option<String>,
    onboarding_status: OnboardingStatus,
    care_plan_status: CarePlanStatus,
    care_gap_status: CareGapStatus,
    consent_date: Option<NaiveDate>,
    chronic_conditions: i32,
    visit_interval_months: i32,
    last_visit: Option<NaiveDate>,
    special_needs: Vec<String>,
    open_care_gaps: Vec<String>,
}

/// One patient within the token's reach.
#[utoipa::path(get, path = "/patients/{id}", tag = "patients",
    params(("id" = PatientId, Path, description = "The patient's id")),
    responses((status = 200, description = "The patient", body = Patient), ReadErrors))]
pub async fn one(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw): Path<String>,
) -> ApiResult<Json<Patient>> {
    let pid = super::path_id(&raw, PatientId)?;
    let p = state.app.patient_detail(state.app.visible_patient(&user.actor(), pid).await?).await?;
    audit(&state, &user, "api.patient", Some(pid), "read".into()).await?;
    Ok(Json(Patient {
        id: p.id,
        name: p.name,
        chart_code: p.chart_code,
        dob: p.dob,
        status: p.status,
        program: p.program,
        complexity: p.complexity,
        language: p.language,
        facility: p.facility,
        provider: p.provider,
        coordinator_id: p.coordinator_id,
        coordinator: p.coordinator,
        onboarding_status: p.onboarding_status,
        care_plan_status: p.care_plan_status,
        care_gap_status: p.care_gap_status,
        consent_date: p.consent_date,
        chronic_conditions: p.chronic_conditions,
        visit_interval_months: p.visit_interval_months,
        last_visit: p.last_visit,
        special_needs: p.special_needs,
        open_care_gaps: p.open_gaps,
    }))
}
