//! `billing-processor`: consumes accepted records from `billing.records` and applies them to
//! PostgreSQL, writing product events to an outbox that is relayed to `billing.events`.
//!
//! - [`consumer`]: the delivery loop: groups deliveries, applies, acks after commit,
//!   dead-letters what can never apply, holds and retries what fails for now.
//! - [`decode`]: a delivery to a valid record or to a permanent failure (the queue is a trust
//!   boundary: records are checked again).
//! - [`apply`]: the pure decision of a group: winners, superseded records, events.
//! - [`store`]: the SQL of one group's transaction.
//! - [`relay`]: the outbox relay, with publisher confirms.
//! - [`retention`]: deletes history past its retention.
//! - [`dead_letters`]: lists and replays dead letters (`billing-processor dead-letters`).
//! - [`health`]: `/healthz`, `/readyz`, `/metrics` on `BILLING_PROCESSOR_ADDR`.

pub mod apply;
pub mod backoff;
pub mod consumer;
pub mod dead_letters;
pub mod decode;
pub mod health;
pub mod relay;
pub mod retention;
pub mod settings;
pub mod startup;
pub mod store;

pub use settings::Settings;
pub use startup::Processor;

/// Idempotency keys are kept 24 hours (contract §3).
pub const RETAIN_IDEMPOTENCY_HOURS: i32 = 24;
