//! A month's billing summary per patient-month (admins): the closed month's billed record, or the
//! month as its minutes stand.

use axum::Json;
use axum::extract::State;
use carelog_app::billing_json::BillingSummary;
use carelog_domain::billing::RuleSet;
use carelog_domain::practice_time::{YearMonth, local_date};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::params::{ApiQuery, one_of, shaped_like};
use super::problem::RoleReadErrors;
use super::{ApiError, ApiResult, ApiUser};
use crate::pages::audit;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    /// YYYY-MM from 1900-01; last month when absent.
    #[param(value_type = Option<String>, pattern = "^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])$")]
    month: Option<String>,
    /// The rule set to apply; the month's own when absent.
    #[param(value_type = Option<RuleSet>)]
    rules: Option<String>,
}

/// The month asked for (last month when none) and the rule set (the month's own when none).
fn month_and_rules(
    q: &SummaryParams,
    today: NaiveDate,
) -> Result<(YearMonth, Option<RuleSet>), ApiError> {
    let bad = |e: carelog_domain::RuleViolation| ApiError::BadRequest(e.to_string());
    let month = match q.month.as_deref() {
        None => YearMonth::of(today).previous(),
        Some(m) if !shaped_like(m, "0000-00") => {
            return Err(ApiError::BadRequest(format!(
                "month: \"{m}\" is not a month; write it as YYYY-MM, e.g. 2026-03."
            )));
        }
        Some(m) => YearMonth::parse(m).map_err(bad)?,
    };
    let rules = one_of::<RuleSet>("rules", q.rules.as_deref())?;
    Ok((month, rules))
}

/// A month's billing summary per patient-month (admins).
#[utoipa::path(get, path = "/billing/summary", tag = "billing", params(SummaryParams),
    responses((status = 200, description = "The month's summary", body = BillingSummary), RoleReadErrors))]
pub async fn summary(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<SummaryParams>,
) -> ApiResult<Json<BillingSummary>> {
    if !user.role().sees_billing() {
        return Err(ApiError::Forbidden);
    }
    let today = local_date(Utc::now(), state.settings.time_zone);
    let (month, rules) = month_and_rules(&q, today)?;
    let billing = state.app.billing_summary(&user.actor(), month, rules).await?;
    let detail = format!(
        "{month} under {}{}",
        billing.summary.rule_set.key(),
        if billing.closed.is_some() { " (billed record)" } else { "" }
    );
    audit(&state, &user, "api.billing_summary", None, detail).await?;
    Ok(Json(carelog_app::billing_json::summary(&billing.summary, billing.closed.as_ref())))
}
