//! A FHIR R4 read API at `/fhir/R4`: Patient, Practitioner (the people who carry caseloads), CareTeam
//! (the coordinator assignment) and Task (log entries and generated tasks), with search by patient;
//! Condition, Consent and CarePlan come from `fhir_enrollment`.
//! Same tokens, reach and audit as `/api/v1`; errors are OperationOutcomes.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use carelog_app::model::{EntryRow, GeneratedRow, PatientDetail, TeamMember};
use carelog_app::patients::VisiblePatient;
use carelog_app::task_log::LogQuery;
use carelog_domain::ids::{EntryId, PatientId};
use carelog_domain::patient::{PatientStatus, Priority};
use carelog_domain::schedule::TaskStatus;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{ApiError, ApiUser};
use crate::context::CurrentUser;
use crate::fhir_enrollment;
use crate::pages::audit;
use crate::state::AppState;

const CHART_CODE_SYSTEM: &str = "urn:carelog:chart-code";
const USERNAME_SYSTEM: &str = "urn:carelog:username";
const MAX_COUNT: usize = 200;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/metadata", get(metadata))
        .route("/Patient", get(search_patients))
        .route("/Patient/{id}", get(read_patient))
        .route("/Practitioner", get(search_practitioners))
        .route("/Practitioner/{id}", get(read_practitioner))
        .route("/CareTeam", get(search_care_teams))
        .route("/CareTeam/{id}", get(read_care_team))
        .route("/Task", get(search_tasks))
        .route("/Task/{id}", get(read_task))
        .route("/Condition", get(fhir_enrollment::search_conditions))
        .route("/Condition/{id}", get(fhir_enrollment::read_condition))
        .route("/Consent", get(fhir_enrollment::search_consents))
        .route("/Consent/{id}", get(fhir_enrollment::read_consent))
        .route("/CarePlan", get(fhir_enrollment::search_care_plans))
        .route("/CarePlan/{id}", get(fhir_enrollment::read_care_plan))
        .fallback(|| async {
            outcome(
                StatusCode::NOT_FOUND,
                "not-found",
                "No such FHIR endpoint here; see /fhir/R4/metadata.",
            )
        })
}

pub(crate) fn fhir_json(status: StatusCode, body: Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/fhir+json; charset=utf-8")], Json(body))
        .into_response()
}

fn outcome(status: StatusCode, code: &str, message: &str) -> Response {
    fhir_json(
        status,
        json!({ "resourceType": "OperationOutcome", "issue": [{ "severity": "error", "code": code, "diagnostics": message }] }),
    )
}

/// FHIR errors are OperationOutcomes rather than the API's JSON errors.
pub struct FhirError(pub(crate) ApiError);

impl From<ApiError> for FhirError {
    fn from(e: ApiError) -> Self {
        FhirError(e)
    }
}

impl From<carelog_app::model::StoreError> for FhirError {
    fn from(e: carelog_app::model::StoreError) -> Self {
        FhirError(ApiError::from(e))
    }
}

impl From<crate::error::AppError> for FhirError {
    fn from(e: crate::error::AppError) -> Self {
        FhirError(ApiError::from(e))
    }
}

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        match self.0 {
            ApiError::Unauthorized => outcome(
                StatusCode::UNAUTHORIZED,
                "login",
                "A valid API token is required: Authorization: Bearer <token>.",
            ),
            ApiError::Forbidden => outcome(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Your role does not give access to this resource.",
            ),
            ApiError::NotFound => {
                outcome(StatusCode::NOT_FOUND, "not-found", "Not found, or outside your reach.")
            }
            ApiError::BadRequest(m) | ApiError::Unprocessable(m, _) => {
                outcome(StatusCode::BAD_REQUEST, "invalid", &m)
            }
            ApiError::Conflict(m) => outcome(StatusCode::CONFLICT, "conflict", &m),
            other => other.into_response(),
        }
    }
}

type FhirResult = Result<Response, FhirError>;

