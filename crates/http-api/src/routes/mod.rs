//! Route handlers, one module per resource. Handlers only translate: wire
//! types in, a use case call, wire types out. No SQL, no business rules.

pub mod activities;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod companies;
pub mod contacts;
pub mod custom_fields;
pub mod deals;
pub mod export;
pub mod gdpr;
pub mod imports;
pub mod jobs;
pub mod merge;
pub mod mfa;
pub mod oidc;
pub mod ops;
pub mod organizations;
mod params;
mod patch;
pub mod pipelines;
pub mod rates;
pub mod reports;
pub mod sales_reports;
pub mod scim;
pub mod scim_token;
mod spool;
pub mod sso;
pub mod team;
pub mod trash;
pub mod views;
pub mod webhooks;

pub use params::query_error as params_error;
