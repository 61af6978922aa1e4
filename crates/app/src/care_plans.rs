//! The care plan's versions (domain.md "Enrollment"): the draft written with CMS's sections and
//! measurable goals, its activation by a practitioner's approval (superseding the version in force),
//! the plan's end, a discarded draft, and the patient's copy. Each change is audited with what it was
//! and what it became.

use carelog_domain::enrollment::{DraftContents, ready_to_activate, record_date};
use carelog_domain::patient::{CopyDelivery, GoalStatus};
use carelog_store::{Activation, CarePlanSections, NewGoal};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use crate::actor::audit_event;
use crate::enrollment::{EnrollmentView, refused, text};
use crate::patients::VisiblePatient;
use crate::{Actor, App, ServiceError, ServiceResult};

/// How many goals the care plan form holds.
pub const GOAL_SLOTS: usize = 6;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CarePlanInput {
    pub problem_list: String,
    pub expected_outcome: String,
    pub symptom_management: String,
    pub interventions: String,
    pub medication_management: String,
    pub community_services: String,
    pub coordination: String,
    pub next_review_on: String,
    pub goal_1: String,
    pub target_1: String,
    pub status_1: String,
    pub goal_2: String,
    pub target_2: String,
    pub status_2: String,
    pub goal_3: String,
    pub target_3: String,
    pub status_3: String,
    pub goal_4: String,
    pub target_4: String,
    pub status_4: String,
    pub goal_5: String,
    pub target_5: String,
    pub status_5: String,
    pub goal_6: String,
    pub target_6: String,
    pub status_6: String,
}

impl CarePlanInput {
    /// Fills the goal slots in order from (goal, target date, status); at most [`GOAL_SLOTS`].
    pub fn set_goals(&mut self, goals: Vec<(String, String, String)>) {
        let mut goals = goals.into_iter();
        for (goal, target, status) in [
            (&mut self.goal_1, &mut self.target_1, &mut self.status_1),
            (&mut self.goal_2, &mut self.target_2, &mut self.status_2),
            (&mut self.goal_3, &mut self.target_3, &mut self.status_3),
            (&mut self.goal_4, &mut self.target_4, &mut self.status_4),
            (&mut self.goal_5, &mut self.target_5, &mut self.status_5),
            (&mut self.goal_6, &mut self.target_6, &mut self.status_6),
        ] {
            let (g, t, s) = goals.next().unwrap_or_default();
            (*goal, *target, *status) = (g, t, s);
        }
    }

    /// The goal slots as (goal, target date, status) text.
    fn goal_slots(&self) -> [(&str, &str, &str); GOAL_SLOTS] {
        [
            (&self.goal_1, &self.target_1, &self.status_1),
            (&self.goal_2, &self.target_2, &self.status_2),
            (&self.goal_3, &self.target_3, &self.status_3),
            (&self.goal_4, &self.target_4, &self.status_4),
            (&self.goal_5, &self.target_5, &self.status_5),
            (&self.goal_6, &self.target_6, &self.status_6),
        ]
        .map(|(g, t, s)| (g.as_str(), t.as_str(), s.as_str()))
    }
}

impl App {
    /// The care plan page: every version; the read is audited.
    pub async fn care_plan_versions(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
    ) -> ServiceResult<EnrollmentView> {
        let view = self.enrollment(patient).await?;
        self.audit(actor, "patient.care_plan", Some(patient.id()), "care plan versions".into())
            .await?;
        Ok(view)
    }

    pub async fn save_care_plan_draft(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
        input: &CarePlanInput,
    ) -> ServiceResult<String> {
        let next_review_on = match input.next_review_on.trim() {
            "" => None,
            typed => Some(NaiveDate::parse_from_str(typed, "%Y-%m-%d").map_err(|_| {
                ServiceError::Refused(format!(
                    "Next review: write the date as YYYY-MM-DD; \"{typed}\" is not one"
                ))
            })?),
        };
        let sections = CarePlanSections {
            problem_list: text("problem list", &input.problem_list, 4000)?,
            expected_outcome: text("expected outcome", &input.expected_outcome, 4000)?,
            symptom_management: text("symptom management", &input.symptom_management, 4000)?,
            interventions: text("interventions", &input.interventions, 4000)?,
            medication_management: text(
                "medication management",
                &input.medication_management,
                4000,
            )?,
            community_services: text("community services", &input.community_services, 4000)?,
            coordination: text("coordination", &input.coordination, 4000)?,
            next_review_on,
        };
        let mut goals = Vec::new();
        for (n, (goal, target, status)) in input.goal_slots().into_iter().enumerate() {
            let goal = text("goal", goal, 500)?;
            if goal.is_empty() {
                continue;
            }
            let target_on = match target.trim() {
                "" => None,
                typed => Some(NaiveDate::parse_from_str(typed, "%Y-%m-%d").map_err(|_| {
                    ServiceError::Refused(format!(
                        "Goal {}: write the target date as YYYY-MM-DD; \"{typed}\" is not one",
                        n + 1
                    ))
                })?),
            };
            let status = if status.trim().is_empty() {
                GoalStatus::NotStarted
            } else {
                GoalStatus::parse(status).map_err(refused)?
            };
            goals.push(NewGoal { goal, target_on, status });
        }
        let before = self.enrollment_records(patient).await?;
        let changed = match before.draft() {
            Some(draft) => changed_sections(&draft.sections, &sections),
            None => "a new draft".to_owned(),
        };
        let detail = format!("care plan draft saved ({changed}); {} goals", goals.len());
        let audit = audit_event(actor, "enrollment.care_plan_draft", Some(patient.id()), detail);
        let version = self
            .store
            .save_care_plan_draft(patient.id(), &sections, &goals, actor.id, &audit, Utc::now())
            .await?;
        Ok(format!("Care plan version {version} saved as a draft."))
    }

