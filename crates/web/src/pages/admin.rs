//! Administration: users and the way to the audit log.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use carelog_app::model::User;

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
    let o = state.app.overview(&user.actor()).await?;
    let shell = Shell::load(&state, &user, Tab::Admin).await?;
    render(&AdminPage {
        shell,
        users: o.users,
        task_types: o.task_types,
        schedules: o.schedules,
        schema_version: o.schema_version,
        engine: o.engine,
    })
}
