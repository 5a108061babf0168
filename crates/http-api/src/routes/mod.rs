//! Route handlers, one module per resource. Handlers only translate: wire
//! types in, a use case call, wire types out. No SQL, no business rules.

pub mod activities;
pub mod audit;
pub mod auth;
pub mod companies;
pub mod contacts;
pub mod deals;
pub mod export;
pub mod gdpr;
pub mod imports;
pub mod jobs;
pub mod ops;
pub mod organizations;
mod params;
mod patch;
pub mod pipelines;
pub mod reports;
mod spool;
pub mod team;

use crate::problem::ApiError;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;

pub use params::query_error as params_error;

/// Unknown routes and methods answer in the same problem format.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(StatusCode::NOT_FOUND, "no such route"))
}
