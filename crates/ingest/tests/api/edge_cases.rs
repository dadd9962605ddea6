//! Every case of `shared/contract/edge-cases.md` that concerns the body, with the exact
//! answer it lists. (Auth cases are in `auth.rs`, broker cases in `broker.rs`, the server's
//! own time zone in `partners_cli.rs`, which runs the real binary.)

use crate::helpers::*;
use serde_json::{Value, json};

// 1–4: phones.

#[tokio::test]
async fn case_01_every_phone_notation_is_published_as_79000000001() {
    let app = TestApp::spawn().await;
    let notations = [
        "+79000000001",
        "89000000001",
        "79000000001",
        "9000000001",
        "+7 (900) 000-00-01",
        "8-900-000-00-01",
    ];
    let values: Vec<Value> = notations.iter().map(|v| json!(v)).collect();
    let records = one_record_per("msisdn", &values);
    assert_eq!(app.post_json(&batch(records)).await.status(), 200);
    let messages = app.take_messages().await;
    assert_eq!(messages.len(), notations.len());
    for (_, message) in messages {
        assert_eq!(message["record"]["msisdn"], "79000000001");
    }
}

fn with_ext(mut r: Value, i: usize) -> Value {
    r["externalId"] = json!(format!("ext-{i}"));
    r
}

#[tokio::test]
async fn case_02_03_wrong_lengths_and_non_mobile_numbers_are_invalid_msisdn() {
    let app = TestApp::spawn().await;
    let bad = [
        "+790000000012",
        "+7900000000",
        "+70000000001",
        "+71000000001",
        "+74951234567",
    ];
    let values: Vec<Value> = bad.iter().map(|v| json!(v)).collect();
    let records = one_record_per("msisdn", &values);
    let (status, errors) = errors_of(app.post_json(&batch(records)).await).await;
    assert_eq!(status, 422);
    let expected: Vec<_> = (0..bad.len())
        .map(|i| pair(&format!("data.{i}.msisdn"), "invalid_msisdn"))
        .collect();
    assert_eq!(errors, expected);
    assert_eq!(app.queued_messages().await, 0);
}

#[tokio::test]
async fn case_04_numbers_where_strings_belong_are_invalid_type_never_coerced() {
    let app = TestApp::spawn().await;
    assert_rejected(
        &app,
        with("msisdn", json!(79000000001u64)),
        400,
        "data.0.msisdn",
        "invalid_type",
    )
    .await;
    let body = r#"{"data":[{"externalId":"e","accountId":12345678901234567890,"productCodes":["base"],"msisdn":"+79123456789","address":"a","apartment":"1","startedAt":"2024-03-01"}]}"#;
    let (status, errors) = errors_of(app.post_raw(body, "application/json").await).await;
    assert_eq!(
        (status, errors),
        (400, vec![pair("data.0.accountId", "invalid_type")])
    );
}

// 5–7: e-mail.

#[tokio::test]
async fn case_05_plus_and_apostrophe_addresses_are_kept_verbatim() {
    let app = TestApp::spawn().await;
    for email in ["ivan.test+billing@example.com", "o'test@example.com"] {
        let record = published_record(&app, with("email", json!(email))).await;
        assert_eq!(record["email"], email);
    }
}

#[tokio::test]
async fn case_06_idn_domains_are_stored_in_punycode_and_non_ascii_local_parts_refused() {
    let app = TestApp::spawn().await;
    for email in ["test@пример.рф", "test@xn--e1afmkfd.xn--p1ai"] {
        let record = published_record(&app, with("email", json!(email))).await;
        assert_eq!(record["email"], "test@xn--e1afmkfd.xn--p1ai");
    }
    assert_rejected(
        &app,
        with("email", json!("тест@пример.рф")),
        422,
        "data.0.email",
        "invalid_email",
    )
    .await;
}

#[tokio::test]
async fn case_07_empty_blank_null_and_absent_email_mean_no_email_and_padding_is_trimmed() {
    let app = TestApp::spawn().await;
    for r in [
        with("email", json!("")),
        with("email", json!("   ")),
        with("email", Value::Null),
        without("email"),
    ] {
        let record = published_record(&app, r).await;
        assert!(record.get("email").is_none(), "{record}");
    }
    let record = published_record(&app, with("email", json!(" ivan@example.com "))).await;
    assert_eq!(record["email"], "ivan@example.com");
}

// 8–12: dates.

