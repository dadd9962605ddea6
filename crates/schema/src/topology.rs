//! Broker names and arguments, shared by everyone who declares or uses them.
//!
//! Every name carries the deployment's prefix (`BILLING_AMQP_PREFIX`, empty by default), so
//! several installations — or parallel tests — can share one broker without touching each
//! other.
//!
//! ```text
//! ""  (default exchange) --routing key = records queue--> billing.records (quorum)
//! billing.records --dead letters (at-least-once)--> billing.dead (fanout) --> billing.records.dead (quorum)
//! billing.events (topic, routing key = event type) --#--> billing.events.recent (bounded)
//! ```
//!
//! Queue arguments that RabbitMQ fixes at declaration are here; tunables (delivery limit,
//! length limits) belong in a policy, because re-declaring a queue with other arguments fails.

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Topology {
    prefix: String,
}

impl Topology {
    pub fn new(prefix: impl Into<String>) -> Self {
        Topology {
            prefix: prefix.into(),
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn named(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Quorum queue of accepted records.
    pub fn records_queue(&self) -> String {
        self.named("billing.records")
    }

    /// Fanout exchange that receives records that could never apply.
    pub fn dead_exchange(&self) -> String {
        self.named("billing.dead")
    }

    /// Quorum queue that keeps dead records for replay.
    pub fn dead_queue(&self) -> String {
        self.named("billing.records.dead")
    }

    /// Topic exchange of product events; routing key = event type.
    pub fn events_exchange(&self) -> String {
        self.named("billing.events")
    }

    /// The latest events (bounded, oldest dropped first), for people looking at them in the
    /// management UI; consumers bind queues of their own.
    pub fn events_recent_queue(&self) -> String {
        self.named("billing.events.recent")
    }

    /// Length bound of [`Topology::events_recent_queue`].
    pub const EVENTS_RECENT_MAX: i64 = 10_000;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_carries_the_prefix() {
        let t = Topology::new("t1.");
        for name in [
            t.records_queue(),
            t.dead_exchange(),
            t.dead_queue(),
            t.events_exchange(),
        ] {
            assert!(name.starts_with("t1.billing."), "{name}");
        }
        assert_eq!(Topology::default().records_queue(), "billing.records");
    }
}
