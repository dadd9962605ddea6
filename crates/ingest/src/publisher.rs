//! Durable publishing of accepted records to `billing.records`.
//!
//! A few long-lived channels in confirm mode are shared by all requests (opening a channel
//! per request would cost a round trip each time). Every record is published persistent and
//! `mandatory`; a batch counts as delivered only when the broker has acked every message and
//! returned none. A nack, a returned (unroutable) message, a missing confirm, a timeout or a
//! lost connection fail the whole batch, and the partner gets 503. A broken channel is
//! replaced on next use; a dead connection is replaced by the pool, so the gateway recovers
//! by itself when the broker is back.

use futures::future::join_all;
use lapin::Confirmation;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel};
use schema::envelope::{CONTENT_TYPE, RECORD_MESSAGE_TYPE, RecordMessage, headers};
use schema::topology::Topology;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;

/// AMQP delivery mode 2: the broker writes the message to disk.
const PERSISTENT: u8 = 2;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("cannot reach the broker: {0}")]
    Connect(String),
    #[error("the broker refused a message (nack)")]
    Nacked,
    #[error("the broker returned a message as unroutable ({0})")]
    Returned(String),
    #[error("the channel is not in confirm mode")]
    NotConfirmed,
    #[error("publishing failed: {0}")]
    Channel(#[from] lapin::Error),
    #[error("no confirm within {0:?}")]
    Timeout(Duration),
    #[error("message encoding failed: {0}")]
    Encode(#[from] serde_json::Error),
}

pub struct Publisher {
    pool: deadpool_lapin::Pool,
    queue: ShortString,
    channels: Vec<Mutex<Option<Channel>>>,
    next: AtomicUsize,
    timeout: Duration,
}

impl Publisher {
    pub fn new(
        pool: deadpool_lapin::Pool,
        topology: &Topology,
        channels: usize,
        timeout: Duration,
    ) -> Self {
        Publisher {
            pool,
            queue: topology.records_queue().into(),
            channels: (0..channels.max(1)).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
            timeout,
        }
    }

    /// A confirm-mode channel, opened anew if the one in this slot is gone.
    async fn channel(&self) -> Result<Channel, PublishError> {
        let slot = self.next.fetch_add(1, Ordering::Relaxed) % self.channels.len();
        let mut guard = self.channels[slot].lock().await;
        if let Some(channel) = guard.as_ref().filter(|c| c.status().connected()) {
            return Ok(channel.clone());
        }
        *guard = None;
        let connection = self
            .pool
            .get()
            .await
            .map_err(|e| PublishError::Connect(e.to_string()))?;
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        *guard = Some(channel.clone());
        Ok(channel)
    }

    /// True when a confirm channel can be had now (readiness).
    pub async fn is_ready(&self) -> bool {
        tokio::time::timeout(self.timeout, self.channel())
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Publishes every message and waits for all confirms; `Ok` only if each was acked and
    /// none returned, within the timeout.
    pub async fn publish_all(&self, messages: &[RecordMessage]) -> Result<(), PublishError> {
        match tokio::time::timeout(self.timeout, self.publish_and_confirm(messages)).await {
            Ok(result) => result,
            Err(_) => Err(PublishError::Timeout(self.timeout)),
        }
    }

    async fn publish_and_confirm(&self, messages: &[RecordMessage]) -> Result<(), PublishError> {
        let channel = self.channel().await?;
        let options = BasicPublishOptions {
            mandatory: true,
            ..BasicPublishOptions::default()
        };
        let mut confirms = Vec::with_capacity(messages.len());
        for message in messages {
            let body = serde_json::to_vec(message)?;
            let confirm = channel
                .basic_publish(
                    "".into(),
                    self.queue.clone(),
                    options,
                    &body,
                    properties(message),
                )
                .await?;
            confirms.push(confirm);
        }
        // One wait for the whole batch: confirms arrive (often as one `multiple` ack) while
        // the next batch is being published by another request.
        for confirmation in join_all(confirms).await {
            match confirmation? {
                Confirmation::Ack(None) => {}
                Confirmation::Ack(Some(returned)) | Confirmation::Nack(Some(returned)) => {
                    return Err(PublishError::Returned(returned.reply_text.to_string()));
                }
                Confirmation::Nack(None) => return Err(PublishError::Nacked),
                Confirmation::NotRequested => return Err(PublishError::NotConfirmed),
            }
        }
        Ok(())
    }
}

/// The properties of contract §2: identifiers only, no personal data.
fn properties(message: &RecordMessage) -> BasicProperties {
    let mut table = FieldTable::default();
    table.insert(
        headers::PARTNER.into(),
        AMQPValue::LongString(message.partner.as_str().into()),
    );
    table.insert(
        headers::EXTERNAL_ID.into(),
        AMQPValue::LongString(message.record.external_id.as_str().into()),
    );
    if let Some(request_id) = &message.request_id {
        table.insert(
            headers::REQUEST_ID.into(),
            AMQPValue::LongString(request_id.as_str().into()),
        );
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
