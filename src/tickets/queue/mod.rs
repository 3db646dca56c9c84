//! The durable escalation queue ([`store`]) and the worker that drains it ([`worker`]).

mod events;
mod model;
pub use model::*;
pub mod store;
pub mod watch;
pub mod worker;
