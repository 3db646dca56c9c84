//! The durable escalation queue ([`store`]) and the worker that drains it ([`worker`]).

mod events;
pub mod external;
mod model;
pub use model::*;
pub mod store;
pub mod worker;
