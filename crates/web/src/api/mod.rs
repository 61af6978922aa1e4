//! The JSON API under `/api/v1`, for integrations. Callers authenticate with an API token
//! (`Authorization: Bearer …`), never a cookie, so CSRF does not apply; a token acts as its user, with
//! that user's role, and every call is audited like the pages.

mod billing;
mod docs;
mod enrollment;
mod enrollment_json;
mod params;
mod patients;
mod problem;
mod task_log;
mod work;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use problem::{API_BODY_LIMIT_MB, ApiError, ApiResult};

use crate::context::{CurrentUser, RequestContext};
use crate::state::AppState;

/// `/api/v1`'s routes and the OpenAPI document generated from their handlers.
fn operations() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(docs::ApiDoc::openapi())
        .routes(routes!(patients::list))
        .routes(routes!(patients::one))
        .routes(routes!(enrollment::read))
        .routes(routes!(enrollment::record_consent))
        .routes(routes!(enrollment::withdraw_consent))
        .routes(routes!(enrollment::add_diagnosis))
        .routes(routes!(enrollment::resolve_diagnosis))
        .routes(routes!(enrollment::save_draft))
        .routes(routes!(enrollment::activate))
        .routes(routes!(task_log::list, task_log::create))
        .routes(routes!(task_log::one))
        .routes(routes!(work::generated_tasks))
        .routes(routes!(work::assignment_queue))
        .routes(routes!(billing::summary))
        .split_for_parts()
}

/// The API under `/api/v1` (to nest there) and, at the root, its document and docs page.
pub fn routes() -> (Router<AppState>, Router<AppState>) {
    let (api, document) = operations();
    let api = api
        .fallback(|| async { ApiError::NotFound })
        .layer(axum::middleware::map_response(bare_errors_as_problems));
    (api, docs::routes(document))
}

/// An id in a path: a positive whole number, or the path names nothing.
fn path_id<T>(raw: &str, typed: fn(i64) -> T) -> ApiResult<T> {
    params::id_number(raw).map(typed).ok_or(ApiError::NotFound)
}

/// The framework's own refusals (a method the path does not take, a path that cannot be read)
/// come without a body or as plain text; they are answered as problem details too, headers kept.
async fn bare_errors_as_problems(response: Response) -> Response {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(problem::PROBLEM_JSON));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let detail = match String::from_utf8_lossy(&text).trim() {
        "" if status == StatusCode::METHOD_NOT_ALLOWED => {
            "This path does not take that method; the Allow header lists those it takes.".to_owned()
        }
        "" => status.canonical_reason().unwrap_or("Error").to_owned(),
        said => format!("{}.", said.trim_end_matches('.')),
    };
    let mut answer = problem::problem(status, detail, vec![]);
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().insert(name.clone(), value.clone());
        }
    }
    answer.extensions_mut().extend(parts.extensions);
    answer.into_response()
}

/// The caller behind a valid, unrevoked API token.
pub struct ApiUser(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for ApiUser
where
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = <AppState as axum::extract::FromRef<S>>::from_ref(state);
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::Unauthorized)?;
        let user = state.app.api_token_user(token).await?.ok_or(ApiError::Unauthorized)?;
        let address =
            parts.extensions.get::<RequestContext>().map(|c| c.address.clone()).unwrap_or_default();
        crate::telemetry::record_user(user.id);
        Ok(ApiUser(CurrentUser { user, csrf_token: String::new(), address }))
    }
}
