//! The pages' routes, by who uses them.

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;
use crate::{assets, pages};

/// Every page route; the import upload's larger body limit covers the routes before it.
pub fn pages() -> Router<AppState> {
    let upload_limit = pages::imports::MAX_UPLOAD_BYTES + 64 * 1024;
    coordinator()
        .merge(team())
        .merge(billing())
        .merge(imports())
        .layer(axum::extract::DefaultBodyLimit::max(upload_limit))
        .merge(admin())
        .merge(account())
        .fallback(pages::not_found)
}

/// Signing in, Tab 1 and Tab 2: the panel, patients, daily tasks and the timer.
fn coordinator() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login::form).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/panel", get(pages::panel::page))
        .route("/panel/export.csv", get(pages::exports::panel))
        .route("/tasks/export.csv", get(pages::exports::task_log))
        .route("/patients/{id}", get(pages::patient::page))
        .route("/patients/{id}/entries", post(pages::patient::quick_entry))
        .route("/patients/{id}/history", get(pages::patient::history))
        .route("/patients/{id}/assign", post(pages::care_team::assign))
        .route("/patients/{id}/status", post(pages::care_team::set_status))
        .route("/patients/{id}/enrollment", post(pages::enrollment::set_enrollment))
        .route("/patients/{id}/initiating-visits", post(pages::enrollment::record_initiating_visit))
        .route("/patients/{id}/consents", post(pages::enrollment::record_consent))
        .route(
            "/patients/{id}/consents/{consent}/withdraw",
            post(pages::enrollment::withdraw_consent),
        )
        .route("/patients/{id}/diagnoses", post(pages::enrollment::add_diagnosis))
        .route(
            "/patients/{id}/diagnoses/{diagnosis}/resolve",
            post(pages::enrollment::resolve_diagnosis),
        )
        .route("/patients/{id}/complexity", post(pages::enrollment::change_complexity))
        .route(
            "/patients/{id}/care-plan",
            get(pages::care_plan::page).post(pages::care_plan::save_draft),
        )
        .route("/patients/{id}/care-plan/activate", post(pages::care_plan::activate))
        .route("/patients/{id}/care-plan/end", post(pages::care_plan::end))
        .route("/patients/{id}/care-plan/discard", post(pages::care_plan::discard))
        .route("/patients/{id}/care-plan/{version}/copy", post(pages::care_plan::copy_given))
        .route("/patients/{id}/care-plan/{version}/print", get(pages::care_plan::print))
        .route("/tasks", get(pages::tasks::page).post(pages::tasks::create))
        .route("/tasks/{id}", post(pages::task_edit::update))
        .route("/tasks/{id}/edit", get(pages::task_edit::form))
        .route("/tasks/{id}/delete", post(pages::task_edit::delete))
        .route("/tasks/{id}/completes", post(pages::generated::complete_with_entry))
        .route(
            "/tasks/generated/{id}",
            get(pages::generated::form).post(pages::generated::complete),
        )
        .route("/timer/start", post(pages::timer::start))
        .route("/timer/stop", post(pages::timer::stop))
        .route("/timer/discard", post(pages::timer::discard))
}

/// Tab 3, for managers and admins.
fn team() -> Router<AppState> {
    Router::new()
        .route("/team", get(pages::team::page))
        .route("/team/coordinators/{id}", get(pages::profiles::page).post(pages::profiles::save))
        .route("/team/coordinators/{id}/manager", post(pages::profiles::set_manager))
        .route("/team/quality", get(pages::quality::page))
        .route("/team/quality/review", get(pages::quality::review_page))
        .route("/team/quality/reviews", post(pages::quality::record_review))
        .route(
            "/team/quality/surveys",
            get(pages::quality::survey_page).post(pages::quality::record_survey),
        )
        .route("/team/reports", get(pages::reports::page))
        .route("/team/reports/{name}", get(pages::reports::csv))
        .route("/team/plan", get(pages::plan::page).post(pages::plan::accept))
        .route("/team/assign/{id}", get(pages::assign::page).post(pages::assign::submit))
        .route("/team/assignments/{id}", get(pages::assign::record))
        .route("/team/assignments/{id}/handoff", post(pages::assign::schedule_handoff))
        .route("/team/assignments/{id}/handoff.ics", get(pages::assign::ics))
}

/// Billing, for admins.
fn billing() -> Router<AppState> {
    Router::new()
        .route("/billing", get(pages::billing::page))
        .route("/billing/export.csv", get(pages::billing::export))
        .route("/billing/close", post(pages::billing::close))
        .route("/billing/changes", get(pages::billing::changes))
        .route("/billing/claims.csv", get(pages::billing::claims_csv))
        .route("/billing/claims.837", get(pages::billing::claims_x12))
        .route("/billing/fees/copy", post(pages::billing::copy_fees))
        .route(
            "/billing/entries/{id}",
            get(pages::billing::correct_form).post(pages::billing::correct),
        )
        .route("/billing/patients/{id}", get(pages::billing::patient_month))
}

/// The admin page, the audit log and imports.
fn imports() -> Router<AppState> {
    Router::new()
        .route("/admin", get(pages::admin::page))
        .route("/admin/audit", get(pages::audit_log::page))
        .route("/admin/practitioners/{id}/npi", post(pages::admin::set_npi))
        .route("/admin/imports", get(pages::imports::page).post(pages::imports::upload))
        .route("/admin/imports/template/{name}", get(pages::imports::template))
        .route("/admin/imports/{id}", get(pages::imports::report))
        .route("/admin/imports/{id}/apply", post(pages::imports::apply))
}

/// Admin settings: senior reviews, assignment weights, schedules, billing rules and fees.
fn admin() -> Router<AppState> {
    Router::new()
        .route("/admin/reviews", get(pages::senior_reviews::page))
        .route(
            "/admin/assignment",
            get(pages::assignment_settings::page).post(pages::assignment_settings::save),
        )
        .route("/admin/reviews/{id}", post(pages::senior_reviews::answer))
        .route("/admin/schedules", get(pages::schedules::page).post(pages::schedules::create))
        .route(
            "/admin/billing",
            get(pages::billing_settings::page).post(pages::billing_settings::save_rules),
        )
        .route("/admin/fees", post(pages::billing_settings::save_fee))
        .route("/admin/claims", post(pages::billing_settings::save_claims))
        .route("/admin/schedules/{id}", post(pages::schedules::update))
}

/// Tokens, notifications, health and static files.
fn account() -> Router<AppState> {
    Router::new()
        .route("/account/tokens", get(pages::api_tokens::page).post(pages::api_tokens::create))
        .route("/account/tokens/{id}/revoke", post(pages::api_tokens::revoke))
        .route("/session/alive", get(pages::sessions::alive))
        .route("/account/sessions", get(pages::sessions::page))
        .route("/account/sessions/end", post(pages::sessions::end))
        .route("/admin/users", get(pages::users::page).post(pages::users::add))
        .route("/admin/users/{username}", post(pages::users::change))
        .route("/admin/tokens", get(pages::api_tokens::everyone))
        .route("/admin/tokens/{id}/revoke", post(pages::api_tokens::revoke_any))
        .route("/notifications", get(pages::notifications::page))
        .route("/notifications/read", post(pages::notifications::read))
        .route("/notifications/preferences", post(pages::notifications::preferences))
        .route("/healthz", get(pages::health::check))
        .route("/static/{file}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
}
