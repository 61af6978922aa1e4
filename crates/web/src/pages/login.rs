use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use carelog_app::accounts::SignIn;
use carelog_app::secrets::random_token;
use serde::Deserialize;

use crate::context::{CurrentUser, Visitor};
use crate::csrf::LOGIN_CSRF_COOKIE;
use crate::error::AppResult;
use crate::session::{SESSION_COOKIE, session_cookie};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/login.html")]
struct LoginPage {
    csrf_token: String,
    next: String,
    username: String,
    notice: Option<String>,
    error: Option<String>,
    demo: bool,
    /// A database with no users: the page says how to make the first administrator.
    first_admin: bool,
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

/// Only a path on this site: one leading `/` (not `//` or `/\\`, which browsers read as another
/// host), and nothing but visible ASCII (a tab or newline is dropped by browsers, turning `/\t/x`
/// into `//x`; anything else could not go into a `Location` header). Anything else goes to `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.starts_with("/login")
                && n.bytes().all(|b| b.is_ascii_graphic()) =>
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
        demo: state.app.is_demo_practice().await?,
        first_admin: state.app.needs_first_admin().await?,
    };
    Ok((jar, super::render(&page)?).into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    Visitor(context): Visitor,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let username = form.username.trim().to_ascii_lowercase();
    let address = context.address.clone();
    let next = safe_next(form.next.as_deref());
    let (jar, csrf_token) = login_csrf(jar, state.settings.secure_cookies);
    let demo = state.app.is_demo_practice().await?;
    let refuse = |status: StatusCode, error: String, jar: CookieJar| -> AppResult<Response> {
        let page = LoginPage {
            csrf_token: csrf_token.clone(),
            next: next.clone(),
            username: username.clone(),
            notice: None,
            error: Some(error),
            demo,
            first_admin: false,
        };
        Ok((status, jar, super::render(&page)?).into_response())
    };
    let session_id = match state.app.sign_in(&username, form.password, &address).await? {
        SignIn::SignedIn { session_id } => session_id,
        SignIn::Throttled(message) => return refuse(StatusCode::TOO_MANY_REQUESTS, message, jar),
        SignIn::Refused => {
            let message = "The username or password is not right.".to_owned();
            return refuse(StatusCode::UNAUTHORIZED, message, jar);
        }
    };
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
    let session_id = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned());
    state.app.sign_out(&user.actor(), session_id.as_deref()).await?;
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
        assert_eq!(
            safe_next(Some("/tasks?date=2026-11-02&patient=4")),
            "/tasks?date=2026-11-02&patient=4"
        );
    }

    #[test]
    fn no_control_character_or_space_gets_through() {
        for c in (0u8..=0x20).chain([0x7f]).map(char::from).chain(['\u{85}', '\u{2028}', 'é']) {
            for at in ["/{c}/evil.example", "/x{c}", "{c}/x"] {
                let next = at.replace("{c}", &c.to_string());
                assert_eq!(safe_next(Some(&next)), "/", "{next:?}");
            }
        }
    }
}
