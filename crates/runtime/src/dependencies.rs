//! Starting either binary: metrics, PostgreSQL (migrated) and RabbitMQ (topology declared).

use crate::env::Connections;
use schema::topology::Topology;
use sqlx::PgPool;
use std::time::Duration;

/// What a binary talks to, ready for use.
pub struct Dependencies {
    pub db: PgPool,
    pub amqp: deadpool_lapin::Pool,
    pub topology: Topology,
}

/// Connects (failing with a message naming the unreachable URL), brings the schema up to
/// date and declares the broker topology; both are idempotent, so every process does it.
pub async fn connect(
    connections: &Connections,
    database_pool: u32,
    broker_timeout: Duration,
) -> anyhow::Result<Dependencies> {
    crate::metrics::install();
    let db = crate::db::connect(&connections.database_url, database_pool).await?;
    crate::db::migrate(&db).await?;
    let topology = Topology::new(connections.amqp_prefix.clone());
    let amqp = crate::amqp::pool(&connections.amqp_url, 2, broker_timeout)?;
    let channel = crate::amqp::channel(&amqp, &connections.amqp_url).await?;
    crate::amqp::declare_topology(&channel, &topology).await?;
    let _ = channel.close(200, "topology declared".into()).await;
    Ok(Dependencies { db, amqp, topology })
}
