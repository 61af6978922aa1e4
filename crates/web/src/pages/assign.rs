//! Assigning one queued patient (seed 001 §3.5): the patient's requirements, every coordinator ranked by
//! the match score with its four parts, and the decision: finalize, schedule a handoff, or ask an admin.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::model::{
    Finalized, NewAssignment, QueueRow, ReviewsOf, ScoreParts, SeniorReview, TeamMember,
};
use carelog_domain::assignment::{MatchScore, Weights, match_score};
use carelog_domain::assignment_queue::days_pending_label;
use carelog_domain::notifications::Kind;
use carelog_domain::practice_time::local_date;
use carelog_domain::team_stats::{mean, response_hours, utilization_percent};
use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::{Shell, Tab, audit, render};
use crate::context::{CurrentUser, ManagerUser};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use carelog_app::notify::Notice;
use carelog_app::team_facts::{availability_label, days_ago, facts, needs};

pub const NOTES_LIMIT: usize = 2000;
const HANDOFF_MINUTES: i64 = 30;

pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub score: MatchScore,
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
pub fn rank(
    team: &[TeamMember],
    row: &QueueRow,
    w: Weights,
    tz: Tz,
    now: DateTime<Utc>,
) -> Vec<(TeamMember, MatchScore)> {
    let need = needs(row);
    let mut out: Vec<(TeamMember, MatchScore)> =
        team.iter().map(|m| (m.clone(), match_score(&need, &facts(m, now, tz), w))).collect();
    out.sort_by(|a, b| {
        b.1.recommendable
            .cmp(&a.1.recommendable)
            .then(b.1.total.total_cmp(&a.1.total))
            .then(a.0.name.cmp(&b.0.name))
    });
    out
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
    let responses: Vec<f64> = m
        .completions
        .iter()
        .map(|(due, done)| response_hours(*due, &m.work_start, *done, tz))
        .collect();
    let availability = availability_label(m);
    let why_not = if score.recommendable {
        String::new()
    } else if availability == "Unavailable" {
        "Unavailable: not recommended".into()
    } else {
        "At capacity: not recommended".into()
    };
    Candidate {
        id: m.id,
        name: m.name.clone(),
        score,
        recommended: false,
        why_not,
        specializations: m.specializations.join(", "),
        caseload: format!(
            "{}/{} patients ({})",
            m.caseload,
            m.max_caseload,
            utilization_percent(m.caseload, m.max_caseload)
                .map(|u| format!("{u:.0}%"))
                .unwrap_or_else(|| "—".into())
        ),
        room: (m.max_caseload - m.caseload).max(0),
        rating: match m.reviews {
            0 => "no QA reviews yet (scored as 3/5)".into(),
            n => format!("{:.1}/5 from {n} QA reviews", m.rating_sum as f64 / n as f64),
        },
        response: mean(&responses)
            .map(|h| format!("{h:.1} hours over {} completed tasks", responses.len()))
            .unwrap_or_else(|| "no completed tasks in 30 days".into()),
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

fn parse_id(raw: &str) -> AppResult<i64> {
    raw.trim().parse::<i64>().map_err(|_| AppError::NotFound)
}

/// A waiting patient's queue row, or 404 (a patient assigned meanwhile goes to their record instead).
async fn waiting_patient(
    state: &AppState,
    user: &CurrentUser,
    raw_id: &str,
) -> AppResult<Result<QueueRow, Response>> {
    let id = parse_id(raw_id)?;
    let row = state.app.queue_entry(&user.actor(), id).await?.ok_or(AppError::NotFound)?;
    if !matches!(row.onboarding_status.as_str(), "Ready for Assignment" | "Assignment Pending") {
        return Ok(Err(Redirect::to(&format!(
            "/patients/{id}?notice=This+patient+is+no+longer+waiting+for+a+coordinator."
        ))
        .into_response()));
    }
    Ok(Ok(row))
}

async fn render_page(
    state: &AppState,
    user: &CurrentUser,
    row: QueueRow,
    preselect: Option<i64>,
    notes: String,
    handoff: String,
    error: Option<String>,
) -> AppResult<Response> {
    let tz = state.settings.time_zone;
    let now = Utc::now();
    let team = state.app.team_members(&user.actor()).await?;
    let w = state.app.assignment_weights().await?;
    let ranked = rank(&team, &row, w, tz, now);
    let recommended = ranked.iter().find(|(_, s)| s.recommendable).map(|(m, _)| m.id);
    let chosen = preselect.filter(|p| ranked.iter().any(|(m, _)| m.id == *p)).or(recommended);
    let candidates = ranked
        .iter()
        .map(|(m, s)| Candidate {
            recommended: Some(m.id) == recommended,
            selected: Some(m.id) == chosen,
            ..candidate(m, *s, &row, tz, now)
        })
        .collect();
    let patient = state.app.visible_patient(&user.actor(), row.id).await?;
    let detail = state.app.patient_detail(patient).await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = AssignPage {
        shell: Shell::load(state, user, Tab::Team).await?,
        complexity: detail.complexity,
        days_pending: days_pending_label(row.handoff_at, now),
        reviews: state.app.senior_reviews(&user.actor(), ReviewsOf::Patient(row.id), 10).await?,
        patient: row,
        candidates,
        notes,
        handoff,
        error,
        weights: format!(
            "workload {:.0}%, specialization {:.0}%, experience {:.0}%, language {:.0}%",
            w.workload * 100.0,
            w.specialization * 100.0,
            w.experience * 100.0,
            w.language * 100.0
        ),
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
    let preselect = q.coordinator.trim().parse::<i64>().ok();
    render_page(&state, &user, row, preselect, String::new(), String::new(), None).await
}

/// A handoff time typed in practice time: in the future, within 90 days.
pub fn parse_handoff(raw: &str, tz: Tz, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let raw = raw.trim();
    let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M").map_err(|_| {
        format!("Handoff meeting: \"{raw}\" is not a date and time (YYYY-MM-DD HH:MM).")
    })?;
    let at = tz
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("Handoff meeting: {raw} does not exist in the practice's time zone (a daylight-saving gap)."))?;
    if at <= now {
        return Err(format!("Handoff meeting: {raw} is in the past; choose a time from now on."));
    }
    if at > now + Duration::days(90) {
        return Err(format!("Handoff meeting: {raw} is more than 90 days away."));
    }
    Ok(at)
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
    let tz = state.settings.time_zone;
    let now = Utc::now();
    let notes = form.notes.trim().to_owned();
    let chosen = form.coordinator.trim().parse::<i64>().ok();
    let again = |error: String| {
        let (state, user, row, notes, handoff) =
            (state.clone(), user.clone(), row.clone(), notes.clone(), form.handoff_at.clone());
        async move { render_page(&state, &user, row, chosen, notes, handoff, Some(error)).await }
    };
    if notes.chars().count() > NOTES_LIMIT {
        return again(format!(
            "Assignment notes: at most {NOTES_LIMIT} characters (you wrote {}).",
            notes.chars().count()
        ))
        .await;
    }
    let team = state.app.team_members(&user.actor()).await?;
    let ranked = rank(&team, &row, state.app.assignment_weights().await?, tz, now);
    let picked = chosen.and_then(|c| ranked.iter().find(|(m, _)| m.id == c));

    match form.action.as_str() {
        "review" => {
            if notes.is_empty() {
                return again(
                    "Request Senior Review: write in the notes what the reviewer should look at."
                        .into(),
                )
                .await;
            }
            let detail = format!(
                "proposed: {}; notes: {notes}",
                picked.map(|(m, _)| m.name.as_str()).unwrap_or("none")
            );
            let proposed = picked.map(|(m, _)| m.id);
            let actor = user.actor();
            if !state
                .app
                .request_senior_review(&actor, row.id, proposed, &notes, detail, now)
                .await?
            {
                return again("Request Senior Review: a review of this patient is already open; wait for the answer.".into()).await;
            }
            for admin in state.app.admin_ids().await? {
                state
                    .app
                    .notify(
                        admin,
                        Notice {
                            kind: Kind::SeniorReview,
                            title: format!("Senior review requested: {}", row.name),
                            body: format!("by {}", user.user.display_name),
                            link: "/admin/reviews",
                            event: &format!("request:{}:{}", row.id, now.timestamp()),
                            patient_id: Some(row.id),
                        },
                        now,
                    )
                    .await?;
            }
            let notice = "Sent for senior review. The patient is Assignment Pending until an administrator answers.";
            Ok(Redirect::to(&format!(
                "/team?{}",
                serde_urlencoded::to_string([("view", "pending"), ("notice", notice)])
                    .unwrap_or_default()
            ))
            .into_response())
        }
        "finalize" | "handoff" => {
            let Some((member, score)) = picked else {
                return again("Coordinator: choose one of the coordinators listed.".into()).await;
            };
            if !score.recommendable && notes.is_empty() {
                return again(format!(
                    "{} is {}: to assign them anyway, give the rationale in the assignment notes.",
                    member.name,
                    if member.availability == "Unavailable" {
                        "Unavailable"
                    } else {
                        "at capacity"
                    }
                ))
                .await;
            }
            let handoff = if form.action == "handoff" || !form.handoff_at.trim().is_empty() {
                match parse_handoff(&form.handoff_at, tz, now) {
                    Ok(at) => Some(at),
                    Err(message) => return again(message).await,
                }
            } else {
                None
            };
            let handoff_with = handoff.map(|_| user.id());
            let assignment = NewAssignment {
                patient_id: row.id,
                coordinator_id: member.id,
                score: Some(ScoreParts {
                    total: score.total,
                    workload: score.workload,
                    specialization: score.specialization,
                    experience: score.experience,
                    language: score.language,
                }),
                rationale: notes.clone(),
                enforce_capacity: score.recommendable,
                handoff_at: handoff,
                handoff_with,
            };
            let detail = format!(
                "to {} (score {:.1}: workload {:.0}, specialization {:.0}, experience {:.0}, language {:.0}){}; notes: {notes}",
                member.name,
                score.total,
                score.workload,
                score.specialization,
                score.experience,
                score.language,
                handoff.map(|h| format!("; handoff {}", local_date(h, tz))).unwrap_or_default()
            );
            let ids = match state
                .app
                .finalize_assignments(&user.actor(), &[assignment], vec![detail], now)
                .await?
            {
                Finalized::Done(ids) => ids,
                Finalized::Refused(message) => return again(message).await,
            };
            let id = ids
                .first()
                .copied()
                .ok_or_else(|| AppError::Internal("no assignment id".into()))?;
            after_assignment(&state, &user, id, member.id, &row.name, row.id, now).await?;
            if let Some(at) = handoff {
                notify_handoff(&state, id, member.id, handoff_with, &row.name, row.id, at, now)
                    .await?;
            }
            Ok(Redirect::to(&format!("/team/assignments/{id}")).into_response())
        }
        other => Err(AppError::BadRequest(format!(
            "Action: \"{other}\" is not one of finalize, handoff, review."
        ))),
    }
}