    pub async fn activate_care_plan(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
        activated_on: &str,
        approved_by: &str,
    ) -> ServiceResult<String> {
        let on = record_date("activation date", activated_on, self.today()).map_err(refused)?;
        let practitioners = self.store.practitioners().await?;
        let Some(approver) = approved_by
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|id| practitioners.into_iter().find(|p| p.id == id))
        else {
            return Err(ServiceError::Refused(
                "Approving practitioner: choose the practitioner who approved the plan".into(),
            ));
        };
        let records = self.enrollment_records(patient).await?;
        let Some(draft) = records.draft() else {
            return Err(ServiceError::Refused("Care plan: there is no draft to activate".into()));
        };
        let contents = DraftContents {
            problem_list: !draft.sections.problem_list.is_empty(),
            expected_outcome: !draft.sections.expected_outcome.is_empty(),
            goals: draft.goals.len(),
            interventions: !draft.sections.interventions.is_empty(),
            next_review_on: draft.sections.next_review_on,
        };
        ready_to_activate(&contents, on).map_err(refused)?;
        if let Some(active) = records.active()
            && active.activated_on.is_some_and(|since| on < since)
        {
            return Err(ServiceError::Refused(format!(
                "Activation date: {on} is before version {} became active",
                active.version
            )));
        }
        let replaced = records.active().map_or_else(
            || "none".to_owned(),
            |v| format!("version {} (superseded {on})", v.version),
        );
        let detail = format!(
            "care plan: active {replaced} → version {} from {on}, approved by {}",
            draft.version, approver.name
        );
        let audit = audit_event(actor, "enrollment.care_plan_active", Some(patient.id()), detail);
        let activation = Activation { on, by: actor.id, approved_by: approver.id };
        self.store.activate_care_plan(patient.id(), activation, &audit, Utc::now()).await?;
        Ok(format!("Care plan version {} is active from {on}.", draft.version))
    }

    pub async fn end_care_plan(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
        ended_on: &str,
    ) -> ServiceResult<String> {
        let on = record_date("end date", ended_on, self.today()).map_err(refused)?;
        let records = self.enrollment_records(patient).await?;
        let Some(active) = records.active() else {
            return Err(ServiceError::Refused("Care plan: no version is active".into()));
        };
        if active.activated_on.is_some_and(|since| on < since) {
            return Err(ServiceError::Refused(format!(
                "End date: {on} is before version {} became active",
                active.version
            )));
        }
        let detail = format!("care plan version {}: Active → Inactive from {on}", active.version);
        let audit = audit_event(actor, "enrollment.care_plan_inactive", Some(patient.id()), detail);
        self.store.end_care_plan(patient.id(), on, &audit, Utc::now()).await?;
        Ok(format!("Care plan version {} made inactive from {on}.", active.version))
    }

    pub async fn discard_care_plan_draft(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
    ) -> ServiceResult<String> {
        let records = self.enrollment_records(patient).await?;
        let Some(draft) = records.draft() else {
            return Err(ServiceError::Refused("Care plan: there is no draft".into()));
        };
        let s = &draft.sections;
        let detail = format!(
            "care plan draft version {} discarded; it held: problems «{}», outcome «{}», interventions «{}», {} goals",
            draft.version,
            s.problem_list,
            s.expected_outcome,
            s.interventions,
            draft.goals.len()
        );
        let audit =
            audit_event(actor, "enrollment.care_plan_discarded", Some(patient.id()), detail);
        self.store.discard_care_plan_draft(patient.id(), &audit, Utc::now()).await?;
        Ok(format!("Draft version {} discarded.", draft.version))
    }

    pub async fn record_care_plan_copy(
        &self,
        actor: &Actor,
        patient: VisiblePatient,
        version: &str,
        given_on: &str,
        how: &str,
    ) -> ServiceResult<String> {
        let on = record_date("copy given on", given_on, self.today()).map_err(refused)?;
        let how = CopyDelivery::parse(how).map_err(refused)?;
        let version: i32 = version
            .trim()
            .parse()
            .map_err(|_| ServiceError::Refused("Version: choose a version".into()))?;
        let detail = format!("care plan version {version}: copy given none → {on}, {how}");
        let audit = audit_event(actor, "enrollment.care_plan_copy", Some(patient.id()), detail);
        self.store
            .record_care_plan_copy(patient.id(), version, on, how, &audit, Utc::now())
            .await?;
        Ok(format!("Copy of version {version} given {how} on {on}."))
    }
}

/// The sections a save changed, by name: for the audit event and the versions' comparison.
pub fn changed_sections(before: &CarePlanSections, after: &CarePlanSections) -> String {
    let names: Vec<&str> = [
        (before.problem_list != after.problem_list, "problem list"),
        (before.expected_outcome != after.expected_outcome, "expected outcome"),
        (before.symptom_management != after.symptom_management, "symptom management"),
        (before.interventions != after.interventions, "interventions"),
        (before.medication_management != after.medication_management, "medication management"),
        (before.community_services != after.community_services, "community services"),
        (before.coordination != after.coordination, "coordination"),
        (before.next_review_on != after.next_review_on, "next review"),
    ]
    .into_iter()
    .filter(|(changed, _)| *changed)
    .map(|(_, name)| name)
    .collect();
    if names.is_empty() {
        "sections unchanged".into()
    } else {
        format!("changed: {}", names.join(", "))
    }
}
