//! WCAG 2.1 A and AA on every page each role reaches, judged by axe-core (npm, pinned in
//! package.json; `npm ci` puts it in node_modules), and no page scrolling sideways at 800 px. The
//! pages are found by following links from the panel, so a page added later is checked without
//! being listed here.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use fantoccini::Locator;
use serde_json::Value;

use crate::driver::Browser;
use crate::helpers::spawn_app;
use crate::sign_in;

/// The most pages of one shape (same path with numbers as N) checked; one is enough.
const SHAPES_PER_ROLE: usize = 80;

fn axe_source() -> String {
    let path = std::env::var("CARELOG_AXE_JS").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/node_modules/axe-core/axe.min.js").to_owned()
    });
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("axe-core is not installed at {path} (run `npm ci`): {e}"))
}

/// A page's shape: its path with every number as N (one patient's record stands for all).
fn shape(path: &str) -> String {
    path.split('/')
        .map(|s| if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) { "N" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// Links worth following: this site's pages, not files, the API or signing out.
fn is_page(path: &str) -> bool {
    let bare = path.split(['?', '#']).next().unwrap_or(path);
    bare.starts_with('/')
        && ![".csv", ".ics", ".837", ".json", ".svg", ".ico"].iter().any(|e| bare.ends_with(e))
        && !["/api/", "/fhir/", "/static/", "/login", "/logout", "/metrics", "/health"]
            .iter()
            .any(|p| bare.starts_with(p))
        && !bare.contains("/template/")
        && !bare.ends_with("/print")
}

/// axe-core's WCAG 2.1 A/AA violations on the page now shown, one line each.
async fn violations(browser: &Browser, axe: &str) -> Vec<String> {
    let c = &browser.client;
    c.execute(axe, vec![]).await.unwrap();
    let script = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
          .then((r) => done(r.violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length}×): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`)))
          .catch((e) => done([`axe failed: ${e}`]));
    "#;
    let found = c.execute_async(script, vec![]).await.unwrap();
    found
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The same-site page links on the page now shown.
async fn links(browser: &Browser) -> Vec<String> {
    let script =
        "return [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href'));";
    let found = browser.client.execute(script, vec![]).await.unwrap();
    found
        .as_array()
        .map(|a| {
            a.iter().filter_map(Value::as_str).filter(|h| is_page(h)).map(str::to_owned).collect()
        })
        .unwrap_or_default()
}

/// Every page shape `username` reaches from the panel, each checked once; violations by page.
async fn check_role(
    base: &str,
    username: &str,
    seeds: &[String],
    axe: &str,
) -> (usize, BTreeMap<String, Vec<String>>) {
    let browser = Browser::start().await;
    sign_in(&browser, base, username).await;
    // The coordinator's pages at a desktop width, the others' at 800 px, where no page may
    // scroll sideways (wide tables scroll in their own box).
    let narrow = username != "coord1";
    if narrow {
        browser.client.set_window_size(800, 900).await.unwrap();
    }
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue: VecDeque<String> =
        ["/panel", "/tasks", "/notifications"].iter().map(|p| p.to_string()).collect();
    queue.extend(seeds.iter().cloned());
    let mut failures = BTreeMap::new();
    while let Some(path) = queue.pop_front() {
        let bare = path.split('#').next().unwrap_or(&path).to_owned();
        if !seen.insert(shape(bare.split('?').next().unwrap_or(&bare)))
            || seen.len() > SHAPES_PER_ROLE
        {
            continue;
        }
        browser.client.goto(&format!("{base}{bare}")).await.unwrap();
        // A page that signs the user out or refuses them is not theirs to check.
        if browser.client.find(Locator::Css("[data-testid=user-name]")).await.is_err() {
            continue;
        }
        let mut found = violations(&browser, axe).await;
        if narrow {
            let script = "return [document.documentElement.scrollWidth, window.innerWidth];";
            let widths = browser.client.execute(script, vec![]).await.unwrap();
            let (scroll, inner) = (widths[0].as_f64().unwrap(), widths[1].as_f64().unwrap());
            if scroll > inner {
                found.push(format!("scrolls sideways at 800 px: {scroll} px wide"));
            }
        }
        if !found.is_empty() {
            failures.insert(format!("{username} {bare}"), found);
        }
        queue.extend(links(&browser).await);
    }
    browser.close().await;
    eprintln!(
        "axe-core checked for {username}: {}",
        seen.iter().cloned().collect::<Vec<_>>().join(" ")
    );
    (seen.len(), failures)
}

#[tokio::test]
async fn every_page_each_role_reaches_passes_axe_core_wcag_21_aa() {
    let app = spawn_app().await;
    let base = app.url("");
    let axe = axe_source();
    // Pages no link leads to at the demo's start: an entry of today's to edit, the changes to
    // closed months, one user's page, one assignment's record.
    let (client, _) = app.sign_in("coord1").await;
    let patient = app.own_patient("coord1").await.to_string();
    let task_type = app.task_type_id("Care Coordination: General").await.to_string();
    let fields = [("patient", patient.as_str()), ("task_type", &task_type), ("minutes", "10")];
    let (status, _) = app.post_form(&client, "/tasks", &fields).await;
    assert_eq!(status, reqwest::StatusCode::OK, "an entry to edit");
    let assignment =
        app.store.scalar_for_test("SELECT MIN(id) AS n FROM assignments", vec![]).await.unwrap();
    let admin_seeds: Vec<String> = vec![
        "/billing/changes".into(),
        "/admin/users/coord1".into(),
        format!("/team/assignments/{assignment}"),
    ];
    let mut failures = BTreeMap::new();
    let mut checked = Vec::new();
    for username in ["coord1", "manager1", "admin"] {
        let seeds = if username == "admin" { admin_seeds.clone() } else { Vec::new() };
        let (pages, found) = check_role(&base, username, &seeds, &axe).await;
        checked.push(format!("{username}: {pages} pages"));
        failures.extend(found);
    }
    // Signed out: the sign-in page.
    let browser = Browser::start().await;
    browser.client.goto(&format!("{base}/login")).await.unwrap();
    let found = violations(&browser, &axe).await;
    if !found.is_empty() {
        failures.insert("signed out /login".into(), found);
    }
    browser.close().await;
    assert!(checked.iter().all(|c| !c.ends_with(": 0 pages")), "{checked:?}");
    let report: Vec<String> =
        failures.iter().map(|(page, v)| format!("{page}\n  {}", v.join("\n  "))).collect();
    assert!(failures.is_empty(), "checked {checked:?}; axe-core found:\n{}", report.join("\n"));
}

#[test]
fn page_shapes_and_links() {
    assert_eq!(shape("/patients/12/history"), "/patients/N/history");
    assert!(is_page("/tasks?date=2026-01-01"));
    assert!(!is_page("/panel/export.csv?mine=1"));
    assert!(!is_page("https://example.com/"));
    assert!(!is_page("/api/v1/patients"));
}
