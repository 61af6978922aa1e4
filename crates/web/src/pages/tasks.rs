//! Tab 2, Daily Tasks (the CM Log).

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use super::{Shell, Tab, render};
use crate::context::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/coming.html")]
pub struct ComingPage {
    pub shell: Shell,
    pub title: &'static str,
    pub what: &'static str,
    pub facts: Vec<(String, String)>,
}

pub async fn page(State(state): State<AppState>, user: CurrentUser) -> AppResult<Html<String>> {
    let shell = Shell::load(&state, &user, Tab::Tasks).await?;
    let facts = vec![
        ("Minutes you logged this month".to_owned(), shell.month_minutes.to_string()),
        ("Patients you served this month".to_owned(), shell.month_patients.to_string()),
    ];
    render(&ComingPage {
        shell,
        title: "Daily Tasks",
        what: "Time entry with validation, generated monthly and weekly tasks and the running timer are being built. Until then this tab shows only your month's totals from the log.",
        facts,
    })
}
