//! Contacts and companies: the records a sales team keeps. Validation rules,
//! the role policy (who may read, create, change and reassign what), the
//! repository port and the use cases. Pure (invariant 1).
//!
//! Both record kinds share one generic service ([`RecordService`]) over one
//! port ([`RecordRepository`]); a kind says how it validates and who owns it.

mod company;
mod contact;
mod kind;
mod policy;
mod ports;
mod query;
mod service;

pub use company::{Company, CompanyDraft, CompanyInput, Domain};
pub use contact::{Contact, ContactDraft, ContactInput};
pub use kind::{Companies, Contacts, RecordKind};
pub use policy::{ReadScope, Visibility};
pub use ports::{RecordRepository, VisibilitySettings};
pub use query::{COMPANY_SORTS, CONTACT_SORTS, CompanyQuery, ContactQuery, SearchTerm};
pub use service::{CompanyService, ContactService, RecordError, RecordService};
