//! Dead letters: list them (identifiers and reasons only, never the record) and replay them to
//! `billing.records` once the cause is fixed.
//!
//! Both read the dead queue with unacknowledged gets: what is not replayed goes back to the
//! queue when the channel closes, in its order. A replayed message is published with confirms
//! first and only then removed from the dead queue, so a failure in between leaves it in both
//! places at worst, never in neither; the processor treats the copy as a redelivery.

use anyhow::Context;
use lapin::options::{BasicAckOptions, BasicGetOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel};
use runtime::publisher::{ConfirmPublisher, Outgoing};
use schema::envelope::headers;
use schema::topology::Topology;
use serde::Serialize;
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

/// One dead letter as an operator sees it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    pub id: Option<String>,
    pub partner: Option<String>,
    pub external_id: Option<String>,
    /// Why the broker dead-lettered it (`rejected`, `delivery_limit`, ...).
    pub reason: Option<String>,
    /// The processor's failure code from the status row, when the record is known.
    pub failure: Option<String>,
    pub deaths: i64,
}

pub struct DeadLetters {
    pub amqp: deadpool_lapin::Pool,
    pub db: PgPool,
    pub topology: Topology,
}

impl DeadLetters {
    async fn channel(&self) -> anyhow::Result<Channel> {
        let connection = self.amqp.get().await.context("connecting to RabbitMQ")?;
        Ok(connection.create_channel().await?)
    }

    /// Up to `limit` dead letters, oldest first, left in the queue.
    pub async fn list(&self, limit: usize) -> anyhow::Result<Vec<DeadLetter>> {
        let channel = self.channel().await?;
        let mut letters = Vec::new();
        while letters.len() < limit {
            let Some(message) = get(&channel, &self.topology).await? else {
                break;
            };
            letters.push(self.describe(&message.delivery.properties).await);
        }
        let _ = channel.close(200, "listed".into()).await;
        Ok(letters)
    }

    /// Moves the dead letters whose id is in `ids` (all of them when `None`) back to the records
    /// queue; returns those replayed.
    pub async fn replay(&self, ids: Option<&[String]>) -> anyhow::Result<Vec<DeadLetter>> {
        let channel = self.channel().await?;
        let publisher = ConfirmPublisher::new(self.amqp.clone(), 1, Duration::from_secs(10));
        let mut replayed = Vec::new();
        while let Some(message) = get(&channel, &self.topology).await? {
            let properties = &message.delivery.properties;
            let letter = self.describe(properties).await;
            let chosen =
                ids.is_none_or(|ids| letter.id.as_ref().is_some_and(|id| ids.contains(id)));
            if !chosen {
                continue;
            }
            let outgoing = Outgoing {
                routing_key: self.topology.records_queue().into(),
                body: message.delivery.data.clone(),
                properties: without_death_headers(properties),
            };
            publisher
                .publish_all("", true, vec![outgoing])
                .await
                .context("republishing")?;
            channel
                .basic_ack(message.delivery.delivery_tag, BasicAckOptions::default())
                .await
                .context("removing the dead letter")?;
            if let Some(id) = letter.id.as_deref().and_then(|id| Uuid::parse_str(id).ok()) {
                sqlx::query(
                    "update record_status set status = 'queued', errors = null, processed_at = null
                     where id = $1 and status = 'failed'",
                )
                .bind(id)
                .execute(&self.db)
                .await?;
            }
            tracing::info!(record.id = ?letter.id, "dead letter replayed");
            replayed.push(letter);
        }
        let _ = channel.close(200, "replayed".into()).await;
        Ok(replayed)
    }

    async fn describe(&self, properties: &BasicProperties) -> DeadLetter {
        let table = properties.headers().clone().unwrap_or_default();
        let id = properties.message_id().as_ref().map(|id| id.to_string());
        let failure = match id.as_deref().and_then(|id| Uuid::parse_str(id).ok()) {
            Some(id) => sqlx::query_scalar::<_, Option<String>>(
                "select errors -> 0 ->> 'code' from record_status where id = $1",
            )
            .bind(id)
            .fetch_optional(&self.db)
            .await
            .ok()
            .flatten()
            .flatten(),
            None => None,
        };
        DeadLetter {
            id,
            partner: text(&table, headers::PARTNER),
            external_id: text(&table, headers::EXTERNAL_ID),
            reason: text(&table, "x-first-death-reason"),
            failure,
            deaths: deaths(&table),
        }
    }
}

async fn get(
    channel: &Channel,
    topology: &Topology,
) -> anyhow::Result<Option<lapin::message::BasicGetMessage>> {
    channel
        .basic_get(
            topology.dead_queue().into(),
            BasicGetOptions { no_ack: false },
        )
        .await
        .context("reading the dead-letter queue")
}

fn text(table: &FieldTable, key: &str) -> Option<String> {
    match table.inner().get(key)? {
        AMQPValue::LongString(s) => Some(s.to_string()),
        AMQPValue::ShortString(s) => Some(s.to_string()),
        _ => None,
    }
}

/// Total count over the `x-death` entries.
fn deaths(table: &FieldTable) -> i64 {
    let Some(AMQPValue::FieldArray(entries)) = table.inner().get("x-death") else {
        return 0;
    };
    entries
        .as_slice()
        .iter()
        .filter_map(|entry| match entry {
            AMQPValue::FieldTable(t) => match t.inner().get("count") {
                Some(AMQPValue::LongLongInt(n)) => Some(*n),
                Some(AMQPValue::LongInt(n)) => Some(i64::from(*n)),
                _ => None,
            },
            _ => None,
        })
        .sum()
}

/// The original properties without the broker's dead-letter bookkeeping.
fn without_death_headers(properties: &BasicProperties) -> BasicProperties {
    let mut kept = FieldTable::default();
    if let Some(table) = properties.headers() {
        for (key, value) in table.inner() {
            if !key.as_str().starts_with("x-") {
                kept.insert(key.clone(), value.clone());
            }
        }
    }
    properties.clone().with_headers(kept)
}
