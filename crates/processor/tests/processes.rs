//! The real binaries as processes: logs free of personal data, a processor killed mid-run,
//! a gateway stopped with SIGTERM mid-request.

#![allow(clippy::unwrap_used)]

use billing_testkit::process::{Running, binary, free_port, wait_ready};
use billing_testkit::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(90);

fn common_env(database_url: &str, prefix: &str) -> Vec<(&'static str, String)> {
    vec![
        ("BILLING_DATABASE_URL", database_url.to_owned()),
        ("BILLING_AMQP_PREFIX", prefix.to_owned()),
        ("BILLING_AMQP_URL", amqp_url()),
    ]
}

fn log_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("billing-test-logs-{}", unique_id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every piece of personal data in a sample, in every form it may take.
fn personal_data(body: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for r in body["data"].as_array().unwrap() {
        for field in [
            "firstName",
            "lastName",
            "midName",
            "address",
            "accountId",
            "email",
            "msisdn",
        ] {
            if let Some(v) = r[field].as_str() {
                out.insert(v.to_owned());
            }
        }
        let digits: String = r["msisdn"]
            .as_str()
            .unwrap()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let national = &digits[digits.len() - 10..];
        out.insert(format!("7{national}"));
        out.insert(format!("8{national}"));
        out.insert(national.to_owned());
        if let Some(email) = r["email"].as_str() {
            let (local, domain) = email.rsplit_once('@').unwrap();
            out.insert(local.to_owned());
            if let Ok(ascii) = idna_ascii(domain) {
                out.insert(format!("{local}@{ascii}"));
            }
        }
    }
    out
}

fn idna_ascii(domain: &str) -> Result<String, ()> {
    // The gateway stores the punycode form; the sample domains are few and known.
    match domain {
        "почта.рф" => Ok("xn--80a1acny.xn--p1ai".into()),
        d if d.is_ascii() => Ok(d.to_owned()),
        _ => Err(()),
    }
}

#[tokio::test]
async fn logs_of_both_binaries_at_debug_level_hold_no_personal_data() {
    let database = TestDatabase::create(&unique_id()).await;
    let prefix = format!("test.{}.", unique_id());
    let _broker = TestBroker {
        topology: schema::topology::Topology::new(prefix.clone()),
    };
    let ingest_bin = binary("billing-ingest");
    let processor_bin = binary("billing-processor");
    let credentials: Value = {
        let output = std::process::Command::new(&ingest_bin)
            .args(["partner", "add", "acme"])
            .env("BILLING_DATABASE_URL", &database.url)
            .output()
            .unwrap();
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let dir = log_dir();
    let (http, health) = (free_port(), free_port());
    let mut env = common_env(&database.url, &prefix);
    env.push(("RUST_LOG", "debug".into()));
    env.push(("BILLING_LOG_FORMAT", "json".into()));
    let mut gateway_env = env.clone();
    gateway_env.push(("BILLING_HTTP_ADDR", format!("127.0.0.1:{http}")));
    let mut processor_env = env.clone();
    processor_env.push(("BILLING_PROCESSOR_ADDR", format!("127.0.0.1:{health}")));
    let mut gateway = Running::start(&ingest_bin, &gateway_env, dir.join("ingest.log"));
    let mut processor = Running::start(&processor_bin, &processor_env, dir.join("processor.log"));
    let url = format!("http://127.0.0.1:{http}");
    wait_ready(&format!("{url}/readyz")).await;
    wait_ready(&format!("http://127.0.0.1:{health}/readyz")).await;

    let client = reqwest::Client::new();
    let (user, password) = (
        credentials["username"].as_str().unwrap(),
        credentials["password"].as_str().unwrap(),
    );
    let first = sample("batch-500.json");
    let update = sample("batch-update.json");
    let mut request_ids = Vec::new();
    for body in [&first, &update] {
        let response = client
            .post(format!("{url}/api/v1/billing"))
            .basic_auth(user, Some(password))
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        request_ids.push(
            response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
        // Let the first batch apply before the update, as a partner would.
        wait_all_applied(&database.url).await;
    }
    // Every read route too, the account one carries an account number in its path.
    let mut bad = first["data"][0].clone();
    bad["msisdn"] = "+74951234567".into();
    let rejected = client
        .post(format!("{url}/api/v1/billing"))
        .basic_auth(user, Some(password))
        .json(&serde_json::json!({"data": [bad]}))
        .send()
        .await
        .unwrap();
    assert_eq!(rejected.status(), 422);
    for path in [
        "/api/v1/billing?limit=5",
        "/api/v1/accounts/50000000001",
        "/api/v1/accounts/50000000002?asOf=2027-01-01",
    ] {
        let response = client
            .get(format!("{url}{path}"))
            .basic_auth(user, Some(password))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
    let wrong = client
        .get(format!("{url}/api/v1/billing"))
        .basic_auth("acme", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    gateway.signal("TERM");
    processor.signal("TERM");
    assert!(gateway.wait().success());
    assert!(processor.wait().success());
    let logs = format!("{}\n{}", gateway.log_text(), processor.log_text());
    assert!(logs.lines().count() > 100, "debug logs were captured");
    assert!(logs.contains("\"level\":\"DEBUG\""), "debug level was on");
    for id in &request_ids {
        assert!(
            gateway.log_text().contains(id.as_str()) && processor.log_text().contains(id.as_str()),
            "request {id} followed through both binaries"
        );
    }
    let mut leaked: Vec<String> = personal_data(&first)
        .union(&personal_data(&update))
        .filter(|value| logs.contains(value.as_str()))
        .cloned()
        .collect();
    leaked.sort();
    assert!(leaked.is_empty(), "personal data in the logs: {leaked:?}");
    assert!(!logs.contains(password), "a credential in the logs");
    let _ = std::fs::remove_dir_all(dir);
}

async fn wait_all_applied(database_url: &str) {
    let db = sqlx::PgPool::connect(database_url).await.unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let queued: i64 =
            sqlx::query_scalar("select count(*) from record_status where status = 'queued'")
                .fetch_one(&db)
                .await
                .unwrap();
        let unsent: i64 =
            sqlx::query_scalar("select count(*) from outbox_events where sent_at is null")
                .fetch_one(&db)
                .await
                .unwrap_or(0);
        if queued == 0 && unsent == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{queued} rows still queued"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    db.close().await;
}

#[tokio::test]
async fn a_processor_killed_mid_batch_and_another_started_apply_every_row_once_and_relay_every_event()
 {
    let app = TestApp::spawn().await;
    let tap = app.tap_events().await;
    let body = sample("batch-500.json");
    assert_eq!(app.post_json(&body).await.status(), 200);
    let processor_bin = binary("billing-processor");
    let dir = log_dir();
    let mut env = common_env(&app.database_url, app.broker.topology.prefix());
    env.push(("BILLING_PREFETCH", "10".into()));
    env.push(("BILLING_APPLY_GROUP", "5".into()));
    env.push((
        "BILLING_PROCESSOR_ADDR",
        format!("127.0.0.1:{}", free_port()),
    ));
    let first = Running::start(&processor_bin, &env, dir.join("first.log"));
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let applied = app
            .status_counts()
            .await
            .get("applied")
            .copied()
            .unwrap_or(0);
        if applied >= 50 {
            assert!(applied < 500, "killed mid-batch");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the first processor applied nothing"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.signal("KILL");
    drop(first);

    env.pop();
    env.push((
        "BILLING_PROCESSOR_ADDR",
        format!("127.0.0.1:{}", free_port()),
    ));
    let _second = Running::start(&processor_bin, &env, dir.join("second.log"));
    let counts = app.wait_processed(500, WAIT).await;
    assert_eq!(counts.get("applied"), Some(&500));
    assert_eq!(counts.len(), 1, "{counts:?}");

    let products = app.assert_each_product_activated_once(&body).await;
    assert_eq!(app.wait_relayed(WAIT).await, products);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let relayed: BTreeSet<String> = tap
        .take()
        .await
        .iter()
        .map(|e| e["eventId"].as_str().unwrap().to_owned())
        .collect();
    let stored: Vec<uuid::Uuid> = sqlx::query_scalar("select event_id from outbox_events")
        .fetch_all(&app.db)
        .await
        .unwrap();
    let stored: BTreeSet<String> = stored.iter().map(|id| id.to_string()).collect();
    assert_eq!(relayed, stored, "every event relayed (at least once)");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn sigterm_during_a_request_lets_it_finish_with_its_200() {
    let app = TestApp::spawn().await;
    let ingest_bin = binary("billing-ingest");
    let http = free_port();
    let dir = log_dir();
    let mut env = common_env(&app.database_url, app.broker.topology.prefix());
    env.push(("BILLING_HTTP_ADDR", format!("127.0.0.1:{http}")));
    let mut gateway = Running::start(&ingest_bin, &env, dir.join("ingest.log"));
    let url = format!("http://127.0.0.1:{http}");
    wait_ready(&format!("{url}/readyz")).await;

    let body = serde_json::to_vec(&sample("batch-500.json")).unwrap();
    let (head, tail) = body.split_at(body.len() / 2);
    let (head, tail) = (head.to_vec(), tail.to_vec());
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(2);
    let stream = futures::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    let request = app
        .client
        .post(format!("{url}/api/v1/billing"))
        .basic_auth(&app.username, Some(&app.password))
        .header("Content-Type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send();
    let request = tokio::spawn(request);
    sender.send(Ok(head)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    gateway.signal("TERM"); // mid-request: half the body is in
    tokio::time::sleep(Duration::from_millis(300)).await;
    sender.send(Ok(tail)).await.unwrap();
    drop(sender);
    let response = request.await.unwrap().unwrap();
    assert_eq!(response.status(), 200, "the request in flight finished");
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["data"].as_array().unwrap().len(), 500);
    assert!(gateway.wait().success(), "a clean exit after draining");
    assert_eq!(
        app.queued_messages().await,
        500,
        "every record of the batch published once"
    );
    assert_eq!(app.status_rows().await.len(), 500);
    let _ = std::fs::remove_dir_all(dir);
}
