//! Loading a generated practice in bulk: multi-row inserts in chunks, one transaction.
//! References between rows are by position or name; ids are resolved here.

use std::collections::HashMap;

use carelog_domain::role::Role;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, Value};

use crate::connection::at;
use crate::row::get;
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
    pub max_caseload: i32,
    pub availability: String,
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
    pub facility: String,
    pub provider: String,
    /// Username of the assigned coordinator.
    pub coordinator: Option<String>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub status: String,
    pub care_gap_status: String,
    pub language: String,
    pub program: String,
    pub complexity: String,
    pub complex_ccm: bool,
    pub consent_date: Option<NaiveDate>,
    pub chronic_conditions: i32,
    pub care_plan_status: String,
    pub onboarding_status: String,
    pub assignment_priority: String,
    pub visit_interval_months: i32,
    pub provider_handoff_at: Option<DateTime<Utc>>,
    pub special_needs: Vec<String>,
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
    pub status: String,
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

/// Rows per statement: SQLite allows 32,766 bound values, PostgreSQL 65,535.
const MAX_VALUES_PER_STATEMENT: usize = 30_000;

async fn insert_rows(store: &Store, tx: &DatabaseTransaction, table: &str, columns: &[&str], rows: Vec<Vec<Value>>) -> Result<()> {
    let width = columns.len();
    let per_chunk = (MAX_VALUES_PER_STATEMENT / width).clamp(1, 1000);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Value>> = rows.by_ref().take(per_chunk).collect();
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut values = Vec::with_capacity(chunk.len() * width);
        for (i, row) in chunk.into_iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let placeholders: Vec<String> = (1..=width).map(|c| format!("${}", i * width + c)).collect();
            sql.push('(');
            sql.push_str(&placeholders.join(", "));
            sql.push(')');
            values.extend(row);
        }
        tx.execute_raw(store.stmt(&sql, values)).await?;
    }
    Ok(())
}

async fn ids_by(store: &Store, tx: &DatabaseTransaction, sql: &str) -> Result<HashMap<String, i64>> {
    let rows = tx.query_all_raw(store.stmt(sql, vec![])).await?;
    rows.iter().map(|r| Ok((get::<String>(r, "k")?, get::<i64>(r, "id")?))).collect()
}

fn lookup(map: &HashMap<String, i64>, key: &str, what: &str) -> Result<i64> {
    map.get(key).copied().ok_or_else(|| StoreError::NotFound(format!("{what} \"{key}\"")))
}

pub struct DemoPractice {
    pub facilities: Vec<(String, String)>,
    pub providers: Vec<(String, String)>,
    pub users: Vec<DemoCoordinator>,
    pub patients: Vec<DemoPatient>,
    pub visits: Vec<DemoVisit>,
    pub care_gaps: Vec<DemoCareGap>,
    pub entries: Vec<DemoTaskEntry>,
}

impl Store {
    /// Loads a practice into an empty database in one transaction: all of it or none.
    /// Returns false, changing nothing, when the database already holds users: with several servers
    /// starting at once on an empty database, exactly one loads the practice.
    pub async fn load_demo_practice(&self, practice: DemoPractice, now: DateTime<Utc>) -> Result<bool> {
        let tx = self.begin_write().await?;
        if self.engine() == crate::Engine::Postgres {
            tx.execute_raw(self.stmt("SELECT pg_advisory_xact_lock(7261003)", vec![])).await?;
        }
        let users = crate::row::count(&tx.query_one_raw(self.stmt("SELECT COUNT(*) AS n FROM users", vec![])).await?, "n")?;
        if users > 0 {
            return Ok(false);
        }
        let stamp = at(now);

        insert_rows(
            self,
            &tx,
            "facilities",
            &["name", "zip_code"],
            practice.facilities.iter().map(|(n, z)| vec![n.clone().into(), z.clone().into()]).collect(),
        )
        .await?;
        let facilities = ids_by(self, &tx, "SELECT name AS k, id FROM facilities").await?;
        let provider_rows = practice
            .providers
            .iter()
            .map(|(name, facility)| Ok(vec![name.clone().into(), lookup(&facilities, facility, "facility")?.into()]))
            .collect::<Result<Vec<_>>>()?;
        insert_rows(self, &tx, "providers", &["name", "facility_id"], provider_rows).await?;
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
                    u.role.as_str().into(),
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
            &["username", "display_name", "email", "password_hash", "role", "is_active", "created_at", "updated_at"],
            user_rows,
        )
        .await?;
        let users = ids_by(self, &tx, "SELECT username AS k, id FROM users").await?;

