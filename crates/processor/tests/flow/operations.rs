//! Operations on the processor side: dead letters listed and replayed, retention, metrics.

use billing_processor::dead_letters::DeadLetters;
use billing_processor::retention::Retention;
use billing_testkit::*;
use lapin::BasicProperties;
use lapin::types::{AMQPValue, FieldTable};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn dead_letters_are_listed_without_personal_data_and_replayed_after_a_fix() {
    let app = TestApp::spawn().await;
    // A record of a partner the processor does not know yet: it can never apply, for now.
    assert_eq!(
        app.post_json(&batch(vec![record("ext-1")])).await.status(),
        200
    );
    let (properties, mut message) = app.take_messages().await.remove(0);
    message["partner"] = "late".into();
    let mut headers = FieldTable::default();
    headers.insert("partner".into(), AMQPValue::LongString("late".into()));
    headers.insert("externalId".into(), AMQPValue::LongString("ext-1".into()));
    let id = message["id"].as_str().unwrap().to_owned();
    let properties: BasicProperties = properties.with_headers(headers);
    publish_raw(
        &app.broker.topology,
        vec![(serde_json::to_vec(&message).unwrap(), properties)],
    )
    .await;
    let processor = app.spawn_processor().await;
    app.wait_queue(&app.broker.topology.dead_queue(), 1).await;

    let settings = processor_settings(&app.database_url, app.broker.topology.prefix());
    let dead: DeadLetters = billing_processor::startup::dead_letters(&settings)
        .await
        .unwrap();
    let listed = dead.list(100).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id.as_deref(), Some(id.as_str()));
    assert_eq!(listed[0].partner.as_deref(), Some("late"));
    assert_eq!(listed[0].external_id.as_deref(), Some("ext-1"));
    assert_eq!(listed[0].reason.as_deref(), Some("rejected"));
    let printed = serde_json::to_string(&listed).unwrap();
    for personal in [
        "79123456789",
        "ivan@example.com",
        "Иван",
        "Ленина",
        "50000000000",
    ] {
        assert!(!printed.contains(personal), "{printed}");
    }
    assert_eq!(
        queue_length(&app.broker.topology.dead_queue()).await,
        1,
        "listing keeps them"
    );

    // The fix: the partner exists now. Replay sends the record back and it applies.
    billing_testkit::billing_ingest::partners::store::add(&app.db, "late")
        .await
        .unwrap();
    let replayed = dead.replay(None).await.unwrap();
    assert_eq!(replayed.len(), 1);
    let applied = app.wait_status(&id, "applied").await;
    assert_eq!(applied["externalId"], "ext-1");
    assert_eq!(queue_length(&app.broker.topology.dead_queue()).await, 0);

    let response = reqwest::get(format!("http://127.0.0.1:{}/metrics", processor.port))
        .await
        .unwrap();
    assert!(
        response.headers().contains_key("x-request-id"),
        "the processor's answers carry X-Request-Id too"
    );
    let metrics = response.text().await.unwrap();
    for name in [
        "billing_dead_letters_total{code=\"unknown_partner\"}",
        "billing_records_processed_total{outcome=\"applied\"}",
        "billing_apply_seconds_bucket",
        "billing_outbox_backlog",
    ] {
        assert!(metrics.contains(name), "{name} missing from:\n{metrics}");
    }
}

#[tokio::test]
async fn retention_deletes_only_what_is_past_its_time() {
    let app = TestApp::spawn().await;
    let _processor = app.spawn_processor().await;
    assert_eq!(
        app.post_json(&batch(vec![record("old"), record("new")]))
            .await
            .status(),
        200
    );
    app.wait_processed(2, WAIT).await;
    app.wait_relayed(WAIT).await;
    let _stopped = _processor.stop().await;
    assert_eq!(
        app.post_json(&batch(vec![record("queued")])).await.status(),
        200
    );
    sqlx::query("update record_status set processed_at = now() - interval '40 days', created_at = now() - interval '40 days' where external_id in ('old', 'queued')")
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("update outbox_events set sent_at = now() - interval '8 days' where payload ->> 'externalId' = 'old'")
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query(
        "insert into idempotency_keys (partner_id, key, request_sha256, state, created_at)
         select id, 'stale', '\\x00'::bytea, 'done', now() - interval '25 hours' from partners where name = 'acme'
         union all
         select id, 'fresh', '\\x00'::bytea, 'done', now() from partners where name = 'acme'",
    )
    .execute(&app.db)
    .await
    .unwrap();

    let retention = Retention {
        db: app.db.clone(),
        status_days: 30,
        events_days: 7,
        interval: Duration::from_secs(3600),
    };
    let purged = retention.purge().await.unwrap();
    assert_eq!(
        (purged.status_rows, purged.idempotency_keys, purged.events),
        (1, 1, 2)
    );
    let left: Vec<String> =
        sqlx::query_scalar("select external_id from record_status order by external_id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        left,
        vec!["new", "queued"],
        "recent and still-queued rows stay"
    );
    let keys: Vec<String> = sqlx::query_scalar("select key from idempotency_keys")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(keys, vec!["fresh"]);
}
