//! The OpenAPI 3.0 description of `/api/v1`, published at `/api/v1/openapi.json`.

use axum::Json;
use serde_json::{Value, json};

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

fn errors(extra: &[&str]) -> Value {
    let mut out = serde_json::Map::new();
    for code in ["400", "401"].iter().chain(extra) {
        let description = match *code {
            "400" => "A parameter breaks its rule; the message names it.",
            "401" => "No valid API token.",
            "403" => "The token's role does not give access.",
            "404" => "Not found, or outside the token's reach.",
            _ => "The request breaks a rule; nothing was saved.",
        };
        out.insert((*code).to_owned(), json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }));
    }
    Value::Object(out)
}

fn ok(description: &str, schema: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn with_ok(mut responses: Value, code: &str, body: Value) -> Value {
    if let Some(map) = responses.as_object_mut() {
        map.insert(code.to_owned(), body);
    }
    responses
}

pub(crate) fn document() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "carelog API",
            "version": "1",
            "description": "Patients, the care-management task log, generated tasks, the assignment queue and billing summaries. Authenticate with an API token (Account → API tokens) as `Authorization: Bearer <token>`. A token acts as its user: coordinators reach their own caseload, managers the whole practice and Tab 3, admins also billing. Every call is audited."
        },
        "servers": [{ "url": "/api/v1" }],
        "security": [{ "bearer": [] }],
        "paths": merged(paths(), enrollment_paths()),
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "description": "An API token" } },
            "schemas": schemas()
        }
    })
}

fn paths() -> Value {
    let date = json!({ "type": "string", "format": "date" });
    let int = json!({ "type": "integer", "format": "int64" });
    json!({
        "/patients": { "get": {
            "summary": "Patients within the token's reach",
            "parameters": [query("status", "Active, Inactive or Deceased", json!({ "type": "string", "enum": ["Active", "Inactive", "Deceased"] })),
                           query("limit", "At most 500", json!({ "type": "integer", "minimum": 0, "maximum": 500 })),
                           query("offset", "Rows to skip", json!({ "type": "integer", "minimum": 0 }))],
            "responses": with_ok(errors(&[]), "200", ok("A page of patients", "PatientPage"))
        }},
        "/patients/{id}": { "get": {
            "summary": "One patient",
            "parameters": [{ "name": "id", "in": "path", "required": true, "schema": int }],
            "responses": with_ok(errors(&["404"]), "200", ok("The patient", "Patient"))
        }},
        "/task-log": {
            "get": {
                "summary": "Task log entries by date range (practice-local dates), newest first",
                "parameters": [query("from", "First day, default the 1st of this month", date.clone()), query("to", "Last day, default today", date.clone()),
                               query("patient", "One patient", int.clone()), query("coordinator", "One coordinator (managers and admins)", int.clone()),
                               query("limit", "At most 5000", json!({ "type": "integer", "minimum": 0, "maximum": 5000 }))],
                "responses": with_ok(errors(&["404"]), "200", ok("Entries", "EntryPage"))
            },
            "post": {
                "summary": "Log a task for yourself under the same rules as the Daily Tasks form",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/NewTask" } } } },
                "responses": with_ok(errors(&["422"]), "201", ok("The saved entry", "Entry"))
            }
        },
        "/generated-tasks": { "get": {
            "summary": "Pending generated tasks of a coordinator (yourself by default)",
            "parameters": [query("coordinator", "Managers and admins may name a coordinator", int.clone())],
            "responses": with_ok(errors(&["404"]), "200", ok("Pending tasks", "GeneratedTaskList"))
        }},
        "/assignment-queue": { "get": {
            "summary": "Patients waiting for a coordinator (managers and admins)",
            "responses": with_ok(errors(&["403"]), "200", ok("The queue", "Queue"))
        }},
        "/billing/summary": { "get": {
            "summary": "A month's billing summary per patient-month (admins)",
            "parameters": [query("month", "YYYY-MM, default last month", json!({ "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$" })),
                           query("rules", "seed or cms, default the practice's", json!({ "type": "string", "enum": ["seed", "cms"] }))],
            "responses": with_ok(errors(&["403"]), "200", ok("The summary", "BillingSummary"))
        }}
    })
}

