//! The admin's assignment settings: the match score's four weights and the SLA after which a waiting
//! patient is overdue.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_domain::assignment::Weights;
use carelog_domain::assignment_queue::{parse_sla_hours, validate_weights};
use serde::Deserialize;

use super::{Shell, Tab, render};
use crate::context::{AdminUser, CurrentUser};
use crate::error::AppResult;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/assignment_settings.html")]
struct SettingsPage {
    shell: Shell,
    form: SettingsForm,
    error: Option<String>,
    saved: bool,
}

#[derive(Deserialize, Default, Clone)]
pub struct SettingsForm {
    #[serde(default)]
    pub workload: String,
    #[serde(default)]
    pub specialization: String,
    #[serde(default)]
    pub experience: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub sla_hours: String,
    #[serde(default)]
    pub saved: String,
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    form: SettingsForm,
    error: Option<String>,
) -> AppResult<Response> {
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let saved = form.saved == "1";
    let page =
        SettingsPage { shell: Shell::load(state, user, Tab::Admin).await?, form, error, saved };
    Ok((status, render(&page)?).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    axum::extract::Query(q): axum::extract::Query<SettingsForm>,
) -> AppResult<Response> {
    let w = state.app.assignment_weights().await?;
    let form = SettingsForm {
        workload: w.workload.to_string(),
        specialization: w.specialization.to_string(),
        experience: w.experience.to_string(),
        language: w.language.to_string(),
        sla_hours: state.app.sla_hours().await?.to_string(),
        saved: q.saved,
    };
    show(&state, &user, form, None).await
}

fn number(field: &str, raw: &str) -> Result<f64, String> {
    raw.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("Weights: the {field} weight \"{}\" is not a number.", raw.trim()))
}

pub async fn save(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Form(form): Form<SettingsForm>,
) -> AppResult<Response> {
    let parsed = (|| -> Result<(Weights, i64), String> {
        let w = Weights {
            workload: number("workload", &form.workload)?,
            specialization: number("specialization", &form.specialization)?,
            experience: number("experience", &form.experience)?,
            language: number("language", &form.language)?,
        };
        let w = validate_weights(w).map_err(|e| e.to_string())?;
        let sla = parse_sla_hours(&form.sla_hours).map_err(|e| e.to_string())?;
        Ok((w, sla))
    })();
    let (w, sla) = match parsed {
        Ok(ok) => ok,
        Err(message) => return show(&state, &user, form, Some(message)).await,
    };
    state.app.save_assignment_settings(&user.actor(), w, sla).await?;
    Ok(Redirect::to("/admin/assignment?saved=1").into_response())
}
