//! People (issue 20): every change that takes access away ends it at once, on every path in.

use reqwest::StatusCode;

use crate::helpers::{TestApp, csrf_token, spawn_app};

/// A token for `username`, made on their API tokens page.
async fn token_for(app: &TestApp, username: &str) -> String {
    let (client, _) = app.sign_in(username).await;
    let (status, page) = app
        .post_form(&client, "/account/tokens", &[("name", "EHR sync"), ("expires_in_days", "30")])
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let start = page.find("data-testid=\"token\">").unwrap() + "data-testid=\"token\">".len();
    page[start..].split('<').next().unwrap().to_owned()
}

async fn api_status(app: &TestApp, token: &str) -> StatusCode {
    reqwest::Client::new()
        .get(app.url("/api/v1/patients"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

async fn change(
    app: &TestApp,
    admin: &reqwest::Client,
    who: &str,
    fields: &[(&str, &str)],
) -> String {
    let token = app.token(admin, "/admin/users").await;
    let mut form = vec![("_csrf", token.as_str())];
    form.extend_from_slice(fields);
    let r = admin.post(app.url(&format!("/admin/users/{who}"))).form(&form).send().await.unwrap();
    r.text().await.unwrap()
}

async fn signed_in(app: &TestApp, client: &reqwest::Client) -> bool {
    client.get(app.url("/panel")).send().await.unwrap().text().await.unwrap().contains("Sign out")
}

/// Who, the form's fields, and what the page says was done.
type Change = (&'static str, &'static [(&'static str, &'static str)], &'static str);

/// A password reset, a role change and a deactivation each end the user's sessions and revoke their
/// tokens at once; a reactivated user signs in again, with their tokens still revoked.
#[tokio::test]
async fn each_change_that_takes_access_away_ends_sessions_and_tokens() {
    let app = spawn_app().await;
    let (admin, _) = app.sign_in("admin").await;
    let cases: [Change; 3] = [
        (
            "coord1",
            &[("action", "password"), ("password", "Quartz-lantern-harbor-91")],
            "password reset",
        ),
        ("coord2", &[("action", "role"), ("role", "manager")], "role changed"),
        ("coord3", &[("action", "deactivate")], "deactivated"),
    ];
    for (who, fields, what) in cases {
        let token = token_for(&app, who).await;
        let (session, _) = app.sign_in(who).await;
        assert_eq!(api_status(&app, &token).await, StatusCode::OK);
        let page = change(&app, &admin, who, fields).await;
        assert!(page.contains(&format!("{who}: {what}")), "{page}");
        assert!(page.contains("1 API token revoked"), "{page}");
        assert_eq!(api_status(&app, &token).await, StatusCode::UNAUTHORIZED, "{who}: {what}");
        assert!(!signed_in(&app, &session).await, "{who}'s session ended: {what}");
        let tokens = app.store.api_tokens(Some(app.user_id(who).await)).await.unwrap();
        assert!(
            tokens
                .iter()
                .all(|t| t.revoked_reason == what.replace("deactivated", "user deactivated"))
        );
    }
    // Deactivated: sign-in refused like a wrong password; flagged to managers while holding patients.
    let page = app.post_login(&app.browser(), "coord3", "demo").await;
    assert!(page.contains("The username or password is not right."));
    let (manager, _) = app.sign_in("manager1").await;
    let team = manager.get(app.url("/team")).send().await.unwrap().text().await.unwrap();
    assert!(
        team.contains("data-testid=\"to-reassign\"") && team.contains("(coord3) is deactivated"),
        "{team}"
    );
    let page = change(&app, &admin, "coord3", &[("action", "reactivate")]).await;
    assert!(page.contains("coord3: reactivated"), "{page}");
    app.sign_in("coord3").await;
    let team = manager.get(app.url("/team")).send().await.unwrap().text().await.unwrap();
    assert!(!team.contains("data-testid=\"to-reassign\""));
}

#[tokio::test]
async fn tokens_expire_and_admins_see_and_revoke_everyones() {
    let app = spawn_app().await;
    let token = token_for(&app, "coord1").await;
    let (coord, _) = app.sign_in("coord1").await;
    let mine = coord.get(app.url("/account/tokens")).send().await.unwrap().text().await.unwrap();
    let in_30_days = (chrono::Utc::now() + chrono::Duration::days(30))
        .with_timezone(&chrono_tz::America::Los_Angeles)
        .format("%Y-%m-%d")
        .to_string();
    assert!(mine.contains(&format!("Active until {in_30_days}")), "{mine}");
    let (status, page) = app
        .post_form(&coord, "/account/tokens", &[("name", "x"), ("expires_in_days", "400")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("1 to 365"), "{page}");

    let (admin, _) = app.sign_in("admin").await;
    let all = admin.get(app.url("/admin/tokens")).send().await.unwrap().text().await.unwrap();
    assert!(all.contains("coord1") && all.contains("EHR sync"), "{all}");
    let (coord_page, _) = app.sign_in("coord1").await;
    let r = coord_page.get(app.url("/admin/tokens")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let id = app.store.api_tokens(Some(app.user_id("coord1").await)).await.unwrap()[0].id;
    let (status, _) = app.post_form(&admin, &format!("/admin/tokens/{id}/revoke"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(api_status(&app, &token).await, StatusCode::UNAUTHORIZED);

    // An expired token stops working; the page says so.
    let token = token_for(&app, "coord2").await;
    assert_eq!(api_status(&app, &token).await, StatusCode::OK);
    app.store
        .exec_for_test(
            "UPDATE api_tokens SET expires_at = $1 WHERE revoked_at IS NULL",
            vec![(chrono::Utc::now() - chrono::Duration::minutes(1)).into()],
        )
        .await
        .unwrap();
    assert_eq!(api_status(&app, &token).await, StatusCode::UNAUTHORIZED);
    let (coord2, _) = app.sign_in("coord2").await;
    let mine = coord2.get(app.url("/account/tokens")).send().await.unwrap().text().await.unwrap();
    assert!(mine.contains("Expired "), "{mine}");
}

#[tokio::test]
async fn a_user_ends_their_other_sessions() {
    let app = spawn_app().await;
    let (laptop, _) = app.sign_in("coord1").await;
    let (desk, _) = app.sign_in("coord1").await;
    let page = desk.get(app.url("/account/sessions")).send().await.unwrap().text().await.unwrap();
    assert_eq!(page.matches("<tr><td>").count(), 2, "{page}");
    assert!(page.contains("This session"));
    let token = csrf_token(&page);
    let r = desk
        .post(app.url("/account/sessions/end"))
        .form(&[("_csrf", token.as_str()), ("id", "")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert!(!signed_in(&app, &laptop).await, "the other session ended");
    assert!(signed_in(&app, &desk).await, "this one stays");
}

#[tokio::test]
async fn users_are_added_on_the_page_and_the_last_admin_stays() {
    let app = spawn_app().await;
    let (admin, _) = app.sign_in("admin").await;
    let token = app.token(&admin, "/admin/users").await;
    let add = |password: &'static str| {
        let admin = admin.clone();
        let (url, token) = (app.url("/admin/users"), token.clone());
        async move {
            let form = [
                ("_csrf", token.as_str()),
                ("username", "pat.lee"),
                ("name", "Pat Lee"),
                ("role", "coordinator"),
                ("password", password),
            ];
            admin.post(url).form(&form).send().await.unwrap().text().await.unwrap()
        }
    };
    assert!(add("password1234").await.contains("too easy to guess"));
    assert!(add("Quartz-lantern-harbor-91").await.contains("Added pat.lee."));
    let page = app.post_login(&app.browser(), "pat.lee", "Quartz-lantern-harbor-91").await;
    assert!(page.contains("Sign out"));
    // A coordinator added here can be given patients once a manager opens their profile: it starts
    // Unavailable (nobody is recommended to them before their capacity is set).
    let pat = app.user_id("pat.lee").await;
    let profile = admin.get(app.url(&format!("/team/coordinators/{pat}"))).send().await.unwrap();
    assert_eq!(profile.status(), StatusCode::OK, "the profile page exists");
    let profile = profile.text().await.unwrap();
    assert!(
        profile.contains(">Unavailable</span>") && profile.contains("0/35 patients"),
        "{profile}"
    );
    let page = change(&app, &admin, "admin", &[("action", "deactivate")]).await;
    assert!(page.contains("cannot deactivate yourself"), "{page}");
    let page = change(&app, &admin, "admin", &[("action", "role"), ("role", "manager")]).await;
    assert!(page.contains("only active administrator"), "{page}");
    assert!(signed_in(&app, &admin).await, "nothing changed");
}
