//! Tab 3, for managers and admins: the team and its figures, the assignment queue, assignments and
//! senior reviews, coordinator profiles, quality reviews and surveys, and the reports' inputs.
//! Writes build their audit event from the actor here, in the write's own transaction.

use std::collections::BTreeMap;
use std::sync::Arc;

use carelog_domain::ids::{EntryId, PatientId, UserId};
use carelog_domain::notifications::{Kind, review_request_keys};
use carelog_domain::practice_time::{UtcRange, YearMonth, local_date};
use carelog_domain::team_stats::QualityMonth;
use carelog_store::{
    AssignmentRecord, CoordinatorMonthRow, EntryOwner, Finalized, FirstAssignment, Named,
    NewAssignment, NewAuditEvent, NewReview, NewSurvey, ProfileUpdate, QualityWindow, QueueFilter,
    QueuePage, QueueRow, QueueTrends, ReviewsOf, SampleEntry, SeniorReview, SupersededReview,
    SurveyPatient, TeamMember, TeamOf,
};
use chrono::{DateTime, Utc};

use crate::actor::audit_event;
use crate::assignment::NOTES_LIMIT;
use crate::notify::Notice;
use crate::team_facts::windows;
use crate::teams::TeamView;
use crate::{Actor, App, ServiceError, ServiceResult};

/// What Tab 3's queue page shows: a page of the queue, how many are overdue, the team with its
/// trends, and the filters' choices.
pub struct TeamOverview {
    /// Which team the cards and trends are bounded by, and the switcher's choices.
    pub view: TeamView,
    pub queue: Arc<QueuePage>,
    pub overdue: i64,
    pub team: Arc<Vec<TeamMember>>,
    pub trends: Arc<QueueTrends>,
    pub pending: i64,
    pub facilities: Vec<Named>,
    pub providers: Vec<Named>,
    /// Deactivated coordinators still holding patients: flagged for reassignment.
    pub to_reassign: Arc<Vec<carelog_store::OrphanedCaseload>>,
}

/// A QA review as a manager filled in the form: every field as typed.
pub struct TypedReview<'a> {
    pub entry: &'a str,
    pub accurate: &'a str,
    pub rating: &'a str,
    pub notes: &'a str,
}

/// A satisfaction survey as a manager typed it.
pub struct TypedSurvey<'a> {
    /// A chart code, or words of the patient's name.
    pub patient: &'a str,
    pub score: &'a str,
    pub surveyed_on: &'a str,
}

impl App {
    /// Records a satisfaction survey for a patient's coordinator: a known chart code with a
    /// coordinator, a score from 1 to 5, a day within the last year; one a patient a day.
    pub async fn record_typed_survey(
        &self,
        actor: &Actor,
        typed: &TypedSurvey<'_>,
    ) -> ServiceResult<()> {
        let refuse = |m: String| Err(ServiceError::Refused(m));
        let today = local_date(Utc::now(), self.settings.time_zone);
        let found = self.survey_patient(actor, typed.patient).await?;
        let patient = found.id;
        let Some(coordinator) = found.coordinator_id else {
            return refuse(format!(
                "Patient: {} ({}) has no coordinator yet, so there is nobody to rate.",
                found.name, found.chart_code
            ));
        };
        let score = typed.score.trim();
        let Some(score) = score.parse::<i32>().ok().filter(|s| (1..=5).contains(s)) else {
            return refuse(format!("Score: a whole number from 1 to 5 (you entered \"{score}\")."));
        };
        let on = typed.surveyed_on.trim();
        let Ok(on) = chrono::NaiveDate::parse_from_str(on, "%Y-%m-%d") else {
            return refuse(format!("Survey date: \"{on}\" is not a date (YYYY-MM-DD)."));
        };
        if on > today || on < today - chrono::Duration::days(365) {
            return refuse(format!(
                "Survey date: {on} must be within the last year and not in the future."
            ));
        }
        let detail = format!("score {score} on {on} for coordinator {coordinator}");
        let survey = NewSurvey {
            patient_id: patient,
            coordinator_id: coordinator,
            score,
            surveyed_on: on,
            recorded_by: actor.id,
        };
        if !self.record_survey(actor, &survey, detail, Utc::now()).await? {
            return refuse(format!("Survey: this patient already has a survey recorded on {on}."));
        }
        Ok(())
    }

