//! List queries: filters, search and a page.

use clearview_kernel::{CompanyId, PageRequest, UserId};

pub const CONTACT_SORTS: &[&str] = &["created_at", "updated_at", "first_name", "last_name"];
pub const COMPANY_SORTS: &[&str] = &["created_at", "updated_at", "name"];

/// A search term: trimmed and lower-cased, 1..=100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm(String);

impl SearchTerm {
    pub fn parse(raw: &str) -> Result<Option<Self>, String> {
        let term = raw.trim().to_lowercase();
        if term.is_empty() {
            return Ok(None);
        }
        if term.chars().count() > 100 {
            return Err("must be at most 100 characters".into());
        }
        Ok(Some(Self(term)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactQuery {
    pub search: Option<SearchTerm>,
    pub owner_id: Option<UserId>,
    pub company_id: Option<CompanyId>,
    pub page: PageRequest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyQuery {
    pub search: Option<SearchTerm>,
    pub owner_id: Option<UserId>,
    pub page: PageRequest,
}
