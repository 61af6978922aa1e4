//! A FHIR R4 read API at `/fhir/R4`: Patient, Practitioner (the people who carry caseloads and the
//! regional providers), CareTeam (the coordinator assignment) and Task (log entries and generated
//! tasks), each searched with the parameters `carelog_domain::fhir_search` lists and paged with true
//! totals (`fhir_paging`); Condition, Consent and CarePlan come from `fhir_enrollment`.
//! Same tokens, reach and audit as `/api/v1`; errors are OperationOutcomes.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use carelog_app::model::{
    EntryRow, GeneratedRow, PatientDetail, PatientSearch, ProviderRow, TaskSearch,
    TaskStatusWanted, TeamMember,
};
use carelog_app::patients::VisiblePatient;
use carelog_domain::fhir_search::{DateBound, Resource, Search, reference_id};
use carelog_domain::ids::{EntryId, PatientId, UserId};
use carelog_domain::patient::{PatientStatus, Priority};
use carelog_domain::schedule::TaskStatus;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::api::{ApiError, ApiUser};
use crate::context::CurrentUser;
use crate::fhir_enrollment;
use crate::fhir_paging::{SearchRequest, fhir_base, page_bundle, page_of};
use crate::pages::audit;
use crate::state::AppState;

const CHART_CODE_SYSTEM: &str = "urn:carelog:chart-code";
const USERNAME_SYSTEM: &str = "urn:carelog:username";
const NPI_SYSTEM: &str = "http://hl7.org/fhir/sid/us-npi";

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
            ApiError::BadRequest(m) => outcome(StatusCode::BAD_REQUEST, "invalid", &m),
            // A refusal's message is in its problems when it has any.
            ApiError::Unprocessable(m, problems) => {
                let said = if problems.is_empty() { m } else { problems.join(" ") };
                outcome(StatusCode::BAD_REQUEST, "invalid", &said)
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

fn invalid(message: String) -> FhirError {
    FhirError(ApiError::BadRequest(message))
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
        // The patient's own doctor; their coordinator is on the CareTeam.
        if let Some(provider) = p.provider_id {
            map.insert(
                "generalPractitioner".into(),
                json!([{ "reference": format!("Practitioner/provider-{provider}"), "display": p.provider }]),
            );
        }
    }
    r
}

