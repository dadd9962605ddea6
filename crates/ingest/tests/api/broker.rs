//! The broker refusing, returning or losing messages (edge cases 27–28): 503, no ids, and
//! recovery without a restart.

use crate::helpers::*;
use billing_testkit::proxy::Proxy;
use lapin::options::QueueDeleteOptions;
use lapin::{Connection, ConnectionProperties};
use std::process::Command;
use std::time::Duration;

fn rabbitmqctl(args: &[&str]) {
    let status = Command::new("rabbitmqctl")
        .args(args)
        .output()
        .expect("rabbitmqctl runs");
    assert!(
        status.status.success(),
        "rabbitmqctl {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

async fn assert_broker_unavailable(response: reqwest::Response) {
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["errors"][0]["code"], "broker_unavailable");
    assert!(body.get("data").is_none(), "no ids handed out");
}

#[tokio::test]
async fn case_27_a_nack_is_503_and_no_row_is_stored() {
    let app = TestApp::spawn().await;
    let queue = app.broker.topology.records_queue();
    let policy = format!("reject-{}", app.broker.topology.prefix());
    let pattern = format!("^{}$", queue.replace('.', "\\."));
    rabbitmqctl(&[
        "set_policy",
        "--apply-to",
        "queues",
        &policy,
        &pattern,
        r#"{"max-length":0,"overflow":"reject-publish"}"#,
    ]);
    // A policy reaches the queue shortly after it is set; until then publishes may pass.
    let mut refused = None;
    for _ in 0..50 {
        let response = app.post_json(&batch(vec![record("ext-1")])).await;
        if response.status() != 200 {
            refused = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    rabbitmqctl(&["clear_policy", &policy]);
    let before = app.status_rows().await.len();
    assert_broker_unavailable(refused.expect("the broker nacked a publish")).await;
    assert_eq!(
        app.status_rows().await.len(),
        before,
        "a refused batch stores no status row"
    );
}

#[tokio::test]
async fn case_27_an_unroutable_message_is_503() {
    let app = TestApp::spawn().await;
    let conn = Connection::connect(&amqp_url(), ConnectionProperties::default())
        .await
        .expect("amqp");
    let channel = conn.create_channel().await.expect("channel");
    channel
        .queue_delete(
            app.broker.topology.records_queue().into(),
            QueueDeleteOptions::default(),
        )
        .await
        .expect("queue deleted");
    assert_broker_unavailable(app.post_json(&batch(vec![record("ext-1")])).await).await;
    assert!(app.status_rows().await.is_empty());
}

#[tokio::test]
async fn case_28_a_cut_connection_is_503_at_once_and_the_gateway_recovers_by_itself() {
    let proxy = Proxy::start("127.0.0.1:5672").await;
    let port = proxy.port;
    let app = TestApp::spawn_with(|s| {
        s.connections.amqp_url = format!("amqp://guest:guest@127.0.0.1:{port}/%2f");
    })
    .await;
    assert_eq!(
        app.post_json(&batch(vec![record("ext-1")])).await.status(),
        200
    );

    proxy.cut().await;
    assert_broker_unavailable(app.post_json(&batch(vec![record("ext-2")])).await).await;
    assert_broker_unavailable(app.post_json(&batch(vec![record("ext-3")])).await).await;

    proxy.restore();
    let response = app.post_json(&batch(vec![record("ext-4")])).await;
    assert_eq!(response.status(), 200, "recovered without a restart");
    let ext_ids: Vec<String> = app
        .take_messages()
        .await
        .iter()
        .map(|(_, m)| m["record"]["externalId"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(ext_ids, vec!["ext-1", "ext-4"]);
}
