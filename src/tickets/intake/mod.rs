//! Intake: a post passes the guards ([`guard`]) and the partner key check ([`keys`]), is
//! validated ([`validate`]) and answered in the partner's language ([`messages`]) by the
//! HTTP handlers ([`http`]).

pub mod guard;
pub mod http;
pub mod keys;
pub mod messages;
pub mod shared;
pub mod validate;
