//! What can go wrong: a database cut mid-run, a message that can never apply.

use billing_testkit::proxy::Proxy;
use billing_testkit::*;
use lapin::BasicProperties;
use std::collections::BTreeMap;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(90);

#[tokio::test]
async fn a_database_cut_mid_run_fails_nothing_and_loses_nothing() {
    let app = TestApp::spawn().await;
    assert_eq!(app.post_json(&sample("batch-500.json")).await.status(), 200);
    let proxy = Proxy::start("127.0.0.1:5432").await;
    let through_proxy = app
        .database_url
        .replace("127.0.0.1:5432", &format!("127.0.0.1:{}", proxy.port));
    let _processor = app
        .spawn_processor_with(|s| {
            s.connections.database_url = through_proxy;
            s.apply_group = 10;
            s.prefetch = 20;
        })
        .await;

    // Cut once some rows are applied and others are not.
    let deadline = tokio::time::Instant::now() + WAIT;
    while app
        .status_counts()
        .await
        .get("applied")
        .copied()
        .unwrap_or(0)
        == 0
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "nothing applied before the cut"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    proxy.cut().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let during = app.status_counts().await;
    assert!(
        during.get("queued").copied().unwrap_or(0) > 0,
        "the cut came mid-run: {during:?}"
    );
    assert!(!during.contains_key("failed"));

    proxy.restore();
    let counts = app.wait_processed(500, WAIT).await;
    assert_eq!(counts, BTreeMap::from([("applied".to_owned(), 500)]));
    assert_eq!(queue_length(&app.broker.topology.dead_queue()).await, 0);
}

#[tokio::test]
async fn a_corrupted_message_is_dead_lettered_marked_failed_and_the_processor_keeps_running() {
    let app = TestApp::spawn().await;
    // A real row, so the corrupted copy's id is known.
    assert_eq!(
        app.post_json(&batch(vec![record("ext-1")])).await.status(),
        200
    );
    let taken = app.take_messages().await;
    let id = taken[0].1["id"].as_str().unwrap().to_owned();
    let with_id = BasicProperties::default().with_message_id(id.as_str().into());
    publish_raw(
        &app.broker.topology,
        vec![
            (b"{not json".to_vec(), with_id),
            (br#"{"id":"nope"}"#.to_vec(), BasicProperties::default()),
        ],
    )
    .await;
    let _processor = app.spawn_processor().await;

    let failed = app.wait_status(&id, "failed").await;
    assert_eq!(failed["errors"][0]["code"], "invalid_message");
    app.wait_queue(&app.broker.topology.dead_queue(), 2).await;

    // Still running: the next record applies.
    let response = app.post_json(&batch(vec![record("ext-2")])).await;
    let answer: serde_json::Value = response.json().await.unwrap();
    app.wait_status(answer["data"][0]["id"].as_str().unwrap(), "applied")
        .await;
}

#[tokio::test]
async fn a_record_that_breaks_the_contract_on_the_queue_is_failed_with_its_reason() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.post_json(&batch(vec![record("ext-1")])).await.status(),
        200
    );
    let mut taken = app.take_messages().await;
    let (properties, mut message) = taken.remove(0);
    message["record"]["msisdn"] = serde_json::json!("+7 912 345-67-89"); // not the stored form
    publish_raw(
        &app.broker.topology,
        vec![(serde_json::to_vec(&message).unwrap(), properties)],
    )
    .await;
    let _processor = app.spawn_processor().await;
    let failed = app
        .wait_status(message["id"].as_str().unwrap(), "failed")
        .await;
    assert_eq!(failed["errors"][0]["code"], "invalid_record");
    assert!(
        !failed.to_string().contains("912"),
        "the reason never repeats the value: {failed}"
    );
}
