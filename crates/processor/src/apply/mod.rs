//! What applying a group of records means, decided in memory from the stored state: which
//! record of each link wins, which are superseded, and which product events the change makes.
//! No I/O here; [`crate::store`] loads the inputs and writes the plan in one transaction.

pub mod diff;
pub mod plan;

pub use diff::{LinkState, ProductEvent};
pub use plan::{Incoming, Plan, StatusChange, plan};
