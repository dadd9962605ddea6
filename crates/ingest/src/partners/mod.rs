//! Partners: who may post batches, with which credentials, and their product-code aliases.

pub mod credentials;
pub mod store;

/// An authenticated partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub id: i64,
    pub name: String,
}
