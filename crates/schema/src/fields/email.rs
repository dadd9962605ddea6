//! Owner's e-mail: syntax only (RFC 5321 mailbox with an internationalised domain), no DNS.
//!
//! Stored form: the local part exactly as sent, the domain in its ASCII (punycode) form,
//! lower-cased: `test@пример.рф` and `test@xn--e1afmkfd.xn--p1ai` are the same address and are
//! stored as the latter, the form every mail system accepts.

use super::Rejection;
use super::text::{char_count, limits};
use crate::error::ErrorCode;

const DETAIL: &str =
    "must be an e-mail address such as name@example.com; the part before @ must be ASCII";
const MAX_LOCAL: usize = 64;
const MAX_LABEL: usize = 63;

pub fn normalise(raw: &str) -> Result<String, Rejection> {
    let reject = Rejection::new(ErrorCode::InvalidEmail, DETAIL);
    if char_count(raw) > limits::EMAIL {
        return Err(Rejection::new(
            ErrorCode::TooLong,
            "must be at most 254 characters",
        ));
    }
    let (local, domain) = raw.rsplit_once('@').ok_or(reject)?;
    if !is_dot_atom(local) {
        return Err(reject);
    }
    if local.len() > MAX_LOCAL {
        return Err(Rejection::new(
            ErrorCode::InvalidEmail,
            "the part before @ must be at most 64 characters",
        ));
    }
    let ascii_domain = idna::domain_to_ascii_strict(domain).map_err(|_| reject)?;
    if !is_hostname(&ascii_domain) {
        return Err(reject);
    }
    let address = format!("{local}@{ascii_domain}");
    if address.len() > limits::EMAIL {
        return Err(Rejection::new(
            ErrorCode::TooLong,
            "must be at most 254 characters",
        ));
    }
    Ok(address)
}

/// RFC 5321 `Dot-string`: atoms of `atext` joined by single dots. Quoted local parts are
/// legal but no billing system sends them, and they break most mail clients.
fn is_dot_atom(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+/=?^_`{|}~-";
    !local.is_empty()
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
        })
}

/// A domain with at least two labels of letters, digits and inner hyphens, and a TLD that is
/// not all digits (that would be an IP address written wrongly).
fn is_hostname(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= MAX_LABEL
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels
            .last()
            .is_some_and(|tld| !tld.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_addresses_are_kept_verbatim() {
        for raw in [
            "ivan.test+billing@example.com",
            "o'test@example.com",
            "A.B@Mail.Example",
        ] {
            let expected = raw
                .rsplit_once('@')
                .map(|(l, d)| format!("{l}@{}", d.to_lowercase()));
            assert_eq!(normalise(raw).ok(), expected, "{raw}");
        }
    }

    #[test]
    fn an_internationalised_domain_is_stored_in_punycode_whatever_form_was_sent() {
        assert_eq!(
            normalise("test@пример.рф").as_deref(),
            Ok("test@xn--e1afmkfd.xn--p1ai")
        );
        assert_eq!(
            normalise("test@xn--e1afmkfd.xn--p1ai").as_deref(),
            Ok("test@xn--e1afmkfd.xn--p1ai")
        );
        assert_eq!(
            normalise("aleksey@почта.рф").as_deref(),
            Ok("aleksey@xn--80a1acny.xn--p1ai")
        );
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for raw in [
            "тест@пример.рф",
            "plain",
            "a@b",
            "a@@example.com",
            ".a@example.com",
            "a..b@example.com",
            "a@-example.com",
            "a@example..com",
            "a b@example.com",
            "a@example.123",
            "@example.com",
        ] {
            assert_eq!(
                normalise(raw).map_err(|r| r.code),
                Err(ErrorCode::InvalidEmail),
                "{raw}"
            );
        }
    }

    #[test]
    fn more_than_254_characters_is_too_long() {
        let raw = format!("{}@{}.example", "a".repeat(60), "b".repeat(200));
        assert_eq!(normalise(&raw).map_err(|r| r.code), Err(ErrorCode::TooLong));
    }
}
