use sea_orm::{DbErr, RuntimeErr};

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
    #[error("database error: {0}")]
    Db(DbErr),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        StoreError::Db(err)
    }
}

/// True when the database refused a row because a unique key already holds it.
pub(crate) fn is_unique_violation(err: &DbErr) -> bool {
    let text = match err {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e.to_string(),
        other => other.to_string(),
    };
    text.contains("UNIQUE constraint failed") || text.contains("duplicate key value violates unique constraint")
}
