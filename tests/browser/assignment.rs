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
    // Issue 22: the quality charts' labels read at 11 px or more at the size they are drawn, at
    // a wide and a narrow window.
    for width in [1400, 800] {
        c.set_window_size(width, 900).await.unwrap();
        c.goto(&format!("{base}/team/quality")).await.unwrap();
        c.wait().for_element(Locator::Css(".line-chart text")).await.unwrap();
        let smallest = c
            .execute(
                "return Math.min(...[...document.querySelectorAll('svg.line-chart')].flatMap(svg => {
                   const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                   return [...svg.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('font-size')) * scale);
                 }))",
                vec![],
            )
            .await
            .unwrap()
            .as_f64()
            .unwrap();
        assert!(smallest >= 11.0, "chart labels at {width} px drawn at {smallest:.1} px");
    }
    browser.close().await;
}

/// The recommendable cards on an assign page, best first: (coordinator id, match score, experience).
fn ranked_cards(page: &str) -> Vec<(i64, i64, i64)> {
    page.split("<label class=\"card coordinator-card")
        .skip(1)
        .filter(|card| !card.split('"').next().unwrap_or_default().contains("not-recommendable"))
        .filter_map(|card| {
            let number_after = |marker: &str| -> Option<i64> {
                let rest = card.split(marker).nth(1)?;
                rest.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok()
            };
            Some((
                number_after("data-coordinator=\"")?,
                number_after("Match Score: ")?,
                number_after("<span title=\"Experience\">Experience ")?,
            ))
        })
        .collect()
}

/// Issue 22, done when: three poor QA reviews lower a coordinator's experience part and rank on the
/// assign page. The practice starts with no reviews (every rating the neutral 3), so the three are the
/// coordinator's whole record: rating 1 takes 20 points off experience, 4 off the match score, which is
/// more than the gap (at most 2, as shown) to the coordinator ranked next.
#[tokio::test]
async fn three_poor_reviews_lower_a_coordinators_experience_and_rank() {
    let app = spawn_app().await;
    app.store.exec_for_test("DELETE FROM qa_reviews", Vec::new()).await.unwrap();
    let base = app.url("");
    let browser = Browser::start().await;
    let c = &browser.client;
    sign_in(&browser, &base, "manager1").await;
    c.goto(&format!("{base}/team")).await.unwrap();
    let queue = c.source().await.unwrap();
    let patients: Vec<String> = queue
        .split("href=\"/team/assign/")
        .skip(1)
        .filter_map(|s| s.split('"').next().map(str::to_owned))
        .collect();
    let mut chosen = None;
    for patient in patients.iter().take(8) {
        c.goto(&format!("{base}/team/assign/{patient}")).await.unwrap();
        let cards = ranked_cards(&c.source().await.unwrap());
        if let Some(i) = cards.windows(2).position(|w| w[0].1 - w[1].1 <= 2) {
            chosen = Some((patient.clone(), cards[i], cards[i + 1].0));
            break;
        }
    }
    let (patient, (coordinator, score, experience), next) =
        chosen.expect("a queued patient with two coordinators ranked within 2 points");
    browser.screenshot("experience-before").await;

    c.goto(&format!("{base}/team/quality/review?coordinator={coordinator}")).await.unwrap();
    for _ in 0..3 {
        c.wait().for_element(Locator::Css("form[data-entry]")).await.unwrap();
        let form = c.find(Locator::Css("form[data-entry]")).await.unwrap();
        form.find(Locator::Css("input[name=accurate][value=no]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        form.find(Locator::Css("select[name=rating]"))
            .await
            .unwrap()
            .select_by_value("1")
            .await
            .unwrap();
        form.find(Locator::Css("input[name=notes]"))
            .await
            .unwrap()
            .send_keys("Notes do not say what was done")
            .await
            .unwrap();
        form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
        c.wait().for_element(Locator::Css("p.notice[role=status]")).await.unwrap();
    }

    c.goto(&format!("{base}/team/assign/{patient}")).await.unwrap();
    let page = c.source().await.unwrap();
    browser.screenshot("experience-after").await;
    let cards = ranked_cards(&page);
    let rank = |id: i64| cards.iter().position(|card| card.0 == id).unwrap();
    let (_, score_after, experience_after) = cards[rank(coordinator)];
    assert_eq!(experience_after, experience - 20, "rating 3 → 1 is 20 points of experience");
    assert!(score_after < score, "the match score fell: {score} → {score_after}");
    assert!(rank(coordinator) > rank(next), "they now rank below the coordinator who was next");
    assert!(page.contains("rating 1.0/5 (10)"), "the card shows the new rating and its points");
    browser.close().await;
}

/// Issue 22, teams: an admin sets a coordinator's manager on their profile, switches Tab 3 to that
/// manager's team and sees its cards alone; that manager then sees the same team.
#[tokio::test]
async fn an_admin_gives_a_coordinator_a_manager_and_switches_to_their_team() {
    let app = spawn_app().await;
    let base = app.url("");
    let manager2 =
        app.add_person("manager2", "Morgan Vale", carelog_domain::role::Role::Manager).await;
    let coord1 = app.user_id("coord1").await;
    let browser = Browser::start().await;
    let c = &browser.client;
    sign_in(&browser, &base, "admin").await;
    c.goto(&format!("{base}/team/coordinators/{coord1}")).await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=manager-form]")).await.unwrap();
    c.find(Locator::Css(&format!("select[name=manager] option[value='{manager2}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.screenshot("profile-manager").await;
    c.find(Locator::Css("[data-testid=manager-form] button")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=saved]")).await.unwrap();
    let manager =
        c.find(Locator::Css("[data-testid=manager]")).await.unwrap().text().await.unwrap();
    assert_eq!(manager, "Morgan Vale");

    c.goto(&format!("{base}/team?priority=High")).await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=team-switch]")).await.unwrap();
    c.find(Locator::Css(&format!("select[name=team] option[value='{manager2}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("[data-testid=team-switch] button")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=workload]")).await.unwrap();
    let url = c.current_url().await.unwrap();
    assert!(url.as_str().contains("priority=High"), "the queue's filter kept: {url}");
    let name = c.find(Locator::Css("[data-testid=team-name]")).await.unwrap().text().await.unwrap();
    assert!(name.starts_with("Morgan Vale's team · 2 people"), "{name}");
    let cards = c.find_all(Locator::Css(".workload-card")).await.unwrap();
    assert_eq!(cards.len(), 2, "Morgan and coord1");
    browser.screenshot("team-switched").await;
    sign_out(&browser).await;

    sign_in(&browser, &base, "manager2").await;
    c.goto(&format!("{base}/team#workload")).await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=team-name]")).await.unwrap();
    let cards = c.find_all(Locator::Css(".workload-card")).await.unwrap();
    assert_eq!(cards.len(), 2);
    assert!(c.find_all(Locator::Css("[data-testid=team-switch]")).await.unwrap().is_empty());
    browser.close().await;
}
