//! The gateway's API tests, against the real RabbitMQ and PostgreSQL.

mod auth;
mod broker;
mod edge_cases;
mod helpers;
mod partners_cli;
mod proxy;
mod samples;
mod validation;
