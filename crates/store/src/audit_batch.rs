//! Audit events written on their own (a read's, a denial's) are committed together: every request
//! hands its event to one writer and waits for the commit, so concurrent reads share one transaction,
//! one turn on the chain's head and one flush to disk instead of queueing for each in turn (on
//! PostgreSQL the head's row lock is held through each commit). An event is still committed before
//! the read it records is answered.

use carelog_domain::ids::{PatientId, UserId};
use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};

use crate::audit::{NewAuditEvent, insert_audit};
use crate::{Result, Store, StoreError};

/// The most events one transaction takes.
const MOST_IN_ONE_COMMIT: usize = 64;
/// Events waiting for the writer before a caller waits to hand theirs over.
const QUEUE_LENGTH: usize = 1024;

/// An audit event the writer owns until it is committed.
struct Waiting {
    user_id: Option<UserId>,
    username: String,
    action: String,
    patient_id: Option<PatientId>,
    detail: String,
    address: String,
    patients: Vec<PatientId>,
    at: DateTime<Utc>,
    committed: oneshot::Sender<Result<()>>,
}

impl Waiting {
    fn event(&self) -> NewAuditEvent<'_> {
        NewAuditEvent {
            user_id: self.user_id,
            username: &self.username,
            action: &self.action,
            patient_id: self.patient_id,
            detail: self.detail.clone(),
            address: &self.address,
            patients: self.patients.clone(),
        }
    }
}

/// Where requests hand their events to the writer.
#[derive(Clone)]
pub(crate) struct AuditQueue(mpsc::Sender<Waiting>);

/// Starts the writer for `store` (a copy without a queue of its own, so the writer ends once the
/// last copy of the store that hands it events is dropped).
pub(crate) fn start(store: Store) -> AuditQueue {
    let (queue, events) = mpsc::channel(QUEUE_LENGTH);
    tokio::spawn(write_as_they_come(store, events));
    AuditQueue(queue)
}

async fn write_as_they_come(store: Store, mut events: mpsc::Receiver<Waiting>) {
    while let Some(first) = events.recv().await {
        let mut batch = vec![first];
        while batch.len() < MOST_IN_ONE_COMMIT {
            match events.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        if batch.len() > 1 && write(&store, &batch).await.is_ok() {
            for waiting in batch {
                let _ = waiting.committed.send(Ok(()));
            }
            continue;
        }
        // Alone, or the shared commit failed: each event in its own transaction, with its own answer.
        for waiting in batch {
            let result = write(&store, std::slice::from_ref(&waiting)).await;
            let _ = waiting.committed.send(result);
        }
    }
}

async fn write(store: &Store, batch: &[Waiting]) -> Result<()> {
    let tx = store.begin_write().await?;
    for waiting in batch {
        insert_audit(store, &tx, &waiting.event(), waiting.at).await?;
    }
    tx.commit().await?;
    Ok(())
}

impl AuditQueue {
    /// Hands the event to the writer and waits until it is committed (or refused).
    pub(crate) async fn record(&self, event: &NewAuditEvent<'_>, at: DateTime<Utc>) -> Result<()> {
        let (committed, answer) = oneshot::channel();
        let waiting = Waiting {
            user_id: event.user_id,
            username: event.username.to_owned(),
            action: event.action.to_owned(),
            patient_id: event.patient_id,
            detail: event.detail.clone(),
            address: event.address.to_owned(),
            patients: event.patients.clone(),
            at,
            committed,
        };
        let gone = || StoreError::Busy("the audit writer has stopped".into());
        self.0.send(waiting).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}
