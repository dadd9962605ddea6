//! Basic auth (edge cases 23–25): checked before the body is read, every malformed header a
//! 401 with the challenge and the envelope.

use crate::helpers::*;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

async fn post_with_header(
    app: &TestApp,
    authorization: Option<&str>,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/api/v1/billing"))
        .header("Content-Type", "application/json")
        .body(body);
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    request.send().await.expect("sent")
}

async fn assert_unauthorized(response: reqwest::Response, case: &str) {
    assert_eq!(response.status(), 401, "{case}");
    assert_eq!(
        response
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Basic realm=\"billing\""),
        "{case}"
    );
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["errors"][0]["code"], "unauthorized", "{case}");
    assert_eq!(body["errors"][0]["source"], "", "{case}");
}

fn valid_body() -> Vec<u8> {
    serde_json::to_vec(&batch(vec![record("ext-1")])).expect("json")
}

#[tokio::test]
async fn case_24_every_malformed_header_is_401_with_the_challenge() {
    let app = TestApp::spawn().await;
    let no_colon = format!("Basic {}", STANDARD.encode("acme"));
    let empty_user = format!("Basic {}", STANDARD.encode(format!(":{}", app.password)));
    for header in [
        None,
        Some("Basic"),
        Some("Basic !!!"),
        Some(no_colon.as_str()),
        Some(empty_user.as_str()),
        Some("Bearer x"),
    ] {
        assert_unauthorized(
            post_with_header(&app, header, valid_body()).await,
            &format!("{header:?}"),
        )
        .await;
    }
    assert_eq!(app.queued_messages().await, 0);
}

#[tokio::test]
async fn wrong_passwords_unknown_users_and_disabled_partners_are_401() {
    let app = TestApp::spawn().await;
    let wrong = format!("Basic {}", STANDARD.encode("acme:wrong"));
    assert_unauthorized(
        post_with_header(&app, Some(&wrong), valid_body()).await,
        "wrong password",
    )
    .await;
    let unknown = format!(
        "Basic {}",
        STANDARD.encode(format!("nobody:{}", app.password))
    );
    assert_unauthorized(
        post_with_header(&app, Some(&unknown), valid_body()).await,
        "unknown user",
    )
    .await;
    billing_ingest::partners::store::disable(&app.db, "acme")
        .await
        .expect("disable");
    assert_unauthorized(
        app.post_raw(valid_body(), "application/json").await,
        "disabled",
    )
    .await;
}

#[tokio::test]
async fn case_24_a_lower_case_scheme_with_good_credentials_is_accepted() {
    let app = TestApp::spawn().await;
    let header = format!(
        "basic {}",
        STANDARD.encode(format!("acme:{}", app.password))
    );
    assert_eq!(
        post_with_header(&app, Some(&header), valid_body())
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn case_23_a_password_with_colons_works() {
    let app = TestApp::spawn().await;
    sqlx::query("insert into partners (name, username, secret_sha256) values ('colon', 'colon', sha256('pa:ss:word'::bytea))")
        .execute(&app.db)
        .await
        .expect("partner with a colon in its secret");
    let header = format!("Basic {}", STANDARD.encode("colon:pa:ss:word"));
    assert_eq!(
        post_with_header(&app, Some(&header), valid_body())
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn case_25_bad_credentials_win_over_a_bad_or_oversized_body() {
    let app = TestApp::spawn_with(|s| s.max_body_bytes = 1024).await;
    let wrong = format!("Basic {}", STANDARD.encode("acme:wrong"));
    assert_unauthorized(
        post_with_header(&app, Some(&wrong), b"{not json".to_vec()).await,
        "invalid body",
    )
    .await;
    assert_unauthorized(
        post_with_header(&app, Some(&wrong), vec![b' '; 64 * 1024]).await,
        "oversized body",
    )
    .await;
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_sane_one_is_kept() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/healthz"))
        .header("X-Request-Id", "0193a0f0-1b2c-7d3e-8f40-123456789abc")
        .send()
        .await
        .expect("sent");
    assert_eq!(
        response.headers()["x-request-id"],
        "0193a0f0-1b2c-7d3e-8f40-123456789abc"
    );
    // Anything but a UUID is replaced: it could carry a phone number into the logs.
    let response = app
        .client
        .get(app.url("/healthz"))
        .header("X-Request-Id", "79161234567")
        .send()
        .await
        .unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert!(
        id != "79161234567" && uuid::Uuid::parse_str(id).is_ok(),
        "{id}"
    );
    let response = app
        .client
        .get(app.url("/nowhere"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 404);
    assert!(response.headers().contains_key("x-request-id"));
    let response = post_with_header(&app, None, valid_body()).await;
    assert!(response.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn two_authorization_headers_are_refused_whichever_comes_first() {
    let app = TestApp::spawn().await;
    let good = format!(
        "Basic {}",
        STANDARD.encode(format!("acme:{}", app.password))
    );
    let bad = format!("Basic {}", STANDARD.encode("acme:wrong"));
    for (first, second) in [(&good, &bad), (&bad, &good)] {
        let response = app
            .client
            .post(app.url("/api/v1/billing"))
            .header("Content-Type", "application/json")
            .header("Authorization", first.as_str())
            .header("Authorization", second.as_str())
            .body(valid_body())
            .send()
            .await
            .unwrap();
        assert_unauthorized(response, "two headers").await;
    }
    let nul = format!("Basic {}", STANDARD.encode("ac\u{0}me:x"));
    assert_unauthorized(
        post_with_header(&app, Some(&nul), valid_body()).await,
        "NUL in the username",
    )
    .await;
}
