//! Admin: the billing rule set, the monthly care-time target and the fee schedule.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_domain::billing::{RuleSet, dollars, parse_code, parse_dollars};
use serde::Deserialize;

use super::{Shell, Tab, render};
use crate::context::{AdminUser, CurrentUser};
use crate::error::AppResult;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/billing_settings.html")]
struct SettingsPage {
    shell: Shell,
    rule_set: String,
    target: String,
    fees: Vec<(String, i32, String)>,
    errors: Vec<String>,
    saved: bool,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: String,
}

#[derive(Deserialize)]
pub struct RulesForm {
    #[serde(default)]
    rule_set: String,
    #[serde(default)]
    target: String,
}

#[derive(Deserialize)]
pub struct FeeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    amount: String,
}

async fn settings_page(
    state: &AppState,
    user: &CurrentUser,
    errors: Vec<String>,
    saved: bool,
) -> AppResult<Response> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let settings = state.app.billing_settings(&user.actor()).await?;
    let page = SettingsPage {
        shell: Shell::load(state, user, Tab::Admin).await?,
        rule_set: settings.rule_set,
        target: settings.target.to_string(),
        fees: settings
            .fees
            .into_iter()
            .map(|f| (f.code, f.fee_year, dollars(f.amount_cents)))
            .collect(),
        errors,
        saved,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    settings_page(&state, &user, Vec::new(), q.saved == "1").await
}

pub async fn save_rules(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Form(form): Form<RulesForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let rule_set = RuleSet::parse(&form.rule_set).map_err(|e| errors.push(e.to_string())).ok();
    let target = match form.target.trim().parse::<i64>() {
        Ok(t) if (1..=600).contains(&t) => Some(t),
        _ => {
            errors.push(format!(
                "monthly target: must be a whole number of minutes from 1 to 600; \"{}\" is not",
                form.target.trim()
            ));
            None
        }
    };
    let (Some(rule_set), Some(target)) = (rule_set, target) else {
        return settings_page(&state, &user, errors, false).await;
    };
    state.app.save_billing_rules(&user.actor(), rule_set, target).await?;
    Ok(Redirect::to("/admin/billing?saved=1").into_response())
}

pub async fn save_fee(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Form(form): Form<FeeForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let code = parse_code(&form.code).map_err(|e| errors.push(e.to_string())).ok();
    let year = match form.year.trim().parse::<i32>() {
        Ok(y) if (2000..=2100).contains(&y) => Some(y),
        _ => {
            errors.push(format!("year: \"{}\" is not a year from 2000 to 2100", form.year.trim()));
            None
        }
    };
    let cents = parse_dollars(&form.amount).map_err(|e| errors.push(e.to_string())).ok();
    let (Some(code), Some(year), Some(cents)) = (code, year, cents) else {
        return settings_page(&state, &user, errors, false).await;
    };
    state.app.save_fee(&user.actor(), &code, year, cents).await?;
    Ok(Redirect::to("/admin/billing?saved=1").into_response())
}
