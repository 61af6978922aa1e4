//! The JSON API under `/api/v1`, for integrations. Callers authenticate with an API token
//! (`Authorization: Bearer …`), never a cookie, so CSRF does not apply; a token acts as its user, with
//! that user's role, and every call is audited like the pages.

mod enrollment;
mod openapi;
mod resources;

use axum::Json;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::context::{CurrentUser, RequestContext};
use crate::error::AppError;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi::serve))
        .route("/patients", get(resources::patients))
        .route("/patients/{id}", get(resources::patient))
        .route("/patients/{id}/enrollment", get(enrollment::read))
        .route("/patients/{id}/consents", post(enrollment::record_consent))
        .route("/patients/{id}/consents/{consent}/withdrawal", post(enrollment::withdraw_consent))
        .route("/patients/{id}/diagnoses", post(enrollment::add_diagnosis))
        .route(
            "/patients/{id}/diagnoses/{diagnosis}/resolution",
            post(enrollment::resolve_diagnosis),
        )
        .route("/patients/{id}/care-plan/draft", post(enrollment::save_draft))
        .route("/patients/{id}/care-plan/activation", post(enrollment::activate))
        .route("/task-log", get(resources::task_log).post(resources::log_task))
        .route("/generated-tasks", get(resources::generated_tasks))
        .route("/assignment-queue", get(resources::assignment_queue))
        .route("/billing/summary", get(resources::billing_summary))
        .fallback(|| async { ApiError::NotFound })
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

/// Errors as JSON: `{"error": {"status": 422, "message": "…", "problems": ["…"]}}`.
#[derive(Debug)]
pub enum ApiError {
    Unauthorized,
    Forbidden,
    NotFound,
    BadRequest(String),
    Unprocessable(String, Vec<String>),
    Conflict(String),
    Internal(AppError),
}

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
        ApiError::from(AppError::from(e))
    }
}

impl From<carelog_app::model::StoreError> for ApiError {
    fn from(e: carelog_app::model::StoreError) -> Self {
        ApiError::from(AppError::from(e))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message, problems) = match self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "A valid API token is required: send \"Authorization: Bearer <token>\".".into(),
                vec![],
            ),
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
            ApiError::Internal(AppError::Store(carelog_app::model::StoreError::Busy(cause))) => {
                tracing::warn!(cause = %cause, "API request refused: database busy");
                (StatusCode::SERVICE_UNAVAILABLE, crate::error::BUSY_MESSAGE.into(), vec![])
            }
            ApiError::Internal(AppError::Store(carelog_app::model::StoreError::CannotWrite(
                cause,
            ))) => {
                let mut response = api_error(
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
        let mut response = api_error(status, message, problems);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(crate::error::RETRY_AFTER_SECONDS),
            );
        }
        if status == StatusCode::UNAUTHORIZED
            && let Ok(v) = axum::http::HeaderValue::from_str("Bearer realm=\"carelog\"")
        {
            response.headers_mut().insert(axum::http::header::WWW_AUTHENTICATE, v);
        }
        response
    }
}

fn api_error(status: StatusCode, message: String, problems: Vec<String>) -> Response {
    let error =
        json!({ "error": { "status": status.as_u16(), "message": message, "problems": problems } });
    (status, Json(error)).into_response()
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use carelog_app::model::StoreError;

    use super::*;

    #[test]
    fn a_database_that_cannot_write_answers_503_and_is_told_to_the_app() {
        let full = ApiError::from(StoreError::CannotWrite("database or disk is full".into()));
        let response = full.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let marked = response.extensions().get::<crate::error::SavingRefused>();
        assert_eq!(marked.map(|m| m.0.as_str()), Some("database or disk is full"));
        assert!(response.headers().get(axum::http::header::RETRY_AFTER).is_none());
        let busy = ApiError::from(StoreError::Busy("pool timed out".into())).into_response();
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(busy.headers().get(axum::http::header::RETRY_AFTER).is_some());
    }
}
