//! The activity list query: filters and a page.

use crate::activity::ActivityKind;
use chrono::{DateTime, Utc};
use clearview_kernel::{CompanyId, ContactId, DealId, PageRequest, UserId};

/// Keyset sorts, on NOT NULL columns only. `timeline_at` is when an
/// activity happened, else when it is due, else when it was logged.
pub const ACTIVITY_SORTS: &[&str] = &["timeline_at", "created_at"];
/// Timelines read newest first.
pub const DEFAULT_ACTIVITY_SORT: &str = "-timeline_at";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityQuery {
    pub deal_id: Option<DealId>,
    pub contact_id: Option<ContactId>,
    pub company_id: Option<CompanyId>,
    pub kind: Option<ActivityKind>,
    pub owner_id: Option<UserId>,
    /// Activities due strictly before this time (tasks).
    pub due_before: Option<DateTime<Utc>>,
    pub done: Option<bool>,
    /// A JSON object as text: activities whose metadata contains it.
    pub metadata: Option<String>,
    pub page: PageRequest,
}

impl ActivityQuery {
    /// A query with no filters.
    pub fn all(page: PageRequest) -> Self {
        Self {
            deal_id: None,
            contact_id: None,
            company_id: None,
            kind: None,
            owner_id: None,
            due_before: None,
            done: None,
            metadata: None,
            page,
        }
    }
}
