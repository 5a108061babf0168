//! The PostgreSQL adapter: every repository port of the domain crates over
//! sqlx. It keeps invariants 3 and 4: each unit of work is one transaction
//! that sets `app.tenant_id` locally before any tenant query, queries still
//! filter on `tenant_id`, and the server's role must not bypass RLS.
//!
//! Driver errors are translated here, at the edge, into `RepoError`
//! (named constraints → `Duplicate` / `MissingReference`).

mod accounts;
mod activities;
mod api_keys;
mod audit;
mod board;
mod custom_fields;
mod custom_lists;
mod db;
mod deals;
mod ended_sessions;
mod errors;
mod export;
mod imports;
mod jobs;
mod merge;
mod mfa;
mod pipelines;
mod rates;
mod records;
mod reminders;
mod reports;
mod rows;
mod schedules;
mod scim;
mod scim_rows;
mod scim_sync;
mod sealing;
mod signups;
mod sso;
mod team;
mod trash;
mod views;
mod webhooks;

pub use audit::verify_chain;
pub use db::{
    MIGRATOR, PgStore, assert_role_cannot_bypass_rls, connect, connect_with, migrate, set_app_role_password,
    set_worker_role_password,
};
pub use imports::{IMPORT_CONTACTS, IMPORT_MAX_ATTEMPTS, ImportCounts};
pub use jobs::{JOBS_CHANNEL, QueueDepth, SEND_EMAIL};
pub use reminders::DueReminder;
pub use sealing::OutboxKey;
