//! `docs/openapi.yaml` against the running gateway.
//!
//! The gateway serves the document exactly as it is on disk; the document lists exactly the
//! routes of `startup.rs`; and every route, driven for real (RabbitMQ, PostgreSQL, processors),
//! answers every status the document gives it, each answer with the headers the document
//! declares and a body that validates against the document's schema for that path, method and
//! status. The bodies and parameters sent for successes validate against the document too, and
//! a status the document does not give an operation fails the test.

use crate::helpers::*;
use billing_testkit::proxy::Proxy;
use jsonschema::Validator;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const DOCUMENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.yaml");
const STARTUP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/startup.rs");
const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
const WAIT: Duration = Duration::from_secs(120);

const BILLING: &str = "/api/v1/billing";
const RECORD: &str = "/api/v1/billing/{id}";
const ACCOUNT: &str = "/api/v1/accounts/{accountId}";

// Several threads: the proxies of the outage scenario must forward while others validate.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_document_describes_every_route_and_every_answer_of_the_gateway() {
    let spec = Spec::load();
    spec.check_document();
    assert_eq!(
        spec.operations(),
        routes_of_startup(),
        "the document's operations are exactly the routes of src/startup.rs"
    );
    tokio::join!(
        intake_and_refusals(&spec),
        after_processing(&spec),
        body_limits(&spec),
        rate_limit(&spec),
        outages(&spec),
    );
    spec.assert_everything_exercised();
}

