//! What a person does in the browser, in headless Debian Chromium through chromedriver.
//! Behind the `browser` feature so `cargo test` passes on a machine without Chromium.
#![cfg(feature = "browser")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accessibility;
mod assignment;
mod billing;
mod daily_tasks;
mod driver;
mod enrollment;
#[path = "../api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
mod imports;
mod workday;

use driver::Browser;
use fantoccini::Locator;
use helpers::spawn_app;

pub async fn sign_in(browser: &Browser, base: &str, username: &str) {
    let c = &browser.client;
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Css("input[name=username]")).await.unwrap().send_keys(username).await.unwrap();
    c.find(Locator::Css("input[name=password]")).await.unwrap().send_keys("demo").await.unwrap();
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=user-name]")).await.unwrap();
}

/// Chooses a task type in the form under `scope` as a person does: typing in the combobox, Enter.
pub async fn choose_task_type(browser: &Browser, scope: &str, name: &str) {
    let css = format!("{scope} [data-testid=task-type-combobox]");
    let combobox = browser.client.find(Locator::Css(&css)).await.unwrap();
    combobox.send_keys(name).await.unwrap();
    combobox.send_keys(&fantoccini::key::Key::Enter.to_string()).await.unwrap();
}

/// The visible text of the first element matching a CSS selector.
/// A page still settling after a submit can replace the element between finding and reading it, so
/// a stale element is found again (a few times, then the error stands).
pub async fn text_of(browser: &Browser, css: &str) -> String {
    let mut tries = 0;
    loop {
        let element = browser.client.find(Locator::Css(css)).await.unwrap();
        match element.text().await {
            Ok(text) => return text,
            Err(e) if tries < 5 => {
                tries += 1;
                let _ = e;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{css}: {e}"),
        }
    }
}

async fn visible_tabs(browser: &Browser) -> Vec<String> {
    let mut labels = Vec::new();
    for tab in browser.client.find_all(Locator::Css("nav.tabs a.tab")).await.unwrap() {
        labels.push(tab.text().await.unwrap());
    }
    labels
}

pub async fn sign_out(browser: &Browser) {
    browser
        .client
        .find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.client.wait().for_element(Locator::Css("input[name=username]")).await.unwrap();
}

#[tokio::test]
async fn each_role_signs_in_and_sees_its_tabs_in_chromium() {
    let app = spawn_app().await;
    let base = app.url("");
    let browser = Browser::start().await;

    sign_in(&browser, &base, "coord1").await;
    assert_eq!(visible_tabs(&browser).await, ["Patient Panel", "Daily Tasks"]);
    let summary = browser
        .client
        .find(Locator::Css("[data-testid=month-summary]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        summary.starts_with("Care time this month: ") && summary.contains(" min · "),
        "{summary}"
    );
    assert!(browser.client.find(Locator::Css("[data-testid=patient-table]")).await.is_ok());
    browser.screenshot("coordinator-panel").await;
    browser
        .client
        .find(Locator::Css("[data-testid=patient-table] tbody a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.client.wait().for_element(Locator::Css("[data-testid=patient-name]")).await.unwrap();
    browser.screenshot("coordinator-patient").await;
    sign_out(&browser).await;

    sign_in(&browser, &base, "manager1").await;
    assert_eq!(
        visible_tabs(&browser).await,
        ["Patient Panel", "Daily Tasks", "Coordinator Assignment & Oversight"]
    );
    browser.screenshot("manager-panel").await;
    sign_out(&browser).await;

    sign_in(&browser, &base, "admin").await;
    assert_eq!(
        visible_tabs(&browser).await,
        ["Patient Panel", "Daily Tasks", "Coordinator Assignment & Oversight", "Billing", "Admin"]
    );
    browser.client.goto(&format!("{base}/admin/audit")).await.unwrap();
    let count = browser
        .client
        .find(Locator::Css("[data-testid=audit-count]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!count.starts_with("0 events"), "{count}");
    browser.screenshot("admin-audit").await;
    browser.client.goto(&format!("{base}/billing")).await.unwrap();
    let billable = text_of(&browser, "[data-testid=billable]").await;
    assert!(billable.parse::<i64>().is_ok(), "{billable}");
    browser.screenshot("admin-billing").await;
    browser.client.goto(&format!("{base}/admin/schedules")).await.unwrap();
    assert_eq!(
        browser
            .client
            .find_all(Locator::Css("[data-testid=schedules] tbody tr"))
            .await
            .unwrap()
            .len(),
        8,
        "the design's six schedules, the care plan review, and the add row"
    );
    browser.screenshot("admin-schedules").await;
    browser.client.goto(&format!("{base}/notifications")).await.unwrap();
    browser.client.find(Locator::Css("[data-testid=email-preferences]")).await.unwrap();
    browser.screenshot("notifications").await;
    browser.close().await;
}
