//! The durable escalation queue ([`store`]) and the worker that drains it ([`worker`]).

pub mod store;
pub mod worker;
