//! A coordinator's working day in Chromium (issue 21): the log first, nothing typed lost to the idle
//! timeout, the task type found by keyboard, the timer started from the panel and shown everywhere.

use fantoccini::Locator;
use fantoccini::key::Key;

use crate::driver::Browser;
use crate::helpers::{spawn_app, spawn_app_with};
use crate::{sign_in, text_of};

/// The page's vertical position of the first element matching `css`.
async fn top_of(browser: &Browser, css: &str) -> f64 {
    let script =
        "return document.querySelector(arguments[0]).getBoundingClientRect().top + window.scrollY;";
    browser.client.execute(script, vec![css.into()]).await.unwrap().as_f64().unwrap()
}

/// Fills Daily Tasks' add form: the patient, the type found by `words`, 10 minutes and `notes`.
async fn fill_add_form(browser: &Browser, patient: &str, words: &str, notes: &str) {
    let c = &browser.client;
    let picker = c.find(Locator::Css("#add select[name=patient]")).await.unwrap();
    picker.select_by_value(patient).await.unwrap();
    crate::choose_task_type(browser, "#add", words).await;
    c.find(Locator::Css("#add input[name=minutes]")).await.unwrap().send_keys("10").await.unwrap();
    let field = c.find(Locator::Css("#add textarea[name=notes]")).await.unwrap();
    field.send_keys(notes).await.unwrap();
}

async fn value_of(browser: &Browser, css: &str) -> String {
    let element = browser.client.find(Locator::Css(css)).await.unwrap();
    element.prop("value").await.unwrap().unwrap_or_default()
}

#[tokio::test]
async fn the_days_log_comes_first_and_the_page_stays_short() {
    let app = spawn_app().await;
    let base = app.url("");
    let browser = Browser::start().await;
    sign_in(&browser, &base, "coord1").await;
    let c = &browser.client;
    c.goto(&format!("{base}/tasks")).await.unwrap();
    let log = top_of(&browser, "[data-testid=day-log]").await;
    let worklist = top_of(&browser, "[data-testid=pending-tasks]").await;
    let needs = top_of(&browser, "[data-testid=needs-time]").await;
    assert!(log < worklist && worklist < needs, "log {log}, worklist {worklist}, needs {needs}");
    let height = c
        .execute("return document.documentElement.scrollHeight;", vec![])
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(height < 3000.0, "Daily Tasks at demo size is {height} px tall");
    let pending = text_of(&browser, "[data-testid=pending-tasks] h2").await;
    assert!(c.find(Locator::Css("[data-testid=pending-next]")).await.is_ok(), "paged: {pending}");
    browser.screenshot("daily-tasks-log-first").await;
    // At 1366×768 the form's Save shows without scrolling.
    c.set_window_size(1366, 768).await.unwrap();
    c.goto(&format!("{base}/tasks")).await.unwrap();
    let script = "const b = document.querySelector('#add button[type=submit]').getBoundingClientRect(); return [b.bottom, window.innerHeight];";
    let fit = c.execute(script, vec![]).await.unwrap();
    let (bottom, height) = (fit[0].as_f64().unwrap(), fit[1].as_f64().unwrap());
    assert!(bottom <= height, "Save ends at {bottom} px of a {height} px window");
    // At 800 px nothing scrolls sideways.
    for page in ["/tasks", "/panel"] {
        c.set_window_size(800, 900).await.unwrap();
        c.goto(&format!("{base}{page}")).await.unwrap();
        let widths = c
            .execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![])
            .await
            .unwrap();
        let (scroll, inner) = (widths[0].as_f64().unwrap(), widths[1].as_f64().unwrap());
        assert!(scroll <= inner, "{page} at 800 px is {scroll} px wide");
    }
    c.set_window_size(1400, 1000).await.unwrap();
    c.goto(&format!("{base}/tasks")).await.unwrap();

    // Saved: the new row is highlighted in the log, with Undo.
    let patient = app.own_patient("coord1").await.to_string();
    fill_add_form(&browser, &patient, "general coordination", "Undo me").await;
    c.find(Locator::Css("#add button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=just-saved]")).await.unwrap();
    assert!(text_of(&browser, "[data-testid=just-saved]").await.contains("Undo me"));
    browser.screenshot("daily-tasks-saved-undo").await;
    c.find(Locator::Css("[data-testid=undo]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=deleted]")).await.unwrap();
    assert!(!text_of(&browser, "[data-testid=day-log]").await.contains("Undo me"));
    browser.close().await;
}

