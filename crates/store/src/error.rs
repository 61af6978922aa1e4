use sea_orm::sqlx;
use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("CARELOG_DATABASE_URL: {0}")]
    BadUrl(String),
    #[error(
        "the database schema is at version {found}, newer than this carelog knows ({known}); run a newer carelog instead of downgrading the database"
    )]
    SchemaTooNew { found: i64, known: i64 },
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// A unique key already holds the row (the database's own report; callers that know what the
    /// key means say so with `AlreadyExists`).
    #[error("a unique key already holds this row: {0}")]
    Conflict(String),
    #[error("{0} was not found")]
    NotFound(String),
    #[error("could not prepare the database folder {path}: {source}")]
    Folder { path: String, source: std::io::Error },
    /// The database is overloaded for now: no free connection in time, SQLite's write lock held past
    /// the busy timeout, or a PostgreSQL transaction undone by a deadlock. Worth a retry, unlike `Db`.
    #[error("the database is busy: {0}")]
    Busy(String),
    /// The database cannot store anything now: its disk is full, it failed to write, or it is read-only.
    /// Nothing of the request was stored; writes succeed again once the cause is gone.
    #[error("the database cannot write: {0}")]
    CannotWrite(String),
    /// What a write was computed from changed before it could commit; compute again.
    #[error("{0} changed meanwhile")]
    Stale(String),
    /// The database refused a write into a closed billing month (`closed_months`).
    #[error("{0}")]
    MonthClosed(String),
    #[error("database error: {0}")]
    Db(DbErr),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        if is_busy(&err) {
            StoreError::Busy(err.to_string())
        } else if cannot_write(&err) {
            // The database's own words ("database or disk is full"), for logs and admins.
            StoreError::CannotWrite(database_message(&err).unwrap_or_else(|| err.to_string()))
        } else if let Some(message) = database_message(&err)
            .filter(|m| m.contains(crate::closed_months::CLOSED_MONTH_REFUSAL))
        {
            StoreError::MonthClosed(message)
        } else if let Some(SqlErr::UniqueConstraintViolation(key)) = err.sql_err() {
            StoreError::Conflict(key)
        } else {
            StoreError::Db(err)
        }
    }
}

/// The driver's error beneath sea-orm's, when there is one.
fn sqlx_error(err: &DbErr) -> Option<&sqlx::Error> {
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e))
        | DbErr::Conn(RuntimeErr::SqlxError(e)) => Some(e.as_ref()),
        _ => None,
    }
}

/// The database's own report beneath the driver's error, when there is one.
fn database_error(err: &DbErr) -> Option<&(dyn sqlx::error::DatabaseError + 'static)> {
    match sqlx_error(err)? {
        sqlx::Error::Database(db) => Some(db.as_ref()),
        _ => None,
    }
}

/// The database's own code for an error: PostgreSQL's SQLSTATE, SQLite's extended result code.
fn database_code(err: &DbErr) -> Option<String> {
    database_error(err)?.code().map(|c| c.into_owned())
}

fn database_message(err: &DbErr) -> Option<String> {
    Some(database_error(err)?.message().to_owned())
}

/// SQLite's extended result code and message for an error, when it is SQLite's.
pub(crate) fn sqlite_code(err: &DbErr) -> Option<(i32, String)> {
    let db = database_error(err)?;
    db.try_downcast_ref::<sqlx::sqlite::SqliteError>()?;
    Some((db.code()?.parse().ok()?, db.message().to_owned()))
}

/// PostgreSQL's SQLSTATEs that undo a transaction whole, so a retry is the remedy: deadlock,
/// serialization failure, lock not available.
const POSTGRES_RETRY_STATES: [&str; 3] = ["40P01", "40001", "55P03"];
/// SQLite's primary result codes for a database another connection holds: BUSY and LOCKED.
const SQLITE_BUSY_CODES: [i32; 2] = [5, 6];

/// PostgreSQL's SQLSTATEs for a server that cannot store: disk full, I/O error, read-only.
const POSTGRES_CANNOT_WRITE_STATES: [&str; 3] = ["53100", "58030", "25006"];
/// SQLite's primary result codes for the same: READONLY, IOERR, FULL.
const SQLITE_CANNOT_WRITE_CODES: [i32; 3] = [8, 10, 13];

fn cannot_write(err: &DbErr) -> bool {
    database_code(err).is_some_and(|code| {
        POSTGRES_CANNOT_WRITE_STATES.contains(&code.as_str())
            || code.parse::<i32>().is_ok_and(|c| SQLITE_CANNOT_WRITE_CODES.contains(&(c & 0xff)))
    })
}

