//! "Suggest assignments for the queue": a whole-queue plan that respects every capacity and evens out
//! utilization; the manager accepts it whole or changes rows first.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::ServiceError;
use carelog_app::assignment::PlanRow;
use carelog_app::model::{QueueRow, TeamMember};
use carelog_domain::assignment::{MatchScore, match_score};
use carelog_domain::assignment_plan::{
    PlanCoordinator, PlanPatient, Proposal, balanced_plan, greedy_top_match, placements,
    utilization_spread,
};
use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::team_stats::UTILIZATION_SPREAD_TARGET;
use chrono::Utc;

use super::{Shell, Tab, audit, render};
use crate::context::{CurrentUser, ManagerUser};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use carelog_app::team_facts::{facts, needs};

pub struct Choice {
    pub id: UserId,
    pub label: String,
    pub selected: bool,
}

pub struct PlanLine {
    pub patient_id: PatientId,
    pub patient: String,
    pub needs: String,
    pub priority: String,
    pub proposed: String,
    pub score: String,
    pub greedy: String,
    pub choices: Vec<Choice>,
    /// The row's rationale as typed, and whether the row (as chosen) needs one.
    pub rationale: String,
    pub needs_rationale: bool,
}

pub struct Load {
    pub name: String,
    pub now: String,
    pub plan: String,
    pub greedy: String,
}

#[derive(Template)]
#[template(path = "pages/plan.html")]
struct PlanPage {
    shell: Shell,
    lines: Vec<PlanLine>,
    loads: Vec<Load>,
    spread_now: String,
    spread_plan: String,
    spread_greedy: String,
    placed: usize,
    error: Option<String>,
    target: f64,
}

struct Planned {
    queue: Vec<QueueRow>,
    team: std::sync::Arc<Vec<TeamMember>>,
    members: Vec<PlanCoordinator>,
    plan: Vec<Proposal>,
    greedy: Vec<Proposal>,
    scores: Vec<Vec<MatchScore>>,
}

async fn planned(state: &AppState, user: &CurrentUser) -> AppResult<Planned> {
    let tz = state.settings.time_zone;
    let now = Utc::now();
    let w = state.app.assignment_weights().await?;
    let queue = state.app.waiting_patients(&user.actor()).await?;
    let team = state.app.team_members(&user.actor()).await?;
    let members: Vec<PlanCoordinator> =
        team.iter().map(|m| PlanCoordinator { id: m.id, facts: facts(m, now, tz) }).collect();
    let patients: Vec<PlanPatient> =
        queue.iter().map(|r| PlanPatient { id: r.id, needs: needs(r) }).collect();
    let scores = patients
        .iter()
        .map(|p| members.iter().map(|c| match_score(&p.needs, &c.facts, w)).collect())
        .collect();
    Ok(Planned {
        plan: balanced_plan(&patients, &members, w),
        greedy: greedy_top_match(&patients, &members, w),
        queue,
        team,
        members,
        scores,
    })
}

fn pct(v: f64) -> String {
    format!("{v:.1}")
}

