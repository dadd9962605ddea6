//! The main job end to end: records posted to the real gateway, applied by real processors,
//! against the real RabbitMQ and PostgreSQL.

#![allow(clippy::unwrap_used)]

mod end_to_end;
mod failures;
mod operations;
mod ordering;
