use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use carelog_domain::ids::UserId;
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait, Value,
};

use crate::{Result, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn from_url(url: &str) -> Result<Engine> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else {
            Err(StoreError::BadUrl(format!(
                "\"{}\" is neither sqlite:PATH nor postgres://USER@HOST:PORT/DATABASE",
                redact(url)
            )))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }

    pub(crate) fn backend(self) -> DbBackend {
        match self {
            Engine::Sqlite => DbBackend::Sqlite,
            Engine::Postgres => DbBackend::Postgres,
        }
    }
}

/// A database URL with any password replaced, fit for logs and messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The connection pool and the engine behind it. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    engine: Engine,
    /// SQLite's writers take turns here, first come first served, instead of in SQLite's busy
    /// handler, which sleeps up to 100 ms between retries (p99 of a task entry at 10 users: 335 ms).
    /// PostgreSQL writers never wait on each other here.
    write_turn: Arc<tokio::sync::Mutex<()>>,
    /// Told when audit events commit, so the sealer links them into the chain soon after.
    audit_committed: Arc<tokio::sync::Notify>,
    /// SQLite's page-view audit events waiting to be committed together.
    audit_group: Arc<crate::audit_group::AuditGroup>,
}

/// A write transaction; on SQLite it holds the writers' turn until it ends.
pub(crate) struct WriteTx {
    tx: DatabaseTransaction,
    /// Whether it wrote audit events (the sealer is told when it commits).
    audited: std::sync::atomic::AtomicBool,
    audit_committed: Arc<tokio::sync::Notify>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl std::ops::Deref for WriteTx {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.tx
    }
}

impl WriteTx {
    /// Commits; if it wrote audit events, tells the sealer.
    pub(crate) async fn commit(self) -> std::result::Result<(), sea_orm::DbErr> {
        self.tx.commit().await?;
        if self.audited.load(std::sync::atomic::Ordering::Relaxed) {
            self.audit_committed.notify_one();
        }
        Ok(())
    }

    pub(crate) fn audited(&self) {
        self.audited.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    #[cfg(any(test, feature = "testing"))]
    pub(crate) async fn rollback(self) -> std::result::Result<(), sea_orm::DbErr> {
        self.tx.rollback().await
    }
}

impl Store {
    /// Connects, failing loudly on a URL that names neither engine. SQLite runs in WAL mode with
    /// foreign keys, a busy timeout and full sync on every connection.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_with(url, |_| {}).await
    }

    /// Connects as `connect` does, `tweak` adjusting the pool's options last.
    pub(crate) async fn connect_with(
        url: &str,
        tweak: impl FnOnce(&mut ConnectOptions),
    ) -> Result<Store> {
        let engine = Engine::from_url(url)?;
        let mut options = ConnectOptions::new(url.to_owned());
        options.sqlx_logging(false).acquire_timeout(Duration::from_secs(10));
        match engine {
            Engine::Sqlite => {
                prepare_sqlite_folder(url)?;
                options.max_connections(8).min_connections(1).map_sqlx_sqlite_opts(|o| {
                    o.create_if_missing(true)
                        .journal_mode(SqliteJournalMode::Wal)
                        .foreign_keys(true)
                        .busy_timeout(Duration::from_secs(15))
                        .synchronous(SqliteSynchronous::Full)
                        // A checkpoint every 10,000 pages, not 1,000: a Tab 3 view's audit event
                        // rewrites the same hot pages of the patient links' index, and a rarer
                        // checkpoint copies each of them once for many commits (SQLite at 100,000
                        // patients, 10 managers: 253 → 290 views a second).
                        .pragma("wal_autocheckpoint", "10000")
                });
                options.map_sqlx_sqlite_pool_opts(|pool| pool.after_release(release_check));
            }
            Engine::Postgres => {
                options
                    .max_connections(16)
                    .min_connections(1)
                    .map_sqlx_postgres_opts(|o| o.options([("plan_cache_mode", GENERIC_PLANS)]));
            }
        }
        tweak(&mut options);
        if engine == Engine::Postgres {
            crate::open_errors::check_postgres(url).await?;
        }
        let db = connect_when_free(options).await.map_err(|e| {
            if let Some(explained) = crate::open_errors::explain_sqlite_error(url, &e) {
                return StoreError::BadUrl(explained);
            }
            match e {
                sea_orm::DbErr::Conn(inner) => {
                    StoreError::BadUrl(format!("cannot connect to {}: {inner}", redact(url)))
                }
                other => StoreError::Db(other),
            }
        })?;
        if engine == Engine::Sqlite {
            crate::open_errors::check_sqlite_writable(&db, url).await?;
        }
        Ok(Store {
            db,
            engine,
            write_turn: Arc::default(),
            audit_committed: Arc::default(),
            audit_group: Arc::default(),
        })
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    pub(crate) fn pool(&self) -> &DatabaseConnection {
        &self.db
    }

    pub(crate) fn stmt(&self, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.engine.backend(), sql, values)
    }

