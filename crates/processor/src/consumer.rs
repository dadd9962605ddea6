//! The delivery loop.
//!
//! Deliveries are taken in groups (whatever is ready, up to `BILLING_APPLY_GROUP`) and each
//! group is applied in one transaction; only after the commit are they acked, with one
//! `multiple` ack. A record that can never apply is marked `failed` and rejected without
//! requeue, so the broker dead-letters it to `billing.records.dead`. When the database is
//! unreachable the group is held (not acked, not requeued) and retried with back-off: nothing
//! is marked failed for an outage. A lost broker connection ends the consumer, which
//! reconnects; whatever was unacked is redelivered and the status rows make that a no-op.

use crate::apply::Incoming;
use crate::backoff::Backoff;
use crate::decode::{Decoded, decode};
use crate::store::{Failure, KnownRecord, Store};
use anyhow::Context;
use futures::{FutureExt, StreamExt};
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::FieldTable;
use runtime::db::is_transient;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

pub struct Consumer {
    pub store: Arc<Store>,
    pub amqp: deadpool_lapin::Pool,
    pub queue: String,
    pub prefetch: u16,
    pub group: usize,
    pub retry_max: Duration,
    /// Wakes the outbox relay after a commit that wrote events.
    pub events_written: Arc<Notify>,
    /// True while a consumer is attached to the queue (readiness).
    pub consuming: Arc<AtomicBool>,
}

/// Why a group stopped being processed.
enum Stop {
    Shutdown,
    Broker(anyhow::Error),
}

