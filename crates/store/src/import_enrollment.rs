//! What an import row changes in the enrollment records. The sheet is the practice's record kept
//! elsewhere: its consent date and type become an imported consent, its codes imported diagnoses, its
//! care plan status an imported version, its complex flag a complexity change, its NPI the billing
//! practitioner. A record entered in carelog is never overwritten by a sheet, and nothing is removed
//! because a sheet leaves it out.

use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::import::PatientRecord;
use std::collections::HashMap;

use carelog_domain::icd10cm;
use carelog_domain::patient::{CarePlanState, ConsentMethod, RecordSource};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};

use crate::connection::at;
use crate::row::Query;
use crate::{Result, Store};

#[derive(FromQueryResult)]
struct ConsentOnFile {
    id: i64,
    source: RecordSource,
}

/// One patient row of a sheet, as applied.
pub(crate) struct Row<'a> {
    pub patient: PatientId,
    pub record: &'a PatientRecord,
    /// The import created the patient (a care plan it calls Active was in force before carelog).
    pub created: bool,
}

/// Everything of the row beyond the patient's own columns, in the import's transaction.
pub(crate) async fn apply(
    store: &Store,
    tx: &DatabaseTransaction,
    row: &Row<'_>,
    providers: &HashMap<String, i64>,
    today: NaiveDate,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<()> {
    let (patient, record) = (row.patient, row.record);
    let billing_provider = billing_provider(store, tx, record, providers).await?;
    tx.execute_raw(store.stmt(
        "UPDATE patients SET sex = $1, member_id = $2, billing_provider_id = COALESCE($3, billing_provider_id) WHERE id = $4",
        vec![
            record.sex.map(|s| s.as_str()).into(),
            record.member_id.clone().into(),
            billing_provider.into(),
            patient.into(),
        ],
    ))
    .await?;
    sync_consent(store, tx, patient, record, by, now).await?;
    add_diagnoses(store, tx, patient, &record.diagnoses, by, now).await?;
    sync_care_plan(store, tx, row, today, by, now).await
}

/// The practitioner with the row's NPI; else the row's provider, who is given it (the plan checked
/// that they had none).
async fn billing_provider(
    store: &Store,
    tx: &DatabaseTransaction,
    record: &PatientRecord,
    providers: &HashMap<String, i64>,
) -> Result<Option<i64>> {
    let Some(npi) = &record.billing_npi else { return Ok(None) };
    let holder: Option<i64> = tx
        .scalar(store.stmt("SELECT id FROM providers WHERE npi = $1", vec![npi.clone().into()]))
        .await?;
    if holder.is_some() {
        return Ok(holder);
    }
    let named = record.provider.as_ref().and_then(|p| providers.get(&p.to_lowercase()).copied());
    if let Some(id) = named {
        tx.execute_raw(store.stmt(
            "UPDATE providers SET npi = $1 WHERE id = $2 AND npi IS NULL",
            vec![npi.clone().into(), id.into()],
        ))
        .await?;
    }
    Ok(named)
}

async fn add_diagnoses(
    store: &Store,
    tx: &DatabaseTransaction,
    patient: PatientId,
    codes: &[String],
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<()> {
    for code in codes {
        let Ok(found) = icd10cm::billable(code) else { continue };
        let recorded = tx
            .count(store.stmt(
                "SELECT COUNT(*) AS n FROM patient_diagnoses WHERE patient_id = $1 AND code = $2 AND resolved_on IS NULL",
                vec![patient.into(), found.code.into()],
            ))
            .await?;
        if recorded > 0 {
            continue;
        }
        tx.execute_raw(store.stmt(
            "INSERT INTO patient_diagnoses (patient_id, code, description, chronic, source, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            vec![
                patient.into(),
                found.code.into(),
                found.description.into(),
                icd10cm::chronic_by_default(found.code).into(),
                RecordSource::Imported.into(),
                by.into(),
                at(now),
            ],
        ))
        .await?;
    }
    Ok(())
}

/// Active: an imported version in force (since before carelog for a patient the import creates,
/// from today otherwise) unless one is; Draft: an imported draft unless the patient has a draft or
/// an active version; Inactive: the active version ends today.
async fn sync_care_plan(
    store: &Store,
    tx: &DatabaseTransaction,
    row: &Row<'_>,
    today: NaiveDate,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(wanted) = row.record.care_plan else { return Ok(()) };
    let patient = row.patient;
    let has = |state: CarePlanState| {
        tx.count(store.stmt(
            "SELECT COUNT(*) AS n FROM care_plan_versions WHERE patient_id = $1 AND state = $2",
            vec![patient.into(), state.into()],
        ))
    };
    let insert = |state: CarePlanState, activated_on: Option<NaiveDate>| {
        tx.execute_raw(store.stmt(
            "INSERT INTO care_plan_versions (patient_id, version, state, source, created_by, created_at, updated_at, activated_on)
             VALUES ($1, (SELECT COALESCE(MAX(version), 0) + 1 FROM care_plan_versions WHERE patient_id = $1), $2, $3, $4, $5, $5, $6)",
            vec![
                patient.into(),
                state.into(),
                RecordSource::Imported.into(),
                by.into(),
                at(now),
                activated_on.into(),
            ],
        ))
    };
    match wanted {
        CarePlanState::Active if has(CarePlanState::Active).await? == 0 => {
            insert(CarePlanState::Active, (!row.created).then_some(today)).await?;
        }
        CarePlanState::Draft
            if has(CarePlanState::Active).await? == 0 && has(CarePlanState::Draft).await? == 0 =>
        {
            insert(CarePlanState::Draft, None).await?;
        }
        CarePlanState::Inactive => {
            tx.execute_raw(store.stmt(
                "UPDATE care_plan_versions SET state = $1, ended_on = $2, updated_at = $3
                 WHERE patient_id = $4 AND state = $5",
                vec![
                    CarePlanState::Inactive.into(),
                    today.into(),
                    at(now),
                    patient.into(),
                    CarePlanState::Active.into(),
                ],
            ))
            .await?;
        }
        _ => {}
    }
    Ok(())
}

/// Each program of the row gets the sheet's consent date (and type): the imported consent moves to
/// it, or one is recorded when the patient has none for that program.
async fn sync_consent(
    store: &Store,
    tx: &DatabaseTransaction,
    patient: PatientId,
    row: &PatientRecord,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(date) = row.consent_date else { return Ok(()) };
    let method = row.consent_method.unwrap_or(ConsentMethod::NotRecorded);
    for program in row.program.consent_programs() {
        let on_file: Vec<ConsentOnFile> = tx
            .rows(store.stmt(
                "SELECT id, source FROM patient_consents
                 WHERE patient_id = $1 AND program = $2 AND withdrawn_on IS NULL ORDER BY obtained_on DESC, id DESC",
                vec![patient.into(), (*program).into()],
            ))
            .await?;
        if on_file.iter().any(|c| c.source == RecordSource::Entered) {
            continue;
        }
        match on_file.first() {
            Some(c) => {
                tx.execute_raw(store.stmt(
                    "UPDATE patient_consents SET obtained_on = $1, method = $2 WHERE id = $3",
                    vec![date.into(), method.into(), c.id.into()],
                ))
                .await?;
            }
            None => {
                tx.execute_raw(store.stmt(
                    "INSERT INTO patient_consents (patient_id, program, obtained_on, method, source, note, recorded_by, recorded_at)
                     VALUES ($1, $2, $3, $4, $5, 'from an import', $6, $7)",
                    vec![
                        patient.into(),
                        (*program).into(),
                        date.into(),
                        method.into(),
                        RecordSource::Imported.into(),
                        by.into(),
                        at(now),
                    ],
                ))
                .await?;
            }
        }
    }
    Ok(())
}

/// A changed complex flag is recorded as a change from `today`, so billing reads it from then on.
pub(crate) async fn record_complexity(
    store: &Store,
    tx: &DatabaseTransaction,
    patient: PatientId,
    complex: bool,
    today: NaiveDate,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<()> {
    let before: Option<bool> = tx
        .scalar(store.stmt("SELECT complex_ccm FROM patients WHERE id = $1", vec![patient.into()]))
        .await?;
    if before.is_none_or(|b| b == complex) {
        return Ok(());
    }
    tx.execute_raw(store.stmt(
        "INSERT INTO complexity_changes (patient_id, effective_on, complex, previous, reason, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, 'set by an import', $5, $6)",
        vec![patient.into(), today.into(), complex.into(), (!complex).into(), by.into(), at(now)],
    ))
    .await?;
    Ok(())
}
