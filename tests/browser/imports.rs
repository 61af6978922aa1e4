//! The import page in Chromium: an admin uploads a ZMO sheet, reads the dry run and applies it; a user
//! makes an API token and tries it on the API's docs page.

use fantoccini::Locator;

use crate::driver::Browser;
use crate::helpers::spawn_app;
use crate::sign_in;

#[tokio::test]
async fn an_admin_checks_and_applies_a_zmo_sheet_and_makes_an_api_token_to_try_on_the_docs_page() {
    let app = spawn_app().await;
    let base = app.url("");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("zmo.csv");
    std::fs::write(
        &file,
        "Patient Name,DOB,Chart Code,Assigned CM,Program,Favourite colour\n\"TESTER, ALMA\",1948-02-03,ZM990001,coord1,CCM,blue\n\"BROKEN ROW\",1952-13-01,ZM990003,,RPM,red\n",
    )
    .unwrap();
    let browser = Browser::start().await;
    let c = &browser.client;
    sign_in(&browser, &base, "admin").await;
    c.goto(&format!("{base}/admin/imports")).await.unwrap();
    c.find(Locator::Css("select[name=kind]")).await.unwrap().select_by_value("zmo").await.unwrap();
    c.find(Locator::Css("input[name=file]"))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    browser.screenshot("import-upload").await;
    c.find(Locator::Css("[data-testid=upload] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Css("[data-testid=report]")).await.unwrap();
    assert_eq!(
        c.find(Locator::Css("[data-testid=creates]")).await.unwrap().text().await.unwrap(),
        "1"
    );
    assert_eq!(
        c.find(Locator::Css("[data-testid=invalid]")).await.unwrap().text().await.unwrap(),
        "1"
    );
    browser.screenshot("import-report").await;
    c.find(Locator::Css("input[name=skip_invalid]")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("[data-testid=apply-button]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=notice]")).await.unwrap();
    let notice = c.find(Locator::Css("[data-testid=notice]")).await.unwrap().text().await.unwrap();
    assert!(notice.contains("1 created"), "{notice}");
    browser.screenshot("import-applied").await;

    c.goto(&format!("{base}/account/tokens")).await.unwrap();
    c.find(Locator::Css("input[name=name]")).await.unwrap().send_keys("EHR sync").await.unwrap();
    c.find(Locator::Css("form[action='/account/tokens'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Css("[data-testid=token]")).await.unwrap();
    let token = c.find(Locator::Css("[data-testid=token]")).await.unwrap().text().await.unwrap();
    assert!(token.starts_with("clg_"));
    browser.screenshot("api-token").await;

    // The docs page (Swagger UI from the binary, linked here) reads the generated document; the token works there.
    c.find(Locator::LinkText("its documentation")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("button.authorize")).await.unwrap().click().await.unwrap();
    c.wait()
        .for_element(Locator::Css(".modal-ux input"))
        .await
        .unwrap()
        .send_keys(&token)
        .await
        .unwrap();
    c.find(Locator::Css(".modal-ux button.authorize")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css(".modal-ux button.btn-done")).await.unwrap().click().await.unwrap();
    let list = "#operations-patients-list";
    c.find(Locator::Css(&format!("{list} button.opblock-summary-control")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css(&format!("{list} button.try-out__btn")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css(&format!("{list} button.execute")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let answer = c
        .wait()
        .for_element(Locator::Css(&format!(
            "{list} .live-responses-table tr.response td.response-col_status"
        )))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(answer.trim(), "200");
    let body = crate::text_of(&browser, &format!("{list} .live-responses-table .microlight")).await;
    assert!(body.contains("\"total\"") && body.contains("\"next\""), "{body}");
    browser.screenshot("api-docs-tried").await;
    browser.close().await;
}
