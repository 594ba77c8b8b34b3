//! malstyrning: a REST/JSON API for goal management (målstyrning) in Swedish municipalities.

pub mod api;
pub mod app;
pub mod auth;
pub mod bench_data;
pub mod cache;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod idempotency;
pub mod kolada;
pub mod metrics;
pub mod networks;
pub mod outbound;
pub mod rate_limit;
pub mod rules;
pub mod security;
pub mod store;
pub mod transfer;
pub mod webhooks;
