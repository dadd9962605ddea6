//! Order and duplicates, decided in the database: an older record never replaces a newer one,
//! and the same message twice changes nothing.

use billing_testkit::*;
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// Posts `records` one batch each (no processor running) and returns their messages, oldest first.
async fn queued_versions(
    app: &TestApp,
    records: Vec<Value>,
) -> Vec<(lapin::BasicProperties, Value)> {
    for r in records {
        assert_eq!(app.post_json(&batch(vec![r])).await.status(), 200);
    }
    app.take_messages().await
}

fn raw(message: &(lapin::BasicProperties, Value)) -> (Vec<u8>, lapin::BasicProperties) {
    (serde_json::to_vec(&message.1).unwrap(), message.0.clone())
}

async fn link_record_id(app: &TestApp, external_id: &str) -> uuid::Uuid {
    sqlx::query_scalar("select record_id from links where external_id = $1")
        .bind(external_id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_older_record_applied_after_a_newer_one_is_superseded_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let older = with("productCodes", json!(["base"]));
    let newer = with("productCodes", json!(["base", "gate"]));
    let versions = queued_versions(&app, vec![older, newer]).await;
    let (older_id, newer_id) = (
        versions[0].1["id"].as_str().unwrap().to_owned(),
        versions[1].1["id"].as_str().unwrap().to_owned(),
    );
    let _processor = app.spawn_processor().await;

    publish_raw(&app.broker.topology, vec![raw(&versions[1])]).await;
    app.wait_status(&newer_id, "applied").await;
    let events_before: i64 = sqlx::query_scalar("select count(*) from outbox_events")
        .fetch_one(&app.db)
        .await
        .unwrap();

    publish_raw(&app.broker.topology, vec![raw(&versions[0])]).await;
    let status = app.wait_status(&older_id, "superseded").await;
    assert_eq!(status["supersededBy"], newer_id.as_str());
    assert_eq!(link_record_id(&app, "ext-1").await.to_string(), newer_id);
    let events_after: i64 = sqlx::query_scalar("select count(*) from outbox_events")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        events_after, events_before,
        "a superseded record records no event"
    );
    let (_, view) = app.get_json("/api/v1/accounts/50000000000").await;
    assert_eq!(
        view["records"][0]["products"].as_array().unwrap().len(),
        2,
        "state unchanged"
    );
}

#[tokio::test]
async fn two_versions_in_one_group_apply_the_newest_and_supersede_the_other() {
    let app = TestApp::spawn().await;
    let versions = queued_versions(
        &app,
        vec![with("apartment", json!("1")), with("apartment", json!("2"))],
    )
    .await;
    // Newest first on the queue, so queue order and row order disagree.
    publish_raw(
        &app.broker.topology,
        vec![raw(&versions[1]), raw(&versions[0])],
    )
    .await;
    let _processor = app.spawn_processor().await;
    app.wait_processed(2, WAIT).await;
    let older = app
        .wait_status(versions[0].1["id"].as_str().unwrap(), "superseded")
        .await;
    assert_eq!(older["supersededBy"], versions[1].1["id"]);
    let apartment: String = sqlx::query_scalar("select apartment from links")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(apartment, "2");
}

#[tokio::test]
async fn the_same_message_twice_changes_state_once_and_records_and_relays_each_event_once() {
    let app = TestApp::spawn().await;
    let tap = app.tap_events().await;
    let versions =
        queued_versions(&app, vec![with("productCodes", json!(["base", "video"]))]).await;
    let id = versions[0].1["id"].as_str().unwrap().to_owned();
    let _processor = app.spawn_processor().await;
    publish_raw(&app.broker.topology, vec![raw(&versions[0])]).await;
    app.wait_status(&id, "applied").await;
    let applied_at: time::OffsetDateTime = sqlx::query_scalar("select applied_at from links")
        .fetch_one(&app.db)
        .await
        .unwrap();

    // The redelivery a crash between commit and ack would cause.
    publish_raw(&app.broker.topology, vec![raw(&versions[0])]).await;
    app.wait_queue(&app.broker.topology.records_queue(), 0)
        .await;
    // Drained from the queue may still be in flight in the processor; its ack follows the commit.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.wait_relayed(WAIT).await, 2, "one event row per product");
    let again: time::OffsetDateTime = sqlx::query_scalar("select applied_at from links")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(again, applied_at, "one state change");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(tap.take().await.len(), 2, "each event relayed once");
}
