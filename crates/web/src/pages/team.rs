//! Tab 3, Coordinator Assignment & Oversight (managers and admins).

use axum::extract::State;
use axum::response::Html;

use super::tasks::ComingPage;
use super::{Shell, Tab, render};
use crate::context::ManagerUser;
use crate::error::AppResult;
use crate::state::AppState;

pub async fn page(State(state): State<AppState>, ManagerUser(user): ManagerUser) -> AppResult<Html<String>> {
    let waiting = state.store.assignment_queue_length().await?;
    let shell = Shell::load(&state, &user, Tab::Team).await?;
    render(&ComingPage {
        shell,
        title: "Coordinator Assignment & Oversight",
        what: "The assignment queue with explained match scores, team workload and quality figures are being built. Until then this tab shows only how many patients are waiting.",
        facts: vec![("Patients waiting for a coordinator".to_owned(), waiting.to_string())],
    })
}
