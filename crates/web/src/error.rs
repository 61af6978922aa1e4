//! The web layer's one error type: each maps to a status and a plain page; internals go to the log only.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use carelog_app::ServiceError;
use carelog_app::model::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("{0}")]
    BadRequest(String),
    /// The thing to create is there already (a unique key holds it).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("store: {0}")]
    Store(StoreError),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
    #[error("internal: {0}")]
    Internal(String),
}

#[derive(Template)]
#[template(path = "pages/error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
}

/// Said when the database had no room for a request in time; nothing was changed, so a retry is safe.
pub const BUSY_MESSAGE: &str = "carelog is busier than usual and could not finish this request in time. Nothing was changed. Please try again in a moment.";
pub const RETRY_AFTER_SECONDS: &str = "2";

/// Said when the database cannot store anything (a full disk, a failing disk, a read-only file).
pub const CANNOT_WRITE_MESSAGE: &str = "carelog cannot save right now: the database has no room or cannot write. Nothing was saved. carelog has raised the alarm in its log and health check and tells the administrators; it saves again by itself once the database can write.";

/// Marks a response refused because the database cannot write, with the database's words, so the
/// router's layer (`note_refused_saves`) can tell the app: the outage is the app's to track.
#[derive(Debug, Clone)]
pub struct SavingRefused(pub String);

/// Tells the app of every request refused because the database cannot write (see `SavingRefused`).
pub async fn note_refused_saves(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    if let Some(SavingRefused(cause)) = response.extensions().get::<SavingRefused>() {
        state.app.saving_refused(cause);
    }
    response
}

pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let page = ErrorPage { status: status.as_u16(), title, message };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, title.to_owned()).into_response(),
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            AppError::NotFound => error_page(
                StatusCode::NOT_FOUND,
                "Not found",
                "There is nothing here, or you do not have access to it.",
            ),
            AppError::Forbidden => error_page(
                StatusCode::FORBIDDEN,
                "Not allowed",
                "Your role does not give access to this page.",
            ),
            AppError::BadRequest(message) => {
                error_page(StatusCode::BAD_REQUEST, "Please check the request", message)
            }
            AppError::Conflict(message) => error_page(StatusCode::CONFLICT, "Not changed", message),
            AppError::Store(StoreError::Busy(cause)) => {
                tracing::warn!(cause = %cause, "request refused: database busy");
                let mut page = error_page(StatusCode::SERVICE_UNAVAILABLE, "Busy", BUSY_MESSAGE);
                page.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from_static(RETRY_AFTER_SECONDS),
                );
                page
            }
            AppError::Store(StoreError::CannotWrite(cause)) => {
                let mut page = error_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Cannot save",
                    CANNOT_WRITE_MESSAGE,
                );
                page.extensions_mut().insert(SavingRefused(cause.clone()));
                page
            }
            AppError::Store(_) | AppError::Template(_) | AppError::Internal(_) => {
                tracing::error!(error = %self, "request failed");
                error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "carelog could not finish this request. Nothing was changed. Please try again; if it keeps happening, tell your administrator.",
                )
            }
        }
    }
}

impl From<StoreError> for AppError {
    /// A row that is not there answers 404 and one that is there already 409; the rest stay
    /// the store's (busy: 503, anything else: 500).
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => AppError::NotFound,
            StoreError::AlreadyExists(what) => {
                AppError::Conflict(format!("{what} already exists."))
            }
            StoreError::Conflict(_) => AppError::Conflict("That record exists already.".into()),
            StoreError::MonthClosed(_) => AppError::Conflict(
                "That billing month has been closed: its entries change only by an administrator's amendment (Billing → the patient-month → Correct). Nothing was changed."
                    .into(),
            ),
            other => AppError::Store(other),
        }
    }
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => AppError::NotFound,
            ServiceError::Forbidden => AppError::Forbidden,
            ServiceError::Refused(message) => AppError::BadRequest(message),
            ServiceError::Internal(cause) => AppError::Internal(cause),
            ServiceError::Store(e) => AppError::from(e),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_database_asks_for_a_retry_instead_of_failing() {
        let busy = AppError::from(StoreError::Busy("pool timed out".into())).into_response();
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            busy.headers().get(axum::http::header::RETRY_AFTER).map(|v| v.as_bytes()),
            Some(&b"2"[..])
        );
        let broken = AppError::Internal("boom".into()).into_response();
        assert_eq!(broken.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn a_database_that_cannot_write_answers_503_saying_nothing_was_saved() {
        let full = AppError::from(StoreError::CannotWrite("database or disk is full".into()));
        let response = full.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().get(axum::http::header::RETRY_AFTER).is_none());
        let marked = response.extensions().get::<SavingRefused>().map(|r| r.0.as_str());
        assert_eq!(marked, Some("database or disk is full"));
    }

    #[test]
    fn a_service_failing_inside_answers_500_and_a_refusal_400() {
        let inside = AppError::from(ServiceError::Internal("no assignment id".into()));
        assert_eq!(inside.into_response().status(), StatusCode::INTERNAL_SERVER_ERROR);
        let refused = AppError::from(ServiceError::Refused("Notes: too long.".into()));
        assert_eq!(refused.into_response().status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn a_missing_row_is_not_found_and_a_repeated_one_a_conflict() {
        let missing = AppError::from(StoreError::NotFound("entry 7".into())).into_response();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        let repeated = AppError::from(StoreError::AlreadyExists("user \"x\"".into()));
        assert_eq!(repeated.into_response().status(), StatusCode::CONFLICT);
        let key = AppError::from(StoreError::Conflict("users.username".into())).into_response();
        assert_eq!(key.status(), StatusCode::CONFLICT);
    }
}
