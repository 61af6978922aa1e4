//! Sealing audit events into the hash chain (those carelog marked as it wrote them, and those from
//! before the chain existed), and reading the chain back to verify it.

use std::collections::HashMap;

use carelog_domain::audit_chain::{ChainedEvent, StoredLink};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::audit::{append_to_chain, link_patients, lock_chain_head, parse_patient_list};
use crate::conditions::placeholders;
use crate::row::Query;
use crate::{Result, Store};

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

/// A marked event as the sealer reads it: its columns and the patients it lists.
#[derive(FromQueryResult)]
struct MarkedEvent {
    #[sea_orm(nested)]
    event: EventRow,
    patients: String,
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

/// Events sealed per transaction (bound as a list, so within every engine's limit on values).
const SEAL_BATCH: i64 = 500;

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
        let mut patients = by_event(links);
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

    /// The first event that is neither in the chain nor waiting for the sealer (one written behind
    /// carelog's back), if any.
    pub async fn first_unsealed_audit_event(&self) -> Result<Option<i64>> {
        self.scalar::<Option<i64>>(
            "SELECT MIN(e.id) FROM audit_events e
             WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.id)
               AND NOT EXISTS (SELECT 1 FROM audit_unsealed u WHERE u.event_id = e.id)",
            vec![],
        )
        .await
        .map(Option::flatten)
    }

    /// Links the events carelog marked as it wrote them (`insert_audit`) into the chain, in id
    /// order, and each bulk read to the patients it lists, a batch per transaction, under the
    /// head's lock; safe on several servers at once. Returns how many.
    pub async fn seal_pending_audit_events(&self) -> Result<u64> {
        let mut sealed = 0;
        loop {
            let tx = self.begin_write().await?;
            let head = lock_chain_head(self.engine(), &tx).await?;
            // Read after the lock: a sealer that waited for it sees the marks the last one removed gone.
            let marked: Vec<MarkRow> = tx
                .rows(self.stmt(
                    "SELECT event_id FROM audit_unsealed ORDER BY event_id LIMIT $1",
                    vec![SEAL_BATCH.into()],
                ))
                .await?;
            if marked.is_empty() {
                tx.commit().await?;
                return Ok(sealed);
            }
            let ids: Vec<sea_orm::Value> = marked.iter().map(|m| m.event_id.into()).collect();
            let list = placeholders(ids.len());
            let (events, to_link) = self.events_to_seal(&tx, &list, &ids).await?;
            sealed += events.len() as u64;
            append_to_chain(self.engine(), &tx, &head, &events).await?;
            link_patients(self.engine(), &tx, &to_link).await?;
            tx.execute_raw(
                self.stmt(&format!("DELETE FROM audit_unsealed WHERE event_id IN ({list})"), ids),
            )
            .await?;
            tx.commit().await?;
            if (marked.len() as i64) < SEAL_BATCH {
                return Ok(sealed);
            }
        }
    }

    /// The marked events as stored, with the patients each bulk read returned, in id order; and
    /// those whose patients are listed on the event and not yet linked. (An event written before
    /// migration 30 lists none: its links were written with it.)
    async fn events_to_seal(
        &self,
        tx: &crate::connection::WriteTx,
        list: &str,
        ids: &[sea_orm::Value],
    ) -> Result<(Vec<ChainedEvent>, Vec<ChainedEvent>)> {
        let rows: Vec<MarkedEvent> = tx
            .rows(self.stmt(
                &format!(
                    "SELECT id, at, user_id, username, action, kind, patient_id, detail, address, patients
                     FROM audit_events WHERE id IN ({list}) ORDER BY id"
                ),
                ids.to_vec(),
            ))
            .await?;
        let links: Vec<PatientLink> = tx
            .rows(self.stmt(
                &format!(
                    "SELECT event_id, patient_id FROM audit_event_patients WHERE event_id IN ({list})
                     ORDER BY event_id, patient_id"
                ),
                ids.to_vec(),
            ))
            .await?;
        let mut linked = by_event(links);
        let (mut events, mut to_link) = (Vec::with_capacity(rows.len()), Vec::new());
        for row in rows {
            let listed = parse_patient_list(&row.patients);
            let already = linked.remove(&row.event.id).unwrap_or_default();
            let event = if listed.is_empty() {
                row.event.chained(already)
            } else {
                let event = row.event.chained(listed);
                to_link.push(event.clone());
                event
            };
            events.push(event);
        }
        Ok((events, to_link))
    }

    /// Seals, in id order, the events written before the chain existed (migration 21: they have no
    /// kind), once: the head then says so, so a start neither scans the log again nor seals an event
    /// slipped in later (verify names that one). Safe on several servers at once: each batch takes
    /// the chain's head first. Returns how many.
    pub async fn seal_earlier_audit_events(&self) -> Result<u64> {
        let mut sealed = 0;
        loop {
            let tx = self.begin_write().await?;
            let head = lock_chain_head(self.engine(), &tx).await?;
            if head.earlier_sealed {
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
            let events: Vec<ChainedEvent> =
                events.into_iter().map(|e| e.chained(Vec::new())).collect();
            append_to_chain(self.engine(), &tx, &head, &events).await?;
            tx.commit().await?;
        }
    }
}

#[derive(FromQueryResult)]
struct MarkRow {
    event_id: i64,
}

impl EventRow {
    fn chained(self, patients: Vec<i64>) -> ChainedEvent {
        ChainedEvent {
            id: self.id,
            at: self.at.timestamp(),
            user_id: self.user_id,
            username: self.username,
            action: self.action,
            kind: self.kind,
            patient_id: self.patient_id,
            detail: self.detail,
            address: self.address,
            patients,
        }
    }
}

/// Each event's patients, in the order read.
fn by_event(links: Vec<PatientLink>) -> HashMap<i64, Vec<i64>> {
    let mut patients: HashMap<i64, Vec<i64>> = HashMap::new();
    for l in links {
        patients.entry(l.event_id).or_default().push(l.patient_id);
    }
    patients
}
