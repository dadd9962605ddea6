//! Durable publishing of accepted records to `billing.records`: persistent, `mandatory`, with
//! confirms (see [`runtime::publisher`]); any failure fails the whole batch and the partner
//! gets 503.

use lapin::BasicProperties;
use lapin::types::{AMQPValue, FieldTable, ShortString};
use runtime::publisher::{ConfirmPublisher, Outgoing, PERSISTENT, PublishError};
use schema::envelope::{CONTENT_TYPE, RECORD_MESSAGE_TYPE, RecordMessage, headers};
use schema::topology::Topology;
use std::time::Duration;

pub struct Publisher {
    confirms: ConfirmPublisher,
    queue: ShortString,
}

impl Publisher {
    pub fn new(
        pool: deadpool_lapin::Pool,
        topology: &Topology,
        channels: usize,
        timeout: Duration,
    ) -> Self {
        Publisher {
            confirms: ConfirmPublisher::new(pool, channels, timeout),
            queue: topology.records_queue().into(),
        }
    }

    pub async fn is_ready(&self) -> bool {
        self.confirms.is_ready().await
    }

    /// Publishes every record through the default exchange straight to the records queue.
    pub async fn publish_all(&self, messages: &[RecordMessage]) -> anyhow::Result<()> {
        let outgoing = messages
            .iter()
            .map(|message| {
                Ok(Outgoing {
                    routing_key: self.queue.clone(),
                    body: serde_json::to_vec(message)?,
                    properties: properties(message),
                })
            })
            .collect::<Result<Vec<_>, serde_json::Error>>()?;
        self.confirms
            .publish_all("", true, outgoing)
            .await
            .map_err(|e: PublishError| e.into())
    }
}

/// The properties of contract §2: identifiers only, no personal data.
fn properties(message: &RecordMessage) -> BasicProperties {
    let mut table = FieldTable::default();
    let text = |s: &str| AMQPValue::LongString(s.into());
    table.insert(headers::PARTNER.into(), text(&message.partner));
    table.insert(
        headers::EXTERNAL_ID.into(),
        text(&message.record.external_id),
    );
    if let Some(request_id) = &message.request_id {
        table.insert(headers::REQUEST_ID.into(), text(request_id));
    }
    BasicProperties::default()
        .with_content_type(CONTENT_TYPE.into())
        .with_type(RECORD_MESSAGE_TYPE.into())
        .with_message_id(message.id.to_string().into())
        .with_timestamp(message.created_at.as_second().max(0) as u64)
        .with_delivery_mode(PERSISTENT)
        .with_app_id("billing-ingest".into())
        .with_headers(table)
}
