//! Publishing with publisher confirms on a few long-lived channels.
//!
//! Shared by the gateway (records) and the processor's outbox relay (events). Opening a
//! channel per request would cost a round trip each time, so a handful of confirm-mode
//! channels are kept and shared by concurrent callers; lapin matches each confirm to its
//! message. A message counts as delivered only when the broker acked it and, for `mandatory`
//! publishes, did not return it. A nack, a return, a missing confirm, a timeout or a lost
//! connection fail the call. A broken channel is replaced on next use and a dead connection
//! by the pool, so callers recover by themselves when the broker is back.

use futures::future::join_all;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::ShortString;
use lapin::{BasicProperties, Channel, Confirmation};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;

/// AMQP delivery mode 2: the broker writes the message to disk.
pub const PERSISTENT: u8 = 2;

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
}

/// One message to publish.
pub struct Outgoing {
    pub routing_key: ShortString,
    pub body: Vec<u8>,
    pub properties: BasicProperties,
}

pub struct ConfirmPublisher {
    pool: deadpool_lapin::Pool,
    channels: Vec<Mutex<Option<Channel>>>,
    next: AtomicUsize,
    timeout: Duration,
}

impl ConfirmPublisher {
    pub fn new(pool: deadpool_lapin::Pool, channels: usize, timeout: Duration) -> Self {
        ConfirmPublisher {
            pool,
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

    /// Publishes every message to `exchange` and waits for all confirms; `Ok` only if each
    /// was acked (and, with `mandatory`, none returned) within the timeout.
    pub async fn publish_all(
        &self,
        exchange: &str,
        mandatory: bool,
        messages: Vec<Outgoing>,
    ) -> Result<(), PublishError> {
        let work = self.publish_and_confirm(exchange, mandatory, messages);
        match tokio::time::timeout(self.timeout, work).await {
            Ok(result) => result,
            Err(_) => Err(PublishError::Timeout(self.timeout)),
        }
    }

    async fn publish_and_confirm(
        &self,
        exchange: &str,
        mandatory: bool,
        messages: Vec<Outgoing>,
    ) -> Result<(), PublishError> {
        let channel = self.channel().await?;
        let options = BasicPublishOptions {
            mandatory,
            ..BasicPublishOptions::default()
        };
        let exchange = ShortString::from(exchange);
        let mut confirms = Vec::with_capacity(messages.len());
        for message in messages {
            let confirm = channel
                .basic_publish(
                    exchange.clone(),
                    message.routing_key,
                    options,
                    &message.body,
                    message.properties,
                )
                .await?;
            confirms.push(confirm);
        }
        // One wait for the whole batch: confirms arrive (often as one `multiple` ack) while
        // other callers publish on the same channel.
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
