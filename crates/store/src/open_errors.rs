//! Why a database could not be opened at start, in words that name the cause and the setting: the
//! driver alone says "pool timed out" for a PostgreSQL that refuses connections, and SQLite's codes
//! do not name the file.

use std::time::Duration;

use sea_orm::sqlx;
use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

use crate::connection::redact;
use crate::{Result, StoreError};

/// How long a PostgreSQL server may take to accept the first connection.
const REACH_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens one connection to the PostgreSQL server in `url` and closes it, failing with the reason
/// when that cannot be done: before the pool, whose only report is a timeout.
pub(crate) async fn check_postgres(url: &str) -> Result<()> {
    use sqlx::Connection;
    let options: PgConnectOptions = url.parse().map_err(|e| {
        StoreError::BadUrl(format!("\"{}\" is not a PostgreSQL URL: {e}", redact(url)))
    })?;
    let place = format!("{}:{}", options.get_host(), options.get_port());
    let (user, database) =
        (options.get_username().to_owned(), options.get_database().unwrap_or_default().to_owned());
    let attempt = tokio::time::timeout(REACH_TIMEOUT, sqlx::PgConnection::connect_with(&options));
    match attempt.await {
        Err(_) => Err(StoreError::BadUrl(format!(
            "PostgreSQL at {place} did not answer within {} s (a firewall, or the wrong host?)",
            REACH_TIMEOUT.as_secs()
        ))),
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            Ok(())
        }
        Ok(Err(e)) => Err(StoreError::BadUrl(explain_postgres(&e, &place, &user, &database))),
    }
}

fn explain_postgres(e: &sqlx::Error, place: &str, user: &str, database: &str) -> String {
    match e {
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            format!(
                "cannot connect to PostgreSQL at {place}: connection refused (is it running, on that port?)"
            )
        }
        sqlx::Error::Io(io) => format!("cannot reach PostgreSQL at {place}: {io}"),
        sqlx::Error::Database(db) => match db.code().as_deref() {
            // invalid_password, invalid_authorization_specification
            Some("28P01" | "28000") => format!(
                "PostgreSQL at {place} refused the sign-in of user \"{user}\": authentication failed ({})",
                db.message()
            ),
            Some("3D000") => {
                format!("PostgreSQL at {place} has no database \"{database}\"; create it first")
            }
            _ => format!("PostgreSQL at {place} refused the connection: {}", db.message()),
        },
        other => format!("cannot connect to PostgreSQL at {place}: {other}"),
    }
}

/// A file SQLite opened read-only says so only at the first write: one is tried at start, and undone.
pub(crate) async fn check_sqlite_writable(db: &DatabaseConnection, url: &str) -> Result<()> {
    let writable = async {
        let tx = db.begin().await?;
        tx.execute_unprepared("CREATE TABLE carelog_write_check (x INTEGER)").await?;
        tx.rollback().await
    };
    writable.await.map_err(|e| match explain_sqlite_error(url, &e) {
        Some(explained) => StoreError::BadUrl(explained),
        None => StoreError::from(e),
    })
}

/// SQLite's primary result codes that say why a file could not be written or opened.
const SQLITE_READONLY: i32 = 8;
const SQLITE_IOERR: i32 = 10;
const SQLITE_FULL: i32 = 13;
const SQLITE_CANTOPEN: i32 = 14;

/// What to tell of a SQLite file that failed at start, when its code says more than its message.
pub(crate) fn explain_sqlite(path: &str, code: i32, message: &str) -> Option<String> {
    let why = match code & 0xff {
        SQLITE_READONLY => {
            "it is read-only (the file, its folder or the file system); carelog must write it"
        }
        SQLITE_FULL => "the disk is full; free some space",
        SQLITE_IOERR => {
            "the disk failed to write (full, or failing); free some space or check the disk"
        }
        SQLITE_CANTOPEN => {
            "the file cannot be opened or created there (a missing or read-only folder?)"
        }
        _ => return None,
    };
    Some(format!("cannot use the SQLite database {path}: {why} ({message})"))
}

/// The SQLite file a URL names.
pub(crate) fn sqlite_path(url: &str) -> &str {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    path.split('?').next().unwrap_or_default()
}

/// What to tell of an error met while opening a SQLite database, when its code says more.
pub(crate) fn explain_sqlite_error(url: &str, err: &sea_orm::DbErr) -> Option<String> {
    let (code, message) = crate::error::sqlite_code(err)?;
    explain_sqlite(sqlite_path(url), code, &message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_codes_name_the_cause_and_the_file() {
        let readonly = explain_sqlite("data/c.db", 8, "attempt to write a readonly database");
        assert_eq!(
            readonly.as_deref(),
            Some(
                "cannot use the SQLite database data/c.db: it is read-only (the file, its folder or the file system); carelog must write it (attempt to write a readonly database)"
            )
        );
        // SQLITE_IOERR_SHMSIZE (4874), as a full disk reports itself at start.
        assert!(
            explain_sqlite("c.db", 4874, "disk I/O error").unwrap().contains("full, or failing")
        );
        assert!(
            explain_sqlite("c.db", 13, "database or disk is full")
                .unwrap()
                .contains("the disk is full")
        );
        assert!(
            explain_sqlite("c.db", 14, "unable to open database file")
                .unwrap()
                .contains("cannot be opened")
        );
        assert_eq!(explain_sqlite("c.db", 19, "constraint failed"), None);
        assert_eq!(sqlite_path("sqlite://tmp/x.db?mode=ro"), "tmp/x.db");
        assert_eq!(sqlite_path("sqlite:data/carelog.db"), "data/carelog.db");
    }

    #[test]
    fn postgres_failures_name_the_place_and_the_user() {
        let refused = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        let said = explain_postgres(&refused, "db.example:5433", "app", "carelog");
        assert!(said.contains("db.example:5433: connection refused"), "{said}");
    }
}
