//! API tokens: each user's own (create one, shown once; see expiry and last use; revoke), and every
//! user's for admins (see and revoke any).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::ServiceError;
use carelog_app::model::ApiTokenRow;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::{Shell, Tab, render};
use crate::context::{AdminUser, CurrentUser};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A token as the tables show it.
pub struct TokenView {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub last_used: String,
    /// "Active until 2027-03-06", "Expired 2027-03-06", "Revoked 2026-12-06 (password reset)".
    pub state: String,
    pub live: bool,
}

fn day(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d").to_string()
}

fn minute(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

impl TokenView {
    fn of(t: ApiTokenRow, now: DateTime<Utc>, tz: Tz) -> Self {
        let expired = t.expires_at.is_some_and(|e| e <= now);
        let state = match (t.revoked_at, t.expires_at) {
            (Some(r), _) if t.revoked_reason.is_empty() => format!("Revoked {}", day(r, tz)),
            (Some(r), _) => format!("Revoked {} ({})", day(r, tz), t.revoked_reason),
            (None, Some(e)) if expired => format!("Expired {}", day(e, tz)),
            (None, Some(e)) => format!("Active until {}", day(e, tz)),
            (None, None) => "Active".into(),
        };
        TokenView {
            id: t.id,
            live: t.revoked_at.is_none() && !expired,
            username: t.username,
            name: t.name,
            prefix: t.prefix,
            created: minute(t.created_at, tz),
            last_used: t.last_used_at.map_or_else(|| "never".into(), |u| minute(u, tz)),
            state,
        }
    }

    fn all(tokens: Vec<ApiTokenRow>, tz: Tz) -> Vec<Self> {
        let now = Utc::now();
        tokens.into_iter().map(|t| TokenView::of(t, now, tz)).collect()
    }
}

#[derive(Template)]
#[template(path = "pages/api_tokens.html")]
struct TokensPage {
    shell: Shell,
    tokens: Vec<TokenView>,
    new_token: Option<String>,
    error: Option<String>,
    role: &'static str,
    /// Where a row's Revoke posts: the user's own tokens, or (admins) anyone's.
    revoke_base: &'static str,
    everyone: bool,
}

#[derive(Deserialize, Default)]
pub struct NewTokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires_in_days: String,
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    new_token: Option<String>,
    error: Option<String>,
) -> AppResult<Response> {
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = TokensPage {
        shell: Shell::load(state, user, Tab::Notifications).await?,
        tokens: TokenView::all(
            state.app.api_tokens(&user.actor()).await?,
            state.settings.time_zone,
        ),
        new_token,
        error,
        role: user.role().label(),
        revoke_base: "/account/tokens",
        everyone: false,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn page(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    show(&state, &user, None, None).await
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewTokenForm>,
) -> AppResult<Response> {
    match state.app.create_api_token(&user.actor(), &form.name, &form.expires_in_days).await {
        Ok(token) => show(&state, &user, Some(token), None).await,
        Err(ServiceError::Refused(message)) => show(&state, &user, None, Some(message)).await,
        Err(other) => Err(other.into()),
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
) -> AppResult<Response> {
    let id = raw_id.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
    state.app.revoke_api_token(&user.actor(), id).await?;
    Ok(Redirect::to("/account/tokens").into_response())
}

/// Every user's tokens (admins).
pub async fn everyone(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
) -> AppResult<Response> {
    let page = TokensPage {
        shell: Shell::load(&state, &user, Tab::Admin).await?,
        tokens: TokenView::all(
            state.app.all_api_tokens(&user.actor()).await?,
            state.settings.time_zone,
        ),
        new_token: None,
        error: None,
        role: user.role().label(),
        revoke_base: "/admin/tokens",
        everyone: true,
    };
    Ok(render(&page)?.into_response())
}

pub async fn revoke_any(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Path(raw_id): Path<String>,
) -> AppResult<Response> {
    let id = raw_id.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
    state.app.revoke_any_api_token(&user.actor(), id).await?;
    Ok(Redirect::to("/admin/tokens").into_response())
}
