//! Owner's phone: a Russian mobile number in any common notation, stored as `79XXXXXXXXX`.
//!
//! Parsing is done by `phonenumber` (a libphonenumber port) so that the number plan, not a
//! hand-written pattern, decides what is a mobile number: `+74951234567` parses but is a
//! landline, `+70000000001` parses but is no number at all.

use super::Rejection;
use crate::error::ErrorCode;
use phonenumber::{Type, country::Id, metadata::DATABASE};

const DETAIL: &str =
    "must be a Russian mobile number, e.g. +7 912 345-67-89, 8 (912) 345 67 89 or 9123456789";

/// A normalised Russian mobile number: `7` followed by the ten-digit national number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msisdn(String);

impl Msisdn {
    pub fn parse(raw: &str) -> Result<Msisdn, Rejection> {
        let reject = Rejection::new(ErrorCode::InvalidMsisdn, DETAIL);
        // Only the characters of the common notations; libphonenumber alone would also read
        // letters (vanity numbers) and extensions, which a billing export never means.
        let notation_ok = raw
            .char_indices()
            .all(|(i, c)| c.is_ascii_digit() || " -().".contains(c) || (c == '+' && i == 0));
        let digits = raw.chars().filter(char::is_ascii_digit).count();
        if !notation_ok || !well_formed(raw) || !(10..=11).contains(&digits) {
            return Err(reject);
        }
        let number = phonenumber::parse(Some(Id::RU), raw).map_err(|_| reject)?;
        let national = number.national().value();
        // `number_type` is `Mobile` only for a valid number of the plan, so `is_valid`, which
        // would run the same pattern matching again, is not called: this check is the
        // costliest step of the intake's validation.
        let is_mobile =
            number.code().value() == 7 && matches!(number.number_type(&DATABASE), Type::Mobile);
        if !is_mobile || !(9_000_000_000..=9_999_999_999).contains(&national) {
            return Err(reject);
        }
        Ok(Msisdn(format!("7{national}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// The shape of a written number: it starts with `+`, `(` or a digit and ends with a digit, has
/// at most one pair of brackets, opened before it is closed, and no two separators in a row.
fn well_formed(raw: &str) -> bool {
    let (opens, closes) = (raw.matches('(').count(), raw.matches(')').count());
    let brackets_ok = match (raw.find('('), raw.find(')')) {
        (None, None) => true,
        (Some(open), Some(close)) => opens == 1 && closes == 1 && open < close,
        _ => false,
    };
    let starts_ok = raw.starts_with(|c: char| c == '+' || c == '(' || c.is_ascii_digit());
    let ends_ok = raw.ends_with(|c: char| c.is_ascii_digit());
    let separators_ok = !raw
        .as_bytes()
        .windows(2)
        .any(|pair| b"-.".contains(&pair[0]) && b"-.".contains(&pair[1]));
    brackets_ok && starts_ok && ends_ok && separators_ok
}

/// True when `value` is already in the stored form (used when re-checking queue messages).
pub fn is_normalised(value: &str) -> bool {
    value.len() == 11 && value.starts_with("79") && value.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_common_notation_becomes_the_same_number() {
        for raw in [
            "+79000000001",
            "89000000001",
            "79000000001",
            "9000000001",
            "+7 (900) 000-00-01",
            "8-900-000-00-01",
            "8 (900) 000 00 01",
        ] {
            assert_eq!(
                Msisdn::parse(raw).map(Msisdn::into_string),
                Ok("79000000001".into()),
                "{raw}"
            );
        }
    }

    #[test]
    fn wrong_lengths_non_numbers_and_landlines_are_refused() {
        for raw in [
            "+790000000012",
            "+7900000000",
            "+70000000001",
            "+71000000001",
            "+74951234567",
            "84951234567",
            "+19123456789",
            "+7 912 345-67-89 ext 5",
            "7912345678a",
            "++79123456789",
            "((((9000000001",
            "...9000000001...",
            "8(900)000-00-01)",
            "8-900--000-00-01",
        ] {
            assert_eq!(
                Msisdn::parse(raw).map_err(|r| r.code),
                Err(ErrorCode::InvalidMsisdn),
                "{raw}"
            );
        }
    }
}
