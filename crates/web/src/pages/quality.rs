//! Quality and performance (seed 001 §5): documentation accuracy from managers' reviews of sampled log
//! entries, patient satisfaction from recorded surveys, care plan completion and billable minutes, each
//! with a six-month trend, and alerts for coordinators below target or near capacity.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::ServiceError;
use carelog_app::model::{QualityWindow, SampleEntry, TeamMember};
use carelog_app::team::{TypedReview, TypedSurvey};
use carelog_app::team_facts::windows;
use carelog_domain::ids::UserId;
use carelog_domain::practice_time::{YearMonth, local_date, month_range};
use carelog_domain::team_stats::{
    ACCURACY_TARGET, Alert, AlertLevel, CARE_PLAN_TARGET, QualityMonth, SATISFACTION_TARGET,
    alerts, minutes_target,
};
use chrono::{Datelike, NaiveDate, Utc};
use serde::Deserialize;

use super::{Shell, Tab, audit, listed_id, month_param, render};
use crate::context::{CurrentUser, ManagerUser};
use crate::error::AppResult;
use crate::line_chart::{LineChart, Series, line_chart};
use crate::state::AppState;

pub const TREND_MONTHS: usize = 6;
const SAMPLE_SIZE: i64 = 10;

pub struct MetricCard {
    pub title: &'static str,
    pub value: String,
    pub target: String,
    pub chart: LineChart,
    pub label: String,
}

pub struct CoordinatorLine {
    pub id: UserId,
    pub name: String,
    pub reviews: i64,
    pub accuracy: String,
    pub surveys: i64,
    pub satisfaction: String,
    pub care_plan: String,
    pub billable_minutes: i64,
    pub caseload: String,
}

pub struct AlertLine {
    pub class: &'static str,
    pub message: String,
    pub coordinator: UserId,
}

#[derive(Template)]
#[template(path = "pages/quality.html")]
struct QualityPage {
    shell: Shell,
    month: String,
    cards: Vec<MetricCard>,
    lines: Vec<CoordinatorLine>,
    alerts: Vec<AlertLine>,
}

#[derive(Deserialize, Default)]
pub struct MonthQuery {
    #[serde(default)]
    month: String,
    #[serde(default)]
    coordinator: String,
    #[serde(default)]
    notice: String,
    /// The review sample's draw: kept while its entries are reviewed, new for "New sample".
    #[serde(default)]
    seed: String,
}

fn months_ending(last: YearMonth, n: usize) -> Vec<YearMonth> {
    let mut out = vec![last];
    while out.len() < n {
        let first = out[0].previous();
        out.insert(0, first);
    }
    out
}

fn fmt(v: Option<f64>, suffix: &str) -> String {
    v.map(|v| format!("{v:.1}{suffix}")).unwrap_or_else(|| "—".into())
}

fn short(m: YearMonth) -> String {
    NaiveDate::from_ymd_opt(m.year, m.month, 1)
        .map(|d| d.format("%b").to_string())
        .unwrap_or_else(|| m.to_string())
}

/// "Dec so far (6 of 31 days)" when `month` is still under way on `today`.
fn partial_month(month: YearMonth, today: NaiveDate) -> Option<String> {
    let days = month.last_day().day();
    (month == YearMonth::of(today) && today.day() < days)
        .then(|| format!("{} so far ({} of {days} days)", short(month), today.day()))
}

/// The four metric cards: this month's figure against its target, and the trend.
fn metric_cards(
    months: &[YearMonth],
    by_month: &BTreeMap<YearMonth, QualityMonth>,
    month: YearMonth,
    today: NaiveDate,
) -> Vec<MetricCard> {
    let series = |f: &dyn Fn(&QualityMonth) -> Option<f64>| -> Vec<(String, Option<f64>)> {
        months.iter().map(|m| (short(*m), by_month.get(m).and_then(f))).collect()
    };
    let partial = partial_month(month, today);
    let chart = |points: &[(String, Option<f64>)], (low, high), target, unit, decimals| {
        line_chart(&Series { points, low, high, target, unit, decimals, partial: partial.clone() })
    };
    let current = by_month.get(&month).cloned().unwrap_or_default();
    vec![
        MetricCard {
            title: "Documentation Quality",
            value: fmt(current.accuracy(), "%"),
            target: format!(
                "Target: >{ACCURACY_TARGET:.0}% · {} entries reviewed",
                current.reviews
            ),
            chart: chart(&series(&|q| q.accuracy()), (80.0, 100.0), Some(ACCURACY_TARGET), "%", 1),
            label: "Documentation accuracy, last 6 months".into(),
        },
        MetricCard {
            title: "Patient Satisfaction",
            value: current.satisfaction().map_or_else(|| "—".into(), |s| format!("{s:.1}/5")),
            target: format!(
                "Target: >{SATISFACTION_TARGET} · {}",
                carelog_domain::words::counted(current.surveys, "survey")
            ),
            chart: chart(
                &series(&|q| q.satisfaction()),
                (3.0, 5.0),
                Some(SATISFACTION_TARGET),
                "",
                1,
            ),
            label: "Patient satisfaction, last 6 months".into(),
        },
        MetricCard {
            title: "Care Plan Completion",
            value: fmt(current.care_plan_completion(), "%"),
            target: format!(
                "Target: >{CARE_PLAN_TARGET:.0}% · {} of {} care tasks done",
                current.care_tasks_done, current.care_tasks
            ),
            chart: chart(
                &series(&|q| q.care_plan_completion()),
                (50.0, 100.0),
                Some(CARE_PLAN_TARGET),
                "%",
                0,
            ),
            label: "Care plan completion, last 6 months".into(),
        },
        MetricCard {
            title: "Billable Minutes",
            value: current.billable_minutes.to_string(),
            target: "minutes of billable care time logged".into(),
            chart: chart(&series(&|q| Some(q.billable_minutes as f64)), (0.0, 10.0), None, "", 0),
            label: "Billable minutes, last 6 months".into(),
        },
    ]
}