    /// Managers and admins only.
    pub(crate) fn require_oversight(&self, actor: &Actor) -> ServiceResult<()> {
        if actor.role.sees_team_oversight() { Ok(()) } else { Err(ServiceError::Forbidden) }
    }

    /// The caseload holders of the actor's team (a manager's own, else the practice) with their
    /// figures over the team windows ending now.
    pub async fn team_members(&self, actor: &Actor) -> ServiceResult<Arc<Vec<TeamMember>>> {
        let of = self.default_team(actor).await?;
        self.team_members_of(actor, of).await
    }

    /// The caseload holders of one team, or of the practice, with their figures.
    pub async fn team_members_of(
        &self,
        actor: &Actor,
        of: TeamOf,
    ) -> ServiceResult<Arc<Vec<TeamMember>>> {
        self.require_oversight(actor)?;
        let revisions = self.figures.team_revisions().await?;
        Ok(self.figures.team(revisions, windows(Utc::now(), self.settings.time_zone), of).await?)
    }

    /// A page of the assignment queue under `filter`, and how many rows match.
    pub async fn assignment_queue(
        &self,
        actor: &Actor,
        filter: &QueueFilter,
    ) -> ServiceResult<Arc<QueuePage>> {
        self.require_oversight(actor)?;
        let revisions = self.figures.team_revisions().await?;
        Ok(self.figures.queue_page(revisions, filter, None).await?)
    }

    /// Tab 3's queue page: the rows `filter` selects (page `page`), how many waited past
    /// `overdue_before`, the team (`chosen` by an admin, else the actor's) and its trends; the read
    /// is audited. The queue is the practice's: a waiting patient belongs to no team yet.
    pub async fn team_overview(
        &self,
        actor: &Actor,
        filter: &QueueFilter,
        page: i64,
        overdue_before: DateTime<Utc>,
        chosen: Option<UserId>,
    ) -> ServiceResult<TeamOverview> {
        self.require_oversight(actor)?;
        let revisions = self.figures.team_revisions().await?;
        let view = self.team_view(actor, chosen, revisions).await?;
        let counts = self.figures.queue_counts(revisions, overdue_before).await?;
        let queue = self.figures.queue_page(revisions, filter, Some(counts.pending)).await?;
        let now = Utc::now();
        let team =
            self.figures.team(revisions, windows(now, self.settings.time_zone), view.of).await?;
        let trends = self.figures.queue_trends(revisions, now, view.of).await?;
        let detail = format!("{} rows, page {page}; {}", queue.total, view.name);
        let listed = queue.rows.iter().map(|r| r.id).collect();
        self.audit_read(actor, "team.queue", listed, detail).await?;
        let (facilities, providers) = self.store.facilities_and_providers().await?;
        Ok(TeamOverview {
            view,
            queue,
            overdue: counts.overdue,
            team,
            trends,
            pending: counts.pending,
            facilities,
            providers,
            to_reassign: self.figures.caseloads_to_reassign(revisions).await?,
        })
    }

    /// A page of the queue of waiting patients, in its order (for the JSON API).
    pub async fn queue_page(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
        limit: i64,
        offset: i64,
    ) -> ServiceResult<Arc<QueuePage>> {
        let filter = QueueFilter { limit, offset, recent_since: now, ..QueueFilter::default() };
        self.assignment_queue(actor, &filter).await
    }

    /// Patients waiting for a coordinator, for the whole-queue plan.
    pub async fn waiting_patients(&self, actor: &Actor) -> ServiceResult<Vec<QueueRow>> {
        self.require_oversight(actor)?;
        Ok(self.store.waiting_patients().await?)
    }

    /// One patient's queue row, whether or not still waiting.
    pub async fn queue_entry(
        &self,
        actor: &Actor,
        patient_id: PatientId,
    ) -> ServiceResult<Option<QueueRow>> {
        self.require_oversight(actor)?;
        Ok(self.store.queue_entry(patient_id).await?)
    }

    /// Tab 3's trend cards: the team's caseloads a week ago and the queue's length yesterday.
    pub async fn queue_trends(&self, actor: &Actor, of: TeamOf) -> ServiceResult<Arc<QueueTrends>> {
        self.require_oversight(actor)?;
        let revisions = self.figures.team_revisions().await?;
        Ok(self.figures.queue_trends(revisions, Utc::now(), of).await?)
    }

