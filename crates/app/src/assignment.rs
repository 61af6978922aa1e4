//! Assigning a waiting patient (seed 001 §4): rank the team by match score, then finalize, book a
//! handoff meeting, or ask for a senior review; the whole-queue plan; and telling the people
//! involved.

use carelog_domain::assignment::{MatchScore, Weights, match_score};
use carelog_domain::assignment_plan::{Placement, PlanCoordinator, placements};
use carelog_domain::assignment_queue::parse_handoff;
use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::notifications::{Kind, review_request_event};
use carelog_domain::patient::Availability;
use carelog_domain::practice_time::local_date;
use carelog_store::{Finalized, NewAssignment, QueueRow, ScoreParts, TeamMember};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::notify::Notice;
use crate::team_facts::{facts, needs};
use crate::{Actor, App, ServiceError, ServiceResult};

/// The most characters assignment, review and survey notes may hold.
pub const NOTES_LIMIT: usize = 2000;
/// A handoff meeting's length.
pub const HANDOFF_MINUTES: i64 = 30;

/// What a manager asked for on the assign screen.
pub enum AssignAction {
    Finalize,
    /// Finalize and book the handoff meeting.
    Handoff,
    Review,
}

impl AssignAction {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "finalize" => Ok(AssignAction::Finalize),
            "handoff" => Ok(AssignAction::Handoff),
            "review" => Ok(AssignAction::Review),
            other => Err(format!("Action: \"{other}\" is not one of finalize, handoff, review.")),
        }
    }
}

/// The assign screen's form, as typed.
pub struct AssignRequest<'a> {
    pub coordinator: Option<UserId>,
    pub notes: &'a str,
    pub handoff_at: &'a str,
    pub action: AssignAction,
}

/// What an assignment did.
pub enum Assigned {
    ReviewRequested,
    Finalized { assignment_id: i64 },
}

/// The team ranked for a patient: recommendable first, then by score, then by name.
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

fn score_parts(s: &MatchScore) -> ScoreParts {
    ScoreParts {
        total: s.total,
        workload: s.workload,
        specialization: s.specialization,
        experience: s.experience,
        language: s.language,
    }
}

impl App {
    /// The team ranked for a waiting patient under the admin's weights.
    pub async fn ranked_team(
        &self,
        actor: &Actor,
        row: &QueueRow,
    ) -> ServiceResult<Vec<(TeamMember, MatchScore)>> {
        let team = self.team_members(actor).await?;
        let weights = self.assignment_weights().await?;
        Ok(rank(&team, row, weights, self.settings.time_zone, Utc::now()))
    }

    /// Carries out the assign screen's request for a waiting patient. A request that breaks a
    /// rule is refused with the sentence to show, and changes nothing.
    pub async fn assign_waiting_patient(
        &self,
        actor: &Actor,
        row: &QueueRow,
        request: &AssignRequest<'_>,
    ) -> ServiceResult<Assigned> {
        let now = Utc::now();
        let notes = request.notes.trim();
        if notes.chars().count() > NOTES_LIMIT {
            return Err(ServiceError::Refused(format!(
                "Assignment notes: at most {NOTES_LIMIT} characters (you wrote {}).",
                notes.chars().count()
            )));
        }
        let ranked = self.ranked_team(actor, row).await?;
        let picked = request.coordinator.and_then(|c| ranked.iter().find(|(m, _)| m.id == c));
        match request.action {
            AssignAction::Review => self.ask_for_review(actor, row, picked, notes, now).await,
            AssignAction::Finalize | AssignAction::Handoff => {
                let Some((member, score)) = picked else {
                    return Err(ServiceError::Refused(
                        "Coordinator: choose one of the coordinators listed.".into(),
                    ));
                };
                self.finalize_one(actor, row, member, score, request, now).await
            }
        }
    }

    async fn ask_for_review(
        &self,
        actor: &Actor,
        row: &QueueRow,
        picked: Option<&(TeamMember, MatchScore)>,
        notes: &str,
        now: DateTime<Utc>,
    ) -> ServiceResult<Assigned> {
        if notes.is_empty() {
            return Err(ServiceError::Refused(
                "Request Senior Review: write in the notes what the reviewer should look at."
                    .into(),
            ));
        }
        let proposed_name = picked.map(|(m, _)| m.name.as_str()).unwrap_or("none");
        let detail = format!("proposed: {proposed_name}; notes: {notes}");
        let proposed = picked.map(|(m, _)| m.id);
        if !self.request_senior_review(actor, row.id, proposed, notes, detail, now).await? {
            return Err(ServiceError::Refused(
                "Request Senior Review: a review of this patient is already open; wait for the answer."
                    .into(),
            ));
        }
        for admin in self.admin_ids().await? {
            let notice = Notice {
                kind: Kind::SeniorReview,
                title: format!("Senior review requested: {}", row.name),
                body: format!("by {}", actor.display_name),
                link: "/admin/reviews",
                event: &review_request_event(row.id, now),
                patient_id: Some(row.id),
            };
            self.notify(admin, notice, now).await?;
        }
        Ok(Assigned::ReviewRequested)
    }

