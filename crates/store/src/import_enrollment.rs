//! What an import row changes in the enrollment records. The sheet's consent date and complex flag
//! are the practice's records kept elsewhere: they become imported consents and complexity changes.
//! A consent entered in carelog is never overwritten by a sheet, and an empty cell removes nothing.

use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::import::PatientRecord;
use carelog_domain::patient::{CareProgram, ConsentMethod, Program, RecordSource};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};

use crate::connection::at;
use crate::row::Query;
use crate::{Result, Store};

pub(crate) fn programs(program: Program) -> &'static [CareProgram] {
    match program {
        Program::Ccm => &[CareProgram::Ccm],
        Program::Pcm => &[CareProgram::Pcm],
        Program::Both => &[CareProgram::Ccm, CareProgram::Pcm],
    }
}

#[derive(FromQueryResult)]
struct ConsentOnFile {
    id: i64,
    obtained_on: NaiveDate,
    source: RecordSource,
}

/// Each program of the row gets the sheet's consent date: the imported consent moves to it, or one
/// is recorded when the patient has none for that program.
pub(crate) async fn sync_consent(
    store: &Store,
    tx: &DatabaseTransaction,
    patient: PatientId,
    row: &PatientRecord,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(date) = row.consent_date else { return Ok(()) };
    for program in programs(row.program) {
        let on_file: Vec<ConsentOnFile> = tx
            .rows(store.stmt(
                "SELECT id, obtained_on, source FROM patient_consents
                 WHERE patient_id = $1 AND program = $2 AND withdrawn_on IS NULL ORDER BY obtained_on DESC, id DESC",
                vec![patient.into(), (*program).into()],
            ))
            .await?;
        if on_file.iter().any(|c| c.source == RecordSource::Entered) {
            continue;
        }
        match on_file.first() {
            Some(c) if c.obtained_on == date => {}
            Some(c) => {
                tx.execute_raw(store.stmt(
                    "UPDATE patient_consents SET obtained_on = $1 WHERE id = $2",
                    vec![date.into(), c.id.into()],
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
                        ConsentMethod::NotRecorded.into(),
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
