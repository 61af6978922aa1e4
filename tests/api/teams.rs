//! Teams (issue 22): who manages whom is data an admin sets; a manager's Tab 3 is bounded by the
//! team they manage, an admin sees every team and switches between them.

use carelog_domain::role::Role;
use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_app};

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The workload cards' coordinator ids on a /team page, in order.
fn cards(page: &str) -> Vec<i64> {
    page.split("class=\"card workload-card\" data-coordinator=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect()
}

async fn set_manager(
    app: &TestApp,
    admin: &reqwest::Client,
    who: i64,
    manager: &str,
) -> (StatusCode, String) {
    app.post_form(admin, &format!("/team/coordinators/{who}/manager"), &[("manager", manager)])
        .await
}

#[tokio::test]
async fn a_manager_sees_the_team_they_manage_and_an_admin_switches_between_teams() {
    let app = spawn_app().await;
    let manager1 = app.user_id("manager1").await.0;
    let manager2 = app.add_person("manager2", "Morgan Vale", Role::Manager).await.0;
    let [c1, c2, c3] = [
        app.user_id("coord1").await.0,
        app.user_id("coord2").await.0,
        app.user_id("coord3").await.0,
    ];
    let (admin, _) = app.sign_in("admin").await;

    // The demo deals every coordinator to manager1; the admin moves coord1 to Morgan's team.
    let (status, page) = set_manager(&app, &admin, c1, &manager2.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Profile saved.") && page.contains("Morgan Vale"), "{page}");
    let events = app
        .store
        .scalar_for_test(
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'team.manager_set' AND detail LIKE '%managed by Morgan Vale'",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(events, 1);

    let (m1, _) = app.sign_in("manager1").await;
    let (m2, _) = app.sign_in("manager2").await;
    let (_, page) = get(&m1, &app, "/team").await;
    let mut seen = cards(&page);
    seen.sort_unstable();
    let mut expected = vec![manager1, c2, c3];
    expected.sort_unstable();
    assert_eq!(seen, expected, "manager1's team: themselves and the two they still manage");
    assert!(page.contains("&#39;s team</strong> · 3 people with a caseload"), "{page}");
    assert!(!page.contains("data-testid=\"team-switch\""), "a manager has no switcher");
    let (_, page) = get(&m2, &app, "/team").await;
    let mut seen = cards(&page);
    seen.sort_unstable();
    let mut expected = vec![manager2, c1];
    expected.sort_unstable();
    assert_eq!(seen, expected, "Morgan's team");
    assert!(page.contains("Morgan Vale&#39;s team</strong> · 2 people"), "{page}");

    // Another team is not a manager's to see: the page says so; a profile off the team is not found.
    let (status, page) = get(&m2, &app, &format!("/team?team={manager1}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("a manager sees their own team"), "{page}");
    let (status, _) = get(&m2, &app, &format!("/team/coordinators/{c2}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&m2, &app, &format!("/team/coordinators/{c1}")).await;
    assert_eq!(status, StatusCode::OK);

    // The admin sees every team by default, and each team alone.
    let (_, page) = get(&admin, &app, "/team").await;
    assert!(page.contains("Every team"), "{page}");
    assert!(page.contains("data-testid=\"team-switch\""));
    let option = format!("<option value=\"{manager2}\">Morgan Vale's team (2 people)</option>");
    assert!(page.contains(&option), "{page}");
    assert_eq!(cards(&page).len(), 5, "every caseload holder");
    let (_, page) = get(&admin, &app, &format!("/team?team={manager2}&view=all")).await;
    let mut seen = cards(&page);
    seen.sort_unstable();
    assert_eq!(seen, expected, "the admin's pick");
    assert!(page.contains("name=\"view\" value=\"all\""), "the switch keeps the queue's filters");
    let (status, page) = get(&admin, &app, "/team?team=999999").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("Team: choose a team from the list."), "{page}");

    // Morgan ranks only their team for a waiting patient, and cannot give one to another team.
    let waiting = app.store.waiting_patients().await.unwrap();
    let patient = waiting.first().expect("the demo queues patients").id;
    let (_, page) = get(&m2, &app, &format!("/team/assign/{patient}")).await;
    assert!(page.contains(&format!("value=\"{c1}\"")), "{page}");
    assert!(!page.contains(&format!("value=\"{c2}\"")), "coord2 is not Morgan's to assign");
    let (status, page) = app
        .post_form(
            &m2,
            &format!("/team/assign/{patient}"),
            &[("coordinator", &c2.to_string()), ("action", "finalize")],
        )
        .await;
    assert_ne!(status, StatusCode::OK, "{page}");
    assert!(page.contains("choose one of the coordinators listed"), "{page}");
}

#[tokio::test]
async fn who_manages_whom_follows_its_rules() {
    let app = spawn_app().await;
    let c1 = app.user_id("coord1").await.0;
    let c2 = app.user_id("coord2").await.0;
    let manager1 = app.user_id("manager1").await.0;
    let (admin, _) = app.sign_in("admin").await;
    for (manager, rule) in [
        (c2.to_string(), "Manager: choose an active manager from the list."),
        ("x".to_owned(), "Manager: choose one from the list."),
    ] {
        let (status, page) = set_manager(&app, &admin, c1, &manager).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{manager}");
        assert!(page.contains(rule), "{manager}: {page}");
    }
    let (status, page) = set_manager(&app, &admin, manager1, &manager1.to_string()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("cannot manage themselves"), "{page}");
    // Only an admin sets it.
    let (m1, _) = app.sign_in("manager1").await;
    let (status, _) = set_manager(&app, &m1, c1, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Nobody: the coordinator leaves every manager's team, and the admin is told.
    let (status, page) = set_manager(&app, &admin, c1, "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (_, page) = get(&m1, &app, "/team").await;
    assert!(!cards(&page).contains(&c1));
    let (_, page) = get(&admin, &app, "/team").await;
    assert!(page.contains("1 coordinator has no manager"), "{page}");
    assert!(cards(&page).contains(&c1), "every team still shows them");

    // A manager who manages nobody sees every caseload holder, as before teams.
    for c in ["coord2", "coord3"] {
        let id = app.user_id(c).await.0;
        set_manager(&app, &admin, id, "").await;
    }
    let (_, page) = get(&m1, &app, "/team").await;
    assert_eq!(cards(&page).len(), 4, "{page}");
    assert!(page.contains("you manage nobody yet"), "{page}");

    // Whether a manager manages anyone is kept, and follows a change made by another server at
    // once: given a coordinator, then that coordinator deactivated.
    let other_server = carelog_store::Store::connect(&app.database_url).await.unwrap();
    let change = async |sql: &str| {
        assert_eq!(other_server.exec_for_test(sql, vec![]).await.unwrap(), 1, "{sql}");
    };
    change(&format!(
        "UPDATE coordinator_profiles SET manager_id = {manager1} WHERE user_id = {c2}"
    ))
    .await;
    let (_, page) = get(&m1, &app, "/team").await;
    assert!(!page.contains("you manage nobody yet") && cards(&page).contains(&c2), "{page}");
    change(&format!("UPDATE users SET is_active = FALSE WHERE id = {c2}")).await;
    let (_, page) = get(&m1, &app, "/team").await;
    assert!(page.contains("you manage nobody yet"), "{page}");
}