/// The document, the operational routes, every success and refusal of the intake that one
/// gateway with default settings gives, and the read side before any processor ran.
async fn intake_and_refusals(spec: &Spec) {
    let app = TestApp::spawn().await;
    let open = |path: &str| app.client.get(app.url(path));

    let served = spec
        .send(Method::GET, "/openapi.yaml", open("/openapi.yaml"))
        .await
        .expect(200);
    assert_eq!(
        served.body.as_str(),
        Some(spec.text.as_str()),
        "GET /openapi.yaml serves docs/openapi.yaml as it is on disk"
    );
    spec.send(Method::GET, "/healthz", open("/healthz"))
        .await
        .expect(200);
    spec.send(Method::GET, "/readyz", open("/readyz"))
        .await
        .expect(200);

    // 200: a plain record, one with every optional field and unusual notations, one whose
    // optional fields are blank or null.
    let full = json!({
        "externalId": "ext-2",
        "accountId": "50000000000",
        "productCodes": ["BASE", "gate"],
        "msisdn": "8 (912) 345 67 89",
        "email": "test@пример.рф",
        "firstName": "Пётр",
        "lastName": "Петров",
        "midName": "Петрович",
        "address": "3F2B9C1E-7A4D-4E5B-9C8D-1A2B3C4D5E6F",
        "apartment": "пом. 3",
        "startedAt": "2024-03-01T10:00:00.123+03:00",
        "finishedAt": "9999-12-31",
        "blockReason": "Задолженность более 3 месяцев",
    });
    let blank = json!({
        "externalId": "ext-3",
        "accountId": "50000000001",
        "productCodes": ["video"],
        "msisdn": "9123456789",
        "email": "",
        "firstName": null,
        "midName": "   ",
        "address": "г Москва, ул Ленина 13",
        "apartment": "12/1",
        "startedAt": "2024-03-01T10:00",
        "finishedAt": "2030-12-31T23:59:59Z",
        "blockReason": null,
    });
    let accepted = spec
        .post(&app, &batch(vec![record("ext-1"), full, blank]), &[])
        .await
        .expect(200);
    let rows = accepted.body["data"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let id = rows[0]["id"].as_str().unwrap().to_owned();

    // The caller's own request id comes back; an Idempotency-Key replays the first answer.
    let keyed = batch(vec![record("ext-4")]);
    let first = spec
        .post(
            &app,
            &keyed,
            &[
                ("Idempotency-Key", "batch-2026-12-03"),
                ("X-Request-Id", "0193a0f0-1b2c-7d3e-8f40-123456789abc"),
            ],
        )
        .await
        .expect(200);
    assert_eq!(
        first.headers["x-request-id"],
        "0193a0f0-1b2c-7d3e-8f40-123456789abc"
    );
    let again = spec
        .post(&app, &keyed, &[("Idempotency-Key", "batch-2026-12-03")])
        .await
        .expect(200);
    assert_eq!(again.body, first.body, "the replay is the first answer");

    // 400
    spec.post(
        &app,
        &batch(vec![with("msisdn", json!(79_123_456_789_u64))]),
        &[],
    )
    .await
    .expect(400)
    .has("data.0.msisdn", "invalid_type");
    let raw = |body: &'static str, content_type: &str| {
        app.client
            .post(app.url(BILLING))
            .basic_auth(&app.username, Some(&app.password))
            .header("Content-Type", content_type)
            .body(body)
    };
    let not_ascii = app
        .client
        .post(app.url(BILLING))
        .basic_auth(&app.username, Some(&app.password))
        .header(
            "Idempotency-Key",
            reqwest::header::HeaderValue::from_bytes("ключ".as_bytes()).unwrap(),
        )
        .json(&keyed);
    spec.send(Method::POST, BILLING, not_ascii)
        .await
        .expect(400)
        .has("", "invalid_type");
    spec.send(Method::POST, BILLING, raw("{not json", "application/json"))
        .await
        .expect(400)
        .has("", "invalid_json");
    let twice = r#"{"data":[{"externalId":"a","externalId":"b","msisdn":"1"}]}"#;
    spec.send(Method::POST, BILLING, raw(twice, "application/json"))
        .await
        .expect(400)
        .has("data.0.externalId", "duplicate_field")
        .has("data.0.msisdn", "invalid_msisdn");

    // 401 on every partner route, with or without a body.
    let anonymous_post = app
        .client
        .post(app.url(BILLING))
        .json(&batch(vec![record("ext-9")]));
    spec.send(Method::POST, BILLING, anonymous_post)
        .await
        .expect(401)
        .has("", "unauthorized");
    let wrong_password = app
        .client
        .post(app.url(BILLING))
        .basic_auth(&app.username, Some("wrong"))
        .json(&batch(vec![record("ext-9")]));
    spec.send(Method::POST, BILLING, wrong_password)
        .await
        .expect(401);
    for (template, path) in [
        (BILLING, BILLING.to_owned()),
        (RECORD, format!("{BILLING}/{id}")),
        (ACCOUNT, "/api/v1/accounts/50000000000".to_owned()),
    ] {
        spec.send(Method::GET, template, open(&path))
            .await
            .expect(401)
            .has("", "unauthorized");
    }

    // 409: the same key and body still in flight.
    let in_flight = batch(vec![record("ext-6")]);
    sqlx::query(
        "insert into idempotency_keys (partner_id, key, request_sha256, state)
         select id, 'in-flight', sha256($1), 'in_flight' from partners where name = 'acme'",
    )
    .bind(serde_json::to_vec(&in_flight).unwrap())
    .execute(&app.db)
    .await
    .unwrap();
    spec.post(&app, &in_flight, &[("Idempotency-Key", "in-flight")])
        .await
        .expect(409)
        .has("", "idempotency_key_in_flight");

    // 415
    let body = r#"{"data":[]}"#;
    spec.send(Method::POST, BILLING, raw(body, "text/plain"))
        .await
        .expect(415)
        .has("", "unsupported_media_type");
    spec.send(
        Method::POST,
        BILLING,
        raw(body, "application/json; charset=windows-1251"),
    )
    .await
    .expect(415);

    // 422
    let mut typo = record("ext-7");
    typo["finishAt"] = json!("2030-01-01");
    spec.post(
        &app,
        &batch(vec![with("msisdn", json!("+74951234567")), typo]),
        &[],
    )
    .await
    .expect(422)
    .has("data.0.msisdn", "invalid_msisdn")
    .has("data.1.finishAt", "unknown_field");
    spec.post(&app, &json!({"data": []}), &[])
        .await
        .expect(422)
        .has("data", "empty_batch");
    spec.post(
        &app,
        &batch(vec![record("ext-5")]),
        &[("Idempotency-Key", "batch-2026-12-03")],
    )
    .await
    .expect(422)
    .has("", "idempotency_key_reused");
    let long_key = "k".repeat(65);
    spec.post(&app, &keyed, &[("Idempotency-Key", long_key.as_str())])
        .await
        .expect(422)
        .has("", "too_long");

    // The list: all rows, filtered pages followed by their cursor, refusals.
    let all = spec.get(&app, BILLING, &[], &[]).await.expect(200);
    assert_eq!(
        all.body["data"].as_array().unwrap().len(),
        4,
        "{}",
        all.body
    );
    let filters = [
        ("status", "queued"),
        ("since", "2024-01-01T00:00:00+03:00"),
        ("limit", "2"),
    ];
    let page = spec.get(&app, BILLING, &[], &filters).await.expect(200);
    let cursor = page.body["nextCursor"].as_str().unwrap().to_owned();
    let mut next = filters.to_vec();
    next.push(("cursor", cursor.as_str()));
    let last = spec.get(&app, BILLING, &[], &next).await.expect(200);
    assert_eq!(last.body["data"].as_array().unwrap().len(), 2);
    assert!(last.body.get("nextCursor").is_none(), "{}", last.body);
    let one = spec
        .get(&app, BILLING, &[], &[("externalId", "ext-1")])
        .await
        .expect(200);
    assert_eq!(one.body["data"].as_array().unwrap().len(), 1);
    for (query, source) in [
        (vec![("status", "done")], "status"),
        (vec![("limit", "0")], "limit"),
        (vec![("cursor", "zzz")], "cursor"),
        (vec![("limit", "1"), ("limit", "2")], ""),
    ] {
        spec.get(&app, BILLING, &[], &query)
            .await
            .expect(400)
            .has(source, "invalid_type");
    }
    spec.get(&app, BILLING, &[], &[("since", "2024-02-30")])
        .await
        .expect(422)
        .has("since", "invalid_date");

    // One row.
    let row = spec
        .get(&app, RECORD, &[("id", id.as_str())], &[])
        .await
        .expect(200);
    assert_eq!(row.body["status"], "queued");
    let unknown = uuid::Uuid::now_v7().to_string();
    spec.get(&app, RECORD, &[("id", unknown.as_str())], &[])
        .await
        .expect(404);
    spec.get(&app, RECORD, &[("id", "not-a-uuid")], &[])
        .await
        .expect(404);

    // An account with nothing applied yet, and refusals.
    let account = [("accountId", "50000000000")];
    spec.get(&app, ACCOUNT, &account, &[]).await.expect(404);
    spec.get(&app, ACCOUNT, &account, &[("asOf", "2024-02-30")])
        .await
        .expect(422)
        .has("asOf", "invalid_date");
    spec.get(
        &app,
        ACCOUNT,
        &account,
        &[("asOf", "2024-01-01"), ("asOf", "2024-01-02")],
    )
    .await
    .expect(400)
    .has("", "invalid_type");

    // Methods the /api/v1 paths do not serve, and paths that do not exist.
    for request in [
        app.client.delete(app.url(BILLING)),
        app.client.put(app.url(&format!("{BILLING}/{id}"))),
        app.client.post(app.url("/api/v1/accounts/50000000000")),
    ] {
        spec.send_outside("MethodNotAllowed", request)
            .await
            .expect(405);
    }
    for request in [
        app.client.get(app.url("/api/v2/billing")),
        app.client.post(app.url("/healthz")),
    ] {
        spec.send_outside("NotFound", request).await.expect(404);
    }

    let metrics = spec
        .send(Method::GET, "/metrics", open("/metrics"))
        .await
        .expect(200);
    assert!(
        metrics
            .body
            .as_str()
            .unwrap()
            .contains("billing_http_requests_total"),
        "Prometheus text"
    );
}

