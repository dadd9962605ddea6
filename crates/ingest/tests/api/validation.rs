//! One failing input per rule of contract §1 with its exact `source` and `code`, and the
//! notations that must pass.

use crate::helpers::*;
use billing_ingest::partners::store;
use serde_json::{Value, json};

#[tokio::test]
async fn an_unknown_field_is_refused_so_a_typo_never_drops_a_date() {
    let app = TestApp::spawn().await;
    assert_rejected(
        &app,
        with("finishAt", json!("2026-06-30")),
        422,
        "data.0.finishAt",
        "unknown_field",
    )
    .await;
    let (status, errors) = errors_of(
        app.post_json(&json!({"data": [record("e")], "meta": 1}))
            .await,
    )
    .await;
    assert_eq!((status, errors), (422, vec![pair("meta", "unknown_field")]));
}

#[tokio::test]
async fn every_length_limit_is_enforced_in_characters() {
    let app = TestApp::spawn().await;
    for (field, max) in [
        ("externalId", 64),
        ("accountId", 64),
        ("firstName", 100),
        ("lastName", 100),
        ("midName", 100),
        ("address", 500),
        ("apartment", 32),
        ("blockReason", 500),
    ] {
        let path = format!("data.0.{field}");
        assert_rejected(
            &app,
            with(field, json!("Я".repeat(max + 1))),
            422,
            &path,
            "too_long",
        )
        .await;
        let ok = app
            .post_json(&batch(vec![with(field, json!("Я".repeat(max)))]))
            .await;
        assert_eq!(ok.status(), 200, "{field} at its limit");
    }
    assert_rejected(
        &app,
        with("productCodes", json!(["Я".repeat(65)])),
        422,
        "data.0.productCodes.0",
        "too_long",
    )
    .await;
    let email = format!("{}@{}.example", "a".repeat(60), "b".repeat(190));
    assert_rejected(
        &app,
        with("email", json!(email)),
        422,
        "data.0.email",
        "too_long",
    )
    .await;
}

#[tokio::test]
async fn product_codes_are_resolved_through_aliases_and_checked_after_resolving() {
    let app = TestApp::spawn().await;
    store::set_alias(&app.db, "acme", "DOMOFON-BASIC", "base")
        .await
        .expect("alias");
    let record = published_record(
        &app,
        with("productCodes", json!(["domofon-basic", "VIDEO"])),
    )
    .await;
    assert_eq!(record["productCodes"], json!(["base", "video"]));
    assert_rejected(
        &app,
        with("productCodes", json!(["base", "Domofon-Basic"])),
        422,
        "data.0.productCodes.1",
        "duplicate_product_code",
    )
    .await;
    assert_rejected(
        &app,
        with("productCodes", json!(["base", "sauna"])),
        422,
        "data.0.productCodes.1",
        "unknown_product_code",
    )
    .await;
    let many: Vec<String> = (0..21).map(|i| format!("c{i}")).collect();
    assert_rejected(
        &app,
        with("productCodes", json!(many)),
        422,
        "data.0.productCodes",
        "too_long",
    )
    .await;
    assert_rejected(
        &app,
        with("productCodes", json!("base")),
        400,
        "data.0.productCodes",
        "invalid_type",
    )
    .await;
}

#[tokio::test]
async fn another_partners_alias_is_unknown_here() {
    let app = TestApp::spawn().await;
    store::add(&app.db, "other").await.expect("partner");
    store::set_alias(&app.db, "other", "d-basic", "base")
        .await
        .expect("alias");
    assert_rejected(
        &app,
        with("productCodes", json!(["d-basic"])),
        422,
        "data.0.productCodes.0",
        "unknown_product_code",
    )
    .await;
}

#[tokio::test]
async fn a_repeated_external_id_is_flagged_at_every_later_occurrence() {
    let app = TestApp::spawn().await;
    let (status, errors) = errors_of(
        app.post_json(&batch(vec![
            record("a"),
            record("b"),
            record("a"),
            record(" a "),
        ]))
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        errors,
        vec![
            pair("data.2.externalId", "duplicate_external_id"),
            pair("data.3.externalId", "duplicate_external_id")
        ]
    );
}

#[tokio::test]
async fn every_error_of_every_record_is_listed() {
    let app = TestApp::spawn().await;
    let mut second = record("b");
    second["msisdn"] = json!("123");
    second["email"] = json!("nope");
    second["startedAt"] = json!("yesterday");
    let mut fourth = record("d");
    fourth.as_object_mut().expect("object").remove("apartment");
    let (status, errors) = errors_of(
        app.post_json(&batch(vec![record("a"), second, record("c"), fourth]))
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        errors,
        vec![
            pair("data.1.msisdn", "invalid_msisdn"),
            pair("data.1.email", "invalid_email"),
            pair("data.1.startedAt", "invalid_date"),
            pair("data.3.apartment", "required"),
        ]
    );
    assert_eq!(app.queued_messages().await, 0);
}

