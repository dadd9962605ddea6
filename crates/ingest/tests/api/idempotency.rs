//! `Idempotency-Key` (contract §3): replay, reuse with another body, a request still running.

use crate::helpers::*;
use serde_json::{Value, json};

async fn post_with_key(app: &TestApp, key: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/billing"))
        .basic_auth(&app.username, Some(&app.password))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retry_with_the_same_key_and_body_gets_the_first_answer_and_publishes_nothing_again() {
    let app = TestApp::spawn().await;
    let body = batch(vec![record("ext-1"), record("ext-2")]);
    let first = post_with_key(&app, "batch-2026-12-03-1", &body).await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    let again = post_with_key(&app, "batch-2026-12-03-1", &body).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again, first);
    assert_eq!(app.queued_messages().await, 2);
    assert_eq!(app.status_rows().await.len(), 2);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_refused() {
    let app = TestApp::spawn().await;
    assert_eq!(
        post_with_key(&app, "k1", &batch(vec![record("ext-1")]))
            .await
            .status(),
        200
    );
    let (status, errors) =
        errors_of(post_with_key(&app, "k1", &batch(vec![record("ext-2")])).await).await;
    assert_eq!(
        (status, errors),
        (422, vec![pair("", "idempotency_key_reused")])
    );
}

#[tokio::test]
async fn a_key_still_in_flight_is_409() {
    let app = TestApp::spawn().await;
    let body = batch(vec![record("ext-1")]);
    let bytes = serde_json::to_vec(&body).unwrap();
    sqlx::query(
        "insert into idempotency_keys (partner_id, key, request_sha256, state)
         select id, 'k1', sha256($1), 'in_flight' from partners where name = 'acme'",
    )
    .bind(&bytes)
    .execute(&app.db)
    .await
    .unwrap();
    let response = app
        .client
        .post(app.url("/api/v1/billing"))
        .basic_auth(&app.username, Some(&app.password))
        .header("Idempotency-Key", "k1")
        .header("Content-Type", "application/json")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let (status, errors) = errors_of(response).await;
    assert_eq!(
        (status, errors),
        (409, vec![pair("", "idempotency_key_in_flight")])
    );
    assert_eq!(app.queued_messages().await, 0);
}

#[tokio::test]
async fn a_failed_request_releases_its_key_and_keys_are_per_partner() {
    let app = TestApp::spawn().await;
    let invalid = batch(vec![with("msisdn", json!("123"))]);
    assert_eq!(post_with_key(&app, "k1", &invalid).await.status(), 422);
    assert_eq!(
        post_with_key(&app, "k1", &batch(vec![record("ext-1")]))
            .await
            .status(),
        200
    );

    let response = app
        .as_other_partner(reqwest::Method::POST, "/api/v1/billing")
        .await
        .header("Idempotency-Key", "k1")
        .json(&batch(vec![record("ext-9")]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        200,
        "another partner's key of the same name is its own"
    );
}

#[tokio::test]
async fn a_key_over_64_characters_is_refused() {
    let app = TestApp::spawn().await;
    let (status, errors) =
        errors_of(post_with_key(&app, &"k".repeat(65), &batch(vec![record("ext-1")])).await).await;
    assert_eq!((status, errors), (422, vec![pair("", "too_long")]));
}

#[tokio::test]
async fn a_key_with_a_control_character_is_refused() {
    let app = TestApp::spawn().await;
    let (status, errors) =
        errors_of(post_with_key(&app, "a\tb", &batch(vec![record("ext-1")])).await).await;
    assert_eq!((status, errors), (400, vec![pair("", "invalid_type")]));
}