    /// Gives waiting patients to coordinators in one transaction; `details` is each one's audit
    /// text, in the batch's order.
    pub async fn finalize_assignments(
        &self,
        actor: &Actor,
        batch: &[NewAssignment],
        details: Vec<String>,
        now: DateTime<Utc>,
    ) -> ServiceResult<Finalized> {
        self.require_oversight(actor)?;
        let events: Vec<NewAuditEvent> = batch
            .iter()
            .zip(details)
            .map(|(a, detail)| {
                audit_event(actor, "assignment.finalize", Some(a.patient_id), detail)
            })
            .collect();
        let finalized = self.store.finalize_assignments(batch, actor.id, &events, now).await?;
        if let Finalized::Done { ids, superseded } = &finalized {
            for review in superseded {
                self.close_review_requests(review.patient_id, now).await?;
                let assignment =
                    batch.iter().zip(ids).find(|(a, _)| a.patient_id == review.patient_id);
                if let Some((a, id)) = assignment {
                    self.tell_review_superseded(actor, review, a.coordinator_id, *id, now).await?;
                }
            }
        }
        Ok(finalized)
    }

    /// Every admin's "Senior review requested" notice for the patient is marked read once the
    /// review is answered or superseded: nothing is left for them to do.
    async fn close_review_requests(
        &self,
        patient_id: PatientId,
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        let keys = review_request_keys(patient_id);
        self.store.close_notices(Kind::SeniorReview, &keys, now).await?;
        Ok(())
    }

    /// The manager who asked for a senior review learns that the patient was assigned before an
    /// answer (not when they assigned the patient themselves).
    async fn tell_review_superseded(
        &self,
        actor: &Actor,
        review: &SupersededReview,
        coordinator: UserId,
        assignment_id: i64,
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        if review.requested_by == actor.id {
            return Ok(());
        }
        let patient = self.patient_name(review.patient_id).await?;
        let coordinator =
            self.store.user_by_id(coordinator).await?.map(|u| u.display_name).unwrap_or_default();
        let notice = Notice {
            kind: Kind::SeniorReview,
            title: format!("Senior review closed: {patient} was assigned"),
            body: format!(
                "{} assigned {patient} to {coordinator} before an answer; your review request is closed as superseded.",
                actor.display_name
            ),
            link: &format!("/team/assignments/{assignment_id}"),
            event: &format!("superseded:{}", review.id),
            patient_id: Some(review.patient_id),
        };
        self.notify(review.requested_by, notice, now).await
    }

    /// Asks the admins for a senior review of a patient's assignment; false when one is open.
    pub async fn request_senior_review(
        &self,
        actor: &Actor,
        patient_id: PatientId,
        proposed: Option<UserId>,
        notes: &str,
        detail: String,
        now: DateTime<Utc>,
    ) -> ServiceResult<bool> {
        self.require_oversight(actor)?;
        let event = audit_event(actor, "assignment.review_requested", Some(patient_id), detail);
        Ok(self
            .store
            .request_senior_review(patient_id, actor.id, proposed, notes, &event, now)
            .await?)
    }

    pub async fn admin_ids(&self) -> ServiceResult<Vec<UserId>> {
        Ok(self.store.admin_ids().await?)
    }

    pub async fn senior_reviews(
        &self,
        actor: &Actor,
        of: ReviewsOf,
        limit: i64,
    ) -> ServiceResult<Vec<SeniorReview>> {
        self.require_oversight(actor)?;
        Ok(self.store.senior_reviews(of, limit).await?)
    }

    pub async fn senior_review(&self, actor: &Actor, id: i64) -> ServiceResult<SeniorReview> {
        self.require_admin(actor)?;
        self.store.senior_review(id).await?.ok_or(ServiceError::NotFound)
    }

