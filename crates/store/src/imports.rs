//! Imports: what a plan is checked against, applying a plan in one transaction, and uploads kept between
//! the dry run and applying (in the database, so any server can apply what another checked).

use std::collections::{BTreeSet, HashMap};

use carelog_domain::catalogue::{TimeRule, ValueFormat};
use carelog_domain::import::{ImportKind, PatientRecord};
use carelog_domain::import_plan::{
    Change, Known, KnownCoordinator, KnownPatient, KnownTaskType, Plan, RowPlan,
};
use carelog_domain::patient::{PatientStatus, Program};
use carelog_domain::practice_time::{UtcRange, YearMonth};
use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, Value};

use crate::audit::{NewAuditEvent, insert_audit};
use crate::connection::at;
use crate::row::get;
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
    pub user_id: i64,
    pub kind: String,
    pub filename: String,
    pub content: Vec<u8>,
    pub created_at: DateTime<Utc>,
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
    let rows =
        tx.query_all_raw(store.stmt(&format!("SELECT id, name FROM {table}"), vec![])).await?;
    rows.iter().map(|r| Ok((get::<String>(r, "name")?.to_lowercase(), get(r, "id")?))).collect()
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
        let mut known = Known::default();
        for r in &self
            .all("SELECT u.id, u.display_name, u.username FROM users u JOIN coordinator_profiles c ON c.user_id = u.id WHERE u.is_active = TRUE", vec![])
            .await?
        {
            known.coordinators.push(KnownCoordinator { id: get(r, "id")?, name: get(r, "display_name")?, username: get(r, "username")? });
        }
        known.facilities = self
            .all("SELECT name FROM facilities", vec![])
            .await?
            .iter()
            .map(|r| get(r, "name"))
            .collect::<Result<_>>()?;
        known.providers = self
            .all("SELECT name FROM providers", vec![])
            .await?
            .iter()
            .map(|r| get(r, "name"))
            .collect::<Result<_>>()?;
        for t in self.task_types().await? {
            known.task_types.push(KnownTaskType {
                id: t.id,
                name: t.name,
                category: t.category,
                needs_patient: t.needs_patient,
                time_rule: TimeRule::from_key(&t.time_rule).unwrap_or(TimeRule::Minutes),
                value_format: t.value_format.as_deref().and_then(ValueFormat::from_key),
            });
        }
        let mut needs: HashMap<i64, Vec<String>> = HashMap::new();
        for r in &self
            .all("SELECT patient_id, need FROM patient_special_needs ORDER BY need", vec![])
            .await?
        {
            needs.entry(get(r, "patient_id")?).or_default().push(get(r, "need")?);
        }
        for r in &self
            .all(
                "SELECT p.*, f.name AS facility, pr.name AS provider, u.display_name AS coordinator FROM patients p
                 LEFT JOIN facilities f ON f.id = p.facility_id LEFT JOIN providers pr ON pr.id = p.provider_id
                 LEFT JOIN users u ON u.id = p.coordinator_id",
                vec![],
            )
            .await?
        {
            let id: i64 = get(r, "id")?;
            let chart: String = get(r, "chart_code")?;
            let record = PatientRecord {
                chart_code: chart.clone(),
                last_name: get(r, "last_name")?,
                first_name: get(r, "first_name")?,
                dob: get(r, "dob")?,
                coordinator: get(r, "coordinator")?,
                provider: get(r, "provider")?,
                facility: get(r, "facility")?,
                status: PatientStatus::parse(&get::<String>(r, "status")?).unwrap_or(PatientStatus::Active),
                program: Program::parse(&get::<String>(r, "program")?).unwrap_or(Program::Ccm),
                consent_date: get(r, "consent_date")?,
                chronic_conditions: get(r, "chronic_conditions")?,
                complex_ccm: get(r, "complex_ccm")?,
                language: get(r, "language")?,
                special_needs: needs.remove(&id).unwrap_or_default(),
                phone: get(r, "phone")?,
                insurance: get(r, "insurance_primary")?,
                policy: get(r, "insurance_policy")?,
                visit_interval_months: get(r, "visit_interval_months")?,
            };
            known.patients.insert(chart.to_uppercase(), KnownPatient { id, record, coordinator_id: get(r, "coordinator_id")? });
        }
        if kind == ImportKind::Psl {
            for r in &self.all("SELECT v.patient_id, v.visit_date, v.visit_type, COALESCE(p.name, '') AS provider FROM visits v LEFT JOIN providers p ON p.id = v.provider_id", vec![]).await? {
                known.visits.insert((get(r, "patient_id")?, get(r, "visit_date")?, get::<String>(r, "provider")?.to_lowercase(), get::<String>(r, "visit_type")?.to_lowercase()));
            }
        }
        if let (ImportKind::CmLog, Some(span)) = (kind, entry_span) {
            for r in &self
                .all(
                    "SELECT coordinator_id, patient_id, task_type_id, minutes, notes, task_at FROM coordinator_task_log WHERE task_at >= $1 AND task_at < $2",
                    vec![at(span.start), at(span.end)],
                )
                .await?
            {
                let coordinator: i64 = get(r, "coordinator_id")?;
                let minutes: Option<i32> = get(r, "minutes")?;
                let when = local(get(r, "task_at")?);
                let minute = when.date().and_hms_opt(chrono::Timelike::hour(&when), chrono::Timelike::minute(&when), 0).unwrap_or(when);
                known.entries.insert((coordinator, get(r, "patient_id")?, get(r, "task_type_id")?, minutes, get(r, "notes")?, minute));
                *known.day_minutes.entry((coordinator, when.date())).or_insert(0) += i64::from(minutes.unwrap_or(0));
            }
        }
        known.closed_months = self
            .all(
                "SELECT billing_year, billing_month FROM billing_months WHERE status = 'closed'",
                vec![],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(YearMonth {
                    year: get(r, "billing_year")?,
                    month: get::<i32>(r, "billing_month")?.clamp(1, 12) as u32,
                })
            })
            .collect::<Result<BTreeSet<_>>>()?;
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
        now: DateTime<Utc>,
    ) -> Result<Applied> {
        let assigned_by = summary.user_id;
        let patient_event = |id: i64, verb: &str| NewAuditEvent {
            user_id: summary.user_id,
            username: summary.username,
            action: "import.patient",
            patient_id: Some(id),
            detail: format!("{verb} by {}", summary.action),
            address: summary.address,
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
                    values.push(if p.complex_ccm { "High" } else { "Medium" }.into());
                    values.push(
                        if coordinator.is_some() { "Assigned" } else { "Ready for Assignment" }
                            .into(),
                    );
                    let r = tx
                        .query_one_raw(self.stmt(
                            &format!(
                                "INSERT INTO patients ({SHEET_COLUMNS}, created_at, provider_handoff_at, chart_code, complexity, onboarding_status,
                                    care_gap_status, care_plan_status, assignment_priority, notes)
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $17, $18, $19, $20,
                                    'Closed', 'Not Started', 'Medium', '')
                                 RETURNING id"
                            ),
                            values,
                        ))
                        .await?;
                    let id: i64 = r
                        .as_ref()
                        .map(|r| get(r, "id"))
                        .transpose()?
                        .ok_or_else(|| StoreError::NotFound("the new patient's id".into()))?;
                    replace_needs(self, &tx, id, &p.special_needs).await?;
                    if let Some(c) = coordinator {
                        record_assignment(self, &tx, id, *c, None, assigned_by, now).await?;
                    }
                    insert_audit(self, &*tx, &patient_event(id, "created"), now).await?;
                    applied.created += 1;
                }
                Change::UpdatePatient(id, p, coordinator) => {
                    let before: Option<i64> = tx
                        .query_one_raw(self.stmt(
                            "SELECT coordinator_id FROM patients WHERE id = $1",
                            vec![(*id).into()],
                        ))
                        .await?
                        .map(|r| get(&r, "coordinator_id"))
                        .transpose()?
                        .flatten();
                    let mut values = sheet_values(
                        p,
                        *coordinator,
                        lookup(&facilities, &p.facility),
                        lookup(&providers, &p.provider),
                        now,
                    );
                    values.push((*id).into());
                    tx.execute_raw(self.stmt(
                        "UPDATE patients SET first_name = $1, last_name = $2, dob = $3, phone = $4, insurance_primary = $5, insurance_policy = $6,
                            facility_id = $7, provider_id = $8, coordinator_id = $9, status = $10, language = $11, program = $12, complex_ccm = $13,
                            consent_date = $14, chronic_conditions = $15, visit_interval_months = $16, updated_at = $17,
                            onboarding_status = CASE WHEN $9 IS NOT NULL AND onboarding_status IN ('Ready for Assignment', 'Assignment Pending') THEN 'Assigned' ELSE onboarding_status END
                         WHERE id = $18",
                        values,
                    ))
                    .await?;
                    replace_needs(self, &tx, *id, &p.special_needs).await?;
                    if let Some(c) = coordinator.filter(|c| Some(*c) != before) {
                        record_assignment(self, &tx, *id, c, before, assigned_by, now).await?;
                        tx.execute_raw(self.stmt(
                            "UPDATE generated_tasks SET coordinator_id = $1 WHERE patient_id = $2 AND status = 'pending'",
                            vec![c.into(), (*id).into()],
                        ))
                        .await?;
                    }
                    insert_audit(self, &*tx, &patient_event(*id, "updated"), now).await?;
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
                            e.category.clone().into(),
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
        insert_audit(self, &*tx, summary, now).await?;
        tx.commit().await?;
        Ok(applied)
    }

    pub async fn save_upload(
        &self,
        user_id: i64,
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
        let row = self
            .write_one(
                "INSERT INTO import_uploads (user_id, kind, filename, content_hex, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                vec![user_id.into(), kind.key().into(), filename.into(), hex(content).into(), at(now)],
            )
            .await?;
        row.as_ref()
            .map(|r| get(r, "id"))
            .transpose()?
            .ok_or_else(|| StoreError::NotFound("the upload's id".into()))
    }

    /// An upload of `user_id`'s (another user's upload is not theirs to see or apply).
    pub async fn upload(&self, user_id: i64, id: i64) -> Result<Option<Upload>> {
        let Some(r) = self
            .one(
                "SELECT id, user_id, kind, filename, content_hex, created_at FROM import_uploads WHERE id = $1 AND user_id = $2",
                vec![id.into(), user_id.into()],
            )
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(Upload {
            id: get(&r, "id")?,
            user_id: get(&r, "user_id")?,
            kind: get(&r, "kind")?,
            filename: get(&r, "filename")?,
            content: unhex(&get::<String>(&r, "content_hex")?).unwrap_or_default(),
            created_at: get(&r, "created_at")?,
        }))
    }
}

/// The columns a ZMO row sets, in the order of [`sheet_values`] ($1 to $17).
const SHEET_COLUMNS: &str =
    "first_name, last_name, dob, phone, insurance_primary, insurance_policy, facility_id, provider_id, coordinator_id,
    status, language, program, complex_ccm, consent_date, chronic_conditions, visit_interval_months, updated_at";

fn sheet_values(
    p: &PatientRecord,
    coordinator: Option<i64>,
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
        p.status.as_str().into(),
        p.language.clone().into(),
        p.program.as_str().into(),
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
    patient_id: i64,
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
    patient_id: i64,
    coordinator_id: i64,
    previous: Option<i64>,
    assigned_by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.execute_raw(store.stmt(
        "INSERT INTO assignments (patient_id, coordinator_id, previous_coordinator_id, assigned_by, assigned_at, rationale) VALUES ($1, $2, $3, $4, $5, 'Imported from the ZMO sheet')",
        vec![patient_id.into(), coordinator_id.into(), previous.into(), assigned_by.into(), at(now)],
    ))
    .await?;
    Ok(())
}