/// A line per coordinator for `month`, and the alerts their figures raise.
fn coordinator_lines(
    team: &[TeamMember],
    figures: &BTreeMap<(UserId, YearMonth), QualityMonth>,
    month: YearMonth,
    today: NaiveDate,
    monthly_target: i64,
) -> (Vec<CoordinatorLine>, Vec<AlertLine>) {
    let (elapsed, days) = if month == YearMonth::of(today) {
        (today.day(), month.last_day().day())
    } else if month < YearMonth::of(today) {
        (month.last_day().day(), month.last_day().day())
    } else {
        (0, month.last_day().day())
    };
    let mut alert_lines = Vec::new();
    let lines = team
        .iter()
        .map(|m| {
            let q = figures.get(&(m.id, month)).cloned().unwrap_or_default();
            let target = minutes_target(m.caseload, monthly_target, elapsed, days);
            for Alert { level, message } in alerts(&m.name, &q, target, m.caseload, m.max_caseload)
            {
                alert_lines.push(AlertLine {
                    class: if level == AlertLevel::Warning { "warning" } else { "info" },
                    message,
                    coordinator: m.id,
                });
            }
            CoordinatorLine {
                id: m.id,
                name: m.name.clone(),
                reviews: q.reviews,
                accuracy: fmt(q.accuracy(), "%"),
                surveys: q.surveys,
                satisfaction: fmt(q.satisfaction(), "/5"),
                care_plan: fmt(q.care_plan_completion(), "%"),
                billable_minutes: q.billable_minutes,
                caseload: format!("{}/{}", m.caseload, m.max_caseload),
            }
        })
        .collect();
    (lines, alert_lines)
}

pub async fn page(
    State(state): State<AppState>,
    ManagerUser(user): ManagerUser,
    Query(q): Query<MonthQuery>,
) -> AppResult<Response> {
    let tz = state.settings.time_zone;
    let now = Utc::now();
    let today = local_date(now, tz);
    let month = month_param(&q.month, today)?;
    let months = months_ending(month, TREND_MONTHS);
    let window = QualityWindow {
        today,
        from: month_range(months[0], tz).start,
        to: month_range(month, tz).end,
        months: months.clone(),
    };
    let figures = state.app.quality_months(&user.actor(), &window).await?;
    let mut team_by_month: BTreeMap<YearMonth, QualityMonth> = BTreeMap::new();
    for ((_, m), q) in &figures {
        team_by_month.entry(*m).or_default().add(q);
    }
    let cards = metric_cards(&months, &team_by_month, month, today);
    let team = state.app.team_members(&user.actor()).await?;
    let monthly_target = state.app.monthly_target().await?;
    let (lines, alert_lines) = coordinator_lines(&team, &figures, month, today, monthly_target);
    audit(&state, &user, "team.quality", None, month.to_string()).await?;
    let page = QualityPage {
        shell: Shell::load(&state, &user, Tab::Team).await?,
        month: month.to_string(),
        cards,
        lines,
        alerts: alert_lines,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "pages/qa_review.html")]
struct ReviewPage {
    shell: Shell,
    entries: Vec<SampleEntry>,
    coordinators: Vec<(UserId, String, bool)>,
    coordinator: String,
    seed: i64,
    notice: String,
    error: Option<String>,
    tz: chrono_tz::Tz,
}

/// The sample's draw from the query: the one given, or a new one.
fn sample_seed(raw: &str) -> i64 {
    raw.trim().parse::<i64>().ok().unwrap_or_else(|| {
        i64::from_str_radix(&carelog_app::secrets::random_token()[..8], 16).unwrap_or(0)
    })
}

