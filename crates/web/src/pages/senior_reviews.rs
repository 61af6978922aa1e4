//! The admins' list of assignments a manager asked them to look at, and their answers.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::ServiceError;
use carelog_app::model::{ReviewsOf, SeniorReview};
use serde::Deserialize;

use super::{Shell, Tab, audit, render};
use crate::context::{AdminUser, CurrentUser};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/senior_reviews.html")]
struct ReviewsPage {
    shell: Shell,
    reviews: Vec<SeniorReview>,
    error: Option<String>,
    tz: chrono_tz::Tz,
}

#[derive(Deserialize, Default)]
pub struct AnswerForm {
    #[serde(default)]
    answer: String,
}

async fn show(state: &AppState, user: &CurrentUser, error: Option<String>) -> AppResult<Response> {
    let reviews = state.app.senior_reviews(&user.actor(), ReviewsOf::All, 200).await?;
    audit(state, user, "assignment.reviews_view", None, format!("{} reviews", reviews.len()))
        .await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ReviewsPage {
        shell: Shell::load(state, user, Tab::Admin).await?,
        reviews,
        error,
        tz: state.settings.time_zone,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
) -> AppResult<Response> {
    show(&state, &user, None).await
}

pub async fn answer(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Path(raw_id): Path<String>,
    Form(form): Form<AnswerForm>,
) -> AppResult<Response> {
    let id = raw_id.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
    match state.app.answer_senior_review(&user.actor(), id, &form.answer).await {
        Ok(()) => Ok(Redirect::to("/admin/reviews").into_response()),
        Err(ServiceError::Refused(message)) => show(&state, &user, Some(message)).await,
        Err(e) => Err(e.into()),
    }
}
