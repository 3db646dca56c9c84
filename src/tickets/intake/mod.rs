//! Intake: a post passes the guards ([`guard`]) and the partner key check ([`keys`]), is
//! validated ([`validate`], with the CC field in `cc`) and answered in the partner's language ([`messages`]) by the
//! HTTP handlers ([`http`]).

pub mod attachments;
mod cc;
pub mod guard;
pub mod http;
pub mod keys;
pub mod messages;
pub mod shared;
pub mod validate;