/// Tells the coordinator about a new patient.
pub async fn after_assignment(
    state: &AppState,
    user: &CurrentUser,
    assignment_id: i64,
    coordinator: i64,
    patient_name: &str,
    patient_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if coordinator == user.id() {
        return Ok(());
    }
    state
        .app
        .notify(
            coordinator,
            Notice {
                kind: Kind::NewAssignment,
                title: format!("New patient: {patient_name}"),
                body: format!("assigned to you by {}", user.user.display_name),
                link: &format!("/patients/{patient_id}"),
                event: &format!("assignment:{assignment_id}"),
                patient_id: Some(patient_id),
            },
            now,
        )
        .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn notify_handoff(
    state: &AppState,
    assignment_id: i64,
    coordinator: i64,
    with: Option<i64>,
    patient_name: &str,
    patient_id: i64,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let tz = state.settings.time_zone;
    let when = at.with_timezone(&tz).format("%a %b %-d, %H:%M").to_string();
    let mut people = vec![coordinator];
    people.extend(with.filter(|w| *w != coordinator));
    for person in people {
        state
            .app
            .notify(
                person,
                Notice {
                    kind: Kind::HandoffMeeting,
                    title: format!("Handoff meeting {when}: {patient_name}"),
                    body: format!(
                        "{HANDOFF_MINUTES} minutes; calendar file on the assignment page"
                    ),
                    link: &format!("/team/assignments/{assignment_id}"),
                    event: &format!("handoff:{assignment_id}:{}", at.timestamp()),
                    patient_id: Some(patient_id),
                },
                now,
            )
            .await?;
    }
    Ok(())
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
    let now = Utc::now();
    let at = match parse_handoff(&form.handoff_at, state.settings.time_zone, now) {
        Ok(at) => at,
        Err(message) => return show(&state, &user, record, Some(message), form.handoff_at).await,
    };
    let with = record.handoff_with_id.unwrap_or(user.id());
    state.app.schedule_handoff(&user.actor(), &record, at, with, now).await?;
    let patient = state.app.patient_name(record.patient_id).await?;
    notify_handoff(
        &state,
        record.id,
        record.coordinator_id,
        Some(with),
        &patient,
        record.patient_id,
        at,
        now,
    )
    .await?;
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
        format!("SUMMARY:carelog handoff meeting (assignment {assignment_id})"),
        format!("DESCRIPTION:Patient handoff. Details in carelog: {link}"),
        format!("URL:{link}"),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
        String::new(),
    ]
    .join("\r\n")
}