#[tokio::test]
async fn case_08_offsets_name_one_instant_fractions_of_1_to_9_digits_pass() {
    let app = TestApp::spawn().await;
    for (sent, stored) in [
        ("2024-03-01T07:00:00Z", "2024-03-01T07:00:00Z"),
        ("2024-03-01T10:00:00+03:00", "2024-03-01T07:00:00Z"),
        ("2024-03-01T10:00:00.5+03:00", "2024-03-01T07:00:00.5Z"),
        (
            "2024-03-01T10:00:00.123456789+03:00",
            "2024-03-01T07:00:00.123456789Z",
        ),
    ] {
        let record = published_record(&app, with("startedAt", json!(sent))).await;
        assert_eq!(record["startedAt"], stored, "{sent}");
    }
    assert_rejected(
        &app,
        with("startedAt", json!("2024-03-01T10:00:00.+03:00")),
        422,
        "data.0.startedAt",
        "invalid_date",
    )
    .await;
}

#[tokio::test]
async fn case_09_dates_without_offset_are_read_in_the_operator_zone() {
    let app = TestApp::spawn().await;
    let record = published_record(&app, with("startedAt", json!("2024-03-01"))).await;
    assert_eq!(record["startedAt"], "2024-02-29T21:00:00Z");
    let record = published_record(&app, with("startedAt", json!("2024-03-01T10:00:00"))).await;
    assert_eq!(record["startedAt"], "2024-03-01T07:00:00Z");
}

#[tokio::test]
async fn case_09_another_operator_zone_is_honoured() {
    let app = TestApp::spawn_with(|s| {
        s.zone = jiff::tz::TimeZone::get("Asia/Yekaterinburg").expect("tz")
    })
    .await;
    let record = published_record(&app, with("startedAt", json!("2024-03-01"))).await;
    assert_eq!(record["startedAt"], "2024-02-29T19:00:00Z");
}

#[tokio::test]
async fn case_10_impossible_dates_are_invalid_date() {
    let app = TestApp::spawn().await;
    let bad = [
        "2023-02-29",
        "2024-04-31",
        "2024-13-01",
        "2024-03-01T24:00:00Z",
        "2024-03-01T10:00:00+24:00",
    ];
    let values: Vec<Value> = bad.iter().map(|v| json!(v)).collect();
    let records = one_record_per("startedAt", &values);
    let (status, errors) = errors_of(app.post_json(&batch(records)).await).await;
    let expected: Vec<_> = (0..bad.len())
        .map(|i| pair(&format!("data.{i}.startedAt"), "invalid_date"))
        .collect();
    assert_eq!((status, errors), (422, expected));
    let record = published_record(&app, with("startedAt", json!("2024-02-29"))).await;
    assert_eq!(record["startedAt"], "2024-02-28T21:00:00Z");
}

#[tokio::test]
async fn case_11_end_rules_before_start_no_end_whole_last_day_and_one_day_service() {
    let app = TestApp::spawn().await;
    let mut r = with("startedAt", json!("2024-03-02"));
    r["finishedAt"] = json!("2024-03-01");
    assert_rejected(&app, r, 422, "data.0.finishedAt", "finished_before_started").await;
    let mut r = with("startedAt", json!("2024-03-02T10:00:00+03:00"));
    r["finishedAt"] = json!("2024-03-02T09:59:59+03:00");
    assert_rejected(&app, r, 422, "data.0.finishedAt", "finished_before_started").await;

    let record = published_record(&app, with("finishedAt", json!("9999-12-31"))).await;
    assert!(record.get("finishedAt").is_none(), "{record}");

    let record = published_record(&app, with("finishedAt", json!("2026-06-30"))).await;
    assert_eq!(record["finishedAt"], "2026-06-30T21:00:00Z"); // 2026-07-01T00:00:00+03:00

    let mut r = with("startedAt", json!("2026-06-30"));
    r["finishedAt"] = json!("2026-06-30");
    let record = published_record(&app, r).await;
    assert_eq!(
        (record["startedAt"].as_str(), record["finishedAt"].as_str()),
        (Some("2026-06-29T21:00:00Z"), Some("2026-06-30T21:00:00Z"))
    );
}

#[tokio::test]
async fn case_12_created_at_and_message_timestamps_are_rfc3339() {
    let app = TestApp::spawn().await;
    let response = app.post_json(&batch(vec![record("ext-1")])).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    let created_at = body["data"][0]["createdAt"].as_str().expect("createdAt");
    // "2022-09-27T03:17:19.546Z": UTC, milliseconds, as in the contract's example.
    assert!(
        created_at.parse::<jiff::Timestamp>().is_ok(),
        "{created_at}"
    );
    assert!(
        created_at.len() == 24 && created_at.ends_with('Z') && created_at.as_bytes()[19] == b'.',
        "{created_at}"
    );
    let (_, message) = app.take_messages().await.remove(0);
    for value in [&message["createdAt"], &message["record"]["startedAt"]] {
        let text = value.as_str().expect("a string");
        assert!(
            text.parse::<jiff::Timestamp>().is_ok() && text.ends_with('Z'),
            "{text}"
        );
    }
}

