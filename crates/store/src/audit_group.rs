//! SQLite's page-view audit events, committed in groups. Every audited page view writes its event
//! before it answers, and SQLite takes one writer at a time: at 10 managers on Tab 3 the server sat
//! a third idle while each view waited its turn to commit (and sync) a transaction of its own. A
//! view's event now joins a queue; whoever gets the writers' turn next writes every event queued,
//! in one transaction, and tells each view when it is committed. Nothing is acknowledged before its
//! group commits.

use sea_orm::Value;
use tokio::sync::oneshot;

use crate::audit::insert_audit_row;
use crate::{Result, Store, StoreError};

/// Audit events waiting for the writers' turn.
#[derive(Default)]
pub(crate) struct AuditGroup {
    waiting: std::sync::Mutex<Vec<Queued>>,
}

/// An event's bound columns and who waits to hear it committed.
struct Queued {
    values: Vec<Value>,
    committed: oneshot::Sender<std::result::Result<(), SharedError>>,
}

/// A group's failure as each of its events' requests reports it: the kind of error, in its words.
#[derive(Clone)]
struct SharedError {
    kind: FailureKind,
    message: String,
}

#[derive(Clone, Copy)]
enum FailureKind {
    Busy,
    CannotWrite,
    Other,
}

impl SharedError {
    fn of(e: &StoreError) -> Self {
        let kind = match e {
            StoreError::Busy(_) => FailureKind::Busy,
            StoreError::CannotWrite(_) => FailureKind::CannotWrite,
            _ => FailureKind::Other,
        };
        SharedError { kind, message: e.to_string() }
    }

    fn into_store_error(self) -> StoreError {
        match self.kind {
            FailureKind::Busy => StoreError::Busy(self.message),
            FailureKind::CannotWrite => StoreError::CannotWrite(self.message),
            FailureKind::Other => StoreError::Db(sea_orm::DbErr::Custom(self.message)),
        }
    }
}

impl AuditGroup {
    fn push(&self, queued: Queued) {
        self.waiting.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(queued);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.waiting.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }

    fn take(&self) -> Vec<Queued> {
        std::mem::take(&mut *self.waiting.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

impl Store {
    /// Records an event (`event_values`) in the next group to commit; returns once that group has
    /// committed.
    pub(crate) async fn record_audit_with_others(&self, values: Vec<Value>) -> Result<()> {
        let (committed, outcome) = oneshot::channel();
        self.audit_group().push(Queued { values, committed });
        let turn = self.write_turn().await;
        // Empty when a writer before us took this event with its group.
        let group = self.audit_group().take();
        if !group.is_empty() {
            // In a task of its own: a request dropped mid-write (its client gone) must not undo
            // the group's other events.
            let store = self.clone();
            tokio::spawn(async move { store.write_audit_group(turn, group).await });
        }
        match outcome.await {
            Ok(result) => result.map_err(SharedError::into_store_error),
            Err(_) => Err(StoreError::Busy("the audit write stopped before it committed".into())),
        }
    }

    async fn write_audit_group(
        self,
        turn: Option<tokio::sync::OwnedMutexGuard<()>>,
        mut group: Vec<Queued>,
    ) {
        let written = async {
            let tx = self.begin_write_in_turn(turn).await?;
            // Each event's values are bound once, so taken, not copied (an export's list is long).
            for queued in &mut group {
                insert_audit_row(&self, &tx, std::mem::take(&mut queued.values)).await?;
            }
            tx.commit().await?;
            Ok::<(), StoreError>(())
        };
        let outcome = written.await.map_err(|e| SharedError::of(&e));
        if let Err(e) = &outcome {
            tracing::warn!(events = group.len(), error = %e.message, "an audit group did not commit");
        }
        for queued in group {
            let _ = queued.committed.send(outcome.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use crate::{NewAuditEvent, Store, StoreError};

    async fn one_connection_store(dir: &tempfile::TempDir) -> Store {
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::connect_with(&url, |o| {
            o.max_connections(1);
        })
        .await
        .unwrap();
        store.migrate().await.unwrap();
        store
    }

    /// `views` page views recorded at once, each in its own task, queued behind a write held open
    /// until they all wait; their answers.
    async fn views_behind_a_long_write(
        store: &Store,
        views: usize,
        detail: &str,
    ) -> Vec<crate::Result<()>> {
        let long_write = store.begin_write().await.unwrap();
        let tasks: Vec<_> = (0..views)
            .map(|i| {
                let store = store.clone();
                let detail = format!("{detail} {i}");
                tokio::spawn(async move {
                    let event = NewAuditEvent {
                        username: "reader",
                        action: "panel.view",
                        detail,
                        address: "127.0.0.1",
                        ..NewAuditEvent::default()
                    };
                    store.record_audit(&event, Utc::now()).await
                })
            })
            .collect();
        while store.audit_group().len() < views {
            tokio::task::yield_now().await;
        }
        long_write.commit().await.unwrap();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap());
        }
        answers
    }

    async fn count(store: &Store, table: &str) -> i64 {
        store.count(&format!("SELECT COUNT(*) AS n FROM {table}"), vec![]).await.unwrap()
    }

    #[tokio::test]
    async fn views_waiting_for_the_writers_turn_are_committed_together_and_each_is_told() {
        let dir = tempfile::tempdir().unwrap();
        let store = one_connection_store(&dir).await;
        let answers = views_behind_a_long_write(&store, 20, "view").await;
        assert!(answers.iter().all(Result::is_ok));
        assert_eq!(count(&store, "audit_events").await, 20);
        assert_eq!(count(&store, "audit_unsealed").await, 20, "each marked for the sealer");
        assert_eq!(store.audit_group().len(), 0);
    }

    #[tokio::test]
    async fn a_group_that_cannot_commit_fails_every_view_in_it_and_keeps_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = one_connection_store(&dir).await;
        let pages = store.count("SELECT page_count AS n FROM pragma_page_count()", vec![]).await;
        store.exec(&format!("PRAGMA max_page_count = {}", pages.unwrap()), vec![]).await.unwrap();
        let answers = views_behind_a_long_write(&store, 10, &"x".repeat(3_000)).await;
        for answer in &answers {
            assert!(matches!(answer, Err(StoreError::CannotWrite(_))), "{answer:?}");
        }
        store.exec("PRAGMA max_page_count = 1000000", vec![]).await.unwrap();
        assert_eq!(count(&store, "audit_events").await, 0, "nothing of the group kept");
        let answers = views_behind_a_long_write(&store, 3, "after").await;
        assert!(answers.iter().all(Result::is_ok), "{answers:?}");
        assert_eq!(count(&store, "audit_events").await, 3);
    }
}