    pub(crate) async fn exec(&self, sql: &str, values: Vec<Value>) -> Result<u64> {
        let _turn = self.write_turn().await;
        Ok(self.db.execute_raw(self.stmt(sql, values)).await?.rows_affected())
    }

    pub(crate) async fn write_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.engine {
            Engine::Sqlite => Some(Arc::clone(&self.write_turn).lock_owned().await),
            Engine::Postgres => None,
        }
    }

    /// A write transaction. On SQLite it takes the write lock at BEGIN (IMMEDIATE), so two writers
    /// queue on the busy timeout instead of failing when both try to upgrade a read lock.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx> {
        let turn = self.write_turn().await;
        self.begin_write_in_turn(turn).await
    }

    /// As `begin_write`, the writers' turn already taken.
    pub(crate) async fn begin_write_in_turn(
        &self,
        turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    ) -> Result<WriteTx> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        Ok(WriteTx {
            tx: self.db.begin_with_options(options).await?,
            audited: std::sync::atomic::AtomicBool::new(false),
            audit_committed: Arc::clone(&self.audit_committed),
            _turn: turn,
        })
    }

    pub(crate) fn audit_group(&self) -> &crate::audit_group::AuditGroup {
        &self.audit_group
    }

    /// Waits until audit events have committed since the last wait (at once if they have).
    pub async fn audit_committed(&self) {
        self.audit_committed.notified().await;
    }

    /// Tells the sealer audit events committed outside a `WriteTx`.
    pub(crate) fn audit_events_committed(&self) {
        self.audit_committed.notify_one();
    }

    /// Checks the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        self.scalar::<i32>("SELECT 1 AS ok", vec![]).await?;
        Ok(())
    }

    pub async fn close(self) -> Result<()> {
        Ok(self.db.close().await?)
    }
}

/// PostgreSQL plans each prepared statement once and reuses the plan. Left to choose, it plans
/// anew on every execution whenever the plans for the values just bound look cheaper than the
/// reusable one, and it does for carelog's: a month is two low-cardinality columns (the stamped
/// billing year and month) and a status a bound key, so the panel's statement, planned each time
/// (1–2 ms), made the page 23–29% slower at 10 and 50 users than with the plan kept. The queries
/// are indexed lookups whose shape does not depend on the values.
const GENERIC_PLANS: &str = "force_generic_plan";

/// How long a server waits at start for another to let go of a new SQLite file.
const CONNECT_BUSY_WAIT: Duration = Duration::from_secs(15);

/// Connects, waiting while another process holds the database. Two servers opening one new
/// SQLite file together both switch it to WAL, which needs the file alone: SQLite answers the
/// loser BUSY at once, without its busy handler (two such lockers would deadlock), so the
/// connection is tried again after a pause until [`CONNECT_BUSY_WAIT`] has passed.
async fn connect_when_free(
    options: ConnectOptions,
) -> std::result::Result<DatabaseConnection, sea_orm::DbErr> {
    let started = std::time::Instant::now();
    loop {
        match Database::connect(options.clone()).await {
            Err(e) if crate::error::is_busy(&e) && started.elapsed() < CONNECT_BUSY_WAIT => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            answer => return answer,
        }
    }
}

/// Keeps a SQLite connection coming back to the pool only if no transaction is left open on it.
///
/// When SQLite rolls a transaction back on its own (it may after SQLITE_FULL, SQLITE_IOERR,
/// SQLITE_BUSY or SQLITE_NOMEM), sqlx still counts it open, and the ROLLBACK sent when the
/// transaction is dropped fails for want of one, so the count stays at 1. Every later transaction on
/// that connection is then a SAVEPOINT, and the first of those that is rolled back (ROLLBACK TO)
/// leaves a real transaction open under the next: its "commit" only releases a savepoint, so a
/// write is acknowledged and never stored, and the connection holds the write lock until the
/// process ends. A count above zero may only be a dropped transaction's rollback still queued on the
/// connection's worker, so the ping waits for that before the count is read again.
fn release_check(
    conn: &mut sea_orm::sqlx::SqliteConnection,
    _: sea_orm::sqlx::pool::PoolConnectionMetadata,
) -> Pin<Box<dyn Future<Output = std::result::Result<bool, sea_orm::sqlx::Error>> + Send + '_>> {
    use sea_orm::sqlx::Connection;
    Box::pin(async move {
        if !conn.is_in_transaction() {
            return Ok(true);
        }
        conn.ping().await?;
        let clean = !conn.is_in_transaction();
        if !clean {
            tracing::warn!("discarding a SQLite connection left inside a transaction");
        }
        Ok(clean)
    })
}

