//! Reading the audit chain back, to verify it; sealing events written before the chain existed.

use std::collections::HashMap;

use carelog_domain::audit_chain::{ChainedEvent, StoredLink};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::row::Query;
use crate::{Engine, Result, Store};

#[derive(FromQueryResult)]
struct LinkRow {
    seq: i64,
    event_id: i64,
    previous: String,
    hash: String,
    present: Option<i64>,
    at: Option<DateTime<Utc>>,
    user_id: Option<i64>,
    username: Option<String>,
    action: Option<String>,
    kind: Option<String>,
    patient_id: Option<i64>,
    detail: Option<String>,
    address: Option<String>,
}

#[derive(FromQueryResult)]
struct EventRow {
    id: i64,
    at: DateTime<Utc>,
    user_id: Option<i64>,
    username: String,
    action: String,
    kind: String,
    patient_id: Option<i64>,
    detail: String,
    address: String,
}

#[derive(FromQueryResult)]
struct PatientLink {
    event_id: i64,
    patient_id: i64,
}

#[derive(FromQueryResult)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
}

/// Events sealed per transaction when sealing those written before the chain existed.
const SEAL_BATCH: i64 = 5_000;

impl Store {
    pub async fn audit_chain_head(&self) -> Result<Option<ChainHead>> {
        self.row("SELECT seq, hash FROM audit_chain_head WHERE id = 1", vec![]).await
    }

    /// Up to `limit` links after `after_seq`, in chain order, each with its event as stored now.
    pub async fn audit_chain_links(&self, after_seq: i64, limit: i64) -> Result<Vec<StoredLink>> {
        let rows: Vec<LinkRow> = self
            .rows(
                "SELECT c.seq, c.event_id, c.previous, c.hash, e.id AS present, e.at, e.user_id, e.username, e.action, e.kind,
                        e.patient_id, e.detail, e.address
                 FROM audit_chain c LEFT JOIN audit_events e ON e.id = c.event_id
                 WHERE c.seq > $1 ORDER BY c.seq LIMIT $2",
                vec![after_seq.into(), limit.into()],
            )
            .await?;
        let Some(last) = rows.last().map(|r| r.seq) else { return Ok(Vec::new()) };
        let links: Vec<PatientLink> = self
            .rows(
                "SELECT p.event_id, p.patient_id FROM audit_event_patients p JOIN audit_chain c ON c.event_id = p.event_id
                 WHERE c.seq > $1 AND c.seq <= $2 ORDER BY p.event_id, p.patient_id",
                vec![after_seq.into(), last.into()],
            )
            .await?;
        let mut patients: HashMap<i64, Vec<i64>> = HashMap::new();
        for l in links {
            patients.entry(l.event_id).or_default().push(l.patient_id);
        }
        Ok(rows
            .into_iter()
            .map(|r| {
                let event = r.present.map(|id| ChainedEvent {
                    id,
                    at: r.at.map_or(0, |a| a.timestamp()),
                    user_id: r.user_id,
                    username: r.username.unwrap_or_default(),
                    action: r.action.unwrap_or_default(),
                    kind: r.kind.unwrap_or_default(),
                    patient_id: r.patient_id,
                    detail: r.detail.unwrap_or_default(),
                    address: r.address.unwrap_or_default(),
                    patients: patients.remove(&id).unwrap_or_default(),
                });
                StoredLink {
                    seq: r.seq,
                    event_id: r.event_id,
                    event,
                    previous: r.previous,
                    hash: r.hash,
                }
            })
            .collect())
    }

    /// The first event that is not in the chain (one written behind carelog's back), if any.
    pub async fn first_unsealed_audit_event(&self) -> Result<Option<i64>> {
        self.scalar::<Option<i64>>(
            "SELECT MIN(e.id) FROM audit_events e WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.id)",
            vec![],
        )
        .await
        .map(Option::flatten)
    }

    /// Seals, in id order, the events written before the chain existed (migration 21: they have no
    /// kind), once: the head then says so, so a start neither scans the log again nor seals an event
    /// slipped in later (verify names that one). Safe on several servers at once: each batch takes
    /// the chain's head first. Returns how many.
    pub async fn seal_earlier_audit_events(&self) -> Result<u64> {
        let mut sealed = 0;
        loop {
            let tx = self.begin_write().await?;
            let lock = match self.engine() {
                Engine::Postgres => " FOR UPDATE",
                Engine::Sqlite => "",
            };
            let done: Option<bool> = tx
                .scalar(self.stmt(
                    &format!("SELECT earlier_sealed FROM audit_chain_head WHERE id = 1{lock}"),
                    vec![],
                ))
                .await?;
            if done != Some(false) {
                return Ok(sealed);
            }
            let events: Vec<EventRow> = tx
                .rows(self.stmt(
                    "SELECT e.id, e.at, e.user_id, e.username, e.action, e.kind, e.patient_id, e.detail, e.address
                     FROM audit_events e WHERE e.kind = '' AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.id)
                     ORDER BY e.id LIMIT $1",
                    vec![SEAL_BATCH.into()],
                ))
                .await?;
            if events.is_empty() {
                tx.execute_raw(self.stmt(
                    "UPDATE audit_chain_head SET earlier_sealed = TRUE WHERE id = 1",
                    vec![],
                ))
                .await?;
                tx.commit().await?;
                return Ok(sealed);
            }
            sealed += events.len() as u64;
            for e in events {
                tx.to_seal(ChainedEvent {
                    id: e.id,
                    at: e.at.timestamp(),
                    user_id: e.user_id,
                    username: e.username,
                    action: e.action,
                    kind: e.kind,
                    patient_id: e.patient_id,
                    detail: e.detail,
                    address: e.address,
                    patients: Vec::new(),
                });
            }
            tx.commit().await?;
        }
    }
}
