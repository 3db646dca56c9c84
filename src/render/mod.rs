pub mod attrs;
mod gfm;
mod highlight;
pub mod html_policy;
pub mod markdown;
pub mod shortcodes;
pub mod theme;
