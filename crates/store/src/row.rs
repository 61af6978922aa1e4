//! Reading columns from a raw row with errors that name the column.

use sea_orm::{QueryResult, TryGetable};

use crate::Result;

pub(crate) fn get<T: TryGetable>(row: &QueryResult, column: &str) -> Result<T> {
    Ok(row.try_get::<T>("", column)?)
}

/// `COUNT(*)`/`SUM(..)` read as i64 on both engines (PostgreSQL's SUM of INTEGER is BIGINT).
pub(crate) fn count(row: &Option<QueryResult>, column: &str) -> Result<i64> {
    match row {
        Some(r) => Ok(r.try_get::<Option<i64>>("", column)?.unwrap_or(0)),
        None => Ok(0),
    }
}