/// What a coordinator's lock serialises: their log (the daily cap and the double-submit check) or
/// the patients given to them (their capacity).
#[derive(Debug, Clone, Copy)]
pub(crate) enum CoordinatorLock {
    Log = 7_262,
    Caseload = 7_263,
}

/// Serialises one coordinator's writes of one kind for the rest of the transaction (PostgreSQL;
/// SQLite's IMMEDIATE transaction already holds the database's write lock).
pub(crate) async fn lock_for_transaction(
    store: &Store,
    tx: &DatabaseTransaction,
    lock: CoordinatorLock,
    coordinator_id: UserId,
) -> Result<()> {
    if store.engine() == Engine::Postgres {
        let key = lock as i64 * 1_000_000_000 + coordinator_id.get();
        tx.execute_raw(store.stmt("SELECT pg_advisory_xact_lock($1)", vec![key.into()])).await?;
    }
    Ok(())
}

fn prepare_sqlite_folder(url: &str) -> Result<()> {
    let path = crate::open_errors::sqlite_path(url);
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .map_err(|source| StoreError::Folder { path: parent.display().to_string(), source })?;
    }
    Ok(())
}

/// Stored instants are whole UTC seconds, so SQLite's text form has one shape and sorts in time order.
pub(crate) fn at(instant: DateTime<Utc>) -> Value {
    instant.trunc_subsecs(0).into()
}

#[cfg(test)]
mod tests {
    use sea_orm::ConnectionTrait;

    use super::*;

    /// A connection whose transaction SQLite rolled back on its own (as after SQLITE_FULL) must not
    /// go on to acknowledge writes it never commits: with one pooled connection, every step below
    /// runs on the same one unless the pool discards it.
    #[tokio::test]
    async fn a_transaction_sqlite_ended_on_its_own_leaves_no_write_uncommitted() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::connect_with(&url, |o| {
            o.max_connections(1);
        })
        .await
        .unwrap();
        store.exec("CREATE TABLE t (k TEXT NOT NULL)", vec![]).await.unwrap();

        let tx = store.begin_write().await.unwrap();
        tx.execute_unprepared("INSERT INTO t VALUES ('lost with its transaction')").await.unwrap();
        // What SQLite does by itself when a write finds the disk full.
        tx.execute_unprepared("ROLLBACK").await.unwrap();
        drop(tx);

        let failed = store.begin_write().await.unwrap();
        failed.execute_unprepared("INSERT INTO t VALUES ('refused')").await.unwrap();
        drop(failed);

        let saved = store.begin_write().await.unwrap();
        saved.execute_unprepared("INSERT INTO t VALUES ('acknowledged')").await.unwrap();
        saved.commit().await.unwrap();

        let other = Store::connect(&url).await.unwrap();
        let stored = other
            .scalar::<Option<String>>("SELECT group_concat(k) AS n FROM t", vec![])
            .await
            .unwrap()
            .flatten();
        assert_eq!(stored.as_deref(), Some("acknowledged"), "only the committed write is stored");
        other.exec("INSERT INTO t VALUES ('another writer')", vec![]).await.unwrap();
    }

    #[test]
    fn urls_pick_the_engine_or_fail_naming_the_setting() {
        assert_eq!(Engine::from_url("sqlite:data/carelog.db").unwrap(), Engine::Sqlite);
        assert_eq!(
            Engine::from_url("postgres://postgres@127.0.0.1:5432/test").unwrap(),
            Engine::Postgres
        );
        let err = Engine::from_url("mysql://root@localhost/x").unwrap_err().to_string();
        assert!(err.starts_with("CARELOG_DATABASE_URL"), "{err}");
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/carelog"),
            "postgres://app:***@db:5432/carelog"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(redact("sqlite:data/carelog.db"), "sqlite:data/carelog.db");
    }

    /// Every pooled PostgreSQL connection keeps one plan per prepared statement (see GENERIC_PLANS).
    #[tokio::test]
    async fn postgres_connections_reuse_their_plans() {
        let Ok(server) = std::env::var("CARELOG_TEST_PG") else { return };
        let name = format!("carelog_plans_{}", std::process::id());
        let url = crate::testing::create_postgres_database(&server, &name).await.unwrap();
        let store = Store::connect(&url).await.unwrap();
        let mode: Option<String> = store.scalar("SHOW plan_cache_mode", vec![]).await.unwrap();
        assert_eq!(mode.as_deref(), Some("force_generic_plan"));
        store.close().await.unwrap();
        crate::testing::drop_postgres_database(&server, &name).await.unwrap();
    }
}
