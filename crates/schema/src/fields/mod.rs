//! One module per field rule. Each parser takes the partner's trimmed, non-blank text and
//! returns the normalised value or the code and human detail of what is wrong; the detail
//! never repeats the value.

pub mod address;
pub mod dates;
pub mod email;
pub mod msisdn;
pub mod text;

use crate::error::ErrorCode;

/// Why one field's value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejection {
    pub code: ErrorCode,
    pub detail: &'static str,
}

impl Rejection {
    pub const fn new(code: ErrorCode, detail: &'static str) -> Self {
        Rejection { code, detail }
    }
}