    async fn finalize_one(
        &self,
        actor: &Actor,
        row: &QueueRow,
        member: &TeamMember,
        score: &MatchScore,
        request: &AssignRequest<'_>,
        now: DateTime<Utc>,
    ) -> ServiceResult<Assigned> {
        let tz = self.settings.time_zone;
        let notes = request.notes.trim();
        if !score.recommendable && notes.is_empty() {
            let why = if member.availability == Availability::Unavailable {
                "Unavailable"
            } else {
                "at capacity"
            };
            return Err(ServiceError::Refused(format!(
                "{} is {why}: to assign them anyway, give the rationale in the assignment notes.",
                member.name
            )));
        }
        let wants_handoff = matches!(request.action, AssignAction::Handoff)
            || !request.handoff_at.trim().is_empty();
        let handoff = if wants_handoff {
            Some(parse_handoff(request.handoff_at, tz, now).map_err(ServiceError::Refused)?)
        } else {
            None
        };
        let handoff_with = handoff.map(|_| actor.id);
        let assignment = NewAssignment {
            patient_id: row.id,
            coordinator_id: member.id,
            score: Some(score_parts(score)),
            rationale: notes.to_owned(),
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
        let ids = match self.finalize_assignments(actor, &[assignment], vec![detail], now).await? {
            Finalized::Done { ids, .. } => ids,
            Finalized::Refused(message) => return Err(ServiceError::Refused(message)),
        };
        let Some(id) = ids.first().copied() else {
            return Err(ServiceError::Internal("no assignment id".into()));
        };
        self.tell_new_coordinator(actor, id, member.id, &row.name, row.id, now).await?;
        self.open_month_tasks(&[row.id], now).await;
        if let Some(at) = handoff {
            let meeting = Handoff { assignment_id: id, coordinator: member.id, with: handoff_with };
            self.tell_handoff(&meeting, &row.name, row.id, at, now).await?;
        }
        Ok(Assigned::Finalized { assignment_id: id })
    }

    /// Accepts the whole-queue plan as edited. Every row with a coordinator is assigned in one
    /// transaction, or none is. A row that takes its coordinator past their maximum (counting the rows
    /// above it) or gives the patient to an Unavailable coordinator needs that row's rationale. Each
    /// assignment stores the score the row had with the rows above it placed. Returns how many were
    /// assigned.
    pub async fn accept_plan(&self, actor: &Actor, rows: &[PlanRow]) -> ServiceResult<usize> {
        let refuse = |m: String| Err(ServiceError::Refused(m));
        if rows.iter().all(|r| r.coordinator.is_none()) {
            return refuse("Plan: no row has a coordinator, so there is nothing to assign.".into());
        }
        if let Some(r) = rows.iter().find(|r| r.rationale.trim().chars().count() > NOTES_LIMIT) {
            return refuse(format!(
                "Plan: a rationale has at most {NOTES_LIMIT} characters (patient {}'s has {}).",
                r.patient,
                r.rationale.trim().chars().count()
            ));
        }
        let (now, tz) = (Utc::now(), self.settings.time_zone);
        let w = self.assignment_weights().await?;
        let team = self.team_members(actor).await?;
        let members: Vec<PlanCoordinator> =
            team.iter().map(|m| PlanCoordinator { id: m.id, facts: facts(m, now, tz) }).collect();
        let chosen: Vec<Option<UserId>> = rows.iter().map(|r| r.coordinator).collect();
        // One read of the queue for every row; a patient no longer waiting is looked up alone,
        // and refused by finalizing with its reason.
        let waiting: std::collections::HashMap<PatientId, QueueRow> =
            self.waiting_patients(actor).await?.into_iter().map(|r| (r.id, r)).collect();
        let mut batch = Vec::new();
        let mut details = Vec::new();
        let mut names = Vec::new();
        for (plan_row, placement) in rows.iter().zip(placements(&members, &chosen)) {
            let pid = plan_row.patient;
            let Some(c) = plan_row.coordinator else { continue };
            let row = match waiting.get(&pid) {
                Some(row) => Some(row.clone()),
                None => self.queue_entry(actor, pid).await?,
            };
            let Some(row) = row else {
                return refuse(format!("Plan: patient {pid} is not in the queue."));
            };
            let (Some(placement), Some(member)) = (placement, team.iter().find(|m| m.id == c))
            else {
                let name = &row.name;
                return refuse(format!("Plan: {name} was given someone who carries no caseload."));
            };
            let rationale = plan_row.rationale.trim();
            if placement.needs_rationale && rationale.is_empty() {
                return refuse(plan_rationale_needed(&row.name, member, &placement));
            }
            let s = match_score(&needs(&row), &placement.facts, w);
            batch.push(NewAssignment {
                patient_id: row.id,
                coordinator_id: member.id,
                score: Some(score_parts(&s)),
                rationale: if rationale.is_empty() {
                    "Accepted from the whole-queue plan".into()
                } else {
                    format!("Accepted from the whole-queue plan: {rationale}")
                },
                enforce_capacity: !placement.needs_rationale,
                handoff_at: None,
                handoff_with: None,
            });
            details.push(format!(
                "to {} (score {:.1}) from the whole-queue plan; patient {}{}",
                member.name,
                s.total,
                row.name,
                if rationale.is_empty() { String::new() } else { format!("; notes: {rationale}") }
            ));
            names.push((row.name.clone(), row.id, member.id));
        }
        let ids = match self.finalize_assignments(actor, &batch, details, now).await? {
            Finalized::Done { ids, .. } => ids,
            Finalized::Refused(message) => return refuse(message),
        };
        for (id, (patient, pid, coordinator)) in ids.iter().zip(&names) {
            self.tell_new_coordinator(actor, *id, *coordinator, patient, *pid, now).await?;
        }
        let assigned: Vec<PatientId> = names.iter().map(|(_, pid, _)| *pid).collect();
        self.open_month_tasks(&assigned, now).await;
        Ok(ids.len())
    }

    /// Newly assigned patients get the open month's tasks at once. The assignment stands if this
    /// fails: the hourly run makes the same tasks, so the failure is logged, not answered.
    async fn open_month_tasks(&self, patients: &[PatientId], now: DateTime<Utc>) {
        let today = local_date(now, self.settings.time_zone);
        if let Err(e) = crate::upkeep::generate_tasks_for(&self.store, patients, today).await {
            tracing::warn!(error = %e, "the new patients' tasks wait for the hourly run");
        }
    }

    /// Tells the coordinator about a new patient (unless they assigned it themselves).
    pub async fn tell_new_coordinator(
        &self,
        actor: &Actor,
        assignment_id: i64,
        coordinator: UserId,
        patient_name: &str,
        patient_id: PatientId,
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        if coordinator == actor.id {
            return Ok(());
        }
        let notice = Notice {
            kind: Kind::NewAssignment,
            title: format!("New patient: {patient_name}"),
            body: format!("assigned to you by {}", actor.display_name),
            link: &format!("/patients/{patient_id}"),
            event: &format!("assignment:{assignment_id}"),
            patient_id: Some(patient_id),
        };
        self.notify(coordinator, notice, now).await
    }

    /// Books an existing assignment's handoff meeting (typed in practice time) and tells both
    /// people. A time that is past, unreal or too far ahead is refused with the reason.
    pub async fn book_handoff(
        &self,
        actor: &Actor,
        record: &carelog_store::AssignmentRecord,
        raw_at: &str,
    ) -> ServiceResult<()> {
        let now = Utc::now();
        let at =
            parse_handoff(raw_at, self.settings.time_zone, now).map_err(ServiceError::Refused)?;
        let with = record.handoff_with_id.unwrap_or(actor.id);
        self.schedule_handoff(actor, record, at, with, now).await?;
        let patient = self.patient_name(record.patient_id).await?;
        let meeting = Handoff {
            assignment_id: record.id,
            coordinator: record.coordinator_id,
            with: Some(with),
        };
        self.tell_handoff(&meeting, &patient, record.patient_id, at, now).await
    }

    async fn tell_handoff(
        &self,
        meeting: &Handoff,
        patient_name: &str,
        patient_id: PatientId,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        let when =
            at.with_timezone(&self.settings.time_zone).format("%a %b %-d, %H:%M").to_string();
        let mut people = vec![meeting.coordinator];
        people.extend(meeting.with.filter(|w| *w != meeting.coordinator));
        for person in people {
            let notice = Notice {
                kind: Kind::HandoffMeeting,
                title: format!("Handoff meeting {when}: {patient_name}"),
                body: format!("{HANDOFF_MINUTES} minutes; calendar file on the assignment page"),
                link: &format!("/team/assignments/{}", meeting.assignment_id),
                event: &format!("handoff:{}:{}", meeting.assignment_id, at.timestamp()),
                patient_id: Some(patient_id),
            };
            self.notify(person, notice, now).await?;
        }
        Ok(())
    }
}

/// Who meets at a handoff: the new coordinator and the manager who booked it.
struct Handoff {
    assignment_id: i64,
    coordinator: UserId,
    with: Option<UserId>,
}

/// One row of the whole-queue plan as the manager accepts it.
#[derive(Debug, Clone)]
pub struct PlanRow {
    pub patient: PatientId,
    /// None leaves the patient waiting.
    pub coordinator: Option<UserId>,
    /// Needed when the row takes its coordinator past capacity or to an Unavailable coordinator.
    pub rationale: String,
}

/// The refusal for a plan row that needs a rationale and has none.
fn plan_rationale_needed(patient: &str, member: &TeamMember, placement: &Placement) -> String {
    let why = if member.availability == Availability::Unavailable {
        format!("{} is Unavailable", member.name)
    } else {
        format!(
            "this row takes {} over capacity ({}/{})",
            member.name,
            placement.facts.current_caseload + 1,
            member.max_caseload
        )
    };
    format!(
        "Plan, {patient}: {why}. Write a rationale in that row to assign them anyway, or choose another coordinator."
    )
}
