//! The real `billing-ingest` binary: partner commands (contract §4), startup errors naming
//! the unreachable URL, and dates read in the operator's zone whatever the server's `TZ`.

use crate::helpers::*;
use serde_json::{Value, json};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_billing-ingest");

fn ingest(db: &TestDatabase, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("BILLING_DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("billing-ingest runs")
}

fn stdout_json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON value on stdout")
}

#[tokio::test]
async fn partner_commands_add_rotate_list_disable_alias() {
    let db = TestDatabase::create(&unique_id()).await;
    let added = stdout_json(&ingest(&db, &["partner", "add", "uk-dom"]));
    assert_eq!(added["partner"], "uk-dom");
    assert_eq!(added["username"], "uk-dom");
    let first = added["password"].as_str().expect("password").to_owned();
    assert_eq!(first.len(), 43, "32 random bytes, base64url");

    let again = ingest(&db, &["partner", "add", "uk-dom"]);
    assert_eq!(
        again.status.code(),
        Some(1),
        "adding an existing partner fails"
    );
    assert!(again.stdout.is_empty());

    let rotated = stdout_json(&ingest(&db, &["partner", "rotate", "uk-dom"]));
    assert_ne!(rotated["password"], first.as_str());
    assert_eq!(
        ingest(&db, &["partner", "rotate", "nobody"]).status.code(),
        Some(1)
    );

    assert!(
        ingest(&db, &["partner", "alias", "uk-dom", "DOM-BASE", "BASE"])
            .status
            .success()
    );
    assert_eq!(
        ingest(&db, &["partner", "alias", "uk-dom", "x", "sauna"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        ingest(&db, &["partner", "alias", "uk-dom", "base", "video"])
            .status
            .code(),
        Some(1),
        "an operator's code cannot be an alias"
    );

    let list = stdout_json(&ingest(&db, &["partner", "list"]));
    assert_eq!(
        list,
        json!([{"partner": "uk-dom", "username": "uk-dom", "disabled": false, "createdAt": list[0]["createdAt"], "aliases": {"dom-base": "base"}}])
    );
    assert!(!String::from_utf8_lossy(&ingest(&db, &["partner", "list"]).stdout).contains(&first));

    assert!(
        ingest(&db, &["partner", "disable", "uk-dom"])
            .status
            .success()
    );
    assert_eq!(
        stdout_json(&ingest(&db, &["partner", "list"]))[0]["disabled"],
        true
    );
    assert!(
        ingest(&db, &["partner", "enable", "uk-dom"])
            .status
            .success()
    );
    assert_eq!(
        stdout_json(&ingest(&db, &["partner", "list"]))[0]["disabled"],
        false
    );
    assert_eq!(
        ingest(&db, &["partner", "disable", "nobody"]).status.code(),
        Some(1)
    );
    assert_eq!(
        ingest(&db, &["partner", "add", "bad:name"]).status.code(),
        Some(1)
    );
}

#[tokio::test]
async fn startup_fails_with_a_message_naming_the_unreachable_url() {
    let db = TestDatabase::create(&unique_id()).await;
    let output = Command::new(BIN)
        .env("BILLING_DATABASE_URL", &db.url)
        .env("BILLING_AMQP_URL", "amqp://guest:guest@127.0.0.1:1/%2f")
        .env("BILLING_HTTP_ADDR", "127.0.0.1:0")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("RabbitMQ at amqp://guest:***@127.0.0.1:1/%2f"),
        "{stderr}"
    );

    let output = Command::new(BIN)
        .env(
            "BILLING_DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/billing",
        )
        .env("BILLING_HTTP_ADDR", "127.0.0.1:0")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("PostgreSQL at postgres://postgres@127.0.0.1:1/billing"),
        "{stderr}"
    );
}

/// Kills the served binary when the test ends, however it ends.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

#[tokio::test]
async fn case_09_the_server_time_zone_does_not_change_how_dates_are_read() {
    let db = TestDatabase::create(&unique_id()).await;
    let credentials = stdout_json(&ingest(&db, &["partner", "add", "acme"]));
    let prefix = format!("test.{}.", unique_id());
    let broker = TestBroker {
        topology: schema::topology::Topology::new(prefix.clone()),
    };
    let port = free_port();
    let _served = Served(
        Command::new(BIN)
            .env("TZ", "America/New_York")
            .env("BILLING_DATABASE_URL", &db.url)
            .env("BILLING_AMQP_PREFIX", &prefix)
            .env("BILLING_HTTP_ADDR", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serves"),
    );
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..100 {
        if client
            .get(format!("{url}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the binary became ready");
    let mut r = record("ext-1");
    r["startedAt"] = json!("2024-03-01");
    r["finishedAt"] = json!("2024-03-01T10:00:00");
    let response = client
        .post(format!("{url}/api/v1/billing"))
        .basic_auth(
            credentials["username"].as_str().unwrap_or(""),
            credentials["password"].as_str(),
        )
        .json(&batch(vec![r]))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let messages = take_all(&broker).await;
    assert_eq!(messages[0]["record"]["startedAt"], "2024-02-29T21:00:00Z");
    assert_eq!(messages[0]["record"]["finishedAt"], "2024-03-01T07:00:00Z");
}

async fn take_all(broker: &TestBroker) -> Vec<Value> {
    use lapin::options::BasicGetOptions;
    let conn = lapin::Connection::connect(&amqp_url(), lapin::ConnectionProperties::default())
        .await
        .expect("amqp");
    let channel = conn.create_channel().await.expect("channel");
    let mut out = Vec::new();
    while let Some(m) = channel
        .basic_get(
            broker.topology.records_queue().into(),
            BasicGetOptions { no_ack: true },
        )
        .await
        .expect("get")
    {
        out.push(serde_json::from_slice(&m.delivery.data).expect("json"));
    }
    out
}
