use carelog_domain::role::Role;
use chrono::{DateTime, Utc};
use sea_orm::QueryResult;

use crate::connection::at;
use crate::row::{count, get};
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub is_active: bool,
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

fn user_from(row: &QueryResult) -> Result<User> {
    let role_text: String = get(row, "role")?;
    Ok(User {
        id: get(row, "id")?,
        username: get(row, "username")?,
        display_name: get(row, "display_name")?,
        // The CHECK constraint admits only the three roles; anything else is treated as the least privileged.
        role: Role::parse(&role_text).unwrap_or(Role::Coordinator),
        is_active: get(row, "is_active")?,
    })
}

impl Store {
    pub async fn create_user(&self, user: &NewUser<'_>, now: DateTime<Utc>) -> Result<i64> {
        let result = self
            .write_one(
                "INSERT INTO users (username, display_name, email, password_hash, role, is_active, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, TRUE, $6, $6) RETURNING id",
                vec![
                    user.username.into(),
                    user.display_name.into(),
                    user.email.map(str::to_owned).into(),
                    user.password_hash.into(),
                    user.role.as_str().into(),
                    at(now),
                ],
            )
            .await;
        match result {
            Ok(Some(row)) => get(&row, "id"),
            Ok(None) => Err(StoreError::NotFound("the new user's id".into())),
            Err(StoreError::Conflict(_)) => {
                Err(StoreError::AlreadyExists(format!("user \"{}\"", user.username)))
            }
            Err(e) => Err(e),
        }
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        let row = self
            .one(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"), vec![id.into()])
            .await?;
        row.as_ref().map(user_from).transpose()
    }

    /// The user and their password hash, for signing in.
    pub async fn user_for_login(&self, username: &str) -> Result<Option<(User, String)>> {
        let row = self
            .one(
                &format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1"),
                vec![username.into()],
            )
            .await?;
        match row {
            Some(r) => Ok(Some((user_from(&r)?, get(&r, "password_hash")?))),
            None => Ok(None),
        }
    }

    pub async fn list_users(&self) -> Result<Vec<User>> {
        let rows = self
            .all(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY role, username"), vec![])
            .await?;
        rows.iter().map(user_from).collect()
    }

    pub async fn count_users(&self) -> Result<i64> {
        count(&self.one("SELECT COUNT(*) AS n FROM users", vec![]).await?, "n")
    }

    /// Changes a role and ends the user's sessions, so the new role applies at the next sign-in.
    pub async fn set_role(&self, username: &str, role: Role, now: DateTime<Utc>) -> Result<Role> {
        let (user, _) = self
            .user_for_login(username)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user \"{username}\"")))?;
        self.exec(
            "UPDATE users SET role = $1, updated_at = $2 WHERE id = $3",
            vec![role.as_str().into(), at(now), user.id.into()],
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
    ) -> Result<i64> {
        let (user, _) = self
            .user_for_login(username)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user \"{username}\"")))?;
        self.exec(
            "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3",
            vec![password_hash.into(), at(now), user.id.into()],
        )
        .await?;
        self.delete_sessions_of(user.id).await?;
        Ok(user.id)
    }
}
