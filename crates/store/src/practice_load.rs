//! The demo load's progress (see `carelog_domain::practice_load`).

use carelog_domain::practice_load::PracticeLoad;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};

use crate::connection::at;
use crate::{Result, Store};

#[derive(FromQueryResult)]
struct LoadRow {
    started_at: DateTime<Utc>,
    heartbeat_at: DateTime<Utc>,
    finished: bool,
    loader: String,
}

impl Store {
    /// Whether the database is empty, holds a demo load under way (or abandoned), or a practice.
    pub async fn practice_load(&self) -> Result<PracticeLoad> {
        let load: Option<LoadRow> = self
            .row(
                "SELECT started_at, heartbeat_at, finished_at IS NOT NULL AS finished, loader \
                 FROM practice_load WHERE id = 1",
                vec![],
            )
            .await?;
        Ok(match load {
            Some(l) if !l.finished => PracticeLoad::Loading {
                started_at: l.started_at,
                heartbeat_at: l.heartbeat_at,
                loader: l.loader,
            },
            Some(_) => PracticeLoad::Ready,
            None if self.count_users().await? == 0 => PracticeLoad::Empty,
            None => PracticeLoad::Ready,
        })
    }

    /// Whether this database holds the demo practice (a demo load finished in it).
    pub async fn is_demo_practice(&self) -> Result<bool> {
        let finished = self
            .count(
                "SELECT COUNT(*) AS n FROM practice_load WHERE id = 1 AND finished_at IS NOT NULL",
                vec![],
            )
            .await?;
        Ok(finished > 0)
    }

    /// Says the load is still at work, so waiting servers keep waiting.
    pub async fn note_demo_load_alive(&self, now: DateTime<Utc>) -> Result<()> {
        self.exec(
            "UPDATE practice_load SET heartbeat_at = $1 WHERE id = 1 AND finished_at IS NULL",
            vec![at(now)],
        )
        .await?;
        Ok(())
    }

    /// Marks the load complete: from now on every server serves the practice.
    pub async fn finish_demo_load(&self, now: DateTime<Utc>) -> Result<()> {
        self.exec(
            "UPDATE practice_load SET heartbeat_at = $1, finished_at = $1 WHERE id = 1",
            vec![at(now)],
        )
        .await?;
        Ok(())
    }
}

/// Records, inside the transaction that writes the practice, that `loader` (HOST/PID) began a demo
/// load.
pub(crate) async fn begin_demo_load(
    store: &Store,
    tx: &DatabaseTransaction,
    now: DateTime<Utc>,
    loader: &str,
) -> Result<()> {
    tx.execute_raw(store.stmt(
        "INSERT INTO practice_load (id, started_at, heartbeat_at, loader) VALUES (1, $1, $1, $2)",
        vec![at(now), loader.into()],
    ))
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use carelog_domain::practice_load::PracticeLoad;

    use crate::Store;

    #[tokio::test]
    async fn a_load_is_seen_loading_until_it_finishes() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::connect(&format!("sqlite:{}", dir.path().join("t.db").display())).await.unwrap();
        store.migrate().await.unwrap();
        assert_eq!(store.practice_load().await.unwrap(), PracticeLoad::Empty);
        let began = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let tx = store.begin_write().await.unwrap();
        super::begin_demo_load(&store, &tx, began, "host/7").await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            store.practice_load().await.unwrap(),
            PracticeLoad::Loading {
                started_at: began,
                heartbeat_at: began,
                loader: "host/7".into()
            }
        );
        let later = began + chrono::Duration::seconds(7);
        store.note_demo_load_alive(later).await.unwrap();
        assert_eq!(
            store.practice_load().await.unwrap(),
            PracticeLoad::Loading {
                started_at: began,
                heartbeat_at: later,
                loader: "host/7".into()
            }
        );
        store.finish_demo_load(later).await.unwrap();
        assert_eq!(store.practice_load().await.unwrap(), PracticeLoad::Ready);
        store.note_demo_load_alive(later).await.unwrap();
        assert_eq!(store.practice_load().await.unwrap(), PracticeLoad::Ready);
    }
}
