//! Tab 3's reports (seed 001 §7): assignment efficiency, team performance and workload analysis. Each
//! is a page and the same table as a CSV download.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use carelog_app::model::{CoordinatorMonthRow, FirstAssignment, QualityWindow, TeamMember};
use carelog_app::team_measures::{HoursWorked, WeekTrend};
use carelog_domain::ids::UserId;
use carelog_domain::metrics::coordinator_metrics;
use carelog_domain::practice_time::{YearMonth, local_date, month_range, start_of_day};
use carelog_domain::team_measures::{
    Judged, assignment_accuracy, burnout_risk, correlation, correlation_words, staffing,
};
use carelog_domain::team_stats::{
    ASSIGNMENT_SPEED_TARGET_HOURS, QualityMonth, UTILIZATION_SPREAD_TARGET, distribution, percent,
    utilization_band, utilization_percent,
};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::{Shell, Tab, audit, date_range_param, month_param, render};
use crate::context::{CurrentUser, ManagerUser};
use crate::error::{AppError, AppResult};
use crate::pages::exports::{csv_body, csv_response};
use crate::state::AppState;
use carelog_app::team_facts::{availability_label, facts, load};
use carelog_domain::capacity::team_load;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Efficiency,
    Performance,
    Workload,
}

impl ReportKind {
    fn parse(raw: &str) -> AppResult<Self> {
        match raw.trim_end_matches(".csv") {
            "" | "efficiency" => Ok(ReportKind::Efficiency),
            "performance" => Ok(ReportKind::Performance),
            "workload" => Ok(ReportKind::Workload),
            v => Err(AppError::BadRequest(format!(
                "Report: \"{v}\" is not one of efficiency, performance, workload."
            ))),
        }
    }

    fn key(self) -> &'static str {
        match self {
            ReportKind::Efficiency => "efficiency",
            ReportKind::Performance => "performance",
            ReportKind::Workload => "workload",
        }
    }
}

pub struct Report {
    pub kind: &'static str,
    pub title: String,
    pub summary: Vec<(String, String)>,
    pub bars: Vec<(String, usize, i64)>,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    /// One sentence per measure on the page: how it is computed.
    pub definitions: Vec<&'static str>,
    /// §7.2's weekly trends (efficiency report): week, assignments, team utilization.
    pub weeks: Vec<WeekTrend>,
}

