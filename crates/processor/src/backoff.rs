//! Pauses between retries while a dependency is away.

use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Exponential back-off from 100 ms up to `max`, cut short by shutdown.
pub struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    pub fn new(max: Duration) -> Self {
        Backoff {
            next: Duration::from_millis(100),
            max,
        }
    }

    pub fn reset(&mut self) {
        self.next = Duration::from_millis(100);
    }

    /// Sleeps; `Err` when shutdown came first.
    pub async fn wait(&mut self, shutdown: &CancellationToken) -> Result<(), ()> {
        let pause = self.next.min(self.max);
        self.next = (self.next * 2).min(self.max);
        tokio::select! {
            _ = shutdown.cancelled() => Err(()),
            _ = tokio::time::sleep(pause) => Ok(()),
        }
    }
}