// 13–22: the JSON body.

#[tokio::test]
async fn case_13_a_duplicate_key_is_rejected_neither_value_wins() {
    let app = TestApp::spawn().await;
    let body = r#"{"data":[{"externalId":"e","accountId":"1","productCodes":["base"],"msisdn":"+79123456789","msisdn":"+79123456780","address":"a","apartment":"1","startedAt":"2024-03-01"}]}"#;
    let (status, errors) = errors_of(app.post_raw(body, "application/json").await).await;
    assert_eq!(
        (status, errors),
        (400, vec![pair("data.0.msisdn", "duplicate_field")])
    );
}

#[tokio::test]
async fn case_14_a_byte_order_mark_is_skipped() {
    let app = TestApp::spawn().await;
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend(serde_json::to_vec(&batch(vec![record("ext-1")])).expect("json"));
    assert_eq!(app.post_raw(body, "application/json").await.status(), 200);
}

#[tokio::test]
async fn case_15_deep_nesting_is_refused_at_once_and_the_next_request_works() {
    let app = TestApp::spawn().await;
    let arrays = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let objects = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
    for nested in [arrays, objects] {
        let mut r = record("ext-1");
        r["accountId"] = json!("placeholder");
        let body = serde_json::to_string(&batch(vec![r]))
            .expect("json")
            .replace(r#""placeholder""#, &nested);
        let (status, errors) = errors_of(app.post_raw(body, "application/json").await).await;
        assert_eq!(status, 400);
        assert!(
            errors.contains(&pair("data.0.accountId", "invalid_type"))
                || errors == vec![pair("", "invalid_json")],
            "{errors:?}"
        );
        assert_eq!(
            app.post_json(&batch(vec![record("ext-1")])).await.status(),
            200
        );
    }
}

#[tokio::test]
async fn case_16_body_and_batch_limits() {
    let app = TestApp::spawn_with(|s| {
        s.max_records = 3;
        s.max_body_bytes = 64 * 1024;
    })
    .await;
    let big = format!(
        r#"{{"data":[{{"externalId":"{}"}}]}}"#,
        "x".repeat(70 * 1024)
    );
    let (status, errors) = errors_of(app.post_raw(big, "application/json").await).await;
    assert_eq!((status, errors), (413, vec![pair("", "payload_too_large")]));

    assert_rejected_body(&app, json!({"data": []}), 422, "data", "empty_batch").await;
    let four = (0..4).map(|i| record(&format!("ext-{i}"))).collect();
    assert_rejected_body(&app, batch(four), 422, "data", "too_many_records").await;
    assert_eq!(app.queued_messages().await, 0);
}

async fn assert_rejected_body(app: &TestApp, body: Value, status: u16, source: &str, code: &str) {
    let (got_status, errors) = errors_of(app.post_json(&body).await).await;
    assert_eq!((got_status, errors), (status, vec![pair(source, code)]));
}

#[tokio::test]
async fn case_17_null_and_absent_are_the_same() {
    let app = TestApp::spawn().await;
    for field in [
        "email",
        "firstName",
        "lastName",
        "midName",
        "finishedAt",
        "blockReason",
    ] {
        let from_null = published_record(&app, with(field, Value::Null)).await;
        let from_absent = published_record(&app, without(field)).await;
        assert_eq!(from_null, from_absent, "{field}");
        assert!(from_null.get(field).is_none());
    }
    for field in [
        "externalId",
        "accountId",
        "productCodes",
        "msisdn",
        "address",
        "apartment",
        "startedAt",
    ] {
        let path = format!("data.0.{field}");
        assert_rejected(&app, with(field, Value::Null), 422, &path, "required").await;
        assert_rejected(&app, without(field), 422, &path, "required").await;
    }
}

#[tokio::test]
async fn case_18_blank_required_strings_and_product_code_lists() {
    let app = TestApp::spawn().await;
    assert_rejected(
        &app,
        with("accountId", json!("")),
        422,
        "data.0.accountId",
        "required",
    )
    .await;
    assert_rejected(
        &app,
        with("accountId", json!("   ")),
        422,
        "data.0.accountId",
        "required",
    )
    .await;
    assert_rejected(
        &app,
        with("productCodes", json!([])),
        422,
        "data.0.productCodes",
        "empty",
    )
    .await;
    assert_rejected(
        &app,
        with("productCodes", json!(["base", ""])),
        422,
        "data.0.productCodes.1",
        "required",
    )
    .await;
    assert_rejected(
        &app,
        with("productCodes", json!(["base", "base"])),
        422,
        "data.0.productCodes.1",
        "duplicate_product_code",
    )
    .await;
}

#[tokio::test]
async fn case_19_lengths_are_counted_in_characters() {
    let app = TestApp::spawn().await;
    let surname35 = "Ж".repeat(35);
    let record = published_record(&app, with("lastName", json!(surname35))).await;
    assert_eq!(record["lastName"], surname35);
    let record = published_record(&app, with("lastName", json!("Ж".repeat(100)))).await;
    assert_eq!(
        record["lastName"].as_str().map(|s| s.chars().count()),
        Some(100)
    );
    assert_rejected(
        &app,
        with("lastName", json!("Ж".repeat(101))),
        422,
        "data.0.lastName",
        "too_long",
    )
    .await;
}

#[tokio::test]
async fn case_20_only_utf8_json_is_taken() {
    let app = TestApp::spawn().await;
    let body = serde_json::to_vec(&batch(vec![record("ext-1")])).expect("json");
    assert_eq!(
        app.post_raw(body.clone(), "application/json; charset=utf-8")
            .await
            .status(),
        200
    );
    for content_type in [
        "text/plain",
        "application/json; charset=windows-1251",
        "application/xml",
    ] {
        let response = app.post_raw(body.clone(), content_type).await;
        let value: Value = response.json().await.expect("json");
        assert_eq!(
            value["errors"][0]["code"], "unsupported_media_type",
            "{content_type}"
        );
        assert!(
            value["errors"][0]["detail"]
                .as_str()
                .is_some_and(|d| d.contains("UTF-8"))
        );
    }
    let response = app
        .client
        .post(app.url("/api/v1/billing"))
        .basic_auth(&app.username, Some(&app.password))
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 415);
}

