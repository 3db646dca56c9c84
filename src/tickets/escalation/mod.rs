//! Escalation: the business calendar and SLA deadlines ([`calendar`]).

pub mod calendar;
