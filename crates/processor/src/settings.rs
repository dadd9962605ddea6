//! The processor's settings, from the environment with working local defaults.

use anyhow::Context;
use runtime::env::{self, Connections};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Settings {
    /// `BILLING_PROCESSOR_ADDR`, default `127.0.0.1:9090`: health and metrics.
    pub http_addr: String,
    pub connections: Connections,
    /// `BILLING_PREFETCH`, default 256: unacked deliveries held at once.
    pub prefetch: u16,
    /// `BILLING_APPLY_GROUP`, default 128: records applied in one transaction.
    pub apply_group: usize,
    /// `BILLING_RELAY_BATCH`, default 256: events relayed per confirm wait.
    pub relay_batch: i64,
    /// `BILLING_RELAY_INTERVAL_MS`, default 500: how often the relay looks for events when
    /// nothing woke it.
    pub relay_interval: Duration,
    /// `BILLING_PUBLISH_TIMEOUT_MS`, default 5000.
    pub publish_timeout: Duration,
    /// `BILLING_DATABASE_POOL`, default 8.
    pub database_pool: u32,
    /// `BILLING_RETRY_MAX_MS`, default 5000: the longest pause between retries while the
    /// database or broker is away.
    pub retry_max: Duration,
    /// `BILLING_RETAIN_STATUS_DAYS`, default 30: final status rows kept this long.
    pub retain_status_days: i32,
    /// `BILLING_RETAIN_EVENTS_DAYS`, default 7: relayed outbox events kept this long.
    pub retain_events_days: i32,
    /// `BILLING_RETENTION_INTERVAL_SECS`, default 3600: how often the purge runs.
    pub retention_interval: Duration,
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        let settings = Settings {
            http_addr: env::string("BILLING_PROCESSOR_ADDR", "127.0.0.1:9090"),
            connections: Connections::from_env(),
            prefetch: env::parsed("BILLING_PREFETCH", 256)?,
            apply_group: env::parsed("BILLING_APPLY_GROUP", 128)?,
            relay_batch: env::parsed("BILLING_RELAY_BATCH", 256)?,
            relay_interval: env::millis("BILLING_RELAY_INTERVAL_MS", 500)?,
            publish_timeout: env::millis("BILLING_PUBLISH_TIMEOUT_MS", 5000)?,
            database_pool: env::parsed("BILLING_DATABASE_POOL", 8)?,
            retry_max: env::millis("BILLING_RETRY_MAX_MS", 5000)?,
            retain_status_days: env::parsed("BILLING_RETAIN_STATUS_DAYS", 30)?,
            retain_events_days: env::parsed("BILLING_RETAIN_EVENTS_DAYS", 7)?,
            retention_interval: Duration::from_secs(env::parsed(
                "BILLING_RETENTION_INTERVAL_SECS",
                3600,
            )?),
        };
        anyhow::ensure!(
            settings.retain_status_days > 0,
            "BILLING_RETAIN_STATUS_DAYS must be at least 1"
        );
        anyhow::ensure!(
            settings.retain_events_days > 0,
            "BILLING_RETAIN_EVENTS_DAYS must be at least 1"
        );
        anyhow::ensure!(settings.prefetch > 0, "BILLING_PREFETCH must be at least 1");
        anyhow::ensure!(
            settings.apply_group > 0,
            "BILLING_APPLY_GROUP must be at least 1"
        );
        anyhow::ensure!(
            settings.relay_batch > 0,
            "BILLING_RELAY_BATCH must be at least 1"
        );
        settings
            .http_addr
            .parse::<std::net::SocketAddr>()
            .with_context(|| {
                format!(
                    "BILLING_PROCESSOR_ADDR is not a host:port address: {}",
                    settings.http_addr
                )
            })?;
        Ok(settings)
    }
}