#[tokio::test]
async fn a_batch_with_400_and_422_errors_answers_400_listing_all() {
    let app = TestApp::spawn().await;
    let (status, errors) = errors_of(
        app.post_json(&batch(vec![with("msisdn", json!(1)), with_ext_bad_date()]))
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        errors,
        vec![
            pair("data.0.msisdn", "invalid_type"),
            pair("data.1.startedAt", "invalid_date")
        ]
    );
}

fn with_ext_bad_date() -> Value {
    let mut r = record("other");
    r["startedAt"] = json!("2024-02-30");
    r
}

#[tokio::test]
async fn records_and_data_of_the_wrong_kind_are_invalid_type() {
    let app = TestApp::spawn().await;
    let (status, errors) = errors_of(
        app.post_json(&json!({"data": [record("a"), "x", null]}))
            .await,
    )
    .await;
    assert_eq!(
        (status, errors),
        (
            400,
            vec![
                pair("data.1", "invalid_type"),
                pair("data.2", "invalid_type")
            ]
        )
    );
    let (status, errors) = errors_of(app.post_json(&json!({"data": {"a": 1}})).await).await;
    assert_eq!((status, errors), (400, vec![pair("data", "invalid_type")]));
    let (status, errors) = errors_of(app.post_json(&json!({"data": null})).await).await;
    assert_eq!((status, errors), (422, vec![pair("data", "required")]));
    let (status, errors) = errors_of(app.post_json(&json!({})).await).await;
    assert_eq!((status, errors), (422, vec![pair("data", "required")]));
}

#[tokio::test]
async fn control_characters_in_ids_are_refused_and_free_text_is_kept_on_one_line() {
    let app = TestApp::spawn().await;
    assert_rejected(
        &app,
        with("externalId", json!("ext\u{0}1")),
        400,
        "data.0.externalId",
        "invalid_type",
    )
    .await;
    let record = published_record(
        &app,
        with("address", json!("г Москва,\n\tул Ленина 13\u{0}")),
    )
    .await;
    assert_eq!(record["address"], "г Москва, ул Ленина 13");
}

#[tokio::test]
async fn apartments_of_every_real_shape_pass_and_strings_are_trimmed() {
    let app = TestApp::spawn().await;
    for apartment in ["12", "12А", "12/1", "пом. 3"] {
        let record =
            published_record(&app, with("apartment", json!(format!("  {apartment} ")))).await;
        assert_eq!(record["apartment"], apartment);
    }
    let record = published_record(&app, with("externalId", json!("  LS-1  "))).await;
    assert_eq!(record["externalId"], "LS-1");
}

#[tokio::test]
async fn a_block_reason_blocks_and_a_blank_one_does_not() {
    let app = TestApp::spawn().await;
    let record = published_record(&app, with("blockReason", json!(" Задолженность "))).await;
    assert_eq!(record["blockReason"], "Задолженность");
    let record = published_record(&app, with("blockReason", json!("  "))).await;
    assert!(record.get("blockReason").is_none());
}

#[tokio::test]
async fn values_of_control_characters_only_count_as_blank() {
    let app = TestApp::spawn().await;
    assert_rejected(
        &app,
        with("apartment", json!("\u{0}")),
        422,
        "data.0.apartment",
        "required",
    )
    .await;
    assert_rejected(
        &app,
        with("apartment", json!("\u{1}\u{2}")),
        422,
        "data.0.apartment",
        "required",
    )
    .await;
    let record = published_record(&app, with("lastName", json!("\u{7}"))).await;
    assert!(record.get("lastName").is_none(), "{record}");
}

#[tokio::test]
async fn a_repeated_external_id_is_flagged_even_when_either_record_has_other_errors() {
    let app = TestApp::spawn().await;
    let mut bad = record("x");
    bad["msisdn"] = json!("1");
    let (status, errors) =
        errors_of(app.post_json(&batch(vec![record("x"), bad.clone()])).await).await;
    assert_eq!(
        (status, errors),
        (
            422,
            vec![
                pair("data.1.msisdn", "invalid_msisdn"),
                pair("data.1.externalId", "duplicate_external_id")
            ]
        )
    );
    let (status, errors) = errors_of(app.post_json(&batch(vec![bad, record("x")])).await).await;
    assert_eq!(
        (status, errors),
        (
            422,
            vec![
                pair("data.0.msisdn", "invalid_msisdn"),
                pair("data.1.externalId", "duplicate_external_id")
            ]
        )
    );
}

#[tokio::test]
async fn stray_punctuation_around_a_phone_is_refused() {
    let app = TestApp::spawn().await;
    for msisdn in ["((((9000000001", "...9000000001...", "8(900)000-00-01)"] {
        assert_rejected(
            &app,
            with("msisdn", json!(msisdn)),
            422,
            "data.0.msisdn",
            "invalid_msisdn",
        )
        .await;
    }
}
