//! An outside review's findings (issue 20): where a signed-in user is sent, which site may post,
//! which address a request is counted against, and what an oversize upload says.

use reqwest::StatusCode;

use crate::helpers::{csrf_token, spawn_app, spawn_app_with};

/// Every form of `next` an attacker might try, each answered with a redirect on this site.
fn hostile_nexts() -> Vec<String> {
    let mut nexts: Vec<String> =
        (0u8..=0x20).chain([0x7f]).map(|b| format!("/{}/evil.example", char::from(b))).collect();
    nexts.extend(
        [
            "//evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "https://evil.example",
            "https:evil.example",
            "\\\\evil.example",
            "evil.example",
            "/é/evil.example",
        ]
        .map(String::from),
    );
    nexts
}

fn stays_on_site(location: &str) {
    assert!(
        location.starts_with('/')
            && !location.starts_with("//")
            && !location.starts_with("/\\")
            && location.bytes().all(|b| b.is_ascii_graphic()),
        "{location:?}"
    );
}

#[tokio::test]
async fn next_never_leaves_the_site_nor_fails() {
    let app = spawn_app().await;
    for next in hostile_nexts() {
        // Signed out: the sign-in form carries `next` and the sign-in follows it.
        let client = app.browser_no_redirects();
        let form = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
        let token = csrf_token(&form);
        let r = client
            .post(app.url("/login"))
            .form(&[
                ("_csrf", token.as_str()),
                ("username", "coord1"),
                ("password", "demo"),
                ("next", next.as_str()),
            ])
            .send()
            .await
            .unwrap();
        if next.contains('\0') {
            // Refused whole, as every NUL is: nothing happened, and no redirect at all.
            assert_eq!(r.status(), StatusCode::BAD_REQUEST);
            let (signed_in, _) = app.sign_in("coord1").await;
            let r = signed_in.get(app.url("/login")).query(&[("next", next.as_str())]).send();
            assert_eq!(r.await.unwrap().status(), StatusCode::BAD_REQUEST);
            continue;
        }
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next:?}");
        let location = r.headers()["location"].to_str().unwrap();
        assert_eq!(location, "/", "{next:?}");
        // Signed in now: the sign-in page sends on to `next` at once.
        let r =
            client.get(app.url("/login")).query(&[("next", next.as_str())]).send().await.unwrap();
        assert!(r.status().is_redirection(), "{next:?}: {}", r.status());
        stays_on_site(r.headers()["location"].to_str().unwrap());
    }
    let client = app.browser_no_redirects();
    app.post_login(&client, "coord1", "demo").await;
    let r = client.get(app.url("/login")).query(&[("next", "/tasks?date=2026-11-02")]).send();
    assert_eq!(r.await.unwrap().headers()["location"], "/tasks?date=2026-11-02");
}