    /// An admin's answer to a senior review: some words within the limit, once a review. The
    /// patient goes back to the queue and the manager who asked is told. Refusals name the rule.
    pub async fn answer_senior_review(
        &self,
        actor: &Actor,
        id: i64,
        answer: &str,
    ) -> ServiceResult<()> {
        let review = self.senior_review(actor, id).await?;
        let refuse = |m: String| Err(ServiceError::Refused(m));
        let answer = answer.trim();
        if answer.is_empty() {
            let patient = &review.patient;
            return refuse(format!("Answer for {patient}: write the answer the manager will see."));
        }
        if answer.chars().count() > NOTES_LIMIT {
            return refuse(format!("Answer: at most {NOTES_LIMIT} characters."));
        }
        let now = Utc::now();
        let detail = format!("review {}: {answer}", review.id);
        let event =
            audit_event(actor, "assignment.review_answered", Some(review.patient_id), detail);
        if !self.store.answer_senior_review(&review, actor.id, answer, &event, now).await? {
            return refuse(format!("The review of {} was answered already.", review.patient));
        }
        self.close_review_requests(review.patient_id, now).await?;
        let notice = Notice {
            kind: Kind::SeniorReview,
            title: format!("Senior review answered: {}", review.patient),
            body: format!("by {}: back in the queue", actor.display_name),
            link: &format!("/team/assign/{}", review.patient_id),
            event: &format!("answer:{id}"),
            patient_id: Some(review.patient_id),
        };
        self.notify(review.requested_by_id, notice, now).await
    }

    /// An assignment record: managers and admins see every one; a coordinator the handoffs they
    /// are part of. Anything else is not found.
    pub async fn assignment_in_reach(
        &self,
        actor: &Actor,
        id: i64,
    ) -> ServiceResult<AssignmentRecord> {
        let record = self.store.assignment(id).await?.ok_or(ServiceError::NotFound)?;
        if actor.role.sees_all_patients() {
            return Ok(record);
        }
        // A coordinator's reach is the patient's current coordinator, never a past one: after a
        // reassignment the old record (and its .ics, which names the patient) answers 404 to them.
        let current = self.is_own_patient(actor, record.patient_id).await?;
        let theirs = record.coordinator_id == actor.id;
        let attending = record.handoff_with_id == Some(actor.id)
            && record.handoff_at.is_some_and(|at| at > Utc::now() - chrono::Duration::days(1));
        if (current && theirs) || attending { Ok(record) } else { Err(ServiceError::NotFound) }
    }

    /// The patient's name as the record shows it, or empty when the patient is gone.
    pub async fn patient_name(&self, patient_id: PatientId) -> ServiceResult<String> {
        Ok(self.store.patient_detail(patient_id).await?.map(|p| p.name).unwrap_or_default())
    }

    /// Schedules an assignment's handoff call at `at` with `with`.
    pub async fn schedule_handoff(
        &self,
        actor: &Actor,
        record: &AssignmentRecord,
        at: DateTime<Utc>,
        with: UserId,
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        let detail = format!("assignment {} handoff at {}", record.id, at.to_rfc3339());
        let event = audit_event(actor, "assignment.handoff", Some(record.patient_id), detail);
        Ok(self.store.schedule_handoff(record.id, at, with, &event, now).await?)
    }

    /// A coordinator's profile: caseload limit, availability, hours, languages and facilities.
    pub async fn update_profile(
        &self,
        actor: &Actor,
        user_id: UserId,
        update: &ProfileUpdate,
        detail: String,
    ) -> ServiceResult<()> {
        self.require_oversight(actor)?;
        let event = audit_event(actor, "team.profile_update", None, detail);
        Ok(self.store.update_profile(user_id, update, &event, Utc::now()).await?)
    }

    /// Per coordinator and month: QA reviews and satisfaction surveys in the window.
    pub async fn quality_months(
        &self,
        actor: &Actor,
        window: &QualityWindow,
    ) -> ServiceResult<BTreeMap<(UserId, YearMonth), QualityMonth>> {
        self.require_oversight(actor)?;
        let tz = self.settings.time_zone;
        Ok(self.store.quality_months(window, |t| YearMonth::of(local_date(t, tz))).await?)
    }

    /// Entries for the reviewer to sample, never their own.
    pub async fn qa_sample(
        &self,
        actor: &Actor,
        since: DateTime<Utc>,
        coordinator: Option<UserId>,
        seed: i64,
        limit: i64,
    ) -> ServiceResult<Vec<SampleEntry>> {
        self.require_oversight(actor)?;
        Ok(self.store.qa_sample(actor.id, since, coordinator, seed, limit).await?)
    }

