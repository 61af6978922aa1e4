//! Billing (admins only).

use axum::extract::State;
use axum::response::Html;

use super::tasks::ComingPage;
use super::{Shell, Tab, render};
use crate::context::AdminUser;
use crate::error::AppResult;
use crate::state::AppState;

pub async fn page(State(state): State<AppState>, AdminUser(user): AdminUser) -> AppResult<Html<String>> {
    let shell = Shell::load(&state, &user, Tab::Billing).await?;
    render(&ComingPage {
        shell,
        title: "Billing",
        what: "Monthly billing per patient (CPT codes, compliance gates, estimated reimbursement) and month-end close are being built. No figures are shown until they are computed from the log.",
        facts: vec![],
    })
}
