//! Imports: what a plan is checked against, applying a plan in one transaction, and uploads kept between
//! the dry run and applying (in the database, so any server can apply what another checked).

use carelog_domain::ids::{PatientId, TaskTypeId, UserId};
use carelog_domain::time_rules::Minutes;
use std::collections::{BTreeSet, HashMap};

use carelog_domain::billing::MonthStatus;
use carelog_domain::import::{ImportKind, PatientRecord};
use carelog_domain::import_plan::{
    Change, Known, KnownCoordinator, KnownPatient, KnownTaskType, Plan, RowPlan,
};
use carelog_domain::patient::{
    CareGapStatus, CarePlanState, CarePlanStatus, CodeSystem, Complexity, ConsentMethod,
    OnboardingStatus, OnboardingStep, PatientStatus, Priority, Program, Sex,
};
use carelog_domain::practice_time::{UtcRange, YearMonth};
use carelog_domain::schedule::TaskStatus;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult, Value};

use crate::audit::{NewAuditEvent, insert_audit};
use crate::connection::at;
use crate::import_enrollment;
use crate::keys::key;
use crate::onboarding::step_sql;
use crate::row::Query;
use crate::{Result, Store, StoreError};

/// What applying did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    pub created: usize,
    pub updated: usize,
}

#[derive(Debug, Clone)]
pub struct Upload {
    pub id: i64,
    pub user_id: UserId,
    pub kind: ImportKind,
    pub filename: String,
    pub content: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

#[derive(FromQueryResult)]
struct CoordinatorName {
    id: UserId,
    display_name: String,
    username: String,
}

#[derive(FromQueryResult)]
struct PatientNeed {
    patient_id: PatientId,
    need: String,
}

#[derive(FromQueryResult)]
struct PatientCode {
    patient_id: PatientId,
    code: String,
}

#[derive(FromQueryResult)]
struct ProviderNpi {
    name: String,
    npi: String,
}

#[derive(FromQueryResult)]
struct IdName {
    id: i64,
    name: String,
}

/// A patient as the ZMO sheet describes them, enrollment included: the latest consent's method, the
/// care plan's state, the billing practitioner's NPI.
fn sheet_patients() -> String {
    let state = |s: CarePlanState| {
        format!(
            "WHEN EXISTS (SELECT 1 FROM care_plan_versions v WHERE v.patient_id = p.id AND v.state = {0}) THEN {0}",
            key(s)
        )
    };
    format!(
        "SELECT p.id, p.chart_code, p.last_name, p.first_name, p.dob, p.coordinator_id,
            u.display_name AS coordinator, pr.name AS provider, f.name AS facility, p.status, p.program,
            p.consent_date, p.chronic_conditions, p.complex_ccm, p.language, p.phone, p.insurance_primary,
            p.insurance_policy, p.visit_interval_months, p.member_id, p.sex, bp.npi AS billing_npi,
            (SELECT c.method FROM patient_consents c WHERE c.patient_id = p.id AND c.withdrawn_on IS NULL
             ORDER BY c.obtained_on DESC, c.id DESC LIMIT 1) AS consent_method,
            (CASE {} {} {} ELSE NULL END) AS care_plan
         FROM patients p LEFT JOIN facilities f ON f.id = p.facility_id
         LEFT JOIN providers pr ON pr.id = p.provider_id LEFT JOIN users u ON u.id = p.coordinator_id
         LEFT JOIN providers bp ON bp.id = p.billing_provider_id",
        state(CarePlanState::Active),
        state(CarePlanState::Draft),
        state(CarePlanState::Inactive)
    )
}

/// A patient as the ZMO sheet describes one, to compare a sheet row with.
#[derive(FromQueryResult)]
struct SheetPatient {
    id: PatientId,
    chart_code: String,
    last_name: String,
    first_name: String,
    dob: NaiveDate,
    coordinator_id: Option<UserId>,
    coordinator: Option<String>,
    provider: Option<String>,
    facility: Option<String>,
    status: PatientStatus,
    program: Program,
    consent_date: Option<NaiveDate>,
    chronic_conditions: i32,
    complex_ccm: bool,
    language: String,
    phone: Option<String>,
    insurance_primary: Option<String>,
    insurance_policy: Option<String>,
    visit_interval_months: i32,
    member_id: Option<String>,
    sex: Option<Sex>,
    billing_npi: Option<String>,
    consent_method: Option<ConsentMethod>,
    care_plan: Option<CarePlanState>,
}

impl SheetPatient {
    fn into_record(self, special_needs: Vec<String>, diagnoses: Vec<String>) -> PatientRecord {
        PatientRecord {
            chart_code: self.chart_code,
            last_name: self.last_name,
            first_name: self.first_name,
            dob: self.dob,
            coordinator: self.coordinator,
            provider: self.provider,
            facility: self.facility,
            status: self.status,
            program: self.program,
            consent_date: self.consent_date,
            chronic_conditions: self.chronic_conditions,
            complex_ccm: self.complex_ccm,
            language: self.language,
            special_needs,
            phone: self.phone,
            insurance: self.insurance_primary,
            policy: self.insurance_policy,
            visit_interval_months: self.visit_interval_months,
            // A sheet says verbal or written, never "not recorded".
            consent_method: self.consent_method.filter(|m| *m != ConsentMethod::NotRecorded),
            diagnoses,
            care_plan: self.care_plan,
            billing_npi: self.billing_npi,
            member_id: self.member_id,
            sex: self.sex,
        }
    }
}

const KNOWN_VISITS: &str =
    "SELECT v.patient_id, v.visit_date, v.visit_type, COALESCE(p.name, '') AS provider
     FROM visits v LEFT JOIN providers p ON p.id = v.provider_id";

#[derive(FromQueryResult)]
struct KnownVisit {
    patient_id: PatientId,
    visit_date: NaiveDate,
    visit_type: String,
    provider: String,
}

#[derive(FromQueryResult)]
struct KnownEntry {
    coordinator_id: UserId,
    patient_id: Option<PatientId>,
    task_type_id: TaskTypeId,
    minutes: Option<Minutes>,
    notes: String,
    task_at: DateTime<Utc>,
}

#[derive(FromQueryResult)]
pub(crate) struct MonthKey {
    pub billing_year: i32,
    pub billing_month: i32,
}

#[derive(FromQueryResult)]
struct StoredUpload {
    id: i64,
    user_id: UserId,
    kind: ImportKind,
    filename: String,
    content_hex: String,
    created_at: DateTime<Utc>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

async fn name_ids(
    store: &Store,
    tx: &DatabaseTransaction,
    table: &str,
) -> Result<HashMap<String, i64>> {
    let rows: Vec<IdName> =
        tx.rows(store.stmt(&format!("SELECT id, name FROM {table}"), vec![])).await?;
    Ok(rows.into_iter().map(|r| (r.name.to_lowercase(), r.id)).collect())
}

fn optional(v: Option<String>) -> Value {
    Value::String(v)
}

impl Store {
    /// Loads what `kind` is checked against. `entry_span` bounds the log entries read for the CM Log
    /// (its duplicates and daily minutes); `local` turns a stored instant into practice-local time.
    pub async fn import_known(
        &self,
        kind: ImportKind,
        entry_span: Option<UtcRange>,
        local: impl Fn(DateTime<Utc>) -> NaiveDateTime,
    ) -> Result<Known> {
        let coordinators = self
            .rows::<CoordinatorName>(
                "SELECT u.id, u.display_name, u.username FROM users u
                 JOIN coordinator_profiles c ON c.user_id = u.id WHERE u.is_active = TRUE",
                vec![],
            )
            .await?
            .into_iter()
            .map(|c| KnownCoordinator { id: c.id, name: c.display_name, username: c.username })
            .collect();
        let mut known = Known {
            coordinators,
            facilities: self.scalars("SELECT name FROM facilities", vec![]).await?,
            providers: self.scalars("SELECT name FROM providers", vec![]).await?,
            ..Known::default()
        };
        for t in self.task_types().await? {
            known.task_types.push(KnownTaskType {
                id: t.id,
                name: t.name,
                category: t.category,
                needs_patient: t.needs_patient,
                time_rule: t.time_rule,
                value_format: t.value_format,
            });
        }
        let mut needs: HashMap<PatientId, Vec<String>> = HashMap::new();
        for n in self
            .rows::<PatientNeed>(
                "SELECT patient_id, need FROM patient_special_needs ORDER BY need",
                vec![],
            )
            .await?
        {
            needs.entry(n.patient_id).or_default().push(n.need);
        }
        let mut diagnoses: HashMap<PatientId, Vec<String>> = HashMap::new();
        for d in self
            .rows::<PatientCode>(
                "SELECT patient_id, code FROM patient_diagnoses WHERE resolved_on IS NULL AND code_system = $1 ORDER BY code",
                vec![CodeSystem::Icd10Cm.into()],
            )
            .await?
        {
            diagnoses.entry(d.patient_id).or_default().push(d.code);
        }
        for p in self
            .rows::<ProviderNpi>("SELECT name, npi FROM providers WHERE npi IS NOT NULL", vec![])
            .await?
        {
            known.provider_npis.insert(p.name.to_lowercase(), p.npi);
        }
        for p in self.rows::<SheetPatient>(&sheet_patients(), vec![]).await? {
            let (id, coordinator_id) = (p.id, p.coordinator_id);
            let chart = p.chart_code.to_uppercase();
            let codes = diagnoses.remove(&id).unwrap_or_default();
            let record = p.into_record(needs.remove(&id).unwrap_or_default(), codes);
            known.patients.insert(chart, KnownPatient { id, record, coordinator_id });
        }
        if kind == ImportKind::Psl {
            for v in self.rows::<KnownVisit>(KNOWN_VISITS, vec![]).await? {
                known.visits.insert((
                    v.patient_id,
                    v.visit_date,
                    v.provider.to_lowercase(),
                    v.visit_type.to_lowercase(),
                ));
            }
        }
        if let (ImportKind::CmLog, Some(span)) = (kind, entry_span) {
            for e in self
                .rows::<KnownEntry>(
                    "SELECT coordinator_id, patient_id, task_type_id, minutes, notes, task_at
                     FROM coordinator_task_log WHERE task_at >= $1 AND task_at < $2",
                    vec![at(span.start), at(span.end)],
                )
                .await?
            {
                let when = local(e.task_at);
                let minute = when.with_second(0).unwrap_or(when);
                let day = (e.coordinator_id, when.date());
                *known.day_minutes.entry(day).or_insert(0) += e.minutes.map_or(0, i64::from);
                known.entries.insert((
                    e.coordinator_id,
                    e.patient_id,
                    e.task_type_id,
                    e.minutes,
                    e.notes,
                    minute,
                ));
            }
        }
        known.closed_months = self
            .rows::<MonthKey>(
                "SELECT billing_year, billing_month FROM billing_months WHERE status = $1",
                vec![MonthStatus::Closed.into()],
            )
            .await?
            .into_iter()
            .map(|m| YearMonth { year: m.billing_year, month: m.billing_month.clamp(1, 12) as u32 })
            .collect::<BTreeSet<_>>();
        Ok(known)
    }