impl Report {
    /// The CSV's rows: the table, a blank row, then the page's summary figures as
    /// "Summary: <figure>", "<value>" in the first two columns, so the file stays rectangular.
    fn rows_with_summary(&self) -> Vec<Vec<String>> {
        let width = self.header.len().max(2);
        let padded = |cells: Vec<String>| {
            let mut cells = cells;
            cells.resize(width, String::new());
            cells
        };
        let weeks = self.weeks.iter().map(|w| {
            (
                format!("Week of {}", w.week_start),
                format!("{} assignments; {}", w.assignments, w.utilization_words()),
            )
        });
        let summary = self
            .summary
            .iter()
            .cloned()
            .chain(weeks)
            .map(|(figure, value)| padded(vec![format!("Summary: {figure}"), value]));
        let mut rows = self.rows.clone();
        rows.push(padded(Vec::new()));
        rows.extend(summary);
        rows
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct ReportQuery {
    #[serde(default)]
    report: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

#[derive(Template)]
#[template(path = "pages/reports.html")]
struct ReportsPage {
    shell: Shell,
    report: Report,
    month: String,
    from: String,
    to: String,
    csv_link: String,
    /// A filter that broke a rule, said above the filters as typed; the default period is shown.
    error: Option<String>,
}

/// The weeks the efficiency report's trends cover.
const TREND_WEEKS: i64 = 8;
/// A burnout risk at or above this is counted on the workload report.
const BURNOUT_WATCH: i64 = 7;

/// A summary value for a page: "—" for a missing figure.
fn shown(v: String) -> String {
    if v.is_empty() { "—".into() } else { v }
}

/// A figure that may be missing: an empty cell (the page shows "—"), never a dash in the CSV.
fn opt(v: Option<f64>, digits: usize, suffix: &str) -> String {
    v.map(|v| format!("{v:.digits$}{suffix}")).unwrap_or_default()
}

fn efficiency_row(r: &FirstAssignment, h: &f64, tz: chrono_tz::Tz) -> Vec<String> {
    let local =
        |t: &chrono::DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    vec![
        r.patient.clone(),
        local(&r.handoff),
        local(&r.assigned_at),
        format!("{h:.1}"),
        r.coordinator.clone(),
        opt(r.match_score, 1, ""),
        r.changed_at.as_ref().map(local).unwrap_or_default(),
    ]
}

/// The team's outcome correlations for the month (§7.1): care minutes per patient served against
/// satisfaction, and against care gaps resolved per patient on the caseload.
fn performance_summary(
    months: &[CoordinatorMonthRow],
    quality: &BTreeMap<(UserId, YearMonth), QualityMonth>,
    gaps: &BTreeMap<UserId, i64>,
    month: YearMonth,
) -> Vec<(String, String)> {
    let care_per_patient = |r: &CoordinatorMonthRow| {
        let x = coordinator_metrics(r.month, r.timed_entries);
        (x.patients_served > 0).then(|| x.minutes as f64 / x.patients_served as f64)
    };
    let with_satisfaction: Vec<(f64, f64)> = months
        .iter()
        .filter_map(|r| {
            let s = quality.get(&(r.coordinator_id, month))?.satisfaction()?;
            Some((care_per_patient(r)?, s))
        })
        .collect();
    let with_gaps: Vec<(f64, f64)> = months
        .iter()
        .filter_map(|r| {
            let caseload = coordinator_metrics(r.month, r.timed_entries).patients_assigned;
            let resolved = gaps.get(&r.coordinator_id).copied().unwrap_or(0);
            (caseload > 0).then_some((care_per_patient(r)?, resolved as f64 / caseload as f64))
        })
        .collect();
    vec![
        ("Coordinators".into(), months.len().to_string()),
        ("Care gaps resolved".into(), carelog_domain::words::counted(gaps.values().sum(), "gap")),
        (
            "Care time per patient and satisfaction".into(),
            correlation_words(correlation(&with_satisfaction), with_satisfaction.len()),
        ),
        (
            "Care time per patient and gaps resolved".into(),
            correlation_words(correlation(&with_gaps), with_gaps.len()),
        ),
    ]
}

fn performance_row(
    row: CoordinatorMonthRow,
    quality: &BTreeMap<(UserId, YearMonth), QualityMonth>,
    gaps: &BTreeMap<UserId, i64>,
    month: YearMonth,
) -> Vec<String> {
    let resolved = gaps.get(&row.coordinator_id).copied().unwrap_or(0);
    let x = coordinator_metrics(row.month, row.timed_entries);
    let q = quality.get(&(row.coordinator_id, month)).cloned().unwrap_or_default();
    vec![
        row.name,
        x.tasks.to_string(),
        x.minutes.to_string(),
        opt(x.average_task_minutes, 1, ""),
        x.patients_served.to_string(),
        x.patients_assigned.to_string(),
        x.coverage_percent.map(|p| p.to_string()).unwrap_or_default(),
        x.completion_percent.map(|p| p.to_string()).unwrap_or_default(),
        q.billable_minutes.to_string(),
        q.reviews.to_string(),
        opt(q.accuracy(), 1, ""),
        q.surveys.to_string(),
        opt(q.satisfaction(), 2, ""),
        resolved.to_string(),
    ]
}

/// A coordinator's burnout risk from their utilization and their last 30 days' hours.
fn risk_of(m: &TeamMember, worked: HoursWorked) -> i64 {
    let u = utilization_percent(m.caseload, m.max_caseload);
    burnout_risk(u, worked.overtime_hours(), worked.after_hours_share())
}

fn workload_row(
    m: &TeamMember,
    worked: HoursWorked,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Vec<String> {
    let f = facts(m, now, tz);
    let u = utilization_percent(m.caseload, m.max_caseload);
    vec![
        m.name.clone(),
        availability_label(m),
        m.caseload.to_string(),
        m.max_caseload.to_string(),
        opt(u, 0, ""),
        u.map(utilization_band).unwrap_or_default().to_owned(),
        format!("{:.1}", f.avg_tasks_per_day),
        format!("{:.0}", f.avg_minutes_per_patient),
        format!("{:.1}", worked.overtime_hours()),
        format!("{:.0}", worked.after_hours_share() * 100.0),
        risk_of(m, worked).to_string(),
    ]
}

async fn build(
    state: &AppState,
    user: &CurrentUser,
    kind: ReportKind,
    q: &ReportQuery,
) -> AppResult<(Report, String, String, String)> {
    let today = local_date(Utc::now(), state.settings.time_zone);
    let month = month_param(&q.month, today)?;
    let (from, to) = date_range_param(&q.from, &q.to, (today - Duration::days(89), today))?;
    let report = match kind {
        ReportKind::Efficiency => efficiency(state, user, from, to).await?,
        ReportKind::Performance => performance(state, user, month, today).await?,
        ReportKind::Workload => workload(state, user).await?,
    };
    Ok((report, month.to_string(), from.to_string(), to.to_string()))
}

/// A bar of a distribution: its label, its count and its share of `total` in whole percent.
fn bar(label: &str, n: usize, total: usize) -> (String, usize, i64) {
    let share = percent(n as i64, total as i64).map(|p| p.round() as i64).unwrap_or(0);
    (label.to_owned(), n, share)
}

async fn efficiency(
    state: &AppState,
    user: &CurrentUser,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> AppResult<Report> {
    let tz = state.settings.time_zone;
    let (start, end) = (start_of_day(from, tz), start_of_day(to + Duration::days(1), tz));
    let rows = state.app.first_assignments(&user.actor(), start, end).await?;
    let hours: Vec<f64> =
        rows.iter().map(|r| (r.assigned_at - r.handoff).num_seconds() as f64 / 3600.0).collect();
    let d = distribution(&hours);
    let now = Utc::now();
    let judged: Vec<Judged> = rows
        .iter()
        .map(|r| Judged {
            assigned_at: r.assigned_at,
            changed_at: r.changed_at,
            score: r.match_score,
        })
        .collect();
    let accuracy = assignment_accuracy(&judged, now);
    let team = state.app.team_members(&user.actor()).await?;
    let weeks = state.app.weekly_trends(&user.actor(), &team, TREND_WEEKS, now).await?;
    Ok(Report {
        kind: "efficiency",
        title: format!("Assignment efficiency, {from} to {to}"),
        summary: vec![
            ("Patients assigned from the queue".into(), d.count.to_string()),
            ("Average handoff to assignment".into(), opt(d.mean, 1, " hours")),
            ("Median".into(), opt(d.median, 1, " hours")),
            ("90th percentile".into(), opt(d.p90, 1, " hours")),
            ("Longest".into(), opt(d.max, 1, " hours")),
            (
                format!("Within the {ASSIGNMENT_SPEED_TARGET_HOURS:.0}-hour target"),
                opt(d.within_target, 0, "%"),
            ),
            (
                "Assignment accuracy".into(),
                accuracy
                    .percent()
                    .map(|p| {
                        format!(
                            "{p:.0}% ({} of {} kept their coordinator 30 days)",
                            accuracy.kept, accuracy.judged
                        )
                    })
                    .unwrap_or_default(),
            ),
            (
                "Criteria effectiveness (match score: kept / changed)".into(),
                match (accuracy.kept_score, accuracy.changed_score) {
                    (None, None) => String::new(),
                    (k, c) => format!("{} / {}", shown(opt(k, 1, "")), shown(opt(c, 1, ""))),
                },
            ),
        ],
        bars: d.buckets.iter().map(|(label, n)| bar(label, *n, d.count)).collect(),
        header: vec![
            "patient",
            "provider_handoff_local",
            "assigned_at_local",
            "hours_to_assign",
            "coordinator",
            "match_score",
            "coordinator_changed_local",
        ],
        rows: rows.iter().zip(&hours).map(|(r, h)| efficiency_row(r, h, tz)).collect(),
        definitions: vec![
            "Assignment accuracy: of the patients assigned in the period at least 30 days ago, the share who still had the same coordinator 30 days later.",
            "Criteria effectiveness: the average match score of those kept against those changed; a score that works rates the kept ones higher.",
            "Weekly trends: assignments made each week (reassignments included), and the team's caseload against today's maximums at each week's end (Unavailable coordinators left out).",
        ],
        weeks,
    })
}

async fn performance(
    state: &AppState,
    user: &CurrentUser,
    month: carelog_domain::practice_time::YearMonth,
    today: chrono::NaiveDate,
) -> AppResult<Report> {
    let tz = state.settings.time_zone;
    let range = month_range(month, tz);
    let months = state.app.coordinator_months(&user.actor(), month, range).await?;
    let window = QualityWindow {
        today,
        months: vec![month],
        from: month_range(month, tz).start,
        to: month_range(month, tz).end,
    };
    let quality = state.app.quality_months(&user.actor(), &window).await?;
    let last_day = month.last_day().min(today);
    let gaps = state.app.gaps_resolved(&user.actor(), month.first_day(), last_day).await?;
    let rows: Vec<Vec<String>> =
        months.iter().map(|r| performance_row(r.clone(), &quality, &gaps, month)).collect();
    Ok(Report {
        kind: "performance",
        title: format!("Team performance, {month}"),
        summary: performance_summary(&months, &quality, &gaps, month),
        bars: Vec::new(),
        header: vec![
            "coordinator",
            "tasks",
            "minutes",
            "avg_task_minutes",
            "patients_served",
            "caseload",
            "coverage_percent",
            "generated_tasks_done_percent",
            "billable_minutes",
            "entries_reviewed",
            "documentation_accuracy_percent",
            "surveys",
            "satisfaction",
            "care_gaps_resolved",
        ],
        rows,
        definitions: vec![
            "Care gaps resolved: gaps closed in the month on the coordinator's current patients.",
            "Outcome correlations: Pearson's r across coordinators between care minutes per patient served and each outcome (satisfaction; gaps resolved per patient on the caseload); 3 coordinators with both figures are needed.",
        ],
        weeks: Vec::new(),
    })
}

async fn workload(state: &AppState, user: &CurrentUser) -> AppResult<Report> {
    let (tz, now) = (state.settings.time_zone, Utc::now());
    let team = state.app.team_members(&user.actor()).await?;
    let worked = state.app.hours_worked(&user.actor(), &team, now).await?;
    let worked_by = |m: &TeamMember| worked.get(&m.id).copied().unwrap_or_default();
    let rows: Vec<Vec<String>> =
        team.iter().map(|m| workload_row(m, worked_by(m), now, tz)).collect();
    let at_risk = team.iter().filter(|m| risk_of(m, worked_by(m)) >= BURNOUT_WATCH).count();
    let mut summary = workload_summary(&team);
    summary.push((
        format!("Burnout risk {BURNOUT_WATCH} or more"),
        carelog_domain::words::counted(at_risk as i64, "coordinator"),
    ));
    Ok(Report {
        kind: "workload",
        title: "Workload analysis (now)".into(),
        summary,
        bars: Vec::new(),
        header: vec![
            "coordinator",
            "availability",
            "caseload",
            "max_caseload",
            "utilization_percent",
            "band",
            "avg_tasks_per_day",
            "avg_minutes_per_patient",
            "overtime_hours_30d",
            "after_hours_percent",
            "burnout_risk",
        ],
        rows,
        definitions: vec![
            "Overtime: minutes logged in the last 30 days outside the coordinator's working hours or at a weekend, in hours; after hours: their share of all minutes logged.",
            "Burnout risk, 1 to 10: half from utilization above 75% (full at 110%), three tenths from overtime (full at 20 hours), a fifth from the after-hours share (full at a quarter).",
            "Staffing: the coordinators needed, at the team's average maximum, to bring utilization into the 75–85% band, or the patients the team can take before reaching it.",
        ],
        weeks: Vec::new(),
    })
}

/// The workload report's figures, all over the coordinators who take patients (Unavailable ones
/// left out): the team's utilization, its spread, their caseloads' mean and deviation, and the capacity left.
fn workload_summary(team: &[TeamMember]) -> Vec<(String, String)> {
    let t = team_load(&team.iter().map(load).collect::<Vec<_>>());
    vec![
        (
            "Team utilization".into(),
            t.utilization.map(|u| format!("{u:.0}% ({})", utilization_band(u))).unwrap_or_default(),
        ),
        (
            "Utilization spread".into(),
            format!(
                "{:.1} points (target under {UTILIZATION_SPREAD_TARGET:.0}: {})",
                t.spread,
                if t.spread < UTILIZATION_SPREAD_TARGET { "met" } else { "not met" }
            ),
        ),
        (
            "Caseload mean / standard deviation".into(),
            t.mean_caseload
                .map(|m| format!("{m:.1} / {:.1} patients", t.caseload_deviation))
                .unwrap_or_default(),
        ),
        ("Capacity left".into(), carelog_domain::words::counted(t.capacity_left, "patient")),
        ("Staffing".into(), staffing(&t).words()),
        ("Coordinators counted".into(), format!("{} (Unavailable left out)", t.coordinators)),
    ]
}

pub async fn page(
    State(state): State<AppState>,
    ManagerUser(user): ManagerUser,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let kind = ReportKind::parse(&q.report)?;
    let (report, month, from, to, error) = match build(&state, &user, kind, &q).await {
        Ok((report, month, from, to)) => (report, month, from, to, None),
        Err(AppError::BadRequest(message)) => {
            let defaults = ReportQuery { report: q.report.clone(), ..ReportQuery::default() };
            let (report, ..) = build(&state, &user, kind, &defaults).await?;
            (report, q.month.clone(), q.from.clone(), q.to.clone(), Some(message))
        }
        Err(e) => return Err(e),
    };
    audit(&state, &user, "team.report", None, kind.key().into()).await?;
    let query = serde_urlencoded::to_string([
        ("month", month.as_str()),
        ("from", from.as_str()),
        ("to", to.as_str()),
    ])
    .unwrap_or_default();
    let page = ReportsPage {
        shell: Shell::load(&state, &user, Tab::Team).await?,
        csv_link: format!("/team/reports/{}.csv?{query}", kind.key()),
        report,
        month,
        from,
        to,
        error,
    };
    let status = if page.error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok((status, render(&page)?).into_response())
}

pub async fn csv(
    State(state): State<AppState>,
    ManagerUser(user): ManagerUser,
    Path(name): Path<String>,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let kind = ReportKind::parse(&name)?;
    let (report, month, _, _) = build(&state, &user, kind, &q).await?;
    let body = csv_body(&report.header, &report.rows_with_summary())?;
    audit(
        &state,
        &user,
        "team.report_export",
        None,
        format!("{} ({} rows)", kind.key(), report.rows.len()),
    )
    .await?;
    Ok(csv_response(&format!("carelog-{}-{month}.csv", kind.key()), body))
}
