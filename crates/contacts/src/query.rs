//! List queries: filters, search and a page.

use clearview_kernel::custom_fields::CustomQuery;
use clearview_kernel::{CompanyId, PageRequest, SearchTerm, UserId};

pub const CONTACT_SORTS: &[&str] = &["created_at", "updated_at", "first_name", "last_name"];
pub const COMPANY_SORTS: &[&str] = &["created_at", "updated_at", "name"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactQuery {
    pub search: Option<SearchTerm>,
    pub owner_id: Option<UserId>,
    pub company_id: Option<CompanyId>,
    pub custom: CustomQuery,
    pub page: PageRequest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyQuery {
    pub search: Option<SearchTerm>,
    pub owner_id: Option<UserId>,
    pub custom: CustomQuery,
    pub page: PageRequest,
}
