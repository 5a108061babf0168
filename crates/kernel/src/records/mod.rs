//! Owned records: the role policy every kind of sales record follows
//! (contacts, companies, deals, activities), a generic repository port and
//! a generic service. A kind says how it validates and who owns it.

mod kind;
pub mod policy;
mod ports;
mod service;

pub use kind::RecordKind;
pub use policy::{ReadScope, Visibility};
pub use ports::{RecordRepository, VisibilitySettings, read_scope};
pub use service::{RecordError, RecordService};