    /// Applies a plan's changes in one transaction: every change, or none. `to_utc` places practice-local
    /// times. `summary` is the import's audit event; each patient created or updated gets one of its own,
    /// by the same user.
    pub async fn apply_import(
        &self,
        plan: &Plan,
        to_utc: impl Fn(NaiveDateTime) -> DateTime<Utc>,
        summary: &NewAuditEvent<'_>,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Applied> {
        let assigned_by = summary.user_id;
        let patient_event = |id: PatientId, verb: &str| NewAuditEvent {
            user_id: summary.user_id,
            username: summary.username,
            action: "import.patient",
            patient_id: Some(id),
            detail: format!("{verb} by {}", summary.action),
            address: summary.address,
            patients: Vec::new(),
        };
        let tx = self.begin_write().await?;
        for name in &plan.new_facilities {
            tx.execute_raw(self.stmt(
                "INSERT INTO facilities (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
                vec![name.clone().into()],
            ))
            .await?;
        }
        for name in &plan.new_providers {
            tx.execute_raw(self.stmt(
                "INSERT INTO providers (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
                vec![name.clone().into()],
            ))
            .await?;
        }
        let facilities = name_ids(self, &tx, "facilities").await?;
        let providers = name_ids(self, &tx, "providers").await?;
        let lookup = |map: &HashMap<String, i64>, name: &Option<String>| -> Value {
            Value::BigInt(name.as_ref().and_then(|n| map.get(&n.to_lowercase()).copied()))
        };
        let mut applied = Applied::default();
        for (_, row) in &plan.rows {
            let RowPlan::Change(change) = row else { continue };
            match change {
                Change::CreatePatient(p, coordinator) => {
                    let mut values = sheet_values(
                        p,
                        *coordinator,
                        lookup(&facilities, &p.facility),
                        lookup(&providers, &p.provider),
                        now,
                    );
                    values.push(p.chart_code.clone().into());
                    let complexity =
                        if p.complex_ccm { Complexity::High } else { Complexity::Medium };
                    values.push(complexity.into());
                    values.push(OnboardingStatus::on_arrival(coordinator.is_some()).into());
                    values.extend([
                        CareGapStatus::Closed.into(),
                        CarePlanStatus::NotStarted.into(),
                        Priority::Medium.into(),
                    ]);
                    let id: PatientId = tx
                        .scalar(self.stmt(
                            &format!(
                                "INSERT INTO patients ({SHEET_COLUMNS}, created_at, provider_handoff_at, chart_code, complexity, onboarding_status,
                                    care_gap_status, care_plan_status, assignment_priority, notes)
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $17, $18, $19, $20,
                                    $21, $22, $23, '')
                                 RETURNING id"
                            ),
                            values,
                        ))
                        .await?
                        .ok_or_else(|| StoreError::NotFound("the new patient's id".into()))?;
                    replace_needs(self, &tx, id, &p.special_needs).await?;
                    let row = import_enrollment::Row { patient: id, record: p, created: true };
                    import_enrollment::apply(self, &tx, &row, &providers, today, assigned_by, now)
                        .await?;
                    if let Some(c) = coordinator {
                        record_assignment(self, &tx, id, *c, None, assigned_by, now).await?;
                    }
                    insert_audit(self, &tx, &patient_event(id, "created"), now).await?;
                    applied.created += 1;
                }
                Change::UpdatePatient(id, p, coordinator, changes) => {
                    let before: Option<UserId> = tx
                        .scalar::<Option<UserId>>(self.stmt(
                            "SELECT coordinator_id FROM patients WHERE id = $1",
                            vec![(*id).into()],
                        ))
                        .await?
                        .flatten();
                    let mut values = sheet_values(
                        p,
                        *coordinator,
                        lookup(&facilities, &p.facility),
                        lookup(&providers, &p.provider),
                        now,
                    );
                    values.push((*id).into());
                    let complex = p.complex_ccm;
                    import_enrollment::record_complexity(
                        self,
                        &tx,
                        *id,
                        complex,
                        today,
                        assigned_by,
                        now,
                    )
                    .await?;
                    let step = step_sql(OnboardingStep::ASSIGN, values.len());
                    values.extend(step.values);
                    tx.execute_raw(self.stmt(
                        &format!(
                            "UPDATE patients SET first_name = $1, last_name = $2, dob = $3, phone = $4, insurance_primary = $5, insurance_policy = $6,
                                facility_id = $7, provider_id = $8, coordinator_id = $9, status = $10, language = $11, program = $12, complex_ccm = $13,
                                consent_date = $14, chronic_conditions = $15, visit_interval_months = $16, updated_at = $17,
                                onboarding_status = CASE WHEN $9 IS NOT NULL AND onboarding_status IN {} THEN {} ELSE onboarding_status END
                             WHERE id = $18",
                            step.from, step.to
                        ),
                        values,
                    ))
                    .await?;
                    replace_needs(self, &tx, *id, &p.special_needs).await?;
                    let row = import_enrollment::Row { patient: *id, record: p, created: false };
                    import_enrollment::apply(self, &tx, &row, &providers, today, assigned_by, now)
                        .await?;
                    if let Some(c) = coordinator.filter(|c| Some(*c) != before) {
                        record_assignment(self, &tx, *id, c, before, assigned_by, now).await?;
                        tx.execute_raw(self.stmt(
                            "UPDATE generated_tasks SET coordinator_id = $1 WHERE patient_id = $2 AND status = $3",
                            vec![c.into(), (*id).into(), TaskStatus::Pending.into()],
                        ))
                        .await?;
                    }
                    let changed: Vec<String> = changes
                        .iter()
                        .map(|c| format!("{}: {} → {}", c.field, c.old, c.new))
                        .collect();
                    let mut event = patient_event(*id, "updated");
                    event.detail = format!("{}: {}", event.detail, changed.join("; "));
                    insert_audit(self, &tx, &event, now).await?;
                    applied.updated += 1;
                }
                Change::CreateVisit { patient_id, date, provider, visit_type } => {
                    tx.execute_raw(self.stmt(
                        "INSERT INTO visits (patient_id, provider_id, visit_date, visit_type, created_at) VALUES ($1, $2, $3, $4, $5)",
                        vec![
                            (*patient_id).into(),
                            lookup(&providers, &Some(provider.clone())),
                            (*date).into(),
                            visit_type.clone().into(),
                            at(now),
                        ],
                    ))
                    .await?;
                    applied.created += 1;
                }
                Change::CreateEntry(e) => {
                    let when = to_utc(e.at);
                    tx.execute_raw(self.stmt(
                        "INSERT INTO coordinator_task_log (coordinator_id, patient_id, task_type_id, task_category, minutes, stat_value, notes, task_at,
                            billing_year, billing_month, is_automated, above_average_confirmed, created_at, modified_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, FALSE, FALSE, $11, $11)",
                        vec![
                            e.coordinator_id.into(),
                            e.patient_id.into(),
                            e.task_type_id.into(),
                            e.category.into(),
                            e.minutes.into(),
                            optional(e.stat_value.clone()),
                            e.notes.clone().into(),
                            at(when),
                            e.at.date().year().into(),
                            (e.at.date().month() as i32).into(),
                            at(now),
                        ],
                    ))
                    .await?;
                    applied.created += 1;
                }
            }
        }
        insert_audit(self, &tx, summary, now).await?;
        tx.commit().await?;
        Ok(applied)
    }

    pub async fn save_upload(
        &self,
        user_id: UserId,
        kind: ImportKind,
        filename: &str,
        content: &[u8],
        now: DateTime<Utc>,
    ) -> Result<i64> {
        // Uploads older than a day are dropped: a dry run is meant to be applied soon after.
        self.exec(
            "DELETE FROM import_uploads WHERE created_at < $1",
            vec![at(now - chrono::Duration::days(1))],
        )
        .await?;
        self.write_returning(
            "INSERT INTO import_uploads (user_id, kind, filename, content_hex, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            vec![user_id.into(), kind.into(), filename.into(), hex(content).into(), at(now)],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound("the upload's id".into()))
    }

    /// An upload of `user_id`'s (another user's upload is not theirs to see or apply).
    pub async fn upload(&self, user_id: UserId, id: i64) -> Result<Option<Upload>> {
        let stored: Option<StoredUpload> = self
            .row(
                "SELECT id, user_id, kind, filename, content_hex, created_at FROM import_uploads WHERE id = $1 AND user_id = $2",
                vec![id.into(), user_id.into()],
            )
            .await?;
        Ok(stored.map(|u| Upload {
            id: u.id,
            user_id: u.user_id,
            kind: u.kind,
            filename: u.filename,
            content: unhex(&u.content_hex).unwrap_or_default(),
            created_at: u.created_at,
        }))
    }
}

