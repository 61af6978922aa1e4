//! CSV exports: the panel as filtered and the task log by range and coordinator, within the role's reach.

use carelog_domain::ids::UserId;
use carelog_domain::practice_time::{YearMonth, local_date, month_range};
use chrono::Utc;
use reqwest::StatusCode;

use crate::helpers::{spawn_app, table_rows};

const TZ: chrono_tz::Tz = chrono_tz::America::Los_Angeles;

fn csv_ids(csv: &str) -> Vec<i64> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let mut ids: Vec<i64> = reader.records().map(|r| r.unwrap()[0].parse().unwrap()).collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn the_panel_exports_exactly_the_rows_it_shows() {
    let app = spawn_app().await;
    let (coordinator, _) = app.sign_in("coord1").await;
    for query in ["", "?status=Active&sort=minutes&dir=desc", "?mine=0"] {
        let page = coordinator
            .get(app.url(&format!("/panel{query}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut shown: Vec<i64> = table_rows(&page).into_iter().map(|(id, _)| id).collect();
        shown.sort_unstable();
        let csv =
            coordinator.get(app.url(&format!("/panel/export.csv{query}"))).send().await.unwrap();
        assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        assert_eq!(csv_ids(&csv.text().await.unwrap()), shown, "{query}");
    }
    let me = app.user_id("coord1").await;
    let mine = app.store.list_patients(Some(me)).await.unwrap().len();
    let csv = coordinator
        .get(app.url("/panel/export.csv?mine=0"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv_ids(&csv).len(),
        mine,
        "a coordinator's export never widens past their caseload"
    );
    let (manager, _) = app.sign_in("manager1").await;
    let all = manager
        .get(app.url("/panel/export.csv?mine=0"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv_ids(&all).len() as i64,
        app.store.scalar_for_test("SELECT COUNT(*) AS n FROM patients", vec![]).await.unwrap()
    );
    assert_eq!(
        app.store
            .scalar_for_test(
                "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'panel.export'",
                vec![]
            )
            .await
            .unwrap(),
        5
    );
}

#[tokio::test]
async fn the_task_log_exports_by_range_and_coordinator_within_the_role() {
    let app = spawn_app().await;
    let me = app.user_id("coord1").await;
    let other = app.user_id("coord2").await;
    let (coordinator, _) = app.sign_in("coord1").await;
    let phone = app.task_type_id("Communication: Phone").await.to_string();
    let patient = app.own_patient("coord1").await.to_string();
    let (status, _) = app
        .post_form(
            &coordinator,
            "/tasks",
            &[
                ("patient", &patient),
                ("task_type", &phone),
                ("minutes", "10"),
                ("notes", "=HYPERLINK(\"x\")"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let month = month_range(YearMonth::of(local_date(Utc::now(), TZ)), TZ);
    let count = |who: Option<UserId>| {
        let store = app.store.clone();
        async move {
            match who {
                Some(id) => store
                    .scalar_for_test(
                        "SELECT COUNT(*) AS n FROM coordinator_task_log WHERE coordinator_id = $1 AND task_at >= $2 AND task_at < $3",
                        vec![id.into(), month.start.into(), month.end.into()],
                    )
                    .await
                    .unwrap(),
                None => store
                    .scalar_for_test(
                        "SELECT COUNT(*) AS n FROM coordinator_task_log WHERE task_at >= $1 AND task_at < $2",
                        vec![month.start.into(), month.end.into()],
                    )
                    .await
                    .unwrap(),
            }
        }
    };
    let csv =
        coordinator.get(app.url("/tasks/export.csv")).send().await.unwrap().text().await.unwrap();
    assert_eq!(csv_ids(&csv).len() as i64, count(Some(me)).await, "this month, own entries");
    assert!(csv.contains("'=HYPERLINK"), "a formula in notes is defused");
    assert_eq!(
        coordinator
            .get(app.url(&format!("/tasks/export.csv?coordinator={other}")))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let all_as_coordinator = coordinator
        .get(app.url("/tasks/export.csv?coordinator=all"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv_ids(&all_as_coordinator).len() as i64,
        count(Some(me)).await,
        "'all' means their own for a coordinator"
    );

    let (manager, _) = app.sign_in("manager1").await;
    let all = manager
        .get(app.url("/tasks/export.csv?coordinator=all"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv_ids(&all).len() as i64, count(None).await);
    let theirs = manager
        .get(app.url(&format!("/tasks/export.csv?coordinator={other}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv_ids(&theirs).len() as i64, count(Some(other)).await);
    for (query, rule) in [
        ("from=2026-02-30", "From"),
        ("from=2025-01-01&to=2026-06-30", "at most 366 days"),
        ("from=2026-05-02&to=2026-05-01", "after the end"),
    ] {
        let r = manager.get(app.url(&format!("/tasks/export.csv?{query}"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{query}");
        assert!(r.text().await.unwrap().contains(rule), "{query}");
    }
}
