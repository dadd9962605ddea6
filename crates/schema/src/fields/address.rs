//! Address: free text, or a FIAS/GAR object GUID which is then stored as that id, lower-cased.

use super::Rejection;
use super::text::{char_count, collapse_whitespace, limits};
use crate::error::ErrorCode;
use uuid::Uuid;

pub fn normalise(raw: &str) -> Result<String, Rejection> {
    if let Some(guid) = as_guid(raw) {
        if guid.is_nil() {
            return Err(Rejection::new(
                ErrorCode::InvalidAddress,
                "the nil GUID names no FIAS/GAR object",
            ));
        }
        return Ok(guid.hyphenated().to_string());
    }
    let text = collapse_whitespace(raw);
    if char_count(&text) > limits::ADDRESS {
        return Err(Rejection::new(
            ErrorCode::TooLong,
            "must be at most 500 characters",
        ));
    }
    if !text.chars().any(char::is_alphanumeric) {
        return Err(Rejection::new(
            ErrorCode::InvalidAddress,
            "must be a postal address or a FIAS/GAR GUID",
        ));
    }
    Ok(text)
}

/// Only the canonical 8-4-4-4-12 form counts as a GUID: `Uuid::parse_str` also takes
/// 32 bare hex digits, which could be a house number in some export.
fn as_guid(raw: &str) -> Option<Uuid> {
    let canonical = raw.len() == 36
        && raw.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    canonical.then(|| Uuid::parse_str(raw).ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guid_is_stored_lower_case() {
        assert_eq!(
            normalise("3F2B9C1E-7A4D-4E5B-9C8D-1A2B3C4D5E6F").as_deref(),
            Ok("3f2b9c1e-7a4d-4e5b-9c8d-1a2b3c4d5e6f")
        );
    }

    #[test]
    fn the_nil_guid_is_refused() {
        assert_eq!(
            normalise("00000000-0000-0000-0000-000000000000").map_err(|r| r.code),
            Err(ErrorCode::InvalidAddress)
        );
    }

    #[test]
    fn free_text_is_kept_on_one_line() {
        assert_eq!(
            normalise("Московская обл,\n г Москва, ул Ленина 13").as_deref(),
            Ok("Московская обл, г Москва, ул Ленина 13")
        );
    }
}
