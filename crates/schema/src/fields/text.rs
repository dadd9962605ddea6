//! Lengths and characters of plain text fields.
//!
//! Limits are counted in characters (Unicode scalar values), not bytes: a Cyrillic surname of
//! 100 letters is 200 bytes and must pass.

/// Maximum lengths of contract §1, in characters.
pub mod limits {
    pub const ID: usize = 64;
    pub const PRODUCT_CODE: usize = 64;
    pub const NAME: usize = 100;
    pub const EMAIL: usize = 254;
    pub const ADDRESS: usize = 500;
    pub const BLOCK_REASON: usize = 500;
    pub const APARTMENT: usize = 32;
    pub const PRODUCT_CODES: usize = 20;
    pub const IDEMPOTENCY_KEY: usize = 64;
}

pub fn char_count(value: &str) -> usize {
    value.chars().count()
}

/// Identifiers (externalId, accountId, product codes) must be printable: a control character
/// in an id is a broken export, and PostgreSQL cannot store NUL at all.
pub fn is_printable(value: &str) -> bool {
    !value.chars().any(char::is_control)
}

/// Free text from billing exports often carries tabs, line breaks or stray control
/// characters; each run of them and of spaces becomes one space, so the stored text is one
/// clean line.
pub fn collapse_whitespace(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut pending_space = false;
    for c in value.chars() {
        if c.is_whitespace() || c.is_control() {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapse_whitespace_joins_lines_and_drops_controls() {
        assert_eq!(
            collapse_whitespace("ул Ленина\n\t13\u{0}  кв"),
            "ул Ленина 13 кв"
        );
    }

    #[test]
    fn char_count_counts_cyrillic_letters_once() {
        assert_eq!(char_count("Ёжиков"), 6);
    }
}
