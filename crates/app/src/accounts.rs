//! Signing in and out, sessions and API tokens: who a request comes from.

use carelog_domain::credentials::TokenLifetime;
use carelog_domain::ids::{PatientId, UserId};
use carelog_domain::login_throttle::{Throttle, WINDOW_MINUTES, login_throttle};
use carelog_domain::session_policy::{SessionState, session_state};
use carelog_store::{ApiTokenRow, NewApiToken, NewAuditEvent, SessionListing, User};
use chrono::{Duration, Utc};

use crate::actor::audit_event;
use crate::secrets::{hash_secret, random_token};
use crate::{Actor, App, ServiceError, ServiceResult};

/// What an API token looks like: the prefix tells a leaked one apart in logs and scanners.
pub const TOKEN_PREFIX: &str = "clg_";

/// What to do on a database with no users (any empty database but the default embedded one).
pub const FIRST_ADMIN_HELP: &str = "This database has no users yet. Make the first administrator with\n  carelog user add USERNAME --name \"First Last\" --role admin\n(run with the same CARELOG_DATABASE_URL), then sign in. The demo practice loads by itself only into a new default database (data/carelog.db); `carelog demo` loads it into another empty one.";

/// What became of a sign-in.
pub enum SignIn {
    /// Too many recent failures for the account or the address: the sentence says how long to wait.
    Throttled(String),
    /// The username or password is wrong (never told apart).
    Refused,
    /// Signed in: the session id for the cookie (only its hash is stored).
    SignedIn { session_id: String },
}

/// A session cookie's standing.
pub enum SessionLookup {
    Live {
        user: User,
        csrf_token: String,
    },
    /// The session timed out or no longer exists.
    Expired,
}

