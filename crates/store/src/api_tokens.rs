//! API tokens: each acts as its user. Only the SHA-256 of a token is stored, so the table alone
//! cannot call the API.

use carelog_domain::ids::UserId;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::audit::{NewAuditEvent, insert_audit};
use crate::connection::at;
use crate::row::Query;
use crate::users::User;
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, FromQueryResult)]
pub struct ApiTokenRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(FromQueryResult)]
struct LiveToken {
    token_id: i64,
    user_id: UserId,
    last_used_at: Option<DateTime<Utc>>,
}

impl Store {
    pub async fn create_api_token(
        &self,
        user_id: UserId,
        name: &str,
        token_hash: &str,
        prefix: &str,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let tx = self.begin_write().await?;
        let id: i64 = tx
            .scalar(self.stmt(
                "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                vec![user_id.into(), name.into(), token_hash.into(), prefix.into(), at(now)],
            ))
            .await?
            .ok_or_else(|| StoreError::NotFound("the new token's id".into()))?;
        insert_audit(self, &*tx, audit, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn api_tokens(&self, user_id: UserId) -> Result<Vec<ApiTokenRow>> {
        self.rows(
            "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
            vec![user_id.into()],
        )
        .await
    }

    /// Revokes one of the user's own tokens; false when there is no such live token.
    pub async fn revoke_api_token(
        &self,
        user_id: UserId,
        token_id: i64,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let tx = self.begin_write().await?;
        let done = tx
            .execute_raw(self.stmt(
                "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
                vec![at(now), token_id.into(), user_id.into()],
            ))
            .await?
            .rows_affected();
        if done == 0 {
            return Ok(false);
        }
        insert_audit(self, &*tx, audit, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The active user a live token belongs to; notes its use at most once a minute.
    pub async fn user_for_api_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>> {
        let Some(token) = self
            .row::<LiveToken>(
                "SELECT t.id AS token_id, t.last_used_at, u.id AS user_id FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.is_active = TRUE",
                vec![token_hash.into()],
            )
            .await?
        else {
            return Ok(None);
        };
        if token.last_used_at.is_none_or(|l| now - l > Duration::minutes(1)) {
            self.exec(
                "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
                vec![at(now), token.token_id.into()],
            )
            .await?;
        }
        self.user_by_id(token.user_id).await
    }
}
