//! A delivery to a valid record, or to the reason it can never apply.

use crate::apply::Incoming;
use crate::store::{Failure, KnownRecord, Store};
use garde::Validate;
use lapin::message::Delivery;
use schema::envelope::RecordMessage;
use uuid::Uuid;

pub enum Decoded {
    Valid(Box<Incoming>),
    Invalid(Box<Failure>),
}

/// Checks a delivery again: the queue is a trust boundary, so a message someone put there by
/// hand, or from an older gateway, is read with the same strictness as a request.
pub async fn decode(store: &Store, delivery: &Delivery) -> Result<Decoded, sqlx::Error> {
    let id = delivery
        .properties
        .message_id()
        .as_ref()
        .and_then(|id| Uuid::parse_str(id.as_str()).ok());
    let invalid = |code, detail: String| {
        Ok(Decoded::Invalid(Box::new(Failure {
            id,
            envelope: None,
            code,
            detail,
        })))
    };
    let message: RecordMessage = match serde_json::from_slice(&delivery.data) {
        Ok(message) => message,
        // Only the kind and place of the error: serde's own message can quote the value.
        Err(e) => {
            let detail = format!(
                "the message is not a billing.record.v1 record ({:?} error at line {} column {})",
                e.classify(),
                e.line(),
                e.column()
            );
            return invalid("invalid_message", detail);
        }
    };
    if id.is_some_and(|id| id != message.id) {
        return invalid(
            "invalid_message",
            "the message_id property differs from the record id".into(),
        );
    }
    let Some(partner_id) = store.partner_id(&message.partner).await? else {
        return invalid(
            "unknown_partner",
            "the message names no known partner".into(),
        );
    };
    let incoming = Incoming {
        partner_id,
        message,
    };
    if let Err(report) = incoming.message.record.validate() {
        // garde's report names the path and the rule, never the value.
        let failure = Failure {
            id: Some(incoming.message.id),
            envelope: Some(KnownRecord::of(&incoming)),
            code: "invalid_record",
            detail: format!(
                "the record breaks the contract: {}",
                report.to_string().trim()
            ),
        };
        return Ok(Decoded::Invalid(Box::new(failure)));
    }
    Ok(Decoded::Valid(Box::new(incoming)))
}