pub(crate) fn user_of(caller: Result<ApiUser, ApiError>) -> Result<CurrentUser, FhirError> {
    caller.map(|ApiUser(u)| u).map_err(FhirError)
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    patient: Option<String>,
    #[serde(default, rename = "_id")]
    id: Option<String>,
    #[serde(default)]
    identifier: Option<String>,
    #[serde(default, rename = "_count")]
    count: Option<String>,
}

fn count_of(raw: &Option<String>) -> Result<usize, FhirError> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(50),
        Some(v) => v.parse::<usize>().ok().filter(|n| *n <= MAX_COUNT).ok_or_else(|| {
            FhirError(ApiError::BadRequest(format!(
                "_count: a whole number from 0 to {MAX_COUNT} (got \"{v}\")."
            )))
        }),
    }
}

/// `123`, `Patient/123` or a full URL ending in `Patient/123`.
fn patient_ref(raw: &str) -> Option<PatientId> {
    raw.trim().rsplit('/').next()?.parse().ok()
}

pub(crate) fn bundle(state: &AppState, entries: Vec<(String, Value)>, total: usize) -> Value {
    let base = format!("{}/fhir/R4", state.settings.base_url.trim_end_matches('/'));
    json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "entry": entries.into_iter().map(|(path, resource)| json!({ "fullUrl": format!("{base}/{path}"), "resource": resource, "search": { "mode": "match" } })).collect::<Vec<_>>(),
    })
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn patient_resource(p: &PatientDetail) -> Value {
    let mut telecom = Vec::new();
    if let Some(phone) = p.phone.as_deref().filter(|s| !s.is_empty()) {
        telecom.push(json!({ "system": "phone", "value": phone }));
    }
    if let Some(email) = p.email.as_deref().filter(|s| !s.is_empty()) {
        telecom.push(json!({ "system": "email", "value": email }));
    }
    let mut r = json!({
        "resourceType": "Patient",
        "id": p.id.to_string(),
        "identifier": [{ "system": CHART_CODE_SYSTEM, "value": p.chart_code }],
        "active": p.status == PatientStatus::Active,
        "name": [{ "use": "official", "family": p.last_name, "given": [p.first_name] }],
        "birthDate": p.dob.to_string(),
        "communication": [{ "language": { "text": p.language }, "preferred": true }],
    });
    if let Some(map) = r.as_object_mut() {
        if !telecom.is_empty() {
            map.insert("telecom".into(), Value::Array(telecom));
        }
        if p.status == PatientStatus::Deceased {
            map.insert("deceasedBoolean".into(), Value::Bool(true));
        }
        if let Some(address) = p.address.as_deref().filter(|s| !s.is_empty()) {
            map.insert("address".into(), json!([{ "text": address }]));
        }
        if let Some(c) = p.coordinator_id {
            map.insert(
                "generalPractitioner".into(),
                json!([{ "reference": format!("Practitioner/{c}"), "display": p.coordinator }]),
            );
        }
    }
    r
}

/// A staff member: name, role and languages; the username only when given (admins).
pub fn practitioner_resource(m: &TeamMember, username: Option<&str>) -> Value {
    let mut parts: Vec<&str> = m.name.split_whitespace().collect();
    let family = parts.pop().unwrap_or_default();
    let mut resource = json!({
        "resourceType": "Practitioner",
        "id": m.id.to_string(),
        "active": true,
        "name": [{ "text": m.name, "family": family, "given": parts }],
        "qualification": [{ "code": { "text": m.role.label() } }],
        "communication": m.languages.iter().map(|l| json!({ "text": l })).collect::<Vec<_>>(),
    });
    if let (Some(username), Some(map)) = (username, resource.as_object_mut()) {
        map.insert("identifier".into(), json!([{ "system": USERNAME_SYSTEM, "value": username }]));
    }
    resource
}

