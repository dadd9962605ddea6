//! Error codes of the contract and the problem rows of a rejected request.

use serde::Serialize;
use std::borrow::Cow;

/// The stable, machine-readable codes of contract §1. Serialised in `snake_case`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // 400: the body could not be read as the expected JSON.
    InvalidJson,
    InvalidType,
    DuplicateField,
    // 401, 413, 415, 409, 429, 503: the request, not its records.
    Unauthorized,
    PayloadTooLarge,
    UnsupportedMediaType,
    IdempotencyKeyInFlight,
    RateLimited,
    BrokerUnavailable,
    StoreUnavailable,
    // 422: well-formed but invalid.
    Required,
    Empty,
    TooLong,
    UnknownField,
    InvalidMsisdn,
    InvalidEmail,
    InvalidDate,
    FinishedBeforeStarted,
    UnknownProductCode,
    DuplicateProductCode,
    DuplicateExternalId,
    InvalidAddress,
    EmptyBatch,
    TooManyRecords,
    IdempotencyKeyReused,
}

impl ErrorCode {
    /// Codes that mean "this is not the JSON we expect" (answered with 400); all other
    /// validation codes are 422. A batch with both kinds answers 400.
    pub fn is_malformed(self) -> bool {
        matches!(
            self,
            ErrorCode::InvalidJson | ErrorCode::InvalidType | ErrorCode::DuplicateField
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidType => "invalid_type",
            ErrorCode::DuplicateField => "duplicate_field",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::IdempotencyKeyInFlight => "idempotency_key_in_flight",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::BrokerUnavailable => "broker_unavailable",
            ErrorCode::StoreUnavailable => "store_unavailable",
            ErrorCode::Required => "required",
            ErrorCode::Empty => "empty",
            ErrorCode::TooLong => "too_long",
            ErrorCode::UnknownField => "unknown_field",
            ErrorCode::InvalidMsisdn => "invalid_msisdn",
            ErrorCode::InvalidEmail => "invalid_email",
            ErrorCode::InvalidDate => "invalid_date",
            ErrorCode::FinishedBeforeStarted => "finished_before_started",
            ErrorCode::UnknownProductCode => "unknown_product_code",
            ErrorCode::DuplicateProductCode => "duplicate_product_code",
            ErrorCode::DuplicateExternalId => "duplicate_external_id",
            ErrorCode::InvalidAddress => "invalid_address",
            ErrorCode::EmptyBatch => "empty_batch",
            ErrorCode::TooManyRecords => "too_many_records",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the `errors` array: where (`source`, dot notation), what for humans
/// (`detail`, never echoing the value sent) and what for machines (`code`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub source: String,
    pub detail: Cow<'static, str>,
    pub code: ErrorCode,
}

impl Problem {
    pub fn new(
        source: impl Into<String>,
        code: ErrorCode,
        detail: impl Into<Cow<'static, str>>,
    ) -> Self {
        Problem {
            source: source.into(),
            detail: detail.into(),
            code,
        }
    }
}

/// Every problem found in one request, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn push(
        &mut self,
        source: impl Into<String>,
        code: ErrorCode,
        detail: impl Into<Cow<'static, str>>,
    ) {
        self.0.push(Problem::new(source, code, detail));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when any problem is of the 400 kind: the answer is then 400, listing all.
    pub fn any_malformed(&self) -> bool {
        self.0.iter().any(|p| p.code.is_malformed())
    }

    pub fn into_vec(self) -> Vec<Problem> {
        self.0
    }
}
