//! Planning a group: for each link the newest record wins if it is newer than the stored one;
//! every other record of the group is superseded by whichever record ends up applied.

use super::diff::{self, LinkState, ProductEvent, Subject};
use jiff::Timestamp;
use schema::envelope::RecordMessage;
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// A link: (partner id, externalId).
pub type LinkKey = (i64, String);

/// A decoded, valid message and the partner it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    pub partner_id: i64,
    pub message: RecordMessage,
}

impl Incoming {
    pub fn key(&self) -> LinkKey {
        (self.partner_id, self.message.record.external_id.clone())
    }
}

/// The final status of one record of the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusChange {
    Applied,
    Superseded { by: Uuid },
}

/// What to write, in one transaction.
#[derive(Debug, Default)]
pub struct Plan<'a> {
    /// The records that become the stored state of their link.
    pub applied: Vec<&'a Incoming>,
    pub statuses: Vec<(&'a Incoming, StatusChange)>,
    pub events: Vec<ProductEvent>,
}

/// `stored`: the current state of the group's links; `done`: ids already applied or
/// superseded (a redelivery), which change nothing and record no event.
pub fn plan<'a>(
    group: &'a [Incoming],
    stored: &HashMap<LinkKey, LinkState>,
    done: &HashSet<Uuid>,
    now: Timestamp,
) -> Plan<'a> {
    let mut by_link: BTreeMap<LinkKey, Vec<&Incoming>> = BTreeMap::new();
    let mut seen = HashSet::new();
    for incoming in group {
        let id = incoming.message.id;
        // A message delivered twice inside one group counts once.
        if done.contains(&id) || !seen.insert(id) {
            continue;
        }
        by_link.entry(incoming.key()).or_default().push(incoming);
    }
    let mut plan = Plan::default();
    for (key, mut records) in by_link {
        records.sort_by_key(|r| r.message.id);
        let previous = stored.get(&key);
        let newest = records.last().copied();
        let winner = newest.filter(|r| previous.is_none_or(|p| r.message.id > p.record_id));
        let final_id = winner
            .map(|w| w.message.id)
            .or(previous.map(|p| p.record_id));
        for record in &records {
            if winner.is_some_and(|w| w.message.id == record.message.id) {
                continue;
            }
            // Equal to the stored id would be the applied record itself; `done` covers it,
            // and the stored id then supersedes nothing.
            if let Some(by) = final_id.filter(|by| *by != record.message.id) {
                plan.statuses
                    .push((record, StatusChange::Superseded { by }));
            }
        }
        if let Some(winner) = winner {
            let next = LinkState::of(winner.message.id, &winner.message.record);
            let subject = Subject {
                partner: &winner.message.partner,
                external_id: &winner.message.record.external_id,
                now,
            };
            plan.events.extend(diff::events(&subject, previous, &next));
            plan.statuses.push((winner, StatusChange::Applied));
            plan.applied.push(winner);
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use schema::Record;

    fn incoming(external_id: &str, codes: &[&str]) -> Incoming {
        let record = Record {
            external_id: external_id.into(),
            account_id: "acc".into(),
            product_codes: codes.iter().map(|c| c.to_string()).collect(),
            msisdn: "79123456789".into(),
            email: None,
            first_name: None,
            last_name: None,
            mid_name: None,
            address: "addr".into(),
            apartment: "1".into(),
            started_at: "2025-01-01T00:00:00Z".parse().expect("ts"),
            finished_at: None,
            block_reason: None,
        };
        Incoming {
            partner_id: 1,
            message: RecordMessage {
                id: Uuid::now_v7(),
                partner: "p".into(),
                created_at: Timestamp::now(),
                request_id: None,
                record,
            },
        }
    }

    #[test]
    fn the_newest_record_of_a_link_in_a_group_wins_and_supersedes_the_others() {
        let older = incoming("e", &["base"]);
        let newer = incoming("e", &["video"]);
        let group = vec![newer.clone(), older.clone()];
        let plan = plan(&group, &HashMap::new(), &HashSet::new(), Timestamp::now());
        assert_eq!(
            plan.applied
                .iter()
                .map(|r| r.message.id)
                .collect::<Vec<_>>(),
            vec![newer.message.id]
        );
        assert!(plan.statuses.contains(&(
            &group[1],
            StatusChange::Superseded {
                by: newer.message.id
            }
        )));
        assert_eq!(
            plan.events
                .iter()
                .map(|e| e.product_code.as_str())
                .collect::<Vec<_>>(),
            vec!["video"]
        );
    }

    #[test]
    fn a_record_older_than_the_stored_one_is_superseded_and_changes_nothing() {
        let older = incoming("e", &["base"]);
        let stored_record = incoming("e", &["video"]);
        let stored = HashMap::from([(
            older.key(),
            LinkState::of(stored_record.message.id, &stored_record.message.record),
        )]);
        let group = vec![older];
        let plan = plan(&group, &stored, &HashSet::new(), Timestamp::now());
        assert!(plan.applied.is_empty() && plan.events.is_empty());
        assert_eq!(
            plan.statuses,
            vec![(
                &group[0],
                StatusChange::Superseded {
                    by: stored_record.message.id
                }
            )]
        );
    }

    #[test]
    fn a_redelivered_record_changes_nothing() {
        let record = incoming("e", &["base"]);
        let group = vec![record.clone(), record.clone()];
        let plan1 = plan(&group, &HashMap::new(), &HashSet::new(), Timestamp::now());
        assert_eq!(
            (plan1.applied.len(), plan1.events.len()),
            (1, 1),
            "twice in one group counts once"
        );
        let plan2 = plan(
            &group,
            &HashMap::new(),
            &HashSet::from([record.message.id]),
            Timestamp::now(),
        );
        assert!(plan2.applied.is_empty() && plan2.statuses.is_empty() && plan2.events.is_empty());
    }
}
