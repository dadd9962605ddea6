//! The wire contract of the billing intake, shared by the gateway and the processor.
//!
//! - [`batch`]: reads a partner's request body into normalised [`Record`]s, collecting every
//!   problem with its dot-notation path and stable code (contract §1).
//! - [`fields`]: one module per field rule (phone, e-mail, dates, address, text lengths).
//! - [`record`]: the normalised record that travels on the queue, re-checked with `garde` by
//!   whoever reads it from the queue (the queue is a trust boundary too).
//! - [`envelope`]: the message properties and headers of `billing.record.v1`.
//! - [`topology`]: exchange and queue names and their arguments.
//!
//! No I/O happens here.

pub mod batch;
pub mod envelope;
pub mod error;
pub mod fields;
pub mod record;
pub mod state;
pub mod topology;

pub use batch::{BatchLimits, ProductResolver, parse_batch};
pub use error::{ErrorCode, Problem, Problems};
pub use record::Record;
