//! The effective state of a product, derived from its dates at read time (contract §2): no
//! scheduler runs, so "finished" and "scheduled" are never stored, only computed.

use jiff::Timestamp;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectiveState {
    Finished,
    Scheduled,
    Blocked,
    Active,
}

/// `finished` (end passed) > `scheduled` (start ahead) > `blocked` > `active`.
/// `finished_at` is the exclusive end: at that instant the service has ended.
pub fn effective_state(
    started_at: Timestamp,
    finished_at: Option<Timestamp>,
    blocked: bool,
    as_of: Timestamp,
) -> EffectiveState {
    if finished_at.is_some_and(|end| end <= as_of) {
        EffectiveState::Finished
    } else if started_at > as_of {
        EffectiveState::Scheduled
    } else if blocked {
        EffectiveState::Blocked
    } else {
        EffectiveState::Active
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn finished_wins_over_scheduled_wins_over_blocked() {
        let now = ts("2026-01-01T00:00:00Z");
        let past = ts("2025-01-01T00:00:00Z");
        let future = ts("2027-01-01T00:00:00Z");
        assert_eq!(
            effective_state(future, Some(past), true, now),
            EffectiveState::Finished
        );
        assert_eq!(
            effective_state(future, None, true, now),
            EffectiveState::Scheduled
        );
        assert_eq!(
            effective_state(past, Some(future), true, now),
            EffectiveState::Blocked
        );
        assert_eq!(
            effective_state(past, None, false, now),
            EffectiveState::Active
        );
        assert_eq!(
            effective_state(past, Some(now), false, now),
            EffectiveState::Finished,
            "the end is exclusive"
        );
    }
}
