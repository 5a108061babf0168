//! What a SCIM user and group hold: only the attributes Clearview publishes
//! in its schemas, stored as the provider sent them (a provider compares
//! what it reads back with what it wrote).

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A person's name parts, each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScimName {
    pub formatted: Option<String>,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
}

impl ScimName {
    /// The name to show in Clearview: `formatted`, else given and family.
    pub fn display(&self) -> Option<String> {
        if let Some(formatted) = self.formatted.as_deref().filter(|f| !f.trim().is_empty()) {
            return Some(formatted.trim().to_owned());
        }
        let parts: Vec<&str> = [&self.given_name, &self.family_name]
            .into_iter()
            .filter_map(|p| p.as_deref().map(str::trim).filter(|p| !p.is_empty()))
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// One of a user's addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScimEmail {
    pub value: String,
    /// `work`, `home`, … as the provider labels it.
    pub kind: Option<String>,
    pub primary: Option<bool>,
}

/// The writable attributes of a user (`userName` required).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserAttributes {
    pub user_name: String,
    pub external_id: Option<String>,
    pub display_name: Option<String>,
    pub name: Option<ScimName>,
    pub emails: Vec<ScimEmail>,
    /// `None` when the provider never said (or removed it): not deactivated.
    pub active: Option<bool>,
}

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimUser {
    pub id: Uuid,
    pub attributes: UserAttributes,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Counts writes: the resource's ETag, and the guard of a PATCH.
    pub version: i64,
}

/// A user to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScimUser {
    pub id: Uuid,
    pub attributes: UserAttributes,
}

/// The writable attributes of a group (`displayName` required).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupAttributes {
    pub display_name: String,
    pub external_id: Option<String>,
    /// SCIM user ids of the organization, without duplicates.
    pub members: Vec<Uuid>,
}

/// A group as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimGroup {
    pub id: Uuid,
    pub attributes: GroupAttributes,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// A group to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScimGroup {
    pub id: Uuid,
    pub attributes: GroupAttributes,
}

/// The one filter form providers send to find a resource: an attribute
/// equal (case-insensitively) to a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScimFilter {
    All,
    UserName(String),
    ExternalId(String),
    DisplayName(String),
    Id(Uuid),
    /// An id that is no UUID matches nothing.
    Nothing,
}

/// A page in SCIM's terms: 1-based start, at most `count` resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScimPage {
    pub start_index: u64,
    pub count: u64,
}

/// The organization's SCIM token as listed (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimToken {
    /// `…` and the token's last characters.
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}
