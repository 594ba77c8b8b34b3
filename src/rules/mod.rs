//! Rules that are neither HTTP nor SQL.

pub mod municipalities;
pub mod periods;
pub mod permissions;
pub mod status;
pub mod text;
pub mod tree;
pub mod validate;
