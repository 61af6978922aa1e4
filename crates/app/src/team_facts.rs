//! Between the store's team figures and the match score's inputs: windows, averages and settings.

use carelog_domain::assignment::{CoordinatorFacts, PatientNeeds, Weights};
use carelog_domain::assignment_queue::{DEFAULT_SLA_HOURS, parse_sla_hours, validate_weights};
use carelog_domain::capacity::{Load, capacity_state};
use carelog_domain::ids::UserId;
use carelog_domain::patient::Availability;
use carelog_domain::practice_time::{local_date, start_of_day};
use carelog_domain::team_stats::{mean, per_working_day, response_hours, weekdays_between};
use carelog_store::{QueueRow, TeamMember, TeamWindows};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::{App, ServiceResult};

pub const ACTIVITY_DAYS: i64 = 30;
pub const QUALITY_DAYS: i64 = 182;

pub fn windows(now: DateTime<Utc>, tz: Tz) -> TeamWindows {
    let today = local_date(now, tz);
    TeamWindows {
        activity_since: start_of_day(today - Duration::days(ACTIVITY_DAYS), tz),
        quality_since: start_of_day(today - Duration::days(QUALITY_DAYS), tz),
        quality_since_date: today - Duration::days(QUALITY_DAYS),
    }
}

/// The working days in the activity window (today excluded: it is not over).
pub fn working_days(now: DateTime<Utc>, tz: Tz) -> i64 {
    let today = local_date(now, tz);
    weekdays_between(today - Duration::days(ACTIVITY_DAYS), today)
}

/// A member's match-score inputs, every one computed from recorded data.
pub fn facts(m: &TeamMember, now: DateTime<Utc>, tz: Tz) -> CoordinatorFacts {
    let responses: Vec<f64> = m
        .completions
        .iter()
        .map(|(due, done)| response_hours(*due, &m.work_start, *done, tz))
        .collect();
    CoordinatorFacts {
        current_caseload: m.caseload,
        max_caseload: m.max_caseload,
        avg_tasks_per_day: per_working_day(m.entries, working_days(now, tz)),
        avg_minutes_per_patient: if m.patients_logged > 0 {
            m.minutes as f64 / m.patients_logged as f64
        } else {
            0.0
        },
        availability: m.availability,
        specializations: m.specializations.clone(),
        languages: m.languages.clone(),
        facilities: m.patients_by_facility.keys().cloned().collect(),
        performance_rating: (m.reviews > 0).then(|| m.rating_sum as f64 / m.reviews as f64),
        avg_response_hours: mean(&responses),
        satisfaction: (m.surveys > 0).then(|| m.survey_sum as f64 / m.surveys as f64),
    }
}

pub fn needs(row: &QueueRow) -> PatientNeeds {
    PatientNeeds {
        program: row.program,
        special_needs: row.special_needs.clone(),
        language: Some(row.language.clone()),
        facility: row.facility.clone(),
    }
}

/// The availability a person reads: "At Capacity" or "Over Capacity" when the caseload decides it,
/// else the profile's (Unavailable says more than either).
pub fn availability_label(m: &TeamMember) -> String {
    match capacity_state(m.caseload, m.max_caseload).badge() {
        Some(badge) if m.availability != Availability::Unavailable => badge.into(),
        _ => m.availability.to_string(),
    }
}

/// The member as the team's figures count them.
pub fn load(m: &TeamMember) -> Load {
    Load {
        caseload: m.caseload,
        max_caseload: m.max_caseload,
        unavailable: m.availability == Availability::Unavailable,
    }
}

/// "today", "yesterday", "3 days ago", or "never".
pub fn days_ago(at: Option<DateTime<Utc>>, now: DateTime<Utc>, tz: Tz) -> String {
    match at.map(|t| (local_date(now, tz) - local_date(t, tz)).num_days()) {
        None => "never".into(),
        Some(d) if d <= 0 => "today".into(),
        Some(1) => "yesterday".into(),
        Some(d) => format!("{d} days ago"),
    }
}

impl App {
    /// The match score's weights as the admin set them, or the defaults when unset or invalid.
    pub async fn assignment_weights(&self) -> ServiceResult<Weights> {
        let read = |v: Option<String>, default: f64| {
            v.and_then(|s| s.parse::<f64>().ok()).unwrap_or(default)
        };
        let d = Weights::default();
        let store = &self.store;
        let w = Weights {
            workload: read(store.setting("assignment.weight.workload").await?, d.workload),
            specialization: read(
                store.setting("assignment.weight.specialization").await?,
                d.specialization,
            ),
            experience: read(store.setting("assignment.weight.experience").await?, d.experience),
            language: read(store.setting("assignment.weight.language").await?, d.language),
        };
        Ok(validate_weights(w).unwrap_or(d))
    }

    /// Every coordinator and manager with their figures and username, for FHIR's Practitioner.
    /// The staff as FHIR Practitioners: names, languages and roles for everyone; usernames (sign-in
    /// names, half a credential) for admins only.
    pub async fn practitioners(
        &self,
        actor: &crate::Actor,
    ) -> ServiceResult<Vec<(TeamMember, Option<String>)>> {
        let now = windows(Utc::now(), self.settings.time_zone);
        let revisions = self.figures.team_revisions().await?;
        let team = self.figures.team(revisions, now, carelog_store::TeamOf::Practice).await?;
        let usernames: std::collections::HashMap<UserId, String> = if actor.role.administers() {
            self.store.list_users().await?.into_iter().map(|u| (u.id, u.username)).collect()
        } else {
            std::collections::HashMap::new()
        };
        Ok(team.iter().map(|m| (m.clone(), usernames.get(&m.id).cloned())).collect())
    }

    /// The assignment SLA in hours (admin setting, default 24).
    pub async fn sla_hours(&self) -> ServiceResult<i64> {
        Ok(self
            .store
            .setting("assignment.sla_hours")
            .await?
            .and_then(|s| parse_sla_hours(&s).ok())
            .unwrap_or(DEFAULT_SLA_HOURS))
    }
}
