//! What the match score and the workload view need about each caseload holder, gathered from recorded
//! data in a fixed number of grouped queries, whatever the team's size.

use std::collections::BTreeMap;

use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::patient::{Availability, PatientStatus};
use carelog_domain::role::Role;
use carelog_domain::schedule::TaskStatus;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::FromQueryResult;

use crate::connection::at;
use crate::keys::key;
use crate::{Result, Store};

/// Whose figures to read: the whole practice, or the team a manager leads (the people whose manager
/// they are, and themselves).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TeamOf {
    Practice,
    LedBy(UserId),
}

impl TeamOf {
    /// `AND <column> IN (…)` for a team's members, nothing for the practice. The ids are integers
    /// read from the database and formatted here, never user text.
    fn members_in(self, column: &str, members: &[UserId]) -> String {
        match self {
            TeamOf::Practice => String::new(),
            TeamOf::LedBy(_) => {
                let ids: Vec<String> = members.iter().map(|m| m.0.to_string()).collect();
                // An empty team still has its leader, so the list is never empty; NULL keeps it valid.
                let ids = if ids.is_empty() { "NULL".to_owned() } else { ids.join(", ") };
                format!(" AND {column} IN ({ids})")
            }
        }
    }
}

/// One caseload holder: their profile and what the log, the assignments and the reviews say of them.
#[derive(Debug, Clone)]
pub struct TeamMember {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    /// Who manages them (an admin sets it); None when nobody does.
    pub manager_id: Option<UserId>,
    pub max_caseload: i64,
    pub availability: Availability,
    pub work_start: String,
    pub work_end: String,
    pub specializations: Vec<String>,
    pub languages: Vec<String>,
    /// The facilities the profile says they serve.
    pub facilities_served: Vec<String>,
    /// Active patients on the caseload.
    pub caseload: i64,
    /// Active patients on the caseload by facility: the facility experience the score uses.
    pub patients_by_facility: BTreeMap<String, i64>,
    /// Log entries, minutes and distinct patients in the window.
    pub entries: i64,
    pub minutes: i64,
    pub patients_logged: i64,
    pub last_assignment: Option<DateTime<Utc>>,
    pub reviews: i64,
    pub rating_sum: i64,
    pub accurate: i64,
    pub surveys: i64,
    pub survey_sum: i64,
    /// Completed generated tasks in the window: (due date, completed at).
    pub completions: Vec<(NaiveDate, DateTime<Utc>)>,
}

/// The windows the figures are counted over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TeamWindows {
    /// Tasks a day, minutes a patient and response time: the last 30 days.
    pub activity_since: DateTime<Utc>,
    /// Performance rating and satisfaction: the last 6 months.
    pub quality_since: DateTime<Utc>,
    pub quality_since_date: NaiveDate,
}

#[derive(FromQueryResult)]
struct ProfileRow {
    id: UserId,
    display_name: String,
    role: Role,
    manager_id: Option<UserId>,
    max_caseload: i32,
    availability: Availability,
    work_start: String,
    work_end: String,
}

/// One line of a member's profile list (a specialization, a language, a facility).
#[derive(FromQueryResult)]
struct MemberValue {
    user_id: UserId,
    value: String,
}

#[derive(FromQueryResult)]
struct FacilityCaseload {
    coordinator_id: UserId,
    facility: String,
    n: i64,
}

#[derive(FromQueryResult)]
struct Activity {
    coordinator_id: UserId,
    entries: i64,
    minutes: i64,
    patients: i64,
}

#[derive(FromQueryResult)]
struct LastAssignment {
    coordinator_id: UserId,
    last: Option<DateTime<Utc>>,
}

#[derive(FromQueryResult)]
struct Reviews {
    coordinator_id: UserId,
    n: i64,
    rating: Option<i64>,
    accurate: Option<i64>,
}

#[derive(FromQueryResult)]
struct Surveys {
    coordinator_id: UserId,
    n: i64,
    total: Option<i64>,
}

#[derive(FromQueryResult)]
struct Completion {
    coordinator_id: UserId,
    due_date: NaiveDate,
    completed_at: Option<DateTime<Utc>>,
}

/// A coordinator's count of something (caseload at a moment).
#[derive(FromQueryResult)]
struct Count {
    coordinator_id: UserId,
    n: i64,
}

