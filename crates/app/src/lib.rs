//! The composition root: typed configuration, wiring of adapters into use
//! cases, and the `serve` command. No business logic lives here.

mod config;
mod import;
mod jobs;
pub mod metrics;
mod readiness;
pub mod schedules;
mod startup;
pub mod telemetry;
mod worker;

pub use clearview_contacts::ImportSettings;
/// Rate-limit settings and policies, for tests that set their own limits.
pub use clearview_http_api::RateLimitSettings;
pub use clearview_kernel::rate_limit::Policy;
/// Call before building any reqwest client in this process (see there).
pub use clearview_webhooks_http::install_tls_provider;
pub use config::{Config, ConfigError, Secret};
pub use startup::{Application, shutdown_signal, spawn_worker, start_worker, worker_store};
pub use worker::{Worker, WorkerSettings};