pub(crate) fn is_busy(err: &DbErr) -> bool {
    let pool_timeout = matches!(err, DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))
        || matches!(sqlx_error(err), Some(sqlx::Error::PoolTimedOut));
    pool_timeout
        || database_code(err).is_some_and(|code| {
            POSTGRES_RETRY_STATES.contains(&code.as_str())
                // SQLite's extended codes keep the primary code in their low byte.
                || code.parse::<i32>().is_ok_and(|c| SQLITE_BUSY_CODES.contains(&(c & 0xff)))
        })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sea_orm::{
        ConnectOptions, ConnectionTrait, Database, DatabaseConnection, TransactionTrait,
    };

    use super::*;

    #[test]
    fn a_pool_timeout_is_busy_and_a_closed_connection_is_not() {
        assert!(matches!(
            StoreError::from(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)),
            StoreError::Busy(_)
        ));
        let pool = DbErr::Query(RuntimeErr::SqlxError(sqlx::Error::PoolTimedOut.into()));
        assert!(matches!(StoreError::from(pool), StoreError::Busy(_)));
        // The text alone decides nothing: only the database's code does.
        let text = DbErr::Exec(RuntimeErr::SqlxError(
            sqlx::Error::Protocol("database is locked; deadlock detected".into()).into(),
        ));
        assert!(matches!(StoreError::from(text), StoreError::Db(_)));
        assert!(matches!(
            StoreError::from(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed)),
            StoreError::Db(_)
        ));
    }

    /// A repeated key is a conflict, a missing table a plain failure, and a row or lock another
    /// transaction holds is busy: each read from the engine's own code.
    async fn errors_are_classified_by_their_code(db: &DatabaseConnection, busy_sql: &str) {
        db.execute_unprepared("CREATE TABLE t (k INTEGER PRIMARY KEY)").await.unwrap();
        db.execute_unprepared("INSERT INTO t VALUES (1)").await.unwrap();
        let repeated = db.execute_unprepared("INSERT INTO t VALUES (1)").await.unwrap_err();
        assert!(matches!(StoreError::from(repeated), StoreError::Conflict(_)));
        let missing = db.execute_unprepared("SELECT * FROM no_such_table").await.unwrap_err();
        assert!(matches!(StoreError::from(missing), StoreError::Db(_)));
        let holder = db.begin().await.unwrap();
        holder.execute_unprepared("UPDATE t SET k = 1 WHERE k = 1").await.unwrap();
        let refused = db.execute_unprepared(busy_sql).await.unwrap_err();
        assert!(matches!(StoreError::from(refused), StoreError::Busy(_)), "{busy_sql}");
        holder.rollback().await.unwrap();
    }

    #[tokio::test]
    async fn a_full_sqlite_database_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let db = Database::connect(url.as_str()).await.unwrap();
        db.execute_unprepared("CREATE TABLE t (v TEXT)").await.unwrap();
        let pages = db.query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT page_count FROM pragma_page_count()",
        ));
        let pages: i64 = pages.await.unwrap().unwrap().try_get_by_index(0).unwrap();
        db.execute_unprepared(&format!("PRAGMA max_page_count = {pages}")).await.unwrap();
        let full = db
            .execute_unprepared(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
                 INSERT INTO t SELECT hex(randomblob(900)) FROM n",
            )
            .await
            .unwrap_err();
        let classified = StoreError::from(full);
        assert!(matches!(classified, StoreError::CannotWrite(_)), "{classified}");
    }

    #[tokio::test]
    async fn sqlite_errors_are_classified_by_result_code() {
        let dir = tempfile::tempdir().unwrap();
        let mut options =
            ConnectOptions::new(format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display()));
        options.max_connections(2).map_sqlx_sqlite_opts(|o| o.busy_timeout(Duration::ZERO));
        let db = Database::connect(options).await.unwrap();
        errors_are_classified_by_their_code(&db, "INSERT INTO t VALUES (2)").await;
    }

    #[tokio::test]
    async fn postgres_errors_are_classified_by_sqlstate() {
        let Ok(server) = std::env::var("CARELOG_TEST_PG") else { return };
        let name = format!("carelog_errors_{}", std::process::id());
        let url = crate::testing::create_postgres_database(&server, &name).await.unwrap();
        let db = Database::connect(url.as_str()).await.unwrap();
        errors_are_classified_by_their_code(&db, "SELECT k FROM t FOR UPDATE NOWAIT").await;
        db.close().await.unwrap();
        crate::testing::drop_postgres_database(&server, &name).await.unwrap();
    }
}
