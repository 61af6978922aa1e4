//! Assigning one queued patient (seed 001 §3.5): the patient's requirements, every coordinator ranked by
//! the match score with its four parts, and the decision: finalize, schedule a handoff, or ask an admin.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::ServiceError;
use carelog_app::assignment::{AssignAction, AssignRequest, Assigned, HANDOFF_MINUTES};
use carelog_app::model::{QueueRow, ReviewsOf, SeniorReview, TeamMember};
use carelog_app::team_facts::{availability_label, days_ago, facts};
use carelog_domain::assignment::experience_parts;
use carelog_domain::assignment::{MatchScore, Weights};
use carelog_domain::assignment_queue::days_pending_label;
use carelog_domain::capacity::caseload_words;
use carelog_domain::ids::UserId;
use carelog_domain::team_stats::{mean, response_hours};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::{Shell, Tab, audit, render};
use crate::context::{CurrentUser, ManagerUser};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub struct Candidate {
    pub id: UserId,
    pub name: String,
    pub score: MatchScore,
    /// What the experience part is made of, with the points each gives.
    pub experience_inputs: String,
    pub recommended: bool,
    pub why_not: String,
    pub specializations: String,
    pub caseload: String,
    pub room: i64,
    pub rating: String,
    pub response: String,
    pub satisfaction: String,
    pub languages: String,
    pub language_match: bool,
    pub facility: String,
    pub facility_match: bool,
    pub availability: String,
    pub last_assignment: String,
    pub selected: bool,
}

/// Every caseload holder scored for the patient, best first; the best recommendable one is Recommended.
/// The coordinator's average response over their completed tasks, as a sentence.
fn response_text(m: &TeamMember, tz: Tz) -> String {
    let responses: Vec<f64> = m
        .completions
        .iter()
        .map(|(due, done)| response_hours(*due, &m.work_start, *done, tz))
        .collect();
    mean(&responses)
        .map(|h| format!("{h:.1} hours over {} completed tasks", responses.len()))
        .unwrap_or_else(|| "no completed tasks in 30 days".into())
}

fn candidate(
    m: &TeamMember,
    score: MatchScore,
    row: &QueueRow,
    tz: Tz,
    now: DateTime<Utc>,
) -> Candidate {
    let facility = row.facility.clone().unwrap_or_default();
    let at_facility = m.patients_by_facility.get(&facility).copied().unwrap_or(0);
    let availability = availability_label(m);
    let why_not = if score.recommendable {
        String::new()
    } else if availability == "Unavailable" {
        "Unavailable: not recommended".into()
    } else {
        format!("{availability}: not recommended")
    };
    let experience_inputs = experience_parts(&facts(m, now, tz), row.facility.as_deref())
        .into_iter()
        .map(|(words, points)| format!("{words} ({points:.0})"))
        .collect::<Vec<_>>()
        .join(" + ");
    Candidate {
        id: m.id,
        name: m.name.clone(),
        score,
        experience_inputs,
        recommended: false,
        why_not,
        specializations: m.specializations.join(", "),
        caseload: caseload_words(m.caseload, m.max_caseload),
        room: (m.max_caseload - m.caseload).max(0),
        rating: match m.reviews {
            0 => "no QA reviews yet (scored as 3/5)".into(),
            n => format!(
                "{:.1}/5 from {}",
                m.rating_sum as f64 / n as f64,
                carelog_domain::words::counted(n, "QA review")
            ),
        },
        response: response_text(m, tz),
        satisfaction: match m.surveys {
            0 => "no surveys yet (scored as 3/5)".into(),
            n => format!("{:.1}/5 from {n} surveys", m.survey_sum as f64 / n as f64),
        },
        language_match: score.language >= 100.0,
        languages: m.languages.join(", "),
        facility_match: at_facility > 0,
        facility: if at_facility > 0 {
            format!("{facility} ({at_facility} patients)")
        } else {
            format!("no patients at {facility}")
        },
        availability,
        last_assignment: days_ago(m.last_assignment, now, tz),
        selected: false,
    }
}

