use reqwest::StatusCode;

use crate::helpers::{spawn_app, tabs};

#[tokio::test]
async fn each_role_sees_its_own_tabs() {
    let app = spawn_app().await;
    let (_, coordinator) = app.sign_in("coord1").await;
    assert_eq!(tabs(&coordinator), ["Patient Panel", "Daily Tasks"]);
    let (_, manager) = app.sign_in("manager1").await;
    assert_eq!(
        tabs(&manager),
        ["Patient Panel", "Daily Tasks", "Coordinator Assignment & Oversight"]
    );
    let (_, admin) = app.sign_in("admin").await;
    assert_eq!(
        tabs(&admin),
        ["Patient Panel", "Daily Tasks", "Coordinator Assignment & Oversight", "Billing", "Admin"]
    );
}

#[tokio::test]
async fn routes_refuse_roles_that_do_not_hold_them() {
    let app = spawn_app().await;
    let (coordinator, _) = app.sign_in("coord1").await;
    let (manager, _) = app.sign_in("manager1").await;
    let (admin, _) = app.sign_in("admin").await;
    let expectations: &[(&str, StatusCode, StatusCode, StatusCode)] = &[
        ("/panel", StatusCode::OK, StatusCode::OK, StatusCode::OK),
        ("/tasks", StatusCode::OK, StatusCode::OK, StatusCode::OK),
        ("/team", StatusCode::FORBIDDEN, StatusCode::OK, StatusCode::OK),
        ("/team/plan", StatusCode::FORBIDDEN, StatusCode::OK, StatusCode::OK),
        ("/team/quality", StatusCode::FORBIDDEN, StatusCode::OK, StatusCode::OK),
        ("/team/quality/review", StatusCode::FORBIDDEN, StatusCode::OK, StatusCode::OK),
        ("/team/quality/surveys", StatusCode::FORBIDDEN, StatusCode::OK, StatusCode::OK),
        ("/team/reports", StatusCode::FORBIDDEN, StatusCode::OK, StatusCode::OK),
        ("/team/reports/workload.csv", StatusCode::FORBIDDEN, StatusCode::OK, StatusCode::OK),
        ("/admin/reviews", StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::OK),
        ("/admin/assignment", StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::OK),
        ("/billing", StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::OK),
        ("/admin", StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::OK),
        ("/admin/audit", StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::OK),
    ];
    for (path, c, m, a) in expectations {
        assert_eq!(
            coordinator.get(app.url(path)).send().await.unwrap().status(),
            *c,
            "coordinator {path}"
        );
        assert_eq!(manager.get(app.url(path)).send().await.unwrap().status(), *m, "manager {path}");
        assert_eq!(admin.get(app.url(path)).send().await.unwrap().status(), *a, "admin {path}");
    }
}

#[tokio::test]
async fn coordinator_cannot_open_another_coordinators_patient() {
    let app = spawn_app().await;
    let me = app.user_id("coord1").await;
    let foreign = app
        .store
        .a_patient_not_assigned_to(me)
        .await
        .unwrap()
        .expect("the practice has other caseloads");
    let (client, _) = app.sign_in("coord1").await;
    let theirs = client.get(app.url(&format!("/patients/{foreign}"))).send().await.unwrap();
    let status = theirs.status();
    let theirs_body = theirs.text().await.unwrap();
    let missing = client.get(app.url("/patients/99999999")).send().await.unwrap();
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        theirs_body,
        missing.text().await.unwrap(),
        "indistinguishable from a patient that does not exist"
    );
    let junk = client.get(app.url("/patients/not-a-number")).send().await.unwrap();
    assert_eq!(junk.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_coordinators_panel_lists_only_their_caseload_and_managers_may_widen_it() {
    let app = spawn_app().await;
    let me = app.user_id("coord1").await;
    let mine = app.store.list_patients(Some(me)).await.unwrap();
    let all = app.store.list_patients(None).await.unwrap();
    assert!(!mine.is_empty() && mine.len() < all.len());
    let (coordinator, _) = app.sign_in("coord1").await;
    let page =
        coordinator.get(app.url("/panel?mine=0")).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains(&format!("{} patients", mine.len())),
        "a coordinator cannot widen the panel"
    );
    let foreign = all.iter().find(|p| !mine.iter().any(|m| m.id == p.id)).unwrap();
    assert!(!page.contains(&format!("/patients/{}\"", foreign.id)));
    let (manager, _) = app.sign_in("manager1").await;
    let page = manager.get(app.url("/panel?mine=0")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("{} patients", all.len())));
}

#[tokio::test]
async fn a_coordinator_opens_their_own_patient_and_a_manager_any_patient() {
    let app = spawn_app().await;
    let me = app.user_id("coord1").await;
    let own = app.store.list_patients(Some(me)).await.unwrap()[0].clone();
    let (client, _) = app.sign_in("coord1").await;
    let r = client.get(app.url(&format!("/patients/{}", own.id))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains(&own.name));
    let (manager, _) = app.sign_in("manager1").await;
    let r = manager.get(app.url(&format!("/patients/{}", own.id))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_paths_answer_a_plain_404_page() {
    let app = spawn_app().await;
    let r = reqwest::get(app.url("/no/such/page")).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("Not found"));
}

#[tokio::test]
async fn an_admin_without_a_caseload_starts_on_every_patient() {
    let app = spawn_app().await;
    let all = app.store.list_patients(None).await.unwrap();
    let (admin, _) = app.sign_in("admin").await;
    let page = admin.get(app.url("/panel")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("{} patients", all.len())), "admins carry no caseload");
    let page = admin.get(app.url("/panel?mine=1")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("0 patients ·"));
}
