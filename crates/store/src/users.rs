use carelog_domain::ids::UserId;
use carelog_domain::role::Role;
use chrono::{DateTime, Utc};
use sea_orm::FromQueryResult;

use sea_orm::ConnectionTrait;

use crate::audit::{NewAuditEvent, insert_audit};
use crate::connection::at;
use crate::row::Query;
use crate::{Result, Store, StoreError};

/// The role column's CHECK constraint admits only the three roles, so every row decodes.
#[derive(Debug, Clone, FromQueryResult)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub is_active: bool,
}

/// A user and the password hash to check, for signing in only.
#[derive(FromQueryResult)]
pub struct Login {
    #[sea_orm(nested)]
    pub user: User,
    pub password_hash: String,
}

/// Password hashes stay inside the store's login path; `User` never carries one.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub password_hash: &'a str,
    pub role: Role,
}

/// What is done to an existing user.
pub enum UserChange<'a> {
    Role(Role),
    Password { hash: &'a str },
    Deactivate,
    Reactivate,
}

impl UserChange<'_> {
    /// Why the user's sessions and tokens end with this change; None when they do not.
    fn ends_credentials(&self) -> Option<&'static str> {
        match self {
            UserChange::Role(_) => Some("role changed"),
            UserChange::Password { .. } => Some("password reset"),
            UserChange::Deactivate => Some("user deactivated"),
            UserChange::Reactivate => None,
        }
    }
}

/// A user as they were before a change, and what the change ended.
#[derive(Debug, Clone)]
pub struct ChangedUser {
    pub before: User,
    pub sessions_ended: u64,
    pub tokens_revoked: u64,
}

/// An account as the Users page lists it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct UserAccount {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub is_active: bool,
    pub deactivated_at: Option<DateTime<Utc>>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub sessions: i64,
    pub live_tokens: i64,
    pub patients: i64,
}

/// A deactivated coordinator's patients, still theirs until a manager reassigns them.
#[derive(Debug, Clone, FromQueryResult)]
pub struct OrphanedCaseload {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub patients: i64,
}

const USER_COLUMNS: &str = "id, username, display_name, role, is_active";

