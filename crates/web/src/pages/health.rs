use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use carelog_app::saving::CannotSave;

use crate::state::AppState;

/// 200 when the database can store something now, 503 when it cannot or does not answer (for load
/// balancers and monitors: a full disk fails it, though reads still work).
pub async fn check(State(state): State<AppState>) -> impl IntoResponse {
    match state.app.can_save().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(CannotSave::Refused(_)) => {
            (StatusCode::SERVICE_UNAVAILABLE, "cannot save: the database cannot write")
        }
        Err(CannotSave::Unavailable(e)) => {
            tracing::error!(error = %e, "health check: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