async fn show_sample(
    state: &AppState,
    user: &CurrentUser,
    coordinator: Option<UserId>,
    seed: i64,
    notice: String,
    error: Option<String>,
) -> AppResult<Response> {
    let now = Utc::now();
    let since = windows(now, state.settings.time_zone).activity_since;
    let entries = state.app.qa_sample(&user.actor(), since, coordinator, seed, SAMPLE_SIZE).await?;
    for e in &entries {
        audit(state, user, "qa.sample_read", e.patient_id, format!("entry {}", e.id)).await?;
    }
    let coordinators = state
        .app
        .caseload_holders()
        .await?
        .into_iter()
        .filter(|h| h.id != user.id())
        .map(|h| (h.id, h.name, Some(h.id) == coordinator))
        .collect();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ReviewPage {
        shell: Shell::load(state, user, Tab::Team).await?,
        entries,
        coordinators,
        coordinator: coordinator.map(|c| c.to_string()).unwrap_or_default(),
        seed,
        notice,
        error,
        tz: state.settings.time_zone,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn review_page(
    State(state): State<AppState>,
    ManagerUser(user): ManagerUser,
    Query(q): Query<MonthQuery>,
) -> AppResult<Response> {
    let coordinator = listed_id::<UserId>("Coordinator", &q.coordinator)?;
    show_sample(&state, &user, coordinator, sample_seed(&q.seed), q.notice, None).await
}

#[derive(Deserialize, Default)]
pub struct ReviewForm {
    #[serde(default)]
    entry: String,
    #[serde(default)]
    accurate: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    coordinator: String,
    #[serde(default)]
    seed: String,
}

pub async fn record_review(
    State(state): State<AppState>,
    ManagerUser(user): ManagerUser,
    Form(form): Form<ReviewForm>,
) -> AppResult<Response> {
    let typed = TypedReview {
        entry: &form.entry,
        accurate: &form.accurate,
        rating: &form.rating,
        notes: &form.notes,
    };
    let coordinator = listed_id::<UserId>("Coordinator", &form.coordinator).ok().flatten();
    let seed = sample_seed(&form.seed);
    match state.app.record_typed_review(&user.actor(), &typed).await {
        Ok(()) => {
            let back = serde_urlencoded::to_string([
                ("coordinator", coordinator.map(|c| c.to_string()).unwrap_or_default()),
                ("seed", seed.to_string()),
                ("notice", "Review saved.".into()),
            ])
            .unwrap_or_default();
            Ok(Redirect::to(&format!("/team/quality/review?{back}")).into_response())
        }
        Err(ServiceError::Refused(message)) => {
            show_sample(&state, &user, coordinator, seed, String::new(), Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/survey.html")]
struct SurveyPage {
    shell: Shell,
    error: Option<String>,
    notice: String,
    patient: String,
    score: String,
    surveyed_on: String,
    today: String,
}

#[derive(Deserialize, Default)]
pub struct SurveyForm {
    /// A chart code or the patient's name (`chart_code` was the field's earlier name).
    #[serde(default, alias = "chart_code")]
    patient: String,
    #[serde(default)]
    score: String,
    #[serde(default)]
    surveyed_on: String,
}

async fn show_survey(
    state: &AppState,
    user: &CurrentUser,
    form: SurveyForm,
    notice: String,
    error: Option<String>,
) -> AppResult<Response> {
    let today = local_date(Utc::now(), state.settings.time_zone).to_string();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = SurveyPage {
        shell: Shell::load(state, user, Tab::Team).await?,
        error,
        notice,
        patient: form.patient,
        score: form.score,
        surveyed_on: if form.surveyed_on.is_empty() { today.clone() } else { form.surveyed_on },
        today,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn survey_page(
    State(state): State<AppState>,
    ManagerUser(user): ManagerUser,
    Query(q): Query<MonthQuery>,
) -> AppResult<Response> {
    super::audit(&state, &user, "qa.surveys_view", None, String::new()).await?;
    show_survey(&state, &user, SurveyForm::default(), q.notice, None).await
}

pub async fn record_survey(
    State(state): State<AppState>,
    ManagerUser(user): ManagerUser,
    Form(form): Form<SurveyForm>,
) -> AppResult<Response> {
    let typed =
        TypedSurvey { patient: &form.patient, score: &form.score, surveyed_on: &form.surveyed_on };
    match state.app.record_typed_survey(&user.actor(), &typed).await {
        Ok(()) => {}
        Err(ServiceError::Refused(message)) => {
            return show_survey(&state, &user, form, String::new(), Some(message)).await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to("/team/quality/surveys?notice=Survey+recorded.").into_response())
}
