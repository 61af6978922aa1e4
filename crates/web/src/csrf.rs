//! CSRF protection for every state-changing request, as one layer no route can skip.
//! Signed-in: the token stored with the session. Signing in: a double-submit cookie.
//! The token comes in the `x-csrf-token` header or the `_csrf` form field.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;

use crate::context::RequestContext;
use crate::error::error_page;
use crate::state::AppState;

pub const LOGIN_CSRF_COOKIE: &str = "carelog_login_csrf";
pub const FORM_FIELD: &str = "_csrf";
const HEADER: &str = "x-csrf-token";
/// Forms are small; imports arrive as multipart and carry the token in the header.
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Compares without an early exit, so timing says nothing about how much matched.
pub fn tokens_match(expected: &str, given: &str) -> bool {
    expected.len() == given.len()
        && !expected.is_empty()
        && expected.bytes().zip(given.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

fn rejected() -> Response {
    let mut page = error_page(
        StatusCode::FORBIDDEN,
        "This form has expired",
        "The form was open too long or came from another site, so nothing was changed. Go back, reload the page and try again.",
    );
    page.extensions_mut().insert(crate::denials::Denied("denied.csrf"));
    page
}

/// A NUL character is refused everywhere: PostgreSQL cannot store it in text, and no person types it.
fn nul_refused() -> Response {
    error_page(
        StatusCode::BAD_REQUEST,
        "Please check the request",
        "Text may not contain a NUL character (%00); nothing was changed.",
    )
}

fn query_has_nul(req: &Request) -> bool {
    req.uri().query().is_some_and(|q| q.to_ascii_lowercase().contains("%00"))
}

/// Refuses a NUL in any query string, on every route (pages, API and FHIR alike).
pub async fn refuse_nul_query(req: Request, next: Next) -> Response {
    if query_has_nul(&req) {
        // Each interface answers in its own terms: an OperationOutcome, a JSON error, a page.
        let message = "The query string holds a NUL character (%00); nothing was read.".to_owned();
        if req.uri().path().starts_with("/fhir/") {
            return crate::fhir::FhirError(crate::api::ApiError::BadRequest(message))
                .into_response();
        }
        if req.uri().path().starts_with("/api/") {
            return crate::api::ApiError::BadRequest(message).into_response();
        }
        return nul_refused();
    }
    next.run(req).await
}

/// The token a state-changing request must carry: the session's, or (signing in) the login
/// form's cookie. Signed out, any other form goes to the sign-in page.
fn expected_token(req: &Request) -> Expected {
    match req.extensions().get::<RequestContext>().and_then(|c| c.signed_in.as_ref()) {
        Some(signed_in) => Expected::Token(Some(signed_in.csrf_token.clone())),
        None if req.uri().path() != "/login" => Expected::SignIn,
        None => Expected::Token(
            CookieJar::from_headers(req.headers())
                .get(LOGIN_CSRF_COOKIE)
                .map(|c| c.value().to_owned()),
        ),
    }
}

enum Expected {
    /// The token to compare (none when the sign-in form's cookie is missing).
    Token(Option<String>),
    /// Signed out: the request goes to the sign-in page.
    SignIn,
}

/// Whether reading a body failed on its size rather than on its connection.
fn too_large(e: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// Checks the token in a URL-encoded form's fields, then passes the request on with its body.
async fn verify_form(req: Request, next: Next, expected: &str) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_FORM_BYTES).await {
        Ok(bytes) => bytes,
        Err(e) if too_large(&e) => {
            return error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Form too large",
                "The form sent more than 2 MB; nothing was changed.",
            );
        }
        // The client went quiet part way (the server's body limit) or hung up.
        Err(_) => {
            return error_page(
                StatusCode::REQUEST_TIMEOUT,
                "The form did not arrive",
                "The form stopped arriving part way, so nothing was changed. Please send it again.",
            );
        }
    };
    let fields = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes).unwrap_or_default();
    if fields.iter().any(|(k, v)| k.contains('\0') || v.contains('\0')) {
        return nul_refused();
    }
    let given: Option<String> = fields.into_iter().find(|(k, _)| k == FORM_FIELD).map(|(_, v)| v);
    match given {
        Some(token) if tokens_match(expected, &token) => {
            next.run(Request::from_parts(parts, Body::from(bytes))).await
        }
        _ => rejected(),
    }
}

/// The `host[:port]` of an `http(s)://…` origin or base URL.
fn authority(url: &str) -> Option<&str> {
    let rest = after_scheme(url)?;
    Some(rest.split('/').next().unwrap_or(rest))
}