pub async fn ics(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw_id): Path<String>,
) -> AppResult<Response> {
    let record = visible_assignment(&state, &user, &raw_id).await?;
    let Some(at) = record.handoff_at else { return Err(AppError::NotFound) };
    audit(
        &state,
        &user,
        "assignment.handoff_ics",
        Some(record.patient_id),
        format!("assignment {}", record.id),
    )
    .await?;
    let base = state.settings.base_url.trim_end_matches('/').to_owned();
    let host = base
        .split("://")
        .nth(1)
        .unwrap_or("carelog")
        .split('/')
        .next()
        .unwrap_or("carelog")
        .to_owned();
    let body = handoff_ics(
        record.id,
        at,
        &host,
        &format!("{base}/team/assignments/{}", record.id),
        Utc::now(),
    );
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
    fn handoff_times_must_be_future_real_and_near() {
        let tz: Tz = chrono_tz::America::New_York;
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 15, 0, 0).single().unwrap_or_default();
        assert!(parse_handoff("2026-11-23T09:30", tz, now).is_ok());
        assert!(
            parse_handoff("2026-11-22T09:00", tz, now)
                .err()
                .unwrap_or_default()
                .contains("in the past")
        );
        assert!(
            parse_handoff("2027-03-01T09:00", tz, now)
                .err()
                .unwrap_or_default()
                .contains("90 days")
        );
        assert!(
            parse_handoff("tomorrow", tz, now)
                .err()
                .unwrap_or_default()
                .contains("not a date and time")
        );
        let spring = Utc.with_ymd_and_hms(2027, 3, 1, 15, 0, 0).single().unwrap_or_default();
        assert!(
            parse_handoff("2027-03-14T02:30", tz, spring)
                .err()
                .unwrap_or_default()
                .contains("daylight-saving")
        );
    }
}