/// The columns a ZMO row sets, in the order of [`sheet_values`] ($1 to $17).
const SHEET_COLUMNS: &str =
    "first_name, last_name, dob, phone, insurance_primary, insurance_policy, facility_id, provider_id, coordinator_id,
    status, language, program, complex_ccm, consent_date, chronic_conditions, visit_interval_months, updated_at";

fn sheet_values(
    p: &PatientRecord,
    coordinator: Option<UserId>,
    facility: Value,
    provider: Value,
    now: DateTime<Utc>,
) -> Vec<Value> {
    vec![
        p.first_name.clone().into(),
        p.last_name.clone().into(),
        p.dob.into(),
        optional(p.phone.clone()),
        optional(p.insurance.clone()),
        optional(p.policy.clone()),
        facility,
        provider,
        coordinator.into(),
        p.status.into(),
        p.language.clone().into(),
        p.program.into(),
        p.complex_ccm.into(),
        p.consent_date.into(),
        p.chronic_conditions.into(),
        p.visit_interval_months.into(),
        at(now),
    ]
}

async fn replace_needs(
    store: &Store,
    tx: &DatabaseTransaction,
    patient_id: PatientId,
    needs: &[String],
) -> Result<()> {
    tx.execute_raw(
        store.stmt(
            "DELETE FROM patient_special_needs WHERE patient_id = $1",
            vec![patient_id.into()],
        ),
    )
    .await?;
    for need in needs {
        tx.execute_raw(store.stmt(
            "INSERT INTO patient_special_needs (patient_id, need) VALUES ($1, $2)",
            vec![patient_id.into(), need.clone().into()],
        ))
        .await?;
    }
    Ok(())
}

async fn record_assignment(
    store: &Store,
    tx: &DatabaseTransaction,
    patient_id: PatientId,
    coordinator_id: UserId,
    previous: Option<UserId>,
    assigned_by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.execute_raw(store.stmt(
        "INSERT INTO assignments (patient_id, coordinator_id, previous_coordinator_id, assigned_by, assigned_at, rationale) VALUES ($1, $2, $3, $4, $5, 'Imported from the ZMO sheet')",
        vec![patient_id.into(), coordinator_id.into(), previous.into(), assigned_by.into(), at(now)],
    ))
    .await?;
    Ok(())
}
