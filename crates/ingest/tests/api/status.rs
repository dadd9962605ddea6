//! The read side (contract §3): a row by id, the partner's rows page by page, the account
//! view; each partner sees only its own.

use crate::helpers::*;
use serde_json::{Value, json};
use std::time::Duration;

async fn post(app: &TestApp, records: Vec<Value>) -> Value {
    let response = app.post_json(&batch(records)).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn as_other_partner(app: &TestApp, path: &str) -> u16 {
    app.as_other_partner(reqwest::Method::GET, path)
        .await
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_row_is_queued_from_the_moment_its_200_is_sent_and_only_its_partner_sees_it() {
    let app = TestApp::spawn().await;
    let answer = post(&app, vec![record("ext-1")]).await;
    let row = &answer["data"][0];
    let path = format!("/api/v1/billing/{}", row["id"].as_str().unwrap());
    let (status, body) = app.get_json(&path).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"id": row["id"], "externalId": "ext-1", "status": "queued", "createdAt": row["createdAt"]})
    );

    assert_eq!(
        as_other_partner(&app, &path).await,
        404,
        "a foreign id is 404"
    );
    assert_eq!(app.get_json("/api/v1/billing/not-a-uuid").await.0, 404);
    assert_eq!(
        app.get_json(&format!("/api/v1/billing/{}", uuid::Uuid::now_v7()))
            .await
            .0,
        404
    );
    let unauthenticated = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(unauthenticated.status(), 401);
}

#[tokio::test]
async fn the_list_pages_newest_first_and_filters() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for records in [
        vec![record("a"), record("b")],
        vec![record("c")],
        vec![record("a"), record("d")],
    ] {
        let answer = post(&app, records).await;
        ids.extend(
            answer["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned()),
        );
    }
    ids.reverse(); // newest first

    let mut seen = Vec::new();
    let mut path = "/api/v1/billing?limit=2".to_owned();
    loop {
        let (status, page) = app.get_json(&path).await;
        assert_eq!(status, 200, "{page}");
        let rows = page["data"].as_array().unwrap();
        assert!(rows.len() <= 2);
        seen.extend(rows.iter().map(|r| r["id"].as_str().unwrap().to_owned()));
        match page["nextCursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/billing?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ids);

    let (_, page) = app.get_json("/api/v1/billing?externalId=a").await;
    let external: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["externalId"].as_str().unwrap())
        .collect();
    assert_eq!(external, vec!["a", "a"]);
    let (_, page) = app.get_json("/api/v1/billing?status=queued").await;
    assert_eq!(page["data"].as_array().unwrap().len(), 5);
    let (_, page) = app.get_json("/api/v1/billing?status=applied").await;
    assert!(page["data"].as_array().unwrap().is_empty());
    let (_, page) = app.get_json("/api/v1/billing?since=2099-01-01").await;
    assert!(page["data"].as_array().unwrap().is_empty());

    for (query, status, source, code) in [
        ("status=done", 400, "status", "invalid_type"),
        ("limit=0", 400, "limit", "invalid_type"),
        ("limit=x", 400, "limit", "invalid_type"),
        ("cursor=zzz", 400, "cursor", "invalid_type"),
        ("since=2024-02-30", 422, "since", "invalid_date"),
    ] {
        let (errors_status, errors) =
            errors_of(app.get(&format!("/api/v1/billing?{query}")).await).await;
        assert_eq!(
            (errors_status, errors),
            (status, vec![pair(source, code)]),
            "{query}"
        );
    }
    assert_eq!(as_other_partner(&app, "/api/v1/billing").await, 200);
}

#[tokio::test]
async fn the_account_view_shows_applied_state_and_counts_queued_rows() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.get_json("/api/v1/accounts/50000000000").await.0,
        404,
        "no applied view yet"
    );
    let processor = app.spawn_processor().await;
    let mut blocked = record("ext-1");
    blocked["blockReason"] = json!("Долг");
    blocked["finishedAt"] = json!("2030-12-31");
    post(&app, vec![blocked]).await;
    app.wait_processed(1, Duration::from_secs(30)).await;
    processor.stop().await;
    post(&app, vec![record("ext-2")]).await;

    let (status, view) = app
        .get_json("/api/v1/accounts/50000000000?asOf=2026-01-01T00:00:00Z")
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["accountId"], "50000000000");
    assert_eq!(view["queued"], 1);
    let records = view["records"].as_array().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["externalId"], "ext-1");
    assert_eq!(records[0]["apartment"], "12А");
    let products = records[0]["products"].as_array().unwrap();
    assert_eq!(products.len(), 2);
    assert_eq!(products[0]["code"], "base");
    assert_eq!(products[0]["state"], "blocked");
    assert_eq!(products[0]["blockReason"], "Долг");
    assert_eq!(products[0]["startedAt"], "2024-02-29T21:00:00.000Z");
    assert_eq!(products[0]["finishedAt"], "2030-12-31T21:00:00.000Z");
    for personal in ["msisdn", "email", "firstName", "lastName"] {
        assert!(!view.to_string().contains(personal), "{view}");
    }

    let (_, later) = app
        .get_json("/api/v1/accounts/50000000000?asOf=2031-01-01T00:00:00Z")
        .await;
    assert_eq!(later["records"][0]["products"][0]["state"], "finished");
    let (_, earlier) = app
        .get_json("/api/v1/accounts/50000000000?asOf=2024-01-01")
        .await;
    assert_eq!(earlier["records"][0]["products"][0]["state"], "scheduled");

    let (status, errors) =
        errors_of(app.get("/api/v1/accounts/50000000000?asOf=yesterday").await).await;
    assert_eq!((status, errors), (422, vec![pair("asOf", "invalid_date")]));
    assert_eq!(
        as_other_partner(&app, "/api/v1/accounts/50000000000").await,
        404
    );
}

#[tokio::test]
async fn a_nul_in_a_path_or_query_is_an_answer_not_a_store_error() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get_json("/api/v1/accounts/%00").await.0, 404);
    assert_eq!(app.get_json("/api/v1/accounts/50000000001%00").await.0, 404);
    let (status, errors) = errors_of(app.get("/api/v1/billing?externalId=%00").await).await;
    assert_eq!(
        (status, errors),
        (400, vec![pair("externalId", "invalid_type")])
    );
}
