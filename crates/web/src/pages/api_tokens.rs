//! Each user's API tokens: create one (shown once), see when each was last used, revoke.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::ServiceError;
use carelog_app::model::ApiTokenRow;
use serde::Deserialize;

use super::{Shell, Tab, render};
use crate::context::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

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
        tokens: state.app.api_tokens(&user.actor()).await?,
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
    match state.app.create_api_token(&user.actor(), &form.name).await {
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