#[tokio::test]
async fn the_task_type_combobox_works_by_keyboard_alone() {
    let app = spawn_app().await;
    let base = app.url("");
    let browser = Browser::start().await;
    sign_in(&browser, &base, "coord1").await;
    let c = &browser.client;
    let patient = app.own_patient("coord1").await;
    // Panel → Add Task: the patient is chosen, so the focus is on the task type.
    c.goto(&format!("{base}/tasks?new_patient={patient}#add")).await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=task-type-combobox]")).await.unwrap();
    let focused =
        c.execute("return document.activeElement.dataset.testid || '';", vec![]).await.unwrap();
    assert_eq!(focused.as_str(), Some("task-type-combobox"), "the task type has the focus");
    let keys = |k: Key| k.to_string();
    let input = c.find(Locator::Css("#add [data-testid=task-type-combobox]")).await.unwrap();
    // Words in any order.
    input.send_keys("phone comm").await.unwrap();
    let options = text_of(&browser, "#add [role=listbox]").await;
    assert!(options.contains("Communication: Phone"), "{options}");
    browser.screenshot("task-type-combobox").await;
    input.send_keys(&keys(Key::Enter)).await.unwrap();
    let phone = app.task_type_id("Communication: Phone").await.to_string();
    assert_eq!(value_of(&browser, "#add select[name=task_type]").await, phone);
    // Tab on to minutes and notes, Ctrl+Enter saves: no mouse anywhere.
    input.send_keys(&keys(Key::Tab)).await.unwrap();
    c.active_element().await.unwrap().send_keys("10").await.unwrap();
    c.find(Locator::Css("#add textarea[name=notes]")).await.unwrap().click().await.unwrap();
    let notes = c.active_element().await.unwrap();
    notes.send_keys("Called about refills").await.unwrap();
    notes.send_keys(&format!("{}{}", keys(Key::Control), keys(Key::Enter))).await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=just-saved]")).await.unwrap();
    let row = text_of(&browser, "[data-testid=just-saved]").await;
    assert!(row.contains("Communication: Phone") && row.contains("10"), "{row}");

    // Next time, the type just used comes first, marked recent.
    c.goto(&format!("{base}/tasks?new_patient={patient}#add")).await.unwrap();
    let input = c.find(Locator::Css("#add [data-testid=task-type-combobox]")).await.unwrap();
    input.send_keys(&keys(Key::Down)).await.unwrap();
    let first = text_of(&browser, "#add [role=listbox] [role=option]").await;
    assert!(first.starts_with("Communication: Phone") && first.contains("recent"), "{first}");
    // Escape closes the list and leaves the choice alone.
    input.send_keys(&keys(Key::Escape)).await.unwrap();
    let expanded = input.attr("aria-expanded").await.unwrap();
    assert_eq!(expanded.as_deref(), Some("false"));
    browser.close().await;
}