/// A line per waiting patient: the plan's proposal, the greedy one, and every coordinator to choose.
fn plan_lines(p: &Planned, chosen: Option<&[PlanRow]>) -> Vec<PlanLine> {
    let row_of = |pid: PatientId| chosen.and_then(|c| c.iter().find(|r| r.patient == pid));
    let selected: Vec<Option<UserId>> = p
        .queue
        .iter()
        .enumerate()
        .map(|(i, row)| row_of(row.id).map(|r| r.coordinator).unwrap_or(p.plan[i].coordinator_id))
        .collect();
    let placed = placements(&p.members, &selected);
    let name_of = |id: Option<UserId>| -> String {
        id.and_then(|id| p.team.iter().find(|m| m.id == id))
            .map(|m| m.name.clone())
            .unwrap_or_else(|| "— nobody has room —".into())
    };
    p.queue
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let proposal = p.plan[i];
            let selected = selected[i];
            PlanLine {
                rationale: row_of(row.id).map(|r| r.rationale.clone()).unwrap_or_default(),
                needs_rationale: placed[i].as_ref().is_some_and(|p| p.needs_rationale),
                patient_id: row.id,
                patient: row.name.clone(),
                needs: [row.program.to_string(), row.language.clone()]
                    .into_iter()
                    .chain(row.special_needs.iter().cloned())
                    .collect::<Vec<_>>()
                    .join(", "),
                priority: row.priority.to_string(),
                proposed: name_of(proposal.coordinator_id),
                score: proposal
                    .score
                    .map(|s| format!("{:.0}", s.total))
                    .unwrap_or_else(|| "—".into()),
                greedy: name_of(p.greedy[i].coordinator_id),
                choices: p
                    .team
                    .iter()
                    .zip(&p.scores[i])
                    .map(|(m, s)| Choice {
                        id: m.id,
                        label: format!(
                            "{} — {:.0}{}",
                            m.name,
                            s.total,
                            if s.recommendable { "" } else { " (full or unavailable)" }
                        ),
                        selected: selected == Some(m.id),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Each coordinator's caseload now, under the plan and under the greedy assignment.
fn loads(p: &Planned) -> Vec<Load> {
    let count = |proposals: &[Proposal], id: UserId| {
        proposals.iter().filter(|x| x.coordinator_id == Some(id)).count() as i64
    };
    p.team
        .iter()
        .map(|m| {
            let u = |extra: i64| {
                if m.max_caseload > 0 {
                    format!(
                        "{}/{} ({:.0}%)",
                        m.caseload + extra,
                        m.max_caseload,
                        (m.caseload + extra) as f64 * 100.0 / m.max_caseload as f64
                    )
                } else {
                    "—".into()
                }
            };
            Load {
                name: m.name.clone(),
                now: u(0),
                plan: u(count(&p.plan, m.id)),
                greedy: u(count(&p.greedy, m.id)),
            }
        })
        .collect()
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    chosen: Option<&[PlanRow]>,
    error: Option<String>,
) -> AppResult<Response> {
    let p = planned(state, user).await?;
    let lines = plan_lines(&p, chosen);
    let loads = loads(&p);
    audit(state, user, "assignment.plan_view", None, format!("{} waiting", p.queue.len())).await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = PlanPage {
        shell: Shell::load(state, user, Tab::Team).await?,
        spread_now: pct(utilization_spread(&p.members, &[])),
        spread_plan: pct(utilization_spread(&p.members, &p.plan)),
        spread_greedy: pct(utilization_spread(&p.members, &p.greedy)),
        placed: p.plan.iter().filter(|x| x.coordinator_id.is_some()).count(),
        lines,
        loads,
        error,
        target: UTILIZATION_SPREAD_TARGET,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    ManagerUser(user): ManagerUser,
) -> AppResult<Response> {
    show(&state, &user, None, None).await
}

/// Accepts the plan as the form holds it: one `c<patient id>` per row, a coordinator id or empty to leave
/// the patient waiting. All rows are assigned in one transaction, or none.
pub async fn accept(
    State(state): State<AppState>,
    ManagerUser(user): ManagerUser,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let mut rows: Vec<PlanRow> = Vec::new();
    for (key, value) in &form {
        let Some(pid) = key.strip_prefix('c') else { continue };
        let patient = pid
            .parse::<PatientId>()
            .map_err(|_| AppError::BadRequest(format!("Plan: \"{key}\" is not a queue row.")))?;
        let coordinator = match value.trim() {
            "" => None,
            v => Some(v.parse::<UserId>().map_err(|_| {
                AppError::BadRequest(format!("Plan: \"{v}\" is not a coordinator."))
            })?),
        };
        let rationale_key = format!("r{pid}");
        let rationale = form
            .iter()
            .find(|(k, _)| *k == rationale_key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        rows.push(PlanRow { patient, coordinator, rationale });
    }
    let assigned = match state.app.accept_plan(&user.actor(), &rows).await {
        Ok(n) => n,
        Err(ServiceError::Refused(message)) => {
            return show(&state, &user, Some(&rows), Some(message)).await;
        }
        Err(e) => return Err(e.into()),
    };
    let notice = serde_urlencoded::to_string([(
        "notice",
        format!("{assigned} patients assigned from the plan."),
    )])
    .unwrap_or_default();
    Ok(Redirect::to(&format!("/team?view=recent&{notice}")).into_response())
}
