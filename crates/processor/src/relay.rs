//! The outbox relay: events written with the records they come from are published to
//! `billing.events` (routing key = event type) with confirms, then marked sent.
//!
//! At least once: an event is marked sent only after its confirm, so a crash in between sends
//! it again with the same `eventId`, which consumers use to drop the repeat. Rows are taken
//! with `for update skip locked`, so any number of processors relay side by side.

use crate::backoff::Backoff;
use lapin::BasicProperties;
use lapin::types::{AMQPValue, FieldTable};
use runtime::publisher::{ConfirmPublisher, Outgoing, PERSISTENT};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub struct Relay {
    pub db: PgPool,
    pub publisher: ConfirmPublisher,
    pub exchange: String,
    pub batch: i64,
    pub interval: Duration,
    pub retry_max: Duration,
    pub wake: Arc<Notify>,
}

impl Relay {
    pub async fn run(self, shutdown: CancellationToken) {
        let mut pause = Backoff::new(self.retry_max);
        loop {
            match self.relay_batch().await {
                Ok(sent) if sent as i64 >= self.batch => continue,
                Ok(_) => {
                    pause.reset();
                    self.measure_backlog().await;
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = self.wake.notified() => {}
                        _ = tokio::time::sleep(self.interval) => {}
                    }
                }
                Err(error) => {
                    tracing::warn!(error = %format!("{error:#}"), "outbox relay paused; retrying");
                    self.measure_backlog().await;
                    if pause.wait(&shutdown).await.is_err() {
                        return;
                    }
                }
            }
            if shutdown.is_cancelled() {
                return;
            }
        }
    }

    /// Publishes one batch of unsent events; returns how many were sent.
    pub async fn relay_batch(&self) -> anyhow::Result<usize> {
        let mut tx = self.db.begin().await?;
        let rows: Vec<(i64, Uuid, String, String)> = sqlx::query_as(
            "select seq, event_id, event_type, payload::text from outbox_events
             where sent_at is null order by seq limit $1 for update skip locked",
        )
        .bind(self.batch)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            tx.commit().await?;
            return Ok(0);
        }
        let seqs: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let outgoing = rows
            .into_iter()
            .map(|(_, event_id, event_type, payload)| Outgoing {
                routing_key: event_type.as_str().into(),
                properties: properties(event_id, &event_type),
                body: payload.into_bytes(),
            })
            .collect();
        self.publisher
            .publish_all(&self.exchange, false, outgoing)
            .await?;
        sqlx::query("update outbox_events set sent_at = now() where seq = any($1)")
            .bind(&seqs)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::debug!(events = seqs.len(), "events relayed");
        metrics::counter!("billing_events_relayed_total").increment(seqs.len() as u64);
        Ok(seqs.len())
    }

    /// Updates the outbox backlog gauge (events written, not yet confirmed by the broker).
    async fn measure_backlog(&self) {
        let backlog: Result<i64, _> =
            sqlx::query_scalar("select count(*) from outbox_events where sent_at is null")
                .fetch_one(&self.db)
                .await;
        if let Ok(backlog) = backlog {
            metrics::gauge!("billing_outbox_backlog").set(backlog as f64);
        }
    }
}

fn properties(event_id: Uuid, event_type: &str) -> BasicProperties {
    let mut headers = FieldTable::default();
    headers.insert(
        "eventId".into(),
        AMQPValue::LongString(event_id.to_string().as_str().into()),
    );
    BasicProperties::default()
        .with_content_type("application/json".into())
        .with_type(event_type.into())
        .with_message_id(event_id.to_string().into())
        .with_timestamp(jiff::Timestamp::now().as_second().max(0) as u64)
        .with_delivery_mode(PERSISTENT)
        .with_app_id("billing-processor".into())
        .with_headers(headers)
}
