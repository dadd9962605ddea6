//! Abuse limits: a per-partner request rate and a failed-login throttle keyed on username and
//! client address. Both answer `429 rate_limited` with `Retry-After`.
//!
//! Counts are fixed windows kept in this process: with several gateway replicas each enforces
//! its own share (the load balancer spreads a partner's requests), which is enough to stop a
//! runaway client or a password-guessing loop without a shared store on the request path.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys kept before expired windows are swept, so a flood of new keys cannot grow memory.
const SWEEP_AT: usize = 10_000;

/// At most `max` events per `window` for each key.
pub struct Throttle {
    max: u32,
    window: Duration,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Throttle {
    pub fn new(max: u32, window: Duration) -> Self {
        Throttle {
            max,
            window,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one event for `key`; `Err(retry_after)` once the key is over its limit.
    pub fn hit(&self, key: &str) -> Result<(), Duration> {
        self.count(key, 1)
    }

    /// `Err(retry_after)` while `key` is over its limit, without counting.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.count(key, 0)
    }

    fn count(&self, key: &str, add: u32) -> Result<(), Duration> {
        let now = Instant::now();
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let (start, count) = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(*start) >= self.window {
            *start = now;
            *count = 0;
        }
        let over = *count >= self.max;
        if !over {
            *count += add;
        }
        if over || (add > 0 && *count > self.max) {
            let retry = self.window.saturating_sub(now.duration_since(*start));
            return Err(retry.max(Duration::from_secs(1)));
        }
        Ok(())
    }
}

/// The gateway's limits.
pub struct Limits {
    /// Requests per partner per minute.
    pub requests: Throttle,
    /// Failed logins per (username, client address) per window.
    pub failed_logins: Throttle,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_refused_after_max_events_until_its_window_ends() {
        let throttle = Throttle::new(2, Duration::from_secs(60));
        assert!(throttle.hit("a").is_ok());
        assert!(throttle.hit("a").is_ok());
        assert!(throttle.check("a").is_err());
        assert!(throttle.hit("a").is_err());
        assert!(throttle.hit("b").is_ok(), "keys are counted apart");
        let retry = throttle.check("a").expect_err("limited");
        assert!(retry <= Duration::from_secs(60) && retry >= Duration::from_secs(1));
    }

    #[test]
    fn a_new_window_starts_afresh() {
        let throttle = Throttle::new(1, Duration::from_millis(10));
        assert!(throttle.hit("a").is_ok());
        assert!(throttle.check("a").is_err());
        std::thread::sleep(Duration::from_millis(20));
        assert!(throttle.hit("a").is_ok());
    }
}
