//! The audit log: append-only (the database refuses UPDATE and DELETE on it).

use carelog_domain::ids::{PatientId, UserId};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::conditions::Conditions;
use crate::connection::at;
use crate::{Result, Store};

/// Who did what, to which patient, from where.
#[derive(Debug, Clone)]
pub struct NewAuditEvent<'a> {
    pub user_id: Option<UserId>,
    pub username: &'a str,
    pub action: &'a str,
    pub patient_id: Option<PatientId>,
    pub detail: String,
    pub address: &'a str,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub username: String,
    pub action: String,
    pub patient_id: Option<PatientId>,
    pub detail: String,
    pub address: String,
}

/// One page of the audit log and how many events match in all.
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub events: Vec<AuditRow>,
    pub total: i64,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub username: Option<String>,
    pub action_prefix: Option<String>,
    pub patient_id: Option<PatientId>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl AuditFilter {
    fn conditions(&self) -> Conditions {
        let mut c = Conditions::default();
        if let Some(u) = &self.username {
            c.push("username = ?", u.clone());
        }
        if let Some(a) = &self.action_prefix {
            c.push("action LIKE ?", format!("{}%", a.replace(['%', '_'], "")));
        }
        if let Some(p) = self.patient_id {
            c.push("patient_id = ?", p);
        }
        if let Some(f) = self.from {
            c.push("at >= ?", at(f));
        }
        if let Some(u) = self.until {
            c.push("at < ?", at(u));
        }
        c
    }
}

/// Inserts an audit event on a pool or inside a transaction, so a change and its audit commit together.
pub(crate) async fn insert_audit<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    event: &NewAuditEvent<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute_raw(store.stmt(
        "INSERT INTO audit_events (at, user_id, username, action, patient_id, detail, address) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        vec![
            at(now),
            event.user_id.into(),
            event.username.into(),
            event.action.into(),
            event.patient_id.into(),
            event.detail.clone().into(),
            event.address.into(),
        ],
    ))
    .await?;
    Ok(())
}

impl Store {
    /// Records an event on its own (a page view), in the writers' turn like every other write.
    pub async fn record_audit(&self, event: &NewAuditEvent<'_>, now: DateTime<Utc>) -> Result<()> {
        let _turn = self.write_turn().await;
        insert_audit(self, self.pool(), event, now).await
    }

    /// A page of audit events, newest first, and the total that match.
    pub async fn audit_events(
        &self,
        filter: &AuditFilter,
        limit: u64,
        offset: u64,
    ) -> Result<AuditPage> {
        let c = filter.conditions();
        let where_sql = c.where_sql();
        let total = self
            .count(&format!("SELECT COUNT(*) AS n FROM audit_events {where_sql}"), c.values.clone())
            .await?;
        let n = c.next_placeholder();
        let mut values = c.values;
        values.extend([(limit as i64).into(), (offset as i64).into()]);
        let events = self
            .rows(
                &format!(
                    "SELECT id, at, username, action, patient_id, detail, address FROM audit_events {where_sql}
                     ORDER BY id DESC LIMIT ${n} OFFSET ${}",
                    n + 1
                ),
                values,
            )
            .await?;
        Ok(AuditPage { events, total })
    }
}