    /// The one patient a survey names by chart code or name; none or several is refused, the
    /// several listed so the manager can tell them apart.
    async fn survey_patient(&self, actor: &Actor, typed: &str) -> ServiceResult<SurveyPatient> {
        self.require_oversight(actor)?;
        let typed = typed.trim();
        if typed.is_empty() {
            return Err(ServiceError::Refused(
                "Patient: type a chart code or the patient's name.".into(),
            ));
        }
        let mut found = self.store.patients_by_code_or_name(typed, 6).await?;
        match found.len() {
            0 => Err(ServiceError::Refused(format!(
                "Patient: nobody matches \"{typed}\" (a chart code, or words of the name)."
            ))),
            1 => Ok(found.remove(0)),
            n => {
                let listed: Vec<String> = found
                    .iter()
                    .take(5)
                    .map(|p| format!("{} ({})", p.name, p.chart_code))
                    .collect();
                let how_many = if n > 5 { "more than 5 patients" } else { "several patients" };
                Err(ServiceError::Refused(format!(
                    "Patient: {how_many} match \"{typed}\": {}. Type the chart code or more of the name.",
                    listed.join(", ")
                )))
            }
        }
    }

    /// Records a manager's QA review of another's entry: accurate yes or no, a rating from 1 to
    /// 5, notes within the limit, once an entry. Each refusal names the rule.
    pub async fn record_typed_review(
        &self,
        actor: &Actor,
        typed: &TypedReview<'_>,
    ) -> ServiceResult<()> {
        self.require_oversight(actor)?;
        let refuse = |m: &str| Err(ServiceError::Refused(m.to_owned()));
        let Ok(entry) = typed.entry.trim().parse::<EntryId>() else {
            return refuse("Review: choose an entry from the sample.");
        };
        let Some(EntryOwner { coordinator_id, patient_id }) = self.store.entry_owner(entry).await?
        else {
            return refuse("Review: that entry does not exist.");
        };
        if coordinator_id == actor.id {
            return refuse("Review: you cannot review your own entries.");
        }
        let accurate = match typed.accurate {
            "yes" => true,
            "no" => false,
            _ => return refuse("Accurate: answer yes or no."),
        };
        let rating = typed.rating.trim();
        let Some(rating) = rating.parse::<i32>().ok().filter(|r| (1..=5).contains(r)) else {
            return refuse(&format!(
                "Rating: a whole number from 1 to 5 (you entered \"{rating}\")."
            ));
        };
        let notes = typed.notes.trim();
        if notes.chars().count() > NOTES_LIMIT {
            return refuse(&format!("Review notes: at most {NOTES_LIMIT} characters."));
        }
        let verdict = if accurate { "accurate" } else { "not accurate" };
        let detail = format!("entry {entry}: {verdict} rating {rating}; {notes}");
        let event = audit_event(actor, "qa.review", patient_id, detail);
        let review = NewReview {
            task_log_id: entry,
            coordinator_id,
            reviewer: actor.id,
            accurate,
            rating,
            notes,
        };
        if !self.store.record_qa_review(&review, &event, Utc::now()).await? {
            return refuse("Review: that entry has been reviewed already.");
        }
        Ok(())
    }

    /// Records a satisfaction survey; false when the patient has one on that day.
    pub async fn record_survey(
        &self,
        actor: &Actor,
        survey: &NewSurvey,
        detail: String,
        now: DateTime<Utc>,
    ) -> ServiceResult<bool> {
        self.require_oversight(actor)?;
        let event = audit_event(actor, "qa.survey", Some(survey.patient_id), detail);
        Ok(self.store.record_survey(survey, &event, now).await?)
    }

    /// The month's per-coordinator figures for the performance report.
    pub async fn coordinator_months(
        &self,
        actor: &Actor,
        month: YearMonth,
        range: UtcRange,
    ) -> ServiceResult<Vec<CoordinatorMonthRow>> {
        self.require_oversight(actor)?;
        Ok(self.store.coordinator_months(month, range).await?)
    }

    /// Patients first assigned from the queue in the range.
    pub async fn first_assignments(
        &self,
        actor: &Actor,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> ServiceResult<Vec<FirstAssignment>> {
        self.require_oversight(actor)?;
        Ok(self.store.first_assignments(from, to).await?)
    }

    /// The month's care-time target in minutes.
    pub async fn monthly_target(&self) -> ServiceResult<i64> {
        Ok(self.store.monthly_target_minutes().await?)
    }

    /// Facilities, for pickers and filters.
    pub async fn facilities(&self) -> ServiceResult<Vec<carelog_store::Named>> {
        Ok(self.store.facilities().await?)
    }

    /// Providers, for filters.
    pub async fn providers(&self) -> ServiceResult<Vec<carelog_store::Named>> {
        Ok(self.store.providers().await?)
    }
}
