//! The events between a link's previous state and its new desired state (contract §2).

use jiff::Timestamp;
use schema::Record;
use serde::Serialize;
use uuid::Uuid;

/// The stored state of one link, as far as events are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkState {
    pub record_id: Uuid,
    pub account_id: String,
    pub product_codes: Vec<String>,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub blocked: bool,
}

impl LinkState {
    pub fn of(record_id: Uuid, record: &Record) -> Self {
        LinkState {
            record_id,
            account_id: record.account_id.clone(),
            product_codes: record.product_codes.clone(),
            started_at: record.started_at,
            finished_at: record.finished_at,
            blocked: record.is_blocked(),
        }
    }
}

pub const ACTIVATED: &str = "product.activated";
pub const DEACTIVATED: &str = "product.deactivated";
pub const BLOCKED: &str = "product.blocked";
pub const UNBLOCKED: &str = "product.unblocked";
pub const RESCHEDULED: &str = "product.rescheduled";

/// One product event: identifiers, dates and block state — never phone, e-mail or names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductEvent {
    pub event_id: Uuid,
    #[serde(rename = "type")]
    pub event_type: &'static str,
    pub occurred_at: Timestamp,
    pub partner: String,
    pub external_id: String,
    pub account_id: String,
    pub product_code: String,
    pub record_id: Uuid,
    pub started_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Timestamp>,
    pub blocked: bool,
}

/// Who the events are about.
pub struct Subject<'a> {
    pub partner: &'a str,
    pub external_id: &'a str,
    pub now: Timestamp,
}

/// One event per product and change, from `previous` (none for a new link) to `next`.
/// A change of the block reason's text alone is no event.
pub fn events(
    subject: &Subject,
    previous: Option<&LinkState>,
    next: &LinkState,
) -> Vec<ProductEvent> {
    let event = |event_type, state: &LinkState, code: &str| ProductEvent {
        event_id: Uuid::now_v7(),
        event_type,
        occurred_at: subject.now,
        partner: subject.partner.to_owned(),
        external_id: subject.external_id.to_owned(),
        account_id: state.account_id.clone(),
        product_code: code.to_owned(),
        record_id: next.record_id,
        started_at: state.started_at,
        finished_at: state.finished_at,
        blocked: state.blocked,
    };
    let mut out = Vec::new();
    let Some(previous) = previous else {
        out.extend(
            next.product_codes
                .iter()
                .map(|code| event(ACTIVATED, next, code)),
        );
        return out;
    };
    let rescheduled =
        previous.started_at != next.started_at || previous.finished_at != next.finished_at;
    for code in &next.product_codes {
        if !previous.product_codes.contains(code) {
            out.push(event(ACTIVATED, next, code));
            continue;
        }
        match (previous.blocked, next.blocked) {
            (false, true) => out.push(event(BLOCKED, next, code)),
            (true, false) => out.push(event(UNBLOCKED, next, code)),
            _ => {}
        }
        if rescheduled {
            out.push(event(RESCHEDULED, next, code));
        }
    }
    for code in &previous.product_codes {
        if !next.product_codes.contains(code) {
            out.push(event(DEACTIVATED, previous, code));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(codes: &[&str], blocked: bool, finished: Option<&str>) -> LinkState {
        LinkState {
            record_id: Uuid::now_v7(),
            account_id: "acc".into(),
            product_codes: codes.iter().map(|c| c.to_string()).collect(),
            started_at: "2025-01-01T00:00:00Z".parse().expect("ts"),
            finished_at: finished.map(|f| f.parse().expect("ts")),
            blocked,
        }
    }

    fn kinds(previous: Option<&LinkState>, next: &LinkState) -> Vec<(&'static str, String)> {
        let subject = Subject {
            partner: "p",
            external_id: "e",
            now: Timestamp::now(),
        };
        events(&subject, previous, next)
            .into_iter()
            .map(|e| (e.event_type, e.product_code))
            .collect()
    }

    #[test]
    fn a_new_link_activates_each_product() {
        assert_eq!(
            kinds(None, &state(&["base", "video"], false, None)),
            vec![(ACTIVATED, "base".into()), (ACTIVATED, "video".into())]
        );
    }

    #[test]
    fn changed_codes_activate_and_deactivate() {
        let got = kinds(
            Some(&state(&["base", "video"], false, None)),
            &state(&["base", "gate"], false, None),
        );
        assert_eq!(
            got,
            vec![(ACTIVATED, "gate".into()), (DEACTIVATED, "video".into())]
        );
    }

    #[test]
    fn blocking_unblocking_and_rescheduling_are_per_product() {
        let open = state(&["base", "archive"], false, None);
        let blocked = state(&["base", "archive"], true, None);
        assert_eq!(
            kinds(Some(&open), &blocked),
            vec![(BLOCKED, "base".into()), (BLOCKED, "archive".into())]
        );
        assert_eq!(
            kinds(Some(&blocked), &open),
            vec![(UNBLOCKED, "base".into()), (UNBLOCKED, "archive".into())]
        );
        let ends = state(&["base", "archive"], false, Some("2027-03-31T21:00:00Z"));
        assert_eq!(
            kinds(Some(&open), &ends),
            vec![
                (RESCHEDULED, "base".into()),
                (RESCHEDULED, "archive".into())
            ]
        );
    }

    #[test]
    fn the_same_state_again_is_no_event() {
        let s = state(&["base"], true, None);
        assert!(kinds(Some(&s), &s).is_empty());
    }
}
