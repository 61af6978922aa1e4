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
    pub username: String,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: String,
}

const TOKEN_COLUMNS: &str = "t.id, u.username, t.name, t.prefix, t.created_at, t.expires_at, t.last_used_at, t.revoked_at, t.revoked_reason";

/// A token to make: its owner, name, hash, the prefix shown to tell it apart, and when it expires.
pub struct NewApiToken<'a> {
    pub user_id: UserId,
    pub name: &'a str,
    pub token_hash: &'a str,
    pub prefix: &'a str,
    pub expires_at: DateTime<Utc>,
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
        token: &NewApiToken<'_>,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let tx = self.begin_write().await?;
        let id: i64 = tx
            .scalar(self.stmt(
                "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                vec![
                    token.user_id.into(),
                    token.name.into(),
                    token.token_hash.into(),
                    token.prefix.into(),
                    at(now),
                    at(token.expires_at),
                ],
            ))
            .await?
            .ok_or_else(|| StoreError::NotFound("the new token's id".into()))?;
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One user's tokens, or (None) everyone's, newest first.
    pub async fn api_tokens(&self, user_id: Option<UserId>) -> Result<Vec<ApiTokenRow>> {
        let (filter, values) = match user_id {
            Some(id) => ("WHERE t.user_id = $1", vec![id.into()]),
            None => ("", vec![]),
        };
        self.rows(
            &format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id {filter} ORDER BY t.created_at DESC, t.id DESC"
            ),
            values,
        )
        .await
    }

    /// Revokes a live token (of `owner` only, when given); false when there is no such live token.
    pub async fn revoke_api_token(
        &self,
        owner: Option<UserId>,
        token_id: i64,
        reason: &str,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let tx = self.begin_write().await?;
        let mut values = vec![at(now), reason.into(), token_id.into()];
        let owned = match owner {
            Some(id) => {
                values.push(id.into());
                " AND user_id = $4"
            }
            None => "",
        };
        let done = tx
            .execute_raw(self.stmt(
                &format!(
                    "UPDATE api_tokens SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL{owned}"
                ),
                values,
            ))
            .await?
            .rows_affected();
        if done == 0 {
            return Ok(false);
        }
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The active user a live (unrevoked, unexpired) token belongs to; notes its use at most once a minute.
    pub async fn user_for_api_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>> {
        let Some(token) = self
            .row::<LiveToken>(
                "SELECT t.id AS token_id, t.last_used_at, u.id AS user_id FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND u.is_active = TRUE",
                vec![token_hash.into(), at(now)],
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
