//! Tab 3 in Chromium: a manager assigns a queued patient from the queue, and the coordinator finds the
//! patient on their panel.

use carelog_domain::ids::PatientId;
use fantoccini::Locator;

use crate::driver::Browser;
use crate::helpers::spawn_app;
use crate::{sign_in, sign_out};

#[tokio::test]
async fn a_manager_assigns_a_queued_patient_and_the_coordinator_finds_them_on_the_panel() {
    let app = spawn_app().await;
    let base = app.url("");
    let browser = Browser::start().await;
    let c = &browser.client;
    sign_in(&browser, &base, "manager1").await;
    c.goto(&format!("{base}/team")).await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=queue]")).await.unwrap();
    browser.screenshot("team-queue").await;
    let assign = c.find(Locator::Css("[data-testid=queue] a.button")).await.unwrap();
    let href = assign.attr("href").await.unwrap().unwrap();
    let patient: PatientId = href.rsplit('/').next().unwrap().parse().unwrap();
    assign.click().await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=assign-form]")).await.unwrap();
    browser.screenshot("team-assign").await;

    // Choose coord2 whatever the ranking, with a rationale, so the test does not depend on the scores.
    let coord2 = app.user_id("coord2").await;
    c.find(Locator::Css(&format!("input[name=coordinator][value='{coord2}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("textarea[name=notes]"))
        .await
        .unwrap()
        .send_keys("Assigned in the browser test")
        .await
        .unwrap();
    c.find(Locator::Css("[data-testid=finalize]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=assignment]")).await.unwrap();
    let record =
        c.find(Locator::Css("[data-testid=assignment]")).await.unwrap().text().await.unwrap();
    assert!(record.contains("Assigned in the browser test"), "{record}");
    browser.screenshot("team-assigned").await;
    sign_out(&browser).await;

    sign_in(&browser, &base, "coord2").await;
    c.goto(&format!("{base}/panel")).await.unwrap();
    c.wait().for_element(Locator::Css(&format!("tr[data-patient='{patient}']"))).await.unwrap();
    browser.screenshot("coordinator-new-patient").await;
    c.goto(&format!("{base}/notifications")).await.unwrap();
    let page = c.source().await.unwrap();
    assert!(page.contains("New patient:"), "the coordinator was told");
    browser.close().await;
}

#[tokio::test]
async fn the_workload_quality_and_plan_pages_render_in_chromium() {
    let app = spawn_app().await;
    let base = app.url("");
    let browser = Browser::start().await;
    let c = &browser.client;
    sign_in(&browser, &base, "manager1").await;
    for (path, testid, shot) in [
        ("/team#workload", "workload", "team-workload"),
        ("/team/plan", "loads", "team-plan"),
        ("/team/quality", "quality-cards", "team-quality"),
        ("/team/reports?report=efficiency", "summary", "team-report-efficiency"),
        ("/team/reports?report=workload", "report-table", "team-report-workload"),
    ] {
        c.goto(&format!("{base}{path}")).await.unwrap();
        c.wait().for_element(Locator::Css(&format!("[data-testid={testid}]"))).await.unwrap();
        browser.screenshot(shot).await;
    }
    browser.close().await;
}
