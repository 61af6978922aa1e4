//! Tab 3, Coordinator Assignment & Oversight (managers and admins): the team's workload at a glance
//! (seed 001 §3.6) and the assignment queue (§3.1–3.4), filters as query parameters.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use carelog_app::model::{
    Named, QueueFilter, QueuePage, QueueRow, QueueSort, QueueTrends, QueueView, TeamMember,
};
use carelog_app::team::TeamOverview;
use carelog_app::team_facts::{availability_label, days_ago, facts, load};
use carelog_domain::assignment_queue::{
    days_pending_label, hours_waiting, is_overdue, overdue_before,
};
use carelog_domain::capacity::{Load, caseload_words, team_load};
use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::patient::{OnboardingStatus, Priority, Program, SpecialNeed};
use carelog_domain::practice_time::{YearMonth, local_date, start_of_day};
use carelog_domain::schedule::monday_of;
use carelog_domain::team_stats::{CaseloadFill, utilization_percent};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{Shell, Tab, listed_id, render};
use crate::context::ManagerUser;
use crate::error::{AppError, AppResult};
use crate::paging::Paged;
use crate::state::AppState;

pub const PAGE_SIZE: i64 = 50;
/// Workload cards a page: four rows of three at 1400 px.
pub const CARDS_PAGE: usize = 12;

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct QueueQuery {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub view: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub priority: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub range: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub from: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub to: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub state: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub facility: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub provider: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub care: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub need: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sort: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub dir: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub page: String,
    /// The page of workload cards (a large practice has hundreds of coordinators).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cards: String,
    /// The team whose workload is shown (an admin's choice: its manager's id; empty for every team).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub team: String,
    /// Preselects a coordinator on the assign screen (from a workload card's "Assign Patient").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub coordinator: String,
    /// A confirmation after a redirect; not part of the filter.
    #[serde(default, skip_serializing)]
    pub notice: String,
}

pub struct QueueLine {
    pub id: PatientId,
    pub name: String,
    pub provider: String,
    pub facility: String,
    pub program: &'static str,
    pub priority: &'static str,
    pub priority_class: &'static str,
    pub days_pending: String,
    pub hours: i64,
    /// The seed's row colours: overdue, assigned today, ready, recently assigned; with the same in words.
    pub row_class: &'static str,
    pub flag: String,
    pub needs: String,
    pub waiting: bool,
    pub coordinator: String,
    pub review: String,
}

pub struct WorkloadCard {
    pub id: UserId,
    pub name: String,
    pub availability: String,
    pub availability_class: String,
    pub caseload: i64,
    pub max_caseload: i64,
    pub fill_percent: i64,
    /// The caseload bar's colour: red when full, orange when busy, green with room.
    pub fill_colour: &'static str,
    /// "33/20 patients (165%, over capacity)", as every page says it.
    pub caseload_words: String,
    pub tasks_per_day: String,
    pub minutes_per_patient: String,
    pub last_assignment: String,
}

#[derive(Template)]
#[template(path = "pages/team.html")]
struct TeamPage {
    shell: Shell,
    utilization: String,
    utilization_trend: String,
    pending: i64,
    pending_trend: String,
    overdue: i64,
    sla_hours: i64,
    cards: Paged<WorkloadCard>,
    /// The team the cards and the utilization are bounded by, and an admin's choices.
    team_name: String,
    teams: Vec<carelog_app::model::TeamListing>,
    unmanaged: i64,
    /// The queue's filters, kept as hidden fields when an admin switches team.
    kept_filters: Vec<(String, String)>,
    lines: Vec<QueueLine>,
    total: i64,
    page: i64,
    pages: i64,
    q: QueueQuery,
    facilities: Vec<Named>,
    providers: Vec<Named>,
    priorities: Vec<&'static str>,
    programs: Vec<&'static str>,
    needs: Vec<&'static str>,
    prev_link: Option<String>,
    next_link: Option<String>,
    coordinator_param: String,
    /// Set when a workload card's "Assign Patient" led here: the assign screen preselects them.
    assigning_to: Option<String>,
    to_reassign: Vec<carelog_app::model::OrphanedCaseload>,
    /// Above the filters: (is it an error, the sentence). An error hides the queue until corrected.
    notice_of_filters: Option<(bool, String)>,
}

