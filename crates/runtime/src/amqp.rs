//! RabbitMQ: the connection pool and the declaration of the topology of
//! [`schema::topology::Topology`].

use crate::env::redact_url;
use anyhow::Context;
use deadpool_lapin::{Config, Pool, PoolConfig, Runtime, Timeouts};
use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{Channel, ConnectionProperties, ExchangeKind};
use schema::topology::Topology;
use std::time::Duration;

/// A pool of broker connections. A dead connection is dropped and replaced on the next
/// `get`, which is how both binaries reconnect by themselves.
pub fn pool(url: &str, max_connections: usize, connect_timeout: Duration) -> anyhow::Result<Pool> {
    let config = Config {
        url: Some(url.to_owned()),
        pool: Some(PoolConfig {
            max_size: max_connections,
            timeouts: Timeouts {
                wait: Some(connect_timeout),
                create: Some(connect_timeout),
                recycle: Some(connect_timeout),
            },
            ..PoolConfig::default()
        }),
    };
    config
        .create_pool(
            || ConnectionProperties::default().with_connection_name("billing".into()),
            Runtime::Tokio1,
        )
        .with_context(|| format!("BILLING_AMQP_URL is not usable: {}", redact_url(url)))
}

/// Opens a channel, failing with a message naming the URL when RabbitMQ is unreachable.
pub async fn channel(pool: &Pool, url: &str) -> anyhow::Result<Channel> {
    let connection = pool
        .get()
        .await
        .with_context(|| format!("cannot connect to RabbitMQ at {}", redact_url(url)))?;
    connection
        .create_channel()
        .await
        .with_context(|| format!("cannot open a channel on RabbitMQ at {}", redact_url(url)))
}

fn table(entries: &[(&str, AMQPValue)]) -> FieldTable {
    let mut table = FieldTable::default();
    for (key, value) in entries {
        table.insert(ShortString::from(*key), value.clone());
    }
    table
}

fn text(value: &str) -> AMQPValue {
    AMQPValue::LongString(value.into())
}

/// Declares exchanges, queues and bindings; idempotent, so every process does it at start.
pub async fn declare_topology(channel: &Channel, topology: &Topology) -> anyhow::Result<()> {
    let durable = ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    };
    let queue_options = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };

    channel
        .exchange_declare(
            topology.dead_exchange().into(),
            ExchangeKind::Fanout,
            durable,
            FieldTable::default(),
        )
        .await
        .context("declaring the dead-letter exchange")?;
    channel
        .queue_declare(
            topology.dead_queue().into(),
            queue_options,
            table(&[("x-queue-type", text("quorum"))]),
        )
        .await
        .context("declaring the dead-letter queue")?;
    channel
        .queue_bind(
            topology.dead_queue().into(),
            topology.dead_exchange().into(),
            "".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .context("binding the dead-letter queue")?;
    // at-least-once dead-lettering keeps a record until the dead queue confirms it; RabbitMQ
    // requires `reject-publish` overflow with it.
    channel
        .queue_declare(
            topology.records_queue().into(),
            queue_options,
            table(&[
                ("x-queue-type", text("quorum")),
                ("x-dead-letter-exchange", text(&topology.dead_exchange())),
                ("x-dead-letter-strategy", text("at-least-once")),
                ("x-overflow", text("reject-publish")),
            ]),
        )
        .await
        .context("declaring the records queue")?;
    channel
        .exchange_declare(
            topology.events_exchange().into(),
            ExchangeKind::Topic,
            durable,
            FieldTable::default(),
        )
        .await
        .context("declaring the events exchange")?;
    channel
        .queue_declare(
            topology.events_recent_queue().into(),
            queue_options,
            table(&[
                ("x-queue-type", text("quorum")),
                (
                    "x-max-length",
                    AMQPValue::LongLongInt(Topology::EVENTS_RECENT_MAX),
                ),
            ]),
        )
        .await
        .context("declaring the recent-events queue")?;
    channel
        .queue_bind(
            topology.events_recent_queue().into(),
            topology.events_exchange().into(),
            "#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .context("binding the recent-events queue")?;
    Ok(())
}