impl Store {
    /// The team as the database stands now (`carelog_app::figures` keeps it): every caseload holder,
    /// or one manager's team, each read bounded by its members.
    pub async fn compute_team(&self, windows: TeamWindows, of: TeamOf) -> Result<Vec<TeamMember>> {
        let mut team: BTreeMap<UserId, TeamMember> = BTreeMap::new();
        let (led, params) = match of {
            TeamOf::Practice => ("", vec![]),
            TeamOf::LedBy(m) => (" AND (c.manager_id = $1 OR u.id = $1)", vec![m.into()]),
        };
        let profiles: Vec<ProfileRow> = self
            .rows(
                &format!(
                    "SELECT u.id, u.display_name, u.role, c.manager_id, c.max_caseload, c.availability, c.work_start, c.work_end
                     FROM users u JOIN coordinator_profiles c ON c.user_id = u.id WHERE u.is_active = TRUE{led}"
                ),
                params,
            )
            .await?;
        let ids: Vec<UserId> = profiles.iter().map(|p| p.id).collect();
        let members_in = |column: &str| of.members_in(column, &ids);
        for p in profiles {
            let member = TeamMember {
                id: p.id,
                name: p.display_name,
                role: p.role,
                manager_id: p.manager_id,
                max_caseload: i64::from(p.max_caseload),
                availability: p.availability,
                work_start: p.work_start,
                work_end: p.work_end,
                specializations: Vec::new(),
                languages: Vec::new(),
                facilities_served: Vec::new(),
                caseload: 0,
                patients_by_facility: BTreeMap::new(),
                entries: 0,
                minutes: 0,
                patients_logged: 0,
                last_assignment: None,
                reviews: 0,
                rating_sum: 0,
                accurate: 0,
                surveys: 0,
                survey_sum: 0,
                completions: Vec::new(),
            };
            team.insert(p.id, member);
        }
        let lists = [
            format!(
                "SELECT user_id, specialization AS value FROM coordinator_specializations WHERE 1 = 1{} ORDER BY specialization",
                members_in("user_id")
            ),
            format!(
                "SELECT user_id, language AS value FROM coordinator_languages WHERE 1 = 1{} ORDER BY language",
                members_in("user_id")
            ),
            format!(
                "SELECT cf.user_id, f.name AS value FROM coordinator_facilities cf JOIN facilities f ON f.id = cf.facility_id WHERE 1 = 1{} ORDER BY f.name",
                members_in("cf.user_id")
            ),
        ];
        for (list, sql) in lists.into_iter().enumerate() {
            for v in self.rows::<MemberValue>(&sql, vec![]).await? {
                if let Some(m) = team.get_mut(&v.user_id) {
                    [&mut m.specializations, &mut m.languages, &mut m.facilities_served][list]
                        .push(v.value);
                }
            }
        }
        for c in self
            .rows::<FacilityCaseload>(
                &format!(
                    "SELECT p.coordinator_id, COALESCE(f.name, '') AS facility, COUNT(*) AS n FROM patients p
                     LEFT JOIN facilities f ON f.id = p.facility_id
                     WHERE p.status = {} AND p.coordinator_id IS NOT NULL{} GROUP BY p.coordinator_id, f.name",
                    key(PatientStatus::Active),
                    members_in("p.coordinator_id")
                ),
                vec![],
            )
            .await?
        {
            if let Some(m) = team.get_mut(&c.coordinator_id) {
                m.caseload += c.n;
                if !c.facility.is_empty() {
                    m.patients_by_facility.insert(c.facility, c.n);
                }
            }
        }
        // For the practice, `+coordinator_id` keeps SQLite from walking the (coordinator, time) index to
        // save a sort: the window is a small slice of the log, read from the time index alone (1 s → 25 ms
        // at 790,000 entries). A team's few members are each read from that index instead.
        let activity = match of {
            TeamOf::Practice => "SELECT +coordinator_id AS coordinator_id, COUNT(*) AS entries, COALESCE(SUM(minutes), 0) AS minutes, COUNT(DISTINCT patient_id) AS patients
                 FROM coordinator_task_log WHERE task_at >= $1 GROUP BY +coordinator_id".to_owned(),
            TeamOf::LedBy(_) => format!(
                "SELECT coordinator_id, COUNT(*) AS entries, COALESCE(SUM(minutes), 0) AS minutes, COUNT(DISTINCT patient_id) AS patients
                 FROM coordinator_task_log WHERE task_at >= $1{} GROUP BY coordinator_id",
                members_in("coordinator_id")
            ),
        };
        for a in self.rows::<Activity>(&activity, vec![at(windows.activity_since)]).await? {
            if let Some(m) = team.get_mut(&a.coordinator_id) {
                m.entries = a.entries;
                m.minutes = a.minutes;
                m.patients_logged = a.patients;
            }
        }
        for a in self
            .rows::<LastAssignment>(
                &format!(
                    "SELECT coordinator_id, MAX(assigned_at) AS last FROM assignments WHERE 1 = 1{} GROUP BY coordinator_id",
                    members_in("coordinator_id")
                ),
                vec![],
            )
            .await?
        {
            if let Some(m) = team.get_mut(&a.coordinator_id) {
                m.last_assignment = a.last;
            }
        }
        for r in self
            .rows::<Reviews>(
                &format!("SELECT coordinator_id, COUNT(*) AS n, SUM(rating) AS rating, SUM(CASE WHEN accurate THEN 1 ELSE 0 END) AS accurate
                 FROM qa_reviews WHERE reviewed_at >= $1{} GROUP BY coordinator_id", members_in("coordinator_id")),
                vec![at(windows.quality_since)],
            )
            .await?
        {
            if let Some(m) = team.get_mut(&r.coordinator_id) {
                m.reviews = r.n;
                m.rating_sum = r.rating.unwrap_or(0);
                m.accurate = r.accurate.unwrap_or(0);
            }
        }
        for s in self
            .rows::<Surveys>(
                &format!("SELECT coordinator_id, COUNT(*) AS n, SUM(score) AS total FROM satisfaction_surveys WHERE surveyed_on >= $1{} GROUP BY coordinator_id", members_in("coordinator_id")),
                vec![windows.quality_since_date.into()],
            )
            .await?
        {
            if let Some(m) = team.get_mut(&s.coordinator_id) {
                m.surveys = s.n;
                m.survey_sum = s.total.unwrap_or(0);
            }
        }
        for c in self
            .rows::<Completion>(
                &format!(
                    "SELECT coordinator_id, due_date, completed_at FROM generated_tasks WHERE status = {} AND completed_at >= $1{}",
                    key(TaskStatus::Completed),
                    members_in("coordinator_id")
                ),
                vec![at(windows.activity_since)],
            )
            .await?
        {
            if let (Some(m), Some(done)) = (team.get_mut(&c.coordinator_id), c.completed_at) {
                m.completions.push((c.due_date, done));
            }
        }
        let mut members: Vec<TeamMember> = team.into_values().collect();
        members.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(members)
    }

    /// Active patients per coordinator as the assignments stood at `when`: each patient counts for the
    /// coordinator of their latest assignment by then, and a patient with no assignment recorded at
    /// all (given a coordinator before carelog kept them, or by an import) for their coordinator now.
    /// A team's read looks only at the patients its members were ever given.
    /// (Latest ids found in one pass over the (patient, time) index, not one correlated lookup per
    /// assignment: 4× faster at 10,000 patients.)
    pub async fn caseloads_at(
        &self,
        when: DateTime<Utc>,
        of: TeamOf,
    ) -> Result<BTreeMap<UserId, i64>> {
        let active = key(PatientStatus::Active);
        let (theirs, current) = match of {
            TeamOf::Practice => (String::new(), String::new()),
            TeamOf::LedBy(m) => {
                // An integer id formatted here, never user text.
                let members = format!(
                    "(SELECT user_id FROM coordinator_profiles WHERE manager_id = {m} OR user_id = {m})",
                    m = m.0
                );
                (
                    format!(
                        " AND patient_id IN (SELECT patient_id FROM assignments WHERE coordinator_id IN {members})"
                    ),
                    format!(" AND p.coordinator_id IN {members}"),
                )
            }
        };
        let rows: Vec<Count> = self
            .rows(
                &format!(
                    "SELECT a.coordinator_id, COUNT(*) AS n
                     FROM (SELECT patient_id, MAX(id) AS id FROM assignments WHERE assigned_at <= $1{theirs} GROUP BY patient_id) latest
                     JOIN assignments a ON a.id = latest.id JOIN patients p ON p.id = a.patient_id
                     WHERE p.status = {active} GROUP BY a.coordinator_id
                     UNION ALL
                     SELECT p.coordinator_id, COUNT(*) AS n FROM patients p
                     WHERE p.status = {active} AND p.coordinator_id IS NOT NULL{current}
                       AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.patient_id = p.id)
                     GROUP BY p.coordinator_id"
                ),
                vec![at(when)],
            )
            .await?;
        let mut caseloads = BTreeMap::new();
        for r in rows {
            *caseloads.entry(r.coordinator_id).or_insert(0) += r.n;
        }
        Ok(caseloads)
    }

    /// Patients handed off by `when` and not yet assigned by then (Active ones).
    pub async fn pending_at(&self, when: DateTime<Utc>) -> Result<i64> {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM patients p WHERE p.status = {} AND COALESCE(p.provider_handoff_at, p.created_at) <= $1
               AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.patient_id = p.id AND a.assigned_at <= $1)",
            key(PatientStatus::Active)
        );
        self.count(&sql, vec![at(when)]).await
    }

    /// When the patient's current coordinator was assigned (their latest assignment).
    pub async fn latest_assignment_at(
        &self,
        patient_id: PatientId,
    ) -> Result<Option<DateTime<Utc>>> {
        let last: Option<Option<DateTime<Utc>>> = self
            .scalar(
                "SELECT MAX(assigned_at) AS last FROM assignments WHERE patient_id = $1",
                vec![patient_id.into()],
            )
            .await?;
        Ok(last.flatten())
    }
}