impl TeamPage {
    fn filter_error(&self) -> bool {
        matches!(self.notice_of_filters, Some((true, _)))
    }

    fn sort_link(&self, column: &str) -> String {
        let mut q = self.q.clone();
        q.dir = if self.q.sort == column && self.q.dir != "desc" {
            "desc".into()
        } else {
            String::new()
        };
        q.sort = column.into();
        q.page = String::new();
        format!("/team?{}", serde_urlencoded::to_string(&q).unwrap_or_default())
    }

    fn aria_sort(&self, column: &str) -> &'static str {
        let current = if self.q.sort.is_empty() { "priority" } else { self.q.sort.as_str() };
        match (current == column, self.q.dir == "desc") {
            (false, _) => "none",
            (true, false) => "ascending",
            (true, true) => "descending",
        }
    }
}

fn bad(field: &str, value: &str, allowed: &str) -> AppError {
    AppError::BadRequest(format!("{field}: \"{value}\" is not one of {allowed}."))
}

fn parse_date(field: &str, value: &str) -> AppResult<Option<NaiveDate>> {
    match value.trim() {
        "" => Ok(None),
        v => NaiveDate::parse_from_str(v, "%Y-%m-%d").map(Some).map_err(|_| {
            AppError::BadRequest(format!("{field}: \"{v}\" is not a date (YYYY-MM-DD)."))
        }),
    }
}

/// Turns the query into the store's filter; anything unknown is a 400 that names the rule.
/// The handoff date range the filter names, start not after end.
fn handoff_dates(
    q: &QueueQuery,
    today: NaiveDate,
) -> AppResult<(Option<NaiveDate>, Option<NaiveDate>)> {
    let (from, to) = match q.range.as_str() {
        "" | "all" => (None, None),
        "today" => (Some(today), Some(today)),
        "week" => (Some(monday_of(today)), Some(today)),
        "month" => (Some(YearMonth::of(today).first_day()), Some(today)),
        "custom" => (parse_date("From", &q.from)?, parse_date("To", &q.to)?),
        v => return Err(bad("Date range", v, "today, week, month, custom")),
    };
    if let (Some(a), Some(b)) = (from, to)
        && a > b
    {
        return Err(AppError::BadRequest(format!(
            "Date range: the start ({a}) is after the end ({b})."
        )));
    }
    Ok((from, to))
}

/// The Care Type filter: a program, or "Standard" (no special needs, English spoken): (program, standard).
fn program_filter(raw: &str) -> AppResult<(Option<Program>, bool)> {
    match raw {
        "" | "all" => Ok((None, false)),
        "Standard" => Ok((None, true)),
        v => Ok((
            Some(
                Program::parse(v)
                    .map_err(|_| bad("Care type", v, "CCM, PCM, CCM+PCM, Standard"))?,
            ),
            false,
        )),
    }
}

fn need_filter(raw: &str) -> AppResult<Option<SpecialNeed>> {
    match raw {
        "" | "all" => Ok(None),
        v => Ok(Some(SpecialNeed::parse(v).map_err(|_| {
            bad("Special needs", v, "Mental Health, Dementia, Complex Medical, Language")
        })?)),
    }
}

fn page_param(raw: &str) -> AppResult<i64> {
    match raw.trim() {
        "" => Ok(1),
        v => v
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=100_000).contains(p))
            .ok_or_else(|| AppError::BadRequest(format!("Page: \"{v}\" is not a page number."))),
    }
}

fn view_of(raw: &str) -> AppResult<QueueView> {
    Ok(match raw {
        "" | "waiting" => QueueView::Waiting,
        "ready" => QueueView::Ready,
        "pending" => QueueView::Pending,
        "recent" => QueueView::Recent,
        "all" => QueueView::All,
        v => return Err(bad("Status", v, "waiting, ready, pending, recent, all")),
    })
}

fn order_of(q: &QueueQuery) -> AppResult<(QueueSort, bool)> {
    let sort = match q.sort.as_str() {
        "" | "priority" => QueueSort::Priority,
        "name" => QueueSort::Name,
        "waiting" => QueueSort::Waiting,
        v => return Err(bad("Sort", v, "priority, name, waiting")),
    };
    let descending = match q.dir.as_str() {
        "" | "asc" => false,
        "desc" => true,
        v => return Err(bad("Direction", v, "asc, desc")),
    };
    Ok((sort, descending))
}