        let (mut profiles, mut specs, mut langs, mut served) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for u in &practice.users {
            let Some(p) = &u.profile else { continue };
            let id = lookup(&users, &u.username, "user")?;
            profiles.push(vec![
                id.into(),
                p.max_caseload.into(),
                p.availability.clone().into(),
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
            &["user_id", "max_caseload", "availability", "work_start", "work_end", "hired_on"],
            profiles,
        )
        .await?;
        insert_rows(self, &tx, "coordinator_specializations", &["user_id", "specialization"], specs).await?;
        insert_rows(self, &tx, "coordinator_languages", &["user_id", "language"], langs).await?;
        insert_rows(self, &tx, "coordinator_facilities", &["user_id", "facility_id"], served).await?;

        let mut patient_rows = Vec::with_capacity(practice.patients.len());
        for p in &practice.patients {
            let coordinator: Option<i64> = p.coordinator.as_deref().map(|c| lookup(&users, c, "coordinator")).transpose()?;
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
                lookup(&facilities, &p.facility, "facility")?.into(),
                lookup(&providers, &p.provider, "provider")?.into(),
                coordinator.into(),
                p.status.clone().into(),
                p.care_gap_status.clone().into(),
                p.language.clone().into(),
                p.program.clone().into(),
                p.complexity.clone().into(),
                p.complex_ccm.into(),
                p.consent_date.into(),
                p.chronic_conditions.into(),
                p.care_plan_status.clone().into(),
                p.onboarding_status.clone().into(),
                p.assignment_priority.clone().into(),
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
                "facility_id",
                "provider_id",
                "coordinator_id",
                "status",
                "care_gap_status",
                "language",
                "program",
                "complexity",
                "complex_ccm",
                "consent_date",
                "chronic_conditions",
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
        let patient_ids = practice.patients.iter().map(|p| lookup(&by_chart, &p.chart_code, "patient")).collect::<Result<Vec<i64>>>()?;
        let patient_id = |index: usize| patient_ids.get(index).copied().ok_or_else(|| StoreError::NotFound(format!("patient #{index}")));

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
        insert_rows(self, &tx, "assignments", &["patient_id", "coordinator_id", "assigned_at", "rationale"], assignments).await?;

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
        insert_rows(self, &tx, "visits", &["patient_id", "provider_id", "visit_date", "visit_type", "created_at"], visit_rows).await?;

        let gap_rows = practice
            .care_gaps
            .iter()
            .map(|g| {
                Ok(vec![
                    patient_id(g.patient)?.into(),
                    g.description.clone().into(),
                    g.status.clone().into(),
                    g.opened_on.into(),
                    g.closed_on.into(),
                ])
            })
            .collect::<Result<Vec<_>>>()?;
        insert_rows(self, &tx, "care_gaps", &["patient_id", "description", "status", "opened_on", "closed_on"], gap_rows).await?;

        let types = tx.query_all_raw(self.stmt("SELECT id, name, category FROM task_types", vec![])).await?;
        let mut type_ids: HashMap<String, (i64, String)> = HashMap::new();
        for t in &types {
            type_ids.insert(get(t, "name")?, (get(t, "id")?, get(t, "category")?));
        }
        let mut entry_rows = Vec::with_capacity(practice.entries.len());
        for e in &practice.entries {
            let (type_id, category) =
                type_ids.get(&e.task_type).ok_or_else(|| StoreError::NotFound(format!("task type \"{}\"", e.task_type)))?;
            let when = at(e.task_at);
            entry_rows.push(vec![
                lookup(&users, &e.coordinator, "coordinator")?.into(),
                e.patient.map(patient_id).transpose()?.into(),
                (*type_id).into(),
                category.clone().into(),
                e.minutes.into(),
                e.stat_value.clone().into(),
                e.notes.clone().into(),
                when.clone(),
                e.billing_year.into(),
                e.billing_month.into(),
                when.clone(),
                when,
            ]);
        }
        insert_rows(
            self,
            &tx,
            "coordinator_task_log",
            &[
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
            ],
            entry_rows,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

impl Store {
    /// The demo's quality records: `reviewer` reviews about one entry in eleven (one in seventeen marked
    /// inaccurate, ratings 3–5), and about one active patient in seven answers a survey on each given day.
    pub async fn load_demo_quality(&self, reviewer: i64, survey_days: &[chrono::NaiveDate]) -> Result<()> {
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
                 FROM patients WHERE status = 'Active' AND coordinator_id IS NOT NULL AND (id + $1) % 7 = 0",
                vec![(k as i64).into(), (*day).into(), reviewer.into()],
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
