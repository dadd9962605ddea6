//! Test support shared by the gateway's and the processor's tests.
//!
//! Everything runs for real: the gateway and the processor in-process against the machine's
//! RabbitMQ and PostgreSQL, each test isolated by its own database and broker name prefix,
//! both removed when the test ends, so tests run in parallel and leave nothing behind.

#![allow(clippy::unwrap_used)]

pub use billing_ingest;
pub mod process;
pub mod proxy;

use billing_ingest::partners::store;
use billing_ingest::{Application, Settings};
use lapin::options::{
    BasicGetOptions, ExchangeDeleteOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use runtime::env::Connections;
use schema::topology::Topology;
use serde_json::{Value, json};
use sqlx::PgPool;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How long the `wait_*` helpers wait before failing the test.
const WAIT: Duration = Duration::from_secs(60);

pub const AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
const ADMIN_DB_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub fn amqp_url() -> String {
    std::env::var("BILLING_AMQP_URL").unwrap_or_else(|_| AMQP_URL.to_owned())
}

fn admin_db_url() -> String {
    std::env::var("BILLING_TEST_ADMIN_DATABASE_URL").unwrap_or_else(|_| ADMIN_DB_URL.to_owned())
}

/// A fresh, migrated database of its own; dropped by [`TestDatabase::drop`].
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub async fn create(id: &str) -> TestDatabase {
        let name = format!("billing_test_{id}");
        let admin = PgPool::connect(&admin_db_url())
            .await
            .expect("PostgreSQL on 127.0.0.1:5432");
        sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
            .execute(&admin)
            .await
            .expect("create database");
        admin.close().await;
        let admin_url = admin_db_url();
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(base, _)| base);
        let url = format!("{base}/{name}");
        TestDatabase { name, url }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        run_detached(async move {
            if let Ok(admin) = PgPool::connect(&admin_db_url()).await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "drop database if exists {name} with (force)"
                )))
                .execute(&admin)
                .await;
                admin.close().await;
            }
        });
    }
}

/// Runs cleanup to completion from `Drop`, on a runtime of its own.
fn run_detached(future: impl std::future::Future<Output = ()> + Send + 'static) {
    let _ = std::thread::spawn(move || {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            rt.block_on(future);
        }
    })
    .join();
}

/// Deletes every exchange and queue of a prefix when dropped.
pub struct TestBroker {
    pub topology: Topology,
}

impl Drop for TestBroker {
    fn drop(&mut self) {
        let topology = self.topology.clone();
        run_detached(async move {
            let Ok(conn) = Connection::connect(&amqp_url(), ConnectionProperties::default()).await
            else {
                return;
            };
            let Ok(channel) = conn.create_channel().await else {
                return;
            };
            for queue in [
                topology.records_queue(),
                topology.dead_queue(),
                topology.events_recent_queue(),
            ] {
                let _ = channel
                    .queue_delete(queue.into(), QueueDeleteOptions::default())
                    .await;
            }
            for exchange in [topology.dead_exchange(), topology.events_exchange()] {
                let _ = channel
                    .exchange_delete(exchange.into(), ExchangeDeleteOptions::default())
                    .await;
            }
            let _ = conn.close(200, "test done".into()).await;
        });
    }
}

pub fn unique_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()[16..].to_owned()
}

pub fn settings(database_url: &str, prefix: &str) -> Settings {
    Settings {
        http_addr: "127.0.0.1:0".into(),
        connections: Connections {
            amqp_url: amqp_url(),
            amqp_prefix: prefix.into(),
            database_url: database_url.into(),
        },
        zone: jiff::tz::TimeZone::get("Europe/Moscow").expect("tz"),
        max_records: 1000,
        max_body_bytes: 4 * 1024 * 1024,
        publish_timeout: Duration::from_secs(3),
        publish_channels: 2,
        http_workers: 1,
        database_pool: 5,
        body_timeout: Duration::from_secs(10),
        rate_limit_per_minute: 100_000,
        login_failures_max: 1000,
        login_failures_window: Duration::from_secs(60),
    }
}

