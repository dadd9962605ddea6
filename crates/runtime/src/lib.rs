//! What both billing binaries need at run time: reading settings from the environment,
//! telemetry, the PostgreSQL pool and its migrations, the RabbitMQ pool and topology, and the
//! shutdown signal. Kept here so the gateway and the processor never grow two copies.

pub mod amqp;
pub mod db;
pub mod dependencies;
pub mod env;
pub mod http;
pub mod metrics;
pub mod publisher;
pub mod request_id;
pub mod shutdown;
pub mod telemetry;
