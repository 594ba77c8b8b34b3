//! The domain: the goal model's rules and the one way to change data, beneath the HTTP
//! layer (`crate::api`) and above storage (`crate::store`). Nothing here knows HTTP.

pub mod input;
pub mod revisions;
pub mod rollover;
pub mod write;
