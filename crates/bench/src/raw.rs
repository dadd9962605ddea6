//! The ceilings: what this machine's RabbitMQ and PostgreSQL do with nothing of ours around
//! them — a raw lapin publisher, and the processor's own SQL run from memory.

use crate::workload::Workload;
use billing_processor::apply::Incoming;
use billing_processor::store::Store;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection};
use std::time::{Duration, Instant};

/// Properties like the gateway's: persistent JSON with ids in headers.
pub fn properties(message: &schema::envelope::RecordMessage) -> BasicProperties {
    let mut headers = FieldTable::default();
    headers.insert(
        "partner".into(),
        AMQPValue::LongString(message.partner.as_str().into()),
    );
    headers.insert(
        "externalId".into(),
        AMQPValue::LongString(message.record.external_id.as_str().into()),
    );
    BasicProperties::default()
        .with_content_type("application/json".into())
        .with_type(schema::envelope::RECORD_MESSAGE_TYPE.into())
        .with_message_id(message.id.to_string().into())
        .with_timestamp(message.created_at.as_second().max(0) as u64)
        .with_delivery_mode(2)
        .with_headers(headers)
}

pub async fn confirm_channel(connection: &Connection) -> anyhow::Result<Channel> {
    let channel = connection.create_channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    Ok(channel)
}

/// Publishes records `first..` with up to `in_flight` unconfirmed, for `duration` or until
/// `count` are confirmed; returns how many were confirmed and in what time.
pub async fn publish(
    channel: &Channel,
    queue: &str,
    workload: &Workload,
    first: u64,
    in_flight: usize,
    duration: Option<Duration>,
    count: Option<u64>,
) -> anyhow::Result<(u64, Duration)> {
    let started = Instant::now();
    let mut pending = FuturesUnordered::new();
    let mut next = first;
    let mut confirmed = 0u64;
    let options = BasicPublishOptions {
        mandatory: true,
        ..BasicPublishOptions::default()
    };
    loop {
        let time_left = duration.is_none_or(|d| started.elapsed() < d);
        let more = count.is_none_or(|c| next - first < c);
        while pending.len() < in_flight
            && time_left
            && more
            && count.is_none_or(|c| next - first < c)
        {
            let message = workload.message(next, "bench");
            let body = serde_json::to_vec(&message)?;
            let confirm = channel
                .basic_publish(
                    "".into(),
                    queue.into(),
                    options,
                    &body,
                    properties(&message),
                )
                .await?;
            pending.push(confirm);
            next += 1;
        }
        match pending.next().await {
            Some(confirmation) => {
                anyhow::ensure!(confirmation?.is_ack(), "the broker refused a message");
                confirmed += 1;
            }
            None => break,
        }
    }
    Ok((confirmed, started.elapsed()))
}

/// One round trip: `size` messages published, then every confirm awaited.
pub async fn round_trip(
    channel: &Channel,
    queue: &str,
    workload: &Workload,
    first: u64,
    size: u64,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let (n, _) = publish(
        channel,
        queue,
        workload,
        first,
        size as usize,
        None,
        Some(size),
    )
    .await?;
    anyhow::ensure!(n == size, "not every message confirmed");
    Ok(started.elapsed())
}

/// The processor's SQL (`Store::apply`) on in-memory groups of `group` records, for
/// `duration` or until `count` are applied; returns records applied and the time taken.
pub async fn apply_from_memory(
    store: &Store,
    workload: &Workload,
    partner_id: i64,
    first: u64,
    group: u64,
    duration: Option<Duration>,
    count: Option<u64>,
) -> anyhow::Result<(u64, Duration)> {
    let started = Instant::now();
    let mut next = first;
    while duration.is_none_or(|d| started.elapsed() < d) && count.is_none_or(|c| next - first < c) {
        let last = count.map_or(next + group, |c| (next + group).min(first + c));
        let incoming: Vec<Incoming> = (next..last)
            .map(|n| Incoming {
                partner_id,
                message: workload.message(n, "bench"),
            })
            .collect();
        store.apply(&incoming).await?;
        next = last;
    }
    Ok((next - first, started.elapsed()))
}

/// The simplest write: one upserted row per record, grouped the same way.
pub async fn bare_upsert(
    db: &sqlx::PgPool,
    workload: &Workload,
    first: u64,
    group: u64,
    duration: Duration,
) -> anyhow::Result<(u64, Duration)> {
    sqlx::query(
        "create table if not exists bench_bare (external_id text primary key, record_id uuid not null, payload jsonb not null)",
    )
    .execute(db)
    .await?;
    let started = Instant::now();
    let mut next = first;
    while started.elapsed() < duration {
        let rows: Vec<serde_json::Value> = (next..next + group)
            .map(|n| {
                let m = workload.message(n, "bench");
                serde_json::json!({"external_id": m.record.external_id, "record_id": m.id, "payload": m.record})
            })
            .collect();
        sqlx::query(
            "insert into bench_bare (external_id, record_id, payload)
             select external_id, record_id, payload from jsonb_to_recordset($1) as x (external_id text, record_id uuid, payload jsonb)
             on conflict (external_id) do update set record_id = excluded.record_id, payload = excluded.payload",
        )
        .bind(sqlx::types::Json(&rows))
        .execute(db)
        .await?;
        next += group;
    }
    Ok((next - first, started.elapsed()))
}
