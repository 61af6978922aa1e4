//! Loading a generated practice in bulk: multi-row inserts in chunks, one transaction.
//! References between rows are by position or name; ids are resolved here.

use std::collections::HashMap;

use carelog_domain::catalogue::TaskCategory;
use carelog_domain::ids::{PatientId, TaskTypeId, UserId};
use carelog_domain::patient::{
    Availability, CareGapStatus, CarePlanState, CarePlanStatus, Complexity, ConsentMethod,
    OnboardingStatus, PatientStatus, Priority, Program, Sex,
};
use carelog_domain::role::Role;
use carelog_domain::schedule::TaskStatus;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult, Value};

use crate::connection::at;
use crate::enrollment::{CarePlanSections, NewGoal};
use crate::row::Query;
use crate::{Result, Store, StoreError};

pub struct DemoCoordinator {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub password_hash: String,
    /// Admins carry no caseload and get no profile.
    pub profile: Option<DemoProfile>,
}

pub struct DemoProfile {
    /// Who manages them, by username.
    pub manager: Option<String>,
    pub max_caseload: i32,
    pub availability: Availability,
    pub work_start: String,
    pub work_end: String,
    pub hired_on: NaiveDate,
    pub specializations: Vec<String>,
    pub languages: Vec<String>,
    pub facilities: Vec<String>,
}

pub struct DemoPatient {
    pub chart_code: String,
    pub first_name: String,
    pub last_name: String,
    pub dob: NaiveDate,
    pub phone: String,
    pub email: Option<String>,
    pub address: String,
    pub zip_code: String,
    pub insurance_primary: String,
    pub insurance_policy: String,
    pub sex: Sex,
    /// The payer's member ID (a synthetic MBI for the demo's Medicare patients).
    pub member_id: Option<String>,
    pub facility: String,
    pub provider: String,
    /// Username of the assigned coordinator.
    pub coordinator: Option<String>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub status: PatientStatus,
    pub care_gap_status: CareGapStatus,
    pub language: String,
    pub program: Program,
    pub complexity: Complexity,
    pub complex_ccm: bool,
    pub enrollment: DemoEnrollment,
    pub onboarding_status: OnboardingStatus,
    pub assignment_priority: Priority,
    pub visit_interval_months: i32,
    pub provider_handoff_at: Option<DateTime<Utc>>,
    pub special_needs: Vec<String>,
}