impl Consumer {
    /// Consumes until `shutdown`, reconnecting with back-off whenever the broker goes away.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut pause = Backoff::new(self.retry_max);
        while !shutdown.is_cancelled() {
            match self.consume(&shutdown, &mut pause).await {
                Ok(()) => break,
                Err(error) => {
                    self.consuming.store(false, Ordering::SeqCst);
                    tracing::warn!(error = %format!("{error:#}"), "consumer lost the broker; reconnecting");
                    if pause.wait(&shutdown).await.is_err() {
                        break;
                    }
                }
            }
        }
        self.consuming.store(false, Ordering::SeqCst);
    }

    async fn consume(
        &self,
        shutdown: &CancellationToken,
        pause: &mut Backoff,
    ) -> anyhow::Result<()> {
        let connection = self.amqp.get().await.context("connecting to RabbitMQ")?;
        let channel = connection.create_channel().await?;
        channel
            .basic_qos(self.prefetch, BasicQosOptions::default())
            .await?;
        let mut deliveries = channel
            .basic_consume(
                self.queue.as_str().into(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .with_context(|| format!("consuming {}", self.queue))?;
        self.consuming.store(true, Ordering::SeqCst);
        tracing::info!(queue = %self.queue, prefetch = self.prefetch, "consuming");
        pause.reset();
        loop {
            let first = tokio::select! {
                _ = shutdown.cancelled() => {
                    // Unacked deliveries (none between groups) go back to the queue on close.
                    let _ = channel.close(200, "shutting down".into()).await;
                    return Ok(());
                }
                next = deliveries.next() => next,
            };
            let first = first.context("the broker ended the consumer")??;
            let mut group = vec![first];
            while group.len() < self.group {
                match deliveries.next().now_or_never() {
                    Some(Some(delivery)) => group.push(delivery?),
                    Some(None) | None => break,
                }
            }
            match self.handle(group, shutdown).await {
                Ok(()) => {}
                Err(Stop::Shutdown) => {
                    let _ = channel.close(200, "shutting down".into()).await;
                    return Ok(());
                }
                Err(Stop::Broker(error)) => return Err(error),
            }
        }
    }

    /// Applies one group; acks after the commit, dead-letters the invalid.
    async fn handle(&self, group: Vec<Delivery>, shutdown: &CancellationToken) -> Result<(), Stop> {
        let redelivered = group.iter().filter(|d| d.redelivered).count();
        if redelivered > 0 {
            tracing::info!(redelivered, "redelivered records in group");
            metrics::counter!("billing_redeliveries_total").increment(redelivered as u64);
        }
        let mut valid: Vec<(Incoming, &Delivery)> = Vec::with_capacity(group.len());
        for delivery in &group {
            let decoded = self
                .retrying(shutdown, || decode(&self.store, delivery))
                .await?;
            match decoded {
                Ok(Decoded::Valid(incoming)) => valid.push((*incoming, delivery)),
                Ok(Decoded::Invalid(failure)) => {
                    self.dead_letter(delivery, *failure, shutdown).await?
                }
                Err(error) => {
                    let failure = Failure {
                        id: None,
                        envelope: None,
                        code: "apply_failed",
                        detail: format!(
                            "the database refused the lookup: {}",
                            db_error_kind(&error)
                        ),
                    };
                    self.dead_letter(delivery, failure, shutdown).await?;
                }
            }
        }
        let incoming: Vec<Incoming> = valid.iter().map(|(i, _)| i.clone()).collect();
        match self.retrying_apply(&incoming, shutdown).await? {
            Ok(()) => {}
            // A group with a record the database refuses: apply one by one, so only that
            // record fails.
            Err(_) if incoming.len() > 1 => {
                for (one, delivery) in &valid {
                    if let Err(error) = self
                        .retrying_apply(std::slice::from_ref(one), shutdown)
                        .await?
                    {
                        let failure = Failure {
                            id: Some(one.message.id),
                            envelope: Some(KnownRecord::of(one)),
                            code: "apply_failed",
                            detail: format!(
                                "the database refused the record: {}",
                                db_error_kind(&error)
                            ),
                        };
                        self.dead_letter(delivery, failure, shutdown).await?;
                    }
                }
            }
            Err(error) => {
                let (one, delivery) = &valid[0];
                let failure = Failure {
                    id: Some(one.message.id),
                    envelope: Some(KnownRecord::of(one)),
                    code: "apply_failed",
                    detail: format!("the database refused the record: {}", db_error_kind(&error)),
                };
                self.dead_letter(delivery, failure, shutdown).await?;
            }
        }
        // Everything not dead-lettered is settled by one ack of the highest remaining tag.
        if let Some(last) = valid.iter().map(|(_, d)| *d).max_by_key(|d| d.delivery_tag) {
            last.ack(BasicAckOptions { multiple: true })
                .await
                .map_err(|e| Stop::Broker(anyhow::Error::new(e).context("acking a group")))?;
        }
        Ok(())
    }

    /// Applies with retries while the database is away; `Ok(Err(_))` when it refuses.
    async fn retrying_apply(
        &self,
        group: &[Incoming],
        shutdown: &CancellationToken,
    ) -> Result<Result<(), sqlx::Error>, Stop> {
        if group.is_empty() {
            return Ok(Ok(()));
        }
        let started = std::time::Instant::now();
        let outcome = self.retrying(shutdown, || self.store.apply(group)).await?;
        Ok(outcome.map(|outcome| {
            metrics::histogram!("billing_apply_seconds").record(started.elapsed().as_secs_f64());
            metrics::histogram!("billing_apply_group_size").record(group.len() as f64);
            for (kind, n) in [
                ("applied", outcome.applied),
                ("superseded", outcome.superseded),
                ("duplicate", outcome.duplicates),
            ] {
                metrics::counter!("billing_records_processed_total", "outcome" => kind)
                    .increment(n as u64);
            }
            for incoming in group {
                let m = &incoming.message;
                tracing::debug!(
                    record.id = %m.id,
                    request.id = m.request_id.as_deref().unwrap_or(""),
                    partner = %m.partner,
                    external_id = %m.record.external_id,
                    "record processed"
                );
            }
            tracing::debug!(
                applied = outcome.applied,
                superseded = outcome.superseded,
                duplicates = outcome.duplicates,
                events = outcome.events,
                "group applied"
            );
            if outcome.events > 0 {
                self.events_written.notify_one();
            }
        }))
    }

    /// Runs a database step, retrying with back-off while the database is unreachable or
    /// busy; `Ok(Err(_))` when the database refuses the step itself.
    async fn retrying<T, F, Fut>(
        &self,
        shutdown: &CancellationToken,
        mut step: F,
    ) -> Result<Result<T, sqlx::Error>, Stop>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, sqlx::Error>>,
    {
        let mut pause = Backoff::new(self.retry_max);
        loop {
            match step().await {
                Err(error) if is_transient(&error) => {
                    tracing::warn!(
                        error.kind = db_error_kind(&error),
                        "database unavailable; holding the records and retrying"
                    );
                    metrics::counter!("billing_database_retries_total").increment(1);
                    pause.wait(shutdown).await.map_err(|()| Stop::Shutdown)?;
                }
                result => return Ok(result),
            }
        }
    }

    /// Marks the record failed (when its id is known) and rejects it without requeue: the
    /// broker moves it to the dead-letter queue, where it is kept for replay.
    async fn dead_letter(
        &self,
        delivery: &Delivery,
        failure: Failure,
        shutdown: &CancellationToken,
    ) -> Result<(), Stop> {
        tracing::warn!(
            record.id = ?failure.id,
            error.code = failure.code,
            redelivered = delivery.redelivered,
            "record can never apply; dead-lettering"
        );
        metrics::counter!("billing_records_processed_total", "outcome" => "failed").increment(1);
        metrics::counter!("billing_dead_letters_total", "code" => failure.code).increment(1);
        if let Err(error) = self
            .retrying(shutdown, || self.store.mark_failed(&failure))
            .await?
        {
            tracing::error!(record.id = ?failure.id, error.kind = db_error_kind(&error), "could not mark the record failed");
        }
        delivery
            .nack(BasicNackOptions {
                requeue: false,
                multiple: false,
            })
            .await
            .map(drop)
            .map_err(|e| Stop::Broker(anyhow::Error::new(e).context("rejecting a record")))
    }
}

/// The kind of a database error, for logs and failure details: never its message, which can
/// quote values.
pub fn db_error_kind(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(db) => format!("SQLSTATE {}", db.code().unwrap_or_default()),
        sqlx::Error::Io(_) => "connection lost".into(),
        sqlx::Error::PoolTimedOut => "no connection available".into(),
        other => format!("{:?}", std::mem::discriminant(other)),
    }
}