/// Statuses and accounts once a processor ran: `applied`, `superseded` and `failed` rows,
/// and every effective state of a product.
async fn after_processing(spec: &Spec) {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    let mut post = async |body: &Value| {
        let answer = spec.post(&app, body, &[]).await.expect(200);
        for row in answer.body["data"].as_array().unwrap() {
            ids.push(row["id"].as_str().unwrap().to_owned());
        }
    };
    // Before a processor runs: two versions of one link, and a record that breaks the
    // contract once it is on the queue. Put back newer first, so the older one is superseded.
    post(&batch(vec![with("productCodes", json!(["base"]))])).await;
    post(&batch(vec![with("productCodes", json!(["base", "gate"]))])).await;
    post(&batch(vec![record("ext-broken")])).await;
    let mut messages = app.take_messages().await;
    assert_eq!(messages.len(), 3);
    messages.swap(0, 1);
    messages[2].1["record"]["msisdn"] = json!("+7 912 345-67-89");
    publish_raw(
        &app.broker.topology,
        messages
            .iter()
            .map(|(properties, message)| (serde_json::to_vec(message).unwrap(), properties.clone()))
            .collect(),
    )
    .await;
    let _processor = app.spawn_processor().await;
    let samples = [sample("batch-500.json"), sample("batch-update.json")];
    for body in &samples {
        post(body).await;
    }
    let total = ids.len();
    app.wait_processed(total as i64, WAIT).await;

    let mut statuses = BTreeMap::<String, usize>::new();
    for id in &ids {
        let row = spec
            .get(&app, RECORD, &[("id", id.as_str())], &[])
            .await
            .expect(200);
        *statuses
            .entry(row.body["status"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    for status in ["applied", "superseded", "failed"] {
        assert!(
            statuses.contains_key(status),
            "no {status} row: {statuses:?}"
        );
        let page = spec
            .get(&app, BILLING, &[], &[("status", status), ("limit", "1000")])
            .await
            .expect(200);
        assert_eq!(
            page.body["data"].as_array().unwrap().len(),
            statuses[status]
        );
    }
    let mut listed = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![("limit", "100")];
        if let Some(cursor) = &cursor {
            query.push(("cursor", cursor.as_str()));
        }
        let page = spec.get(&app, BILLING, &[], &query).await.expect(200);
        listed += page.body["data"].as_array().unwrap().len();
        match page.body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(listed, total);

    let accounts: BTreeSet<String> = samples
        .iter()
        .flat_map(|body| body["data"].as_array().unwrap().iter())
        .map(|r| r["accountId"].as_str().unwrap().to_owned())
        .collect();
    let mut states = BTreeSet::new();
    let mut seen = |view: &Value| {
        assert_eq!(view["queued"], 0);
        for link in view["records"].as_array().unwrap() {
            for product in link["products"].as_array().unwrap() {
                states.insert(product["state"].as_str().unwrap().to_owned());
            }
        }
    };
    for account in &accounts {
        let view = spec
            .get(&app, ACCOUNT, &[("accountId", account.as_str())], &[])
            .await
            .expect(200);
        seen(&view.body);
    }
    for account in accounts.iter().take(25) {
        for as_of in ["2020-01-01", "2100-01-01T00:00:00+03:00"] {
            let view = spec
                .get(
                    &app,
                    ACCOUNT,
                    &[("accountId", account.as_str())],
                    &[("asOf", as_of)],
                )
                .await
                .expect(200);
            seen(&view.body);
        }
    }
    assert_eq!(
        states,
        BTreeSet::from(["active", "blocked", "finished", "scheduled"].map(str::to_owned)),
        "every effective state was checked"
    );
    spec.get(&app, ACCOUNT, &[("accountId", "no-such-account")], &[])
        .await
        .expect(404);
}

/// 413 and, for a body that trickles in, 400 under a small body limit and a short timeout.
async fn body_limits(spec: &Spec) {
    let app = TestApp::spawn_with(|s| {
        s.max_body_bytes = 1024;
        s.body_timeout = Duration::from_millis(500);
    })
    .await;
    let big = batch((0..10).map(|i| record(&format!("ext-{i}"))).collect());
    spec.post(&app, &big, &[])
        .await
        .expect(413)
        .has("", "payload_too_large");

    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let stream = futures::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    let request = app
        .client
        .post(app.url(BILLING))
        .basic_auth(&app.username, Some(&app.password))
        .header("Content-Type", "application/json")
        .body(reqwest::Body::wrap_stream(stream));
    let trickle = tokio::spawn(async move {
        for byte in br#"{"data":[{"externalId":"#.iter() {
            if sender.send(Ok(vec![*byte])).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    spec.send(Method::POST, BILLING, request)
        .await
        .expect(400)
        .has("", "invalid_json");
    trickle.abort();
}

/// 429 on every partner route once the partner's rate is spent.
async fn rate_limit(spec: &Spec) {
    let app = TestApp::spawn_with(|s| s.rate_limit_per_minute = 1).await;
    let accepted = spec
        .post(&app, &batch(vec![record("ext-1")]), &[])
        .await
        .expect(200);
    let id = accepted.body["data"][0]["id"].as_str().unwrap().to_owned();
    spec.post(&app, &batch(vec![record("ext-2")]), &[])
        .await
        .expect(429)
        .has("", "rate_limited");
    spec.get(&app, BILLING, &[], &[]).await.expect(429);
    spec.get(&app, RECORD, &[("id", id.as_str())], &[])
        .await
        .expect(429);
    spec.get(&app, ACCOUNT, &[("accountId", "50000000000")], &[])
        .await
        .expect(429);
}

/// 503 from the broker and then the database going away, on every route that has one.
async fn outages(spec: &Spec) {
    let broker = Proxy::start("127.0.0.1:5672").await;
    let database = Proxy::start("127.0.0.1:5432").await;
    let (broker_port, database_port) = (broker.port, database.port);
    let app = TestApp::spawn_with(|s| {
        s.connections.amqp_url = format!("amqp://guest:guest@127.0.0.1:{broker_port}/%2f");
        s.connections.database_url = s
            .connections
            .database_url
            .replace("127.0.0.1:5432", &format!("127.0.0.1:{database_port}"));
    })
    .await;
    let readyz = || app.client.get(app.url("/readyz"));
    let accepted = spec
        .post(&app, &batch(vec![record("ext-1")]), &[])
        .await
        .expect(200);
    let id = accepted.body["data"][0]["id"].as_str().unwrap().to_owned();

    broker.cut().await;
    let ready = spec
        .send(Method::GET, "/readyz", readyz())
        .await
        .expect(503);
    assert_eq!(
        ready.body,
        json!({"status": "unavailable", "database": "up", "broker": "down"})
    );
    spec.post(&app, &batch(vec![record("ext-2")]), &[])
        .await
        .expect(503)
        .has("", "broker_unavailable");

    // With the broker back, a POST (its credentials and catalogue cached) gets as far as
    // storing its status rows.
    broker.restore();
    database.cut().await;
    spec.post(&app, &batch(vec![record("ext-3")]), &[])
        .await
        .expect(503)
        .has("", "store_unavailable");
    spec.get(&app, BILLING, &[], &[])
        .await
        .expect(503)
        .has("", "store_unavailable");
    spec.get(&app, RECORD, &[("id", id.as_str())], &[])
        .await
        .expect(503);
    spec.get(&app, ACCOUNT, &[("accountId", "50000000000")], &[])
        .await
        .expect(503);
    let ready = spec
        .send(Method::GET, "/readyz", readyz())
        .await
        .expect(503);
    assert_eq!(ready.body["database"], "down");
}

// ---------------------------------------------------------------------------------------
// The document and the checks against it.

/// A response as checked against the document.
struct Answer {
    status: u16,
    headers: HeaderMap,
    /// The JSON body, or the text of any other body as a string.
    body: Value,
}

impl Answer {
    #[track_caller]
    fn expect(self, status: u16) -> Self {
        assert_eq!(self.status, status, "{}", shorten(&self.body));
        self
    }

    /// Asserts the error envelope lists `code` at `source`.
    #[track_caller]
    fn has(self, source: &str, code: &str) -> Self {
        let problems: Vec<(&str, &str)> = self.body["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e["source"].as_str().unwrap_or("?"),
                    e["code"].as_str().unwrap_or("?"),
                )
            })
            .collect();
        assert!(
            problems.contains(&(source, code)),
            "expected {code} at {source:?}: {problems:?}"
        );
        self
    }
}

struct Spec {
    text: String,
    doc: Value,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
    /// (METHOD, path, status) of every answer checked; `("*", response name, status)` for
    /// answers outside the operations (unknown paths, unserved methods).
    exercised: Mutex<BTreeSet<(String, String, String)>>,
}

impl Spec {
    fn load() -> Spec {
        let text = std::fs::read_to_string(DOCUMENT).unwrap();
        let doc: Value = serde_yaml::from_str(&text).expect("docs/openapi.yaml is YAML");
        Spec {
            text,
            doc,
            validators: Mutex::default(),
            exercised: Mutex::default(),
        }
    }

    /// Follows local `$ref`s to the object they name.
    fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        while let Some(reference) = value.get("$ref").and_then(Value::as_str) {
            let pointer = reference
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("not a local $ref: {reference}"));
            value = self
                .doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("dangling $ref {reference}"));
        }
        value
    }

    fn operation(&self, method: &Method, template: &str) -> &Value {
        self.doc["paths"]
            .get(template)
            .and_then(|path| path.get(method.as_str().to_ascii_lowercase()))
            .unwrap_or_else(|| panic!("{method} {template} is not in the document"))
    }

    /// (METHOD, path) of every operation.
    fn operations(&self) -> BTreeSet<(String, String)> {
        let mut operations = BTreeSet::new();
        for (path, item) in self.doc["paths"].as_object().unwrap() {
            for method in HTTP_METHODS {
                if item.get(method).is_some() {
                    operations.insert((method.to_ascii_uppercase(), path.clone()));
                }
            }
        }
        operations
    }

    /// (METHOD, path, status) of every response of every operation.
    fn documented(&self) -> BTreeSet<(String, String, String)> {
        let mut documented = BTreeSet::new();
        for (method, path) in self.operations() {
            let operation = &self.doc["paths"][&path][method.to_ascii_lowercase()];
            for status in operation["responses"].as_object().unwrap().keys() {
                documented.insert((method.clone(), path.clone(), status.clone()));
            }
        }
        documented
    }

    /// What holds for the document as a whole, before any request.
    fn check_document(&self) {
        assert_eq!(self.doc["openapi"], "3.1.0");
        self.check_refs(&self.doc);
        let basic = json!([{"basicAuth": []}]);
        for (method, path) in self.operations() {
            let what = format!("{method} {path}");
            let operation = &self.doc["paths"][&path][method.to_ascii_lowercase()];
            let responses = operation["responses"].as_object().unwrap();
            for (status, response) in responses {
                let header = &self.resolve(response)["headers"]["X-Request-Id"];
                assert_eq!(
                    self.resolve(header)["required"],
                    true,
                    "{what} {status}: X-Request-Id is on every response"
                );
            }
            if path.starts_with("/api/v1/") {
                assert_eq!(operation["security"], basic, "{what}: HTTP Basic");
                for status in ["401", "429", "503"] {
                    assert!(responses.contains_key(status), "{what}: no {status}");
                }
            } else {
                assert!(operation.get("security").is_none(), "{what}: open");
            }
            for name in path.split('{').skip(1).filter_map(|s| s.split('}').next()) {
                let declared = operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| self.resolve(p))
                    .any(|p| p["in"] == "path" && p["name"] == name && p["required"] == true);
                assert!(declared, "{what}: path parameter {name} is not declared");
            }
        }
        for name in ["NotFound", "MethodNotAllowed"] {
            let response = &self.doc["components"]["responses"][name];
            assert!(response.is_object(), "components.responses.{name}");
        }
    }

    /// Every `$ref` of the document names something in it.
    fn check_refs(&self, value: &Value) {
        match value {
            Value::Object(map) => {
                if map.contains_key("$ref") {
                    self.resolve(value);
                }
                map.values().for_each(|v| self.check_refs(v));
            }
            Value::Array(items) => items.iter().for_each(|v| self.check_refs(v)),
            _ => {}
        }
    }

    /// Validates `instance` against `schema`, a schema object of the document whose `$ref`s
    /// point into the document's components; formats (`uuid`, `date-time`, `idn-email`) count.
    #[track_caller]
    fn validate(&self, schema: &Value, instance: &Value, what: &str) {
        let validator = {
            let mut cache = self.validators.lock().unwrap();
            cache
                .entry(schema.to_string())
                .or_insert_with(|| {
                    let mut root = schema.clone();
                    root.as_object_mut()
                        .unwrap_or_else(|| panic!("{what}: the schema is not an object"))
                        .insert("components".into(), self.doc["components"].clone());
                    let validator = jsonschema::options()
                        .with_draft(jsonschema::Draft::Draft202012)
                        .should_validate_formats(true)
                        .build(&root)
                        .unwrap_or_else(|e| panic!("{what}: the schema does not compile: {e}"));
                    Arc::new(validator)
                })
                .clone()
        };
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("at {:?}: {e}", e.instance_path().as_str()))
            .collect();
        assert!(
            errors.is_empty(),
            "{what} does not match the document:\n  {}\nin {}",
            errors.join("\n  "),
            shorten(instance)
        );
    }

    /// A header or parameter value as the instance its schema describes.
    fn scalar(&self, schema: &Value, value: &str) -> Value {
        match self.resolve(schema)["type"].as_str() {
            Some("integer") => value
                .parse::<i64>()
                .map_or_else(|_| json!(value), |n| json!(n)),
            _ => json!(value),
        }
    }

    /// Checks a response against the response object `declared`: its declared headers (the
    /// required ones present) and its body against the schema of its media type.
    async fn check_response(
        &self,
        declared: &Value,
        response: reqwest::Response,
        what: &str,
    ) -> Answer {
        let declared = self.resolve(declared);
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        for (name, header) in declared["headers"].as_object().into_iter().flatten() {
            let header = self.resolve(header);
            match headers.get(name.as_str()) {
                None => assert!(
                    header["required"] != true,
                    "{what}: no {name} header, which the document requires"
                ),
                Some(value) => self.validate(
                    &header["schema"],
                    &self.scalar(&header["schema"], value.to_str().unwrap()),
                    &format!("{what}: header {name}"),
                ),
            }
        }
        let media = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let content = declared["content"].get(&media).unwrap_or_else(|| {
            panic!("{what}: a body of type {media:?}, which the document does not give")
        });
        let body = if media == "application/json" {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{what}: the body is not JSON: {e}"))
        } else {
            Value::String(String::from_utf8(bytes.to_vec()).unwrap())
        };
        self.validate(&content["schema"], &body, &format!("{what}: body"));
        Answer {
            status,
            headers,
            body,
        }
    }

    /// Sends `request` to the operation `method template` and checks the answer against the
    /// response the document declares for its status; a status it does not declare fails.
    async fn send(&self, method: Method, template: &str, request: RequestBuilder) -> Answer {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16().to_string();
        let what = format!("{method} {template} {status}");
        let declared = self.operation(&method, template)["responses"]
            .get(&status)
            .unwrap_or_else(|| panic!("{what}: the document gives this operation no {status}"));
        let answer = self.check_response(declared, response, &what).await;
        self.exercised
            .lock()
            .unwrap()
            .insert((method.to_string(), template.to_owned(), status));
        answer
    }

    /// Sends a request outside the operations (an unknown path, a method a path does not
    /// serve) and checks the answer against the shared response `name`.
    async fn send_outside(&self, name: &str, request: RequestBuilder) -> Answer {
        let response = request.send().await.unwrap();
        let what = format!("{} {}", name, response.url().path());
        let declared = &self.doc["components"]["responses"][name];
        let answer = self.check_response(declared, response, &what).await;
        self.exercised.lock().unwrap().insert((
            "*".into(),
            name.to_owned(),
            answer.status.to_string(),
        ));
        answer
    }

    /// Checks the `(in, name, value)` parameters of a request that succeeded against the ones
    /// the document declares for it; every required one must have been sent.
    fn check_parameters(&self, method: &Method, template: &str, sent: &[(&str, &str, &str)]) {
        let declared: Vec<&Value> = [
            &self.doc["paths"][template]["parameters"],
            &self.operation(method, template)["parameters"],
        ]
        .into_iter()
        .flat_map(|list| list.as_array().into_iter().flatten())
        .map(|p| self.resolve(p))
        .collect();
        let matches = |p: &Value, place: &str, name: &str| {
            p["in"] == place
                && p["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
        };
        for (place, name, value) in sent {
            let parameter = declared
                .iter()
                .find(|p| matches(p, place, name))
                .unwrap_or_else(|| {
                    panic!(
                        "{method} {template}: the {place} parameter {name} is not in the document"
                    )
                });
            self.validate(
                &parameter["schema"],
                &self.scalar(&parameter["schema"], value),
                &format!("{method} {template}: {place} parameter {name}"),
            );
        }
        for parameter in declared.iter().filter(|p| p["required"] == true) {
            assert!(
                sent.iter()
                    .any(|(place, name, _)| matches(parameter, place, name)),
                "{method} {template}: required parameter {} not sent",
                parameter["name"]
            );
        }
    }

    /// `GET` of a partner route with the app's credentials.
    async fn get(
        &self,
        app: &TestApp,
        template: &str,
        path: &[(&str, &str)],
        query: &[(&str, &str)],
    ) -> Answer {
        let mut url = template.to_owned();
        for (name, value) in path {
            url = url.replace(&format!("{{{name}}}"), value);
        }
        let request = app
            .client
            .get(app.url(&url))
            .basic_auth(&app.username, Some(&app.password))
            .query(query);
        let answer = self.send(Method::GET, template, request).await;
        if answer.status < 300 {
            let sent: Vec<(&str, &str, &str)> = path
                .iter()
                .map(|(name, value)| ("path", *name, *value))
                .chain(query.iter().map(|(name, value)| ("query", *name, *value)))
                .collect();
            self.check_parameters(&Method::GET, template, &sent);
        }
        answer
    }

    /// `POST /api/v1/billing` of `body` as JSON with the app's credentials and `headers`; the
    /// body and headers of a success must match the document.
    async fn post(&self, app: &TestApp, body: &Value, headers: &[(&str, &str)]) -> Answer {
        let mut request = app
            .client
            .post(app.url(BILLING))
            .basic_auth(&app.username, Some(&app.password))
            .json(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let answer = self.send(Method::POST, BILLING, request).await;
        if answer.status == 200 {
            let operation = self.operation(&Method::POST, BILLING);
            let schema =
                &self.resolve(&operation["requestBody"])["content"]["application/json"]["schema"];
            self.validate(schema, body, "the request body");
            let sent: Vec<(&str, &str, &str)> = headers
                .iter()
                .map(|(name, value)| ("header", *name, *value))
                .collect();
            self.check_parameters(&Method::POST, BILLING, &sent);
        }
        answer
    }

    /// Every documented (operation, status) and shared response was produced by this test.
    fn assert_everything_exercised(&self) {
        let exercised = self.exercised.lock().unwrap().clone();
        let missing: Vec<_> = self.documented().difference(&exercised).cloned().collect();
        assert!(
            missing.is_empty(),
            "documented but never produced by this test: {missing:?}"
        );
        for (name, status) in [("NotFound", "404"), ("MethodNotAllowed", "405")] {
            assert!(
                exercised.contains(&("*".into(), name.into(), status.into())),
                "the shared response {name} was never produced"
            );
        }
    }
}

/// (METHOD, path) of every `.route(...)` in `src/startup.rs`: `.route("/path", web::get()...)`
/// or `.route(web::get()...)` inside `web::resource("/path")`.
fn routes_of_startup() -> BTreeSet<(String, String)> {
    let source = std::fs::read_to_string(STARTUP).unwrap();
    let mut routes = BTreeSet::new();
    let mut rest = source.as_str();
    while let Some(at) = rest.find(".route(") {
        let before = &source[..source.len() - rest.len() + at];
        rest = rest[at + ".route(".len()..].trim_start();
        let path = if let Some(literal) = rest.strip_prefix('"') {
            literal.split('"').next().unwrap().to_owned()
        } else {
            let resource = before
                .rfind("web::resource(\"")
                .map(|i| &before[i + "web::resource(\"".len()..])
                .expect("a .route(web::...) inside a web::resource");
            resource.split('"').next().unwrap().to_owned()
        };
        let method = rest[rest.find("web::").expect("web::METHOD()") + "web::".len()..]
            .split('(')
            .next()
            .unwrap()
            .to_ascii_uppercase();
        assert!(
            HTTP_METHODS.contains(&method.to_ascii_lowercase().as_str()),
            "startup.rs: a route for {method} {path}"
        );
        routes.insert((method, path));
    }
    assert!(
        routes.contains(&("GET".to_owned(), "/healthz".to_owned())),
        "startup.rs was read: {routes:?}"
    );
    routes
}

fn shorten(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 2000 {
        format!("{}...", text.chars().take(2000).collect::<String>())
    } else {
        text
    }
}
