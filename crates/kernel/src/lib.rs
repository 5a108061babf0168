//! Shared vocabulary of Clearview CRM: typed ids, the tenant context every
//! port method takes first, roles, parsed value types and pagination.
//!
//! This crate is pure: no IO, no database, no HTTP (invariant 1). Types here
//! parse once and keep their fields private, so a value that exists is valid.
//! `export` holds the CSV export port and use case.

pub mod audit;
mod context;
pub mod custom_fields;
mod email;
mod error;
pub mod export;
mod ids;
pub mod jobs;
pub mod mail;
mod money;
mod page;
pub mod queue;
pub mod rate_limit;
pub mod records;
mod text;
pub mod trash;
mod validation;

pub use context::{Role, TenantContext};
pub use email::EmailAddress;
pub use error::RepoError;
pub use ids::{ActivityId, CompanyId, ContactId, DealId, PipelineId, SessionId, StageId, TenantId, UserId};
pub use money::{Amount, Currency, ISO_4217, money_string};
pub use page::{Cursor, Limit, Page, PageRequest, Sort};
pub use rust_decimal::Decimal;
pub use text::{SearchTerm, optional_text, required_text};
pub use validation::{FieldError, ValidationErrors};
