//! Writing enrollment records: consent, diagnoses (and conditions kept until coded), complexity, the
//! enrollment itself, initiating visits and practitioners' NPIs. Each write commits with its audit
//! event, which carries the old and new values.

use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::patient::{CodeSystem, InitiatingKind, RecordSource};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, Value};

use crate::audit::insert_audit;
use crate::connection::at;
use crate::enrollment::{
    EnrollmentChange, NewComplexity, NewConsent, NewDiagnosis, UncodedCondition,
};
use crate::row::Query;
use crate::{NewAuditEvent, Result, Store, StoreError};

impl Store {
    /// One statement that must change a row, committed with its audit event; `missing` names what
    /// was not there to change (then nothing is written).
    pub(crate) async fn change_one(
        &self,
        sql: &str,
        values: Vec<Value>,
        missing: String,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        let changed = tx.execute_raw(self.stmt(sql, values)).await?.rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound(missing));
        }
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn record_consent(
        &self,
        patient: PatientId,
        consent: &NewConsent,
        recorded_by: Option<UserId>,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let tx = self.begin_write().await?;
        let [service, cost, one, stop] = consent.disclosures;
        let id: Option<i64> = tx
            .scalar(self.stmt(
                "INSERT INTO patient_consents (patient_id, program, obtained_on, method, obtained_by, service_available,
                     cost_sharing, one_practitioner_a_month, may_stop_any_time, note, source, recorded_by, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                vec![
                    patient.into(),
                    consent.program.into(),
                    consent.obtained_on.into(),
                    consent.method.into(),
                    consent.obtained_by.into(),
                    service.into(),
                    cost.into(),
                    one.into(),
                    stop.into(),
                    consent.note.clone().into(),
                    consent.source.into(),
                    recorded_by.into(),
                    at(now),
                ],
            ))
            .await?;
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        id.ok_or_else(|| StoreError::NotFound("the new consent".into()))
    }

    /// Sets a consent's withdrawal date; the consent must be the patient's and not yet withdrawn.
    pub async fn withdraw_consent(
        &self,
        patient: PatientId,
        consent: i64,
        on: NaiveDate,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.change_one(
            "UPDATE patient_consents SET withdrawn_on = $1
             WHERE id = $2 AND patient_id = $3 AND withdrawn_on IS NULL AND obtained_on <= $1",
            vec![on.into(), consent.into(), patient.into()],
            format!("consent {consent} to withdraw"),
            audit,
            now,
        )
        .await
    }

    pub async fn add_diagnosis(
        &self,
        patient: PatientId,
        diagnosis: &NewDiagnosis,
        recorded_by: Option<UserId>,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        tx.execute_raw(self.stmt(
            "INSERT INTO patient_diagnoses (patient_id, code, description, chronic, onset_on, source, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            vec![
                patient.into(),
                diagnosis.code.clone().into(),
                diagnosis.description.clone().into(),
                diagnosis.chronic.into(),
                diagnosis.onset_on.into(),
                diagnosis.source.into(),
                recorded_by.into(),
                at(now),
            ],
        ))
        .await?;
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps conditions that came without an ICD-10-CM code, in SNOMED CT, for the patient with this
    /// chart code; one already kept unresolved is not kept twice. Answers how
    /// many were kept.
    pub async fn keep_uncoded_conditions(
        &self,
        chart_code: &str,
        conditions: &[UncodedCondition],
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let tx = self.begin_write().await?;
        let patient: Option<PatientId> = tx
            .scalar(
                self.stmt("SELECT id FROM patients WHERE chart_code = $1", vec![chart_code.into()]),
            )
            .await?;
        let patient =
            patient.ok_or_else(|| StoreError::NotFound(format!("patient {chart_code}")))?;
        let mut kept = 0;
        for UncodedCondition { code, name, chronic } in conditions {
            let known = tx
                .count(self.stmt(
                    "SELECT COUNT(*) AS n FROM patient_diagnoses
                     WHERE patient_id = $1 AND code_system = $2 AND code = $3 AND resolved_on IS NULL",
                    vec![patient.into(), CodeSystem::Snomed.into(), code.clone().into()],
                ))
                .await?;
            if known > 0 {
                continue;
            }
            tx.execute_raw(self.stmt(
                "INSERT INTO patient_diagnoses (patient_id, code_system, code, description, chronic, source, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                vec![
                    patient.into(),
                    CodeSystem::Snomed.into(),
                    code.clone().into(),
                    name.clone().into(),
                    (*chronic).into(),
                    RecordSource::Imported.into(),
                    at(now),
                ],
            ))
            .await?;
            kept += 1;
        }
        if kept > 0 {
            let mut event = audit.clone();
            event.patient_id = Some(patient);
            insert_audit(self, &tx, &event, now).await?;
        }
        tx.commit().await?;
        Ok(kept)
    }

    /// Marks the patient's diagnosis resolved on a day (not before its onset).
    pub async fn resolve_diagnosis(
        &self,
        patient: PatientId,
        diagnosis: i64,
        on: NaiveDate,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.change_one(
            "UPDATE patient_diagnoses SET resolved_on = $1
             WHERE id = $2 AND patient_id = $3 AND resolved_on IS NULL AND (onset_on IS NULL OR onset_on <= $1)",
            vec![on.into(), diagnosis.into(), patient.into()],
            format!("diagnosis {diagnosis} to resolve"),
            audit,
            now,
        )
        .await
    }

    /// Records a change of the complex-CCM flag from a day, keeping the value it replaces; the
    /// patient's flag becomes the new value.
    pub async fn change_complexity(
        &self,
        patient: PatientId,
        change: &NewComplexity,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let NewComplexity { complex, effective_on, reason, recorded_by } = change;
        let tx = self.begin_write().await?;
        let previous: Option<bool> = tx
            .scalar(
                self.stmt("SELECT complex_ccm FROM patients WHERE id = $1", vec![patient.into()]),
            )
            .await?;
        let previous =
            previous.ok_or_else(|| StoreError::NotFound(format!("patient {patient}")))?;
        tx.execute_raw(self.stmt(
            "INSERT INTO complexity_changes (patient_id, effective_on, complex, previous, reason, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            vec![
                patient.into(),
                (*effective_on).into(),
                (*complex).into(),
                previous.into(),
                reason.clone().into(),
                (*recorded_by).into(),
                at(now),
            ],
        ))
        .await?;
        tx.execute_raw(self.stmt(
            "UPDATE patients SET complex_ccm = $1, updated_at = $2 WHERE id = $3",
            vec![(*complex).into(), at(now), patient.into()],
        ))
        .await?;
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the enrollment: program, billing practitioner and dates.
    pub async fn set_enrollment(
        &self,
        patient: PatientId,
        enrollment: &EnrollmentChange,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.change_one(
            "UPDATE patients SET program = $1, billing_provider_id = $2, enrolled_on = $3, enrollment_ended_on = $4,
                 updated_at = $5 WHERE id = $6",
            vec![
                enrollment.program.into(),
                enrollment.billing_provider_id.into(),
                enrollment.enrolled_on.into(),
                enrollment.ended_on.into(),
                at(now),
                patient.into(),
            ],
            format!("patient {patient}"),
            audit,
            now,
        )
        .await
    }

    /// Records an initiating visit entered on the record, as a visit of its kind.
    pub async fn record_initiating_visit(
        &self,
        patient: PatientId,
        on: NaiveDate,
        kind: InitiatingKind,
        practitioner: i64,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        tx.execute_raw(self.stmt(
            "INSERT INTO visits (patient_id, provider_id, visit_date, visit_type, created_at) VALUES ($1, $2, $3, $4, $5)",
            vec![patient.into(), practitioner.into(), on.into(), kind.as_str().into(), at(now)],
        ))
        .await?;
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a practitioner's NPI (already validated).
    pub async fn set_practitioner_npi(
        &self,
        practitioner: i64,
        npi: &str,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.change_one(
            "UPDATE providers SET npi = $1 WHERE id = $2",
            vec![npi.into(), practitioner.into()],
            format!("practitioner {practitioner}"),
            audit,
            now,
        )
        .await
    }
}
