//! Coordinator profiles, edited by managers: what the match score reads about each coordinator.

use carelog_domain::ids::UserId;
use carelog_domain::patient::Availability;
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use crate::audit::{NewAuditEvent, insert_audit};
use crate::connection::at;
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct ProfileUpdate {
    pub max_caseload: i32,
    pub availability: Availability,
    pub work_start: String,
    pub work_end: String,
    pub specializations: Vec<String>,
    pub languages: Vec<String>,
    pub facility_ids: Vec<i64>,
}

impl Store {
    /// Replaces a caseload holder's profile and its lists in one transaction with its audit event.
    pub async fn update_profile(
        &self,
        user_id: UserId,
        p: &ProfileUpdate,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        let changed = tx
            .execute_raw(self.stmt(
                "UPDATE coordinator_profiles SET max_caseload = $1, availability = $2, work_start = $3, work_end = $4 WHERE user_id = $5",
                vec![
                    p.max_caseload.into(),
                    p.availability.into(),
                    p.work_start.clone().into(),
                    p.work_end.clone().into(),
                    user_id.into(),
                ],
            ))
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound(format!("coordinator profile {user_id}")));
        }
        for (table, column, values) in [
            (
                "coordinator_specializations",
                "specialization",
                p.specializations.iter().map(|s| s.clone().into()).collect::<Vec<sea_orm::Value>>(),
            ),
            (
                "coordinator_languages",
                "language",
                p.languages.iter().map(|s| s.clone().into()).collect(),
            ),
            (
                "coordinator_facilities",
                "facility_id",
                p.facility_ids.iter().map(|id| (*id).into()).collect(),
            ),
        ] {
            tx.execute_raw(
                self.stmt(&format!("DELETE FROM {table} WHERE user_id = $1"), vec![user_id.into()]),
            )
            .await?;
            for v in values {
                tx.execute_raw(self.stmt(
                    &format!("INSERT INTO {table} (user_id, {column}) VALUES ($1, $2)"),
                    vec![user_id.into(), v],
                ))
                .await?;
            }
        }
        finish_profile_change(self, tx, user_id, audit, now).await
    }
}

/// Ends a change to a caseload holder's profile: the user marked updated, the audit event written,
/// the transaction committed.
pub(crate) async fn finish_profile_change(
    store: &Store,
    tx: crate::connection::WriteTx,
    user_id: UserId,
    audit: &NewAuditEvent<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.execute_raw(
        store.stmt("UPDATE users SET updated_at = $1 WHERE id = $2", vec![at(now), user_id.into()]),
    )
    .await?;
    insert_audit(store, &tx, audit, now).await?;
    tx.commit().await?;
    Ok(())
}
