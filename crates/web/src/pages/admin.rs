//! Administration: users and the way to the audit log.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use carelog_store::User;

use super::{Shell, Tab, render};
use crate::context::AdminUser;
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
}

pub async fn page(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
) -> AppResult<Html<String>> {
    let users = state.store.list_users().await?;
    let task_types = state.store.task_types().await?.len();
    let schedules = state.store.schedule_count().await?;
    let schema_version = state.store.schema_version().await?;
    let shell = Shell::load(&state, &user, Tab::Admin).await?;
    render(&AdminPage {
        shell,
        users,
        task_types,
        schedules,
        schema_version,
        engine: state.store.engine().name(),
    })
}
