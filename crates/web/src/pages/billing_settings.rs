//! Admin: the billing rule set, the monthly care-time target and the fee schedule.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::model::DEFAULT_PLACE_OF_SERVICE;
use carelog_domain::billing::{KNOWN_CODES, RuleSet, parse_code, parse_fee};
use carelog_domain::billing_summary::DateOfService;
use carelog_domain::claims::{PAYER_ID_KEY, SETTING_KEYS};
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
    /// (code, year, allowed, charge)
    fees: Vec<(String, i32, String, String)>,
    /// Codes without a fee this year.
    unset: Vec<&'static str>,
    this_year: i32,
    codes: [&'static str; 6],
    /// The claims settings form, rendered.
    claims: String,
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
    #[serde(default)]
    charge: String,
}

async fn settings_page(
    state: &AppState,
    user: &CurrentUser,
    errors: Vec<String>,
    saved: bool,
) -> AppResult<Response> {
    settings_page_with(state, user, errors, saved, None).await
}

/// The page; `claim_values` refills the claims form after a refusal.
async fn settings_page_with(
    state: &AppState,
    user: &CurrentUser,
    errors: Vec<String>,
    saved: bool,
    claim_values: Option<HashMap<String, String>>,
) -> AppResult<Response> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let settings = state.app.billing_settings(&user.actor()).await?;
    let page = SettingsPage {
        shell: Shell::load(state, user, Tab::Admin).await?,
        codes: KNOWN_CODES,
        rule_set: settings.rule_set,
        target: settings.target.to_string(),
        fees: settings
            .fees
            .into_iter()
            .map(|f| {
                let charge = f.charge_cents.unwrap_or(f.amount_cents).to_string();
                (f.code, f.fee_year, f.amount_cents.to_string(), charge)
            })
            .collect(),
        unset: settings.unset_codes,
        this_year: settings.this_year,
        claims: claim_settings_form(
            &user.csrf_token,
            &match claim_values {
                Some(v) => v,
                None => state.app.claim_setting_values(&user.actor()).await?,
            },
        )?,
        errors,
        saved,
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "components/claim_settings.html")]
struct ClaimSettingsForm<'a> {
    csrf: &'a str,
    /// (key, label, value)
    fields: Vec<(&'static str, &'static str, String)>,
    date_of_service: String,
    place_of_service: String,
    rules: [(&'static str, &'static str); 2],
}

fn claim_settings_form(csrf: &str, values: &HashMap<String, String>) -> AppResult<String> {
    let value = |k: &str| values.get(k).cloned().unwrap_or_default();
    let fields = SETTING_KEYS
        .iter()
        .chain(&[(PAYER_ID_KEY, "Payer ID (the practice's Medicare contractor)")])
        .map(|(k, label)| (*k, *label, value(k)))
        .collect();
    let form = ClaimSettingsForm {
        csrf,
        fields,
        date_of_service: values
            .get("date_of_service")
            .cloned()
            .unwrap_or_else(|| DateOfService::LastDay.key().to_owned()),
        place_of_service: values
            .get("place_of_service")
            .cloned()
            .unwrap_or_else(|| DEFAULT_PLACE_OF_SERVICE.to_owned()),
        rules: DateOfService::ALL.map(|d| (d.key(), d.label())),
    };
    Ok(form.render()?)
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
    let cents =
        parse_fee(&form.amount).map_err(|e| errors.push(format!("expected allowed {e}"))).ok();
    let charge = match form.charge.trim() {
        "" => Some(None),
        raw => parse_fee(raw).map(Some).map_err(|e| errors.push(format!("charge {e}"))).ok(),
    };
    let (Some(code), Some(year), Some(cents), Some(charge)) = (code, year, cents, charge) else {
        return settings_page(&state, &user, errors, false).await;
    };
    state.app.save_fee(&user.actor(), &code, year, cents, charge).await?;
    Ok(Redirect::to("/admin/billing?saved=1").into_response())
}

/// The practice's claim settings: all validated together; a refusal changes nothing and keeps what
/// was typed.
pub async fn save_claims(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Form(form): Form<HashMap<String, String>>,
) -> AppResult<Response> {
    match state.app.save_claim_settings(&user.actor(), &form).await? {
        Ok(()) => Ok(Redirect::to("/admin/billing?saved=1#claims").into_response()),
        Err(errors) => settings_page_with(&state, &user, errors, false, Some(form)).await,
    }
}
