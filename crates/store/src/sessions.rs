use carelog_domain::ids::UserId;
use chrono::{DateTime, Utc};

use crate::connection::at;
use crate::users::User;
use crate::{Result, Store};
use sea_orm::FromQueryResult;

#[derive(Debug, Clone, FromQueryResult)]
pub struct SessionRecord {
    #[sea_orm(nested)]
    pub user: User,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// A signed-in session as its user sees it (never the cookie: only its hash is kept).
#[derive(Debug, Clone, FromQueryResult)]
pub struct SessionListing {
    pub id_hash: String,
    pub address: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

impl Store {
    /// A user's sessions, the most recently active first.
    pub async fn sessions_of(&self, user_id: UserId) -> Result<Vec<SessionListing>> {
        self.rows(
            "SELECT id_hash, address, created_at, last_seen_at FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC, created_at DESC",
            vec![user_id.into()],
        )
        .await
    }

    /// Ends the user's sessions but `keep` (all but `keep` when `only` is None, else just `only`);
    /// returns how many ended.
    pub async fn end_sessions_of(
        &self,
        user_id: UserId,
        keep: &str,
        only: Option<&str>,
        audit: &crate::NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        use sea_orm::ConnectionTrait;
        let tx = self.begin_write().await?;
        let (sql, values) = match only {
            Some(one) => (
                "DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2 AND id_hash = $3",
                vec![user_id.into(), keep.into(), one.into()],
            ),
            None => (
                "DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2",
                vec![user_id.into(), keep.into()],
            ),
        };
        let ended = tx.execute_raw(self.stmt(sql, values)).await?.rows_affected();
        if ended > 0 {
            crate::audit::insert_audit(self, &tx, audit, now).await?;
        }
        tx.commit().await?;
        Ok(ended)
    }

    pub async fn create_session(
        &self,
        id_hash: &str,
        user_id: UserId,
        csrf_token: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.exec(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, address) VALUES ($1, $2, $3, $4, $4, $5)",
            vec![id_hash.into(), user_id.into(), csrf_token.into(), at(now), address.into()],
        )
        .await?;
        Ok(())
    }

    /// The session and its user, if the session exists and the user is still active.
    pub async fn session(&self, id_hash: &str) -> Result<Option<SessionRecord>> {
        self.row(
                "SELECT s.csrf_token, s.created_at, s.last_seen_at, u.id, u.username, u.display_name, u.role, u.is_active
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.id_hash = $1 AND u.is_active = TRUE",
                vec![id_hash.into()],
            )
            .await
    }

    pub async fn touch_session(&self, id_hash: &str, now: DateTime<Utc>) -> Result<()> {
        self.exec(
            "UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2",
            vec![at(now), id_hash.into()],
        )
        .await?;
        Ok(())
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        self.exec("DELETE FROM sessions WHERE id_hash = $1", vec![id_hash.into()]).await?;
        Ok(())
    }

    /// Removes sessions past either timeout; returns how many.
    pub async fn delete_expired_sessions(
        &self,
        idle_before: DateTime<Utc>,
        created_before: DateTime<Utc>,
    ) -> Result<u64> {
        self.exec(
            "DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2",
            vec![at(idle_before), at(created_before)],
        )
        .await
    }
}
