//! Both sample batches: every row applied, the account views right, exactly the events the
//! samples' README lists.

use billing_testkit::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);
/// The samples' README describes the states on a day between 2025-06-30 and 2030-01-01.
const AS_OF: &str = "2026-12-01T00:00:00Z";

async fn states_by_record(app: &TestApp, body: &Value) -> BTreeMap<String, String> {
    let mut accounts: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["accountId"].as_str().unwrap())
        .collect();
    accounts.sort();
    accounts.dedup();
    let mut states = BTreeMap::new();
    for account in accounts {
        let (status, view) = app
            .get_json(&format!("/api/v1/accounts/{account}?asOf={AS_OF}"))
            .await;
        assert_eq!(status, 200, "{account}: {view}");
        assert_eq!(view["queued"], 0);
        for record in view["records"].as_array().unwrap() {
            let products = record["products"].as_array().unwrap();
            let state = products[0]["state"].as_str().unwrap().to_owned();
            assert!(
                products.iter().all(|p| p["state"] == state.as_str()),
                "one state per record: {record}"
            );
            states.insert(record["externalId"].as_str().unwrap().to_owned(), state);
        }
    }
    states
}

fn tally(states: &BTreeMap<String, String>) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for state in states.values() {
        *counts.entry(state.as_str()).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn both_samples_apply_with_the_right_states_and_exactly_the_listed_events() {
    let app = TestApp::spawn().await;
    let tap = app.tap_events().await;
    let _processor = app.spawn_processor().await;

    let first = sample("batch-500.json");
    assert_eq!(app.post_json(&first).await.status(), 200);
    let counts = app.wait_processed(500, WAIT).await;
    assert_eq!(counts, BTreeMap::from([("applied".to_owned(), 500)]));

    let states = states_by_record(&app, &first).await;
    assert_eq!(states.len(), 500, "every record is in its account's view");
    assert_eq!(
        tally(&states),
        BTreeMap::from([
            ("active", 425),
            ("blocked", 25),
            ("finished", 25),
            ("scheduled", 25)
        ])
    );

    // Every product of every record was activated once, and relayed.
    let products: usize = first["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["productCodes"].as_array().unwrap().len())
        .sum();
    assert_eq!(app.wait_relayed(WAIT).await, products as i64);
    let events = tap.take().await;
    assert_eq!(events.len(), products);
    assert!(events.iter().all(|e| e["type"] == "product.activated"));
    for event in &events {
        for personal in [
            "msisdn",
            "email",
            "firstName",
            "lastName",
            "midName",
            "address",
        ] {
            assert!(event.get(personal).is_none(), "{event}");
        }
    }

    let update = sample("batch-update.json");
    let response = app.post_json(&update).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    app.wait_processed(505, WAIT).await;
    assert_eq!(app.wait_relayed(WAIT).await, products as i64 + 6);
    let mut got: Vec<(String, String, String)> = tap
        .take()
        .await
        .iter()
        .map(|e| {
            (
                e["externalId"].as_str().unwrap().into(),
                e["type"].as_str().unwrap().into(),
                e["productCode"].as_str().unwrap().into(),
            )
        })
        .collect();
    got.sort();
    let expected = vec![
        ("LS-1000000-02", "product.activated", "gate"),
        ("LS-1000000-02", "product.deactivated", "video"),
        ("LS-1000001-01", "product.blocked", "archive"),
        ("LS-1000001-01", "product.blocked", "base"),
        ("LS-1000001-01", "product.blocked", "intercoms"),
        ("LS-1000002-01", "product.rescheduled", "video"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .into_iter()
        .map(|(a, b, c)| (a.into(), b.into(), c.into()))
        .collect();
    assert_eq!(got, expected);

    // All five rows applied, the unchanged two included.
    for row in answer["data"].as_array().unwrap() {
        let (status, body) = app
            .get_json(&format!("/api/v1/billing/{}", row["id"].as_str().unwrap()))
            .await;
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("applied")),
            "{body}"
        );
        assert!(body["processedAt"].is_string());
    }

    // The changed services, as the account views show them now.
    let after = states_by_record(&app, &update).await;
    assert_eq!(after["LS-1000001-01"], "blocked");
    assert_eq!(after["LS-1000002-01"], "active");
    let (_, view) = app
        .get_json(&format!("/api/v1/accounts/50000000000?asOf={AS_OF}"))
        .await;
    let link = view["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["externalId"] == "LS-1000000-02")
        .unwrap();
    let codes: Vec<&str> = link["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        vec!["base", "gate"],
        "a dropped product is not listed"
    );
    let (_, view) = app
        .get_json(&format!("/api/v1/accounts/50000000002?asOf={AS_OF}"))
        .await;
    assert_eq!(
        view["records"][0]["products"][0]["finishedAt"],
        "2027-03-31T21:00:00.000Z"
    );
    let (_, later) = app
        .get_json("/api/v1/accounts/50000000002?asOf=2027-04-01T00:00:00%2B03:00")
        .await;
    assert_eq!(
        later["records"][0]["products"][0]["state"], "finished",
        "asOf answers what holds on that day"
    );
}

#[tokio::test]
async fn two_processors_at_once_apply_every_row_exactly_once() {
    let app = TestApp::spawn().await;
    let body = sample("batch-500.json");
    assert_eq!(app.post_json(&body).await.status(), 200);
    let small_groups = |s: &mut billing_processor::Settings| {
        s.prefetch = 20;
        s.apply_group = 10;
    };
    let _one = app.spawn_processor_with(small_groups).await;
    let _two = app.spawn_processor_with(small_groups).await;
    let counts = app.wait_processed(500, WAIT).await;
    assert_eq!(counts, BTreeMap::from([("applied".to_owned(), 500)]));
    app.assert_each_product_activated_once(&body).await;
    let links: i64 = sqlx::query_scalar("select count(*) from links")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(links, 500);
}
