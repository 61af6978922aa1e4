//! Sessions live in the database (any server can serve any request). The cookie holds a random id;
//! the table holds only its SHA-256, so a copy of the table cannot sign anyone in.

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use carelog_app::accounts::SessionLookup;
use carelog_domain::client_address::TrustedProxies;
use std::net::SocketAddr;

use crate::context::{RequestContext, SignedIn};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "carelog_session";

pub fn session_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
}

/// The client's address: the connection's peer, or behind the practice's own load balancers the
/// rightmost `X-Forwarded-For` entry they did not add (`carelog_domain::client_address`).
pub fn client_address(req: &Request, proxies: Option<&TrustedProxies>) -> String {
    let Some(peer) = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) else {
        return String::new();
    };
    let Some(proxies) = proxies else { return peer.to_string() };
    let forwarded: Vec<&str> =
        req.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    proxies.client_of(peer, &forwarded).to_string()
}

/// Resolves the session cookie into a [`RequestContext`], ending sessions past their timeouts.
pub async fn load(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let address = client_address(&req, state.settings.trusted_proxies.as_ref());
    let jar = CookieJar::from_headers(req.headers());
    let mut context = RequestContext { signed_in: None, address, session_expired: false };
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        match state.app.session(cookie.value()).await {
            Ok(Some(SessionLookup::Live { user, csrf_token })) => {
                crate::telemetry::record_user(user.id);
                context.signed_in = Some(SignedIn { user, csrf_token });
            }
            Ok(Some(SessionLookup::Expired) | None) => context.session_expired = true,
            Err(e) => tracing::error!(error = %e, "could not read the session"),
        }
    }
    req.extensions_mut().insert(context);
    next.run(req).await
}
