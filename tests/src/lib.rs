//! End-to-end test support: each test spawns the real server on port 0
//! against a fresh PostgreSQL database (migrated as the owner, served as the
//! application role) and real Redis, then drives it over HTTP like a client.
//!
//! Connection settings: `TEST_DATABASE_URL` (a superuser URL without a
//! database name, default `postgres://postgres@127.0.0.1:5432`) and
//! `TEST_REDIS_URL` (default `redis://127.0.0.1:6379`).

mod client;
pub mod custom_fields;
pub mod imports;
pub mod oidc;
pub mod otlp;
pub mod postgres_server;
pub mod process;
pub mod redis_server;
pub mod reports;
pub mod scim;
pub mod smtp;
mod spawn;
pub mod stack;
pub mod webhook_receiver;

pub use clearview_app::{Policy, RateLimitSettings};

/// An HTTP client for the tests. reqwest is built with rustls and no
/// provider of its own (the webhook adapter's choice), so the process's
/// provider is installed first; building a client without one panics.
pub fn http_client() -> reqwest::Client {
    clearview_app::install_tls_provider();
    reqwest::Client::new()
}
pub mod mfa;
pub use client::{Response, User};
pub use spawn::{AppOptions, PASSWORD, TestApp, generous_limits, spawn_app, spawn_app_with};
