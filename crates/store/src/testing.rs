//! Support for tests that need a database of their own: a fresh PostgreSQL database per test on the
//! server `CARELOG_TEST_PG` names, dropped afterwards. Not used by the application itself.

use carelog_domain::ids::{PatientId, UserId};
use sea_orm::{ConnectionTrait, Database};

use crate::{Result, StoreError};

/// Replaces the database name at the end of a PostgreSQL URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let prefix = match base.rfind('/') {
        Some(slash) if slash > base.find("://").map_or(0, |i| i + 2) => &base[..slash],
        _ => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

/// Creates an empty database on the server and returns its URL. Fails, never skips, if the server
/// cannot be reached.
pub async fn create_postgres_database(server_url: &str, name: &str) -> Result<String> {
    let admin = Database::connect(server_url).await.map_err(|e| {
        StoreError::BadUrl(format!(
            "CARELOG_TEST_PG is set but {} cannot be reached: {e}",
            crate::redact_url(server_url)
        ))
    })?;
    admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await?;
    admin.close().await?;
    Ok(with_database(server_url, name))
}

pub async fn drop_postgres_database(server_url: &str, name: &str) -> Result<()> {
    let admin = Database::connect(server_url).await?;
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await?;
    admin.close().await?;
    Ok(())
}

impl crate::Store {
    /// A SQLite store whose every connection may grow the database to at most `pages` pages (SQLite's
    /// `max_page_count`), read again each time a connection is handed out: a test fills the "disk" by
    /// keeping it low and frees space by raising it.
    pub async fn connect_with_page_limit(
        url: &str,
        pages: std::sync::Arc<std::sync::atomic::AtomicU64>,
    ) -> Result<crate::Store> {
        crate::Store::connect_with(url, move |options| {
            options.map_sqlx_sqlite_before_acquire(move |conn, _| {
                let limit = pages.load(std::sync::atomic::Ordering::SeqCst);
                Box::pin(async move {
                    use sea_orm::sqlx::{self, Executor};
                    conn.execute(sqlx::AssertSqlSafe(format!("PRAGMA max_page_count = {limit}")))
                        .await?;
                    Ok(true)
                })
            });
        })
        .await
    }

    /// Some patient not assigned to this coordinator; for tests of access control.
    pub async fn a_patient_not_assigned_to(
        &self,
        coordinator_id: UserId,
    ) -> Result<Option<PatientId>> {
        self.scalar(
            "SELECT id FROM patients WHERE coordinator_id IS NOT NULL AND coordinator_id <> $1 ORDER BY id LIMIT 1",
            vec![coordinator_id.into()],
        )
        .await
    }

    /// Tries to rewrite history; the database must refuse. Exposed so tests can prove it on both engines.
    pub async fn try_tamper_with_audit_for_test(&self) -> Result<u64> {
        self.exec("UPDATE audit_events SET detail = 'tampered'", vec![]).await
    }

    /// One number from a query; for tests that check a page's figure against the data independently.
    pub async fn scalar_for_test(&self, sql: &str, values: Vec<sea_orm::Value>) -> Result<i64> {
        self.count(sql, values).await
    }

    /// Runs one statement as any writer would, outside carelog's own write paths: tests use it to change
    /// data behind a server's back, as another app server or a database administrator could.
    pub async fn exec_for_test(&self, sql: &str, values: Vec<sea_orm::Value>) -> Result<u64> {
        self.exec(sql, values).await
    }

    /// Runs a statement in a transaction and rolls it back, returning the rows it touched: benchmarks
    /// time a hand-written bulk write this way without changing the data they measure.
    pub async fn rolled_back_for_test(
        &self,
        sql: &str,
        values: Vec<sea_orm::Value>,
    ) -> Result<u64> {
        let tx = self.begin_write().await?;
        let touched = tx.execute_raw(self.stmt(sql, values)).await?.rows_affected();
        tx.rollback().await?;
        Ok(touched)
    }

    /// Opens a write transaction and keeps it open until the answer is committed: tests use it to make
    /// other writers wait as a long write would.
    pub async fn open_write_for_test(&self) -> Result<OpenWrite> {
        Ok(OpenWrite(self.begin_write().await?))
    }

    /// Moves all of a user's sessions back in time, as if idle since `last_seen_at`.
    pub async fn age_sessions_for_test(
        &self,
        user_id: UserId,
        last_seen_at: chrono::DateTime<chrono::Utc>,
        created_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        self.exec(
            "UPDATE sessions SET last_seen_at = $1, created_at = $2 WHERE user_id = $3",
            vec![
                crate::connection::at(last_seen_at),
                crate::connection::at(created_at),
                user_id.into(),
            ],
        )
        .await?;
        Ok(())
    }
}

/// A write transaction a test holds open; see [`crate::Store::open_write_for_test`].
pub struct OpenWrite(crate::connection::WriteTx);

impl OpenWrite {
    pub async fn commit(self) -> Result<()> {
        Ok(self.0.commit().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "t2"),
            "postgres://u@h/t2?sslmode=disable"
        );
    }
}
