//! Activities: the calls, emails, meetings, tasks and notes of a sales
//! team, logged against deals, contacts and companies, and the timelines
//! they form. Validation and the task rules live here; the role policy and
//! the use cases are the kernel's generic record service. Pure
//! (invariant 1): the repository port is `RecordRepository<Activities>`.
//!
//! Metadata (call duration, attendees, opens…) is free JSON kept as text:
//! domain types do not use serde. The HTTP layer checks it is an object;
//! this crate bounds its size.

mod activity;
mod kind;
mod query;
#[cfg(test)]
mod service_tests;

pub use activity::{
    Activity, ActivityDraft, ActivityInput, ActivityKind, MAX_BODY_CHARS, MAX_METADATA_BYTES, MAX_SUBJECT_CHARS, no_nul,
};
pub use clearview_kernel::records::{RecordError, RecordRepository, RecordService};
pub use kind::Activities;
pub use query::{ACTIVITY_SORTS, ActivityQuery, DEFAULT_ACTIVITY_SORT};

pub type ActivityService = RecordService<Activities>;