/// Narrows the queue to an assignment status: still unassigned, assigned since `today_start`,
/// or waiting since before `overdue_before`. It combines with the Status view (both must hold).
fn assignment_status(
    f: &mut QueueFilter,
    state: &str,
    today_start: DateTime<Utc>,
    overdue_before: DateTime<Utc>,
) -> AppResult<()> {
    match state {
        "" | "all" => {}
        "unassigned" => f.unassigned = true,
        "today" => f.assigned_since = Some(today_start),
        "overdue" => f.overdue_before = Some(overdue_before),
        v => return Err(bad("Assignment status", v, "unassigned, today, overdue")),
    }
    Ok(())
}

/// When Status and Assignment Status cannot both hold, the sentence that says so and how to
/// see what was probably meant (the list is then empty by definition, not by chance).
fn contradiction(view: QueueView, state: &str) -> Option<String> {
    let waiting = matches!(view, QueueView::Waiting | QueueView::Ready | QueueView::Pending);
    match (waiting, view == QueueView::Recent, state) {
        (true, _, "today") => Some(
            "No patient is both waiting and Assigned Today: set Status to \"All\" or \"Recently Assigned\" to see today's assignments."
                .into(),
        ),
        (_, true, "unassigned" | "overdue") => Some(
            "No patient is both Recently Assigned and still waiting: set Status to \"All\" or a waiting status."
                .into(),
        ),
        _ => None,
    }
}

pub fn queue_filter(q: &QueueQuery, state: &AppState, sla: i64) -> AppResult<(QueueFilter, i64)> {
    let tz = state.settings.time_zone;
    let now = Utc::now();
    let today = local_date(now, tz);
    let mut f = QueueFilter {
        recent_since: now - Duration::days(7),
        limit: PAGE_SIZE,
        ..QueueFilter::default()
    };
    f.view = view_of(&q.view)?;
    f.priority = match q.priority.as_str() {
        "" | "all" => None,
        v => Some(Priority::parse(v).map_err(|_| bad("Priority", v, "High, Medium, Low"))?),
    };
    let (from, to) = handoff_dates(q, today)?;
    f.handoff_from = from.map(|d| start_of_day(d, tz));
    f.handoff_to = to.map(|d| start_of_day(d + Duration::days(1), tz));
    assignment_status(&mut f, &q.state, start_of_day(today, tz), overdue_before(now, sla))?;
    f.facility_id = listed_id("Facility", &q.facility)?;
    f.provider_id = listed_id("Provider", &q.provider)?;
    ((f.program, f.standard_care), f.special_need) =
        (program_filter(&q.care)?, need_filter(&q.need)?);
    (f.sort, f.descending) = order_of(q)?;
    let page = page_param(&q.page)?;
    f.offset = (page - 1) * PAGE_SIZE;
    Ok((f, page))
}

fn priority_class(p: Priority) -> &'static str {
    match p {
        Priority::High => "priority-high",
        Priority::Medium => "priority-medium",
        Priority::Low => "priority-low",
    }
}

/// One row of the queue as the page shows it: its flag, class and waiting time.
fn queue_line(r: QueueRow, now: DateTime<Utc>, tz: Tz, sla: i64) -> QueueLine {
    let today = local_date(now, tz);
    let waiting = r.assigned_at.is_none() || r.onboarding_status.is_waiting();
    let overdue = waiting && is_overdue(r.handoff_at, now, sla);
    let (row_class, flag) = if overdue {
        ("assignment-overdue", format!("Overdue (over {sla} h)"))
    } else if let Some(at) = r.assigned_at.filter(|_| !waiting) {
        if local_date(at, tz) == today {
            ("assignment-today", "Assigned today".into())
        } else {
            ("recently-assigned", "Recently assigned".into())
        }
    } else if r.onboarding_status == OnboardingStatus::AssignmentPending {
        ("assignment-pending", "Pending".into())
    } else {
        ("assignment-ready", "Ready".into())
    };
    let review = match (&r.review_answer, r.review_requested()) {
        (Some(answer), _) => format!("Senior review answered: {answer}"),
        (None, true) => "Senior review requested".into(),
        _ => String::new(),
    };
    QueueLine {
        id: r.id,
        name: r.name,
        provider: r.provider.unwrap_or_default(),
        facility: r.facility.unwrap_or_default(),
        priority_class: priority_class(r.priority),
        program: r.program.as_str(),
        priority: r.priority.as_str(),
        days_pending: days_pending_label(
            r.handoff_at,
            r.assigned_at.filter(|_| !waiting).unwrap_or(now),
        ),
        hours: hours_waiting(r.handoff_at, now),
        row_class,
        flag,
        needs: r.special_needs.join(", "),
        waiting,
        coordinator: r.coordinator.unwrap_or_default(),
        review,
    }
}

