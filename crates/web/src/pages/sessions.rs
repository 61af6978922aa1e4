//! Each user's signed-in sessions: where and when, and ending the others (a lost laptop, a shared
//! computer left signed in).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use carelog_app::secrets::hash_secret;
use serde::Deserialize;

use super::{Shell, Tab, render};
use crate::context::CurrentUser;
use crate::error::AppResult;
use crate::session::SESSION_COOKIE;
use crate::state::AppState;

pub struct SessionView {
    pub id: String,
    pub address: String,
    pub signed_in: String,
    pub last_active: String,
    pub this_one: bool,
}

#[derive(Template)]
#[template(path = "pages/sessions.html")]
struct SessionsPage {
    shell: Shell,
    sessions: Vec<SessionView>,
}

#[derive(Deserialize, Default)]
pub struct EndForm {
    /// One session's id, or empty for every other one.
    #[serde(default)]
    id: String,
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    jar: CookieJar,
) -> AppResult<Response> {
    let current = jar.get(SESSION_COOKIE).map(|c| hash_secret(c.value())).unwrap_or_default();
    let tz = state.settings.time_zone;
    let local = |at: chrono::DateTime<chrono::Utc>| {
        at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
    };
    let sessions = state
        .app
        .my_sessions(&user.actor())
        .await?
        .into_iter()
        .map(|s| SessionView {
            this_one: s.id_hash == current,
            id: s.id_hash,
            address: s.address,
            signed_in: local(s.created_at),
            last_active: local(s.last_seen_at),
        })
        .collect();
    let page =
        SessionsPage { shell: Shell::load(&state, &user, Tab::Notifications).await?, sessions };
    Ok(render(&page)?.into_response())
}

pub async fn end(
    State(state): State<AppState>,
    user: CurrentUser,
    jar: CookieJar,
    Form(form): Form<EndForm>,
) -> AppResult<Response> {
    let current = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    let which = Some(form.id.trim()).filter(|id| !id.is_empty());
    state.app.end_my_sessions(&user.actor(), &current, which).await?;
    Ok(Redirect::to("/account/sessions").into_response())
}

/// Keeps the session alive (the idle-timeout prompt's "Stay signed in", a running timer): the
/// request itself is the activity. 204 when signed in; otherwise the sign-in redirect.
pub async fn alive(_user: CurrentUser) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}
