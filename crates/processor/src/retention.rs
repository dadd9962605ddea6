//! Retention: old rows are deleted so the database holds no more history (and no more
//! personal data) than operations need.
//!
//! - status rows that reached a final status: `BILLING_RETAIN_STATUS_DAYS` (default 30);
//! - idempotency keys: 24 hours (the contract's promise);
//! - outbox events already relayed: `BILLING_RETAIN_EVENTS_DAYS` (default 7).
//!
//! Dead letters live in RabbitMQ: their retention is the `message-ttl` of the `billing-dead`
//! policy (14 days by default; see `docs/operations.md`). Deletes run in small batches so they
//! never hold long locks; every processor runs them, and running twice is harmless.

use sqlx::PgPool;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Rows deleted per statement.
const BATCH: i64 = 5000;

#[derive(Debug, Clone)]
pub struct Retention {
    pub db: PgPool,
    pub status_days: i32,
    pub events_days: i32,
    pub interval: Duration,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub status_rows: u64,
    pub idempotency_keys: u64,
    pub events: u64,
}

impl Retention {
    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            match self.purge().await {
                Ok(purged) if purged != Purged::default() => {
                    tracing::info!(
                        status_rows = purged.status_rows,
                        idempotency_keys = purged.idempotency_keys,
                        events = purged.events,
                        "retention purge"
                    );
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(error.kind = %crate::consumer::db_error_kind(&error), "retention purge failed; next time")
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(self.interval) => {}
            }
        }
    }

    /// Deletes everything past its retention once.
    pub async fn purge(&self) -> Result<Purged, sqlx::Error> {
        Ok(Purged {
            status_rows: self
                .delete_in_batches(
                    "delete from record_status where ctid in (
                         select ctid from record_status
                         where status <> 'queued' and coalesce(processed_at, created_at) < now() - make_interval(days => $1)
                         limit $2)",
                    self.status_days,
                )
                .await?,
            idempotency_keys: self
                .delete_in_batches(
                    "delete from idempotency_keys where ctid in (
                         select ctid from idempotency_keys where created_at < now() - make_interval(hours => $1)
                         limit $2)",
                    crate::RETAIN_IDEMPOTENCY_HOURS,
                )
                .await?,
            events: self
                .delete_in_batches(
                    "delete from outbox_events where ctid in (
                         select ctid from outbox_events where sent_at < now() - make_interval(days => $1)
                         limit $2)",
                    self.events_days,
                )
                .await?,
        })
    }

    async fn delete_in_batches(
        &self,
        statement: &'static str,
        age: i32,
    ) -> Result<u64, sqlx::Error> {
        let mut total = 0;
        loop {
            let deleted = sqlx::query(statement)
                .bind(age)
                .bind(BATCH)
                .execute(&self.db)
                .await?
                .rows_affected();
            total += deleted;
            if deleted < BATCH as u64 {
                return Ok(total);
            }
        }
    }
}