#[derive(Template)]
#[template(path = "pages/assign.html")]
struct AssignPage {
    shell: Shell,
    patient: QueueRow,
    complexity: String,
    days_pending: String,
    candidates: Vec<Candidate>,
    reviews: Vec<SeniorReview>,
    notes: String,
    handoff: String,
    error: Option<String>,
    weights: String,
}

#[derive(Deserialize, Default)]
pub struct AssignQuery {
    #[serde(default)]
    coordinator: String,
}

#[derive(Deserialize, Default)]
pub struct AssignForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    coordinator: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    handoff_at: String,
}

fn parse_id<T: std::str::FromStr>(raw: &str) -> AppResult<T> {
    raw.trim().parse::<T>().map_err(|_| AppError::NotFound)
}

/// A waiting patient's queue row, or 404 (a patient assigned meanwhile goes to their record instead).
async fn waiting_patient(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
) -> AppResult<Result<QueueRow, Response>> {
    let id = parse_id(raw_id)?;
    let row = state.app.queue_entry(&user.actor(), id).await?.ok_or(AppError::NotFound)?;
    if !row.onboarding_status.is_waiting() {
        return Ok(Err(Redirect::to(&format!(
            "/patients/{id}?notice=This+patient+is+no+longer+waiting+for+a+coordinator."
        ))
        .into_response()));
    }
    Ok(Ok(row))
}

/// Every coordinator as a card, best first: the recommended one marked, and selected the one the
/// manager chose (if still on the list) or else the recommendation.
fn candidates(
    ranked: &[(TeamMember, MatchScore)],
    row: &QueueRow,
    preselect: Option<UserId>,
    tz: Tz,
) -> Vec<Candidate> {
    let now = Utc::now();
    let recommended = ranked.iter().find(|(_, s)| s.recommendable).map(|(m, _)| m.id);
    let chosen = preselect.filter(|p| ranked.iter().any(|(m, _)| m.id == *p)).or(recommended);
    ranked
        .iter()
        .map(|(m, s)| Candidate {
            recommended: Some(m.id) == recommended,
            selected: Some(m.id) == chosen,
            ..candidate(m, *s, row, tz, now)
        })
        .collect()
}

fn weights_text(w: &Weights) -> String {
    format!(
        "workload {:.0}%, specialization {:.0}%, experience {:.0}%, language {:.0}%",
        w.workload * 100.0,
        w.specialization * 100.0,
        w.experience * 100.0,
        w.language * 100.0
    )
}

