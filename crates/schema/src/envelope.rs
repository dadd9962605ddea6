//! The `billing.record.v1` message: one accepted record on `billing.records`.
//!
//! Body: JSON [`RecordMessage`]. Properties: `content_type` `application/json`, `type`
//! [`RECORD_MESSAGE_TYPE`], `message_id` = the row id, `timestamp`, persistent delivery.
//! Headers carry only identifiers ([`headers`]), never personal data: they are shown in the
//! management UI and copied into dead-letter metadata.

use crate::record::Record;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const RECORD_MESSAGE_TYPE: &str = "billing.record.v1";
pub const CONTENT_TYPE: &str = "application/json";

/// Header names of a record message.
pub mod headers {
    pub const PARTNER: &str = "partner";
    pub const EXTERNAL_ID: &str = "externalId";
    pub const REQUEST_ID: &str = "requestId";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordMessage {
    /// The row id answered to the partner: UUIDv7, so it orders records of one gateway.
    pub id: Uuid,
    pub partner: String,
    /// When the gateway accepted the record (the `createdAt` of the answer).
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub record: Record,
}
