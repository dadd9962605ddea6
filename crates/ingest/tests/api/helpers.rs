//! The shared test kit, re-exported for this suite.

pub use billing_testkit::*;
