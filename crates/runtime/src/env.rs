//! Typed settings from environment variables, with working local defaults.
//!
//! A bad value stops the binary with a message naming the variable, at start, never later.

use anyhow::{Context, anyhow};
use std::str::FromStr;

/// The variable's value, or `default` when it is unset or empty.
pub fn string(name: &str, default: &str) -> String {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v,
        _ => default.to_owned(),
    }
}

/// The variable parsed as `T`, or `default` when unset or empty.
pub fn parsed<T>(name: &str, default: T) -> anyhow::Result<T>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .map_err(|e| anyhow!("{e}"))
            .with_context(|| format!("{name} has an invalid value")),
        _ => Ok(default),
    }
}

/// A duration given in milliseconds.
pub fn millis(name: &str, default_ms: u64) -> anyhow::Result<std::time::Duration> {
    parsed(name, default_ms).map(std::time::Duration::from_millis)
}

/// The operator's time zone (`BILLING_TIMEZONE`, IANA name, default `Europe/Moscow`).
pub fn time_zone() -> anyhow::Result<jiff::tz::TimeZone> {
    let name = string("BILLING_TIMEZONE", "Europe/Moscow");
    jiff::tz::TimeZone::get(&name)
        .with_context(|| format!("BILLING_TIMEZONE names no known time zone: {name}"))
}

/// Shared connection settings of both binaries (contract §4).
#[derive(Debug, Clone)]
pub struct Connections {
    pub amqp_url: String,
    pub amqp_prefix: String,
    pub database_url: String,
}

impl Connections {
    pub fn from_env() -> Self {
        Connections {
            amqp_url: string("BILLING_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f"),
            amqp_prefix: std::env::var("BILLING_AMQP_PREFIX").unwrap_or_default(),
            database_url: string(
                "BILLING_DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/billing",
            ),
        }
    }
}

/// A URL with its password hidden, for error messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_url_hides_only_the_password() {
        assert_eq!(
            redact_url("amqp://guest:guest@127.0.0.1:5672/%2f"),
            "amqp://guest:***@127.0.0.1:5672/%2f"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/billing"),
            "postgres://postgres@127.0.0.1/billing"
        );
    }
}