pub struct TestApp {
    pub address: String,
    pub db: PgPool,
    pub username: String,
    pub password: String,
    pub client: reqwest::Client,
    pub broker: TestBroker,
    pub database_url: String,
    shutdown: CancellationToken,
    // Dropped last: the database goes after the pool that uses it.
    _database: TestDatabase,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// Spawns with settings changed by `adjust` (its AMQP URL may point at a proxy).
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let id = unique_id();
        let database = TestDatabase::create(&id).await;
        let prefix = format!("test.{id}.");
        let mut settings = settings(&database.url, &prefix);
        adjust(&mut settings);
        let app = Application::build(settings)
            .await
            .expect("the gateway starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let shutdown = CancellationToken::new();
        tokio::spawn(app.run_until_stopped(shutdown.clone()));
        let db = PgPool::connect(&database.url).await.expect("test database");
        let credentials = store::add(&db, "acme").await.expect("partner");
        TestApp {
            address,
            db,
            username: credentials.username,
            password: credentials.password,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            broker: TestBroker {
                topology: Topology::new(prefix),
            },
            database_url: database.url.clone(),
            shutdown,
            _database: database,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Adds a second partner, `other`, and returns a request to `path` with its credentials,
    /// to be sent as it is or with more set on it.
    pub async fn as_other_partner(
        &self,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        let other = store::add(&self.db, "other")
            .await
            .expect("a second partner");
        self.client
            .request(method, self.url(path))
            .basic_auth(&other.username, Some(&other.password))
    }

    /// POSTs `body` as JSON with this app's partner credentials.
    pub async fn post_json(&self, body: &Value) -> reqwest::Response {
        self.post_raw(serde_json::to_vec(body).expect("json"), "application/json")
            .await
    }

    pub async fn post_raw(
        &self,
        body: impl Into<reqwest::Body>,
        content_type: &str,
    ) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/billing"))
            .basic_auth(&self.username, Some(&self.password))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Number of messages waiting in the records queue.
    pub async fn queued_messages(&self) -> u32 {
        let conn = Connection::connect(&amqp_url(), ConnectionProperties::default())
            .await
            .expect("amqp");
        let channel = conn.create_channel().await.expect("channel");
        let queue = channel
            .queue_declare(
                self.broker.topology.records_queue().into(),
                QueueDeclareOptions {
                    passive: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("records queue exists");
        let _ = conn.close(200, "".into()).await;
        queue.message_count()
    }

    /// Takes every message off the records queue, in order.
    pub async fn take_messages(&self) -> Vec<(BasicProperties, Value)> {
        let conn = Connection::connect(&amqp_url(), ConnectionProperties::default())
            .await
            .expect("amqp");
        let channel = conn.create_channel().await.expect("channel");
        let mut messages = Vec::new();
        while let Some(message) = channel
            .basic_get(
                self.broker.topology.records_queue().into(),
                BasicGetOptions { no_ack: true },
            )
            .await
            .expect("basic.get")
        {
            let body: Value =
                serde_json::from_slice(&message.delivery.data).expect("message body is JSON");
            messages.push((message.delivery.properties.clone(), body));
        }
        let _ = conn.close(200, "".into()).await;
        messages
    }

    pub async fn status_rows(&self) -> Vec<(uuid::Uuid, String, String)> {
        sqlx::query_as("select id, external_id, status from record_status order by id")
            .fetch_all(&self.db)
            .await
            .expect("status rows")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A valid record `R` of the edge cases, with `externalId` `ext`.
pub fn record(ext: &str) -> Value {
    json!({
        "externalId": ext,
        "accountId": "50000000000",
        "productCodes": ["base", "video"],
        "msisdn": "+79123456789",
        "email": "ivan@example.com",
        "firstName": "Иван",
        "lastName": "Иванов",
        "address": "Московская обл, г Москва, ул Ленина 13",
        "apartment": "12А",
        "startedAt": "2024-03-01",
    })
}

/// `R` with `field` set to `value` (`Value::Null` sets null; use [`without`] to remove).
pub fn with(field: &str, value: Value) -> Value {
    let mut r = record("ext-1");
    r[field] = value;
    r
}

pub fn without(field: &str) -> Value {
    let mut r = record("ext-1");
    r.as_object_mut().expect("object").remove(field);
    r
}

/// One record `R` per value of `field`, with externalIds `ext-0`, `ext-1`, ...
pub fn one_record_per(field: &str, values: &[Value]) -> Vec<Value> {
    values
        .iter()
        .enumerate()
        .map(|(i, value)| {
            let mut r = with(field, value.clone());
            r["externalId"] = Value::from(format!("ext-{i}"));
            r
        })
        .collect()
}

pub fn batch(records: Vec<Value>) -> Value {
    json!({ "data": records })
}

/// The `(status, [(source, code)])` of an error answer; panics on a success.
pub async fn errors_of(response: reqwest::Response) -> (u16, Vec<(String, String)>) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("error body is JSON");
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("not an error envelope: {body}"));
    let pairs = errors
        .iter()
        .map(|e| {
            (
                e["source"].as_str().unwrap_or("?").to_owned(),
                e["code"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect();
    (status, pairs)
}

pub fn pair(source: &str, code: &str) -> (String, String) {
    (source.to_owned(), code.to_owned())
}

/// Asserts a one-record batch with `r` is rejected with exactly `(status, source, code)`.
pub async fn assert_rejected(app: &TestApp, r: Value, status: u16, source: &str, code: &str) {
    let (got_status, errors) = errors_of(app.post_json(&batch(vec![r])).await).await;
    assert_eq!((got_status, errors), (status, vec![pair(source, code)]));
}

/// Posts one record and returns the record as published on the queue.
pub async fn published_record(app: &TestApp, r: Value) -> Value {
    let response = app.post_json(&batch(vec![r])).await;
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    assert_eq!(status, 200, "{text}");
    let mut messages = app.take_messages().await;
    assert_eq!(messages.len(), 1);
    messages.remove(0).1["record"].take()
}

// ---------------------------------------------------------------------------------------
// Processors, events and waiting.

/// A running processor; stopped (gracefully) when dropped or by [`TestProcessor::stop`].
pub struct TestProcessor {
    pub port: u16,
    shutdown: CancellationToken,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestProcessor {
    /// Stops taking deliveries, finishes what it holds, and waits for it to end.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Ends it at once, like a crash: its tasks are aborted mid-work.
    pub fn kill(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Drop for TestProcessor {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub fn processor_settings(database_url: &str, prefix: &str) -> billing_processor::Settings {
    billing_processor::Settings {
        http_addr: "127.0.0.1:0".into(),
        connections: Connections {
            amqp_url: amqp_url(),
            amqp_prefix: prefix.into(),
            database_url: database_url.into(),
        },
        prefetch: 256,
        apply_group: 128,
        relay_batch: 256,
        relay_interval: Duration::from_millis(100),
        publish_timeout: Duration::from_secs(3),
        database_pool: 4,
        retry_max: Duration::from_millis(500),
        retain_status_days: 30,
        retain_events_days: 7,
        retention_interval: Duration::from_secs(3600),
    }
}

/// Consumes the test's own copy of every event published to the events exchange.
pub struct EventTap {
    connection: Connection,
    queue: String,
}

impl EventTap {
    /// Every event received so far, as JSON, in arrival order.
    pub async fn take(&self) -> Vec<Value> {
        let channel = self.connection.create_channel().await.expect("channel");
        let mut events = Vec::new();
        while let Some(message) = channel
            .basic_get(self.queue.as_str().into(), BasicGetOptions { no_ack: true })
            .await
            .expect("basic.get")
        {
            events.push(serde_json::from_slice(&message.delivery.data).expect("event JSON"));
        }
        events
    }
}

impl TestApp {
    pub async fn spawn_processor(&self) -> TestProcessor {
        self.spawn_processor_with(|_| {}).await
    }

    pub async fn spawn_processor_with(
        &self,
        adjust: impl FnOnce(&mut billing_processor::Settings),
    ) -> TestProcessor {
        let mut settings = processor_settings(&self.database_url, self.broker.topology.prefix());
        adjust(&mut settings);
        let processor = billing_processor::Processor::build(settings)
            .await
            .expect("the processor starts");
        let port = processor.port();
        let shutdown = CancellationToken::new();
        let token = shutdown.clone();
        let task = tokio::spawn(async move {
            let _ = processor.run_until_stopped(token).await;
        });
        TestProcessor {
            port,
            shutdown,
            task: Some(task),
        }
    }

    /// A queue of the test's own bound to every routing key of the events exchange.
    pub async fn tap_events(&self) -> EventTap {
        let connection = Connection::connect(&amqp_url(), ConnectionProperties::default())
            .await
            .expect("amqp");
        let channel = connection.create_channel().await.expect("channel");
        let queue = format!("{}events.tap", self.broker.topology.prefix());
        channel
            .queue_declare(
                queue.as_str().into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("tap queue");
        channel
            .queue_bind(
                queue.as_str().into(),
                self.broker.topology.events_exchange().into(),
                "#".into(),
                lapin::options::QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("tap bound");
        EventTap { connection, queue }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .basic_auth(&self.username, Some(&self.password))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Counts status rows by status.
    pub async fn status_counts(&self) -> std::collections::BTreeMap<String, i64> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("select status, count(*) from record_status group by status")
                .fetch_all(&self.db)
                .await
                .expect("counts");
        rows.into_iter().collect()
    }

    /// Waits until no row is `queued` and at least `total` rows exist; panics after `limit`.
    pub async fn wait_processed(
        &self,
        total: i64,
        limit: Duration,
    ) -> std::collections::BTreeMap<String, i64> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let counts = self.status_counts().await;
            let all: i64 = counts.values().sum();
            if all >= total && !counts.contains_key("queued") {
                return counts;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "not processed in {limit:?}: {counts:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the row `id` has `status`; returns the row as the API shows it.
    pub async fn wait_status(&self, id: &str, status: &str) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let (_, body) = self.get_json(&format!("/api/v1/billing/{id}")).await;
            if body["status"] == status {
                return body;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{id} never became {status}: {body}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until `queue` of this test holds at least `n` messages (or, with `n` = 0, none).
    pub async fn wait_queue(&self, queue: &str, n: u32) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let length = queue_length(queue).await;
            if (n == 0 && length == 0) || (n > 0 && length >= n) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{queue} holds {length}, not {n}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Asserts the outbox holds exactly one `product.activated` per product of `body`'s
    /// records and no event twice; returns that number.
    pub async fn assert_each_product_activated_once(&self, body: &Value) -> i64 {
        let products: i64 = body["data"]
            .as_array()
            .expect("a batch with data")
            .iter()
            .map(|r| r["productCodes"].as_array().map_or(0, Vec::len) as i64)
            .sum();
        let (events, distinct, activations): (i64, i64, i64) = sqlx::query_as(
            "select count(*),
                    count(distinct (payload ->> 'externalId', payload ->> 'productCode', event_type)),
                    count(*) filter (where event_type = 'product.activated')
             from outbox_events",
        )
        .fetch_one(&self.db)
        .await
        .expect("outbox counts");
        assert_eq!(
            (events, distinct, activations),
            (products, products, products),
            "one activation per product, none twice"
        );
        products
    }

    /// Waits until every outbox event is marked sent; returns how many there are.
    pub async fn wait_relayed(&self, limit: Duration) -> i64 {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let (all, unsent): (i64, i64) = sqlx::query_as(
                "select count(*), count(*) filter (where sent_at is null) from outbox_events",
            )
            .fetch_one(&self.db)
            .await
            .expect("outbox");
            if unsent == 0 {
                return all;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{unsent} events not relayed in {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A sample batch of `docs/samples` (the partner samples, kept in the repository so a clone
/// anywhere can run the tests).
pub fn sample(name: &str) -> Value {
    let path = format!("{}/../../docs/samples/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("sample is JSON")
}

/// Publishes raw messages to the records queue, as a hand or an older gateway might.
pub async fn publish_raw(topology: &Topology, messages: Vec<(Vec<u8>, BasicProperties)>) {
    let connection = Connection::connect(&amqp_url(), ConnectionProperties::default())
        .await
        .expect("amqp");
    let channel = connection.create_channel().await.expect("channel");
    channel
        .confirm_select(lapin::options::ConfirmSelectOptions::default())
        .await
        .expect("confirms");
    for (body, properties) in messages {
        channel
            .basic_publish(
                "".into(),
                topology.records_queue().into(),
                lapin::options::BasicPublishOptions::default(),
                &body,
                properties,
            )
            .await
            .expect("published")
            .await
            .expect("confirmed");
    }
    let _ = connection.close(200, "".into()).await;
}

/// Number of messages in a queue of the test's topology.
pub async fn queue_length(queue: &str) -> u32 {
    let connection = Connection::connect(&amqp_url(), ConnectionProperties::default())
        .await
        .expect("amqp");
    let channel = connection.create_channel().await.expect("channel");
    let declared = channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("queue exists");
    let _ = connection.close(200, "".into()).await;
    declared.message_count()
}
