pub mod attrs;
mod gfm;
pub mod html_policy;
pub mod markdown;
pub mod shortcodes;
pub mod theme;
