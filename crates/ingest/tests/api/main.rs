//! The gateway's API tests, against the real RabbitMQ and PostgreSQL.

#![allow(clippy::unwrap_used)]

mod auth;
mod broker;
mod edge_cases;
mod helpers;
mod idempotency;
mod openapi;
mod operations;
mod partners_cli;
mod samples;
mod status;
mod validation;