pub fn care_team_resource(p: &PatientDetail, since: Option<DateTime<Utc>>) -> Value {
    let mut participants = Vec::new();
    if let Some(c) = p.coordinator_id {
        let mut participant = json!({ "role": [{ "text": "Care coordinator" }], "member": { "reference": format!("Practitioner/{c}"), "display": p.coordinator } });
        if let (Some(start), Some(map)) = (since, participant.as_object_mut()) {
            map.insert("period".into(), json!({ "start": instant(start) }));
        }
        participants.push(participant);
    }
    if let Some(provider) = &p.provider {
        participants.push(
            json!({ "role": [{ "text": "Regional provider" }], "member": { "display": provider } }),
        );
    }
    json!({
        "resourceType": "CareTeam",
        "id": p.id.to_string(),
        "status": if p.coordinator_id.is_some() && p.status == PatientStatus::Active { "active" } else { "inactive" },
        "name": format!("Care management team for {}", p.name),
        "subject": { "reference": format!("Patient/{}", p.id) },
        "participant": participants,
    })
}

pub fn entry_task(e: &EntryRow) -> Value {
    let mut r = json!({
        "resourceType": "Task",
        "id": format!("entry-{}", e.id),
        "status": "completed",
        "intent": "order",
        "code": { "text": e.task_type },
        "authoredOn": instant(e.task_at),
        "executionPeriod": { "start": instant(e.task_at) },
        "owner": { "reference": format!("Practitioner/{}", e.coordinator_id), "display": e.coordinator },
    });
    if let Some(map) = r.as_object_mut() {
        if let Some(p) = e.patient_id {
            map.insert("for".into(), json!({ "reference": format!("Patient/{p}") }));
        }
        if !e.notes.is_empty() {
            map.insert("note".into(), json!([{ "text": e.notes }]));
        }
        let mut input = Vec::new();
        if let Some(m) = e.minutes {
            input.push(json!({ "type": { "text": "minutes" }, "valueInteger": m }));
        }
        if let Some(v) = &e.stat_value {
            input.push(json!({ "type": { "text": "value" }, "valueString": v }));
        }
        if !input.is_empty() {
            map.insert("input".into(), Value::Array(input));
        }
    }
    r
}

pub fn generated_task(g: &GeneratedRow) -> Value {
    let mut r = json!({
        "resourceType": "Task",
        "id": format!("generated-{}", g.id),
        "status": match g.status {
            TaskStatus::Completed => "completed",
            TaskStatus::Cancelled => "cancelled",
            TaskStatus::Pending => "requested",
        },
        "intent": "plan",
        "priority": if g.priority == Priority::High { "urgent" } else { "routine" },
        "code": { "text": g.task_type },
        "owner": { "reference": format!("Practitioner/{}", g.coordinator_id) },
        "restriction": { "period": { "end": g.due_date.to_string() } },
        "input": [{ "type": { "text": "estimated minutes" }, "valueInteger": g.estimated_minutes }],
    });
    if let (Some(p), Some(map)) = (g.patient_id, r.as_object_mut()) {
        map.insert("for".into(), json!({ "reference": format!("Patient/{p}") }));
    }
    r
}

async fn visible_patient(
    state: &AppState,
    user: &CurrentUser,
    id: PatientId,
) -> Result<VisiblePatient, FhirError> {
    Ok(state.app.visible_patient(&user.actor(), id).await.map_err(ApiError::from)?)
}

async fn visible_detail(
    state: &AppState,
    user: &CurrentUser,
    id: PatientId,
) -> Result<PatientDetail, FhirError> {
    let patient = visible_patient(state, user, id).await?;
    Ok(state.app.patient_detail(patient).await.map_err(ApiError::from)?)
}

