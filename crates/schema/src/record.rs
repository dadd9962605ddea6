//! The normalised record: what a valid `Data` item becomes, and what travels on the queue.

use crate::fields::{msisdn, text::limits};
use garde::Validate;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One resident/services link in its normalised form: trimmed text, phone `79XXXXXXXXX`,
/// e-mail domain in punycode, product codes resolved to the operator's catalogue, dates as
/// instants (RFC 3339 in JSON).
///
/// The gateway only builds it through [`crate::parse_batch`]; whoever reads it back from the
/// queue checks it again with [`garde::Validate`], since the queue is a trust boundary too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Record {
    #[garde(length(chars, min = 1, max = limits::ID))]
    pub external_id: String,
    #[garde(length(chars, min = 1, max = limits::ID))]
    pub account_id: String,
    #[garde(length(min = 1, max = limits::PRODUCT_CODES), inner(length(chars, min = 1, max = limits::PRODUCT_CODE)))]
    pub product_codes: Vec<String>,
    #[garde(custom(normalised_msisdn))]
    pub msisdn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(length(chars, min = 3, max = limits::EMAIL))]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(length(chars, min = 1, max = limits::NAME))]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(length(chars, min = 1, max = limits::NAME))]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(length(chars, min = 1, max = limits::NAME))]
    pub mid_name: Option<String>,
    #[garde(length(chars, min = 1, max = limits::ADDRESS))]
    pub address: String,
    #[garde(length(chars, min = 1, max = limits::APARTMENT))]
    pub apartment: String,
    #[garde(skip)]
    pub started_at: Timestamp,
    /// Exclusive end of service; `None` means no end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(custom(not_before(&self.started_at)))]
    pub finished_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(length(chars, min = 1, max = limits::BLOCK_REASON))]
    pub block_reason: Option<String>,
}

impl Record {
    /// Present and non-empty `blockReason` blocks the record's products.
    pub fn is_blocked(&self) -> bool {
        self.block_reason.is_some()
    }
}

fn normalised_msisdn(value: &str, _: &()) -> garde::Result {
    if msisdn::is_normalised(value) {
        Ok(())
    } else {
        Err(garde::Error::new("not a normalised Russian mobile number"))
    }
}

fn not_before(start: &Timestamp) -> impl FnOnce(&Option<Timestamp>, &()) -> garde::Result + '_ {
    move |end, _| match end {
        Some(end) if end < start => Err(garde::Error::new("ends before it starts")),
        _ => Ok(()),
    }
}
