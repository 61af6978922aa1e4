//! The Patient Panel's filters and sorts, checked against the data behind them.

use reqwest::StatusCode;

use crate::helpers::{spawn_app, table_rows};

#[tokio::test]
async fn every_filter_narrows_the_panel_to_matching_patients() {
    let app = spawn_app().await;
    let (manager, _) = app.sign_in("manager1").await;
    let all = app.store.list_patients(None).await.unwrap();
    let get = |query: String| {
        let manager = manager.clone();
        let url = app.url(&format!("/panel?mine=0&{query}"));
        async move { table_rows(&manager.get(url).send().await.unwrap().text().await.unwrap()) }
    };
    let everyone = get(String::new()).await;
    assert_eq!(everyone.len(), all.len());

    for status in ["Active", "Inactive", "Deceased"] {
        let rows = get(format!("status={status}")).await;
        let expected = all.iter().filter(|p| p.status.as_str() == status).count();
        assert_eq!(rows.len(), expected, "status {status}");
    }
    let open = get("gaps=Open".into()).await;
    assert!(
        !open.is_empty() && open.iter().all(|(_, cells)| cells[7] != "0"),
        "open care gaps have an open gap"
    );
    for (visit, label) in [("overdue", "Overdue"), ("due-soon", "Due soon"), ("current", "Current")]
    {
        let rows = get(format!("visit={visit}")).await;
        assert!(rows.iter().all(|(_, c)| c[4].starts_with(label)), "{visit}");
        assert!(everyone.iter().filter(|(_, c)| c[4].starts_with(label)).count() == rows.len());
    }
    let facility = app.store.facilities().await.unwrap().remove(0);
    let rows = get(format!("facility={}", facility.id)).await;
    assert_eq!(
        rows.len(),
        all.iter().filter(|p| p.facility.as_deref() == Some(facility.name.as_str())).count()
    );
    let provider = app.store.providers().await.unwrap().remove(0);
    let rows = get(format!("provider={}", provider.id)).await;
    assert_eq!(
        rows.len(),
        all.iter().filter(|p| p.provider.as_deref() == Some(provider.name.as_str())).count()
    );
    let mut banded = 0;
    for band in ["low", "medium", "high"] {
        let rows = get(format!("completion={band}")).await;
        for (_, c) in &rows {
            let (done, total) = c[5]
                .split_once('/')
                .map(|(d, t)| (d.parse::<i64>().unwrap(), t.parse::<i64>().unwrap()))
                .unwrap();
            let percent = done * 100 / total;
            assert!(
                match band {
                    "low" => percent < 50,
                    "medium" => (50..=80).contains(&percent),
                    _ => percent > 80,
                },
                "{band}: {done}/{total}"
            );
        }
        banded += rows.len();
    }
    assert_eq!(
        banded,
        everyone.iter().filter(|(_, c)| c[5] != "—").count(),
        "every patient with tasks is in one band"
    );
    let one = &all[3];
    let by_chart = get(format!("q={}", one.chart_code.to_lowercase())).await;
    assert_eq!(by_chart.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![one.id.get()]);
    let surname = one.name.split(',').next().unwrap().to_lowercase();
    let by_name = get(format!("q={surname}")).await;
    assert!(
        by_name.iter().any(|(id, _)| *id == one.id.get())
            && by_name.iter().all(|(_, c)| c[0].to_lowercase().contains(&surname))
    );
    // First name first, or "last, first": both find the patient (issue 21).
    let (last, first) = one.name.split_once(", ").unwrap();
    for q in [format!("{first} {last}"), format!("{last}, {first}")] {
        let found = get(format!("q={}", q.replace(' ', "+").replace(',', "%2C"))).await;
        assert!(found.iter().any(|(id, _)| *id == one.id.get()), "{q}");
    }
    // Wildcards match themselves, not everyone.
    for q in ["%25", "_", "%25%25"] {
        assert!(get(format!("q={q}")).await.is_empty(), "{q}");
    }
}

#[tokio::test]
async fn every_column_sorts_both_ways() {
    let app = spawn_app().await;
    let (manager, _) = app.sign_in("manager1").await;
    // Column positions with the Coordinator column shown (all patients).
    let columns = [
        ("name", 0),
        ("chart", 1),
        ("last_visit", 3),
        ("next_due", 4),
        ("tasks", 5),
        ("minutes", 6),
        ("gaps", 7),
    ];
    let key = |column: usize, text: &str| -> (i64, String) {
        match column {
            5 => text
                .split_once('/')
                .map(|(d, t)| {
                    (d.parse::<i64>().unwrap() * 100 / t.parse::<i64>().unwrap(), String::new())
                })
                .unwrap_or((-1, String::new())),
            6 | 7 => (text.split_whitespace().next().unwrap().parse().unwrap(), String::new()),
            3 => (0, if text == "Never" { String::new() } else { text.to_owned() }),
            4 => (
                0,
                text.rsplit(' ')
                    .next()
                    .map(|d| if d == "Now" { String::new() } else { d.to_owned() })
                    .unwrap_or_default(),
            ),
            _ => (0, text.to_owned()),
        }
    };
    for (sort, column) in columns {
        for dir in ["", "desc"] {
            let page = manager
                .get(app.url(&format!("/panel?mine=0&sort={sort}&dir={dir}")))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let values: Vec<(i64, String)> =
                table_rows(&page).iter().map(|(_, c)| key(column, &c[column])).collect();
            assert!(values.len() > 10);
            let ordered =
                values.windows(2).all(|w| if dir == "desc" { w[0] >= w[1] } else { w[0] <= w[1] });
            assert!(ordered, "sort={sort} dir={dir}: {values:?}");
        }
    }
}

#[tokio::test]
async fn a_bad_filter_value_names_the_rule() {
    let app = spawn_app().await;
    let (client, _) = app.sign_in("coord1").await;
    for (query, message) in [
        ("status=Gone", "is not one of Active, Inactive, Deceased"),
        ("visit=late", "is not overdue, due-soon or current"),
        ("completion=most", "is not low, medium or high"),
        ("facility=abc", "is not one of the listed choices"),
    ] {
        let r = client.get(app.url(&format!("/panel?{query}"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{query}");
        assert!(r.text().await.unwrap().contains(message), "{query}");
    }
}