async fn render_page(
    state: &AppState,
    user: &CurrentUser,
    row: QueueRow,
    preselect: Option<UserId>,
    notes: String,
    handoff: String,
    error: Option<String>,
) -> AppResult<Response> {
    let now = Utc::now();
    let w = state.app.assignment_weights().await?;
    let ranked = state.app.ranked_team(&user.actor(), &row).await?;
    let candidates = candidates(&ranked, &row, preselect, state.settings.time_zone);
    let patient = state.app.visible_patient(&user.actor(), row.id).await?;
    let detail = state.app.patient_detail(patient).await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = AssignPage {
        shell: Shell::load(state, user, Tab::Team).await?,
        complexity: detail.complexity.to_string(),
        days_pending: days_pending_label(row.handoff_at, now),
        reviews: state.app.senior_reviews(&user.actor(), ReviewsOf::Patient(row.id), 10).await?,
        patient: row,
        candidates,
        notes,
        handoff,
        error,
        weights: weights_text(&w),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    ManagerUser(user): ManagerUser,
    Path(raw_id): Path<String>,
    Query(q): Query<AssignQuery>,
) -> AppResult<Response> {
    let row = match waiting_patient(&state, &user, &raw_id).await? {
        Ok(row) => row,
        Err(redirect) => return Ok(redirect),
    };
    audit(&state, &user, "assignment.view", Some(row.id), "assign screen".into()).await?;
    let preselect = q.coordinator.trim().parse::<UserId>().ok();
    render_page(&state, &user, row, preselect, String::new(), String::new(), None).await
}

pub async fn submit(
    State(state): State<AppState>,
    ManagerUser(user): ManagerUser,
    Path(raw_id): Path<String>,
    Form(form): Form<AssignForm>,
) -> AppResult<Response> {
    let row = match waiting_patient(&state, &user, &raw_id).await? {
        Ok(row) => row,
        Err(redirect) => return Ok(redirect),
    };
    let action = AssignAction::parse(&form.action).map_err(AppError::BadRequest)?;
    let request = AssignRequest {
        coordinator: form.coordinator.trim().parse::<UserId>().ok(),
        notes: &form.notes,
        handoff_at: &form.handoff_at,
        action,
    };
    match state.app.assign_waiting_patient(&user.actor(), &row, &request).await {
        Ok(Assigned::ReviewRequested) => {
            let notice = "Sent for senior review. The patient is Assignment Pending until an administrator answers.";
            let query = serde_urlencoded::to_string([("view", "pending"), ("notice", notice)]);
            Ok(Redirect::to(&format!("/team?{}", query.unwrap_or_default())).into_response())
        }
        Ok(Assigned::Finalized { assignment_id }) => {
            Ok(Redirect::to(&format!("/team/assignments/{assignment_id}")).into_response())
        }
        Err(ServiceError::Refused(error)) => {
            let (notes, handoff) = (form.notes.trim().to_owned(), form.handoff_at.clone());
            render_page(&state, &user, row, request.coordinator, notes, handoff, Some(error)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/assignment.html")]
struct AssignmentPage {
    shell: Shell,
    record: carelog_app::model::AssignmentRecord,
    patient: String,
    handoff_local: String,
    handoff_input: String,
    error: Option<String>,
    may_manage: bool,
    /// When it was assigned, in practice time like every other page.
    assigned_local: String,
}

async fn visible_assignment(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
) -> AppResult<carelog_app::model::AssignmentRecord> {
    Ok(state.app.assignment_in_reach(&user.actor(), parse_id(raw_id)?).await?)
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    record: carelog_app::model::AssignmentRecord,
    error: Option<String>,
    input: String,
) -> AppResult<Response> {
    let tz = state.settings.time_zone;
    let patient = state.app.patient_name(record.patient_id).await?;
    audit(
        state,
        user,
        "assignment.read",
        Some(record.patient_id),
        format!("assignment {}", record.id),
    )
    .await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = AssignmentPage {
        shell: Shell::load(state, user, Tab::Team).await?,
        assigned_local: record.assigned_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        handoff_local: record
            .handoff_at
            .map(|h| h.with_timezone(&tz).format("%A %B %-d, %Y at %H:%M").to_string())
            .unwrap_or_default(),
        handoff_input: if input.is_empty() {
            record
                .handoff_at
                .map(|h| h.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string())
                .unwrap_or_default()
        } else {
            input
        },
        record,
        patient,
        error,
        may_manage: user.role().sees_team_oversight(),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn record(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
) -> AppResult<Response> {
    let record = visible_assignment(&state, &user, &raw_id).await?;
    show(&state, &user, record, None, String::new()).await
}

#[derive(Deserialize, Default)]
pub struct HandoffForm {
    #[serde(default)]
    handoff_at: String,
}

pub async fn schedule_handoff(
    State(state): State<AppState>,
    ManagerUser(user): ManagerUser,
    Path(raw_id): Path<String>,
    Form(form): Form<HandoffForm>,
) -> AppResult<Response> {
    let record = visible_assignment(&state, &user, &raw_id).await?;
    match state.app.book_handoff(&user.actor(), &record, &form.handoff_at).await {
        Ok(()) => {}
        Err(ServiceError::Refused(message)) => {
            return show(&state, &user, record, Some(message), form.handoff_at).await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/team/assignments/{}", record.id)).into_response())
}

/// The handoff meeting as an iCalendar event. It names no patient: calendars live outside carelog.
pub fn handoff_ics(
    assignment_id: i64,
    start: DateTime<Utc>,
    host: &str,
    link: &str,
    now: DateTime<Utc>,
) -> String {
    let stamp = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//carelog//handoff//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:handoff-{assignment_id}@{host}"),
        format!("DTSTAMP:{}", stamp(now)),
        format!("DTSTART:{}", stamp(start)),
        format!("DTEND:{}", stamp(start + Duration::minutes(HANDOFF_MINUTES))),
        format!(
            "SUMMARY:{}",
            ics_text(&format!("carelog handoff meeting (assignment {assignment_id})"))
        ),
        format!(
            "DESCRIPTION:{}",
            ics_text(&format!("Patient handoff. Details in carelog: {link}"))
        ),
        format!("URL:{link}"),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ]
    .iter()
    .map(|line| format!("{}\r\n", fold_ics_line(line)))
    .collect()
}

/// An iCalendar TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newline escaped.
fn ics_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,").replace('\n', "\\n")
}

/// A content line folded at 75 octets (RFC 5545 §3.1): each further part starts on a new line
/// with one space, never splitting a UTF-8 character.
fn fold_ics_line(line: &str) -> String {
    let mut folded = String::with_capacity(line.len() + line.len() / 74 * 3);
    let mut used = 0;
    for c in line.chars() {
        if used + c.len_utf8() > 75 {
            folded.push_str("\r\n ");
            used = 1;
        }
        folded.push(c);
        used += c.len_utf8();
    }
    folded
}

/// The host a base URL names, for calendar UIDs; "carelog" when it names none.
fn host_of(base: &str) -> &str {
    base.split("://").nth(1).and_then(|rest| rest.split('/').next()).unwrap_or("carelog")
}

pub async fn ics(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
) -> AppResult<Response> {
    let record = visible_assignment(&state, &user, &raw_id).await?;
    let Some(at) = record.handoff_at else { return Err(AppError::NotFound) };
    let detail = format!("assignment {}", record.id);
    audit(&state, &user, "assignment.handoff_ics", Some(record.patient_id), detail).await?;
    let base = state.settings.base_url.trim_end_matches('/');
    let link = format!("{base}/team/assignments/{}", record.id);
    let body = handoff_ics(record.id, at, host_of(base), &link, Utc::now());
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"handoff-{}.ics\"", record.id),
            ),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_calendar_uid_names_the_host_of_the_base_url() {
        assert_eq!(host_of("https://carelog.example/practice"), "carelog.example");
        assert_eq!(host_of("http://127.0.0.1:8080"), "127.0.0.1:8080");
        assert_eq!(host_of("carelog"), "carelog");
    }

    #[test]
    fn ics_is_a_crlf_calendar_with_utc_times_and_no_patient() {
        let start = Utc.with_ymd_and_hms(2026, 11, 23, 15, 0, 0).single().unwrap_or_default();
        let text = handoff_ics(
            7,
            start,
            "carelog.example",
            "https://carelog.example/team/assignments/7",
            start,
        );
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(text.contains("\r\nDTSTART:20261123T150000Z\r\nDTEND:20261123T153000Z\r\n"));
        assert!(text.contains("UID:handoff-7@carelog.example"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
    }

    #[test]
    fn ics_lines_fold_at_75_octets_without_splitting_a_character() {
        let line = format!("DESCRIPTION:{}", "é".repeat(60));
        let folded = fold_ics_line(&line);
        for part in folded.split("\r\n") {
            assert!(part.len() <= 75, "{} octets: {part}", part.len());
        }
        assert_eq!(folded.replace("\r\n ", ""), line, "unfolding gives the line back");
        assert_eq!(fold_ics_line("SHORT:x"), "SHORT:x");
        let long = handoff_ics(
            7,
            Utc::now(),
            "carelog.example",
            &format!("https://carelog.example/{}", "a".repeat(120)),
            Utc::now(),
        );
        assert!(long.split("\r\n").all(|l| l.len() <= 75), "{long}");
        assert_eq!(ics_text("a, b; c\\d"), "a\\, b\\; c\\\\d");
    }
}
