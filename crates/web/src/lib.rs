//! carelog's HTTP layer. Handlers stay thin: parse, authorize (by extractor type), call the store
//! and the domain, render a template.

mod api;
mod assets;
mod chart;
mod context;
mod csrf;
mod denials;
mod entry_form;
mod error;
mod fhir;
mod fhir_enrollment;
mod fhir_paging;
mod headers;
mod line_chart;
mod pages;
mod paging;
mod routes;
mod session;
mod state;
mod telemetry;

use axum::Router;
use axum::middleware::from_fn_with_state;

pub use carelog_app::secrets::hash_secret as hash_session_id;
pub use session::SESSION_COOKIE;
pub use state::{AppState, WebSettings};

pub fn router(state: AppState) -> Router {
    let pages = routes::pages().layer(from_fn_with_state(state.clone(), csrf::verify));
    // The API authenticates by token, never by cookie, so it sits outside the CSRF layer.
    let (api, api_docs) = api::routes();
    Router::new()
        .merge(api_docs)
        .nest(
            "/api/v1",
            api.layer(axum::extract::DefaultBodyLimit::max(api::API_BODY_LIMIT_MB << 20)),
        )
        .nest("/fhir/R4", fhir::routes())
        .merge(pages)
        .layer(axum::middleware::from_fn(csrf::refuse_nul_query))
        .layer(from_fn_with_state(state.clone(), denials::audit))
        .layer(from_fn_with_state(state.clone(), session::load))
        .layer(from_fn_with_state(state.clone(), headers::secure))
        // Outside the session's layer, whose own writes may be refused too.
        .layer(from_fn_with_state(state.clone(), error::note_refused_saves))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(telemetry::request_span)
                .on_failure(telemetry::request_failed),
        )
        .with_state(state)
}
