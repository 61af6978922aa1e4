use chrono::{Duration, Utc};
use reqwest::StatusCode;

use crate::helpers::{csrf_token, spawn_app};

#[tokio::test]
async fn health_check_reports_the_database_answers() {
    let app = spawn_app().await;
    let r = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn pages_send_to_sign_in_when_signed_out() {
    let app = spawn_app().await;
    let r = app.browser_no_redirects().get(app.url("/panel")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login?next=%2Fpanel");
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_a_plain_message() {
    let app = spawn_app().await;
    let client = app.browser();
    let page = app.post_login(&client, "coord1", "not-the-password").await;
    assert!(page.contains("The username or password is not right."));
    assert!(!page.contains("Sign out"));
    let page = app.post_login(&client, "nobody-here", "demo").await;
    assert!(
        page.contains("The username or password is not right."),
        "unknown users get the same answer"
    );
}

#[tokio::test]
async fn an_account_is_throttled_after_five_failures_even_with_the_right_password() {
    let app = spawn_app().await;
    let client = app.browser();
    for _ in 0..5 {
        app.post_login(&client, "coord2", "wrong").await;
    }
    let page = app.post_login(&client, "coord2", "demo").await;
    assert!(page.contains("Too many failed sign-ins for this account"), "{page}");
    assert!(!page.contains("Sign out"));
    // Other accounts from elsewhere are unaffected.
    app.sign_in("coord1").await;
}

#[tokio::test]
async fn an_address_is_throttled_after_twenty_failures_across_accounts() {
    let app = spawn_app().await;
    let client = app.browser();
    for i in 0..20 {
        app.post_login(&client, &format!("guess{i}"), "wrong").await;
    }
    let page = app.post_login(&client, "coord1", "demo").await;
    assert!(page.contains("Too many accounts failed to sign in from this address"), "{page}");
}

#[tokio::test]
async fn sign_in_without_the_form_token_is_refused() {
    let app = spawn_app().await;
    let client = app.browser();
    client.get(app.url("/login")).send().await.unwrap();
    let r = client
        .post(app.url("/login"))
        .form(&[("username", "coord1"), ("password", "demo")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = client
        .post(app.url("/login"))
        .form(&[("_csrf", "0".repeat(64).as_str()), ("username", "coord1"), ("password", "demo")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_state_change_without_the_session_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let (client, page) = app.sign_in("coord1").await;
    let r = client.post(app.url("/logout")).form(&[("_csrf", "forged")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("nothing was changed"));
    let r = client.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Still signed in: the refused requests did not end the session.
    let panel = client.get(app.url("/panel")).send().await.unwrap().text().await.unwrap();
    assert!(panel.contains("Sign out"));
    // With the token, signing out works.
    let r = client
        .post(app.url("/logout"))
        .form(&[("_csrf", csrf_token(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("You have signed out."));
    let after = client.get(app.url("/panel")).send().await.unwrap().text().await.unwrap();
    assert!(after.contains("Sign in"), "signed out for good");
}

#[tokio::test]
async fn a_session_ends_after_fifteen_idle_minutes() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let id = app.user_id("coord1").await;
    let now = Utc::now();
    app.store
        .age_sessions_for_test(id, now - Duration::minutes(14), now - Duration::hours(1))
        .await
        .unwrap();
    let page = client.get(app.url("/panel")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Sign out"), "14 idle minutes are fine");
    app.store
        .age_sessions_for_test(id, now - Duration::minutes(16), now - Duration::hours(1))
        .await
        .unwrap();
    let page = client.get(app.url("/panel")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Your session ended after 15 minutes without activity"), "{page}");
}

#[tokio::test]
async fn a_session_ends_twelve_hours_after_sign_in_even_when_active() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    let id = app.user_id("coord1").await;
    let now = Utc::now();
    app.store
        .age_sessions_for_test(
            id,
            now - Duration::minutes(1),
            now - Duration::hours(12) - Duration::minutes(1),
        )
        .await
        .unwrap();
    let page = client.get(app.url("/panel")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Sign out"));
    assert!(page.contains("Sign in"));
}

#[tokio::test]
async fn responses_carry_the_security_headers() {
    let app = spawn_app().await;
    let r = reqwest::get(app.url("/login")).await.unwrap();
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["cache-control"], "no-store");
    assert!(h.get("strict-transport-security").is_none(), "HSTS only with secure cookies");
    let cookie = h["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("HttpOnly"));
    // Every page names its icon, and the address browsers ask for unprompted answers too.
    assert!(r.text().await.unwrap().contains("rel=\"icon\" href=\"/static/favicon.svg\""));
    for path in ["/static/favicon.svg", "/favicon.ico"] {
        let icon = reqwest::get(app.url(path)).await.unwrap();
        assert_eq!(icon.status(), StatusCode::OK, "{path}");
        assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    }
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_the_database_keeps_only_its_hash() {
    let app = spawn_app().await;
    let client = app.browser_no_redirects();
    let form = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let r = client
        .post(app.url("/login"))
        .form(&[
            ("_csrf", csrf_token(&form).as_str()),
            ("username", "coord1"),
            ("password", "demo"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("carelog_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    let value = cookie.trim_start_matches("carelog_session=").split(';').next().unwrap();
    let hashed = carelog_web::hash_session_id(value);
    assert!(app.store.session(&hashed).await.unwrap().is_some());
    assert!(app.store.session(value).await.unwrap().is_none(), "the raw cookie value is not a key");
}

#[tokio::test]
async fn signing_out_after_the_session_expired_lands_on_sign_in_with_the_reason() {
    let app = spawn_app().await;
    let (client, page) = app.sign_in("coord1").await;
    let id = app.user_id("coord1").await;
    let now = Utc::now();
    app.store
        .age_sessions_for_test(id, now - Duration::minutes(20), now - Duration::hours(1))
        .await
        .unwrap();
    let r = client
        .post(app.url("/logout"))
        .form(&[("_csrf", csrf_token(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.text().await.unwrap().contains("Your session ended after 15 minutes without activity")
    );
}

#[tokio::test]
async fn housekeeping_removes_only_expired_sessions() {
    let app = spawn_app().await;
    let (stale, _) = app.sign_in("coord1").await;
    let (fresh, _) = app.sign_in("coord2").await;
    let now = Utc::now();
    app.store
        .age_sessions_for_test(
            app.user_id("coord1").await,
            now - Duration::minutes(30),
            now - Duration::hours(1),
        )
        .await
        .unwrap();
    let (sessions, _) =
        carelog_app::upkeep::housekeeping(&app.store, now, chrono::Duration::minutes(15))
            .await
            .unwrap();
    assert_eq!(sessions, 1);
    assert!(
        fresh
            .get(app.url("/panel"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("Sign out")
    );
    assert!(
        !stale
            .get(app.url("/panel"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("Sign out")
    );
}
