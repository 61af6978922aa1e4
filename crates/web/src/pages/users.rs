//! Admin → Users: add people, change roles, reset passwords, deactivate and reactivate. Each change
//! that takes access away ends the user's sessions and revokes their tokens (the service does it).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use carelog_app::ServiceError;
use carelog_app::model::UserAccount;
use carelog_app::people::{Changed, NewPerson};
use carelog_domain::role::Role;
use serde::Deserialize;

use super::{Shell, Tab, render};
use crate::context::{AdminUser, CurrentUser};
use crate::error::AppResult;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/users.html")]
struct UsersPage {
    shell: Shell,
    people: Vec<UserAccount>,
    roles: [Role; 3],
    notice: Option<String>,
    error: Option<String>,
    tz: chrono_tz::Tz,
}

#[derive(Deserialize, Default)]
pub struct PersonForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize, Default)]
pub struct ChangeForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    notice: Option<String>,
    error: Option<String>,
) -> AppResult<Response> {
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = UsersPage {
        shell: Shell::load(state, user, Tab::Admin).await?,
        people: state.app.people(&user.actor()).await?,
        roles: Role::ALL,
        notice,
        error,
        tz: state.settings.time_zone,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
) -> AppResult<Response> {
    show(&state, &user, None, None).await
}

pub async fn add(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Form(form): Form<PersonForm>,
) -> AppResult<Response> {
    let person = NewPerson {
        username: &form.username,
        name: &form.name,
        email: Some(form.email.as_str()),
        role: &form.role,
        password: &form.password,
    };
    match state.app.add_person(&user.actor(), &person).await {
        Ok(()) => {
            let notice = format!("Added {}.", form.username.trim().to_ascii_lowercase());
            show(&state, &user, Some(notice), None).await
        }
        Err(ServiceError::Refused(message)) => show(&state, &user, None, Some(message)).await,
        Err(other) => Err(other.into()),
    }
}

/// One change to one user: `action` is role, password, deactivate or reactivate.
pub async fn change(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Path(username): Path<String>,
    Form(form): Form<ChangeForm>,
) -> AppResult<Response> {
    let actor = user.actor();
    let done: Result<(Changed, &str), ServiceError> = match form.action.as_str() {
        "role" => {
            state.app.set_role(&actor, &username, &form.role).await.map(|c| (c, "role changed"))
        }
        "password" => state
            .app
            .reset_password(&actor, &username, &form.password)
            .await
            .map(|c| (c, "password reset")),
        "deactivate" => state.app.deactivate(&actor, &username).await.map(|c| (c, "deactivated")),
        "reactivate" => state.app.reactivate(&actor, &username).await.map(|c| (c, "reactivated")),
        _ => Err(ServiceError::Refused("Choose what to change.".into())),
    };
    match done {
        Ok((changed, what)) => {
            let notice = if what == "reactivated" {
                format!("{}: reactivated; they can sign in again.", changed.username)
            } else {
                format!("{}: {what}; {}.", changed.username, changed.ended())
            };
            show(&state, &user, Some(notice), None).await
        }
        Err(ServiceError::Refused(message)) => show(&state, &user, None, Some(message)).await,
        Err(other) => Err(other.into()),
    }
}
