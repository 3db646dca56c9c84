//! The writers' to-do list (`ayuda report content`).
