//! Each user's API tokens: create one (shown once), see when each was last used, revoke.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_store::{ApiTokenRow, NewAuditEvent};
use chrono::Utc;
use serde::Deserialize;

use super::{Shell, Tab, render};
use crate::context::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::session::{hash_session_id, random_token};
use crate::state::AppState;

pub const TOKEN_PREFIX: &str = "clg_";

#[derive(Template)]
#[template(path = "pages/api_tokens.html")]
struct TokensPage {
    shell: Shell,
    tokens: Vec<ApiTokenRow>,
    new_token: Option<String>,
    error: Option<String>,
    role: &'static str,
}

#[derive(Deserialize, Default)]
pub struct NewTokenForm {
    #[serde(default)]
    name: String,
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
        tokens: state.store.api_tokens(user.id()).await?,
        new_token,
        error,
        role: user.role().label(),
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
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return show(
            &state,
            &user,
            None,
            Some(
                "Name: 1 to 80 characters, so you can tell your tokens apart (e.g. \"EHR sync\")."
                    .into(),
            ),
        )
        .await;
    }
    let token = format!("{TOKEN_PREFIX}{}", random_token());
    let prefix: String = token.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let event = NewAuditEvent {
        user_id: Some(user.id()),
        username: &user.user.username,
        action: "api_token.create",
        patient_id: None,
        detail: format!("{name} ({prefix}…)"),
        address: &user.address,
    };
    state
        .store
        .create_api_token(user.id(), name, &hash_session_id(&token), &prefix, &event, Utc::now())
        .await?;
    show(&state, &user, Some(token), None).await
}

pub async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
) -> AppResult<Response> {
    let id = raw_id.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
    let event = NewAuditEvent {
        user_id: Some(user.id()),
        username: &user.user.username,
        action: "api_token.revoke",
        patient_id: None,
        detail: format!("token {id}"),
        address: &user.address,
    };
    if !state.store.revoke_api_token(user.id(), id, &event, Utc::now()).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/account/tokens").into_response())
}
