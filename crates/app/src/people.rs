//! The practice's people (admins, and the command line as one): accounts, roles, passwords,
//! deactivation. Every change that takes access away ends the user's sessions and revokes their API
//! tokens in the same transaction, so it holds at once on every server.

use carelog_domain::credentials::{NewPassword, Username};
use carelog_domain::role::Role;
use carelog_store::{ChangedUser, NewUser, OrphanedCaseload, UserAccount, UserChange};
use chrono::Utc;

use crate::actor::audit_event;
use crate::enrollment::refused;
use crate::passwords::hash_password;
use crate::{Actor, App, ServiceError, ServiceResult};

/// A person to add.
pub struct NewPerson<'a> {
    pub username: &'a str,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub role: &'a str,
    pub password: &'a str,
}

/// What a change ended, for the message that confirms it.
#[derive(Debug, Clone)]
pub struct Changed {
    pub username: String,
    pub before: Role,
    pub sessions_ended: u64,
    pub tokens_revoked: u64,
}

impl From<ChangedUser> for Changed {
    fn from(c: ChangedUser) -> Self {
        Changed {
            username: c.before.username,
            before: c.before.role,
            sessions_ended: c.sessions_ended,
            tokens_revoked: c.tokens_revoked,
        }
    }
}

impl Changed {
    /// "2 sessions ended, 1 API token revoked".
    pub fn ended(&self) -> String {
        let plural = |n: u64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
        format!(
            "{} ended, {} revoked",
            plural(self.sessions_ended, "session"),
            plural(self.tokens_revoked, "API token")
        )
    }
}

/// Hashes off the async threads: Argon2 takes a moment and 19 MiB.
async fn hashed(password: NewPassword) -> ServiceResult<String> {
    tokio::task::spawn_blocking(move || hash_password(password.expose()))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
        .map_err(|e| ServiceError::Internal(e.to_string()))
}

impl App {
    /// Every account (admins); the listing itself is audited.
    pub async fn people(&self, actor: &Actor) -> ServiceResult<Vec<UserAccount>> {
        self.require_admin(actor)?;
        self.audit(actor, "user.list", None, String::new()).await?;
        Ok(self.store.user_accounts(Utc::now()).await?)
    }

    /// Deactivated coordinators still holding patients (managers and admins: to reassign).
    pub async fn caseloads_to_reassign(
        &self,
        actor: &Actor,
    ) -> ServiceResult<Vec<OrphanedCaseload>> {
        if !actor.role.sees_team_oversight() {
            return Err(ServiceError::Forbidden);
        }
        Ok(self.store.inactive_coordinators_with_patients().await?)
    }

    pub async fn add_person(&self, actor: &Actor, person: &NewPerson<'_>) -> ServiceResult<()> {
        self.require_admin(actor)?;
        let username = Username::parse(person.username).map_err(refused)?;
        let role = Role::parse(person.role).map_err(refused)?;
        let name = person.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ServiceError::Refused(
                "Name: the person's name, 1 to 100 characters, as colleagues know it.".into(),
            ));
        }
        let password =
            NewPassword::parse(person.password, &[username.as_str(), name]).map_err(refused)?;
        let hash = hashed(password).await?;
        let email = person.email.map(str::trim).filter(|e| !e.is_empty());
        let new = NewUser {
            username: username.as_str(),
            display_name: name,
            email,
            password_hash: &hash,
            role,
        };
        let detail = format!("{} as {role}", username.as_str());
        let event = audit_event(actor, "user.add", None, detail);
        self.store.create_user(&new, &event, Utc::now()).await?;
        Ok(())
    }

    pub async fn set_role(
        &self,
        actor: &Actor,
        username: &str,
        role: &str,
    ) -> ServiceResult<Changed> {
        self.require_admin(actor)?;
        let role = Role::parse(role).map_err(refused)?;
        let user = self.person(username).await?;
        if user.role == Role::Admin && role != Role::Admin {
            self.keep_an_admin(&user).await?;
        }
        let detail = format!("{}: {} → {role}", user.username, user.role);
        let event = audit_event(actor, "user.set-role", None, detail);
        let changed = self
            .store
            .change_user(&user.username, &UserChange::Role(role), &event, Utc::now())
            .await?;
        Ok(changed.into())
    }

    pub async fn reset_password(
        &self,
        actor: &Actor,
        username: &str,
        password: &str,
    ) -> ServiceResult<Changed> {
        self.require_admin(actor)?;
        let user = self.person(username).await?;
        let password =
            NewPassword::parse(password, &[&user.username, &user.display_name]).map_err(refused)?;
        let hash = hashed(password).await?;
        let event = audit_event(actor, "user.reset-password", None, user.username.clone());
        let change = UserChange::Password { hash: &hash };
        Ok(self.store.change_user(&user.username, &change, &event, Utc::now()).await?.into())
    }

    /// Takes a user's access away: sessions end, tokens are revoked, sign-in is refused. Their
    /// patients stay theirs, flagged to managers for reassignment.
    pub async fn deactivate(&self, actor: &Actor, username: &str) -> ServiceResult<Changed> {
        self.require_admin(actor)?;
        let user = self.person(username).await?;
        if actor.user_id() == Some(user.id) {
            return Err(ServiceError::Refused(
                "You cannot deactivate yourself; another administrator can.".into(),
            ));
        }
        if !user.is_active {
            return Err(ServiceError::Refused(format!(
                "{} is already deactivated.",
                user.username
            )));
        }
        if user.role == Role::Admin {
            self.keep_an_admin(&user).await?;
        }
        let event = audit_event(actor, "user.deactivate", None, user.username.clone());
        Ok(self
            .store
            .change_user(&user.username, &UserChange::Deactivate, &event, Utc::now())
            .await?
            .into())
    }

    pub async fn reactivate(&self, actor: &Actor, username: &str) -> ServiceResult<Changed> {
        self.require_admin(actor)?;
        let user = self.person(username).await?;
        if user.is_active {
            return Err(ServiceError::Refused(format!("{} is active already.", user.username)));
        }
        let event = audit_event(actor, "user.reactivate", None, user.username.clone());
        Ok(self
            .store
            .change_user(&user.username, &UserChange::Reactivate, &event, Utc::now())
            .await?
            .into())
    }

    async fn person(&self, username: &str) -> ServiceResult<carelog_store::User> {
        let username = Username::parse(username).map_err(refused)?;
        match self.store.user_for_login(username.as_str()).await? {
            Some(login) => Ok(login.user),
            None => {
                Err(ServiceError::Refused(format!("User \"{}\" was not found.", username.as_str())))
            }
        }
    }

    /// Refuses to take away the last active administrator: nobody could manage users after it.
    async fn keep_an_admin(&self, user: &carelog_store::User) -> ServiceResult<()> {
        if user.is_active && self.store.active_admins().await? <= 1 {
            return Err(ServiceError::Refused(format!(
                "{} is the only active administrator; make another one first.",
                user.username
            )));
        }
        Ok(())
    }
}