/// What follows `http://` or `https://` in an address; None for any other.
pub(crate) fn after_scheme(url: &str) -> Option<&str> {
    url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))
}

/// Whether the browser says the request came from another site: `Sec-Fetch-Site` other than
/// same-origin (or none: typed or bookmarked), or an `Origin` that is neither the host asked nor
/// carelog's own address. A client that sends neither (an old browser, a script) is judged by its
/// token alone.
fn from_another_site(req: &Request, base_url: &str) -> bool {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site")
        && !matches!(site.trim().to_ascii_lowercase().as_str(), "same-origin" | "none")
    {
        return true;
    }
    let Some(origin) = header("origin") else { return false };
    let Some(origin) = authority(origin.trim()) else { return true };
    let host = header("host").or_else(|| req.uri().authority().map(|a| a.as_str()));
    let ours = |a: Option<&str>| a.is_some_and(|a| a.eq_ignore_ascii_case(origin));
    !(ours(host) || ours(authority(base_url)))
}

pub async fn verify(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !is_state_changing(req.method()) {
        return next.run(req).await;
    }
    if from_another_site(&req, &state.settings.base_url) {
        return rejected();
    }
    let expected = match expected_token(&req) {
        Expected::Token(token) => token,
        Expected::SignIn => {
            let next = crate::context::return_to(req.method(), req.headers(), req.uri());
            return crate::context::sign_in_again(&next).into_response();
        }
    };
    let Some(expected) = expected else { return rejected() };

    if let Some(given) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return if tokens_match(&expected, given) { next.run(req).await } else { rejected() };
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    // A file upload cannot be read here without buffering it, so its form carries the token in the
    // action's query string (Referrer-Policy same-origin keeps it from other sites).
    if content_type.starts_with("multipart/form-data") {
        let given = req
            .uri()
            .query()
            .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == FORM_FIELD).map(|(_, v)| v));
        return match given {
            Some(token) if tokens_match(&expected, &token) => next.run(req).await,
            _ => rejected(),
        };
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return rejected();
    }
    verify_form(req, next, &expected).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_form_over_the_limit_is_too_large_and_one_cut_short_is_not() {
        let over = to_bytes(Body::from(vec![b'a'; 11]), 10).await.unwrap_err();
        assert!(too_large(&over));
        let failing = futures_util::stream::iter([Err::<axum::body::Bytes, _>(
            std::io::Error::new(std::io::ErrorKind::TimedOut, "quiet"),
        )]);
        let cut = to_bytes(Body::from_stream(failing), 10).await.unwrap_err();
        assert!(!too_large(&cut));
    }

    #[test]
    fn only_identical_non_empty_tokens_match() {
        assert!(tokens_match("abc123", "abc123"));
        assert!(!tokens_match("abc123", "abc124"));
        assert!(!tokens_match("abc123", "abc12"));
        assert!(!tokens_match("", ""));
    }

    fn request(headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::builder().method(Method::POST).uri("/tasks");
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn another_sites_origin_or_fetch_site_is_refused() {
        let base = "https://carelog.practice.example";
        let host = ("host", "127.0.0.1:8080");
        assert!(!from_another_site(&request(&[host]), base), "no browser headers: token decides");
        assert!(!from_another_site(&request(&[host, ("origin", "http://127.0.0.1:8080")]), base));
        assert!(!from_another_site(
            &request(&[("host", "10.0.0.5"), ("origin", "https://carelog.practice.example")]),
            base
        ));
        assert!(from_another_site(&request(&[host, ("origin", "https://evil.example")]), base));
        assert!(from_another_site(&request(&[host, ("origin", "null")]), base));
        assert!(from_another_site(&request(&[host, ("origin", "http://127.0.0.1:8081")]), base));
        assert!(from_another_site(&request(&[host, ("sec-fetch-site", "cross-site")]), base));
        assert!(from_another_site(&request(&[host, ("sec-fetch-site", "same-site")]), base));
        assert!(!from_another_site(&request(&[host, ("sec-fetch-site", "same-origin")]), base));
        assert!(!from_another_site(&request(&[host, ("sec-fetch-site", "none")]), base));
    }

    #[test]
    fn safe_methods_pass_without_a_token() {
        assert!(!is_state_changing(&Method::GET));
        assert!(!is_state_changing(&Method::HEAD));
        assert!(is_state_changing(&Method::POST));
        assert!(is_state_changing(&Method::DELETE));
    }
}