fn schemas() -> Value {
    merged(
        merged(patient_and_entry_schemas(), task_queue_and_billing_schemas()),
        enrollment_schemas(),
    )
}

fn merged(mut all: Value, more: Value) -> Value {
    if let (Some(map), Value::Object(more)) = (all.as_object_mut(), more) {
        map.extend(more);
    }
    all
}

fn body(schema: &str) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

/// A patient's enrollment: read, and the records written under the record page's rules.
fn enrollment_paths() -> Value {
    let int = json!({ "type": "integer", "format": "int64" });
    let id = |name: &str| json!({ "name": name, "in": "path", "required": true, "schema": int });
    let created = |summary: &str, schema: &str, params: Vec<Value>| {
        json!({ "post": {
            "summary": summary,
            "parameters": params,
            "requestBody": body(schema),
            "responses": with_ok(errors(&["404", "422"]), "201", ok("The patient's enrollment after the change", "Enrollment"))
        }})
    };
    json!({
        "/patients/{id}/enrollment": { "get": {
            "summary": "A patient's consents, ICD-10-CM diagnoses, care plan versions and complexity, with this month's gaps",
            "parameters": [id("id")],
            "responses": with_ok(errors(&["404"]), "200", ok("The enrollment", "Enrollment"))
        }},
        "/patients/{id}/consents": created("Record consent after the four disclosures", "NewConsent", vec![id("id")]),
        "/patients/{id}/consents/{consent}/withdrawal": created("Record a consent's withdrawal", "Withdrawal", vec![id("id"), id("consent")]),
        "/patients/{id}/diagnoses": created("Add an ICD-10-CM diagnosis", "NewDiagnosis", vec![id("id")]),
        "/patients/{id}/diagnoses/{diagnosis}/resolution": created("Mark a diagnosis resolved", "Resolution", vec![id("id"), id("diagnosis")]),
        "/patients/{id}/care-plan/draft": created("Write the care plan's draft version", "CarePlanDraft", vec![id("id")]),
        "/patients/{id}/care-plan/activation": created("Make the draft the plan in force", "Activation", vec![id("id")]),
    })
}

fn enrollment_schemas() -> Value {
    let date = json!({ "type": "string", "format": "date" });
    let text = json!({ "type": "string" });
    let bool = json!({ "type": "boolean" });
    json!({
        "Enrollment": { "type": "object", "required": ["gaps", "consents", "diagnoses", "care_plan_versions"], "properties": {
            "gaps": { "type": "array", "items": text }, "complex": bool,
            "consents": { "type": "array", "items": { "type": "object" } }, "diagnoses": { "type": "array", "items": { "type": "object" } },
            "care_plan_versions": { "type": "array", "items": { "type": "object" } },
            "complexity_changes": { "type": "array", "items": { "type": "object" } }, "message": text } },
        "NewConsent": { "type": "object", "required": ["program", "obtained_on", "method", "disclosures"], "properties": {
            "program": { "type": "string", "enum": ["CCM", "PCM"] }, "obtained_on": date, "method": { "type": "string", "enum": ["verbal", "written"] },
            "disclosures": { "type": "object", "required": ["service_available", "cost_sharing", "one_practitioner_a_month", "may_stop_any_time"], "properties": {
                "service_available": bool, "cost_sharing": bool, "one_practitioner_a_month": bool, "may_stop_any_time": bool } },
            "note": text } },
        "Withdrawal": { "type": "object", "required": ["withdrawn_on"], "properties": { "withdrawn_on": date } },
        "NewDiagnosis": { "type": "object", "required": ["code"], "properties": {
            "code": { "type": "string", "description": "An ICD-10-CM billable code, e.g. E11.9" }, "chronic": bool, "onset_on": date } },
        "Resolution": { "type": "object", "required": ["resolved_on"], "properties": { "resolved_on": date } },
        "CarePlanDraft": { "type": "object", "properties": {
            "problem_list": text, "expected_outcome": text, "symptom_management": text, "interventions": text,
            "medication_management": text, "community_services": text, "coordination": text, "next_review_on": date,
            "goals": { "type": "array", "maxItems": 6, "items": { "type": "object", "required": ["goal"], "properties": {
                "goal": text, "target_on": date, "status": { "type": "string", "enum": ["Not started", "In progress", "Met", "Not met"] } } } } } },
        "Activation": { "type": "object", "required": ["activated_on", "approved_by"], "properties": {
            "activated_on": date, "approved_by": { "type": "integer", "format": "int64", "description": "The approving practitioner's id" } } },
    })
}