#[tokio::test]
async fn a_post_from_another_site_is_refused_even_with_the_token() {
    let app = spawn_app().await;
    let (client, page) = app.sign_in("coord1").await;
    let token = csrf_token(&page);
    let before = app.entry_count("coord1").await;
    for (header, value) in
        [("origin", "https://evil.example"), ("origin", "null"), ("sec-fetch-site", "cross-site")]
    {
        let r = client
            .post(app.url("/notifications/read"))
            .header(header, value)
            .form(&[("_csrf", token.as_str()), ("id", "all")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{header}: {value}");
    }
    let own = format!("http://{}", app.address);
    let r = client
        .post(app.url("/notifications/read"))
        .header("origin", own)
        .header("sec-fetch-site", "same-origin")
        .form(&[("_csrf", token.as_str()), ("id", "all")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(app.entry_count("coord1").await, before);
}

/// Behind a trusted load balancer (here the test itself, at 127.0.0.1), the client is the entry the
/// balancer appended: a leftmost entry the client forged changes nothing, so the address throttle
/// holds and the audit records the real address.
#[tokio::test]
async fn a_forged_forwarded_for_entry_neither_escapes_the_throttle_nor_reaches_the_audit() {
    let proxies = carelog_domain::client_address::TrustedProxies::parse("127.0.0.1/32").unwrap();
    let app = spawn_app_with(|c| c.trusted_proxies = Some(proxies)).await;
    let client = app.browser();
    let form = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let token = csrf_token(&form);
    let mut throttled = 0;
    for n in 0..25 {
        let r = client
            .post(app.url("/login"))
            .header("x-forwarded-for", format!("203.0.113.{n}, 198.51.100.20"))
            .form(&[
                ("_csrf", token.as_str()),
                ("username", format!("guess{n}").as_str()),
                ("password", "wrong"),
            ])
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            throttled += 1;
        }
    }
    assert!(throttled >= 5, "the address limit holds: {throttled} of 25 throttled");
    let filter = carelog_store::AuditFilter {
        action_prefix: Some("login.failed".into()),
        ..Default::default()
    };
    let events = app.store.audit_events(&filter, 100, 0).await.unwrap().events;
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e.address == "198.51.100.20"), "{events:?}");
}

#[tokio::test]
async fn an_upload_over_ten_megabytes_says_so() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("admin").await;
    let token = app.token(&client, "/admin/imports").await;
    let big = vec![b'a'; 10 * 1024 * 1024 + 100 * 1024];
    let form = reqwest::multipart::Form::new()
        .text("kind", "zmo")
        .part("file", reqwest::multipart::Part::bytes(big).file_name("patients.csv"));
    let r = client
        .post(app.url(&format!("/admin/imports?_csrf={token}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let page = r.text().await.unwrap();
    assert!(page.contains("over the 10 MB limit"), "{page}");
    assert!(!page.contains("Error parsing"), "no parser's words");
}

/// Thirty wrong passwords for one account at the same moment: the attempts are counted before the
/// passwords are checked, so no more than the five free ones get an answer other than 429.
#[tokio::test]
async fn concurrent_wrong_passwords_cannot_outrun_the_throttle() {
    let app = spawn_app().await;
    let client = app.browser();
    let form = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let token = csrf_token(&form);
    let mut guesses = Vec::new();
    for n in 0..30 {
        let (client, token, url) = (client.clone(), token.clone(), app.url("/login"));
        guesses.push(tokio::spawn(async move {
            let password = format!("guess-{n}");
            let form = [("_csrf", token.as_str()), ("username", "coord2"), ("password", &password)];
            client.post(url).form(&form).send().await.unwrap().status()
        }));
    }
    let mut answered = Vec::new();
    for guess in guesses {
        answered.push(guess.await.unwrap());
    }
    let not_throttled = answered.iter().filter(|s| **s != StatusCode::TOO_MANY_REQUESTS).count();
    assert!(not_throttled <= 5, "{not_throttled} of 30 were checked: {answered:?}");
    assert!(
        answered
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED || *s == StatusCode::TOO_MANY_REQUESTS)
    );
}

/// Wrong passwords from one address slow that address down for that account, with a wait that
/// grows; the real user at another address signs in at once (no lock-out anyone can trigger).
#[tokio::test]
async fn failures_from_one_address_do_not_lock_the_user_out_elsewhere() {
    let proxies = carelog_domain::client_address::TrustedProxies::parse("127.0.0.1/32").unwrap();
    let app = spawn_app_with(|c| c.trusted_proxies = Some(proxies)).await;
    let attempt = |from: &'static str, password: &'static str| {
        let client = app.browser();
        let app = &app;
        async move {
            let form = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
            let token = csrf_token(&form);
            let r = client
                .post(app.url("/login"))
                .header("x-forwarded-for", from)
                .form(&[("_csrf", token.as_str()), ("username", "admin"), ("password", password)])
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    for _ in 0..5 {
        assert_eq!(attempt("203.0.113.5", "wrong").await.0, StatusCode::UNAUTHORIZED);
    }
    let (status, page) = attempt("203.0.113.5", "demo").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.contains("Try again in ") && page.contains(" seconds;"), "{page}");
    let (status, page) = attempt("198.51.100.7", "demo").await;
    assert!(
        status.is_success() && page.contains("Sign out"),
        "the admin at the practice: {status}"
    );
}