/// One coordinator's workload card.
fn workload_card(m: &TeamMember, now: DateTime<Utc>, tz: Tz) -> WorkloadCard {
    let f = facts(m, now, tz);
    let availability = availability_label(m);
    let fill_percent = utilization_percent(m.caseload, m.max_caseload)
        .map(|u| u.clamp(0.0, 100.0).round() as i64)
        .unwrap_or(0);
    WorkloadCard {
        id: m.id,
        name: m.name.clone(),
        availability_class: availability.to_lowercase().replace(' ', "-"),
        availability,
        caseload: m.caseload,
        max_caseload: m.max_caseload,
        fill_percent,
        fill_colour: match CaseloadFill::of(fill_percent) {
            CaseloadFill::Full => "#d32f2f",
            CaseloadFill::Busy => "#f57c00",
            CaseloadFill::Room => "#388e3c",
        },
        caseload_words: caseload_words(m.caseload, m.max_caseload),
        tasks_per_day: format!("{:.1}", f.avg_tasks_per_day),
        minutes_per_patient: if m.patients_logged > 0 {
            format!("{:.0}", f.avg_minutes_per_patient)
        } else {
            "—".into()
        },
        last_assignment: days_ago(m.last_assignment, now, tz),
    }
}

/// Team utilization now against a week ago, in points.
fn utilization_trend(now: Option<f64>, week_ago: Option<f64>) -> String {
    match (now, week_ago) {
        (Some(n), Some(t)) => {
            let points = (n - t).round() as i64;
            let arrow = match points.signum() {
                1 => "↑",
                -1 => "↓",
                _ => "→",
            };
            format!(
                "{arrow} {} point{} from last week ({t:.0}%)",
                points.abs(),
                if points.abs() == 1 { "" } else { "s" }
            )
        }
        _ => "no caseload capacity recorded".into(),
    }
}

/// The queue's length now against its length a day ago (from recorded handoff and assignment times).
fn pending_trend(now: i64, yesterday: i64) -> String {
    match now - yesterday {
        0 => format!("→ no change from yesterday ({yesterday})"),
        d if d > 0 => format!("↑ {d} from yesterday ({yesterday})"),
        d => format!("↓ {} from yesterday ({yesterday})", -d),
    }
}

/// The team's utilization now, and the sentence comparing it with a week ago, over the same
/// coordinators (those who take patients today).
fn utilization(team: &[TeamMember], trends: &QueueTrends) -> (Option<f64>, String) {
    let now = team_load(&team.iter().map(load).collect::<Vec<_>>());
    let then = team_load(
        &team
            .iter()
            .map(|m| Load {
                caseload: trends.caseloads_week_ago.get(&m.id).copied().unwrap_or(0),
                ..load(m)
            })
            .collect::<Vec<_>>(),
    );
    (now.utilization, utilization_trend(now.utilization, then.utilization))
}

/// The coordinator a manager is choosing a patient for (from a workload card): the query
/// parameter to carry and their name.
fn assigning_to(q: &QueueQuery, team: &[TeamMember]) -> AppResult<(String, Option<String>)> {
    match listed_id("Coordinator", &q.coordinator)? {
        Some(c) => {
            let name =
                team.iter().find(|m| m.id == c).map(|m| m.name.clone()).ok_or_else(|| {
                    AppError::BadRequest("Coordinator: choose one from the list.".into())
                })?;
            Ok((format!("?coordinator={c}"), Some(name)))
        }
        None => Ok((String::new(), None)),
    }
}