/// A demo patient's enrollment records: every billing figure of the demo stands on these.
#[derive(Debug, Clone, Default)]
pub struct DemoEnrollment {
    /// For each program the patient is enrolled in, obtained by their coordinator after all four
    /// disclosures.
    pub consent: Option<DemoConsent>,
    pub diagnoses: Vec<DemoDiagnosis>,
    /// Oldest version first.
    pub care_plan: Vec<DemoCarePlanVersion>,
    /// When care management began; the patient's provider bills it.
    pub enrolled_on: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct DemoConsent {
    pub obtained_on: NaiveDate,
    pub method: ConsentMethod,
    pub withdrawn_on: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct DemoDiagnosis {
    pub code: String,
    pub description: String,
    pub chronic: bool,
    pub onset_on: Option<NaiveDate>,
    pub resolved_on: Option<NaiveDate>,
}

/// A version activated by the coordinator and approved by the patient's provider, or a draft.
#[derive(Debug, Clone)]
pub struct DemoCarePlanVersion {
    pub state: CarePlanState,
    pub activated_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub copy_given_on: Option<NaiveDate>,
    pub sections: CarePlanSections,
    pub goals: Vec<NewGoal>,
}

impl DemoPatient {
    /// The legacy status column, kept in step with the records it summarises.
    fn care_plan_status(&self) -> CarePlanStatus {
        let states = || self.enrollment.care_plan.iter().map(|v| v.state);
        if states().any(|s| s == CarePlanState::Active) {
            CarePlanStatus::Active
        } else if states().any(|s| s == CarePlanState::Draft) {
            CarePlanStatus::Draft
        } else {
            CarePlanStatus::NotStarted
        }
    }
}

pub struct DemoVisit {
    pub patient: usize,
    pub provider: String,
    pub visit_date: NaiveDate,
    pub visit_type: String,
}

pub struct DemoCareGap {
    pub patient: usize,
    pub description: String,
    pub status: CareGapStatus,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
}

pub struct DemoTaskEntry {
    pub coordinator: String,
    pub patient: Option<usize>,
    pub task_type: String,
    pub minutes: Option<i32>,
    pub stat_value: Option<String>,
    pub notes: String,
    pub task_at: DateTime<Utc>,
    pub billing_year: i32,
    pub billing_month: i32,
}

/// Bound values per statement. PostgreSQL allows 65,535. SQLite allows 32,766, but sqlx looks each
/// parameter up by name, which costs time quadratic in their number: at 30,000 a statement binding took
/// 57% of a demo load, at 960 still 20%. Small statements, prepared once and cached, are fastest there.
fn max_values_per_statement(engine: crate::Engine) -> usize {
    match engine {
        crate::Engine::Sqlite => 240,
        crate::Engine::Postgres => 30_000,
    }
}

impl Store {
    /// Rows of `width` values for one multi-row INSERT, at most 1,000.
    pub(crate) fn rows_per_statement(&self, width: usize) -> usize {
        (max_values_per_statement(self.engine()) / width.max(1)).clamp(1, 1000)
    }
}

pub(crate) async fn insert_rows(
    store: &Store,
    tx: &DatabaseTransaction,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<()> {
    let width = columns.len();
    let per_chunk = store.rows_per_statement(width);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Value>> = rows.by_ref().take(per_chunk).collect();
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut values = Vec::with_capacity(chunk.len() * width);
        for (i, row) in chunk.into_iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let placeholders: Vec<String> =
                (1..=width).map(|c| format!("${}", i * width + c)).collect();
            sql.push('(');
            sql.push_str(&placeholders.join(", "));
            sql.push(')');
            values.extend(row);
        }
        tx.execute_raw(store.stmt(&sql, values)).await?;
    }
    Ok(())
}

#[derive(FromQueryResult)]
struct KeyId {
    k: String,
    id: i64,
}

#[derive(FromQueryResult)]
struct TaskTypeKey {
    id: i64,
    name: String,
    category: TaskCategory,
}

/// A logged entry's minutes, when and by whom.
#[derive(Debug, Clone, FromQueryResult)]
pub struct TimedEntry {
    pub coordinator_id: UserId,
    pub task_at: DateTime<Utc>,
    pub minutes: i32,
}

pub(crate) async fn ids_by(
    store: &Store,
    tx: &DatabaseTransaction,
    sql: &str,
) -> Result<HashMap<String, i64>> {
    let rows: Vec<KeyId> = tx.rows(store.stmt(sql, vec![])).await?;
    Ok(rows.into_iter().map(|r| (r.k, r.id)).collect())
}

pub(crate) fn lookup(map: &HashMap<String, i64>, key: &str, what: &str) -> Result<i64> {
    map.get(key).copied().ok_or_else(|| StoreError::NotFound(format!("{what} \"{key}\"")))
}

pub struct DemoPractice {
    pub facilities: Vec<(String, String)>,
    /// Name, facility, NPI.
    pub providers: Vec<(String, String, String)>,
    pub users: Vec<DemoCoordinator>,
    pub patients: Vec<DemoPatient>,
    pub visits: Vec<DemoVisit>,
    pub care_gaps: Vec<DemoCareGap>,
    pub entries: Vec<DemoTaskEntry>,
}

impl Store {
    /// Loads a practice into an empty database in one transaction: all of it or none, and marks the
    /// demo load begun by `loader` (HOST/PID; `finish_demo_load` ends it). Returns None, changing nothing, when the database already holds users: with several servers
    /// starting at once on an empty database, exactly one loads the practice. Otherwise the keys that
    /// `load_demo_entries` needs to add more logged time.
    pub async fn load_demo_practice(
        &self,
        practice: DemoPractice,
        now: DateTime<Utc>,
        loader: &str,
    ) -> Result<Option<DemoKeys>> {
        let tx = self.begin_write().await?;
        if self.engine() == crate::Engine::Postgres {
            tx.execute_raw(self.stmt("SELECT pg_advisory_xact_lock(7261003)", vec![])).await?;
        }
        let users = tx.count(self.stmt("SELECT COUNT(*) AS n FROM users", vec![])).await?;
        if users > 0 {
            return Ok(None);
        }
        crate::practice_load::begin_demo_load(self, &tx, now, loader).await?;
        let stamp = at(now);

        insert_rows(
            self,
            &tx,
            "facilities",
            &["name", "zip_code"],
            practice
                .facilities
                .iter()
                .map(|(n, z)| vec![n.clone().into(), z.clone().into()])
                .collect(),
        )
        .await?;
        let facilities = ids_by(self, &tx, "SELECT name AS k, id FROM facilities").await?;
        let provider_rows = practice
            .providers
            .iter()
            .map(|(name, facility, npi)| {
                Ok(vec![
                    name.clone().into(),
                    lookup(&facilities, facility, "facility")?.into(),
                    npi.clone().into(),
                ])
            })
            .collect::<Result<Vec<_>>>()?;
        insert_rows(self, &tx, "providers", &["name", "facility_id", "npi"], provider_rows).await?;
        let providers = ids_by(self, &tx, "SELECT name AS k, id FROM providers").await?;

        let user_rows = practice
            .users
            .iter()
            .map(|u| {
                vec![
                    u.username.clone().into(),
                    u.display_name.clone().into(),
                    u.email.clone().into(),
                    u.password_hash.clone().into(),
                    u.role.into(),
                    true.into(),
                    stamp.clone(),
                    stamp.clone(),
                ]
            })
            .collect();
        insert_rows(
            self,
            &tx,
            "users",
            &[
                "username",
                "display_name",
                "email",
                "password_hash",
                "role",
                "is_active",
                "created_at",
                "updated_at",
            ],
            user_rows,
        )
        .await?;
        let users = ids_by(self, &tx, "SELECT username AS k, id FROM users").await?;

        let (mut profiles, mut specs, mut langs, mut served) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for u in &practice.users {
            let Some(p) = &u.profile else { continue };
            let id = lookup(&users, &u.username, "user")?;
            let manager = p.manager.as_deref().map(|m| lookup(&users, m, "manager")).transpose()?;
            profiles.push(vec![
                id.into(),
                manager.into(),
                p.max_caseload.into(),
                p.availability.into(),
                p.work_start.clone().into(),
                p.work_end.clone().into(),
                p.hired_on.into(),
            ]);
            specs.extend(p.specializations.iter().map(|s| vec![id.into(), s.clone().into()]));
            langs.extend(p.languages.iter().map(|l| vec![id.into(), l.clone().into()]));
            for f in &p.facilities {
                served.push(vec![id.into(), lookup(&facilities, f, "facility")?.into()]);
            }
        }
        insert_rows(
            self,
            &tx,
            "coordinator_profiles",
            &[
                "user_id",
                "manager_id",
                "max_caseload",
                "availability",
                "work_start",
                "work_end",
                "hired_on",
            ],
            profiles,
        )
        .await?;
        insert_rows(
            self,
            &tx,
            "coordinator_specializations",
            &["user_id", "specialization"],
            specs,
        )
        .await?;
        insert_rows(self, &tx, "coordinator_languages", &["user_id", "language"], langs).await?;
        insert_rows(self, &tx, "coordinator_facilities", &["user_id", "facility_id"], served)
            .await?;

        let mut patient_rows = Vec::with_capacity(practice.patients.len());
        for p in &practice.patients {
            let coordinator: Option<UserId> = p
                .coordinator
                .as_deref()
                .map(|c| lookup(&users, c, "coordinator").map(UserId))
                .transpose()?;
            patient_rows.push(vec![
                p.chart_code.clone().into(),
                p.first_name.clone().into(),
                p.last_name.clone().into(),
                p.dob.into(),
                p.phone.clone().into(),
                p.email.clone().into(),
                p.address.clone().into(),
                p.zip_code.clone().into(),
                p.insurance_primary.clone().into(),
                p.insurance_policy.clone().into(),
                p.sex.into(),
                p.member_id.clone().into(),
                lookup(&facilities, &p.facility, "facility")?.into(),
                lookup(&providers, &p.provider, "provider")?.into(),
                coordinator.into(),
                lookup(&providers, &p.provider, "provider")?.into(),
                p.enrollment.enrolled_on.into(),
                p.status.into(),
                p.care_gap_status.into(),
                p.language.clone().into(),
                p.program.into(),
                p.complexity.into(),
                p.complex_ccm.into(),
                p.care_plan_status().into(),
                p.onboarding_status.into(),
                p.assignment_priority.into(),
                p.visit_interval_months.into(),
                p.provider_handoff_at.map(at).unwrap_or(Value::ChronoDateTimeUtc(None)),
                stamp.clone(),
                stamp.clone(),
            ]);
        }
        insert_rows(
            self,
            &tx,
            "patients",
            &[
                "chart_code",
                "first_name",
                "last_name",
                "dob",
                "phone",
                "email",
                "address",
                "zip_code",
                "insurance_primary",
                "insurance_policy",
                "sex",
                "member_id",
                "facility_id",
                "provider_id",
                "coordinator_id",
                "billing_provider_id",
                "enrolled_on",
                "status",
                "care_gap_status",
                "language",
                "program",
                "complexity",
                "complex_ccm",
                "care_plan_status",
                "onboarding_status",
                "assignment_priority",
                "visit_interval_months",
                "provider_handoff_at",
                "created_at",
                "updated_at",
            ],
            patient_rows,
        )
        .await?;
        let by_chart = ids_by(self, &tx, "SELECT chart_code AS k, id FROM patients").await?;
        let patient_ids = practice
            .patients
            .iter()
            .map(|p| lookup(&by_chart, &p.chart_code, "patient"))
            .collect::<Result<Vec<i64>>>()?;
        let patient_id = |index: usize| {
            patient_ids
                .get(index)
                .copied()
                .ok_or_else(|| StoreError::NotFound(format!("patient #{index}")))
        };

        let mut needs = Vec::new();
        let mut assignments = Vec::new();
        for (p, id) in practice.patients.iter().zip(&patient_ids) {
            needs.extend(p.special_needs.iter().map(|n| vec![(*id).into(), n.clone().into()]));
            if let (Some(c), Some(when)) = (&p.coordinator, p.assigned_at) {
                assignments.push(vec![
                    (*id).into(),
                    lookup(&users, c, "coordinator")?.into(),
                    at(when),
                    "Demo practice: assigned before carelog".into(),
                ]);
            }
        }
        insert_rows(self, &tx, "patient_special_needs", &["patient_id", "need"], needs).await?;
        let people =
            crate::demo_enrollment::People { users: &users, providers: &providers, stamp: &stamp };
        crate::demo_enrollment::insert(self, &tx, &practice.patients, &patient_ids, &people)
            .await?;
        insert_rows(
            self,
            &tx,
            "assignments",
            &["patient_id", "coordinator_id", "assigned_at", "rationale"],
            assignments,
        )
        .await?;

        let visit_rows = practice
            .visits
            .iter()
            .map(|v| {
                Ok(vec![
                    patient_id(v.patient)?.into(),
                    lookup(&providers, &v.provider, "provider")?.into(),
                    v.visit_date.into(),
                    v.visit_type.clone().into(),
                    stamp.clone(),
                ])
            })
            .collect::<Result<Vec<_>>>()?;
        insert_rows(
            self,
            &tx,
            "visits",
            &["patient_id", "provider_id", "visit_date", "visit_type", "created_at"],
            visit_rows,
        )
        .await?;

        let gap_rows = practice
            .care_gaps
            .iter()
            .map(|g| {
                Ok(vec![
                    patient_id(g.patient)?.into(),
                    g.description.clone().into(),
                    g.status.into(),
                    g.opened_on.into(),
                    g.closed_on.into(),
                ])
            })
            .collect::<Result<Vec<_>>>()?;
        insert_rows(
            self,
            &tx,
            "care_gaps",
            &["patient_id", "description", "status", "opened_on", "closed_on"],
            gap_rows,
        )
        .await?;

        let types: Vec<TaskTypeKey> =
            tx.rows(self.stmt("SELECT id, name, category FROM task_types", vec![])).await?;
        let task_types: HashMap<String, (i64, TaskCategory)> =
            types.into_iter().map(|t| (t.name, (t.id, t.category))).collect();
        let keys = DemoKeys { users, patients: patient_ids, task_types };
        insert_entries(self, &tx, &keys, &practice.entries).await?;
        tx.commit().await?;
        Ok(Some(keys))
    }

