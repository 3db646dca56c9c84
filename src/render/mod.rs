pub mod html_policy;
pub mod markdown;
pub mod theme;