/// A regional provider: name, NPI and the facility they work at.
pub fn provider_resource(p: &ProviderRow) -> Value {
    let mut resource = json!({
        "resourceType": "Practitioner",
        "id": format!("provider-{}", p.id),
        "active": true,
        "name": [{ "text": p.name }],
        "qualification": [{ "code": { "text": "Regional provider" } }],
    });
    if let Some(map) = resource.as_object_mut() {
        if let Some(npi) = p.npi.as_deref().filter(|n| !n.is_empty()) {
            map.insert("identifier".into(), json!([{ "system": NPI_SYSTEM, "value": npi }]));
        }
        if let Some(facility) = p.facility.as_deref() {
            map.insert("address".into(), json!([{ "text": facility }]));
        }
    }
    resource
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
    if let (Some(id), Some(provider)) = (p.provider_id, &p.provider) {
        participants.push(json!({ "role": [{ "text": "Regional provider" }], "member": { "reference": format!("Practitioner/provider-{id}"), "display": provider } }));
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
    let resources: Vec<Value> = Resource::ALL
        .iter()
        .map(|r| {
            json!({ "type": r.name(), "interaction": [{ "code": "read" }, { "code": "search-type" }],
                    "searchParam": r.parameters().iter().map(|(name, kind)| json!({ "name": name, "type": kind })).collect::<Vec<_>>() })
        })
        .collect();
    fhir_json(
        StatusCode::OK,
        json!({
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": instant(Utc::now()),
            "kind": "instance",
            "software": { "name": "carelog" },
            "implementation": { "description": "carelog care management", "url": fhir_base(&state) },
            "fhirVersion": "4.0.1",
            "format": ["json"],
            "rest": [{ "mode": "server", "security": { "description": "Bearer API token (Account → API tokens)" },
                       "documentation": "Searches page with _count (at most 200, default 50) and _offset; an unknown parameter is refused unless the request says Prefer: handling=lenient.",
                       "resource": resources }],
        }),
    )
}

/// The Patient search's criteria; None when they can match nobody (an `_id` that is not a number,
/// an identifier of another system).
fn patient_criteria(search: &Search) -> Result<Option<PatientSearch>, FhirError> {
    let mut criteria = PatientSearch::default();
    if let Some(id) = search.get("_id") {
        let Ok(id) = id.parse::<PatientId>() else { return Ok(None) };
        criteria.id = Some(id);
    }
    if let Some(identifier) = search.get("identifier") {
        let (system, value) = identifier.split_once('|').unwrap_or(("", identifier));
        if !system.is_empty() && system != CHART_CODE_SYSTEM {
            return Ok(None);
        }
        criteria.chart_code = Some(value.to_owned());
    }
    criteria.family = search.get("family").map(str::to_owned);
    criteria.given = search.get("given").map(str::to_owned);
    criteria.name = search.get("name").map(str::to_owned);
    if let Some(raw) = search.get("birthdate") {
        criteria.birthdate = Some(DateBound::parse("birthdate", raw).map_err(invalid)?);
    }
    Ok(Some(criteria))
}

async fn search_patients(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    request: SearchRequest,
) -> FhirResult {
    let user = user_of(caller)?;
    let search = request.for_resource(Resource::Patient)?;
    let (details, total) = match patient_criteria(&search)? {
        Some(criteria) => state
            .app
            .search_patients(&user.actor(), criteria, search.count, search.offset)
            .await
            .map_err(ApiError::from)?,
        None => (Vec::new(), 0),
    };
    let listed: Vec<PatientId> = details.iter().map(|p| p.id).collect();
    let entries: Vec<(String, Value)> =
        details.iter().map(|p| (format!("Patient/{}", p.id), patient_resource(p))).collect();
    let detail = format!("{} of {total} from {}", entries.len(), search.offset);
    state
        .app
        .audit_read(&user.actor(), "fhir.patient_search", listed, detail)
        .await
        .map_err(ApiError::from)?;
    Ok(fhir_json(StatusCode::OK, page_bundle(&state, Resource::Patient, &search, entries, total)))
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

/// A practitioner as search and read find one: the FHIR id, the resource, its names' words and
/// identifiers (system, value).
struct Found {
    id: String,
    resource: Value,
    words: Vec<String>,
    identifiers: Vec<(&'static str, String)>,
}

/// The staff who carry caseloads (usernames for admins only) and the regional providers.
async fn practitioners(state: &AppState, user: &CurrentUser) -> Result<Vec<Found>, FhirError> {
    let actor = user.actor();
    let staff = state.app.practitioners(&actor).await.map_err(ApiError::from)?;
    let providers = state.app.provider_rows(&actor).await.map_err(ApiError::from)?;
    let words = |name: &str| -> Vec<String> {
        name.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let mut found: Vec<Found> = staff
        .iter()
        .map(|(m, username)| Found {
            id: m.id.to_string(),
            resource: practitioner_resource(m, username.as_deref()),
            words: words(&m.name),
            identifiers: username.iter().map(|u| (USERNAME_SYSTEM, u.clone())).collect(),
        })
        .collect();
    found.extend(providers.iter().map(|p| Found {
        id: format!("provider-{}", p.id),
        resource: provider_resource(p),
        words: words(&p.name),
        identifiers: p.npi.iter().map(|n| (NPI_SYSTEM, n.clone())).collect(),
    }));
    Ok(found)
}

/// Whether a practitioner meets the search: `_id` exactly, an identifier (`system|value` or the
/// value alone), a name any of whose words starts with the value (any case).
fn practitioner_matches(p: &Found, search: &Search) -> bool {
    let id = search.get("_id").is_none_or(|id| p.id == id);
    let identifier = search.get("identifier").is_none_or(|raw| {
        let (system, value) = raw.split_once('|').unwrap_or(("", raw));
        p.identifiers.iter().any(|(s, v)| (system.is_empty() || system == *s) && v == value)
    });
    let name = search.get("name").is_none_or(|raw| {
        let wanted = raw.to_lowercase();
        p.words.iter().any(|w| w.starts_with(&wanted))
    });
    id && identifier && name
}

async fn search_practitioners(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    request: SearchRequest,
) -> FhirResult {
    let user = user_of(caller)?;
    let search = request.for_resource(Resource::Practitioner)?;
    let mut all = practitioners(&state, &user).await?;
    all.retain(|p| practitioner_matches(p, &search));
    let total = all.len();
    let entries = page_of(all, &search)
        .into_iter()
        .map(|p| (format!("Practitioner/{}", p.id), p.resource))
        .collect();
    audit(&state, &user, "fhir.practitioner_search", None, format!("{total} practitioners"))
        .await?;
    Ok(fhir_json(
        StatusCode::OK,
        page_bundle(&state, Resource::Practitioner, &search, entries, total),
    ))
}

async fn read_practitioner(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    Path(raw): Path<String>,
) -> FhirResult {
    let user = user_of(caller)?;
    let found = practitioners(&state, &user)
        .await?
        .into_iter()
        .find(|p| p.id == raw)
        .ok_or(FhirError(ApiError::NotFound))?;
    audit(&state, &user, "fhir.practitioner_read", None, format!("practitioner {raw}")).await?;
    Ok(fhir_json(StatusCode::OK, found.resource))
}

pub(crate) fn required_patient(search: &Search) -> Result<PatientId, FhirError> {
    search
        .get("patient")
        .and_then(|v| reference_id("Patient", v))
        .map(PatientId)
        .ok_or_else(|| invalid("patient: search by patient, e.g. ?patient=Patient/123.".into()))
}

async fn search_care_teams(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    request: SearchRequest,
) -> FhirResult {
    let user = user_of(caller)?;
    let search = request.for_resource(Resource::CareTeam)?;
    let id = required_patient(&search)?;
    let patient = visible_patient(&state, &user, id).await?;
    let p = state.app.patient_detail(patient).await.map_err(ApiError::from)?;
    let since = state.app.assigned_since(patient).await.map_err(ApiError::from)?;
    audit(&state, &user, "fhir.care_team_search", Some(id), "by patient".into()).await?;
    let entries = page_of(vec![(format!("CareTeam/{id}"), care_team_resource(&p, since))], &search);
    Ok(fhir_json(StatusCode::OK, page_bundle(&state, Resource::CareTeam, &search, entries, 1)))
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

/// FHIR Task.status codes (R4), and which of carelog's tasks each finds.
fn task_status(raw: &str) -> Result<TaskStatusWanted, FhirError> {
    const OTHERS: [&str; 9] = [
        "draft",
        "received",
        "accepted",
        "rejected",
        "ready",
        "in-progress",
        "on-hold",
        "failed",
        "entered-in-error",
    ];
    match raw {
        "completed" => Ok(TaskStatusWanted::Completed),
        "requested" => Ok(TaskStatusWanted::Requested),
        "cancelled" => Ok(TaskStatusWanted::Cancelled),
        other if OTHERS.contains(&other) => Ok(TaskStatusWanted::Other),
        other => Err(invalid(format!(
            "status: \"{other}\" is not a Task status (completed, requested, cancelled, …)."
        ))),
    }
}

async fn search_tasks(
    State(state): State<AppState>,
    caller: Result<ApiUser, ApiError>,
    request: SearchRequest,
) -> FhirResult {
    let user = user_of(caller)?;
    let search = request.for_resource(Resource::Task)?;
    let id = required_patient(&search)?;
    let status = search.get("status").map(task_status).transpose()?;
    let owner = match search.get("owner") {
        Some(raw) => Some(reference_id("Practitioner", raw).map(UserId).ok_or_else(|| {
            invalid(format!(
                "owner: \"{raw}\" is not a Practitioner reference such as Practitioner/12."
            ))
        })?),
        None => None,
    };
    let period = search
        .get("period")
        .map(|raw| DateBound::parse("period", raw))
        .transpose()
        .map_err(invalid)?;
    let patient = visible_patient(&state, &user, id).await?;
    let criteria = TaskSearch { patient: patient.id(), status, owner, period };
    let page = state
        .app
        .search_tasks(patient, &criteria, search.count, search.offset)
        .await
        .map_err(ApiError::from)?;
    let mut resources: Vec<(String, Value)> =
        page.entries.iter().map(|e| (format!("Task/entry-{}", e.id), entry_task(e))).collect();
    resources.extend(
        page.generated.iter().map(|g| (format!("Task/generated-{}", g.id), generated_task(g))),
    );
    let total = usize::try_from(page.total).unwrap_or(0);
    audit(
        &state,
        &user,
        "fhir.task_search",
        Some(id),
        format!("{} of {total} tasks", resources.len()),
    )
    .await?;
    Ok(fhir_json(StatusCode::OK, page_bundle(&state, Resource::Task, &search, resources, total)))
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
