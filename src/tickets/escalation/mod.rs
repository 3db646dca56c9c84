//! Escalation: the business calendar and SLA deadlines ([`calendar`]) and the ticket lifecycle ([`lifecycle`]).

pub mod calendar;
pub mod lifecycle;
pub mod links;
pub mod plan;
pub mod watcher;
