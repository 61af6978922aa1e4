use carelog_domain::ids::UserId;
use carelog_domain::role::Role;
use chrono::{DateTime, Utc};
use sea_orm::FromQueryResult;

use crate::connection::at;
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

const USER_COLUMNS: &str = "id, username, display_name, role, is_active";

impl Store {
    pub async fn create_user(&self, user: &NewUser<'_>, now: DateTime<Utc>) -> Result<UserId> {
        let result = self
            .write_returning::<UserId>(
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
            )
            .await;
        match result {
            Ok(Some(id)) => Ok(id),
            Ok(None) => Err(StoreError::NotFound("the new user's id".into())),
            Err(StoreError::Conflict(_)) => {
                Err(StoreError::AlreadyExists(format!("user \"{}\"", user.username)))
            }
            Err(e) => Err(e),
        }
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

    /// Changes a role and ends the user's sessions, so the new role applies at the next sign-in.
    pub async fn set_role(&self, username: &str, role: Role, now: DateTime<Utc>) -> Result<Role> {
        let user = self.user_named(username).await?;
        self.exec(
            "UPDATE users SET role = $1, updated_at = $2 WHERE id = $3",
            vec![role.into(), at(now), user.id.into()],
        )
        .await?;
        self.delete_sessions_of(user.id).await?;
        Ok(user.role)
    }

    /// Replaces a password hash and ends the user's sessions.
    pub async fn set_password_hash(
        &self,
        username: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<UserId> {
        let user = self.user_named(username).await?;
        self.exec(
            "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3",
            vec![password_hash.into(), at(now), user.id.into()],
        )
        .await?;
        self.delete_sessions_of(user.id).await?;
        Ok(user.id)
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