/// The profile a new caseload holder starts with, unless they have one: Unavailable, so nobody is
/// recommended to them until a manager has set their capacity, hours and specializations.
async fn insert_starting_profile(
    store: &Store,
    tx: &sea_orm::DatabaseTransaction,
    user: UserId,
) -> Result<()> {
    tx.execute_raw(store.stmt(
        "INSERT INTO coordinator_profiles (user_id, max_caseload, availability, work_start, work_end)
         SELECT $1, $2, $3, '08:00', '16:30' WHERE NOT EXISTS (SELECT 1 FROM coordinator_profiles WHERE user_id = $1)",
        vec![
            user.into(),
            STARTING_MAX_CASELOAD.into(),
            carelog_domain::patient::Availability::Unavailable.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// A new caseload holder's maximum until a manager sets it (the seed's example coordinator's).
pub const STARTING_MAX_CASELOAD: i32 = 35;

impl Store {
    /// Makes a user and records its audit event in the same transaction.
    pub async fn create_user(
        &self,
        user: &NewUser<'_>,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<UserId> {
        let tx = self.begin_write().await?;
        let result = tx
            .scalar::<UserId>(self.stmt(
                "INSERT INTO users (username, display_name, email, password_hash, role, is_active, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, TRUE, $6, $6) RETURNING id",
                vec![
                    user.username.into(),
                    user.display_name.into(),
                    user.email.map(str::to_owned).into(),
                    user.password_hash.into(),
                    user.role.into(),
                    at(now),
                ],
            ))
            .await;
        let id = match result {
            Ok(Some(id)) => id,
            Ok(None) => return Err(StoreError::NotFound("the new user's id".into())),
            Err(StoreError::Conflict(_)) => {
                return Err(StoreError::AlreadyExists(format!("user \"{}\"", user.username)));
            }
            Err(e) => return Err(e),
        };
        if user.role.carries_caseload() {
            insert_starting_profile(self, &tx, id).await?;
        }
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn user_by_id(&self, id: UserId) -> Result<Option<User>> {
        self.row(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"), vec![id.into()]).await
    }

    /// The user and their password hash, for signing in.
    pub async fn user_for_login(&self, username: &str) -> Result<Option<Login>> {
        self.row(
            &format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1"),
            vec![username.into()],
        )
        .await
    }

    pub async fn list_users(&self) -> Result<Vec<User>> {
        self.rows(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY role, username"), vec![])
            .await
    }

    pub async fn count_users(&self) -> Result<i64> {
        self.count("SELECT COUNT(*) AS n FROM users", vec![]).await
    }

    /// Changes a user's role, password or standing with its audit event, in one transaction. Every
    /// change but a reactivation ends the user's sessions and revokes their API tokens (`reason` is
    /// kept on each token), so it applies at once to every way the user reaches carelog.
    /// Returns the user as they were and what was ended.
    pub async fn change_user(
        &self,
        username: &str,
        change: &UserChange<'_>,
        audit: &NewAuditEvent<'_>,
        now: DateTime<Utc>,
    ) -> Result<ChangedUser> {
        let before = self.user_named(username).await?;
        let tx = self.begin_write().await?;
        let (sql, values): (&str, Vec<sea_orm::Value>) = match change {
            UserChange::Role(role) => (
                "UPDATE users SET role = $1, updated_at = $2 WHERE id = $3",
                vec![(*role).into(), at(now), before.id.into()],
            ),
            UserChange::Password { hash } => (
                "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3",
                vec![(*hash).into(), at(now), before.id.into()],
            ),
            UserChange::Deactivate => (
                "UPDATE users SET is_active = FALSE, deactivated_at = $1, updated_at = $1 WHERE id = $2",
                vec![at(now), before.id.into()],
            ),
            UserChange::Reactivate => (
                "UPDATE users SET is_active = TRUE, deactivated_at = NULL, updated_at = $1 WHERE id = $2",
                vec![at(now), before.id.into()],
            ),
        };
        tx.execute_raw(self.stmt(sql, values)).await?;
        if let UserChange::Role(role) = change
            && role.carries_caseload()
        {
            insert_starting_profile(self, &tx, before.id).await?;
        }
        let mut ended = ChangedUser { before, sessions_ended: 0, tokens_revoked: 0 };
        if let Some(reason) = change.ends_credentials() {
            ended.sessions_ended = tx
                .execute_raw(
                    self.stmt(
                        "DELETE FROM sessions WHERE user_id = $1",
                        vec![ended.before.id.into()],
                    ),
                )
                .await?
                .rows_affected();
            ended.tokens_revoked = tx
                .execute_raw(self.stmt(
                    "UPDATE api_tokens SET revoked_at = $1, revoked_reason = $2 WHERE user_id = $3 AND revoked_at IS NULL",
                    vec![at(now), reason.into(), ended.before.id.into()],
                ))
                .await?
                .rows_affected();
        }
        insert_audit(self, &tx, audit, now).await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Every account with what an administrator needs to see about it.
    pub async fn user_accounts(&self, now: DateTime<Utc>) -> Result<Vec<UserAccount>> {
        self.rows(
            "SELECT u.id, u.username, u.display_name, u.role, u.is_active, u.deactivated_at,
                    (SELECT MAX(s.last_seen_at) FROM sessions s WHERE s.user_id = u.id) AS last_seen_at,
                    (SELECT CAST(COUNT(*) AS BIGINT) FROM sessions s WHERE s.user_id = u.id) AS sessions,
                    (SELECT CAST(COUNT(*) AS BIGINT) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL AND t.expires_at > $1) AS live_tokens,
                    (SELECT CAST(COUNT(*) AS BIGINT) FROM patients p WHERE p.coordinator_id = u.id AND p.status <> 'Deceased') AS patients
             FROM users u ORDER BY u.is_active DESC, u.role, u.username",
            vec![at(now)],
        )
        .await
    }

    /// How many active administrators there are (the last one may not be removed).
    pub async fn active_admins(&self) -> Result<i64> {
        self.count(
            "SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND is_active = TRUE",
            vec![],
        )
        .await
    }

    /// Deactivated coordinators who still hold patients, and how many: to reassign.
    pub async fn inactive_coordinators_with_patients(&self) -> Result<Vec<OrphanedCaseload>> {
        self.rows(
            "SELECT u.id, u.username, u.display_name, CAST(COUNT(p.id) AS BIGINT) AS patients
             FROM users u JOIN patients p ON p.coordinator_id = u.id AND p.status <> 'Deceased'
             WHERE u.is_active = FALSE GROUP BY u.id, u.username, u.display_name ORDER BY u.display_name",
            vec![],
        )
        .await
    }

    async fn user_named(&self, username: &str) -> Result<User> {
        self.row(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1"),
            vec![username.into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("user \"{username}\"")))
    }
}
