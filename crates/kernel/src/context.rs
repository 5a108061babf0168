//! The tenant context: who is acting, in which organization, with what role.
//! It is built in exactly one place per entry point (the HTTP extractor, the
//! worker loop) and passed first to every port method touching tenant data.

use crate::{TenantId, UserId};
use std::fmt;
use std::str::FromStr;

/// A member's role inside one organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Manager,
    Rep,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Manager, Role::Rep, Role::Viewer];

    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Rep => "rep",
            Role::Viewer => "viewer",
        }
    }

    /// Admins and managers act on every record of the organization.
    pub const fn manages_all_records(self) -> bool {
        matches!(self, Role::Admin | Role::Manager)
    }

    /// Everyone but viewers may create records.
    pub const fn can_write(self) -> bool {
        !matches!(self, Role::Viewer)
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}`; expected admin, manager, rep or viewer"))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verified identity of a request. There is no public way to build one
/// from client input: only an entry point that verified a token creates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantContext {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub role: Role,
}

impl TenantContext {
    pub const fn new(tenant_id: TenantId, user_id: UserId, role: Role) -> Self {
        Self {
            tenant_id,
            user_id,
            role,
        }
    }
}
