//! Month end in Chromium, as billing staff do it: the admin closes last month, sees the billed
//! record with its claims downloads, amends an entry from the patient-month's page, and finds the
//! line marked amended with the original kept.

use carelog_domain::practice_time::{YearMonth, local_date};
use chrono::Utc;
use fantoccini::Locator;

use crate::driver::Browser;
use crate::helpers::spawn_app;
use crate::{sign_in, text_of};

#[tokio::test]
async fn an_admin_closes_last_month_downloads_claims_and_amends_an_entry() {
    let app = spawn_app().await;
    let base = app.url("");
    let month = YearMonth::of(local_date(Utc::now(), chrono_tz::America::Los_Angeles)).previous();
    let browser = Browser::start().await;
    let c = &browser.client;
    sign_in(&browser, &base, "admin").await;
    c.goto(&format!("{base}/billing?month={month}")).await.unwrap();
    let claims = text_of(&browser, "[data-testid=claims]").await;
    assert!(claims.contains("DRAFT"), "an open month's claims are drafts: {claims}");
    // The close asks first; the browser's dialog is answered yes.
    c.execute("window.confirm = () => true;", vec![]).await.unwrap();
    c.find(Locator::Css("[data-testid=close-month]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=closed]")).await.unwrap();
    assert!(text_of(&browser, "[data-testid=closed]").await.contains("billed record"));
    browser.screenshot("billing-closed").await;
    let href = c
        .find(Locator::Css("[data-testid=claims-837]"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(href, format!("/billing/claims.837?month={month}"), "from the record, no draft");

    // A billable patient's month, and one of its entries corrected.
    let patient = c
        .find(Locator::Css("tr.billable td a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap_or_default();
    c.goto(&format!("{base}{patient}")).await.unwrap();
    c.find(Locator::LinkText("Correct")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=amendment-notice]")).await.unwrap();
    let minutes = c.find(Locator::Css("input[name=minutes]")).await.unwrap();
    minutes.clear().await.unwrap();
    minutes.send_keys("5").await.unwrap();
    c.find(Locator::Css("textarea[name=reason]"))
        .await
        .unwrap()
        .send_keys("the call was five minutes")
        .await
        .unwrap();
    browser.screenshot("billing-amend").await;
    c.find(Locator::Css("button.primary")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=versions]")).await.unwrap();
    let versions = text_of(&browser, "[data-testid=versions]").await;
    assert!(
        versions.contains("As closed") && versions.contains("the call was five minutes"),
        "{versions}"
    );
    browser.screenshot("billing-versions").await;
    c.goto(&format!("{base}/billing?month={month}")).await.unwrap();
    let amended = text_of(&browser, "[data-testid=amended]").await;
    assert!(amended.contains("Amended (version 2)"), "{amended}");
    // The amendment is in the record, so a recomputation differs from it in nothing.
    c.find(Locator::Css("[data-testid=changes-link]")).await.unwrap().click().await.unwrap();
    let changes = text_of(&browser, "[data-testid=changes-since-close]").await;
    assert!(changes.contains("None"), "{changes}");
    browser.close().await;
}