impl App {
    /// Signs `username` in from `address` under the login throttle; every outcome is audited.
    pub async fn sign_in(
        &self,
        username: &str,
        password: String,
        address: &str,
    ) -> ServiceResult<SignIn> {
        let now = Utc::now();
        let audit = |action: &'static str, user_id: Option<UserId>, detail: String| NewAuditEvent {
            user_id,
            username,
            action,
            patient_id: None,
            detail,
            address,
            patients: Vec::new(),
        };
        // Counted before the password is checked, so concurrent guesses each see the others.
        let attempt = self.store.reserve_login_attempt(username, address, now).await?;
        let since = now - Duration::minutes(WINDOW_MINUTES);
        let recent = self.store.recent_login_failures(username, address, since, attempt).await?;
        let throttle = login_throttle(recent, now);
        if let Some(message) = throttle.message() {
            self.store.release_login_attempt(attempt).await?;
            let event = audit("login.throttled", None, format!("{throttle:?}"));
            self.store.record_audit(&event, now).await?;
            return Ok(SignIn::Throttled(message));
        }
        debug_assert_eq!(throttle, Throttle::Allowed);
        let found = self.store.user_for_login(username).await?.filter(|l| l.user.is_active);
        let stored = found.as_ref().map(|l| l.password_hash.clone());
        let matched = self.passwords.check(password, stored).await;
        let verified = found.filter(|_| matched).map(|l| l.user);
        let Some(user) = verified else {
            // The reservation stays: it is the failure.
            self.store.confirm_login_failure(attempt).await?;
            self.store.record_audit(&audit("login.failed", None, String::new()), now).await?;
            return Ok(SignIn::Refused);
        };
        self.store.release_login_attempt(attempt).await?;
        self.store.clear_login_failures(username, address).await?;
        let session_id = random_token();
        let id_hash = hash_secret(&session_id);
        self.store.create_session(&id_hash, user.id, &random_token(), address, now).await?;
        self.store.record_audit(&audit("login", Some(user.id), String::new()), now).await?;
        Ok(SignIn::SignedIn { session_id })
    }

    /// Whether this is the demo practice (synthetic data, demo passwords): every page says so.
    pub async fn is_demo_practice(&self) -> ServiceResult<bool> {
        Ok(*self.demo.get_or_try_init(|| self.store.is_demo_practice()).await?)
    }

    /// Whether the first administrator is still to be made (the login page says how).
    pub async fn needs_first_admin(&self) -> ServiceResult<bool> {
        Ok(self.store.count_users().await? == 0)
    }

    /// Ends the session behind `session_id` (if it still exists) and audits the sign-out.
    pub async fn sign_out(&self, actor: &Actor, session_id: Option<&str>) -> ServiceResult<()> {
        if let Some(id) = session_id {
            self.store.delete_session(&hash_secret(id)).await?;
        }
        self.audit(actor, "logout", None, String::new()).await
    }

    /// The user behind a session cookie, ending sessions past their timeouts and noting activity.
    /// None: no such session.
    pub async fn session(&self, session_id: &str) -> ServiceResult<Option<SessionLookup>> {
        let id_hash = hash_secret(session_id);
        let Some(record) = self.store.session(&id_hash).await? else {
            return Ok(None);
        };
        let now = Utc::now();
        match session_state(self.settings.session_idle, record.created_at, record.last_seen_at, now)
        {
            SessionState::Live { needs_touch } => {
                if needs_touch && let Err(e) = self.store.touch_session(&id_hash, now).await {
                    tracing::warn!(error = %e, "could not record session activity");
                }
                Ok(Some(SessionLookup::Live { user: record.user, csrf_token: record.csrf_token }))
            }
            SessionState::IdleExpired | SessionState::AbsoluteExpired => {
                if let Err(e) = self.store.delete_session(&id_hash).await {
                    tracing::warn!(error = %e, "could not delete an expired session");
                }
                Ok(Some(SessionLookup::Expired))
            }
        }
    }

    /// The user behind a valid, unrevoked API token.
    pub async fn api_token_user(&self, token: &str) -> ServiceResult<Option<User>> {
        Ok(self.store.user_for_api_token(&hash_secret(token), Utc::now()).await?)
    }

    /// The actor's own API tokens.
    pub async fn api_tokens(&self, actor: &Actor) -> ServiceResult<Vec<ApiTokenRow>> {
        Ok(self.store.api_tokens(Some(actor.id)).await?)
    }

    /// Every user's API tokens (admins).
    pub async fn all_api_tokens(&self, actor: &Actor) -> ServiceResult<Vec<ApiTokenRow>> {
        self.require_admin(actor)?;
        self.audit(actor, "api_token.list", None, "every user's tokens".into()).await?;
        Ok(self.store.api_tokens(None).await?)
    }

    /// Makes a named API token for the actor, living `lifetime` (text: days; empty for 90), and
    /// returns it: the only time it is shown.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        name: &str,
        lifetime: &str,
    ) -> ServiceResult<String> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(ServiceError::Refused(
                "Name: 1 to 80 characters, so you can tell your tokens apart (e.g. \"EHR sync\")."
                    .into(),
            ));
        }
        let lifetime = TokenLifetime::parse(lifetime).map_err(crate::enrollment::refused)?;
        let token = format!("{TOKEN_PREFIX}{}", random_token());
        let prefix: String = token.chars().take(TOKEN_PREFIX.len() + 6).collect();
        let now = Utc::now();
        let expires_at = now + Duration::days(lifetime.days());
        let detail = format!("{name} ({prefix}…), expires {}", expires_at.format("%Y-%m-%d"));
        let event = audit_event(actor, "api_token.create", None, detail);
        let hash = hash_secret(&token);
        let new =
            NewApiToken { user_id: actor.id, name, token_hash: &hash, prefix: &prefix, expires_at };
        self.store.create_api_token(&new, &event, now).await?;
        Ok(token)
    }

    /// Revokes one of the actor's own tokens; another's, or none, is not found.
    pub async fn revoke_api_token(&self, actor: &Actor, id: i64) -> ServiceResult<()> {
        let event = audit_event(actor, "api_token.revoke", None, format!("token {id}"));
        let reason = "revoked by its owner";
        if !self.store.revoke_api_token(Some(actor.id), id, reason, &event, Utc::now()).await? {
            return Err(ServiceError::NotFound);
        }
        Ok(())
    }

    /// Revokes any user's token (admins).
    pub async fn revoke_any_api_token(&self, actor: &Actor, id: i64) -> ServiceResult<()> {
        self.require_admin(actor)?;
        let event = audit_event(actor, "api_token.revoke", None, format!("token {id}"));
        let reason = format!("revoked by {}", actor.username);
        if !self.store.revoke_api_token(None, id, &reason, &event, Utc::now()).await? {
            return Err(ServiceError::NotFound);
        }
        Ok(())
    }

    /// The actor's signed-in sessions, most recently active first.
    pub async fn my_sessions(&self, actor: &Actor) -> ServiceResult<Vec<SessionListing>> {
        Ok(self.store.sessions_of(actor.id).await?)
    }

    /// Ends one of the actor's other sessions (`which`: its listed id) or all of them (None); the
    /// session behind `current` stays. Returns how many ended.
    pub async fn end_my_sessions(
        &self,
        actor: &Actor,
        current: &str,
        which: Option<&str>,
    ) -> ServiceResult<u64> {
        let detail = if which.is_some() { "one other session" } else { "every other session" };
        let event = audit_event(actor, "session.end", None, detail.into());
        let keep = hash_secret(current);
        Ok(self.store.end_sessions_of(actor.id, &keep, which, &event, Utc::now()).await?)
    }

    /// Records a read that returned many patients, naming each, so the log filtered by a patient
    /// finds it.
    pub async fn audit_read(
        &self,
        actor: &Actor,
        action: &str,
        patients: Vec<PatientId>,
        detail: String,
    ) -> ServiceResult<()> {
        let mut event = audit_event(actor, action, None, detail);
        event.patients = patients;
        self.store.record_audit(&event, Utc::now()).await?;
        Ok(())
    }

    /// Records a denial: who asked (if anyone is known), from where, what.
    pub async fn audit_denial(
        &self,
        who: Option<(UserId, &str)>,
        address: &str,
        action: &str,
        patient_id: Option<PatientId>,
        detail: String,
    ) -> ServiceResult<()> {
        let event = NewAuditEvent {
            user_id: who.map(|w| w.0),
            username: who.map_or("", |w| w.1),
            action,
            patient_id,
            detail,
            address,
            patients: Vec::new(),
        };
        self.store.record_audit(&event, Utc::now()).await?;
        Ok(())
    }

    /// Records what the actor just did or saw; a request that cannot be audited fails.
    pub async fn audit(
        &self,
        actor: &Actor,
        action: &str,
        patient_id: Option<PatientId>,
        detail: String,
    ) -> ServiceResult<()> {
        let event = audit_event(actor, action, patient_id, detail);
        self.store.record_audit(&event, Utc::now()).await?;
        Ok(())
    }
}
