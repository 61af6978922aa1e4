//! Reading query results: whole rows decode into structs by column name
//! (`#[derive(FromQueryResult)]`, domain vocabularies included); one-column answers by position.

use sea_orm::{ConnectionTrait, FromQueryResult, QueryResult, Statement, TryGetable, Value};

use crate::{Result, Store};

/// The first column of a row (`SELECT link …`, `… RETURNING id`).
fn first<T: TryGetable>(row: &QueryResult) -> Result<T> {
    Ok(T::try_get_by_index(row, 0).map_err(sea_orm::DbErr::from)?)
}

/// `COUNT(*)`/`SUM(..)` as i64 on both engines (PostgreSQL's SUM of INTEGER is BIGINT; an empty SUM is NULL).
fn count_of(row: Option<QueryResult>) -> Result<i64> {
    match row {
        Some(r) => Ok(first::<Option<i64>>(&r)?.unwrap_or(0)),
        None => Ok(0),
    }
}

/// Typed reads on a pool or inside a transaction.
pub(crate) trait Query: ConnectionTrait {
    async fn rows<T: FromQueryResult>(&self, statement: Statement) -> Result<Vec<T>> {
        let rows = self.query_all_raw(statement).await?;
        rows.iter().map(|r| Ok(T::from_query_result(r, "")?)).collect()
    }

    async fn row<T: FromQueryResult>(&self, statement: Statement) -> Result<Option<T>> {
        let row = self.query_one_raw(statement).await?;
        row.map(|r| Ok(T::from_query_result(&r, "")?)).transpose()
    }

    async fn scalar<T: TryGetable>(&self, statement: Statement) -> Result<Option<T>> {
        self.query_one_raw(statement).await?.map(|r| first(&r)).transpose()
    }

    async fn scalars<T: TryGetable>(&self, statement: Statement) -> Result<Vec<T>> {
        self.query_all_raw(statement).await?.iter().map(first).collect()
    }

    async fn count(&self, statement: Statement) -> Result<i64> {
        count_of(self.query_one_raw(statement).await?)
    }
}

impl<C: ConnectionTrait> Query for C {}

impl Store {
    pub(crate) async fn rows<T: FromQueryResult>(
        &self,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<Vec<T>> {
        self.pool().rows(self.stmt(sql, values)).await
    }

    pub(crate) async fn row<T: FromQueryResult>(
        &self,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<Option<T>> {
        self.pool().row(self.stmt(sql, values)).await
    }

    pub(crate) async fn scalar<T: TryGetable>(
        &self,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<Option<T>> {
        self.pool().scalar(self.stmt(sql, values)).await
    }

    pub(crate) async fn scalars<T: TryGetable>(
        &self,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<Vec<T>> {
        self.pool().scalars(self.stmt(sql, values)).await
    }

    pub(crate) async fn count(&self, sql: &str, values: Vec<Value>) -> Result<i64> {
        self.pool().count(self.stmt(sql, values)).await
    }

    /// One write statement that answers one value (`INSERT … RETURNING id`), in the writers' turn.
    pub(crate) async fn write_returning<T: TryGetable>(
        &self,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<Option<T>> {
        let _turn = self.write_turn().await;
        self.scalar(sql, values).await
    }
}