#[tokio::test]
async fn case_21_unreadable_bodies_get_one_error_in_the_envelope() {
    let app = TestApp::spawn().await;
    for (body, code) in [
        (r#"{"data":[{"externalId":"e""#, "invalid_json"),
        (r#"{"data":[]} trailing"#, "invalid_json"),
        (r#"[{"externalId":"e"}]"#, "invalid_type"),
        (r#""a string""#, "invalid_type"),
    ] {
        let response = app.post_raw(body, "application/json").await;
        assert_eq!(response.status(), 400, "{body}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .is_ok_and(|c| c.starts_with("application/json"))
        );
        let value: Value = response.json().await.expect("json");
        let errors = value["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), 1, "{value}");
        assert_eq!(
            (errors[0]["source"].as_str(), errors[0]["code"].as_str()),
            (Some(""), Some(code)),
            "{body}"
        );
        let detail = errors[0]["detail"].as_str().expect("detail");
        for internal in ["serde", "Value", "Vec<", "String", "struct", "Option"] {
            assert!(!detail.contains(internal), "{detail}");
        }
    }
}

#[tokio::test]
async fn case_22_paths_are_dot_notation_for_type_errors_too() {
    let app = TestApp::spawn().await;
    let records = vec![
        record("ext-0"),
        record("ext-1"),
        with_ext(with("productCodes", json!(["base", 7])), 2),
    ];
    let mut records = records;
    records[2]["msisdn"] = json!(true);
    let (status, errors) = errors_of(app.post_json(&batch(records)).await).await;
    assert_eq!(status, 400);
    assert_eq!(
        errors,
        vec![
            pair("data.2.productCodes.1", "invalid_type"),
            pair("data.2.msisdn", "invalid_type")
        ]
    );
}

// 26: addresses.

#[tokio::test]
async fn case_26_a_fias_guid_is_stored_lower_case_and_the_nil_guid_refused() {
    let app = TestApp::spawn().await;
    let record = published_record(
        &app,
        with("address", json!("3F2B9C1E-7A4D-4E5B-9C8D-1A2B3C4D5E6F")),
    )
    .await;
    assert_eq!(record["address"], "3f2b9c1e-7a4d-4e5b-9c8d-1a2b3c4d5e6f");
    assert_rejected(
        &app,
        with("address", json!("00000000-0000-0000-0000-000000000000")),
        422,
        "data.0.address",
        "invalid_address",
    )
    .await;
}

#[tokio::test]
async fn a_content_coding_or_two_content_types_are_415() {
    let app = TestApp::spawn().await;
    let body = serde_json::to_vec(&batch(vec![record("ext-1")])).unwrap();
    for (name, value) in [
        ("Content-Encoding", "gzip"),
        ("Content-Encoding", "xyz"),
        ("Content-Type", "text/plain"),
    ] {
        let response = app
            .client
            .post(app.url("/api/v1/billing"))
            .basic_auth(&app.username, Some(&app.password))
            .header("Content-Type", "application/json")
            .header(name, value)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let (status, errors) = errors_of(response).await;
        assert_eq!(
            (status, errors),
            (415, vec![pair("", "unsupported_media_type")]),
            "{name}: {value}"
        );
    }
    assert_eq!(app.queued_messages().await, 0);
}
