//! The gateway's settings, from the environment with working local defaults (contract §4).

use anyhow::Context;
use runtime::env::{self, Connections};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Settings {
    /// `BILLING_HTTP_ADDR`, default `127.0.0.1:8080`; port 0 picks a free port (tests).
    pub http_addr: String,
    pub connections: Connections,
    /// `BILLING_TIMEZONE`: dates without an offset are read in this zone.
    pub zone: jiff::tz::TimeZone,
    /// `BILLING_MAX_RECORDS`, default 1000.
    pub max_records: usize,
    /// `BILLING_MAX_BODY_BYTES`, default 4 MiB.
    pub max_body_bytes: usize,
    /// `BILLING_PUBLISH_TIMEOUT_MS`, default 5000: the longest a batch waits for the broker's
    /// confirms (and for a connection) before the partner gets 503.
    pub publish_timeout: Duration,
    /// `BILLING_PUBLISH_CHANNELS`, default 4: long-lived confirm channels shared by requests.
    pub publish_channels: usize,
    /// `BILLING_HTTP_WORKERS`, default: one per core.
    pub http_workers: usize,
    /// `BILLING_DATABASE_POOL`, default 10 connections.
    pub database_pool: u32,
    /// `BILLING_BODY_TIMEOUT_MS`, default 30000: a client that has not sent its whole body by
    /// then is cut off (a slow trickle holds a worker's memory).
    pub body_timeout: Duration,
    /// `BILLING_RATE_LIMIT_PER_MINUTE`, default 600: requests per partner per minute.
    pub rate_limit_per_minute: u32,
    /// `BILLING_LOGIN_FAILURES_MAX`, default 10: failed logins per username and client address
    /// within `BILLING_LOGIN_FAILURES_WINDOW_SECS` (default 900) before further attempts get 429.
    pub login_failures_max: u32,
    pub login_failures_window: Duration,
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        let settings = Settings {
            http_addr: env::string("BILLING_HTTP_ADDR", "127.0.0.1:8080"),
            connections: Connections::from_env(),
            zone: env::time_zone()?,
            max_records: env::parsed("BILLING_MAX_RECORDS", 1000)?,
            max_body_bytes: env::parsed("BILLING_MAX_BODY_BYTES", 4 * 1024 * 1024)?,
            publish_timeout: env::millis("BILLING_PUBLISH_TIMEOUT_MS", 5000)?,
            publish_channels: env::parsed("BILLING_PUBLISH_CHANNELS", 4)?,
            http_workers: env::parsed(
                "BILLING_HTTP_WORKERS",
                std::thread::available_parallelism().map_or(2, usize::from),
            )?,
            database_pool: env::parsed("BILLING_DATABASE_POOL", 10)?,
            body_timeout: env::millis("BILLING_BODY_TIMEOUT_MS", 30_000)?,
            rate_limit_per_minute: env::parsed("BILLING_RATE_LIMIT_PER_MINUTE", 600)?,
            login_failures_max: env::parsed("BILLING_LOGIN_FAILURES_MAX", 10)?,
            login_failures_window: Duration::from_secs(env::parsed(
                "BILLING_LOGIN_FAILURES_WINDOW_SECS",
                900,
            )?),
        };
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.max_records > 0,
            "BILLING_MAX_RECORDS must be at least 1"
        );
        anyhow::ensure!(
            self.max_body_bytes > 0,
            "BILLING_MAX_BODY_BYTES must be at least 1"
        );
        anyhow::ensure!(
            self.publish_channels > 0,
            "BILLING_PUBLISH_CHANNELS must be at least 1"
        );
        anyhow::ensure!(
            self.http_workers > 0,
            "BILLING_HTTP_WORKERS must be at least 1"
        );
        self.http_addr
            .parse::<std::net::SocketAddr>()
            .with_context(|| {
                format!(
                    "BILLING_HTTP_ADDR is not a host:port address: {}",
                    self.http_addr
                )
            })?;
        Ok(())
    }
}
