//! Rules that are neither HTTP nor SQL.

pub mod permissions;
pub mod tree;
pub mod validate;
