//! `billing-ingest`: the HTTP gateway of the billing intake.
//!
//! A partner posts a batch; the gateway authenticates it ([`auth`]), reads and checks the
//! body ([`routes::billing`], with the rules of the `schema` crate), publishes every record
//! durably ([`publisher`]), stores a `queued` status row per record ([`status_store`]) and
//! only then answers with the row ids. Partners and their aliases are managed from the command
//! line ([`cli`], [`partners`]).

pub mod api_error;
pub mod auth;
pub mod cache;
pub mod catalogue;
pub mod cli;
pub mod idempotency;
pub mod limits;
pub mod partners;
pub mod publisher;
pub mod routes;
pub mod settings;
pub mod startup;
pub mod status_store;

pub use settings::Settings;
pub use startup::Application;