#[tokio::test]
async fn an_entry_typed_when_the_session_expires_is_restored_after_signing_in() {
    let app = spawn_app().await;
    let base = app.url("");
    let browser = Browser::start().await;
    sign_in(&browser, &base, "coord1").await;
    let c = &browser.client;
    let patient = app.own_patient("coord1").await.to_string();
    c.goto(&format!("{base}/tasks")).await.unwrap();
    let notes = "Long call with daughter about the new inhaler schedule";
    fill_add_form(&browser, &patient, "care coordination general", notes).await;
    // The coffee break: the session ages past the idle timeout.
    app.age_sessions("coord1", chrono::Duration::minutes(20)).await;
    let before = app.entry_count("coord1").await;
    c.find(Locator::Css("#add button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("input[name=username]")).await.unwrap();
    assert!(c.current_url().await.unwrap().as_str().contains("expired=1"));
    assert_eq!(app.entry_count("coord1").await, before, "nothing saved without a session");
    browser.screenshot("draft-session-expired").await;
    c.find(Locator::Css("input[name=username]")).await.unwrap().send_keys("coord1").await.unwrap();
    c.find(Locator::Css("input[name=password]")).await.unwrap().send_keys("demo").await.unwrap();
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    // Back on Daily Tasks with the entry as it was typed.
    c.wait().for_element(Locator::Css("[data-testid=draft-restored]")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().starts_with("/tasks"));
    assert_eq!(value_of(&browser, "#add textarea[name=notes]").await, notes);
    assert_eq!(value_of(&browser, "#add input[name=minutes]").await, "10");
    assert_eq!(value_of(&browser, "#add select[name=patient]").await, patient);
    let general = app.task_type_id("Care Coordination: General").await.to_string();
    assert_eq!(value_of(&browser, "#add select[name=task_type]").await, general);
    browser.screenshot("draft-restored").await;
    // A form filled in on purpose (Panel → Add Task) is a new entry: the draft waits.
    c.goto(&format!("{base}/tasks?new_patient={patient}#add")).await.unwrap();
    c.wait().for_element(Locator::Css("#add")).await.unwrap();
    assert!(c.find(Locator::Css("[data-testid=draft-restored]")).await.is_err());
    c.goto(&format!("{base}/tasks")).await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=draft-restored]")).await.unwrap();
    c.find(Locator::Css("#add button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=just-saved]")).await.unwrap();
    assert_eq!(app.entry_count("coord1").await, before + 1);
    // Saved: the draft is gone.
    c.goto(&format!("{base}/tasks")).await.unwrap();
    c.wait().for_element(Locator::Css("#add")).await.unwrap();
    assert!(c.find(Locator::Css("[data-testid=draft-restored]")).await.is_err());
    assert_eq!(value_of(&browser, "#add textarea[name=notes]").await, "");
    browser.close().await;
}

#[tokio::test]
async fn two_minutes_before_the_idle_timeout_a_prompt_keeps_the_session() {
    // A practice's shortest idle timeout would make a slow test; 130 seconds puts the prompt 10 s in.
    let app = spawn_app_with(|config| config.session_idle = chrono::Duration::seconds(130)).await;
    let base = app.url("");
    let browser = Browser::start().await;
    sign_in(&browser, &base, "coord1").await;
    let c = &browser.client;
    c.goto(&format!("{base}/panel")).await.unwrap();
    let me = app.user_id("coord1").await;
    let last_seen = || async {
        app.store
            .scalar_for_test(
                "SELECT COUNT(*) AS n FROM sessions WHERE user_id = $1 AND last_seen_at > $2",
                vec![me.into(), (chrono::Utc::now() - chrono::Duration::seconds(5)).into()],
            )
            .await
            .unwrap()
    };
    let prompt = Locator::Css("[data-testid=idle-prompt]:not([hidden])");
    c.wait().at_most(std::time::Duration::from_secs(30)).for_element(prompt).await.unwrap();
    assert!(text_of(&browser, "[data-testid=idle-prompt]").await.contains("signed out at"));
    browser.screenshot("idle-prompt").await;
    // The button has the focus: Enter is enough.
    let focused = c.active_element().await.unwrap();
    assert_eq!(focused.text().await.unwrap(), "Stay signed in");
    // Session touches are written at most once a minute: make this one due.
    app.age_sessions("coord1", chrono::Duration::seconds(90)).await;
    focused.send_keys(&Key::Enter.to_string()).await.unwrap();
    for _ in 0..50 {
        if last_seen().await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(last_seen().await, 1, "Stay signed in reached the server");
    assert!(c.find(prompt).await.is_err(), "the prompt closed");
    browser.close().await;
}

#[tokio::test]
async fn a_timer_started_from_the_panel_shows_on_every_page() {
    let app = spawn_app().await;
    let base = app.url("");
    let browser = Browser::start().await;
    // A manager's header is the longest (role, practice figures); a common laptop's width.
    sign_in(&browser, &base, "manager1").await;
    browser.client.set_window_size(1280, 900).await.unwrap();
    let c = &browser.client;
    c.goto(&format!("{base}/panel")).await.unwrap();
    c.find(Locator::Css("[data-testid=row-timer]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("[data-testid=header-timer]")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().starts_with("/panel"), "stays on the panel");
    let badge = text_of(&browser, "[data-testid=header-timer]").await;
    assert!(badge.contains(':'), "a ticking clock and the patient: {badge}");
    browser.screenshot("panel-timer-running").await;
    // The header's items stay on one line: their vertical centres within a few pixels.
    let spread =
        "const items = [...document.querySelectorAll('.topline .brand, .topline .who > *')]
        .filter(e => e.offsetParent !== null)
        .map(e => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; });
        return Math.max(...items) - Math.min(...items);";
    for page in ["/tasks", "/notifications", "/account/sessions", "/team"] {
        c.goto(&format!("{base}{page}")).await.unwrap();
        assert!(c.find(Locator::Css("[data-testid=header-timer]")).await.is_ok(), "{page}");
        let off_line = c.execute(spread, vec![]).await.unwrap().as_f64().unwrap_or(f64::MAX);
        assert!(off_line <= 4.0, "{page}: the header wraps ({off_line:.0} px between items)");
    }
    browser.close().await;
}
