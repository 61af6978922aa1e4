//! carelog's HTTP layer. Handlers stay thin: parse, authorize (by extractor type), call the store
//! and the domain, render a template.

mod assets;
mod context;
mod csrf;
mod error;
mod headers;
mod pages;
pub mod password;
mod session;
mod state;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

pub use session::{SESSION_COOKIE, hash_session_id};
pub use state::{AppState, WebSettings};

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login::form).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/panel", get(pages::panel::page))
        .route("/patients/{id}", get(pages::patient::page))
        .route("/tasks", get(pages::tasks::page))
        .route("/team", get(pages::team::page))
        .route("/billing", get(pages::billing::page))
        .route("/admin", get(pages::admin::page))
        .route("/admin/audit", get(pages::audit_log::page))
        .route("/healthz", get(pages::health::check))
        .route("/static/{file}", get(assets::serve))
        .fallback(pages::not_found)
        .layer(from_fn_with_state(state.clone(), csrf::verify))
        .layer(from_fn_with_state(state.clone(), session::load))
        .layer(from_fn_with_state(state.clone(), headers::secure))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
