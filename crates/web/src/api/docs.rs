//! The API's OpenAPI document, generated from the handlers' types and published at
//! `/api/v1/openapi.json`, and a Swagger UI page over it at `/api/v1/docs` (served from the binary).

use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::problem::Problem;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "carelog API",
        version = "1",
        description = "Patients, their enrollment (consents, ICD-10-CM diagnoses, care plans), the care-management task log, generated tasks, the assignment queue and billing summaries.\n\nAuthenticate with an API token (Account → API tokens) as `Authorization: Bearer <token>`. A token acts as its user: coordinators reach their own caseload, managers the whole practice and Tab 3, admins also billing. Every call is audited.\n\nLists page alike: `limit` and `offset` in, `total`, `limit`, `offset` and `next` (the following page's address, null on the last) out. Errors are problem details (RFC 9457, `application/problem+json`): 400 when a parameter or body breaks its schema (a parameter given twice, an empty value, a NUL in the query), 422 when a well-formed request breaks a rule (one that depends on what is recorded, or text holding a NUL); `detail` names the parameter or rule."
    ),
    servers((url = "/api/v1")),
    security(("bearer" = [])),
    modifiers(&BearerToken),
    components(schemas(Problem)),
    tags(
        (name = "patients", description = "Patients within the token's reach"),
        (name = "enrollment", description = "Consent, diagnoses and care plans, under the record page's rules"),
        (name = "task log", description = "The CM Log: time actually worked"),
        (name = "tasks", description = "Generated monthly and weekly tasks"),
        (name = "assignment", description = "Patients waiting for a coordinator (managers and admins)"),
        (name = "billing", description = "Monthly billing per patient (admins)"),
    )
)]
pub struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("An API token (Account → API tokens)"))
            .build();
        // utoipa fills the licence from Cargo.toml, where carelog names none.
        openapi.info.license = None;
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The document and the docs page, at their absolute paths.
pub fn routes(document: utoipa::openapi::OpenApi) -> Router<AppState> {
    SwaggerUi::new("/api/v1/docs").url("/api/v1/openapi.json", document).into()
}