async fn metadata(State(state): State<AppState>) -> Response {
    let read = |t: &str, search: &[&str]| {
        json!({ "type": t, "interaction": [{ "code": "read" }, { "code": "search-type" }],
                "searchParam": search.iter().map(|s| json!({ "name": s, "type": if *s == "patient" { "reference" } else { "token" } })).collect::<Vec<_>>() })
    };
    fhir_json(
        StatusCode::OK,
        json!({
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": instant(Utc::now()),
            "kind": "instance",
            "software": { "name": "carelog" },
            "implementation": { "description": "carelog care management", "url": format!("{}/fhir/R4", state.settings.base_url.trim_end_matches('/')) },
            "fhirVersion": "4.0.1",
            "format": ["json"],
            "rest": [{ "mode": "server", "security": { "description": "Bearer API token (Account → API tokens)" },
                       "resource": [read("Patient", &["_id", "identifier"]), read("Practitioner", &["_id"]), read("CareTeam", &["patient"]), read("Task", &["patient"]),
                                    read("Condition", &["patient"]), read("Consent", &["patient"]), read("CarePlan", &["patient"])] }],
        }),
    )
}

async fn search_patients(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    Query(q): Query<SearchQuery>,
) -> FhirResult {
    let user = user_of(caller)?;
    let limit = count_of(&q.count)?;
    let mut ids: Vec<(PatientId, String)> = state
        .app
        .patients_in_reach(&user.actor())
        .await
        .map_err(ApiError::from)?
        .into_iter()
        .map(|p| (p.id, p.chart_code))
        .collect();
    if let Some(id) = q.id.as_deref().filter(|s| !s.is_empty()) {
        ids.retain(|(p, _)| p.to_string() == id);
    }
    if let Some(identifier) = q.identifier.as_deref().filter(|s| !s.is_empty()) {
        let value = identifier.rsplit('|').next().unwrap_or(identifier);
        ids.retain(|(_, chart)| chart.eq_ignore_ascii_case(value));
    }
    let total = ids.len();
    let page: Vec<PatientId> = ids.into_iter().take(limit).map(|(id, _)| id).collect();
    let details =
        state.app.patient_details_in_reach(&user.actor(), &page).await.map_err(ApiError::from)?;
    let entries: Vec<(String, Value)> =
        details.iter().map(|p| (format!("Patient/{}", p.id), patient_resource(p))).collect();
    let detail = format!("{} of {total}", entries.len());
    state
        .app
        .audit_read(&user.actor(), "fhir.patient_search", page, detail)
        .await
        .map_err(ApiError::from)?;
    Ok(fhir_json(StatusCode::OK, bundle(&state, entries, total)))
}

async fn read_patient(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    Path(raw): Path<String>,
) -> FhirResult {
    let user = user_of(caller)?;
    let id = raw.parse::<PatientId>().map_err(|_| FhirError(ApiError::NotFound))?;
    let p = visible_detail(&state, &user, id).await?;
    audit(&state, &user, "fhir.patient_read", Some(id), "read".into()).await?;
    Ok(fhir_json(StatusCode::OK, patient_resource(&p)))
}

async fn practitioners(
    state: &AppState,
    user: &crate::context::CurrentUser,
) -> Result<Vec<(TeamMember, Option<String>)>, FhirError> {
    Ok(state.app.practitioners(&user.actor()).await.map_err(ApiError::from)?)
}

async fn search_practitioners(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    Query(q): Query<SearchQuery>,
) -> FhirResult {
    let user = user_of(caller)?;
    let limit = count_of(&q.count)?;
    let mut all = practitioners(&state, &user).await?;
    if let Some(id) = q.id.as_deref().filter(|s| !s.is_empty()) {
        all.retain(|(m, _)| m.id.to_string() == id);
    }
    let total = all.len();
    let entries = all
        .iter()
        .take(limit)
        .map(|(m, u)| (format!("Practitioner/{}", m.id), practitioner_resource(m, u.as_deref())))
        .collect();
    audit(&state, &user, "fhir.practitioner_search", None, format!("{total} practitioners"))
        .await?;
    Ok(fhir_json(StatusCode::OK, bundle(&state, entries, total)))
}

async fn read_practitioner(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    Path(raw): Path<String>,
) -> FhirResult {
    let user = user_of(caller)?;
    let all = practitioners(&state, &user).await?;
    let (m, u) =
        all.iter().find(|(m, _)| m.id.to_string() == raw).ok_or(FhirError(ApiError::NotFound))?;
    audit(&state, &user, "fhir.practitioner_read", None, format!("practitioner {}", m.id)).await?;
    Ok(fhir_json(StatusCode::OK, practitioner_resource(m, u.as_deref())))
}

