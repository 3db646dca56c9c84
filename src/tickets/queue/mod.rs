//! The durable escalation queue ([`store`]) and the worker that drains it ([`worker`]).

pub mod agents;
pub mod database;
mod events;
pub mod external;
mod group;
mod model;
pub mod report;
pub use model::*;
pub mod store;
pub mod survey;
pub mod watch;
pub mod worker;
