//! The partner samples of `shared/samples`, accepted whole, and a batch with one bad record
//! publishing nothing.

use crate::helpers::*;
use lapin::types::AMQPValue;
use serde_json::Value;

fn header<'a>(props: &'a lapin::BasicProperties, name: &str) -> Option<&'a AMQPValue> {
    props.headers().as_ref()?.inner().get(name)
}

fn header_text(props: &lapin::BasicProperties, name: &str) -> Option<String> {
    match header(props, name)? {
        AMQPValue::LongString(s) => Some(s.to_string()),
        AMQPValue::ShortString(s) => Some(s.to_string()),
        _ => None,
    }
}

#[tokio::test]
async fn batch_500_is_accepted_whole_in_order_with_500_messages_and_500_queued_rows() {
    let app = TestApp::spawn().await;
    let body = sample("batch-500.json");
    let sent: Vec<&str> = body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|r| r["externalId"].as_str().expect("id"))
        .collect();
    assert_eq!(sent.len(), 500);

    let response = app.post_json(&body).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-request-id"));
    let answer: Value = response.json().await.expect("json");
    let rows = answer["data"].as_array().expect("rows");
    let answered: Vec<&str> = rows
        .iter()
        .map(|r| r["externalId"].as_str().expect("id"))
        .collect();
    assert_eq!(answered, sent, "rows in input order");
    let ids: Vec<uuid::Uuid> = rows
        .iter()
        .map(|r| r["id"].as_str().expect("id").parse().expect("uuid"))
        .collect();
    assert!(
        ids.iter().all(|id| id.get_version_num() == 7),
        "UUIDv7 row ids"
    );
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "row ids increase within the batch"
    );

    let messages = app.take_messages().await;
    assert_eq!(messages.len(), 500);
    for ((props, message), id) in messages.iter().zip(&ids) {
        assert_eq!(
            props.content_type().as_ref().map(|s| s.as_str()),
            Some("application/json")
        );
        assert_eq!(
            props.kind().as_ref().map(|s| s.as_str()),
            Some("billing.record.v1")
        );
        assert_eq!(
            props.message_id().as_ref().map(|s| s.to_string()),
            Some(id.to_string())
        );
        assert_eq!(*props.delivery_mode(), Some(2), "persistent");
        assert!(props.timestamp().is_some_and(|t| t > 1_700_000_000));
        assert_eq!(header_text(props, "partner").as_deref(), Some("acme"));
        assert_eq!(
            header_text(props, "externalId").as_deref(),
            message["record"]["externalId"].as_str()
        );
        assert_eq!(message["id"], id.to_string());
        let msisdn = message["record"]["msisdn"].as_str().expect("msisdn");
        assert!(msisdn.len() == 11 && msisdn.starts_with("79"), "{msisdn}");
        let headers = props.headers().as_ref().expect("headers").inner();
        let names: Vec<String> = headers.keys().map(|k| k.to_string()).collect();
        // Ours are identifiers only; `x-` headers are the broker's own (x-delivery-count).
        assert!(
            names.iter().all(
                |n| ["partner", "externalId", "requestId"].contains(&n.as_str())
                    || n.starts_with("x-")
            ),
            "{names:?}"
        );
    }

    let status_rows = app.status_rows().await;
    assert_eq!(status_rows.len(), 500);
    assert!(status_rows.iter().all(|(_, _, status)| status == "queued"));
    let stored_ids: Vec<uuid::Uuid> = status_rows.iter().map(|r| r.0).collect();
    assert_eq!(stored_ids, ids);
}

#[tokio::test]
async fn batch_update_is_accepted_whole() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.post_json(&sample("batch-update.json")).await.status(),
        200
    );
    assert_eq!(app.queued_messages().await, 5);
}

#[tokio::test]
async fn a_batch_with_one_bad_record_publishes_nothing_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let mut body = sample("batch-500.json");
    body["data"][321]["msisdn"] = Value::from("+74951234567");
    let (status, errors) = errors_of(app.post_json(&body).await).await;
    assert_eq!(
        (status, errors),
        (422, vec![pair("data.321.msisdn", "invalid_msisdn")])
    );
    assert_eq!(app.queued_messages().await, 0);
    assert!(app.status_rows().await.is_empty());
}
