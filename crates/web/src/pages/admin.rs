//! Administration: users and the way to the audit log.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::ServiceError;
use carelog_app::model::{Practitioner, User};

use super::{Shell, Tab, render};
use crate::context::{AdminUser, CurrentUser};
use crate::error::AppResult;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/admin.html")]
struct AdminPage {
    shell: Shell,
    users: Vec<User>,
    task_types: usize,
    schedules: i64,
    schema_version: i64,
    engine: &'static str,
    practitioners: Vec<Practitioner>,
    notice: String,
    problem: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct AdminQuery {
    notice: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct NpiForm {
    npi: String,
}

pub async fn page(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Query(q): Query<AdminQuery>,
) -> AppResult<Response> {
    admin_page(&state, &user, q.notice, String::new()).await
}

async fn admin_page(
    state: &AppState,
    user: &CurrentUser,
    notice: String,
    problem: String,
) -> AppResult<Response> {
    let o = state.app.overview(&user.actor()).await?;
    let shell = Shell::load(state, user, Tab::Admin).await?;
    let status = if problem.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = render(&AdminPage {
        shell,
        users: o.users,
        task_types: o.task_types,
        schedules: o.schedules,
        schema_version: o.schema_version,
        engine: o.engine,
        practitioners: o.practitioners,
        notice: notice.chars().take(300).collect(),
        problem,
    })?;
    Ok((status, page).into_response())
}

/// Records a practitioner's NPI; a refused one shows the page again with the rule.
pub async fn set_npi(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Path(raw_id): Path<String>,
    Form(form): Form<NpiForm>,
) -> AppResult<Response> {
    match state.app.set_practitioner_npi(&user.actor(), &raw_id, &form.npi).await {
        Ok(notice) => {
            let query = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
            Ok(Redirect::to(&format!("/admin?{query}#practitioners")).into_response())
        }
        Err(ServiceError::Refused(problem)) => {
            admin_page(&state, &user, String::new(), problem).await
        }
        Err(e) => Err(e.into()),
    }
}
