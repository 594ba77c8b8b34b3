//! The integration tests: one binary, a module per area, each test over the real app and a
//! database of its own (a copy of a migrated template; `common`). Every `backend_tests!`
//! test runs on SQLite and, when `TEST_DATABASE_URL` is set, on PostgreSQL.

#[macro_use]
mod common;

mod activities;
mod audit;
mod auth;
mod bench_data;
mod cache;
mod changes;
mod concurrency;
mod contacts;
mod contract;
mod demo;
mod errors;
mod expand;
mod follow_up;
mod goals;
mod hostile;
mod idempotency;
mod indicator_revisions;
mod kolada;
mod max_length;
mod metrics;
mod migrations;
mod periods;
mod permissions;
mod public;
mod revisions;
mod rollover;
mod security;
mod tokens;
mod transfer;
mod two_instances;
mod units;
mod webhooks;