fn patient_and_entry_schemas() -> Value {
    let date = json!({ "type": "string", "format": "date" });
    let int = json!({ "type": "integer", "format": "int64" });
    let nullable_string = json!({ "type": "string", "nullable": true });
    json!({
        "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object", "required": ["status", "message", "problems"], "properties": {
            "status": { "type": "integer" }, "message": { "type": "string" }, "problems": { "type": "array", "items": { "type": "string" } } } } } },
        "PatientSummary": { "type": "object", "required": ["id", "name", "chart_code", "status"], "properties": {
            "id": int, "name": { "type": "string" }, "chart_code": { "type": "string" }, "status": { "type": "string" }, "facility": nullable_string,
            "provider": nullable_string, "coordinator": nullable_string, "last_visit": { "type": "string", "format": "date", "nullable": true },
            "open_care_gaps": { "type": "integer" } } },
        "PatientPage": { "type": "object", "required": ["total", "limit", "offset", "items"], "properties": {
            "total": { "type": "integer" }, "limit": { "type": "integer" }, "offset": { "type": "integer" },
            "items": { "type": "array", "items": { "$ref": "#/components/schemas/PatientSummary" } } } },
        "Patient": { "type": "object", "required": ["id", "name", "chart_code", "dob", "status", "program"], "properties": {
            "id": int, "name": { "type": "string" }, "chart_code": { "type": "string" }, "dob": date, "status": { "type": "string" },
            "program": { "type": "string", "enum": ["CCM", "PCM", "CCM+PCM"] }, "complexity": { "type": "string" }, "language": { "type": "string" },
            "facility": nullable_string, "provider": nullable_string, "coordinator_id": { "type": "integer", "nullable": true },
            "coordinator": nullable_string, "onboarding_status": { "type": "string" }, "care_plan_status": { "type": "string" },
            "care_gap_status": { "type": "string" }, "consent_date": { "type": "string", "format": "date", "nullable": true },
            "chronic_conditions": { "type": "integer" }, "visit_interval_months": { "type": "integer" },
            "last_visit": { "type": "string", "format": "date", "nullable": true },
            "special_needs": { "type": "array", "items": { "type": "string" } }, "open_care_gaps": { "type": "array", "items": { "type": "string" } } } },
        "Entry": { "type": "object", "required": ["id", "coordinator_id", "task_type_id", "task_at"], "properties": {
            "id": int, "coordinator_id": int, "coordinator": { "type": "string" }, "patient_id": { "type": "integer", "nullable": true },
            "task_type_id": int, "task_type": { "type": "string" }, "category": { "type": "string" }, "minutes": { "type": "integer", "nullable": true },
            "stat_value": nullable_string, "notes": { "type": "string" }, "task_at": { "type": "string", "format": "date-time" },
            "task_at_local": { "type": "string" }, "billing_month": { "type": "string" }, "generated_task_id": { "type": "integer", "nullable": true } } },
        "EntryPage": { "type": "object", "required": ["from", "to", "total", "items"], "properties": {
            "from": date, "to": date, "total": { "type": "integer" }, "items": { "type": "array", "items": { "$ref": "#/components/schemas/Entry" } } } },
        "NewTask": { "type": "object", "required": ["task_type_id"], "properties": {
            "patient_id": { "type": "integer", "nullable": true, "description": "One of your own patients; required for patient task types" },
            "task_type_id": int, "minutes": { "type": "integer", "minimum": 5, "maximum": 120, "nullable": true },
            "stat_value": { "type": "string", "nullable": true, "description": "yymm or yymmdd for Stat types" }, "notes": { "type": "string", "nullable": true },
            "task_at_local": { "type": "string", "nullable": true, "description": "Practice-local YYYY-MM-DDTHH:MM; now when absent" },
            "confirm_above_average": { "type": "boolean", "default": false } } }
    })
}

