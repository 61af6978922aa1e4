use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};

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
    #[error("{0} was not found")]
    NotFound(String),
    #[error("could not prepare the database folder {path}: {source}")]
    Folder { path: String, source: std::io::Error },
    /// The database is overloaded for now: no free connection in time, SQLite's write lock held past
    /// the busy timeout, or a PostgreSQL transaction undone by a deadlock. Worth a retry, unlike `Db`.
    #[error("the database is busy: {0}")]
    Busy(String),
    #[error("database error: {0}")]
    Db(DbErr),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        if is_busy(&err) { StoreError::Busy(err.to_string()) } else { StoreError::Db(err) }
    }
}

fn is_busy(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(ConnAcquireErr::Timeout) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e))
        | DbErr::Conn(RuntimeErr::SqlxError(e)) => {
            let text = e.to_string();
            // PostgreSQL's deadlock and serialization failures roll the transaction back whole: a retry
            // is the remedy (40P01, 40001).
            let retry_code = match e.as_ref() {
                sea_orm::sqlx::Error::Database(db) => {
                    db.code().is_some_and(|c| c == "40P01" || c == "40001")
                }
                _ => false,
            };
            matches!(e.as_ref(), sea_orm::sqlx::Error::PoolTimedOut)
                || retry_code
                || text.contains("database is locked")
                || text.contains("database is busy")
                || text.contains("deadlock detected")
        }
        _ => false,
    }
}

/// True when the database refused a row because a unique key already holds it.
pub(crate) fn is_unique_violation(err: &DbErr) -> bool {
    let text = match err {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            e.to_string()
        }
        other => other.to_string(),
    };
    text.contains("UNIQUE constraint failed")
        || text.contains("duplicate key value violates unique constraint")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overload_is_told_apart_from_failure() {
        assert!(matches!(
            StoreError::from(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)),
            StoreError::Busy(_)
        ));
        let pool = DbErr::Query(RuntimeErr::SqlxError(sea_orm::sqlx::Error::PoolTimedOut.into()));
        assert!(matches!(StoreError::from(pool), StoreError::Busy(_)));
        let locked = DbErr::Exec(RuntimeErr::SqlxError(
            sea_orm::sqlx::Error::Protocol("database is locked".into()).into(),
        ));
        assert!(matches!(StoreError::from(locked), StoreError::Busy(_)));
        let deadlock = DbErr::Exec(RuntimeErr::SqlxError(
            sea_orm::sqlx::Error::Protocol("deadlock detected".into()).into(),
        ));
        assert!(matches!(StoreError::from(deadlock), StoreError::Busy(_)));
        let broken = DbErr::Query(RuntimeErr::SqlxError(
            sea_orm::sqlx::Error::Protocol("no such table: x".into()).into(),
        ));
        assert!(matches!(StoreError::from(broken), StoreError::Db(_)));
        assert!(matches!(
            StoreError::from(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed)),
            StoreError::Db(_)
        ));
    }
}