pub(crate) fn required_patient(q: &SearchQuery) -> Result<PatientId, FhirError> {
    q.patient.as_deref().and_then(patient_ref).ok_or_else(|| {
        FhirError(ApiError::BadRequest(
            "patient: search by patient, e.g. ?patient=Patient/123.".into(),
        ))
    })
}

async fn search_care_teams(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    Query(q): Query<SearchQuery>,
) -> FhirResult {
    let user = user_of(caller)?;
    let id = required_patient(&q)?;
    let patient = visible_patient(&state, &user, id).await?;
    let p = state.app.patient_detail(patient).await.map_err(ApiError::from)?;
    let since = state.app.assigned_since(patient).await.map_err(ApiError::from)?;
    audit(&state, &user, "fhir.care_team_search", Some(id), "by patient".into()).await?;
    Ok(fhir_json(
        StatusCode::OK,
        bundle(&state, vec![(format!("CareTeam/{id}"), care_team_resource(&p, since))], 1),
    ))
}

async fn read_care_team(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    Path(raw): Path<String>,
) -> FhirResult {
    let user = user_of(caller)?;
    let id = raw.parse::<PatientId>().map_err(|_| FhirError(ApiError::NotFound))?;
    let patient = visible_patient(&state, &user, id).await?;
    let p = state.app.patient_detail(patient).await.map_err(ApiError::from)?;
    let since = state.app.assigned_since(patient).await.map_err(ApiError::from)?;
    audit(&state, &user, "fhir.care_team_read", Some(id), "read".into()).await?;
    Ok(fhir_json(StatusCode::OK, care_team_resource(&p, since)))
}

async fn search_tasks(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    Query(q): Query<SearchQuery>,
) -> FhirResult {
    let user = user_of(caller)?;
    let id = required_patient(&q)?;
    let limit = count_of(&q.count)?;
    let patient = visible_patient(&state, &user, id).await?;
    let query = LogQuery::for_patient(patient);
    let entries = state.app.log_entries(&query, limit as u64).await.map_err(ApiError::from)?;
    let generated =
        state.app.generated_tasks_of(patient, limit as i64).await.map_err(ApiError::from)?;
    let mut resources: Vec<(String, Value)> =
        entries.iter().map(|e| (format!("Task/entry-{}", e.id), entry_task(e))).collect();
    resources
        .extend(generated.iter().map(|g| (format!("Task/generated-{}", g.id), generated_task(g))));
    let total = resources.len();
    resources.truncate(limit);
    audit(&state, &user, "fhir.task_search", Some(id), format!("{} tasks", resources.len()))
        .await?;
    Ok(fhir_json(StatusCode::OK, bundle(&state, resources, total)))
}

async fn read_task(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    Path(raw): Path<String>,
) -> FhirResult {
    let user = user_of(caller)?;
    let not_found = || FhirError(ApiError::NotFound);
    if let Some(id) = raw.strip_prefix("entry-").and_then(|s| s.parse::<EntryId>().ok()) {
        let entry = state.app.entry_in_reach(&user.actor(), id).await.map_err(ApiError::from)?;
        audit(&state, &user, "fhir.task_read", entry.patient_id, format!("entry {id}")).await?;
        return Ok(fhir_json(StatusCode::OK, entry_task(&entry)));
    }
    if let Some(id) = raw.strip_prefix("generated-").and_then(|s| s.parse::<i64>().ok()) {
        let task =
            state.app.generated_task_in_reach(&user.actor(), id).await.map_err(ApiError::from)?;
        audit(&state, &user, "fhir.task_read", task.patient_id, format!("generated task {id}"))
            .await?;
        return Ok(fhir_json(StatusCode::OK, generated_task(&task)));
    }
    Err(not_found())
}
