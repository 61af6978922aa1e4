//! The API's errors as problem details (RFC 9457): `application/problem+json` with `type`, `title`,
//! `status` and a `detail` that names the rule, plus `problems` listing each rule a body broke.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use carelog_app::model::StoreError;
use serde::Serialize;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{IntoResponses, ToSchema};

use crate::error::AppError;

pub const PROBLEM_JSON: &str = "application/problem+json";
/// The largest body an API request may send, in MB (a task-log entry is under 3 KB).
pub const API_BODY_LIMIT_MB: usize = 2;

/// What went wrong, in RFC 9457's terms. `type` is `about:blank`: the status says the kind, `detail`
/// the particulars.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    pub kind: &'static str,
    /// The status's name, e.g. "Bad Request".
    pub title: &'static str,
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// What to change, naming the parameter or rule.
    pub detail: String,
    /// Each rule the request broke, when there were several.
    pub problems: Vec<String>,
}

#[derive(Debug)]
pub enum ApiError {
    Unauthorized,
    Forbidden,
    NotFound,
    /// The request is malformed: a parameter or body that breaks its schema.
    BadRequest(String),
    /// Well formed, but refused by a rule that depends on what is recorded (RFC 9110 §15.5.21).
    Unprocessable(String, Vec<String>),
    Conflict(String),
    /// A body not sent as JSON.
    UnsupportedMediaType,
    /// A body over the limit a request may send (`API_BODY_LIMIT_MB`).
    TooLarge,
    Internal(AppError),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => ApiError::NotFound,
            AppError::Forbidden => ApiError::Forbidden,
            AppError::BadRequest(m) => ApiError::BadRequest(m),
            AppError::Conflict(m) => ApiError::Conflict(m),
            other => ApiError::Internal(other),
        }
    }
}

impl From<carelog_app::ServiceError> for ApiError {
    fn from(e: carelog_app::ServiceError) -> Self {
        match e {
            carelog_app::ServiceError::Refused(problem) => {
                ApiError::Unprocessable("Nothing was saved.".into(), vec![problem])
            }
            other => ApiError::from(AppError::from(other)),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::from(AppError::from(e))
    }
}

/// The answer to a request, as problem details.
pub fn problem(status: StatusCode, detail: String, problems: Vec<String>) -> Response {
    let body = Problem {
        kind: "about:blank",
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail,
        problems,
    };
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, detail, problems) = match self {
            ApiError::Unauthorized => {
                let mut response = problem(
                    StatusCode::UNAUTHORIZED,
                    "A valid API token is required: send \"Authorization: Bearer <token>\".".into(),
                    vec![],
                );
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"carelog\""),
                );
                return response;
            }
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Your role does not give access to this resource.".into(),
                vec![],
            ),
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                "There is nothing here, or you do not have access to it.".into(),
                vec![],
            ),
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, m, vec![]),
            ApiError::Unprocessable(m, p) => (StatusCode::UNPROCESSABLE_ENTITY, m, p),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, m, vec![]),
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Body: send it as JSON, with Content-Type: application/json.".into(),
                vec![],
            ),
            ApiError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "Body: larger than the {API_BODY_LIMIT_MB} MB a request may send; nothing was saved."
                ),
                vec![],
            ),
            ApiError::Internal(AppError::Store(StoreError::Busy(cause))) => {
                tracing::warn!(cause = %cause, "API request refused: database busy");
                let mut response = problem(
                    StatusCode::SERVICE_UNAVAILABLE,
                    crate::error::BUSY_MESSAGE.into(),
                    vec![],
                );
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from_static(crate::error::RETRY_AFTER_SECONDS),
                );
                return response;
            }
            ApiError::Internal(AppError::Store(StoreError::CannotWrite(cause))) => {
                let mut response = problem(
                    StatusCode::SERVICE_UNAVAILABLE,
                    crate::error::CANNOT_WRITE_MESSAGE.into(),
                    vec![],
                );
                response.extensions_mut().insert(crate::error::SavingRefused(cause));
                return response;
            }
            ApiError::Internal(e) => {
                tracing::error!(error = %e, "API request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "carelog could not finish this request. Nothing was changed.".into(),
                    vec![],
                )
            }
        };
        problem(status, detail, problems)
    }
}

/// The error answers an operation documents, each a [`Problem`].
fn problem_responses(
    statuses: &[(u16, &str)],
) -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
    statuses
        .iter()
        .map(|(status, description)| {
            let content =
                ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
            let response =
                ResponseBuilder::new().description(*description).content(PROBLEM_JSON, content);
            (status.to_string(), RefOr::T(response.build()))
        })
        .collect()
}

const MALFORMED: (u16, &str) = (
    400,
    "A parameter or the body breaks its schema (a repeated or empty parameter, a NUL in the query, a bad value); the detail names it.",
);
const NO_TOKEN: (u16, &str) = (401, "No valid API token.");
const NOT_ALLOWED: (u16, &str) = (403, "The token's role does not give access.");
const NOT_FOUND: (u16, &str) = (404, "Not found, or outside the token's reach.");
const REFUSED: (u16, &str) = (
    422,
    "Well formed, but a rule refuses it (one that depends on what is recorded, or text holding a NUL); nothing was saved.",
);
const NOT_JSON: (u16, &str) = (415, "The body was not sent as application/json.");
const TOO_LARGE: (u16, &str) = (413, "The body is larger than 2 MB; nothing was saved.");
const BUSY: (u16, &str) =
    (503, "The database is busy or cannot write; nothing was changed. Try again.");

/// Errors of a read within the caller's reach.
pub struct ReadErrors;

impl IntoResponses for ReadErrors {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        problem_responses(&[MALFORMED, NO_TOKEN, NOT_FOUND, REFUSED, BUSY])
    }
}

/// Errors of a read only some roles may make.
pub struct RoleReadErrors;

impl IntoResponses for RoleReadErrors {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        problem_responses(&[MALFORMED, NO_TOKEN, NOT_ALLOWED, NOT_FOUND, REFUSED, BUSY])
    }
}

/// Errors of a write under the record's rules.
pub struct WriteErrors;

impl IntoResponses for WriteErrors {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        problem_responses(&[
            MALFORMED,
            NO_TOKEN,
            NOT_ALLOWED,
            NOT_FOUND,
            TOO_LARGE,
            NOT_JSON,
            REFUSED,
            BUSY,
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_that_cannot_write_answers_503_and_is_told_to_the_app() {
        let full = ApiError::from(StoreError::CannotWrite("database or disk is full".into()));
        let response = full.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let marked = response.extensions().get::<crate::error::SavingRefused>();
        assert_eq!(marked.map(|m| m.0.as_str()), Some("database or disk is full"));
        assert!(response.headers().get(header::RETRY_AFTER).is_none());
        let busy = ApiError::from(StoreError::Busy("pool timed out".into())).into_response();
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(busy.headers().get(header::RETRY_AFTER).is_some());
    }

    #[test]
    fn every_error_is_problem_json_with_its_status_named() {
        let response = ApiError::BadRequest("limit: a whole number".into()).into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
            Some(PROBLEM_JSON)
        );
        let unauthorized = ApiError::Unauthorized.into_response();
        assert!(unauthorized.headers().get(header::WWW_AUTHENTICATE).is_some());
        assert_eq!(
            unauthorized.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
            Some(PROBLEM_JSON)
        );
    }
}