fn task_queue_and_billing_schemas() -> Value {
    let date = json!({ "type": "string", "format": "date" });
    let int = json!({ "type": "integer", "format": "int64" });
    let nullable_string = json!({ "type": "string", "nullable": true });
    json!({
        "GeneratedTask": { "type": "object", "required": ["id", "task_type", "due_date", "status"], "properties": {
            "id": int, "coordinator_id": int, "patient_id": { "type": "integer", "nullable": true }, "task_type_id": int, "task_type": { "type": "string" },
            "due_date": date, "estimated_minutes": { "type": "integer" }, "priority": { "type": "string" }, "status": { "type": "string" }, "period": { "type": "string" } } },
        "GeneratedTaskList": { "type": "object", "required": ["coordinator_id", "items"], "properties": {
            "coordinator_id": int, "status": { "type": "string" }, "items": { "type": "array", "items": { "$ref": "#/components/schemas/GeneratedTask" } } } },
        "QueueItem": { "type": "object", "required": ["patient_id", "name", "priority", "hours_waiting", "overdue"], "properties": {
            "patient_id": int, "name": { "type": "string" }, "provider": nullable_string, "facility": nullable_string, "care_type": { "type": "string" },
            "priority": { "type": "string" }, "status": { "type": "string" }, "language": { "type": "string" },
            "special_needs": { "type": "array", "items": { "type": "string" } }, "provider_handoff_at": { "type": "string", "format": "date-time" },
            "hours_waiting": { "type": "integer" }, "overdue": { "type": "boolean" } } },
        "Queue": { "type": "object", "required": ["sla_hours", "items"], "properties": {
            "sla_hours": { "type": "integer" }, "items": { "type": "array", "items": { "$ref": "#/components/schemas/QueueItem" } } } },
        "BillingLine": { "type": "object", "required": ["patient_id", "minutes", "codes", "billable", "estimated_reimbursement_cents"], "properties": {
            "patient_id": int, "chart_code": { "type": "string" }, "name": { "type": "string" }, "coordinator_id": { "type": "integer", "nullable": true },
            "program": { "type": "string", "enum": ["CCM", "PCM"] }, "minutes": { "type": "integer" },
            "codes": { "type": "string", "nullable": true, "description": "The codes billed; null on a line that is not billable" },
            "codes_if_billable": { "type": "string", "nullable": true, "description": "On a line that is not billable: the codes its minutes reached" },
            "billable": { "type": "boolean" }, "reason": { "type": "string" },
            "review": { "type": "array", "items": { "type": "string" } },
            "estimated_reimbursement_cents": { "type": "integer", "nullable": true, "description": "Integer cents; null when not billable or a code has no fee" },
            "amended": { "type": "object", "nullable": true, "properties": { "version": { "type": "integer" }, "reason": { "type": "string" },
                "amended_by": { "type": "integer", "nullable": true }, "amended_at": { "type": "string", "format": "date-time" } } } } },
        "BillingSummary": { "type": "object", "required": ["month", "rule_set", "totals", "lines"], "properties": {
            "month": { "type": "string" }, "rule_set": { "type": "string" }, "target_minutes": { "type": "integer" },
            "closed": { "type": "object", "nullable": true, "description": "Set when the month is closed: the lines are its billed record",
                "properties": { "closed_at": { "type": "string", "format": "date-time" }, "closed_by": nullable_string } },
            "totals": { "type": "object", "properties": { "patient_months": { "type": "integer" }, "billable": { "type": "integer" },
                "minutes": { "type": "integer" }, "estimated_reimbursement_cents": { "type": "integer", "description": "Integer cents: the known part" },
                "lines_without_fee": { "type": "integer", "description": "Billable lines left out of the amount for a code without a fee" } } },
            "lines": { "type": "array", "items": { "$ref": "#/components/schemas/BillingLine" } } } }
    })
}

pub async fn serve() -> Json<Value> {
    Json(document())
}