pub async fn page(
    State(state): State<AppState>,
    ManagerUser(user): ManagerUser,
    Query(q): Query<QueueQuery>,
) -> AppResult<Response> {
    let sla = state.app.sla_hours().await?;
    // A filter that breaks a rule is explained above the filters as typed; the queue waits for it.
    let (filter, page, problem) = match queue_filter(&q, &state, sla) {
        Ok((filter, page)) => (filter, page, None),
        Err(AppError::BadRequest(message)) => {
            let nothing = QueueFilter { limit: 0, recent_since: Utc::now(), ..Default::default() };
            (nothing, 1, Some(message))
        }
        Err(e) => return Err(e),
    };
    let overdue_cutoff = overdue_before(Utc::now(), sla);
    let chosen = listed_id("Team", &q.team)?;
    let overview =
        state.app.team_overview(&user.actor(), &filter, page, overdue_cutoff, chosen).await?;
    let shell = Shell::load(&state, &user, Tab::Team).await?;
    let status = if problem.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let mut view = team_page(shell, q, overview, page, sla, state.settings.time_zone)?;
    view.notice_of_filters = match problem {
        Some(p) => Some((true, p)),
        None => contradiction(filter.view, &view.q.state).map(|c| (false, c)),
    };
    Ok((status, render(&view)?).into_response())
}

/// The queue page from what the service read: the rows in words and colour, the workload cards,
/// the trend figures and the pager's links.
fn team_page(
    shell: Shell,
    q: QueueQuery,
    overview: TeamOverview,
    page: i64,
    sla: i64,
    tz: Tz,
) -> AppResult<TeamPage> {
    let now = Utc::now();
    let TeamOverview {
        view,
        queue,
        overdue,
        team,
        trends,
        pending,
        facilities,
        providers,
        to_reassign,
    } = overview;
    let QueuePage { rows, total } = Arc::unwrap_or_clone(queue);
    let lines = rows.into_iter().map(|r| queue_line(r, now, tz, sla)).collect();
    let (utilization_now, utilization_trend) = utilization(&team, &trends);
    let pending_trend = pending_trend(pending, trends.pending_yesterday);
    // Only the cards shown are drawn: a page of them, the pager linking the rest.
    let cards = Paged::of(team.iter().collect::<Vec<_>>(), &q.cards, CARDS_PAGE, |n| {
        let mut query = q.clone();
        query.cards = if n == 1 { String::new() } else { n.to_string() };
        format!("/team?{}#workload", serde_urlencoded::to_string(&query).unwrap_or_default())
    })
    .map(|m| workload_card(m, now, tz));
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let link = |p: i64| {
        let mut query = q.clone();
        query.page = if p == 1 { String::new() } else { p.to_string() };
        format!("/team?{}", serde_urlencoded::to_string(&query).unwrap_or_default())
    };
    let (coordinator_param, assigning_to) = assigning_to(&q, &team)?;
    let kept_filters = {
        let mut kept = q.clone();
        (kept.team, kept.cards, kept.notice) = (String::new(), String::new(), String::new());
        serde_urlencoded::from_str(&serde_urlencoded::to_string(&kept).unwrap_or_default())
            .unwrap_or_default()
    };
    Ok(TeamPage {
        team_name: view.name,
        teams: view.teams,
        unmanaged: view.unmanaged,
        kept_filters,
        shell,
        utilization: utilization_now.map(|u| format!("{u:.0}%")).unwrap_or_else(|| "—".into()),
        utilization_trend,
        pending,
        pending_trend,
        overdue,
        sla_hours: sla,
        cards,
        lines,
        total,
        page,
        pages,
        facilities,
        providers,
        priorities: vec!["High", "Medium", "Low"],
        programs: vec!["CCM", "PCM", "CCM+PCM", "Standard"],
        needs: vec!["Mental Health", "Dementia", "Complex Medical", "Language"],
        prev_link: (page > 1).then(|| link(page - 1)),
        next_link: (page < pages).then(|| link(page + 1)),
        coordinator_param,
        assigning_to,
        to_reassign: to_reassign.to_vec(),
        q,
        notice_of_filters: None,
    })
}
