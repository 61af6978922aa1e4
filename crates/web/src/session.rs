//! Sessions live in the database (any server can serve any request). The cookie holds a random id;
//! the table holds only its SHA-256, so a copy of the table cannot sign anyone in.

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use carelog_domain::session_policy::{SessionState, session_state};
use chrono::Utc;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;

use crate::context::{RequestContext, SignedIn};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "carelog_session";

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS random source failing is unrecoverable for a server that must issue secrets.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system's random source is unavailable");
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hash_session_id(id: &str) -> String {
    hex(&Sha256::digest(id.as_bytes()))
}

pub fn session_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
}

pub fn client_address(req: &Request, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for {
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next());
        if let Some(first) = forwarded.map(str::trim).filter(|s| !s.is_empty()) {
            return first.to_owned();
        }
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default()
}

/// Resolves the session cookie into a [`RequestContext`], ending sessions past their timeouts.
pub async fn load(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let address = client_address(&req, state.settings.trust_forwarded_for);
    let jar = CookieJar::from_headers(req.headers());
    let mut context = RequestContext { signed_in: None, address, session_expired: false };
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        let id_hash = hash_session_id(cookie.value());
        match state.store.session(&id_hash).await {
            Ok(Some(record)) => {
                let now = Utc::now();
                match session_state(record.created_at, record.last_seen_at, now) {
                    SessionState::Live { needs_touch } => {
                        if needs_touch
                            && let Err(e) = state.store.touch_session(&id_hash, now).await
                        {
                            tracing::warn!(error = %e, "could not record session activity");
                        }
                        crate::telemetry::record_user(record.user.id);
                        context.signed_in =
                            Some(SignedIn { user: record.user, csrf_token: record.csrf_token });
                    }
                    SessionState::IdleExpired | SessionState::AbsoluteExpired => {
                        context.session_expired = true;
                        if let Err(e) = state.store.delete_session(&id_hash).await {
                            tracing::warn!(error = %e, "could not delete an expired session");
                        }
                    }
                }
            }
            Ok(None) => context.session_expired = true,
            Err(e) => tracing::error!(error = %e, "could not read the session"),
        }
    }
    req.extensions_mut().insert(context);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashes_are_stable() {
        let a = random_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token());
        assert_eq!(
            hash_session_id("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