    /// Adds generated logged time to a practice `load_demo_practice` loaded, in one transaction.
    pub async fn load_demo_entries(
        &self,
        keys: &DemoKeys,
        entries: &[DemoTaskEntry],
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        if self.engine() == crate::Engine::Sqlite {
            // The log's indexes take inserts all over their B-trees; with SQLite's default 2 MB page cache
            // each insert spills and rereads pages: 256 MB for this load, then back to the default.
            tx.execute_raw(self.stmt("PRAGMA cache_size = -262144", vec![])).await?;
        }
        insert_entries(self, &tx, keys, entries).await?;
        if self.engine() == crate::Engine::Sqlite {
            tx.execute_raw(self.stmt("PRAGMA cache_size = -2000", vec![])).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Refreshes the planner's statistics after a bulk load, so the first queries on a large practice
    /// use the indexes they are meant to.
    pub async fn analyze(&self) -> Result<()> {
        self.exec("ANALYZE", vec![]).await?;
        Ok(())
    }
}

/// Ids of what a loaded practice holds, by the names and positions the generator uses.
pub struct DemoKeys {
    users: HashMap<String, i64>,
    patients: Vec<i64>,
    task_types: HashMap<String, (i64, TaskCategory)>,
}

impl DemoKeys {
    pub fn user(&self, username: &str) -> Option<UserId> {
        self.users.get(username).copied().map(UserId)
    }

    /// An entry's task type id and category, coordinator id and patient id.
    fn resolve(&self, e: &DemoTaskEntry) -> Result<(i64, TaskCategory, i64, Option<i64>)> {
        let (type_id, category) = self
            .task_types
            .get(&e.task_type)
            .ok_or_else(|| StoreError::NotFound(format!("task type \"{}\"", e.task_type)))?;
        let patient = e
            .patient
            .map(|index| {
                self.patients
                    .get(index)
                    .copied()
                    .ok_or_else(|| StoreError::NotFound(format!("patient #{index}")))
            })
            .transpose()?;
        Ok((*type_id, *category, lookup(&self.users, &e.coordinator, "coordinator")?, patient))
    }
}

const ENTRY_COLUMNS: &[&str] = &[
    "coordinator_id",
    "patient_id",
    "task_type_id",
    "task_category",
    "minutes",
    "stat_value",
    "notes",
    "task_at",
    "billing_year",
    "billing_month",
    "created_at",
    "modified_at",
];

async fn insert_entries(
    store: &Store,
    tx: &DatabaseTransaction,
    keys: &DemoKeys,
    entries: &[DemoTaskEntry],
) -> Result<()> {
    use serde_json::{Value as Json, json};
    let sql = match store.engine() {
        crate::Engine::Sqlite => format!(
            "INSERT INTO coordinator_task_log ({}) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
                value ->> 6, value ->> 7, value ->> 8, value ->> 9, value ->> 7, value ->> 7 FROM json_each($1)",
            ENTRY_COLUMNS.join(", ")
        ),
        crate::Engine::Postgres => format!(
            "INSERT INTO coordinator_task_log ({}) SELECT (e ->> 0)::bigint, (e ->> 1)::bigint, (e ->> 2)::bigint, e ->> 3,
                (e ->> 4)::integer, e ->> 5, e ->> 6, (e ->> 7)::timestamptz, (e ->> 8)::integer, (e ->> 9)::integer,
                (e ->> 7)::timestamptz, (e ->> 7)::timestamptz
             FROM json_array_elements($1::json) e",
            ENTRY_COLUMNS.join(", ")
        ),
    };
    for chunk in entries.chunks(JSON_ROWS) {
        let mut rows = Vec::with_capacity(chunk.len());
        for e in chunk {
            let (type_id, category, coordinator, patient) = keys.resolve(e)?;
            // The text sqlx writes for a timestamp, so on SQLite these rows compare and sort with all others.
            let when = e.task_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
            rows.push(json!([
                coordinator,
                patient,
                type_id,
                category.key(),
                e.minutes,
                e.stat_value,
                e.notes,
                when,
                e.billing_year,
                e.billing_month
            ]));
        }
        tx.execute_raw(store.stmt(&sql, vec![Json::Array(rows).to_string().into()])).await?;
    }
    Ok(())
}

/// Entries a statement, as one JSON parameter that the database unpacks itself. Few large statements
/// bind one value each, and on SQLite each statement journals a page it changes once, not once per small
/// statement: a 10,000-patient practice loads in half the time of 80-row statements on SQLite (27 s, was
/// 55 s). PostgreSQL gains less (58 s, was 62 s): there its own foreign-key checks set the pace.
const JSON_ROWS: usize = 20_000;

/// A generated task the demo completes, as an entry answering it.
pub struct DemoCompletion {
    pub task_id: i64,
    pub coordinator_id: UserId,
    pub patient_id: Option<PatientId>,
    pub task_type_id: TaskTypeId,
    pub task_category: TaskCategory,
    pub minutes: i32,
    pub task_at: DateTime<Utc>,
    pub local_date: NaiveDate,
}

impl Store {
    /// Minutes logged since `from`, entry by entry: the demo checks its completions against the
    /// daily cap with them.
    pub async fn minutes_logged_since(&self, from: DateTime<Utc>) -> Result<Vec<TimedEntry>> {
        self.rows(
            "SELECT coordinator_id, task_at, minutes FROM coordinator_task_log WHERE task_at >= $1 AND minutes IS NOT NULL",
            vec![at(from)],
        )
        .await
    }

    /// Completes generated tasks in bulk: one entry each, answering it, and the tasks marked done with
    /// their entry, in one transaction.
    pub async fn load_demo_completions(&self, completions: &[DemoCompletion]) -> Result<()> {
        let tx = self.begin_write().await?;
        let before = tx
            .count(self.stmt("SELECT COALESCE(MAX(id), 0) AS n FROM coordinator_task_log", vec![]))
            .await?;
        let columns = [ENTRY_COLUMNS, &["is_automated", "generated_task_id"]].concat();
        let rows = completions
            .iter()
            .map(|c| {
                let when = at(c.task_at);
                vec![
                    c.coordinator_id.into(),
                    c.patient_id.into(),
                    c.task_type_id.into(),
                    c.task_category.into(),
                    Some(c.minutes).into(),
                    Option::<String>::None.into(),
                    "Completed (demo)".into(),
                    when.clone(),
                    chrono::Datelike::year(&c.local_date).into(),
                    (chrono::Datelike::month(&c.local_date) as i32).into(),
                    when.clone(),
                    when,
                    true.into(),
                    c.task_id.into(),
                ]
            })
            .collect();
        insert_rows(self, &tx, "coordinator_task_log", &columns, rows).await?;
        tx.execute_raw(self.stmt(
            "UPDATE generated_tasks SET status = $2, completed_at = l.task_at, task_log_id = l.id
             FROM coordinator_task_log l
             WHERE l.id > $1 AND l.generated_task_id = generated_tasks.id AND generated_tasks.status = $3",
            vec![before.into(), TaskStatus::Completed.into(), TaskStatus::Pending.into()],
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The demo's quality records: `reviewer` reviews about one entry in eleven (one in seventeen marked
    /// inaccurate, ratings 3–5), and about one active patient in seven answers a survey on each given day.
    pub async fn load_demo_quality(
        &self,
        reviewer: UserId,
        survey_days: &[chrono::NaiveDate],
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        tx.execute_raw(self.stmt(
            "INSERT INTO qa_reviews (task_log_id, coordinator_id, reviewer_id, accurate, rating, notes, reviewed_at)
             SELECT id, coordinator_id, $1, CASE WHEN id % 17 = 0 THEN FALSE ELSE TRUE END, 3 + id % 3, 'Demo review', task_at
             FROM coordinator_task_log WHERE id % 11 = 0 AND coordinator_id <> $1",
            vec![reviewer.into()],
        ))
        .await?;
        for (k, day) in survey_days.iter().enumerate() {
            tx.execute_raw(self.stmt(
                "INSERT INTO satisfaction_surveys (patient_id, coordinator_id, score, surveyed_on, recorded_by)
                 SELECT id, coordinator_id, CASE WHEN (id + $1) % 9 = 0 THEN 3 WHEN (id + $1) % 3 = 0 THEN 4 ELSE 5 END, $2, $3
                 FROM patients WHERE status = $4 AND coordinator_id IS NOT NULL AND (id + $1) % 7 = 0",
                vec![(k as i64).into(), (*day).into(), reviewer.into(), PatientStatus::Active.into()],
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
