//! Who is asking: the signed-in user (if any) and their address, and the extractors that turn a
//! role into a type, so a handler for managers cannot be reached by a coordinator.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use carelog_app::Actor;
use carelog_app::model::User;
use carelog_domain::ids::UserId;
use carelog_domain::role::Role;

use crate::error::AppError;

#[derive(Clone, Debug)]
pub struct SignedIn {
    pub user: User,
    pub csrf_token: String,
}

/// Put on every request by the session layer.
#[derive(Clone, Debug)]
pub struct RequestContext {
    pub signed_in: Option<SignedIn>,
    pub address: String,
    pub session_expired: bool,
}

/// Any signed-in user.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: User,
    pub csrf_token: String,
    pub address: String,
}

impl CurrentUser {
    pub fn id(&self) -> UserId {
        self.user.id
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    /// The user as the services record them in the audit log.
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.user.id,
            username: self.user.username.clone(),
            display_name: self.user.display_name.clone(),
            role: self.user.role,
            address: self.address.clone(),
        }
    }
}

pub enum AuthRejection {
    SignIn { next: String, expired: bool },
    Forbidden,
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::SignIn { next, expired } => {
                if expired {
                    return sign_in_again(&next).into_response();
                }
                Redirect::to(&format!("/login?next={}", urlencode(&next))).into_response()
            }
            AuthRejection::Forbidden => AppError::Forbidden.into_response(),
        }
    }
}

/// Where signing in again leads: the address asked for, or for a form sent after the session
/// ended, the page it was on (where its draft is restored), not the address it posted to.
pub fn return_to(
    method: &axum::http::Method,
    headers: &axum::http::HeaderMap,
    uri: &axum::http::Uri,
) -> String {
    let page = (method != axum::http::Method::GET)
        .then(|| headers.get(axum::http::header::REFERER))
        .flatten()
        .and_then(|r| r.to_str().ok())
        .and_then(same_site_path);
    page.unwrap_or_else(|| {
        uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into())
    })
}

/// The sign-in page for a session that ended, returning to `next`.
pub fn sign_in_again(next: &str) -> Redirect {
    Redirect::to(&format!("/login?next={}&expired=1", urlencode(next)))
}

/// The path and query of an absolute `http(s)://host/...` address (a Referer); the host is not
/// compared, since sign-in keeps `next` on this site whatever it is given.
fn same_site_path(referer: &str) -> Option<String> {
    let rest = crate::csrf::after_scheme(referer)?;
    let path = &rest[rest.find('/')?..];
    let path = path.split('#').next().unwrap_or(path);
    (!path.starts_with("/login")).then(|| path.to_owned())
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|s| s.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let context = parts.extensions.get::<RequestContext>().cloned();
        match context {
            Some(RequestContext { signed_in: Some(s), address, .. }) => {
                Ok(CurrentUser { user: s.user, csrf_token: s.csrf_token, address })
            }
            other => {
                let next = return_to(&parts.method, &parts.headers, &parts.uri);
                Err(AuthRejection::SignIn {
                    next,
                    expired: other.is_some_and(|c| c.session_expired),
                })
            }
        }
    }
}

/// A user whose role includes Tab 3 (managers and admins).
pub struct ManagerUser(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for ManagerUser {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        if user.role().sees_team_oversight() {
            Ok(ManagerUser(user))
        } else {
            Err(AuthRejection::Forbidden)
        }
    }
}

/// An administrator: the only value that unlocks billing and administration handlers.
pub struct AdminUser(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for AdminUser {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        if user.role().administers() { Ok(AdminUser(user)) } else { Err(AuthRejection::Forbidden) }
    }
}

/// The request's context even when nobody is signed in (login page, health check).
pub struct Visitor(pub RequestContext);

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Visitor(parts.extensions.get::<RequestContext>().cloned().unwrap_or(RequestContext {
            signed_in: None,
            address: String::new(),
            session_expired: false,
        })))
    }
}
