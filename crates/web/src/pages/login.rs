use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use carelog_domain::login_throttle::{Throttle, WINDOW_MINUTES, login_throttle};
use carelog_store::NewAuditEvent;
use chrono::{Duration, Utc};
use serde::Deserialize;

use crate::context::{CurrentUser, Visitor};
use crate::csrf::LOGIN_CSRF_COOKIE;
use crate::error::{AppError, AppResult};
use crate::session::{SESSION_COOKIE, hash_session_id, random_token, session_cookie};
use crate::state::AppState;
use carelog_app::passwords::{spend_verification_time, verify_password};

#[derive(Template)]
#[template(path = "pages/login.html")]
struct LoginPage {
    csrf_token: String,
    next: String,
    username: String,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    signed_out: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// Only paths on this site: `/panel` yes, `//evil.example` or `https://…` no.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.starts_with("/login") =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

fn login_csrf(jar: CookieJar, secure: bool) -> (CookieJar, String) {
    if let Some(existing) =
        jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned()).filter(|v| v.len() == 64)
    {
        return (jar, existing);
    }
    let token = random_token();
    let cookie = Cookie::build((LOGIN_CSRF_COOKIE, token.clone()))
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .build();
    (jar.add(cookie), token)
}

pub async fn form(
    State(state): State<AppState>,
    Visitor(context): Visitor,
    Query(query): Query<LoginQuery>,
    jar: CookieJar,
) -> AppResult<Response> {
    if context.signed_in.is_some() {
        return Ok(Redirect::to(&safe_next(query.next.as_deref())).into_response());
    }
    let (jar, csrf_token) = login_csrf(jar, state.settings.secure_cookies);
    let notice = if query.expired.is_some() {
        Some(
            "Your session ended after 15 minutes without activity. Please sign in again."
                .to_owned(),
        )
    } else if query.signed_out.is_some() {
        Some("You have signed out.".to_owned())
    } else {
        None
    };
    let page = LoginPage {
        csrf_token,
        next: safe_next(query.next.as_deref()),
        username: String::new(),
        notice,
        error: None,
    };
    Ok((jar, super::render(&page)?).into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    Visitor(context): Visitor,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let now = Utc::now();
    let username = form.username.trim().to_ascii_lowercase();
    let address = context.address.clone();
    let next = safe_next(form.next.as_deref());
    let (jar, csrf_token) = login_csrf(jar, state.settings.secure_cookies);
    let refuse = |status: StatusCode, error: String, jar: CookieJar| -> AppResult<Response> {
        let page = LoginPage {
            csrf_token: csrf_token.clone(),
            next: next.clone(),
            username: username.clone(),
            notice: None,
            error: Some(error),
        };
        Ok((status, jar, super::render(&page)?).into_response())
    };
    let audit = |action: &'static str, user_id: Option<i64>, detail: String| NewAuditEvent {
        user_id,
        username: &username,
        action,
        patient_id: None,
        detail,
        address: &address,
    };

    let (account_failures, address_failures) = state
        .store
        .login_failures_since(&username, &address, now - Duration::minutes(WINDOW_MINUTES))
        .await?;
    let throttle = login_throttle(account_failures, address_failures);
    if let Some(message) = throttle.message() {
        state
            .store
            .record_audit(&audit("login.throttled", None, format!("{throttle:?}")), now)
            .await?;
        return refuse(StatusCode::TOO_MANY_REQUESTS, message, jar);
    }
    debug_assert_eq!(throttle, Throttle::Allowed);

    let found = state.store.user_for_login(&username).await?;
    let password = form.password;
    let verified = tokio::task::spawn_blocking(move || match found {
        Some((user, hash)) if user.is_active => verify_password(&password, &hash).then_some(user),
        Some(_) | None => {
            spend_verification_time(&password);
            None
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;

    let Some(user) = verified else {
        state.store.record_login_failure(&username, &address, now).await?;
        state.store.record_audit(&audit("login.failed", None, String::new()), now).await?;
        return refuse(
            StatusCode::UNAUTHORIZED,
            "The username or password is not right.".to_owned(),
            jar,
        );
    };

    state.store.clear_login_failures(&username).await?;
    let session_id = random_token();
    state
        .store
        .create_session(&hash_session_id(&session_id), user.id, &random_token(), &address, now)
        .await?;
    state.store.record_audit(&audit("login", Some(user.id), String::new()), now).await?;
    let jar = jar
        .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/login"))
        .add(session_cookie(session_id, state.settings.secure_cookies));
    Ok((jar, Redirect::to(&next)).into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    jar: CookieJar,
) -> AppResult<Response> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        state.store.delete_session(&hash_session_id(cookie.value())).await?;
    }
    super::audit(&state, &user, "logout", None, String::new()).await?;
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login?signed_out=1")).into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/patients/4")), "/patients/4");
        assert_eq!(safe_next(Some("//evil.example/x")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/login?next=/x")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
