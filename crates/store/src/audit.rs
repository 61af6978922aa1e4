//! The audit log: append-only (the database refuses UPDATE and DELETE on it).

use chrono::{DateTime, Utc};
use sea_orm::Value;

use crate::connection::at;
use crate::row::{count, get};
use crate::{Result, Store};

/// Who did what, to which patient, from where.
#[derive(Debug, Clone)]
pub struct NewAuditEvent<'a> {
    pub user_id: Option<i64>,
    pub username: &'a str,
    pub action: &'a str,
    pub patient_id: Option<i64>,
    pub detail: String,
    pub address: &'a str,
}

#[derive(Debug, Clone)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub username: String,
    pub action: String,
    pub patient_id: Option<i64>,
    pub detail: String,
    pub address: String,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub username: Option<String>,
    pub action_prefix: Option<String>,
    pub patient_id: Option<i64>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl AuditFilter {
    fn where_clause(&self) -> (String, Vec<Value>) {
        let mut clauses = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let mut push = |clause: &str, value: Value| {
            values.push(value);
            clauses.push(clause.replace('?', &format!("${}", values.len())));
        };
        if let Some(u) = &self.username {
            push("username = ?", u.clone().into());
        }
        if let Some(a) = &self.action_prefix {
            push("action LIKE ?", format!("{}%", a.replace(['%', '_'], "")).into());
        }
        if let Some(p) = self.patient_id {
            push("patient_id = ?", p.into());
        }
        if let Some(f) = self.from {
            push("at >= ?", at(f));
        }
        if let Some(u) = self.until {
            push("at < ?", at(u));
        }
        let sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
        (sql, values)
    }
}

impl Store {
    pub async fn record_audit(&self, event: &NewAuditEvent<'_>, now: DateTime<Utc>) -> Result<()> {
        self.exec(
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
        )
        .await?;
        Ok(())
    }

    /// A page of audit events, newest first, and the total that match.
    pub async fn audit_events(&self, filter: &AuditFilter, limit: u64, offset: u64) -> Result<(Vec<AuditRow>, i64)> {
        let (where_sql, values) = filter.where_clause();
        let total = count(&self.one(&format!("SELECT COUNT(*) AS n FROM audit_events {where_sql}"), values.clone()).await?, "n")?;
        let n = values.len();
        let mut page_values = values;
        page_values.push((limit as i64).into());
        page_values.push((offset as i64).into());
        let rows = self
            .all(
                &format!(
                    "SELECT id, at, username, action, patient_id, detail, address FROM audit_events {where_sql}
                     ORDER BY id DESC LIMIT ${} OFFSET ${}",
                    n + 1,
                    n + 2
                ),
                page_values,
            )
            .await?;
        let events = rows
            .iter()
            .map(|r| {
                Ok(AuditRow {
                    id: get(r, "id")?,
                    at: get(r, "at")?,
                    username: get(r, "username")?,
                    action: get(r, "action")?,
                    patient_id: get(r, "patient_id")?,
                    detail: get(r, "detail")?,
                    address: get(r, "address")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((events, total))
    }
}
