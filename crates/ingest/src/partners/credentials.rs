//! Generated partner secrets: 32 random bytes, shown once, stored as SHA-256.
//!
//! A fast hash is right here because the secret is random, not chosen by a person: no
//! dictionary to guess from, and no slow password hash to pay on every request.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const SECRET_BYTES: usize = 32;

/// A new secret, as the partner will type it (URL-safe base64, 43 characters).
pub fn generate_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Constant-time comparison of a presented secret with a stored hash.
pub fn matches(secret: &str, stored_hash: &[u8]) -> bool {
    hash(secret).ct_eq(stored_hash).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_matches_only_its_own_hash() {
        let secret = generate_secret();
        assert_eq!(secret.len(), 43);
        assert!(matches(&secret, &hash(&secret)));
        assert!(!matches(&generate_secret(), &hash(&secret)));
    }
}
