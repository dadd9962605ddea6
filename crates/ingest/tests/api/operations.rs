//! What ops rely on at the gateway: readiness that follows the dependencies, 503 while one is
//! away and 200 again after, the throttles, the body timeout, metrics.

use crate::helpers::*;
use billing_testkit::proxy::Proxy;
use serde_json::Value;
use std::time::Duration;

async fn ready(app: &TestApp) -> (u16, Value) {
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn readiness_and_answers_follow_the_broker_and_recover_by_themselves() {
    let proxy = Proxy::start("127.0.0.1:5672").await;
    let port = proxy.port;
    let app = TestApp::spawn_with(|s| {
        s.connections.amqp_url = format!("amqp://guest:guest@127.0.0.1:{port}/%2f")
    })
    .await;
    assert_eq!(ready(&app).await.0, 200);
    proxy.cut().await;
    let (status, body) = ready(&app).await;
    assert_eq!(
        (status, body["broker"].as_str(), body["database"].as_str()),
        (503, Some("down"), Some("up"))
    );
    proxy.restore();
    let (status, _) = ready(&app).await;
    assert_eq!(status, 200, "ready again without a restart");
}

#[tokio::test]
async fn a_database_outage_is_503_store_unavailable_and_200_again_after() {
    let app = TestApp::spawn().await;
    let proxy = Proxy::start("127.0.0.1:5432").await;
    let through_proxy = app
        .database_url
        .replace("127.0.0.1:5432", &format!("127.0.0.1:{}", proxy.port));
    // A second gateway on the same database and broker names, reaching the database through the proxy.
    let prefix = app.broker.topology.prefix().to_owned();
    let mut settings = settings(&through_proxy, &prefix);
    settings.http_workers = 1;
    let gateway = billing_ingest::Application::build(settings).await.unwrap();
    let url = format!("http://127.0.0.1:{}", gateway.port());
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn(gateway.run_until_stopped(stop.clone()));
    let post = || {
        app.client
            .post(format!("{url}/api/v1/billing"))
            .basic_auth(&app.username, Some(&app.password))
            .json(&batch(vec![record("ext-1")]))
            .send()
    };
    assert_eq!(post().await.unwrap().status(), 200);

    proxy.cut().await;
    let response = post().await.unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "store_unavailable");
    let readiness = app
        .client
        .get(format!("{url}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(readiness.status(), 503);

    proxy.restore();
    let mut recovered = false;
    for _ in 0..50 {
        if post().await.unwrap().status() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        recovered,
        "200 again within seconds of the database's return"
    );
    stop.cancel();
}

#[tokio::test]
async fn failed_logins_are_throttled_per_username_and_address() {
    let app = TestApp::spawn_with(|s| s.login_failures_max = 3).await;
    let wrong = |password: &'static str| {
        app.client
            .post(app.url("/api/v1/billing"))
            .basic_auth(&app.username, Some(password))
            .json(&batch(vec![record("ext-1")]))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(wrong("nope").await.unwrap().status(), 401);
    }
    let throttled = wrong("nope").await.unwrap();
    assert_eq!(throttled.status(), 429);
    let retry_after: u64 = throttled.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let (_, errors) = errors_of(throttled).await;
    assert_eq!(errors, vec![pair("", "rate_limited")]);
    // Even the right password waits out the window for this username and address.
    assert_eq!(
        app.post_json(&batch(vec![record("ext-1")])).await.status(),
        429
    );
    // Another username from the same address is not affected.
    let response = app
        .as_other_partner(reqwest::Method::POST, "/api/v1/billing")
        .await
        .json(&batch(vec![record("ext-1")]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_partner_over_its_request_rate_gets_429() {
    let app = TestApp::spawn_with(|s| s.rate_limit_per_minute = 2).await;
    assert_eq!(app.get("/api/v1/billing").await.status(), 200);
    assert_eq!(app.get("/api/v1/billing").await.status(), 200);
    let response = app.get("/api/v1/billing").await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn a_body_that_trickles_in_is_cut_off() {
    let app = TestApp::spawn_with(|s| s.body_timeout = Duration::from_millis(500)).await;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let stream = futures_stream(receiver);
    let request = app
        .client
        .post(app.url("/api/v1/billing"))
        .basic_auth(&app.username, Some(&app.password))
        .header("Content-Type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send();
    let trickle = tokio::spawn(async move {
        for byte in br#"{"data":[{"externalId":"#.iter() {
            if sender.send(Ok(vec![*byte])).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let response = request.await.unwrap();
    // Like a truncated body: 400 invalid_json (the contract has no 408).
    assert_eq!(response.status(), 400);
    let (_, errors) = errors_of(response).await;
    assert_eq!(errors, vec![pair("", "invalid_json")]);
    trickle.abort();
    assert_eq!(
        app.post_json(&batch(vec![record("ext-1")])).await.status(),
        200,
        "the gateway goes on"
    );
}

fn futures_stream(
    mut receiver: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures::stream::poll_fn(move |cx| receiver.poll_recv(cx))
}

#[tokio::test]
async fn metrics_count_requests_and_records() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.post_json(&batch(vec![record("ext-1")])).await.status(),
        200
    );
    assert_eq!(
        app.post_json(&batch(vec![with("msisdn", serde_json::json!("1"))]))
            .await
            .status(),
        422
    );
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "billing_http_requests_total{route=\"/api/v1/billing\",method=\"POST\",status=\"200\"}",
        "billing_records_accepted_total{partner=\"acme\"}",
        "billing_records_rejected_total{code=\"invalid_msisdn\"}",
        "billing_publish_confirm_seconds_bucket",
        "billing_http_request_duration_seconds_bucket",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
}
